/// The dashboard stage, last of a run: for each pipeline with an `[invoicing]` section whose
/// `[dashboard]` is enabled, `outbox/dashboard/index.html` and its CSV reports.
///
/// Written like the payment reports: each file under a temporary name, fsynced, renamed into
/// place (``Outbox/deliverCurrentVersion(of:to:)``), replaced only when its bytes change, and
/// never over a copy someone edited (the update is then delivered beside it). The page depends
/// only on the archive and the run's `today`, so a run that changes nothing writes nothing.
package struct DashboardStage: PipelineStage {
    package var name: StageName { .dashboard }
    package var schedule: Schedule { .everyRun }

    package init() {}

    package func applies(to pipeline: PipelineConfig) -> Bool {
        pipeline.invoicing != nil && pipeline.dashboard.enabled
    }

    package func run(_ run: PipelineRun, summary: inout RunSummary) throws {
        let report = try Self.write(run)
        summary.dashboard = (summary.dashboard ?? []) + [report]
    }

    /// Computes the figures of `run` (``figures(of:)``) and delivers the page and the reports.
    static func write(_ run: PipelineRun) throws -> DashboardReport {
        let layout = run.layout
        var report = DashboardReport(pipeline: layout.pipeline.id)
        let figures: DashboardFigures
        do {
            figures = try Self.figures(of: run)
        } catch let overflow as ArithmeticOverflow {
            // Sums too large to be exact: the page is left as it was rather than show a wrong number.
            report.warnings.append("outbox/\(layout.dashboardPage) was not updated: \(overflow)")
            return report
        }
        let outbox = Outbox(layout: layout)
        let page = DashboardPage.html(
            figures, company: layout.pipeline.company.name, settings: layout.pipeline.dashboard)
        let temporary = Path.join(layout.temporary, "dashboard-index.html")
        try Storage.write(Array(page.utf8), to: temporary, temporaryDirectory: layout.temporary, collision: .replace)
        let delivery = try outbox.deliverCurrentVersion(of: temporary, to: layout.dashboardPage)
        try Storage.removeFile(temporary)
        if let warning = delivery.warning { report.warnings.append(warning) }
        report.page = layout.shown(delivery.path)
        for (name, table) in DashboardReports.all(figures) {
            report.warnings += try outbox.deliverReport(
                table, to: layout.dashboardReport(name), xlsx: false, temporaryDirectory: layout.temporary)
        }
        return report
    }

    /// Every number of the page: money from the run's snapshot, hours from the time ledgers,
    /// queues from the archive and the outbox, forecast and reminders from the forecast and dunning stages of the same run (``DashboardInput/init(run:)``).
    package static func figures(of run: PipelineRun) throws -> DashboardFigures {
        let settings = run.pipeline.dashboard
        let snapshot = try run.snapshot()
        let calculator = DashboardCalculator(today: run.today, settings: settings)
        var figures = try calculator.figures(
            issued: snapshot.issued, matches: snapshot.matches, historical: try snapshot.history().invoices,
            receivables: try snapshot.receivables(asOf: run.today))
        let sources = DashboardSources(layout: run.layout, today: run.today)
        figures.time = try sources.time(months: calculator.monthStarts)
        let input = DashboardInput(run: run)
        figures.queues = try sources.queues(snapshot: snapshot, input: input)
        figures.forecast = input.forecast
        figures.forecastThresholdMinor = input.forecastThresholdMinor
        return figures
    }
}

/// What the dashboard stage did for one pipeline (part of the run summary).
package struct DashboardReport: Sendable, Codable {
    package var pipeline: String
    /// The page, relative to the workspace.
    package var page: String = ""
    /// An edited copy left alone (the update is beside it).
    package var warnings: [String] = []

    package init(pipeline: String) { self.pipeline = pipeline }
}
