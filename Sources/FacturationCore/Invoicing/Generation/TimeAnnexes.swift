/// The billable time entries of the closed months, kept compact from the ledger read until each
/// time-based draft is issued, and the record keys and annex of a draft made only then.
///
/// Why: a month of a million entries held as Strings (seven per entry) and again as each draft's
/// annex took about 800 MB; a String per record key alone (about 80 bytes each on the heap) took
/// 80 MB more. Here an entry is one small struct: the id of its record key in a ``RecordKeyArena``
/// (the key's bytes, one after the other) and the ids of its texts, each distinct text (project,
/// task, description, user, day) stored once in a ``TextPool``. A draft's record keys and annex
/// (one ``AnnexEntry`` per entry) exist only while the invoicing stage issues that draft.
/// `InvoiceDraft` and the files it becomes are unchanged: ``DraftGenerator/Result/complete(_:)``
/// fills the keys and the annex exactly as the generator used to.
final class TimeAnnexes {
    /// One billable time entry (40 bytes).
    struct Entry {
        /// Its record key: an id in ``TimeAnnexes/keys``.
        var key: Int32
        var project: Int32
        var task: Int32
        var description: Int32
        var user: Int32
        var date: Int32
        /// The currency of Clockify's rate when it is not the pipeline's (the rate is then not used): a text id, or -1.
        var otherRateCurrency: Int32
        /// At most 72 hours (ImportBounds): longer entries are never kept.
        var seconds: Int32
        /// Clockify's rate in minor units, 0 when there is none (only positive rates are kept).
        var clockifyRateMinor: Int64
    }

    /// A draft's entries (in ledger order), the invoice line each one is billed on, and the order
    /// of its record keys (entry indices, the keys sorted as `InvoiceDraft.recordKeys` lists them).
    struct Source {
        var entries: [Entry]
        var lines: [Int32]
        var keyOrder: [Int32]
    }

    /// A draft's record keys and annex, made when it is issued.
    struct Taken {
        var recordKeys: [String]
        var annex: [InvoiceDraft.AnnexEntry]
    }

    let texts: TextPool
    let keys: RecordKeyArena
    private var sources: [String: Source] = [:]

    init(texts: TextPool, keys: RecordKeyArena) {
        self.texts = texts
        self.keys = keys
    }

    func add(draftID: String, _ source: Source) {
        sources[draftID] = source
    }

    /// Removes and returns the record keys and annex of a draft, nil when none are kept for it.
    /// Annex lines are listed in order (line numbers follow the first appearance of their group),
    /// entries in ledger order within a line, as the generator always listed them; each key is one
    /// String shared by both lists.
    func take(draftID: String) -> Taken? {
        guard let source = sources.removeValue(forKey: draftID) else { return nil }
        let strings = source.entries.map { keys[$0.key] }
        let order = source.entries.indices.sorted { a, b in
            source.lines[a] != source.lines[b] ? source.lines[a] < source.lines[b] : a < b
        }
        let annex = order.map { index in
            let entry = source.entries[index]
            return InvoiceDraft.AnnexEntry(
                recordKey: strings[index], date: texts[entry.date], user: texts[entry.user],
                project: texts[entry.project], task: texts[entry.task], description: texts[entry.description],
                durationSeconds: Int64(entry.seconds), line: Int(source.lines[index]))
        }
        return Taken(recordKeys: source.keyOrder.map { strings[Int($0)] }, annex: annex)
    }
}

/// Record keys stored one after the other in one byte array, each named by a dense id (0, 1, 2…
/// in order of addition); a key becomes a String only when it is read.
///
/// Why: a record key (`clockify:` and 24 hexadecimal digits) is too long for a small String, so
/// each one costs a heap object of about 80 bytes; here it costs its bytes and an offset.
struct RecordKeyArena {
    private var bytes: [UInt8] = []
    /// `ends[id]`: where key `id` ends in `bytes` (it starts where the one before it ends).
    private var ends: [Int] = []

    var count: Int { ends.count }

    /// Adds a key (its UTF-8 bytes); returns its id.
    mutating func add(_ key: UnsafeRawBufferPointer) -> Int32 {
        bytes.append(contentsOf: key)
        ends.append(bytes.count)
        return Int32(ends.count - 1)
    }

    mutating func add(_ key: String) -> Int32 {
        var key = key
        return key.withUTF8 { add(UnsafeRawBufferPointer($0)) }
    }

    subscript(id: Int32) -> String {
        let index = Int(id)
        let start = index == 0 ? 0 : ends[index - 1]
        return bytes.withUnsafeBufferPointer { String(decoding: $0[start..<ends[index]], as: UTF8.self) }
    }
}

/// Distinct texts, each stored once and named by a dense id (0, 1, 2… in order of first use).
///
/// Why: the texts of time entries repeat (a few projects, users and descriptions per client, 31
/// days a month); looking a field's bytes up in a ``FECKeyTable`` (a byte-keyed hash table with one
/// arena) makes no String for a text already seen.
struct TextPool {
    private let table = FECKeyTable(capacity: 1024)
    private var texts: [String] = []

    /// The id of `bytes` (UTF-8), added when new.
    mutating func id(_ bytes: UnsafeRawBufferPointer) -> Int32 {
        let (index, inserted) = table.findOrInsert(bytes)
        if inserted { texts.append(String(decoding: bytes, as: UTF8.self)) }
        return Int32(index)
    }

    mutating func id(_ text: String) -> Int32 {
        var text = text
        return text.withUTF8 { id(UnsafeRawBufferPointer($0)) }
    }

    subscript(id: Int32) -> String { texts[Int(id)] }
}
