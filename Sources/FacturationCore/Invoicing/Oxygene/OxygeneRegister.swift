/// One document of the Oxygène sales register export ("Factures clients.csv": Gestion commerciale >
/// Factures clients > Exporter), as Oxygène numbered and totalled it.
package struct OxygeneRegisterEntry: Sendable, Equatable {
    package enum Kind: String, Sendable {
        /// `F …`: an invoice.
        case invoice = "F"
        /// `A …`: a credit note (avoir); its totals are negative.
        case creditNote = "A"
    }

    /// The number without Oxygène's space: `F 20250746` is `F20250746`, the form of our numbers.
    package var number: String
    package var kind: Kind
    /// The Oxygène client code (`LAA01`), before ` - ` in the `Client` column.
    package var clientCode: String
    /// The client's name in Oxygène, after ` - `.
    package var clientName: String
    package var date: CivilDate
    /// `Total HT` and `Total TTC` in cents, negative for a credit note.
    package var totalExclVATMinor: Int64
    package var totalInclVATMinor: Int64
    /// `MT Réglé` and `Reste dû` in cents, as recorded in Oxygène (payments are often not entered there).
    package var paidMinor: Int64
    package var remainingMinor: Int64
    /// The line of the file (the header is line 1).
    package var line: Int
}

/// Reads the Oxygène sales register export: ISO-8859-1 (UTF-8 accepted when the file is valid
/// UTF-8), `;`-separated, one header line, CRLF or LF, French decimals (`5358,08`, `-4186`),
/// dates `dd/mm/yyyy`. Amounts are read exactly (``DecimalText``, never through floating point).
///
/// Columns are found by their header names, so their order may change; `Numéro`, `Client`, `Date`,
/// `Total HT` and `Total TTC` are required, `MT Réglé` and `Reste dû` optional (0 when absent).
/// Every problem is named with its line and column; a file with a problem is refused whole.
package enum OxygeneRegisterReader {
    /// The header names of the required columns, in the order Oxygène writes them.
    package static let requiredColumns = ["Numéro", "Client", "Date", "Total HT", "Total TTC"]
    static let paidColumn = "MT Réglé"
    static let remainingColumn = "Reste dû"

    /// A problem of the file, with its line (1 is the header).
    package struct Problem: Error, Sendable, Equatable, CustomStringConvertible {
        package let line: Int
        package let message: String
        package var description: String { "line \(line): \(message)" }
    }

    /// Every problem of a refused file (at most 50), in line order.
    package struct Problems: Error, Sendable, Equatable {
        package let list: [Problem]
    }

    /// Whether `firstLine` (decoded) is the header of a register export: it starts with the
    /// required columns, in Oxygène's order.
    package static func isHeader(_ firstLine: String) -> Bool {
        let names = split(firstLine.trimmingCharacters(in: ["\r", "\u{FEFF}"])).prefix(requiredColumns.count)
        return Array(names) == requiredColumns
    }

    /// The text of `bytes`: UTF-8 when they are valid UTF-8, else ISO-8859-1 (every byte is a character).
    package static func decode(_ bytes: [UInt8]) -> String {
        let body = bytes.starts(with: [0xEF, 0xBB, 0xBF]) ? Array(bytes.dropFirst(3)) : bytes
        if let text = String(validating: body, as: UTF8.self) { return text }
        var scalars = String.UnicodeScalarView()
        for byte in body { scalars.append(Unicode.Scalar(byte)) }
        return String(scalars)
    }

    /// The entries of the file, or every problem found.
    package static func read(_ bytes: [UInt8]) -> Result<[OxygeneRegisterEntry], Problems> {
        // "\r\n" is one Character in Swift: split on every line ending, whichever it is.
        let lines = decode(bytes).split(
            omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        guard let header = lines.first, isHeader(String(header)) else {
            return .failure(
                Problems(list: [
                    Problem(
                        line: 1,
                        message: "the header is not the Oxygène register's (expected "
                            + requiredColumns.joined(separator: ";") + ";…)")
                ]))
        }
        let columns = Columns(header: split(String(header)))
        var entries: [OxygeneRegisterEntry] = []
        var problems: [Problem] = []
        var seen: [String: Int] = [:]
        for (index, text) in lines.enumerated().dropFirst() where !text.allSatisfy({ $0 == ";" || $0 == " " }) {
            let line = index + 1
            switch entry(split(String(text)), columns: columns, line: line) {
            case .success(let entry):
                if let first = seen[entry.number] {
                    problems.append(Problem(line: line, message: "\(entry.number) is already on line \(first)"))
                } else {
                    seen[entry.number] = line
                    entries.append(entry)
                }
            case .failure(let problem):
                problems.append(problem)
            }
            if problems.count >= 50 { break }
        }
        return problems.isEmpty ? .success(entries) : .failure(Problems(list: problems))
    }

    /// Where each column is.
    struct Columns {
        var number = 0, client = 1, date = 2, totalExclVAT = 3, totalInclVAT = 4
        var paid: Int?, remaining: Int?
        var count: Int

        init(header: [String]) {
            count = header.count
            paid = header.firstIndex(of: OxygeneRegisterReader.paidColumn)
            remaining = header.firstIndex(of: OxygeneRegisterReader.remainingColumn)
        }
    }

    private static func entry(_ fields: [String], columns: Columns, line: Int) -> Result<OxygeneRegisterEntry, Problem>
    {
        func fail(_ message: String) -> Result<OxygeneRegisterEntry, Problem> {
            .failure(Problem(line: line, message: message))
        }
        guard fields.count >= columns.count else {
            return fail("\(fields.count) columns where the header has \(columns.count)")
        }
        let rawNumber = fields[columns.number].trimmed
        guard let (kind, number) = number(rawNumber) else {
            return fail("Numéro \"\(rawNumber)\" is not an Oxygène number (F or A, then digits: F 20250746)")
        }
        let client = fields[columns.client].trimmed
        guard let dash = client.range(of: " - "), !client[..<dash.lowerBound].trimmed.isEmpty else {
            return fail("Client \"\(client)\" is not \"CODE - NAME\"")
        }
        guard let date = date(fields[columns.date].trimmed) else {
            return fail("Date \"\(fields[columns.date])\" is not a date dd/mm/yyyy")
        }
        var amounts: [Int64] = []
        for (name, index) in [
            ("Total HT", columns.totalExclVAT), ("Total TTC", columns.totalInclVAT),
            (paidColumn, columns.paid), (remainingColumn, columns.remaining),
        ] {
            guard let index else { amounts.append(0); continue }
            switch DecimalText.minorUnits(fields[index], scale: 2, style: .commaDecimal) {
            case .success(let value): amounts.append(value)
            case .failure(let problem): return fail("\(name) \"\(fields[index])\": \(problem.message)")
            }
        }
        // A credit note is negative, an invoice not: a sign the other way is a damaged export.
        if (kind == .creditNote) != (amounts[1] < 0), amounts[1] != 0 {
            return fail(
                "\(number) has Total TTC \(fields[columns.totalInclVAT]): an invoice is positive, a credit note negative"
            )
        }
        return .success(
            OxygeneRegisterEntry(
                number: number, kind: kind, clientCode: String(client[..<dash.lowerBound]).trimmed,
                clientName: String(client[dash.upperBound...]).trimmed, date: date,
                totalExclVATMinor: amounts[0], totalInclVATMinor: amounts[1], paidMinor: amounts[2],
                remainingMinor: amounts[3], line: line))
    }

    /// `F 20250746` → (invoice, `F20250746`).
    static func number(_ text: String) -> (OxygeneRegisterEntry.Kind, String)? {
        guard let first = text.first, let kind = OxygeneRegisterEntry.Kind(rawValue: String(first)) else { return nil }
        let digits = text.dropFirst().drop(while: { $0 == " " })
        guard !digits.isEmpty, digits.count <= 20, digits.allSatisfy({ $0.isASCII && $0.isNumber }) else { return nil }
        return (kind, kind.rawValue + digits)
    }

    /// `dd/mm/yyyy`.
    static func date(_ text: String) -> CivilDate? {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 2, parts[1].count == 2, parts[2].count == 4,
            let day = Int(parts[0]), let month = Int(parts[1]), let year = Int(parts[2])
        else { return nil }
        return CivilDate(year: year, month: month, day: day)
    }

    /// The fields of one line: `;`-separated; a field in double quotes may hold `;` and `""`.
    static func split(_ line: String) -> [String] {
        var fields: [String] = []
        var field = ""
        var quoted = false
        var iterator = line.makeIterator()
        var atStart = true
        while let character = iterator.next() {
            if quoted {
                if character == "\"" {
                    // `""` is a quote; a lone quote ends the quoted part.
                    var lookahead = iterator
                    if lookahead.next() == "\"" {
                        field.append("\"")
                        iterator = lookahead
                    } else {
                        quoted = false
                    }
                } else {
                    field.append(character)
                }
            } else if character == ";" {
                fields.append(field)
                field = ""
                atStart = true
                continue
            } else if character == "\"", atStart {
                quoted = true
            } else {
                field.append(character)
            }
            atStart = false
        }
        fields.append(field)
        return fields
    }
}
