import ArgumentParser
import FacturationCore

/// `facturation fetch clockify|qonto|mail`: the producers, run by hand or by cron before `run`;
/// they drop what they fetch into `inbox/` as a person would.
struct FetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch inputs from the APIs and the mailbox into inbox/ (the next run imports them).",
        discussion: "Each source is configured in [fetch.<source>] of the pipeline files; its key is read from "
            + "key_file or key_env, never from the pipeline file. Exit 1 when a source could not be fetched "
            + "(the message names what to fix; what was fetched before stays in inbox/).",
        subcommands: [FetchClockifyCommand.self, FetchQontoCommand.self, FetchMailCommand.self])
}

struct FetchClockifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "clockify",
        abstract: "The Clockify detailed report, one file per month, from the cursor to the current month.",
        discussion: "With --from and --to, those days (cut at month ends) and the cursor is left as it is.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("First day to fetch (YYYY-MM-DD); needs --to.", valueName: "date"))
    var from: String?

    @Option(help: ArgumentHelp("Last day to fetch (YYYY-MM-DD); needs --from.", valueName: "date"))
    var to: String?

    func validate() throws {
        guard from != nil || to != nil else { return }
        guard let from, let to, let first = CivilDate(iso: from), let last = CivilDate(iso: to) else {
            throw ValidationError("--from and --to go together, each a real date written YYYY-MM-DD")
        }
        guard first <= last, last.daysSinceEpoch - first.daysSinceEpoch < 3660 else {
            throw ValidationError("--from must not be after --to, and the period at most ten years")
        }
    }

    func run() throws {
        let days = from.flatMap { CivilDate(iso: $0) }.flatMap { first in
            to.flatMap { CivilDate(iso: $0) }.map { first...$0 }
        }
        try FetchRunner.run(.clockify, days: days, global: global)
    }
}

struct FetchQontoCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "qonto",
        abstract: "The Qonto transactions updated since the cursor, one file per batch of pages.")

    @OptionGroup var global: GlobalOptions

    func run() throws { try FetchRunner.run(.qonto, days: nil, global: global) }
}

/// Runs one source for every pipeline that configures it, holding the workspace lock.
enum FetchRunner {
    static func run(_ source: FetchSource, days: ClosedRange<CivilDate>?, global: GlobalOptions) throws {
        let workspace = global.resolvedWorkspace
        let pipelines = try global.loadPipelines(workspace)
        let clock = try global.clock
        let layouts = workspace.layouts(for: pipelines).filter {
            switch source {
            case .clockify: return $0.pipeline.fetch?.clockify != nil
            case .qonto: return $0.pipeline.fetch?.qonto != nil
            case .mail: return $0.pipeline.fetchMail != nil
            }
        }
        guard !layouts.isEmpty else {
            throw FacturationError(
                .configuration,
                "no pipeline file has a [fetch.\(source.rawValue)] table: add one (see README, "
                    + "\"Fetching inputs\")")
        }
        var failure: FacturationError?
        try global.withWorkspaceLock(workspace) {
            for layout in layouts {
                var report = FetchReport(pipeline: layout.pipeline.id, source: source)
                do {
                    try Fetcher(layout: layout, clock: clock).fetch(source, days: days, report: &report)
                } catch {
                    let wrapped = FacturationError(wrapping: error)
                    if wrapped.kind == .workspace { throw wrapped }
                    failure = failure ?? wrapped
                    report.error = wrapped.message
                }
                StandardStreams.out(SummaryPrinter.fetch(report))
            }
        }
        if let failure { throw failure }
    }
}

/// `facturation fetch mail`: the new messages of each pipeline's `[fetch.mail]` folder into its inbox.
struct FetchMailCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "mail",
        abstract: "Copy the new messages of the [fetch.mail] IMAP folder into inbox/ as .eml files.",
        discussion: "Read-only: the folder is opened with EXAMINE and messages are read with BODY.PEEK[], so "
            + "nothing is marked as read, moved or deleted. The cursor (UIDVALIDITY and the last UID) is kept in "
            + "archive/fetch/<pipeline>/mail.json; each message is written into inbox/ before the cursor moves.")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let workspace = global.resolvedWorkspace
        let pipelines = try global.loadPipelines(workspace)
        let clock = try global.clock
        let layouts = workspace.layouts(for: pipelines).filter { $0.pipeline.fetchMail != nil }
        guard !layouts.isEmpty else {
            throw FacturationError(
                .configuration,
                "no pipeline has a [fetch.mail] table: add one to pipelines/<id>.toml (see README, \"Replies (IMAP)\")")
        }
        try global.withWorkspaceLock(workspace) {
            for layout in layouts {
                guard let settings = layout.pipeline.fetchMail else { continue }
                let report = try MailFetcher(layout: layout, settings: settings, clock: clock).fetch()
                var lines = ["\(report.pipeline): \(report.written.count) new message(s) from \(settings.shown)"]
                if report.restarted {
                    lines.append("  the folder's UIDVALIDITY changed: read again from its first message")
                }
                lines += report.written.map { "  \($0)" }
                lines += report.skipped.map { "  skipped: \($0)" }
                StandardStreams.out(lines.joined(separator: "\n") + "\n")
            }
        }
    }
}
