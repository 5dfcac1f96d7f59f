/// One `STMTTRN` of an OFX statement as it is read: its row and the problems found in it, each
/// naming the line and the element (`STMTTRN/TRNAMT`).
///
/// Rules (README "Input formats"):
/// - Every transaction is booked (an OFX statement lists posted transactions): the booking date
///   is `DTPOSTED`, the value date `DTAVAIL` (else `DTPOSTED`), the operation date `DTUSER`
///   (else `DTPOSTED`). A date is its first 8 digits (`YYYYMMDD`); with a time and a zone
///   (`20250910233000[0:GMT]`) it is the local date of that instant in the pipeline's time zone.
/// - `TRNAMT` is signed (+ = money in), decimal point (a decimal comma is accepted), exact.
/// - A credit type (`CREDIT`, `DEP`, `DIRECTDEP`, `INT`, `DIV`) with a negative amount, or a debit
///   type (`DEBIT`, `DIRECTDEBIT`, `PAYMENT`, `FEE`, `SRVCHG`, `ATM`, `POS`, `CHECK`, `CASH`) with a
///   positive one, is a reversal: booked with its own sign, `note` = `reversal`.
/// - `CURRENCY` (`CURSYM`): the amount is in that currency, not the statement's (a foreign line,
///   kept in its currency); `ORIGCURRENCY`: the amount is in the statement's currency, the
///   original currency and rate are written in `note`.
/// - The transaction id is `FITID`; without one the row gets the fingerprint key.
struct OfxTransactionReader {
    let node: OfxNode
    let iban: String
    let currency: Currency
    let context: ConversionContext
    private(set) var problems: [Problem] = []

    private static let creditTypes: Set<String> = ["CREDIT", "DEP", "DIRECTDEP", "INT", "DIV"]
    private static let debitTypes: Set<String> = [
        "DEBIT", "DIRECTDEBIT", "PAYMENT", "FEE", "SRVCHG", "ATM", "POS", "CHECK", "CASH",
    ]

    init(node: OfxNode, iban: String, currency: Currency, context: ConversionContext) {
        self.node = node
        self.iban = iban
        self.currency = currency
        self.context = context
    }

    private mutating func problem(_ element: String, _ found: OfxNode?, _ message: String) {
        problems.append(
            Problem(line: found?.line ?? node.line, column: "STMTTRN/" + element, value: found?.text, message: message))
    }

    /// The row, or nil when the transaction has a problem.
    mutating func read() -> BankRecord? {
        let posted = date("DTPOSTED", required: true)
        let available = date("DTAVAIL", required: false)
        let user = date("DTUSER", required: false)
        var rowCurrency = currency
        var notes: [String] = []
        if let foreign = node["CURRENCY"] {
            if let code = Currency(code: foreign["CURSYM"]?.text ?? "") {
                rowCurrency = code
            } else {
                problem("CURRENCY/CURSYM", foreign["CURSYM"] ?? foreign, "expected a currency code like USD")
            }
        }
        if let original = node["ORIGCURRENCY"], let code = original["CURSYM"]?.text, code != currency.code {
            notes.append("original currency \(code)" + (original["CURRATE"].map { " at rate \($0.text)" } ?? ""))
        }
        let amount = amount(currency: rowCurrency)
        let type = node["TRNTYPE"]?.text.uppercased() ?? ""
        if type.isEmpty { problem("TRNTYPE", nil, "the transaction has no type (TRNTYPE: CREDIT, DEBIT…)") }
        guard let posted, let amount, problems.isEmpty else { return nil }
        if (amount < 0 && Self.creditTypes.contains(type)) || (amount > 0 && Self.debitTypes.contains(type)) {
            notes.insert("reversal", at: 0)
        }
        let payee = node["PAYEE", "NAME"]?.text ?? ""
        return BankRecord(
            sourceFormat: .ofx, sourceFile: context.sourceName, sourceRow: node.line,
            transactionID: node["FITID"]?.text ?? "", accountIBAN: iban, bookingDate: posted,
            valueDate: available ?? posted, operationDate: user ?? posted, settledAtUTC: nil, amountMinor: amount,
            currency: rowCurrency, status: .booked, counterpartyName: payee, counterpartyIBAN: "",
            label: node["NAME"]?.text ?? "", remittanceInfo: node["MEMO"]?.text ?? "",
            paymentMethod: type.lowercased(), note: notes.joined(separator: "; "))
    }

    /// `TRNAMT`, signed, exact at the currency's decimals, within bounds.
    private mutating func amount(currency: Currency) -> Int64? {
        guard let found = node["TRNAMT"] else {
            problem("TRNAMT", nil, "the transaction has no amount")
            return nil
        }
        let style: DecimalText.Style =
            found.text.contains(",") && !found.text.contains(".") ? .commaDecimal : .dotDecimal
        switch DecimalText.minorUnits(found.text, scale: currency.minorDigits, style: style) {
        case .failure(let failure):
            problem("TRNAMT", found, failure.message)
            return nil
        case .success(let value):
            if let outside = ImportBounds.problem(amountMinor: value, scale: currency.minorDigits) {
                problem("TRNAMT", found, outside)
                return nil
            }
            return value
        }
    }

    /// A date element: `YYYYMMDD[HHMMSS[.XXX]][[±H[.MM]:TZ]]`; nil when absent (a problem when required).
    private mutating func date(_ element: String, required: Bool) -> CivilDate? {
        guard let found = node[element] else {
            if required { problem(element, nil, "the transaction has no \(element) date (YYYYMMDD)") }
            return nil
        }
        guard let date = Self.parseDate(found.text, zone: context.zone) else {
            problem(element, found, "expected a date YYYYMMDD (optionally followed by HHMMSS and a [zone])")
            return nil
        }
        if let outside = ImportBounds.problem(date: date) {
            problem(element, found, outside)
            return nil
        }
        return date
    }

    static func parseDate(_ text: String, zone: ZoneConverter) -> CivilDate? {
        let digits = Array(text.utf8.prefix { $0 >= 0x30 && $0 <= 0x39 })
        func number(_ range: Range<Int>) -> Int { range.reduce(0) { $0 * 10 + Int(digits[$1] - 0x30) } }
        guard digits.count >= 8, let date = CivilDate(year: number(0..<4), month: number(4..<6), day: number(6..<8))
        else { return nil }
        guard digits.count >= 14, let open = text.firstIndex(of: "["), let offset = zoneOffsetSeconds(text[open...])
        else { return date }
        let (hour, minute, second) = (number(8..<10), number(10..<12), number(12..<14))
        guard hour < 24, minute < 60, second < 61 else { return nil }
        let local = date.daysSinceEpoch * 86_400 + Int64(hour * 3600 + minute * 60 + second)
        return zone.localDate(utc: local - offset)
    }

    /// `[-5:EST]`, `[+1]`, `[0:GMT]`, `[5.30:IST]`: the offset from UTC in seconds.
    private static func zoneOffsetSeconds(_ text: Substring) -> Int64? {
        let inside = text.dropFirst().prefix { $0 != ":" && $0 != "]" }
        let negative = inside.hasPrefix("-")
        let unsigned = inside.drop { $0 == "-" || $0 == "+" }
        let parts = unsigned.split(separator: ".", maxSplits: 1)
        guard let hours = parts.first.flatMap({ Int64($0) }), hours <= 14 else { return nil }
        let minutes = parts.count > 1 ? Int64(parts[1]) ?? 0 : 0
        guard minutes < 60 else { return nil }
        return (negative ? -1 : 1) * (hours * 3600 + minutes * 60)
    }
}
