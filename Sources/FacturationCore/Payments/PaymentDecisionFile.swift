/// A person's decision on receipts, dropped into the inbox as CSV (the file of `outbox/review/`
/// with only the right rows kept):
///
/// ```
/// receipt,invoice,amount,by,comment
/// qonto:FR76…:txn-42,F20250803,,Camille,paid for LAA and LAA Maroc
/// qonto:FR76…:txn-43,IGNORE,,Camille,refund of a supplier, not a customer payment
/// ```
///
/// `amount` may be empty: the receipt is then applied to the listed invoices in order, each up
/// to what it still owes. `IGNORE` marks a receipt that pays no invoice.
package enum PaymentDecisionFile {
    package static let header = ["receipt", "invoice", "amount", "by", "comment"]

    package struct Row: Sendable, Equatable {
        package var line: Int
        package var receipt: String
        package var invoice: String
        package var amountMinor: Int64?
        package var by: String
        package var comment: String
    }

    /// True when the file starts with the decision header, separated by commas or, as a French
    /// spreadsheet saves it, by semicolons.
    package static func looksLikeDecision(_ head: [UInt8]) -> Bool {
        var bytes = head[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        let first = String(decoding: bytes.prefix(200).prefix { $0 != 0x0A && $0 != 0x0D }, as: UTF8.self)
        let folded = first.replacingOccurrences(of: " ", with: "").lowercased()
        return folded == header.joined(separator: ",") || folded == header.joined(separator: ";")
    }

    /// `;` when the header uses it (a form saved by a French Excel or LibreOffice, whose amounts
    /// then have a decimal comma), else `,`.
    static func delimiter(of head: [UInt8]) -> UInt8 {
        let first = head.prefix(200).prefix { $0 != 0x0A && $0 != 0x0D }
        return first.contains(0x3B) && !first.contains(0x2C) ? 0x3B : 0x2C
    }

    /// The rows of the file, or the problems found (line, column, value).
    ///
    /// A review form opened and saved in a spreadsheet comes back with a UTF-8 byte-order mark, or
    /// in Windows-1252, and with `;` and decimal commas from a French one: all are read.
    package static func read(path: String, encoding given: TextEncoding? = nil) throws -> Result<[Row], Rejection> {
        var rows: [Row] = []
        var problems = ProblemList()
        var line = 1
        var start = [UInt8](repeating: 0, count: 512)
        let count = try InputFile(path: path).read(into: &start)
        let head = Array(start.prefix(count))
        let encoding: TextEncoding = given ?? (head.starts(with: [0xEF, 0xBB, 0xBF]) ? .utf8WithBOM : .utf8)
        let delimiter = Self.delimiter(of: head.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(head.dropFirst(3)) : head)
        let style: DecimalText.Style = delimiter == 0x3B ? .commaDecimal : .dotDecimal
        do {
            try LedgerFile.forEachRow(path: path, header: header, encoding: encoding, delimiter: delimiter) { fields in
                line += 1
                rows.append(Self.row(fields, line: line, style: style, problems: &problems))
            }
        } catch let error as CSVSyntaxError {
            problems.add(Problem(line: error.line, columnNumber: error.column, message: error.message))
        } catch let error as LedgerError {
            problems.add(
                Problem(
                    line: error.line,
                    message: error.message == "its header is not the expected one"
                        ? "the first line must be exactly: " + header.joined(separator: ",") : error.message))
        }
        if problems.isEmpty, rows.isEmpty {
            problems.add(Problem(line: 2, message: "the file has no decision row"))
        }
        guard problems.isEmpty else {
            return .failure(
                Rejection(
                    format: nil, summary: "this payment decision file has mistakes", problems: problems,
                    advice: "Fix the rows listed and drop the file into inbox/ again. Columns: "
                        + header.joined(separator: ",") + "."))
        }
        return .success(rows)
    }

    /// One decision row; its problems (line, column, value) are added to `problems`.
    private static func row(
        _ fields: [UnsafeRawBufferPointer], line: Int, style: DecimalText.Style, problems: inout ProblemList
    ) -> Row {
        // Each field decoded once (a field of invalid UTF-8 is slow to repair).
        let values = fields.map { String(decoding: $0, as: UTF8.self).trimmed }
        let amount = values[2].isEmpty ? nil : Self.amount(values[2], line: line, style: style, problems: &problems)
        if values[0].isEmpty {
            problems.add(Problem(line: line, column: "receipt", columnNumber: 1, message: "the receipt is missing"))
        }
        if values[1].isEmpty {
            problems.add(
                Problem(line: line, column: "invoice", columnNumber: 2, message: "give an invoice number, or IGNORE"))
        }
        return Row(
            line: line, receipt: values[0], invoice: values[1].uppercased() == "IGNORE" ? "IGNORE" : values[1],
            amountMinor: amount, by: values[3], comment: values[4])
    }

    /// The amount column: above zero, within the import bounds, or a problem.
    private static func amount(
        _ text: String, line: Int, style: DecimalText.Style, problems: inout ProblemList
    ) -> Int64? {
        let message: String
        switch DecimalText.minorUnits(text, scale: 2, style: style) {
        case .success(let value) where value > 0:
            guard let outside = ImportBounds.problem(amountMinor: value, scale: 2) else { return value }
            message = outside
        case .success:
            message = "the amount must be above zero"
        case .failure(let problem):
            message = problem.message
        }
        problems.add(Problem(line: line, column: "amount", columnNumber: 3, value: text, message: message))
        return nil
    }
}
