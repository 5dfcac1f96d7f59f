/// What `facturation send --dry-run` shows: the documents the queue would take, and the messages
/// waiting in `outbox/to-send/` with their state. Reads only.
package struct SendPreview {
    let queue: MailQueue

    package init(layout: ArchiveLayout, clock: Clock, today: CivilDate) {
        queue = MailQueue(layout: layout, clock: clock, today: today)
    }

    var layout: ArchiveLayout { queue.layout }

    package func lines(_ documents: [InvoiceDocument]) throws -> [String] {
        var lines: [String] = []
        for document in try queue.due(documents) {
            let recipients = queue.recipients(of: document)
            let subject = layout.pipeline.delivery?.templates.template(for: document).render(document).subject ?? ""
            lines.append(
                recipients.isEmpty
                    ? "would not queue \(document.number): client \(document.clientCode) has no e-mail address"
                    : "would queue \(document.number) → \(recipients.map(\.address).joined(separator: ", ")): \(subject)"
            )
        }
        let folder = layout.inOutbox(layout.sendQueueOutbox)
        for file in try Storage.listIfPresent(folder).sorted() where file.hasSuffix(".eml") {
            let name = String(file.dropLast(4))
            let mail = try QueuedMail(bytes: try Storage.read(Path.join(folder, file), limit: 64 << 20), file: file)
            var line = "would send \(name) → \(mail.recipients.joined(separator: ", ")): \(mail.subject)"
            if let attempts = try SendAttempts.load(layout.sendAttempts(name)), let failure = attempts.lastFailure {
                line += " (\(attempts.attempts) attempt\(attempts.attempts == 1 ? "" : "s"), last: \(failure))"
            }
            lines.append(line)
        }
        return lines
    }
}
