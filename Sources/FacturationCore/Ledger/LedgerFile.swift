/// A ledger file that cannot be read back: the pipeline's own state was damaged (edited by
/// hand, or truncated outside the pipeline). The run stops rather than overwrite it.
public struct LedgerError: Error, Sendable, CustomStringConvertible {
    public let path: String
    public let line: Int?
    public let message: String

    public var description: String {
        "the ledger \(path)\(line.map { ":\($0)" } ?? "") cannot be read: \(message). Ledgers in archive/ "
            + "are the pipeline's state and must not be edited; restore this file from a backup "
            + "(the copy in outbox/ is identical to the last good version) and run again."
    }
}

/// Reading and writing of normalized CSV files (header row + records, RFC 4180, CRLF).
public enum LedgerFile {
    /// Reads every record of a ledger (or of a header-less scratch file) as arrays of fields.
    ///
    /// - Parameter header: the expected header row, or nil for scratch files that have none.
    public static func readRows(path: String, header: [String]?) throws -> [[String]] {
        guard Storage.exists(path) else { return [] }
        let reader = try DecodingReader(path: path, encoding: .utf8)
        let csv = CSVReader(delimiter: UInt8(ascii: ","))
        var rows: [[String]] = []
        var expectHeader = header != nil
        do {
            try csv.read({ try reader.next() }) { batch in
                for row in 0..<batch.rowCount {
                    let fields = batch.strings(row)
                    if expectHeader {
                        expectHeader = false
                        guard fields == header else {
                            throw LedgerError(path: path, line: batch.line(row), message: "its header is not the expected one")
                        }
                        continue
                    }
                    if let header, fields.count != header.count {
                        throw LedgerError(path: path, line: batch.line(row),
                                          message: "a row has \(fields.count) fields instead of \(header.count)")
                    }
                    rows.append(fields)
                }
            }
        } catch let error as CSVSyntaxError {
            throw LedgerError(path: path, line: error.line, message: error.message)
        }
        return rows
    }

    /// Serializes a header and rows.
    public static func serialize(header: [String], rows: [[String]]) -> [UInt8] {
        var builder = CSVLineBuilder(capacity: 1 << 16)
        builder.line(header)
        for row in rows { builder.line(row) }
        return builder.bytes
    }
}
