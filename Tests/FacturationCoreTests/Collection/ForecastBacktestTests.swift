import Foundation
import Testing

@testable import FacturationCore

/// The forecast checked against what happened: a generated history of 30 months (six clients on
/// monthly contracts, each paying with its own delay, monthly expenses, a quarterly one known from
/// the pipeline file, and irregular purchases), forecast from many days D with only what was
/// known on D (``CashForecaster`` filters by date), compared with the balance the history reached
/// 30, 60 and 90 days later.
@Suite("Cash-flow forecast backtest")
struct ForecastBacktestTests {
    typealias F = ForecastFixtures

    /// Fees excl. VAT (minor units) and true payment delays (days after the due date) of the clients.
    static let fees: [Int64] = [140_000, 50_000, 90_000, 250_000, 65_000, 120_000]
    static let delays = [0, 5, 12, 25, -3, 40]
    static let rent: Int64 = 180_000, payroll: Int64 = 300_000, software: Int64 = 12_000, urssaf: Int64 = 480_000
    static let opening: Int64 = 3_000_000

    struct History {
        var issued: [InvoiceDocument] = []
        var matches: [PaymentMatch] = []
        var bank: [BankLine] = []
        /// The irregular purchases (not forecastable), by booking date.
        var irregular: [BankLine] = []

        func balance(on day: CivilDate) -> Int64 {
            ForecastBacktestTests.opening + bank.filter { $0.bookingDate <= day }.reduce(0) { $0 + $1.amountMinor }
        }
    }

    static func pipeline() throws -> PipelineConfig {
        var toml = F.company
        for index in fees.indices { toml += F.client("C\(index + 1)") }
        toml += """
            [invoicing]
            start = 2024-01-01

            [forecast]
            opening_balance = \(DecimalText.format(minorUnits: opening, scale: 2))
            opening_date = 2023-12-31

            [[forecast.expenses]]
            label = "URSSAF"
            amount = \(DecimalText.format(minorUnits: urssaf, scale: 2))
            day = 15
            frequency = "quarterly"
            start = 2024-01-15

            """
        for (index, fee) in fees.enumerated() {
            toml += """
                [[contracts]]
                client = "C\(index + 1)"
                amount = \(DecimalText.format(minorUnits: fee, scale: 2))
                frequency = "monthly"
                label = "Forfait"

                """
        }
        return try F.pipeline(toml).get()
    }

    /// The history from 2024-01-01 to 2026-06-30; with `noise`, payments move by up to ±3 days
    /// around each client's delay, expenses by up to 2 days, the software bill by up to ±5 %, and
    /// two irregular purchases (5 to 1,500 €) a month come on top.
    static func history(_ config: PipelineConfig, noise: Bool, seed: UInt64 = 20_251_205) -> History {
        var random = SplitMix64(seed: seed)
        func jitter(_ range: ClosedRange<Int>) -> Int {
            noise ? range.lowerBound + random.below(range.count) : 0
        }
        var history = History()
        let last = F.day("2026-06-30")
        for (index, contract) in config.invoicing!.contracts.enumerated() {
            for period in RecurringSchedule.duePeriods(of: contract, from: F.day("2024-01-01"), today: last) {
                let number = "F\(period.key)-\(index + 1)"
                let total = fees[index] * 12 / 10
                let due = period.billingDate.adding(days: 30)
                history.issued.append(
                    F.invoice(
                        number, client: contract.clientCode, total: total, issued: period.billingDate, due: due,
                        draftID: RecurringSchedule.draftID(contract: contract, period: period)))
                let paid = due.adding(days: delays[index] + jitter(-3...3))
                history.bank.append(F.bank(total, "Client C\(index + 1)", on: paid, key: "pay:\(number)"))
                history.matches.append(F.match(number, total, on: paid))
            }
        }
        var month = F.day("2024-01-01")
        var purchase = 0
        while month <= last {
            func on(_ day: Int) -> CivilDate { CivilDate(year: month.year, month: month.month, day: day)! }
            history.bank.append(F.bank(-rent, "SCI Les Tilleuls", on: on(5 + jitter(0...2))))
            history.bank.append(F.bank(-payroll, "Salaires", on: on(28)))
            let bill = software + (noise ? software * Int64(jitter(-5...5)) / 100 : 0)
            history.bank.append(F.bank(-bill, "Logiciels SaaS", on: on(15 + jitter(0...2))))
            if [1, 4, 7, 10].contains(month.month) { history.bank.append(F.bank(-urssaf, "URSSAF PACA", on: on(15))) }
            for _ in 0..<(noise ? 2 : 0) {
                purchase += 1
                // A different name each time (letters only: digits are ignored when names are compared).
                let name =
                    "Achat " + String(UnicodeScalar(65 + purchase % 26)!)
                    + String(UnicodeScalar(65 + purchase / 26 % 26)!)
                let line = F.bank(-Int64(500 + random.below(14_501)) * 10, name, on: on(1 + random.below(28)))
                history.bank.append(line)
                history.irregular.append(line)
            }
            month = RecurringSchedule.addMonths(month, 1)
        }
        return history
    }

