/// Counts of what a merge did to one ledger file.
package struct MergeCounts: Sendable, Equatable, Codable {
    /// Records whose key was not in the ledger.
    package var added = 0
    /// Records already in the ledger whose content changed (the newer export wins).
    package var updated = 0
    /// Records already in the ledger with the same content (overlapping exports).
    package var unchanged = 0
    /// Records removed (pending bank rows replaced by their booked version).
    package var removed = 0

    package init() {}

    /// True when the merged ledger differs from the one before.
    package var changedLedger: Bool { added + updated + removed > 0 }

    package static func + (lhs: MergeCounts, rhs: MergeCounts) -> MergeCounts {
        var sum = lhs
        sum.added += rhs.added
        sum.updated += rhs.updated
        sum.unchanged += rhs.unchanged
        sum.removed += rhs.removed
        return sum
    }
}

/// Merges newly normalized rows into a ledger file, idempotently and in bounded memory.
///
/// Rules, by `record_key`:
/// - a key not in the ledger is added;
/// - a key already there keeps its row when the content is the same (only the provenance
///   columns `source_format`, `source_file`, `source_row` may differ: the first import is kept),
///   and takes the new row when the content differs (the newer export wins); with several new
///   rows for one id in a file, the last one wins;
/// - fingerprint keys (`te:…`, `bank:…`) are multisets: a file with two identical entries
///   keeps two (`#1`, `#2`), and merging an overlapping export keeps max(old count, new count);
/// - rows are written sorted by the ledger's sort columns, then by key, so merging the same
///   data twice gives a byte-identical file.
///
/// Rows are copied as stored (``LedgerFile/Form/stored``): their formula guard is kept, never
/// doubled. Rows are first sorted by key (to find each key's old and new rows), then by the sort
/// columns, each time with ``ExternalSorter``: memory stays bounded whatever the ledger size.
package enum LedgerMerger {
    /// What to merge.
    package struct Input {
        package var kind: LedgerKind
        /// The current ledger file (may not exist yet).
        package var existing: String
        /// Scratch files of new rows (no header), in order.
        package var incoming: [String]
        /// Keys to remove from the existing ledger.
        package var removeKeys: Set<String> = []
        /// Incoming keys to ignore.
        package var ignoreKeys: Set<String> = []

        package init(kind: LedgerKind, existing: String, incoming: [String]) {
            self.kind = kind
            self.existing = existing
            self.incoming = incoming
        }
    }

    /// Columns before this one are the key and the provenance (source format, file, row): they
    /// do not count when an old and a new row are compared.
    static let firstContentColumn = 4

    /// Writes the merged ledger (header and rows) into `output` and returns the counts.
    ///
    /// - Parameters:
    ///   - scratch: a folder for spilled runs (same file system; emptied afterwards).
    ///   - memoryBudget: bytes of rows kept in memory by each of the two sorts.
    package static func merge(
        _ input: Input, into output: OutputFile, scratch: String,
        memoryBudget: Int = 16 << 20
    ) throws -> MergeCounts {
        if NewLedgerMerge.applies(to: input),
            let counts = try NewLedgerMerge(input: input, scratch: scratch, memoryBudget: memoryBudget).write(
                into: output)
        {
            return counts
        }
        let byKey = ExternalSorter(folder: scratch, memoryBudget: memoryBudget)
        let bySortColumns = ExternalSorter(folder: scratch, memoryBudget: memoryBudget)
        defer {
            byKey.removeRuns()
            bySortColumns.removeRuns()
        }
        // No old row to compare with: the content digests would never be read.
        let encoder = MergeRecord.Encoder(kind: input.kind, computesDigests: Storage.exists(input.existing))
        var counts = MergeCounts()
        try addKeyRecords(input, encoder: encoder, to: byKey, counts: &counts)
        try resolveKeys(byKey, encoder: encoder, into: bySortColumns, counts: &counts)
        try writeLedger(kind: input.kind, rows: bySortColumns, into: output)
        return counts
    }

    /// Step 1: every old and new row, keyed by (base key, old/new, occurrence or sequence).
    private static func addKeyRecords(
        _ input: Input, encoder: MergeRecord.Encoder, to byKey: ExternalSorter,
        counts: inout MergeCounts
    ) throws {
        var sequence: UInt64 = 0
        try LedgerFile.forEachRow(path: input.existing, header: input.kind.columns, form: .stored) { fields in
            let key = String(decoding: fields[0], as: UTF8.self)
            if input.removeKeys.contains(key) {
                counts.removed += 1
                return
            }
            sequence += 1
            let occurrence = RecordKey.occurrence(of: key) ?? sequence
            try encoder.keyRecord(fields: fields, origin: .existing, sequence: occurrence) {
                try byKey.add(orderKey: $0, payload: $1)
            }
        }
        for path in input.incoming {
            try LedgerFile.forEachRow(path: path, header: nil, form: .stored) { fields in
                if !input.ignoreKeys.isEmpty, input.ignoreKeys.contains(String(decoding: fields[0], as: UTF8.self)) {
                    counts.unchanged += 1
                    return
                }
                sequence += 1
                try encoder.keyRecord(fields: fields, origin: .incoming, sequence: sequence) {
                    try byKey.add(orderKey: $0, payload: $1)
                }
            }
        }
    }

    /// Step 2: decides each base key's rows, feeding the surviving ones to the second sort.
    private static func resolveKeys(
        _ byKey: ExternalSorter, encoder: MergeRecord.Encoder,
        into bySortColumns: ExternalSorter, counts: inout MergeCounts
    ) throws {
        var records = try byKey.sorted()
        var group: [MergeRecord.KeyRecord] = []
        func flush() throws {
            guard let first = group.first else { return }
            for row in resolve(group, base: first.base, counts: &counts) {
                try encoder.lineRecord(row) { try bySortColumns.add(orderKey: $0, payload: $1) }
            }
            group.removeAll(keepingCapacity: true)
        }
        while let record = records.next() {
            let row = MergeRecord.decodeKeyRecord(record)
            if let first = group.first, !row.base.elementsEqual(first.base) { try flush() }
            group.append(row)
        }
        try records.checkError()
        try flush()
    }

    /// Step 3: the header, then the rows in ledger order.
    static func writeLedger(kind: LedgerKind, rows: ExternalSorter, into output: OutputFile) throws {
        var header = CSVLineBuilder(capacity: 1024)
        header.line(kind.columns)
        try output.write(header.buffer.bytes)
        var sorted = try rows.sorted()
        while let record = sorted.next() {
            try output.write(record.payload)
            try output.write([0x0D, 0x0A])
        }
        try sorted.checkError()
    }

    /// Applies the merge rules to the old and new rows of one base key.
    private static func resolve(
        _ rows: [MergeRecord.KeyRecord], base: ArraySlice<UInt8>,
        counts: inout MergeCounts
    ) -> [MergeRecord.KeyRecord] {
        let old = rows.filter(\.isOld)
        var new = rows.filter { !$0.isOld }
        guard !new.isEmpty else { return old }
        let baseKey = String(decoding: base, as: UTF8.self)
        let fingerprint = RecordKey.isFingerprint(baseKey)
        if !fingerprint { new = [new[new.count - 1]] }
        let occurrences = fingerprint ? max(old.count, new.count) : 1
        var result: [MergeRecord.KeyRecord] = []
        for index in 0..<occurrences {
            guard index < new.count else {
                result.append(old[index])
                continue
            }
            var candidate = new[index]
            if fingerprint { candidate.replacementKey = "\(baseKey)\(RecordKey.occurrenceSeparator)\(index + 1)" }
            if index < old.count {
                if old[index].digest.elementsEqual(candidate.digest) {
                    result.append(old[index])
                    counts.unchanged += 1
                } else {
                    result.append(candidate)
                    counts.updated += 1
                }
            } else {
                result.append(candidate)
                counts.added += 1
            }
        }
        return result
    }
}
