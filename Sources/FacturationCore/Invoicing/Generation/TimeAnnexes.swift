/// The billable time entries of the closed months, kept compact from the ledger read until each
/// time-based draft is issued, and its annex and record keys written from them then.
///
/// Why: a month of a million entries held as Strings (seven per entry) and again as each draft's
/// annex took about 800 MB; a String per record key alone (about 80 bytes each on the heap) took
/// 80 MB more. Here an entry is one small struct: the id of its record key in a ``RecordKeyArena``
/// (12 bytes for a Clockify id) and the ids of its texts, each distinct text (project,
/// task, description, user, day) stored once in a ``TextPool``. A draft being issued never gets
/// its record keys and annex as Strings: the committer writes its annex CSV and record straight
/// from its entries (``Billed``); only a draft saved to wait for a person gets them as lists.
/// `InvoiceDraft` and the files it becomes are unchanged (tests compare both ways byte for byte).
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

    /// Removes and returns the billed entries of a draft, nil when none are kept for it.
    func take(draftID: String) -> Billed? {
        sources.removeValue(forKey: draftID).map { Billed(annexes: self, source: $0) }
    }

    /// A draft's billed entries, taken when its turn to be issued comes. Its annex CSV and the
    /// record keys of its record are written straight from them (``annexCSV()``,
    /// ``appendRecordKeys(to:)``): no String per entry, no annex struct, for an invoice being
    /// issued. A draft saved to wait for a person gets them as lists (``completing(_:)``).
    ///
    /// Read by the committing thread while the invoicing pass takes the next drafts: it reads only
    /// the texts and keys, which are never changed after generation.
    struct Billed {
        let annexes: TimeAnnexes
        let source: Source

        var count: Int { source.entries.count }

        /// Entry indices in annex order: lines in order (line numbers follow the first appearance
        /// of their group), entries in ledger order within a line, as the generator always listed them.
        private var annexOrder: [Int] {
            source.entries.indices.sorted { a, b in
                source.lines[a] != source.lines[b] ? source.lines[a] < source.lines[b] : a < b
            }
        }

        /// The draft with its record keys and annex (the lists an issued draft used to carry).
        func completing(_ draft: InvoiceDraft) -> InvoiceDraft {
            let strings = source.entries.map { annexes.keys[$0.key] }
            var draft = draft
            draft.recordKeys = source.keyOrder.map { strings[Int($0)] }
            draft.annex = annexOrder.map { index in
                let entry = source.entries[index]
                let texts = annexes.texts
                return InvoiceDraft.AnnexEntry(
                    recordKey: strings[index], date: texts[entry.date], user: texts[entry.user],
                    project: texts[entry.project], task: texts[entry.task], description: texts[entry.description],
                    durationSeconds: Int64(entry.seconds), line: Int(source.lines[index]))
            }
            return draft
        }

        /// The annex CSV: the bytes ``AnnexWriter/csv(_:)`` makes of ``completing(_:)``'s annex.
        func annexCSV() -> [UInt8] {
            var builder = AnnexWriter.builder(rows: count)
            let texts = annexes.texts
            for index in annexOrder {
                let entry = source.entries[index]
                annexes.keys.withKey(entry.key) { key in
                    AnnexWriter.appendRow(
                        line: Int(source.lines[index]), date: texts[entry.date], user: texts[entry.user],
                        project: texts[entry.project], task: texts[entry.task], description: texts[entry.description],
                        durationSeconds: Int64(entry.seconds), recordKey: key, to: &builder)
                }
            }
            return builder.bytes
        }

        /// Appends the record keys, in the draft's order, as the elements of a JSON array
        /// (`"k1","k2"`), as ``InvoiceStore`` writes ``completing(_:)``'s `recordKeys`.
        func appendRecordKeys(to bytes: inout [UInt8]) {
            for (position, index) in source.keyOrder.enumerated() {
                if position > 0 { bytes.append(UInt8(ascii: ",")) }
                annexes.keys.withKey(source.entries[Int(index)].key) { InvoiceStore.appendJSONString($0, to: &bytes) }
            }
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
