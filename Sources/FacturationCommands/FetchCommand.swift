import ArgumentParser
import FacturationCore

/// `facturation fetch …`: the producers, which drop what they fetch into `inbox/` as a person would.
struct FetchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fetch",
        abstract: "Fetch new inputs into inbox/ (the next run imports them).",
        subcommands: [FetchMailCommand.self])
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
