/// The billable time entries of the closed months, kept compact from the ledger read until each
/// time-based draft is issued, and the annex of a draft made only then.
///
/// Why: a month of a million entries held as Strings (seven per entry) and again as each draft's
/// annex took about 800 MB. Here an entry is one small struct: its record key (a String, shared
/// with the draft's `recordKeys`) and the ids of its texts, each distinct text (project, task,
/// description, user, day) stored once in a ``TextPool``; a draft's annex (one ``AnnexEntry``
/// per entry) exists only while the invoicing stage issues that draft. `InvoiceDraft` and the
/// files it becomes are unchanged: ``DraftGenerator/Result/complete(_:)`` fills the annex exactly
/// as the generator used to.
final class TimeAnnexes {
    /// One billable time entry (about 56 bytes, plus its key's text).
    struct Entry {
        var key: String
        var project: Int32
        var task: Int32
        var description: Int32
        var user: Int32
        var date: Int32
        /// The currency of Clockify's rate when it is not the pipeline's (the rate is then not used): a text id, or -1.
        var otherRateCurrency: Int32
        var seconds: Int64
        /// Clockify's rate in minor units, 0 when there is none (only positive rates are kept).
        var clockifyRateMinor: Int64
    }

    /// A draft's entries (in ledger order) and the invoice line each one is billed on.
    struct Source {
        var entries: [Entry]
        var lines: [Int32]
    }

    let texts: TextPool
    private var sources: [String: Source] = [:]

    init(texts: TextPool) {
        self.texts = texts
    }

    func add(draftID: String, _ source: Source) {
        sources[draftID] = source
    }

    /// Removes and returns the annex of a draft, nil when none is kept for it. Lines are listed
    /// in order (line numbers follow the first appearance of their group), entries in ledger
    /// order within a line, as the generator always listed them.
    func take(draftID: String) -> [InvoiceDraft.AnnexEntry]? {
        guard let source = sources.removeValue(forKey: draftID) else { return nil }
        let order = source.entries.indices.sorted { a, b in
            source.lines[a] != source.lines[b] ? source.lines[a] < source.lines[b] : a < b
        }
        return order.map { index in
            let entry = source.entries[index]
            return InvoiceDraft.AnnexEntry(
                recordKey: entry.key, date: texts[entry.date], user: texts[entry.user], project: texts[entry.project],
                task: texts[entry.task], description: texts[entry.description], durationSeconds: entry.seconds,
                line: Int(source.lines[index]))
        }
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
