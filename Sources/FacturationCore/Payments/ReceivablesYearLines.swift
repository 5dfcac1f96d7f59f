/// The line file of a ``ReceivablesYearSummary``: one line per invoice of the year, then one per
/// credit note of the year naming another year's invoice, fields separated by tabs and split by
/// bytes when read (no `JSONDecoder`: see the summary's comment).
///
/// ```
/// I <number> <client> <buyer> <issue date> <due date> <total> <credit count> (<date> <amount> <source>)… (matches: <date> <amount> <source>)…
/// C <invoice> <date> <amount> <credit note>
/// ```
/// Text fields escape `%`, tab, line feed and carriage return as `%25`, `%09`, `%0A`, `%0D`.
enum ReceivablesYearLines {
    static func encode(_ year: ReceivablesYear) -> (bytes: [UInt8], lines: Int) {
        var text = ""
        for invoice in year.invoices {
            var fields = [
                "I", escape(invoice.number), escape(invoice.clientCode), escape(invoice.buyerName),
                invoice.issueDate.description, invoice.dueDate.description, String(invoice.totalMinor),
                String(invoice.credits.count),
            ]
            for applied in invoice.credits + invoice.matches {
                fields += [applied.date.description, String(applied.amountMinor), escape(applied.source)]
            }
            text += fields.joined(separator: "\t") + "\n"
        }
        for foreign in year.foreignCredits {
            let credit = foreign.credit
            text +=
                [
                    "C", escape(foreign.invoice), credit.date.description, String(credit.amountMinor),
                    escape(credit.source),
                ].joined(separator: "\t") + "\n"
        }
        return (Array(text.utf8), year.invoices.count + year.foreignCredits.count)
    }

    /// The year of `bytes`, nil when a line does not read (or there are not `lines` of them).
    static func decode(_ bytes: [UInt8], year: Int, lines expected: Int) -> ReceivablesYear? {
        var invoices: [ReceivablesYear.Invoice] = []
        var foreign: [ReceivablesYear.ForeignCredit] = []
        var count = 0
        var start = 0
        while start < bytes.count {
            guard let end = bytes[start...].firstIndex(of: 0x0A) else { return nil }
            let fields = bytes[start..<end].split(separator: 0x09, omittingEmptySubsequences: false).map {
                String(decoding: $0, as: UTF8.self)
            }
            start = end + 1
            count += 1
            if fields.first == "I", let invoice = invoice(fields) {
                invoices.append(invoice)
            } else if fields.first == "C", fields.count == 5, let credit = applied(fields[2...4]) {
                foreign.append(.init(invoice: unescape(fields[1]), credit: credit))
            } else {
                return nil
            }
        }
        guard count == expected else { return nil }
        return ReceivablesYear(year: year, invoices: invoices, foreignCredits: foreign)
    }

    private static func invoice(_ fields: [String]) -> ReceivablesYear.Invoice? {
        guard fields.count >= 8, (fields.count - 8) % 3 == 0, let issue = CivilDate(iso: fields[4]),
            let due = CivilDate(iso: fields[5]), let total = Int64(fields[6]), let credits = Int(fields[7]),
            credits >= 0, credits * 3 <= fields.count - 8
        else { return nil }
        var amounts: [ReceivablesYear.Applied] = []
        var index = 8
        while index < fields.count {
            guard let amount = applied(fields[index..<index + 3]) else { return nil }
            amounts.append(amount)
            index += 3
        }
        var invoice = ReceivablesYear.Invoice(
            number: unescape(fields[1]), totalMinor: total, clientCode: unescape(fields[2]),
            buyerName: unescape(fields[3]), issueDate: issue, dueDate: due)
        invoice.credits = Array(amounts[..<credits])
        invoice.matches = Array(amounts[credits...])
        return invoice
    }

    private static func applied(_ fields: ArraySlice<String>) -> ReceivablesYear.Applied? {
        let at = fields.startIndex
        guard let date = CivilDate(iso: fields[at]), let amount = Int64(fields[at + 1]) else { return nil }
        return .init(date: date, amountMinor: amount, source: unescape(fields[at + 2]))
    }

    static func escape(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { Self.escapes[$0] != nil }) else { return text }
        var escaped = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            if let code = Self.escapes[scalar] {
                escaped.append(contentsOf: code.unicodeScalars)
            } else {
                escaped.append(scalar)
            }
        }
        return String(escaped)
    }

    static func unescape(_ text: String) -> String {
        guard text.unicodeScalars.contains("%") else { return text }
        let scalars = Array(text.unicodeScalars)
        var plain = String.UnicodeScalarView()
        var index = 0
        while index < scalars.count {
            if scalars[index] == "%", index + 2 < scalars.count,
                let scalar = Self.unescapes[String(String.UnicodeScalarView(scalars[index...index + 2]))]
            {
                plain.append(scalar)
                index += 3
            } else {
                plain.append(scalars[index])
                index += 1
            }
        }
        return String(plain)
    }

    private static let escapes: [Unicode.Scalar: String] = ["%": "%25", "\t": "%09", "\n": "%0A", "\r": "%0D"]
    private static let unescapes: [String: Unicode.Scalar] = ["%25": "%", "%09": "\t", "%0A": "\n", "%0D": "\r"]
}
