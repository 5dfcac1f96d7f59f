/// The cash-flow forecast of a pipeline: the `[forecast]` table of its pipeline file (optional:
/// every key has a default, and a pipeline with `[invoicing]` gets a forecast without it).
///
/// ```toml
/// [forecast]
/// opening_balance = 15000.00    # the bank balance at the end of opening_date (from a bank statement)
/// opening_date = 2025-06-30     # bank lines booked after it are added; without both: "solde relatif"
/// alert_below = 10000.00        # alert when the projected balance goes below (default 10000.00)
/// default_delay_days = 0        # payment delay of a client with no paid invoice yet (default 0)
/// horizon_days = 90             # days forecast (30 to 366, default 90)
///
/// [[forecast.expenses]]         # a known expense the bank history does not show (yet)
/// label = "Assurance RC Pro"
/// amount = 1200.00
/// day = 15                      # day of the month (1–31; a shorter month uses its last day)
/// frequency = "yearly"          # monthly (default), quarterly, yearly
/// start = 2026-03-15            # first payment (required for quarterly and yearly; default: now)
/// end = 2027-03-15              # optional: none after
///
/// [[forecast.ignore]]           # a wrong detection of outbox/tresorerie/depenses-recurrentes.csv
/// match = "Amazon"              # ignores detected expenses whose counterparty contains it
/// ```
package struct ForecastSettings: Sendable {
    /// The bank balance at the end of `openingDate`; nil = the balance is relative (from zero).
    package var opening: Opening?
    package var alertBelowMinor: Int64 = 1_000_000
    package var defaultDelayDays: Int = 0
    package var horizonDays: Int = 90
    package var expenses: [KnownExpense] = []
    /// Texts that remove a detected expense (folded: ``RecurringExpenses/normalized(_:)``).
    package var ignore: [String] = []

    package init() {}

    package struct Opening: Sendable, Equatable {
        package var balanceMinor: Int64
        package var date: CivilDate
    }

    /// An expense written in the pipeline file (`[[forecast.expenses]]`).
    package struct KnownExpense: Sendable, Equatable {
        package var label: String
        /// Positive: money out.
        package var amountMinor: Int64
        package var day: Int
        package var frequency: Contract.Frequency
        package var start: CivilDate?
        package var end: CivilDate?
    }
}

extension PipelineLoader {
    /// `[forecast]`; nil when the file has none. Mistakes are recorded with their line.
    static func readForecast(_ table: TableReader?) -> ForecastSettings? {
        guard let table else { return nil }
        var settings = ForecastSettings()
        let balance = table.signedMoney("opening_balance")
        let date = table.date("opening_date")
        switch (balance, date) {
        case (let balance?, let date?): settings.opening = .init(balanceMinor: balance, date: date)
        case (nil, nil): break
        case (nil, _):
            table.fail(key: "opening_date", "add opening_balance = 12345.67 (the balance at the end of that day)")
        case (_, nil): table.fail(key: "opening_balance", "add opening_date = YYYY-MM-DD (the day of that balance)")
        }
        if let alert = table.money("alert_below") { settings.alertBelowMinor = alert }
        if let delay = table.integer("default_delay_days", in: -60...365) { settings.defaultDelayDays = delay }
        if let horizon = table.integer("horizon_days", in: 30...366) { settings.horizonDays = horizon }
        settings.expenses = table.tables("expenses").compactMap(readKnownExpense)
        for ignore in table.tables("ignore") {
            if let match = ignore.string("match", required: true) {
                let folded = RecurringExpenses.normalized(match)
                if folded.isEmpty {
                    ignore.fail(key: "match", "write a part of the counterparty's name, like match = \"Amazon\"")
                } else {
                    settings.ignore.append(folded)
                }
            }
            ignore.finish()
        }
        table.finish()
        return settings
    }

    private static func readKnownExpense(_ table: TableReader) -> ForecastSettings.KnownExpense? {
        defer { table.finish() }
        let label = table.string("label", required: true)
        let amount = table.money("amount", required: true)
        let day = table.integer("day", in: 1...31)
        if day == nil, !table.contains("day") {
            table.fail(table.table.position.line, "\(table.name).day is missing (add `day = 5`)")
        }
        let frequency = table.choice("frequency", Contract.Frequency.self) ?? .monthly
        let start = table.date("start")
        let end = table.date("end")
        if frequency != .monthly, start == nil {
            table.fail(key: "frequency", "a \(frequency.rawValue) expense needs start = YYYY-MM-DD (its first payment)")
            return nil
        }
        if let start, let end, end < start { table.fail(key: "end", "end is before start"); return nil }
        guard let label, let amount, let day else { return nil }
        return .init(label: label, amountMinor: amount, day: day, frequency: frequency, start: start, end: end)
    }
}

extension TableReader {
    /// An amount that may be negative (a bank balance), in minor units with two decimals.
    func signedMoney(_ key: String) -> Int64? {
        guard let value = table[key] else { _ = money(key); return nil }
        if case .string(let text) = value.kind, text.trimmed.hasPrefix("-") {
            return negated(key, text: String(text.trimmed.dropFirst()), line: value.position.line)
        }
        if case .integer(let number) = value.kind, number < 0 {
            // Not `-number`: Int64.min has no opposite.
            return negated(key, text: String(String(number).dropFirst()), line: value.position.line)
        }
        if case .float(let text) = value.kind, text.hasPrefix("-") {
            return negated(key, text: String(text.dropFirst()), line: value.position.line)
        }
        return money(key)
    }

    private func negated(_ key: String, text: String, line: Int) -> Int64? {
        _ = contains(key)
        switch DecimalText.minorUnits(text, scale: 2, style: .dotDecimal) {
        case .success(let minor) where minor <= TableReader.maximumAmount * 100: return -minor
        case .success: fail(line, "\(qualified(key)) must be at least -\(TableReader.maximumAmount)")
        case .failure(let problem): fail(line, "\(qualified(key)): \(problem.message) (write it like -1400.00)")
        }
        return nil
    }
}
