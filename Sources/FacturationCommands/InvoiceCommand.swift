import ArgumentParser
import FacturationCore
import Foundation

/// `facturation invoice --from FILE`: a one-off invoice from a `[one_off]` request file.
///
/// The file goes into `inbox/` exactly as a person would drop it (temporary name, fsync, rename),
/// so it is archived and carried out by the queue like every other input; then one run takes it
/// and issues the invoice (or keeps it for approval) with the same rules as any other.
struct InvoiceCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "invoice",
        abstract: "Issue a one-off invoice from a [one_off] request file: drops it into inbox/ and runs once.",
        discussion: "The file is checked first; a file with mistakes is not dropped (its problems are printed).")

    @OptionGroup var global: GlobalOptions

    @Option(name: .customLong("from"), help: ArgumentHelp("The request file ([one_off], TOML).", valueName: "file"))
    var file: String

    @Option(
        help: ArgumentHelp("Act as if today were this date (YYYY-MM-DD), like `run --date`.", valueName: "date"))
    var date: String?

    @Flag(help: "Print the run summary as JSON.")
    var json = false

    func validate() throws {
        if let date, CivilDate(iso: date) == nil {
            throw ValidationError("--date must be a real date written YYYY-MM-DD (got \"\(date)\")")
        }
    }

    func run() throws {
        let workspace = global.resolvedWorkspace
        let pipelines = try global.loadPipelines(workspace)
        let bytes = try Self.checkedRequest(at: file)
        let dropped = try InboxDrop.drop(
            bytes, name: Path.name(of: file), inbox: workspace.inbox, temporary: workspace.temporary)
        StandardStreams.err("facturation: \(file) dropped into inbox/\(dropped)\n")
        // The file was just written whole: no need to wait for it to settle.
        let summary = try PassRunner.run(
            workspace: workspace, pipelines: pipelines,
            options: Runner.Options(
                today: date.flatMap { CivilDate(iso: $0) }, settleSeconds: 0, clock: try global.clock,
                endsProcess: true),
            global: global, json: json)
        if summary.exitCode != ExitStatus.success { throw ExitCode(summary.exitCode) }
    }

    /// The file's bytes when it is a well-formed `[one_off]` request; else its problems are printed
    /// and the command ends with the status of a rejected file, nothing dropped.
    private static func checkedRequest(at path: String) throws -> [UInt8] {
        let text: String
        do {
            text = try Storage.readText(path, limit: Int(RequestFile.maximumSize))
        } catch {
            throw FacturationError(
                .usage, "cannot read \(path): \(error.description); give the path of a [one_off] request file")
        }
        switch RequestFile.parse(text) {
        case .success(.oneOff): return Array(text.utf8)
        case .success:
            throw FacturationError(
                .usage,
                "\(path) is not a [one_off] request; drop approvals, credit notes and holds into inbox/ as they are")
        case .failure(let rejection):
            var lines = ["\(path): \(rejection.summary)"]
            lines += rejection.problems.listed.map { "  \($0.description)" }
            lines.append(rejection.advice)
            StandardStreams.err(lines.joined(separator: "\n") + "\n")
            throw ExitCode(ExitStatus.filesRejected)
        }
    }
}
