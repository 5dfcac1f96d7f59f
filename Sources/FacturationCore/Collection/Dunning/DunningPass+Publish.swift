import Foundation

extension DunningPass {
    /// Brings the outbox in line with every reminder's state: a sent or approved reminder is
    /// delivered to `outbox/relances/` and queued as an e-mail (each once, lists in the archive, so
    /// a run killed anywhere finishes the job without doing it twice); a formal notice waiting for
    /// approval has its request and PDF in `outbox/to-approve/`; a decided one has them withdrawn.
    /// An approved formal notice not delivered yet waits while `holds` holds its client or an invoice.
    func publish(
        _ reminders: [Reminder], receivables: Receivables, holds: DunningPlanner, report: inout DunningReport
    ) throws {
        let decisions = try store.decisions()
        var delivered = try DeliveredList(layout: layout, path: layout.deliveredReminders)
        var queued = try DeliveredList(layout: layout, path: layout.queuedReminders)
        let outbox = Outbox(layout: layout)
        var newlyDelivered: [String] = []
        var newlyQueued: [String] = []
        for reminder in reminders {
            let status =
                decisions[reminder.id].map { $0.approved ? Reminder.Status.approved : .refused } ?? reminder.status
            switch status {
            case .awaitingApproval:
                if try withdrawIfSettled(reminder, receivables: receivables, report: &report) { continue }
                try requestApproval(reminder, outbox: outbox)
                if !report.awaitingApproval.contains(where: { $0.hasPrefix(reminder.id + ":") }) {
                    report.noteAwaiting(
                        Self.describe(reminder) + " (waiting since \(reminder.date))", since: reminder.date)
                }
                continue
            case .refused:
                if try withdrawRequest(reminder.id) { report.refused.append(reminder.id) }
                continue
            case .approved:
                let withdrawn = try withdrawRequest(reminder.id)
                // Paid or credited between the letter and its approval: it would claim what is not owed.
                if !delivered.contains(reminder.id), let change = Self.settledSince(reminder, receivables: receivables)
                {
                    if withdrawn {
                        report.warnings.append(
                            "\(reminder.id) was approved but is not sent: \(change) (settled since the letter was "
                                + "made; send a corrected letter by hand if something is still owed)")
                    }
                    continue
                }
                if !delivered.contains(reminder.id), let reason = holds.holdReason(reminder) {
                    report.held.append("\(reminder.id) (approved, sent once the hold ends): \(reason)")
                    continue
                }
                if withdrawn || !delivered.contains(reminder.id) { report.approved.append(reminder.id) }
            case .sent: break
            }
            // Most reminders are long done: their PDF is read only when something is left to do.
            let toQueue = !queued.contains(reminder.id) && mailSettings(for: reminder) != nil
            guard !delivered.contains(reminder.id) || toQueue else { continue }
            let pdf = try Storage.read(layout.reminderPDF(id: reminder.id, year: reminder.date.year), limit: 1 << 30)
            if !delivered.contains(reminder.id) {
                try outbox.deliverNew(pdf, to: layout.reminderPDFOutbox(id: reminder.id))
                newlyDelivered.append(reminder.id)
            }
            if toQueue, try queue(reminder, pdf: pdf, receivables: receivables, report: &report) {
                newlyQueued.append(reminder.id)
            }
        }
        try delivered.record(newlyDelivered)
        try queued.record(newlyQueued)
        report.queued += newlyQueued
    }

    /// Why a formal notice's letter no longer states what is owed ("F20250709 owes 0,00 € now, the letter
    /// says 480,00 €"), or nil when each of its invoices still owes at least what the letter says.
    static func settledSince(_ reminder: Reminder, receivables: Receivables) -> String? {
        let changes = reminder.invoices.compactMap { line -> String? in
            let open = receivables.item(line.number)?.openMinor ?? 0
            guard open < line.owedMinor else { return nil }
            return "\(line.number) owes \(FrenchDates.euros(max(open, 0))) now, the letter says "
                + FrenchDates.euros(line.owedMinor)
        }
        return changes.isEmpty ? nil : changes.joined(separator: "; ")
    }

    /// A formal notice still waiting for approval whose invoices owe nothing any more (paid or
    /// credited since the letter) is refused by rule, with the reason, and leaves
    /// `outbox/to-approve/`: approving it could only claim what is not owed. The decision is
    /// recorded before the files go, so a run killed between the two finishes on the next one.
    func withdrawIfSettled(_ reminder: Reminder, receivables: Receivables, report: inout DunningReport) throws -> Bool {
        let settledInFull = reminder.invoices.allSatisfy { (receivables.item($0.number)?.openMinor ?? 0) <= 0 }
        guard settledInFull, let change = Self.settledSince(reminder, receivables: receivables) else { return false }
        let comment = "withdrawn: \(change) (settled while the letter waited for approval)"
        try store.recordDecision(
            ReminderDecision(
                id: reminder.id, approved: false, by: "rule", at: pipelineRun.clock.utcISO(), comment: comment,
                source: "rule"))
        _ = try withdrawRequest(reminder.id)
        report.refused.append(reminder.id)
        report.warnings.append("\(reminder.id) is withdrawn: \(change) (settled while the letter waited for approval)")
        return true
    }

    /// The approval request and the PDF of a formal notice, in `outbox/to-approve/`.
    func requestApproval(_ reminder: Reminder, outbox: Outbox) throws {
        let request = layout.approvalRequest(draftID: reminder.id)
        if Storage.exists(layout.inOutbox(request)) { return }
        let pdf = try Storage.read(layout.reminderPDF(id: reminder.id, year: reminder.date.year), limit: 1 << 30)
        try outbox.deliverNew(pdf, to: layout.approvalPDF(id: reminder.id))
        try outbox.deliverNew(Array(ReminderApprovalRequest.render(reminder, pipeline: pipeline).utf8), to: request)
    }

