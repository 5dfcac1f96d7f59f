/// FEC-01 to FEC-03b: the file's name (`<SIREN>FEC<closing date AAAAMMJJ>.txt`, A47 A-1 §IX) and
/// its closing date against what is known of the fiscal year.
enum FECNameRules {
    typealias Finding = (FECRule, String, String)

    /// The name rules (FEC-01 to FEC-03); returns the closing date the name gives, if any.
    static func checkName(_ name: String) -> (CivilDate?, [Finding]) {
        var findings: [Finding] = []
        let bytes = Array(name.utf8)
        var stem = bytes[...]
        var ext: String?
        if let dot = bytes.lastIndex(of: 0x2E) {
            stem = bytes[..<dot]
            ext = String(decoding: bytes[(dot + 1)...], as: UTF8.self)
        }
        let s = Array(stem)
        var matches =
            s.count >= 20 && digits(s[0..<9]) && s[9] == 0x46 && s[10] == 0x45 && s[11] == 0x43 && digits(s[12..<20])
        if matches, s.count > 20 { matches = s[20] == 0x5F && digits(s[21...]) }
        if matches {
            let siren = String(decoding: s[0..<9], as: UTF8.self)
            if let problem = Identifiers.sirenProblem(siren) {
                findings.append((.sirenKey, siren, problem))
            }
        } else {
            findings.append(
                (
                    .fileName, name,
                    "the name must be <SIREN>FEC<closing date AAAAMMJJ>, e.g. 123456782FEC20241231.txt "
                        + "(A47 A-1 §IX)"
                ))
        }
        let closing = closingDate(in: s, name: name, matches: matches, into: &findings)
        if let ext, ["txt", "csv", "xml"].contains(ext.lowercased()) {
            // fine
        } else {
            findings.append((.fileExtension, ext.map { "." + $0 } ?? name, "the file name should end in .txt"))
        }
        return (closing, findings)
    }

    private static func digits(_ slice: ArraySlice<UInt8>) -> Bool {
        !slice.isEmpty && slice.allSatisfy { $0 >= 0x30 && $0 <= 0x39 }
    }

    /// The closing date after "FEC" (also in a name that does not match, as Test Compta Demat reads it).
    private static func closingDate(
        in s: [UInt8], name: String, matches: Bool, into findings: inout [Finding]
    ) -> CivilDate? {
        guard
            let position = (0..<max(0, s.count - 10)).first(where: {
                s[$0] == 0x46 && s[$0 + 1] == 0x45 && s[$0 + 2] == 0x43
            }),
            s.count >= position + 11, digits(s[(position + 3)..<(position + 11)])
        else {
            if matches { findings.append((.closingDate, name, "no closing date after FEC in the name")) }
            return nil
        }
        let text = s[(position + 3)..<(position + 11)]
        let value = text.reduce(0) { $0 * 10 + Int($1 - 0x30) }
        let closing = CivilDate(year: value / 10000, month: value / 100 % 100, day: value % 100)
        if closing == nil {
            findings.append(
                (
                    .closingDate, String(decoding: text, as: UTF8.self),
                    "the closing date in the name is not a real date AAAAMMJJ"
                ))
        }
        return closing
    }

    /// FEC-03 against what is known of the fiscal year: the name carries its closing date (§IX), so it
    /// must be the closing date given, come after a period extract's last day, and lie within 24 months
    /// of the fiscal year's start (a first fiscal year may be longer than 12 months, not more than 24).
    static func checkClosingDate(_ nameDate: CivilDate?, options: FECChecker.Options) -> [Finding] {
        guard let nameDate else { return [] }
        let shown = FECFormat.compactDate(nameDate)
        if let closing = options.closingDate, closing != nameDate {
            let expected = FECFormat.compactDate(closing)
            return [
                (
                    .closingDate, shown,
                    "the date in the name is not the fiscal year's closing date \(expected): "
                        + "the name of a FEC carries the closing date of its fiscal year (…FEC\(expected)), also for an extract"
                )
            ]
        }
        if let period = options.period, period.upperBound > nameDate {
            return [
                (
                    .closingDate, shown,
                    "the file covers \(period.lowerBound) to \(period.upperBound), after the date in its "
                        + "name: the name carries the closing date of the fiscal year the period belongs to"
                )
            ]
        }
        let earliest = options.fiscalYearStart ?? options.period?.lowerBound
        if let earliest, nameDate < earliest || monthsLater(earliest, 24).map({ nameDate >= $0 }) == true {
            return [
                (
                    .closingDate, shown,
                    "a fiscal year starting on or before \(earliest) cannot close on \(nameDate) "
                        + "(a fiscal year lasts at most 24 months): the name carries the closing date of the fiscal year"
                )
            ]
        }
        return []
    }

    /// The same day `months` later (the month's last day when it is shorter); nil past year 9999.
    private static func monthsLater(_ date: CivilDate, _ months: Int) -> CivilDate? {
        let total = date.year * 12 + (date.month - 1) + months
        let year = total / 12, month = total % 12 + 1
        return CivilDate(year: year, month: month, day: min(date.day, CivilDate.daysInMonth(year: year, month: month)))
    }

    /// FEC-03b, when only the file name tells the closing date: fiscal years close at a month end in
    /// practice, and a file whose entries all fall in the closing month looks like a monthly extract
    /// named after its own last day rather than after the fiscal year's closing date.
    static func checkPlausibility(of name: CivilDate?, earliestEntryDate: Int32, _ log: FECFindingLog) {
        guard let name else { return }
        let shown = FECFormat.compactDate(name)
        if name.day != CivilDate.daysInMonth(year: name.year, month: name.month) {
            log.flag(
                .closingDateUnusual, line: nil, shown,
                "\(name) is not the last day of a month, where fiscal years close "
                    + "in practice: is it the fiscal year's closing date? (give it with --year-end to check against it)"
            )
        }
        let monthStart = FECValueParser.compact(CivilDate(year: name.year, month: name.month, day: 1)!)
        if earliestEntryDate != 0, earliestEntryDate >= monthStart {
            log.flag(
                .closingDateUnusual, line: nil, shown,
                "every entry is dated in the month the name closes "
                    + "(\(name.monthKey)): a FEC covers its whole fiscal year; a monthly extract is named after the fiscal "
                    + "year's closing date and kept in a folder named after its month (YYYY-MM/), or checked with --period"
            )
        }
    }
}
