/// How a pipeline reminds its clients of unpaid invoices: the `[dunning]` table of its pipeline file.
/// Without that table the pipeline sends no reminders at all.
///
/// ```toml
/// [dunning]
/// levels = [15, 30, 60]          # days after the due date; the last level is a formal notice
/// legal_interest_rate = 3.16     # percent: the French legal rate for professionals (half-year)
/// indemnity = 40.00              # fixed recovery indemnity per invoice (D441-5 Code de commerce)
/// min_amount = 0                 # an invoice owing less is never reminded
/// from = 2025-07-01              # invoices due before this day are never reminded
/// ```
package struct DunningSettings: Sendable, Equatable {
    /// Days after the due date of each level, strictly increasing; the last is the formal notice.
    package var levels: [Int] = [15, 30, 60]
    /// The legal interest rate in thousandths of a percent (3.16 % = 3160); nil when not given.
    package var legalInterestRate: Int64?
    /// The fixed recovery indemnity per invoice, in minor units.
    package var indemnityMinor: Int64 = 4_000
    /// An invoice that owes less than this is not reminded.
    package var minAmountMinor: Int64 = 0
    /// Invoices due before this day are never reminded.
    package var from: CivilDate?

    package init(
        levels: [Int] = [15, 30, 60], legalInterestRate: Int64? = nil, indemnityMinor: Int64 = 4_000,
        minAmountMinor: Int64 = 0, from: CivilDate? = nil
    ) {
        self.levels = levels
        self.legalInterestRate = legalInterestRate
        self.indemnityMinor = indemnityMinor
        self.minAmountMinor = minAmountMinor
        self.from = from
    }

    /// The 1-based number of the formal-notice level (the last one).
    package var formalNoticeLevel: Int { levels.count }
}

extension PipelineLoader {
    /// `[dunning]`; nil when the file has none. Mistakes are recorded with their line.
    static func readDunning(_ table: TableReader?) -> DunningSettings? {
        guard let table else { return nil }
        var settings = DunningSettings()
        if let levels = table.integers("levels", in: 1...3_650) {
            if levels.isEmpty || zip(levels, levels.dropFirst()).contains(where: { $0 >= $1 }) {
                table.fail(key: "levels", "give one or more numbers of days, increasing, like levels = [15, 30, 60]")
            } else {
                settings.levels = levels
            }
        }
        if let rate = table.money("legal_interest_rate", scale: 3) {
            if rate > 100_000 {
                table.fail(key: "legal_interest_rate", "a percentage, at most 100 (like legal_interest_rate = 3.16)")
            } else {
                settings.legalInterestRate = rate
            }
        }
        if let indemnity = table.money("indemnity") { settings.indemnityMinor = indemnity }
        if let minimum = table.money("min_amount") { settings.minAmountMinor = minimum }
        settings.from = table.date("from")
        table.finish()
        return settings
    }
}
