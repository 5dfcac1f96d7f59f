/// A `:61:` statement line, read: `YYMMDD[MMDD](C|D|RC|RD)[funds code]amount(type)(reference)[//bank reference]`,
/// e.g. `2509030903CR1500,00NTRFNONREF//BQ-MT-0001`.
struct Mt940StatementLine {
    var valueDate: CivilDate
    var entryDate: CivilDate?
    /// Signed, in 10^-`scale` units of the statement's currency.
    var amountMinor: Int64
    var reversal: Bool
    /// `NTRF`, `NCHK`, `FCHG`…
    var type: String
    var customerReference: String
    var bankReference: String

    /// Why a `:61:` cannot be read: the part of the field and what was expected.
    struct Failure: Error {
        let part: String
        let message: String
    }

    static func parse(_ text: String, currency: Currency) -> Result<Mt940StatementLine, Failure> {
        var rest = Substring(text)
        guard let value = Mt940Statement.date(rest.prefix(6)) else {
            return .failure(Failure(part: "value date", message: "expected the value date YYMMDD"))
        }
        rest = rest.dropFirst(6)
        var entry: CivilDate?
        if rest.prefix(4).count == 4, rest.prefix(4).allSatisfy(\.isASCIIDigit) {
            entry = entryDate(rest.prefix(4), near: value)
            guard entry != nil else { return .failure(Failure(part: "entry date", message: "expected MMDD")) }
            rest = rest.dropFirst(4)
        }
        let sign: Int64
        let reversal = rest.hasPrefix("RC") || rest.hasPrefix("RD")
        if rest.hasPrefix("RC") || rest.hasPrefix("D") {
            sign = -1
        } else if rest.hasPrefix("RD") || rest.hasPrefix("C") {
            sign = 1
        } else {
            return .failure(Failure(part: "mark", message: "expected C, D, RC or RD (credit, debit, reversals)"))
        }
        rest = rest.dropFirst(reversal ? 2 : 1)
        if let first = rest.first, first.isLetter { rest = rest.dropFirst() }  // funds code
        let amountText = rest.prefix { $0.isASCIIDigit || $0 == "," }
        guard amountText.contains(","), amountText.count <= 15,
            case .success(let magnitude) = DecimalText.minorUnits(
                Mt940Statement.decimalText(amountText), scale: currency.minorDigits, style: .commaDecimal)
        else {
            return .failure(
                Failure(part: "amount", message: "expected an amount with a decimal comma (1500,00) after the mark"))
        }
        if let outside = ImportBounds.problem(amountMinor: magnitude, scale: currency.minorDigits) {
            return .failure(Failure(part: "amount", message: outside))
        }
        rest = rest.dropFirst(amountText.count)
        let type = String(rest.prefix(4))
        guard type.count == 4 else {
            return .failure(Failure(part: "transaction type", message: "expected a type like NTRF after the amount"))
        }
        rest = rest.dropFirst(4)
        let references = rest.split(separator: "//", maxSplits: 1, omittingEmptySubsequences: false)
        return .success(
            Mt940StatementLine(
                valueDate: value, entryDate: entry, amountMinor: sign * magnitude, reversal: reversal, type: type,
                customerReference: String(references.first ?? "").trimmed,
                bankReference: references.count > 1 ? String(references[1]).trimmed : ""))
    }

    /// The entry date MMDD in the year that puts it nearest the value date (a line valued on
    /// 31 December may be booked on 2 January).
    private static func entryDate(_ text: Substring, near value: CivilDate) -> CivilDate? {
        guard let month = Int(text.prefix(2)), let day = Int(text.suffix(2)) else { return nil }
        let candidates = [value.year - 1, value.year, value.year + 1].compactMap {
            CivilDate(year: $0, month: month, day: day)
        }
        return candidates.min {
            abs($0.daysSinceEpoch - value.daysSinceEpoch) < abs($1.daysSinceEpoch - value.daysSinceEpoch)
        }
    }
}
