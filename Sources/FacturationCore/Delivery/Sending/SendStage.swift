import Foundation

/// The sending stage: for each pipeline whose `[delivery]` says `send = true`, issued documents
/// become e-mails in `outbox/to-send/` (``MailQueue``) and the queue is sent over SMTP
/// (``MailSender``).
package struct SendStage: PipelineStage {
    package var name: StageName { .sending }
    package var schedule: Schedule { .everyRun }

    package init() {}

    package func applies(to pipeline: PipelineConfig) -> Bool {
        Self.sendsDocuments(pipeline) || (pipeline.delivery?.smtp != nil && !pipeline.digest.to.isEmpty)
    }

    /// Whether issued documents are e-mailed (the digest may be e-mailed without them).
    static func sendsDocuments(_ pipeline: PipelineConfig) -> Bool {
        pipeline.invoicing != nil && pipeline.delivery?.send == true
    }

    package func run(_ run: PipelineRun, summary: inout RunSummary) throws {
        let documents = Self.sendsDocuments(run.pipeline) ? try run.snapshot().issued : []
        let report = try Self.send(documents, layout: run.layout, clock: run.clock, today: run.today)
        summary.sending = (summary.sending ?? []) + [report]
    }

    /// Queues what is due among `documents`, then sends the queue (a run, or `facturation send`).
    package static func send(
        _ documents: [InvoiceDocument], layout: ArchiveLayout, clock: Clock, today: CivilDate
    )
        throws -> SendReport
    {
        var report = SendReport(pipeline: layout.pipeline.id)
        try MailQueue(layout: layout, clock: clock, today: today).queue(documents, report: &report)
        try MailSender(layout: layout, clock: clock).sendQueued(report: &report)
        return report
    }
}

/// What the sending stage did for one pipeline in one run (part of the run summary).
package struct SendReport: Sendable, Codable {
    package var pipeline: String
    /// Messages put into `outbox/to-send/` in this run.
    package var queued: [String] = []
    /// Messages the server accepted, with its final reply.
    package var sent: [String] = []
    /// Messages left queued for a later attempt, and why.
    package var waiting: [String] = []
    /// Messages moved to `outbox/send-failed/`, and why.
    package var failed: [String] = []
    /// Things a person should look at (a message that may have been sent twice, a client without an address).
    package var warnings: [String] = []
    /// What stopped sending (settings to fix); the messages stay queued.
    package var errors: [String] = []

    package init(pipeline: String) { self.pipeline = pipeline }
}
