/// A ledger file that cannot be read back: the pipeline's own state was damaged (edited by
/// hand, or truncated outside the pipeline). The run stops rather than overwrite it.
package struct LedgerError: Error, Sendable, CustomStringConvertible {
    package let path: String
    package let line: Int?
    package let message: String

    package var description: String {
        "the ledger \(path)\(line.map { ":\($0)" } ?? "") cannot be read: \(message). Ledgers in archive/ "
            + "are the pipeline's state and must not be edited; restore this file from a backup "
            + "(the copy in outbox/ is identical to the last good version) and run again."
    }
}

/// Reading and writing of normalized CSV files (header row + records, RFC 4180, CRLF).
///
/// Our CSV files guard text fields against spreadsheet formulas (``CSVFormulaGuard``): readers
/// get the values back (the guard's `'` removed) unless they ask for the stored form to copy
/// rows into another of our files.
package enum LedgerFile {
    /// How fields are handed out.
    package enum Form: Sendable {
        /// The values written (``CSVFormulaGuard/value(ofStored:)``): for everything that uses the data.
        case values
        /// The bytes as stored, guard included: to copy a field with ``CSVLineBuilder/storedField(_:)``.
        case stored
    }

    /// Calls `body` with the fields of every record of a ledger (or of a header-less scratch
    /// file); the field bytes are valid only during the call. A missing file has no records.
    /// Returns the status of the file read (``InputFile/status``), nil when there is none: the
    /// identity of these very bytes, for a derived file that records it (``BankLinePack``).
    ///
    /// - Parameters:
    ///   - header: the expected header row, or nil for scratch files that have none.
    ///   - encoding: `.utf8WithBOM` for a file a person saved (a spreadsheet adds the mark).
    @discardableResult
    package static func forEachRow(
        path: String, header: [String]?, form: Form = .values,
        encoding: TextEncoding = .utf8, delimiter: UInt8 = UInt8(ascii: ","),
        _ body: ([UnsafeRawBufferPointer]) throws -> Void
    ) throws -> Storage.Status? {
        guard Storage.exists(path) else { return nil }
        let reader = try DecodingReader(path: path, encoding: encoding)
        let csv = CSVReader(delimiter: delimiter)
        var expectHeader = header != nil
        var fields: [UnsafeRawBufferPointer] = []
        do {
            try csv.read(reader) { batch in
                try batch.withRows { rows in
                    for row in 0..<batch.rowCount {
                        if expectHeader {
                            expectHeader = false
                            guard batch.strings(row) == header else {
                                throw LedgerError(
                                    path: path, line: batch.line(row), message: "its header is not the expected one")
                            }
                            continue
                        }
                        let count = rows.fieldCount(row)
                        if let header, count != header.count {
                            throw LedgerError(
                                path: path, line: batch.line(row),
                                message: "a row has \(count) fields instead of \(header.count)")
                        }
                        fields.removeAll(keepingCapacity: true)
                        switch form {
                        case .values:
                            for index in 0..<count {
                                fields.append(CSVFormulaGuard.value(ofStored: rows.field(row, index)))
                            }
                        case .stored:
                            for index in 0..<count { fields.append(rows.field(row, index)) }
                        }
                        try body(fields)
                    }
                }
            }
        } catch let error as CSVSyntaxError {
            throw LedgerError(path: path, line: error.line, message: error.message)
        }
        return reader.fileStatus
    }

    /// Reads every record as arrays of Strings (small files: pending bank rows, tests).
    package static func readRows(path: String, header: [String]?) throws -> [[String]] {
        var rows: [[String]] = []
        try forEachRow(path: path, header: header) { fields in
            rows.append(fields.map { String(decoding: $0, as: UTF8.self) })
        }
        return rows
    }

    /// The record keys of a ledger (first column); `header` nil for header-less scratch files.
    package static func keys(path: String, header: [String]?) throws -> Set<String> {
        var keys: Set<String> = []
        try forEachRow(path: path, header: header) { keys.insert(String(decoding: $0[0], as: UTF8.self)) }
        return keys
    }
}