    /// The days forecast from: the 1st and 16th of each month of 2025 and of early 2026 (at least a
    /// year of history before, and 90 days of it after).
    static let forecastDays: [CivilDate] = (0..<15).flatMap { offset -> [CivilDate] in
        let month = RecurringSchedule.addMonths(F.day("2025-01-01"), offset)
        return [month, month.adding(days: 15)]
    }

    /// (horizon, forecast − actual, irregular purchases of the window) for every forecast day.
    static func errors(_ config: PipelineConfig, _ history: History) throws -> [(Int, Int64, Int64, CivilDate)] {
        var errors: [(Int, Int64, Int64, CivilDate)] = []
        for day in forecastDays {
            let (forecast, _) = try CashForecaster(pipeline: config, today: day).forecast(
                issued: history.issued, matches: history.matches, bank: history.bank)
            #expect(forecast.openingBalanceMinor == history.balance(on: day), "\(day): balance today")
            for horizon in [30, 60, 90] {
                let end = day.adding(days: horizon)
                let actual = history.balance(on: end)
                let irregular = history.irregular.filter { $0.bookingDate > day && $0.bookingDate <= end }
                    .reduce(0) { $0 - $1.amountMinor }
                errors.append((horizon, try #require(forecast.balance(after: horizon)) - actual, irregular, day))
            }
        }
        return errors
    }

    @Test func withoutNoiseTheForecastIsExact() throws {
        let config = try Self.pipeline()
        let history = Self.history(config, noise: false)
        for (horizon, error, _, day) in try Self.errors(config, history) {
            #expect(error == 0, "from \(day), \(horizon) days: off by \(FrenchDates.euros(error))")
        }
    }

    @Test func withNoiseTheErrorStaysWithinWhatCouldNotBeKnown() throws {
        let config = try Self.pipeline()
        let history = Self.history(config, noise: true)
        let errors = try Self.errors(config, history)
        // What the forecast cannot know on D, hence the bound of each error:
        // - the irregular purchases of the window (never forecast);
        // - payments moved by up to ±3 days around a median that is itself within the spread: an
        //   invoice per client may fall on the other side of D + horizon, and one more per client
        //   may be the overdue one expected at D + delay instead of in the next days;
        // - expenses moved by up to 2 days: one occurrence of each monthly one on the other side;
        // - the software bill's median against each actual bill (±10 % at most, three a quarter).
        let perClient = Self.fees.reduce(0) { $0 + $1 * 12 / 10 }
        let slack = 2 * perClient + (Self.rent + Self.payroll + Self.software * 105 / 100) + 3 * Self.software / 10
        var report = "Forecast backtest (\(Self.forecastDays.count) forecast days, 2025-01-01 to 2026-03-16):\n"
        for horizon in [30, 60, 90] {
            let mine = errors.filter { $0.0 == horizon }
            let absolute = mine.map { abs($0.1) }
            let mean = absolute.reduce(0, +) / Int64(absolute.count)
            let irregular = mine.map(\.2).reduce(0, +) / Int64(mine.count)
            report +=
                "  \(horizon) days: mean absolute error \(FrenchDates.euros(mean)), largest "
                + "\(FrenchDates.euros(absolute.max()!)); irregular purchases in the window \(FrenchDates.euros(irregular)) on average\n"
            for (_, error, irregular, day) in mine {
                #expect(
                    abs(error) <= irregular + slack, "from \(day), \(horizon) days: off by \(FrenchDates.euros(error))")
            }
        }
        let monthly = Self.fees.reduce(0) { $0 + $1 * 12 / 10 }
        report +=
            "  (receipts of a month: \(FrenchDates.euros(monthly)); bound = irregular purchases + \(FrenchDates.euros(slack)))"
        print(report)
    }
}
