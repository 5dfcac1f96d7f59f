import ArgumentParser
import FacturationCore
import Foundation

/// `facturation fec --year 2025` or `--from … --to …`: the FEC of a fiscal year or a period.
struct FECCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fec",
        abstract: "Write the FEC (Fichier des Écritures Comptables) of a fiscal year or a period into outbox/fec/.",
        discussion: "Every file is checked (see `facturation fec-check`) before it is published.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("The fiscal year that closes in this year (e.g. 2025).", valueName: "year"))
    var year: Int?

    @Option(help: ArgumentHelp("First day of the period (YYYY-MM-DD).", valueName: "date"))
    var from: String?

    @Option(help: ArgumentHelp("Last day of the period (YYYY-MM-DD).", valueName: "date"))
    var to: String?

    @Option(help: ArgumentHelp("Only what is known by this day (default: today).", valueName: "date"))
    var date: String?

    @Option(help: ArgumentHelp("The pipeline (when the workspace has several).", valueName: "id"))
    var pipeline: String?

    @Flag(help: "Print the result as JSON.")
    var json = false

    func validate() throws {
        if (year == nil) == (from == nil && to == nil) {
            throw ValidationError("give --year, or --from and --to")
        }
        if year == nil, from == nil || to == nil { throw ValidationError("--from and --to go together") }
        for (name, value) in [("--from", from), ("--to", to), ("--date", date)] {
            if let value, CivilDate(iso: value) == nil {
                throw ValidationError("\(name) must be a date written YYYY-MM-DD")
            }
        }
        if let from, let to, let first = CivilDate(iso: from), let last = CivilDate(iso: to), last < first {
            throw ValidationError("--to \(to) is before --from \(from)")
        }
    }

    func run() throws {
        let workspace = global.resolvedWorkspace
        let pipelines = try global.loadPipelines(workspace)
        guard
            let chosen = pipeline.map({ id in pipelines.first { $0.id == id } })
                ?? (pipelines.count == 1 ? pipelines.first : nil)
        else {
            StandardStreams.err(
                "error: choose the pipeline with --pipeline (" + pipelines.map(\.id).joined(separator: ", ") + ")\n")
            throw ExitCode(ExitStatus.usage)
        }
        try global.withWorkspaceLock(workspace) {
            try export(chosen: chosen, pipelines: pipelines, workspace: workspace)
        }
    }

    private func export(chosen: PipelineConfig, pipelines: [PipelineConfig], workspace: Workspace) throws {
        let layout = workspace.layout(for: chosen, pipelineCount: pipelines.count)
        let today =
            try date.flatMap { CivilDate(iso: $0) } ?? CivilDate.today(in: chosen.timeZone, clock: try global.clock)
        let publisher = try FECPublisher(layout: layout, today: today)
        let export =
            try year.map { try publisher.yearly(endingIn: $0) }
            ?? publisher.period(from: CivilDate(iso: from!)!, to: CivilDate(iso: to!)!)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            StandardStreams.out(String(decoding: try encoder.encode(export), as: UTF8.self) + "\n")
        } else {
            StandardStreams.out(
                "\(export.path): \(export.lines) lines, \(export.entries) entries, debit \(export.debit) = "
                    + "credit \(export.credit); check: \(export.check); \(export.suspense) bank lines on the suspense account.\n"
            )
        }
    }
}
