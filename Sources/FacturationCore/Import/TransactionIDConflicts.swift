/// Finds the rows of one bank export that share a transaction id but not an amount.
///
/// A bank export lists each transaction once. Two rows with the same id and different amounts
/// mean a damaged or hand-edited file: keeping either one would be a guess (the ledger merge
/// keeps one row per id), so the file is rejected with both lines.
///
/// Performance: every row of a Qonto export passes here. Each id is kept as 16 bytes of its
/// SHA-256 (two different ids never share them in practice), with its amount and line: 32 bytes
/// per row in one flat array (7 MB for a 100 MB export), sorted once at the end with no
/// allocation per row. A first version sorted the ids themselves with the ledger's external
/// sorter, which allocates two arrays per record: 10 % of the Qonto normalize benchmark.
final class TransactionIDConflicts {
    private struct Row {
        var digest: (UInt64, UInt64)
        var amountMinor: Int64
        var line: Int64
    }

    private var rows: [Row] = []

    /// Records that the row at `line` has transaction `id` (ignored when empty) and `amount`.
    func add(id: String, amountMinor: Int64, line: Int) {
        guard !id.isEmpty else { return }
        var id = id
        let digest = id.withUTF8 { SHA256Hasher.digest(UnsafeRawBufferPointer($0)) }
        let words = withUnsafeBytes(of: digest) {
            (
                $0.loadUnaligned(as: UInt64.self),
                $0.loadUnaligned(fromByteOffset: 8, as: UInt64.self)
            )
        }
        rows.append(Row(digest: words, amountMinor: amountMinor, line: Int64(line)))
    }

    /// One problem per row whose amount differs from the first row with the same id.
    func problems(column: String, amountScale scale: Int) -> [Problem] {
        rows.sort { ($0.digest.0, $0.digest.1, $0.line) < ($1.digest.0, $1.digest.1, $1.line) }
        var problems: [Problem] = []
        var first: Row?
        for row in rows {
            guard let earlier = first, earlier.digest == row.digest else {
                first = row
                continue
            }
            if row.amountMinor != earlier.amountMinor {
                problems.append(
                    Problem(
                        line: Int(row.line), column: column,
                        message: "this transaction id is also on line \(earlier.line) with another amount "
                            + "(\(DecimalText.format(minorUnits: earlier.amountMinor, scale: scale)) there, "
                            + "\(DecimalText.format(minorUnits: row.amountMinor, scale: scale)) here): the export "
                            + "contradicts itself"))
            }
        }
        return problems.sorted { ($0.line ?? 0) < ($1.line ?? 0) }
    }
}
