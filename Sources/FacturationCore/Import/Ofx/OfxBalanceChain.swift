/// The `LEDGERBAL` check of an OFX file, where the file allows it.
///
/// A statement gives its closing balance (`LEDGERBAL/BALAMT` as of `DTASOF`) but no opening one,
/// so one statement alone cannot be checked. Two statements of one account and currency in the
/// same file can: when the later one starts (`DTSTART`) on the day the earlier one ends (`DTEND`)
/// or the day after, and each balance is as of its statement's `DTEND`, the later balance must be
/// the earlier one plus the later statement's transactions; otherwise the file is rejected, naming
/// the `LEDGERBAL` and both sums, as CFONB 120 and MT940 are. Statements that do not follow each
/// other, or that hold a transaction in another currency, are not compared.
struct OfxBalanceChain {
    /// What one statement says about its balance.
    struct Statement {
        var iban: String
        var currency: Currency
        var start: CivilDate?
        var end: CivilDate?
        /// `LEDGERBAL/BALAMT` in minor units, with its `DTASOF` and its line.
        var balance: Int64?
        var asOf: CivilDate?
        var line: Int
        /// The transactions' sum; nil when one is in another currency or the sum overflows.
        var sum: Int64?
    }

    /// The last statement seen of each account and currency.
    private var previous: [String: Statement] = [:]

    /// Compares `statement` with the previous statement of its account; the problem when they disagree.
    mutating func add(_ statement: Statement) -> Problem? {
        let key = statement.iban + " " + statement.currency.code
        defer { previous[key] = statement }
        guard let earlier = previous[key], let before = earlier.balance, let after = statement.balance,
            let earlierEnd = earlier.end, earlier.asOf == earlierEnd, let start = statement.start,
            start == earlierEnd || start == earlierEnd.adding(days: 1), statement.end != nil,
            statement.asOf == statement.end, let sum = statement.sum
        else { return nil }
        let (expected, overflow) = before.addingReportingOverflow(sum)
        guard !overflow, expected != after else { return nil }
        let scale = statement.currency.minorDigits
        let code = statement.currency.code
        return Problem(
            line: statement.line, column: "STMTRS/LEDGERBAL/BALAMT",
            value: DecimalText.format(minorUnits: after, scale: scale),
            message: "the ledger balance is \(DecimalText.format(minorUnits: after, scale: scale)) \(code), but the "
                + "previous statement's (line \(earlier.line)) plus the transactions is "
                + "\(DecimalText.format(minorUnits: expected, scale: scale)) \(code): a transaction is missing or was "
                + "changed; download the statement again")
    }
}