    /// Removes a decided formal notice's request and PDF from `outbox/to-approve/`; true when there was one.
    func withdrawRequest(_ id: String) throws -> Bool {
        var removed = false
        for path in [layout.approvalRequest(draftID: id), layout.approvalPDF(id: id)] {
            let target = layout.inOutbox(path)
            if Storage.exists(target) {
                try Storage.removeFile(target)
                removed = true
            }
        }
        return removed
    }

    /// The pipeline's e-mail settings when `reminder` is to be e-mailed: `[delivery] send = true`,
    /// an SMTP table, and the reminder dated on or after `send_from`.
    func mailSettings(for reminder: Reminder) -> (DeliverySettings, SMTPSettings)? {
        guard let delivery = pipeline.delivery, delivery.send, let smtp = delivery.smtp,
            let sendFrom = delivery.sendFrom, reminder.date >= sendFrom
        else { return nil }
        return (delivery, smtp)
    }

    /// Queues the e-mail of `reminder` when the pipeline sends e-mails (`[delivery] send = true`)
    /// and the reminder is dated on or after `send_from`; true when it is (or was) in the queue.
    func queue(
        _ reminder: Reminder, pdf: [UInt8], receivables: Receivables, report: inout DunningReport
    ) throws
        -> Bool
    {
        guard let (delivery, smtp) = mailSettings(for: reminder) else { return false }
        let client = pipeline.clients.first { $0.code == reminder.client }
        let buyer = reminder.invoices.compactMap { receivables.item($0.number)?.document.buyer }.last
        var recipients: [MailAddress] = []
        for address in client?.billing?.emails ?? [buyer?.email].compactMap({ $0 }) {
            if let problem = MailAddress.problem(with: address) {
                report.warnings.append(
                    "\(reminder.id): the address \(address.debugDescription) is left out (\(problem)); fix the "
                        + "emails of client \(reminder.client) in \(pipeline.file)")
            } else {
                recipients.append(MailAddress(address))
            }
        }
        guard !recipients.isEmpty else {
            report.warnings.append(
                "\(reminder.id) is not e-mailed: client \(reminder.client) has no address; add emails = [\"…\"] "
                    + "to its [[clients]] entry in \(pipeline.file) (the PDF is in outbox/relances/)")
            return false
        }
        let target = layout.inOutbox(layout.queuedMessageOutbox(reminder.id))
        // A message queued by a run killed before it recorded the list is already there.
        if !Storage.exists(target) {
            let values = ReminderTemplates.values(
                of: reminder, company: pipeline.company,
                clientName: client?.billing?.legalName ?? buyer?.name ?? reminder.client)
            let (subject, body) = delivery.reminderTemplates.template(for: reminder).render(values)
            let message = MailMessage(
                from: smtp.from, to: recipients, cc: delivery.copyTo, subject: subject, body: body,
                attachments: [MailAttachment(fileName: reminder.id + ".pdf", mediaType: "application/pdf", bytes: pdf)],
                messageID: MailQueue.messageID(reminder.id, pipeline: pipeline.id, from: smtp.from),
                date: Date(timeIntervalSince1970: TimeInterval(pipelineRun.clock.now().seconds)),
                timeZone: pipeline.timeZone)
            try Storage.makeDirectory(Path.parent(of: target))
            try Storage.write(
                try message.mimeBytes(), to: target, temporaryDirectory: layout.temporary, collision: .fail)
        }
        return true
    }
}

/// The request put into `outbox/to-approve/` for a formal notice: the same `[approval]` form as a
/// draft's (approved by dropping it into `inbox/` or `facturation approve <id>`).
enum ReminderApprovalRequest {
    static func render(_ reminder: Reminder, pipeline: PipelineConfig) -> String {
        let client = pipeline.clients.first { $0.code == reminder.client }
        let name = client?.billing?.legalName ?? client?.name ?? reminder.client
        let id = TOMLText.comment(reminder.id)
        var text = ApprovalRequest.marker + "\n#\n"
        text += "# Mise en demeure de payer — \(TOMLText.comment(name)) (\(TOMLText.comment(reminder.client)))\n"
        text += "# Why it waits: a formal notice is sent only once a person approves it.\n#\n"
        for line in reminder.invoices {
            text +=
                "#   \(TOMLText.comment(line.number)) échue le \(FrenchDates.slashed(line.dueDate)), "
                + "\(line.daysLate) jours de retard: reste dû \(FrenchDates.euros(line.owedMinor))\n"
        }
        text += "#\n#   Total \(ReminderTemplates.totalText(reminder))"
        text += " (pénalités \(ReminderTemplates.penaltyText(reminder)), indemnités "
        text += "\(FrenchDates.euros(reminder.indemnitiesMinor)))\n#   The letter: \(id).pdf, beside this file.\n"
        text += """
            #
            # To approve: drop this file into inbox/ as it is, or run `facturation approve \(id)`:
            #             the next run sends it (outbox/relances/, and by e-mail when configured).
            # To refuse: set decision = "reject" and give a reason below, then drop it into inbox/,
            #            or run `facturation reject \(id) --reason "…"`: it is never sent.

            [approval]
            pipeline = \(TOMLText.quoted(pipeline.id))
            draft = \(TOMLText.quoted(reminder.id))
            decision = "approve"
            by = ""
            reason = ""

            """
        return text
    }
}
