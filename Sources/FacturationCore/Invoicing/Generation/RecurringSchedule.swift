/// Which periods of a flat-fee contract are due on a given day.
package enum RecurringSchedule {
    /// One period of a contract: its first and last days and the day it is invoiced.
    package struct Period: Sendable, Equatable {
        package var start: CivilDate
        package var end: CivilDate
        package var billingDate: CivilDate
        /// `YYYY-MM` of the first month, the period's id.
        package var key: String { start.monthKey }
    }

    /// Every period of `contract` billed between `from` and `today` (billing days included) that
    /// starts within the contract's dates, oldest first.
    package static func duePeriods(of contract: Contract, from: CivilDate, today: CivilDate) -> [Period] {
        var periods: [Period] = []
        let earliest = max(from, contract.start ?? from)
        var year = earliest.year
        var month = earliest.month
        while (year, month) <= (today.year, today.month) {
            if contract.months.contains(month) {
                let start = CivilDate(year: year, month: month, day: 1)!
                let billing = CivilDate(year: year, month: month, day: contract.day)!
                let endMonth = addMonths(start, contract.frequency.months - 1)
                let end = CivilDate(
                    year: endMonth.year, month: endMonth.month,
                    day: CivilDate.daysInMonth(year: endMonth.year, month: endMonth.month))!
                // A period is billed when it starts on or after the contract's start (a contract
                // starting mid-month is first billed for the next month) and its billing day is on
                // or after `from` (earlier ones were billed before facturation took over).
                if billing <= today, billing >= from, start >= (contract.start ?? start),
                    contract.end.map({ start <= $0 }) ?? true
                {
                    periods.append(Period(start: start, end: end, billingDate: billing))
                }
            }
            month += 1
            if month == 13 { month = 1; year += 1 }
        }
        return periods
    }

    /// The draft id of a contract's period (`rec-<contract>-<period>`): the invoice of that period
    /// carries it as `origin.draftID`, so it is never issued twice (and the forecast knows it was).
    package static func draftID(contract: Contract, period: Period) -> String { "rec-\(contract.id)-\(period.key)" }

    /// The period's name as printed: "Août 2025", "Juillet à septembre 2025", "Juillet 2025 à juin 2026".
    package static func label(of period: Period, frequency: Contract.Frequency) -> String {
        switch frequency {
        case .monthly:
            return FrenchDates.monthName(period.start.month, capitalized: true) + " \(period.start.year)"
        case .quarterly, .yearly:
            let first = FrenchDates.monthName(period.start.month, capitalized: true)
            let last = FrenchDates.monthName(period.end.month, capitalized: false)
            if period.start.year == period.end.year { return "\(first) à \(last) \(period.end.year)" }
            return "\(first) \(period.start.year) à \(last) \(period.end.year)"
        }
    }

    static func addMonths(_ date: CivilDate, _ count: Int) -> CivilDate {
        let index = date.year * 12 + (date.month - 1) + count
        return CivilDate(year: index / 12, month: index % 12 + 1, day: 1)!
    }
}

/// French month names and date formats used on documents.
package enum FrenchDates {
    static let months = [
        "janvier", "février", "mars", "avril", "mai", "juin", "juillet", "août", "septembre",
        "octobre", "novembre", "décembre",
    ]

    /// "août", or "Août" when capitalized.
    package static func monthName(_ month: Int, capitalized: Bool) -> String {
        let name = months[month - 1]
        return capitalized ? name.prefix(1).uppercased() + name.dropFirst() : name
    }

    /// `dd/mm/yyyy`.
    package static func slashed(_ date: CivilDate) -> String {
        CivilDate.pad(date.day, 2) + "/" + CivilDate.pad(date.month, 2) + "/" + CivilDate.pad(date.year, 4)
    }

    /// Amount in euros as printed in French: `1 680,00 €`.
    package static func euros(_ minor: Int64) -> String {
        let text = DecimalText.format(minorUnits: minor, scale: 2, decimalMark: ",")
        let negative = text.hasPrefix("-")
        let digits = negative ? String(text.dropFirst()) : text
        let parts = digits.split(separator: ",")
        var integer = String(parts[0])
        var grouped = ""
        while integer.count > 3 {
            grouped = "\u{202F}" + integer.suffix(3) + grouped
            integer = String(integer.dropLast(3))
        }
        return (negative ? "-" : "") + integer + grouped + "," + parts[1] + " €"
    }
}
