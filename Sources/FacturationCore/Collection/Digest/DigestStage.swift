import Foundation

/// The daily digest: once a day per pipeline, the first complete run of the day writes
/// `outbox/synthese/<YYYY-MM-DD>.txt` (``DigestText``), queues it as an e-mail in
/// `outbox/to-send/synthese-<YYYY-MM-DD>.eml` when `[digest] to` is set (the sending stage, later
/// in the same run, sends it and keeps the proof like an invoice's), then records it in
/// `archive/digest/<pipeline>/<YYYY-MM-DD>.json`.
///
/// Publish, then record: a run killed in between writes the same digest again (its facts count
/// from the same previous record); a run that finds the record writes nothing.
package struct DigestStage: PipelineStage {
    package var name: StageName { .digest }
    package var schedule: Schedule { .everyRun }

    package init() {}

    package func applies(to pipeline: PipelineConfig) -> Bool { pipeline.digest.enabled }

    package func run(_ run: PipelineRun, summary: inout RunSummary) throws {
        guard let report = try Self.write(run) else { return }
        summary.digest = (summary.digest ?? []) + [report]
    }

    /// Writes the digest of the run's day unless it was written already; nil then.
    static func write(_ run: PipelineRun) throws -> DigestReport? {
        let layout = run.layout
        let day = run.today
        var damaged: [String] = []
        guard try DigestRecord.load(layout, day: day, damaged: &damaged) == nil else { return nil }
        let last = try DigestRecord.latest(layout, before: day, damaged: &damaged)
        // The archive as the run read it, for a pipeline that invoices (a queue-only pipeline reads none).
        let snapshot = layout.pipeline.invoicing != nil ? try run.snapshot() : nil
        let facts = try DigestFacts.compute(
            layout: layout, snapshot: snapshot, today: day, input: DigestInput(run: run), last: last)
        let problems = facts.problems(layout.pipeline.digest)
        let text = DigestText.render(facts, problems: problems)
        let relative = layout.digestOutbox(day)
        let temporary = Path.join(layout.temporary, "digest-\(day).txt")
        try Storage.write(Array(text.utf8), to: temporary, temporaryDirectory: layout.temporary, collision: .replace)
        let delivery = try Outbox(layout: layout).deliverCurrentVersion(of: temporary, to: relative)
        try Storage.removeFile(temporary)
        var report = DigestReport(pipeline: layout.pipeline.id, digest: layout.shown(delivery.path))
        report.problems = problems.map(\.message)
        report.warnings += damaged + (delivery.warning.map { [$0] } ?? [])
        let message = try queue(text, facts: facts, layout: layout, clock: run.clock, warnings: &report.warnings)
        report.queued = message
        CrashInjection.step("digest published \(relative)")
        let record = DigestRecord(
            day: day, at: DigestRecord.instant(run.clock.now()),
            issuedOnDay: (snapshot?.issued ?? []).filter { $0.issueDate == day }.map(\.number).sorted(),
            digest: layout.shown(relative), sha256: SHA256Hasher.hex(text), message: message,
            cashAlert: facts.cashAlert)
        try record.save(layout)
        return report
    }

    /// Puts the digest into the send queue when `[digest] to` is set; returns the message's name.
    static func queue(
        _ text: String, facts: DigestFacts, layout: ArchiveLayout, clock: Clock, warnings: inout [String]
    ) throws -> String? {
        let pipeline = layout.pipeline
        guard !pipeline.digest.to.isEmpty, let smtp = pipeline.delivery?.smtp else { return nil }
        let name = layout.digestMessageName(facts.day)
        // Sent already (`facturation send` between a killed run and this one): never twice.
        if Storage.exists(layout.sentRecord(name)) { return name }
        let message = MailMessage(
            from: smtp.from, to: pipeline.digest.to, subject: DigestText.title(facts), body: text,
            messageID: MailQueue.messageID(name, pipeline: pipeline.id, from: smtp.from),
            date: Date(timeIntervalSince1970: TimeInterval(clock.now().seconds)), timeZone: pipeline.timeZone)
        let bytes: [UInt8]
        do { bytes = try message.mimeBytes() } catch {
            warnings.append("the digest is not e-mailed: \(error.message)")
            return nil
        }
        // Not recorded yet: a message left by a run killed before the record is replaced (not sent yet).
        try Storage.makeDirectory(layout.inOutbox(layout.sendQueueOutbox))
        try Storage.write(
            bytes, to: layout.inOutbox(layout.queuedMessageOutbox(name)), temporaryDirectory: layout.temporary,
            collision: .replace)
        return name
    }
}

/// What the digest stage did for one pipeline (part of the run summary).
package struct DigestReport: Sendable, Codable {
    package var pipeline: String
    /// The digest written, relative to the workspace.
    package var digest: String
    /// Its message in the send queue, when it is e-mailed.
    package var queued: String?
    /// What needs a person (the health check's judgement), most urgent first.
    package var problems: [String] = []
    package var warnings: [String] = []

    package init(pipeline: String, digest: String) {
        self.pipeline = pipeline
        self.digest = digest
    }
}
