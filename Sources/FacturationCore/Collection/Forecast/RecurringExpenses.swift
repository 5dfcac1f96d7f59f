import Foundation

/// Recurring expenses found in the bank history, so the forecast can repeat them.
///
/// The rule (documented in the README, "Cash-flow forecast"): debits to the same counterparty
/// (name normalized: case, accents, digits and punctuation ignored), of a similar amount (within
/// ``tolerancePercent`` of the series' median amount), on a monthly rhythm (consecutive debits
/// ``gapDays`` apart), at least ``minimumOccurrences`` times in a row, the last one at most
/// ``staleDays`` before today (an expense that stopped is not repeated).
package enum RecurringExpenses {
    package static let tolerancePercent: Int64 = 10
    package static let gapDays = 20...40
    package static let minimumOccurrences = 3
    package static let staleDays = 45

    /// One detected expense.
    package struct Detected: Sendable, Equatable {
        /// The counterparty as the bank last wrote it.
        package var counterparty: String
        /// The normalized name it was grouped by.
        package var key: String
        /// The median amount of the series, positive (money out).
        package var amountMinor: Int64
        /// The median day of the month of the series.
        package var day: Int
        package var lastSeen: CivilDate
        package var occurrences: Int
        /// Removed by a `[[forecast.ignore]]` of the pipeline file.
        package var ignored: Bool = false
    }

    /// Upper case without accents; letters kept, every run of other characters (digits,
    /// punctuation, spaces) becomes one space: "Loyer Bureaux Marseille", "LOYER BUREAUX  MARSEILLE",
    /// "Loyer bureaux Marseille 08/2025" are one counterparty.
    package static func normalized(_ name: String) -> String {
        let folded = name.folding(options: [.diacriticInsensitive, .caseInsensitive], locale: nil).uppercased()
        var out = ""
        var space = false
        for scalar in folded.unicodeScalars {
            if scalar.properties.isAlphabetic {
                if space, !out.isEmpty { out.append(" ") }
                space = false
                out.unicodeScalars.append(scalar)
            } else {
                space = true
            }
        }
        return out
    }

    /// The recurring expenses of the debits of `bank` booked on or before `today`, by counterparty;
    /// those matching an `ignore` text are returned with `ignored` set.
    package static func detect(in bank: [BankLine], today: CivilDate, ignore: [String]) -> [Detected] {
        var groups: [String: [BankLine]] = [:]
        for line in bank where line.amountMinor < 0 && line.bookingDate <= today {
            let name = line.counterpartyName.isEmpty ? line.label : line.counterpartyName
            let key = normalized(name)
            if !key.isEmpty { groups[key, default: []].append(line) }
        }
        var found: [Detected] = []
        for (key, lines) in groups.sorted(by: { $0.key < $1.key }) {
            for series in amountSeries(lines.sorted { ($0.bookingDate, $0.key) < ($1.bookingDate, $1.key) }) {
                guard var detected = monthly(series, key: key, today: today) else { continue }
                detected.ignored = ignore.contains { key.contains($0) }
                found.append(detected)
            }
        }
        return found
    }

    /// The lines of one counterparty (oldest first) split by amount: a line joins the first series
    /// whose first amount is within the tolerance of its own.
    static func amountSeries(_ lines: [BankLine]) -> [[BankLine]] {
        var series: [[BankLine]] = []
        for line in lines {
            let amount = -line.amountMinor
            if let index = series.firstIndex(where: { isSimilar(-$0[0].amountMinor, amount) }) {
                series[index].append(line)
            } else {
                series.append([line])
            }
        }
        return series
    }

    /// `b` is within ``tolerancePercent`` of `a` (amounts below 10 million euros: no overflow).
    static func isSimilar(_ a: Int64, _ b: Int64) -> Bool {
        abs(a - b) * 100 <= tolerancePercent * a
    }

    /// The latest run of a series whose consecutive debits are a month apart, when long and recent enough.
    static func monthly(_ series: [BankLine], key: String, today: CivilDate) -> Detected? {
        guard let last = series.last, series.count >= minimumOccurrences,
            today.daysSinceEpoch - last.bookingDate.daysSinceEpoch <= Int64(staleDays)
        else { return nil }
        var start = series.count - 1
        while start > 0,
            gapDays.contains(
                Int(series[start].bookingDate.daysSinceEpoch - series[start - 1].bookingDate.daysSinceEpoch))
        {
            start -= 1
        }
        let run = series[start...]
        guard run.count >= minimumOccurrences else { return nil }
        let amounts = run.map { -$0.amountMinor }.sorted()
        return Detected(
            counterparty: last.counterpartyName.isEmpty ? last.label : last.counterpartyName, key: key,
            amountMinor: amounts[(amounts.count - 1) / 2], day: PaymentDelays.median(run.map(\.bookingDate.day)),
            lastSeen: last.bookingDate, occurrences: run.count)
    }

    /// The expected debits of a detected expense after `today` until `last`: on its day of each
    /// month (a shorter month's last day), at least ``gapDays``'s lower bound after the last one seen.
    static func occurrences(of expense: Detected, after today: CivilDate, until last: CivilDate) -> [CivilDate] {
        let earliest = max(today.adding(days: 1), expense.lastSeen.adding(days: gapDays.lowerBound))
        return monthlyDays(day: expense.day, from: expense.lastSeen, every: 1, until: last).filter { $0 >= earliest }
    }

    /// The known expense's days after `today` until `last`.
    static func occurrences(
        of expense: ForecastSettings.KnownExpense, after today: CivilDate, until last: CivilDate
    ) -> [CivilDate] {
        let anchor = expense.start ?? today
        return monthlyDays(day: expense.day, from: anchor, every: expense.frequency.months, until: last)
            .filter { date in date > today && date >= anchor && expense.end.map { date <= $0 } ?? true }
    }

    /// `day` of the month of `from`, then every `months` months (clamped to each month's length), until `last`.
    private static func monthlyDays(day: Int, from: CivilDate, every months: Int, until last: CivilDate) -> [CivilDate]
    {
        var days: [CivilDate] = []
        var index = from.year * 12 + from.month - 1
        while true {
            let year = index / 12, month = index % 12 + 1
            let date = CivilDate(
                year: year, month: month, day: min(day, CivilDate.daysInMonth(year: year, month: month)))!
            if date > last { return days }
            days.append(date)
            index += months
        }
    }

    /// The expected debits of the horizon: detected (not ignored) and known expenses.
    package static func flows(
        detected: [Detected], known: [ForecastSettings.KnownExpense], today: CivilDate, horizon: Int
    ) -> [CashForecast.Flow] {
        let last = today.adding(days: horizon)
        var flows: [CashForecast.Flow] = []
        for expense in detected where !expense.ignored {
            for date in occurrences(of: expense, after: today, until: last) {
                flows.append(
                    .init(
                        date: date, kind: .detectedExpense, amountMinor: -expense.amountMinor,
                        label: expense.counterparty))
            }
        }
        for expense in known {
            for date in occurrences(of: expense, after: today, until: last) {
                flows.append(
                    .init(date: date, kind: .knownExpense, amountMinor: -expense.amountMinor, label: expense.label))
            }
        }
        return flows
    }
}
