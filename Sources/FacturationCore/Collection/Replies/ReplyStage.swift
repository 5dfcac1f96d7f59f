import Foundation

/// The reply stage (after payments, before dunning, so a dispute holds the reminders of the same
/// run): links each new reply (``ReplyRecord``) to our documents, classifies it
/// (``ReplyClassifier``), puts a dunning hold on the invoices a dispute names, records its decision
/// once, lists every classified reply in `outbox/reponses/reponses.csv` and hands the run's replies
/// to the digest (``PipelineRun/replies``). Nothing is ever deleted from the mailbox.
package struct ReplyStage: PipelineStage {
    package var name: StageName { .replies }
    package var schedule: Schedule { .everyRun }

    package init() {}

    package func applies(to pipeline: PipelineConfig) -> Bool { pipeline.invoicing != nil }

    package func run(_ run: PipelineRun, summary: inout RunSummary) throws {
        let store = ReplyStore(layout: run.layout)
        let decided = try store.classifications()
        let pending = try store.messages().filter { decided[$0.key] == nil }
        // No new reply: nothing is read or written (a pipeline that never gets replies has no outbox/reponses/).
        guard !pending.isEmpty else { return }
        var report = ReplyReport(pipeline: run.pipeline.id)
        let linker = try ReplyLinker(run: run)
        let now = LocalClock(clock: run.clock, timeZone: run.pipeline.timeZone).nowISO()
        var all = decided
        var decisions: [ReplyClassification] = []
        for record in pending {
            let documents = try linker.documents(for: record)
            let (reply, rule) = ReplyClassifier.classify(record, linked: !documents.isEmpty)
            var decision = ReplyClassification(
                key: record.key, reply: reply, rule: rule, documents: documents, held: [], day: run.today.description)
            if reply == .dispute {
                decision.held = try hold(documents.filter(linker.isInvoice), for: record, layout: run.layout, at: now)
            }
            decisions.append(decision)
            all[record.key] = decision
            report.replies.append(ReplyReport.Line(record: record, decision: decision))
        }
        // The list is delivered before the decisions are recorded: a run killed in between decides the
        // same replies again (same holds, same rows), whereas the other order would leave a list
        // without them that no later run rewrites (a run without new replies writes nothing).
        report.warnings = try Outbox(layout: run.layout).deliverReport(
            try table(store.messages(), all, asOf: run.today), to: run.layout.repliesOutbox, xlsx: false,
            temporaryDirectory: run.layout.temporary)
        for decision in decisions { try store.record(decision) }
        run.replies = report
        summary.replies = (summary.replies ?? []) + [report]
    }

    /// Records a hold on each invoice of a dispute (as a `[dunning_hold]` request would; a person lifts
    /// it the same way, with `lift = true`). The hold's name comes from the message: a run killed after
    /// it records the same hold, once.
    private func hold(
        _ invoices: [String], for record: ReplyRecord, layout: ArchiveLayout, at now: String
    ) throws
        -> [String]
    {
        let store = DunningStore(layout: layout)
        for number in invoices {
            let hold = ReminderHold(
                invoice: number, client: nil,
                reason: "contestation reçue par e-mail (\(record.subject.isEmpty ? "sans objet" : record.subject))",
                by: "réponse de \(record.from.isEmpty ? "expéditeur inconnu" : record.from)", lift: false, at: now,
                source: "reply:" + record.key.prefix(16))
            try store.recordHold(hold, name: "reply-\(record.key.prefix(16))-\(number)")
        }
        return invoices
    }

    /// One row per classified reply, oldest first.
    private func table(
        _ records: [ReplyRecord], _ decisions: [String: ReplyClassification], asOf day: CivilDate
    ) -> ReportTable {
        var table = ReportTable(
            sheetName: "Réponses",
            columns: [
                .init("recu_le", "Reçu le"), .init("date", "Date"), .init("de", "De"), .init("objet", "Objet"),
                .init("document", "Document"), .init("classe", "Classe"), .init("regle", "Règle"),
                .init("relances_suspendues", "Relances suspendues"), .init("message_id", "Message-ID"),
                .init("remarques", "Remarques"),
            ], asOf: day)
        for record in records.sorted(by: { ($0.receivedAt, $0.key) < ($1.receivedAt, $1.key) }) {
            guard let decision = decisions[record.key] else { continue }
            let values = [
                record.receivedAt, record.date, record.from, record.subject,
                decision.documents.joined(separator: " "), decision.reply.rawValue, decision.rule,
                decision.held.joined(separator: " "), record.messageID ?? "", record.notes.joined(separator: "; "),
            ]
            table.append(values.map(ReportTable.text))
        }
        return table
    }
}

/// The reply stage's decision on one message, in `archive/replies/<pipeline>/classified/<key>.json`.
package struct ReplyClassification: Codable, Sendable, Equatable {
    package var key: String
    package var reply: ReplyClass
    /// The rule that matched, in French ("mot « litige »", "en-tête Auto-Submitted: auto-replied").
    package var rule: String
    /// The documents it was linked to.
    package var documents: [String]
    /// The invoices whose reminders it suspended (a dispute).
    package var held: [String]
    /// The run's day.
    package var day: String
}

/// What the reply stage did for one pipeline in one run (run summary, digest).
package struct ReplyReport: Sendable, Codable {
    package struct Line: Sendable, Codable {
        package var from: String
        package var subject: String
        package var documents: [String]
        package var reply: ReplyClass
        package var rule: String
        package var held: [String]

        init(record: ReplyRecord, decision: ReplyClassification) {
            from = record.from
            subject = record.subject
            documents = decision.documents
            reply = decision.reply
            rule = decision.rule
            held = decision.held
        }
    }

    package var pipeline: String
    package var replies: [Line] = []
    package var warnings: [String] = []

    package init(pipeline: String) { self.pipeline = pipeline }

    /// How many replies of `reply` this run classified.
    package func count(_ reply: ReplyClass) -> Int { replies.filter { $0.reply == reply }.count }
}
