/// The cash-flow forecast stage: after reconciliation, for each pipeline with an `[invoicing]` or
/// a `[forecast]` section, the daily balance of the next days, written to `outbox/tresorerie/` and
/// kept on ``PipelineRun/forecast`` for the digest and the dashboard.
package struct ForecastStage: PipelineStage {
    package var name: StageName { .forecast }
    package var schedule: Schedule { .everyRun }

    package init() {}

    package func applies(to pipeline: PipelineConfig) -> Bool { pipeline.invoicing != nil || pipeline.forecast != nil }

    package func run(_ run: PipelineRun, summary: inout RunSummary) throws {
        var report = ForecastReport(pipeline: run.pipeline.id)
        let snapshot = try run.snapshot()
        var pass = ForecastPass(
            layout: run.layout, snapshot: snapshot, today: run.today, historical: try snapshot.history().invoices)
        pass.receivables = try snapshot.receivables(asOf: run.today)
        do {
            let (forecast, expenses) = try pass.forecast()
            run.forecast = forecast
            report.note(forecast, expenses: expenses)
            try pass.publish(forecast, expenses: expenses, report: &report)
        } catch let overflow as ArithmeticOverflow {
            report.warnings.append("the cash-flow forecast was not made: \(overflow)")
        }
        summary.forecast = (summary.forecast ?? []) + [report]
    }
}

/// What the forecast stage did for one pipeline in one run (part of the run summary).
package struct ForecastReport: Sendable, Codable {
    package var pipeline: String
    /// Today's balance, and at 30, 60 and 90 days (minor units).
    package var balanceToday: Int64?
    package var balances: [String: Int64] = [:]
    /// False when the pipeline gives no opening balance: balances are sums of the bank lines from zero.
    package var absolute: Bool = false
    package var lowest: Int64?
    package var lowestOn: String?
    package var alertBelow: Int64?
    /// The first day below `alertBelow` (an alert), if any.
    package var firstDayBelow: String?
    package var recurringExpenses: Int = 0
    /// Files delivered to the outbox (relative to the workspace).
    package var delivered: [String] = []
    /// The cash alert, and anything else a person should look at.
    package var warnings: [String] = []

    package init(pipeline: String) { self.pipeline = pipeline }

    mutating func note(_ forecast: CashForecast, expenses: [RecurringExpenses.Detected]) {
        balanceToday = forecast.openingBalanceMinor
        for offset in [30, 60, 90] {
            if let balance = forecast.balance(after: offset) { balances["\(offset)"] = balance }
        }
        absolute = forecast.balanceIsAbsolute
        lowest = forecast.lowest.balanceMinor
        lowestOn = forecast.lowest.date.description
        alertBelow = forecast.thresholdMinor
        firstDayBelow = forecast.firstDayBelow?.description
        recurringExpenses = expenses.filter { !$0.ignored }.count
        if let below = forecast.firstDayBelow {
            warnings.append(
                "cash alert: the projected balance goes below \(FrenchDates.euros(forecast.thresholdMinor)) on \(below) "
                    + "(lowest \(FrenchDates.euros(forecast.lowest.balanceMinor)) on \(forecast.lowest.date)); "
                    + "see outbox/tresorerie/prevision.csv")
        }
    }
}

/// One pipeline's forecast on one day, from what is known on that day only: bank lines booked and
/// invoices issued by then (a replay with `--date` forecasts as that day would have).
struct ForecastPass {
    let layout: ArchiveLayout
    let snapshot: RunSnapshot
    let today: CivilDate
    /// The Oxygène register's open invoices (``OxygeneHistory``).
    var historical: [OxygeneHistory.Invoice] = []
    /// The run's receivables as `today` knows them (``RunSnapshot/receivables(asOf:)``); nil: built
    /// by the forecaster.
    var receivables: Receivables?
    var settings: ForecastSettings { layout.pipeline.forecast ?? ForecastSettings() }

    func forecast() throws(ArithmeticOverflow) -> (CashForecast, [RecurringExpenses.Detected]) {
        try CashForecaster(pipeline: layout.pipeline, today: today).forecast(
            issued: snapshot.issued, matches: snapshot.matches, bank: snapshot.bank, historical: historical,
            receivables: receivables)
    }

    /// Delivers the CSV (and XLSX) reports and the chart to `outbox/tresorerie/`.
    func publish(_ forecast: CashForecast, expenses: [RecurringExpenses.Detected], report: inout ForecastReport) throws
    {
        let outbox = Outbox(layout: layout)
        let temporary = layout.temporary
        let tables: [(String, ReportTable)] = [
            (layout.forecastDaily, ForecastReports.dailyTable(forecast)),
            (layout.forecastSummary, ForecastReports.summaryTable(forecast)),
            (layout.forecastFlows, ForecastReports.flowsTable(forecast)),
            (
                layout.forecastExpenses,
                ForecastReports.expensesTable(detected: expenses, known: settings.expenses, today: today)
            ),
        ]
        for (path, table) in tables {
            report.warnings += try outbox.deliverReport(table, to: path, xlsx: true, temporaryDirectory: temporary)
            report.delivered.append(layout.shown(path))
        }
        let scratch = Path.join(temporary, "forecast-" + Path.name(of: layout.forecastChart))
        try Storage.write(
            Array(ForecastChart.svg(forecast).utf8), to: scratch, temporaryDirectory: temporary, collision: .replace)
        let delivery = try outbox.deliverCurrentVersion(of: scratch, to: layout.forecastChart)
        if let warning = delivery.warning { report.warnings.append(warning) }
        try Storage.removeFile(scratch)
        report.delivered.append(layout.shown(layout.forecastChart))
    }
}
