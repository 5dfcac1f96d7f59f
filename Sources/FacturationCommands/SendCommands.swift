import ArgumentParser
import FacturationCore

/// `facturation send [--dry-run]`: queue and send the e-mails now (what each run does), or show them.
struct SendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "send",
        abstract: "Queue the e-mails of issued documents and send outbox/to-send/ now (each run does it too).",
        discussion: "With --dry-run nothing is written or sent: the command lists the documents that would be "
            + "queued and the messages waiting in outbox/to-send/, with their recipients and subject.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Show what would be queued and sent; write and send nothing.")
    var dryRun = false

    func run() throws {
        let workspace = global.resolvedWorkspace
        let pipelines = try global.loadPipelines(workspace)
        let clock = try global.clock
        try global.withWorkspaceLock(workspace) {
            for layout in workspace.layouts(for: pipelines) where SendStage().applies(to: layout.pipeline) {
                let today = LocalClock(clock: clock, timeZone: layout.pipeline.timeZone).today()
                let documents = try InvoiceStore(layout: layout).issued()
                if dryRun {
                    let lines = try SendPreview(layout: layout, clock: clock, today: today).lines(documents)
                    StandardStreams.out(
                        lines.isEmpty
                            ? "\(layout.pipeline.id): nothing to send\n" : lines.joined(separator: "\n") + "\n")
                } else {
                    let report = try SendStage.send(documents, layout: layout, clock: clock, today: today)
                    StandardStreams.out(SummaryPrinter.sending(report, several: true))
                    if !report.errors.isEmpty { throw ExitCode(ExitStatus.failure) }
                }
            }
        }
    }
}

/// `facturation resend NUMBER…`: queue documents again as new messages.
struct ResendCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "resend",
        abstract: "Queue issued documents again as new e-mails (after fixing an address); the next run sends them.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Document numbers.", valueName: "number"))
    var numbers: [String]

    func run() throws {
        let clock = try global.clock
        try IssuedDocuments.each(numbers, global: global) { document, layout in
            let today = LocalClock(clock: clock, timeZone: layout.pipeline.timeZone).today()
            let name = try MailQueue(layout: layout, clock: clock, today: today).requeue(document)
            return "\(document.number): queued as \(layout.shown(layout.queuedMessageOutbox(name)))"
        }
    }
}
