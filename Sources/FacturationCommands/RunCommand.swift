import ArgumentParser
import FacturationCore
import Foundation

/// `facturation run`: one pass over the workspace.
struct RunCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Process everything waiting in inbox/ once, then exit.",
        discussion: "Prints a summary on stdout (or JSON with --json); logs go to stderr.")

    @OptionGroup var global: GlobalOptions

    @Option(
        help: ArgumentHelp(
            "Act as if today were this date (YYYY-MM-DD), to replay scheduled stages.",
            valueName: "date"))
    var date: String?

    @Option(
        help: ArgumentHelp(
            "Seconds a file must stay unchanged before it is taken (default: inbox.settle_seconds).",
            valueName: "seconds"))
    var settle: Double?

    @Flag(help: "Print the summary as JSON.")
    var json = false

    func validate() throws {
        if let date, CivilDate(iso: date) == nil {
            throw ValidationError("--date must be a real date written YYYY-MM-DD (got \"\(date)\")")
        }
        if let settle, settle < 0 || settle > 3600 {
            throw ValidationError("--settle must be between 0 and 3600 seconds")
        }
    }

    func run() throws {
        let workspace = global.resolvedWorkspace
        let pipelines = try global.loadPipelines(workspace)
        let summary = try PassRunner.run(
            workspace: workspace, pipelines: pipelines,
            options: Runner.Options(
                today: date.flatMap { CivilDate(iso: $0) }, settleSeconds: settle,
                clock: try global.clock, endsProcess: true),
            global: global, json: json)
        if summary.exitCode != ExitStatus.success { throw ExitCode(summary.exitCode) }
    }
}

/// Runs one pass and prints its summary; shared by `run` and `watch`.
enum PassRunner {
    static func run(
        workspace: Workspace, pipelines: [PipelineConfig], options: Runner.Options,
        global: GlobalOptions, json: Bool, printWhenIdle: Bool = true,
        shouldStop: @escaping () -> Bool = { false }
    ) throws -> RunSummary {
        let logger = global.makeLogger(label: "facturation.run")
        let runner = Runner(workspace: workspace, pipelines: pipelines, options: options, logger: logger)
        let progress = TerminalProgress(quiet: global.quiet)
        runner.progress = { name, done, total in progress.update(file: name, done: done, total: total) }
        runner.shouldStop = shouldStop
        let summary: RunSummary
        do {
            summary = try runner.runOnce()
        } catch {
            progress.clear()
            let failure = FacturationError(wrapping: error)
            if failure.kind == .alreadyRunning {
                StandardStreams.err("facturation: \(failure.message)\n")
            } else {
                StandardStreams.err(
                    "facturation: the run stopped: \(failure.message)\n"
                        + "Nothing was lost: files being processed stay in work/ and are resumed by the next run.\n")
            }
            throw ExitCode(failure.exitStatus)
        }
        progress.clear()
        // A pass with warnings is printed under `watch` too (a derived place left alone, an edited report).
        let idle =
            summary.files.isEmpty && summary.waiting.isEmpty && summary.errors.isEmpty
            && (summary.warnings ?? []).isEmpty
        if idle && !printWhenIdle { return summary }
        if json {
            StandardStreams.out(SummaryPrinter.json(summary))
        } else {
            StandardStreams.out(SummaryPrinter.text(summary))
        }
        return summary
    }
}
