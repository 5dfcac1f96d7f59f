/// What an import accepts: the bounds every reader checks before a value reaches a ledger.
///
/// A value outside them is almost always a mistake (a timer left running over a weekend, a
/// date read with the wrong format, a cell pasted into the amount column) and, accepted once,
/// it would be read by every later run: a duration of 10^15 seconds or an amount near 2^63
/// used to crash invoicing and payment matching forever. The row is rejected with its line and
/// column instead, and the whole file with it (README, "Reading rules worth knowing").
///
/// - dates (entry start and end, bank booking, value and operation dates): 2000-01-01 to 2099-12-31;
/// - a time entry: at most ``maximumEntrySeconds`` (72 hours);
/// - an amount or a rate: at most ``maximumAmountMinor`` minor units in absolute value
///   (1,000,000,000.00 EUR), so that even ten million of them add up within the 64-bit integers
///   amounts are kept in (a year of any realistic company has far fewer rows).
package enum ImportBounds {
    package static let earliestDate = CivilDate(year: 2000, month: 1, day: 1)!
    package static let latestDate = CivilDate(year: 2099, month: 12, day: 31)!
    package static let maximumEntrySeconds: Int64 = 72 * 3600
    package static let maximumAmountMinor: Int64 = 100_000_000_000

    /// Why `date` is refused, or nil.
    package static func problem(date: CivilDate) -> String? {
        guard date < earliestDate || latestDate < date else { return nil }
        return "the date \(date) is outside the years 2000 to 2099 that facturation accepts (a wrong date format?)"
    }

    /// Why a UTC instant (seconds since the epoch) is refused, or nil.
    package static func problem(utc seconds: Int64) -> String? {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        guard (earliestDate.daysSinceEpoch - 1...latestDate.daysSinceEpoch + 1).contains(days) else {
            return "the timestamp is outside the years 2000 to 2099 that facturation accepts"
        }
        return nil
    }

    /// Why a time entry of `seconds` is refused, or nil.
    package static func problem(durationSeconds seconds: Int64) -> String? {
        if seconds < 0 { return "the duration is negative" }
        guard seconds > maximumEntrySeconds else { return nil }
        return "the entry lasts \(seconds / 3600) hours, more than the 72 hours facturation accepts for one entry "
            + "(a timer left running?): correct or split it in Clockify and export again"
    }

    /// Why an amount (or a rate) of `minor` units is refused, or nil.
    package static func problem(amountMinor minor: Int64, scale: Int) -> String? {
        guard minor.magnitude > UInt64(maximumAmountMinor) else { return nil }
        return "the amount is beyond the \(DecimalText.format(minorUnits: maximumAmountMinor, scale: scale)) "
            + "(in absolute value) that facturation accepts"
    }
}
