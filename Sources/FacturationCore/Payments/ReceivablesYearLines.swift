/// The line file of a ``ReceivablesYearSummary``: one line per invoice of the year, then one per
/// credit note of the year naming another year's invoice, fields separated by tabs (no
/// `JSONDecoder`: see the summary's comment).
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
                String(invoice.creditCount),
            ]
            for applied in invoice.applied {
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
    ///
    /// Why the fields are read from the bytes (performance code, fenced): every full pass reads
    /// every closed year's lines (12,000 invoices at 10 years); splitting each line into an array
    /// of `String`s, dates and amounts included, was 7.7 ms of the 47 ms the receivables took from
    /// the summaries (README, "Benchmark results"). Only the text fields become `String`s here
    /// (most are small strings, stored inline); the result equals the split reading's
    /// (``ReceivablesYearTests``: every line read back equals what was written, damaged ones refused).
    static func decode(_ bytes: [UInt8], year: Int, lines expected: Int) -> ReceivablesYear? {
        bytes.withUnsafeBufferPointer { buffer in
            var invoices: [ReceivablesYear.Invoice] = []
            invoices.reserveCapacity(expected)
            var foreign: [ReceivablesYear.ForeignCredit] = []
            var count = 0
            var start = 0
            while start < buffer.count {
                var end = start
                while end < buffer.count, buffer[end] != 0x0A { end += 1 }
                guard end < buffer.count else { return nil }
                var line = Fields(bytes: buffer, at: start, end: end)
                start = end + 1
                count += 1
                guard let kind = line.next(), kind.count == 1 else { return nil }
                if buffer[kind.lowerBound] == UInt8(ascii: "I"), let invoice = Self.invoice(&line) {
                    invoices.append(invoice)
                } else if buffer[kind.lowerBound] == UInt8(ascii: "C"), let invoice = line.text(),
                    let credit = Self.applied(&line), line.next() == nil
                {
                    foreign.append(.init(invoice: invoice, credit: credit))
                } else {
                    return nil
                }
            }
            guard count == expected else { return nil }
            return ReceivablesYear(year: year, invoices: invoices, foreignCredits: foreign)
        }
    }

    private static func invoice(_ line: inout Fields) -> ReceivablesYear.Invoice? {
        guard let number = line.text(), let client = line.text(), let buyer = line.text(),
            let issue = line.date(), let due = line.date(), let total = line.integer(),
            let credits = line.integer(), credits >= 0
        else { return nil }
        var invoice = ReceivablesYear.Invoice(
            number: number, totalMinor: total, clientCode: client, buyerName: buyer, issueDate: issue, dueDate: due)
        while !line.atEnd {
            guard let amount = Self.applied(&line) else { return nil }
            invoice.applied.append(amount)
        }
        guard Int(credits) <= invoice.applied.count else { return nil }
        invoice.creditCount = Int(credits)
        return invoice
    }

    private static func applied(_ line: inout Fields) -> Receivables.Applied? {
        guard let date = line.date(), let amount = line.integer(), let source = line.text() else { return nil }
        return (date, amount, source)
    }

    /// The tab-separated fields of one line of a buffer, read in turn.
    private struct Fields {
        let bytes: UnsafeBufferPointer<UInt8>
        var at: Int
        /// The index of the line's line feed.
        let end: Int

        /// True once every field was read.
        var atEnd: Bool { at > end }

        /// The next field's bytes, nil past the last field.
        mutating func next() -> Range<Int>? {
            guard at <= end else { return nil }
            var stop = at
            while stop < end, bytes[stop] != 0x09 { stop += 1 }
            defer { at = stop + 1 }
            return at..<stop
        }

        /// The next field as text, unescaped.
        mutating func text() -> String? {
            guard let field = next() else { return nil }
            let slice = UnsafeBufferPointer(rebasing: bytes[field])
            let text = String(decoding: slice, as: UTF8.self)
            return slice.contains(UInt8(ascii: "%")) ? unescape(text) : text
        }

        /// The next field as `YYYY-MM-DD`.
        mutating func date() -> CivilDate? {
            guard let field = next() else { return nil }
            let slice = UnsafeBufferPointer(rebasing: bytes[field])
            switch CivilDate.fixedWidth(slice) {
            case .date(let date): return date
            case .invalid: return nil
            case .other: return CivilDate(iso: String(decoding: slice, as: UTF8.self))
            }
        }

        /// The next field as a decimal integer (an optional sign, then digits), nil on overflow.
        mutating func integer() -> Int64? {
            guard let field = next() else { return nil }
            var index = field.lowerBound
            let negative = index < field.upperBound && bytes[index] == UInt8(ascii: "-")
            if index < field.upperBound, negative || bytes[index] == UInt8(ascii: "+") { index += 1 }
            guard index < field.upperBound else { return nil }
            var value: Int64 = 0
            while index < field.upperBound {
                let digit = bytes[index] &- UInt8(ascii: "0")
                guard digit < 10 else { return nil }
                let (times, overflow) = value.multipliedReportingOverflow(by: 10)
                let (sum, overflowAgain) = times.addingReportingOverflow(negative ? -Int64(digit) : Int64(digit))
                guard !overflow, !overflowAgain else { return nil }
                value = sum
                index += 1
            }
            return value
        }
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
