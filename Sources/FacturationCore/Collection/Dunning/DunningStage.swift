import Foundation

/// The dunning stage (after payments): for each pipeline with `[invoicing]` and `[dunning]`
/// sections, decides the reminders due today (``DunningPlanner``), archives each (PDF, then record),
/// delivers it to `outbox/relances/` and queues its e-mail, or puts a formal notice into
/// `outbox/to-approve/` until a person decides (README, "Reminders (relances)").
package struct DunningStage: PipelineStage {
    package var name: StageName { .dunning }
    package var schedule: Schedule { .everyRun }

    package init() {}

    package func applies(to pipeline: PipelineConfig) -> Bool {
        pipeline.invoicing != nil && pipeline.dunning != nil
    }

    package func run(_ run: PipelineRun, summary: inout RunSummary) throws {
        let report = try DunningPass(pipelineRun: run).run()
        run.dunning = report
        summary.dunning = (summary.dunning ?? []) + [report]
    }
}

/// What the dunning stage did for one pipeline in one run (part of the run summary).
package struct DunningReport: Sendable, Codable {
    package var pipeline: String
    /// Reminders decided and sent in this run ("relance-LAA-2025-09-01-n2: 2 invoices, 3 410,00 €").
    package var sent: [String] = []
    /// Formal notices waiting for a person's approval in `outbox/to-approve/` (new or still waiting).
    package var awaitingApproval: [String] = []
    /// The day each of them was put there (the digest and the dashboard show their age).
    package var awaitingSince: [CivilDate] = []
    /// Formal notices approved (sent in this run) or refused (never sent) since the last run.
    package var approved: [String] = []
    package var refused: [String] = []
    /// Levels recorded as skipped ("F20250701 level 1").
    package var skipped: [String] = []
    /// Invoices that would be reminded but are held, and why.
    package var held: [String] = []
    /// Reminder e-mails put into `outbox/to-send/` in this run.
    package var queued: [String] = []
    package var warnings: [String] = []

    package init(pipeline: String) { self.pipeline = pipeline }

    /// A formal notice waiting for approval (each once: `awaitingApproval` and `awaitingSince` go together).
    mutating func noteAwaiting(_ description: String, since day: CivilDate) {
        awaitingApproval.append(description)
        awaitingSince.append(day)
    }
}

/// One pipeline's dunning in one run.
struct DunningPass {
    let pipelineRun: PipelineRun
    var layout: ArchiveLayout { pipelineRun.layout }
    var pipeline: PipelineConfig { pipelineRun.pipeline }
    var store: DunningStore { DunningStore(layout: layout) }

    func run() throws -> DunningReport {
        guard let settings = pipeline.dunning else { return DunningReport(pipeline: pipeline.id) }
        var report = DunningReport(pipeline: pipeline.id)
        let receivables = try self.receivables()
        var reminders = try store.reminders()
        let planner = try planner(settings: settings, reminders: reminders)
        // The register's historical invoices only when a person said so (`[oxygene] remind = true`):
        // reminding a client of an invoice paid years ago and not entered in Oxygène is the harm.
        let remindRegister = try pipelineRun.snapshot().history().remind
        let plan = try planner.plan(
            receivables.liveItems.filter { remindRegister || !$0.fromRegister })
        report.held = plan.held
        for reminder in plan.reminders {
            try decide(reminder, receivables: receivables, report: &report)
            reminders.append(reminder)
        }
        try publish(reminders, receivables: receivables, holds: planner, report: &report)
        return report
    }

    /// The payment stage's receivables, or (when it did not run) the run's (every recorded match
    /// applied, ``RunSnapshot/receivables()``).
    func receivables() throws -> Receivables {
        if let payments = pipelineRun.payments { return payments.receivables }
        return try pipelineRun.snapshot().receivables()
    }

    /// The planner with what was already done and what is held.
    func planner(settings: DunningSettings, reminders: [Reminder]) throws -> DunningPlanner {
        var planner = DunningPlanner(settings: settings, today: pipelineRun.today)
        for confirmation in try pipelineRun.snapshot().confirmed.byReference.values {
            if let day = confirmation.confirmedOn { planner.sendableFrom[confirmation.number] = day }
        }
        for reminder in reminders {
            // Levels are kept by position. Only a formal notice ends dunning, whatever `levels` says
            // now: a level added later must not make a second one (its number would be higher), and
            // a plain reminder never counts as the formal notice, even when a level removed since
            // makes its position the last one.
            for line in reminder.invoices {
                let done =
                    reminder.kind == .formalNotice
                    ? Set(1...settings.levels.count)
                    : Set([reminder.level] + line.skippedLevels).filter { $0 < settings.formalNoticeLevel }
                planner.done[line.number, default: []].formUnion(done)
            }
        }
        let holds = try store.holdsInForce()
        planner.heldInvoices = holds.invoices
        planner.heldClients = holds.clients
        for (client, receipt) in pipelineRun.payments?.clientsInReview ?? [:] where planner.heldClients[client] == nil {
            planner.heldClients[client] = "a receipt waits for review in outbox/review/ (\(receipt))"
        }
        for client in pipeline.clients where !client.reminders {
            planner.heldClients[client.code] = "reminders = false in \(Path.name(of: pipeline.file))"
        }
        return planner
    }

    /// Archives a new reminder: its PDF, then its record (from then on it exists, once).
    func decide(_ reminder: Reminder, receivables: Receivables, report: inout DunningReport) throws {
        let pdf = try draw(reminder, receivables: receivables)
        try store.record(reminder, pdf: pdf)
        for line in reminder.invoices where !line.skippedLevels.isEmpty {
            report.skipped.append(
                "\(line.number) level " + line.skippedLevels.map(String.init).joined(separator: ", ")
                    + " (reminded at level \(reminder.level))")
        }
        let description = Self.describe(reminder)
        if reminder.status == .awaitingApproval {
            report.noteAwaiting(description, since: reminder.date)
        } else {
            report.sent.append(description)
        }
    }

    /// The PDF of `reminder`, drawn in a temporary file and read back.
    func draw(_ reminder: Reminder, receivables: Receivables) throws -> [UInt8] {
        let invoices = reminder.invoices.compactMap { receivables.item($0.number)?.document }
        guard let latest = invoices.max(by: { ($0.issueDate, $0.number) < ($1.issueDate, $1.number) }) else {
            throw FacturationError(.invoicing, "reminder \(reminder.id) names no issued invoice")
        }
        let temporary = Path.join(layout.temporary, "dunning-\(reminder.id).pdf")
        defer { try? Storage.removeFile(temporary) }
        try ReminderPDF.write(reminder, invoice: latest, logo: pipeline.company.logo, to: temporary)
        return try Storage.read(temporary, limit: 1 << 30)
    }

    static func describe(_ reminder: Reminder) -> String {
        "\(reminder.id): \(reminder.title.lowercased()), \(reminder.invoices.count) invoice"
            + "\(reminder.invoices.count == 1 ? "" : "s") (" + reminder.invoices.map(\.number).joined(separator: ", ")
            + "), \(ReminderTemplates.totalText(reminder))"
    }
}
