import ArgumentParser
import FacturationCore
import Foundation

/// `facturation reconcile`: invoices ↔ bank ↔ accounting, on demand (runs also do it on Mondays).
struct ReconcileCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reconcile",
        abstract: "Reconcile invoices, bank and the published FEC; write outbox/rapprochement/ (exit 1 on differences)."
    )

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The date of the report (default: today).", valueName: "date"))
    var date: String?

    @Flag(help: "Print the report as JSON.")
    var json = false

    func validate() throws {
        if let date, CivilDate(iso: date) == nil { throw ValidationError("--date must be a date written YYYY-MM-DD") }
    }

    func run() throws {
        let workspace = global.resolvedWorkspace
        let pipelines = try global.loadPipelines(workspace)
        try global.withWorkspaceLock(workspace) { try reconcile(pipelines: pipelines, workspace: workspace) }
    }

    private func reconcile(pipelines: [PipelineConfig], workspace: Workspace) throws {
        var differences = 0
        var reports: [String: Reconciliation.Report] = [:]
        for pipeline in pipelines where pipeline.invoicing != nil {
            let layout = workspace.layout(for: pipeline, pipelineCount: pipelines.count)
            let today =
                try date.flatMap { CivilDate(iso: $0) }
                ?? CivilDate.today(in: pipeline.timeZone, clock: try global.clock)
            let (report, path) = try Reconciliation(layout: layout).publish(today: today)
            differences += report.differences.count
            reports[pipeline.id] = report
            if !json {
                var out =
                    (pipelines.count > 1 ? "[\(pipeline.id)] " : "") + Reconciliation.summary(report, path: path) + "\n"
                for difference in report.differences {
                    out +=
                        "  \(difference.check) \(difference.reference): expected \(difference.expected), found "
                        + "\(difference.found) (\(difference.difference)): \(difference.cause)\n"
                }
                StandardStreams.out(out)
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            StandardStreams.out(String(decoding: try encoder.encode(reports), as: UTF8.self) + "\n")
        }
        if differences > 0 { throw ExitCode(ExitStatus.failure) }
    }
}
