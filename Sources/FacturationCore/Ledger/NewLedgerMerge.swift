/// The merge of rows into a ledger file that does not exist yet, in one sort instead of two.
///
/// Why: the first import of an export creates every monthly ledger. With no old rows, the rules
/// of ``LedgerMerger`` reduce to: every row is added, a fingerprint key becomes `<key>#1`, in
/// ledger order — unless two rows share a base key (a fingerprint seen twice, an id given twice),
/// which needs the general merge's grouping. So this path sorts the rows once, by ledger order,
/// while it looks for a repeated base key; on the first one it gives up (returns nil) and the
/// caller runs the general merge, which gives the same file either way (LedgerMergerTests compare
/// the two).
///
/// The repeated-key check keeps a 64-bit hash per base key: a collision only sends the file to
/// the general merge. It is bounded like the sorts: past `memoryBudget` bytes of hashes, the
/// general merge takes over.
struct NewLedgerMerge {
    let input: LedgerMerger.Input
    let scratch: String
    let memoryBudget: Int

    /// True when the ledger file is new and nothing is to be removed or ignored.
    static func applies(to input: LedgerMerger.Input) -> Bool {
        input.removeKeys.isEmpty && input.ignoreKeys.isEmpty && !Storage.exists(input.existing)
    }

    /// Bytes counted per base key seen (a `Set<UInt64>` entry with its share of free slots).
    private static let bytesPerKey = 16

    /// Writes the ledger into `output` and returns the counts, or returns nil (having written
    /// nothing) when two rows share a base key or the key hashes outgrow the budget.
    func write(into output: OutputFile) throws -> MergeCounts? {
        let sorter = ExternalSorter(folder: scratch, memoryBudget: memoryBudget)
        defer { sorter.removeRuns() }
        let line = ByteBuffer(capacity: 8192)
        let order = ByteBuffer(capacity: 1024)
        var seen = Set<UInt64>()
        var rows = 0
        var repeated = false
        for path in input.incoming where !repeated {
            try LedgerFile.forEachRow(path: path, header: nil, form: .stored) { fields in
                guard !repeated else { return }
                let key = fields[0]
                let base = UnsafeRawBufferPointer(rebasing: key[0..<RecordKey.baseLength(of: key)])
                var hasher = Hasher()
                hasher.combine(bytes: base)
                guard seen.insert(UInt64(bitPattern: Int64(hasher.finalize()))).inserted,
                    seen.count * NewLedgerMerge.bytesPerKey <= memoryBudget
                else {
                    repeated = true
                    return
                }
                encode(fields, base: base, line: line, order: order)
                try sorter.add(orderKey: order.bytes, payload: line.bytes)
                rows += 1
            }
        }
        guard !repeated else { return nil }
        try LedgerMerger.writeLedger(kind: input.kind, rows: sorter, into: output)
        var counts = MergeCounts()
        counts.added = rows
        return counts
    }

    /// The line record of ``MergeRecord`` for a row that is its key's only one: the key is
    /// `<base>#1` for a fingerprint, unchanged otherwise.
    private func encode(
        _ fields: [UnsafeRawBufferPointer], base: UnsafeRawBufferPointer,
        line: ByteBuffer, order: ByteBuffer
    ) {
        let fingerprint = base.starts(with: "te:".utf8) || base.starts(with: "bank:".utf8)
        order.removeAll()
        for column in input.kind.sortColumns {
            order.append(fields[column])
            order.append(0x1E)
        }
        order.append(0)
        let keyStart = order.count
        if fingerprint {
            order.append(base)
            order.append(UInt8(ascii: "#"))
            order.append(UInt8(ascii: "1"))
        } else {
            order.append(fields[0])
        }
        line.removeAll()
        var builder = CSVLineBuilder(appendingTo: line)
        builder.storedField(UnsafeRawBufferPointer(rebasing: order.bytes[keyStart...]))
        for field in fields.dropFirst() {
            line.append(0x2C)
            builder.removeFieldCount()
            builder.storedField(field)
        }
    }
}
