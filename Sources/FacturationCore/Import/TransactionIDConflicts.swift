/// Finds the rows of one bank export that share a transaction id but not an amount.
///
/// A bank export lists each transaction once. Two rows with the same id and different amounts
/// mean a damaged or hand-edited file: keeping either one would be a guess (the ledger merge
/// keeps one row per id), so the file is rejected with both lines.
///
/// Ids are sorted externally (``ExternalSorter``, spilled to the claim's scratch folder) so that
/// a 1 GB export is checked in bounded memory.
final class TransactionIDConflicts {
    private let sorter: ExternalSorter
    private var sequence: UInt64 = 0

    init(scratch: String) {
        sorter = ExternalSorter(folder: scratch, memoryBudget: 4 << 20)
    }

    deinit { sorter.removeRuns() }

    /// Records that the row at `line` has transaction `id` (ignored when empty) and `amount`.
    func add(id: String, amountMinor: Int64, line: Int) throws {
        guard !id.isEmpty else { return }
        sequence += 1
        // Order key: the id, a NUL, then the sequence (keys are unique and rows keep their order).
        var key = Array(id.utf8)
        key.append(0)
        withUnsafeBytes(of: sequence.bigEndian) { key.append(contentsOf: $0) }
        var payload: [UInt8] = []
        withUnsafeBytes(of: amountMinor.littleEndian) { payload.append(contentsOf: $0) }
        withUnsafeBytes(of: Int64(line).littleEndian) { payload.append(contentsOf: $0) }
        try key.withUnsafeBytes { keyBytes in
            try payload.withUnsafeBytes { try sorter.add(orderKey: keyBytes, payload: $0) }
        }
    }

    /// One problem per row whose amount differs from the first row with the same id.
    func problems(column: String, amountScale scale: Int) throws -> [Problem] {
        var problems: [Problem] = []
        var records = try sorter.sorted()
        var current: (id: [UInt8], amount: Int64, line: Int64)?
        while let record = records.next() {
            let id = Array(record.orderKey.prefix { $0 != 0 })
            let (amount, line) = record.payload.withUnsafeBytes {
                (Int64(littleEndian: $0.loadUnaligned(as: Int64.self)),
                 Int64(littleEndian: $0.loadUnaligned(fromByteOffset: 8, as: Int64.self)))
            }
            guard let first = current, first.id == id else {
                current = (id, amount, line)
                continue
            }
            if amount != first.amount {
                problems.append(Problem(
                    line: Int(line), column: column, value: String(decoding: id, as: UTF8.self),
                    message: "the transaction id is also on line \(first.line) with another amount "
                        + "(\(DecimalText.format(minorUnits: first.amount, scale: scale)) there, "
                        + "\(DecimalText.format(minorUnits: amount, scale: scale)) here): the export contradicts itself"))
            }
        }
        try records.checkError()
        return problems.sorted { ($0.line ?? 0) < ($1.line ?? 0) }
    }
}
