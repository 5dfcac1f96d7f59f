import Foundation

/// Turns issued documents into queued e-mails: one MIME file per document in `outbox/to-send/`,
/// with the PDF attached, the subject and body from the pipeline's templates, and a Message-ID
/// derived from the document number and the pipeline, so any mail system can recognise a retry.
///
/// A document is queued once (the list `archive/sending/<pipeline>/queued.txt`): taking a message
/// out of `outbox/to-send/` cancels it. It is queued only once issued and archived as PDF, on or
/// after its issue date, and only if issued on or after `delivery.send_from`.
package struct MailQueue {
    let layout: ArchiveLayout
    let clock: Clock
    let today: CivilDate

    package init(layout: ArchiveLayout, clock: Clock, today: CivilDate) {
        self.layout = layout
        self.clock = clock
        self.today = today
    }

    var pipeline: PipelineConfig { layout.pipeline }

    func queue(_ documents: [InvoiceDocument], report: inout SendReport) throws {
        guard let delivery = pipeline.delivery, let smtp = delivery.smtp else { return }
        var list = try DeliveredList(layout: layout, path: layout.queuedMail)
        let due = try due(documents, list: list)
        guard !due.isEmpty else { return }
        let files = FileBatch(temporaryDirectory: layout.temporary)
        var queued: [String] = []
        for document in due {
            let recipients = recipients(of: document, unusable: &report.warnings)
            guard !recipients.isEmpty else {
                report.warnings.append(
                    "\(document.number) is not e-mailed: client \(document.clientCode) has no address; add "
                        + "emails = [\"…\"] to its [[clients]] entry in \(pipeline.file)")
                continue
            }
            let target = layout.inOutbox(layout.queuedMessageOutbox(document.number))
            // A message queued by a run killed before it recorded the list is already there.
            if !Storage.exists(target) {
                let bytes: [UInt8]
                do {
                    bytes = try message(document.number, for: document, to: recipients, delivery: delivery, smtp: smtp)
                        .mimeBytes()
                } catch let error as FacturationError {
                    // One document's message (a value a header cannot carry) never holds the others.
                    report.warnings.append("\(document.number) is not e-mailed: \(error.message)")
                    continue
                }
                try files.add(bytes, to: target, collision: .fail)
            }
            queued.append(document.number)
        }
        try files.commit()
        try list.record(queued)
        report.queued += queued
    }

    /// The documents to queue: issued on or after `send_from` and not after today, with their PDF
    /// archived, never queued before.
    func due(_ documents: [InvoiceDocument], list: DeliveredList? = nil) throws -> [InvoiceDocument] {
        // `send = false`: the queue may carry the digest alone (`[digest] to`), never documents.
        guard pipeline.delivery?.send == true, let sendFrom = pipeline.delivery?.sendFrom else { return [] }
        let list = try list ?? DeliveredList(layout: layout, path: layout.queuedMail)
        return documents.filter {
            $0.issueDate >= sendFrom && $0.issueDate <= today && !list.contains($0.number)
                && Storage.exists(layout.documentPDF(number: $0.number, issuedIn: $0.issueDate.year))
        }
    }

    /// The client's addresses from the pipeline file (fixed there, they serve the next message),
    /// else the document's; an address that cannot be used is left out and named in `unusable`.
    func recipients(of document: InvoiceDocument, unusable: inout [String]) -> [MailAddress] {
        let client = pipeline.clients.first { $0.code == document.clientCode }
        let addresses = client?.billing?.emails ?? [document.buyer.email].compactMap { $0 }
        var usable: [MailAddress] = []
        for address in addresses {
            if let problem = MailAddress.problem(with: address) {
                unusable.append(
                    "\(document.number): the address \(address.debugDescription) of client "
                        + "\(document.clientCode) is left out (\(problem)); fix its emails in \(pipeline.file)")
            } else {
                usable.append(MailAddress(address))
            }
        }
        return usable
    }

    func recipients(of document: InvoiceDocument) -> [MailAddress] {
        var ignored: [String] = []
        return recipients(of: document, unusable: &ignored)
    }

    /// Queues `document` again as a new message (`<number>.2`, `.3`…: a new Message-ID, the
    /// client's current addresses; `.` never appears in a document number, so no name of a resent
    /// message is ever the name of another document's first message); returns the message's name.
    /// The `resend` command.
    package func requeue(_ document: InvoiceDocument) throws -> String {
        guard let delivery = pipeline.delivery, let smtp = delivery.smtp else {
            throw FacturationError(.configuration, "\(pipeline.file) has no [delivery.smtp] table: nothing can be sent")
        }
        let recipients = recipients(of: document)
        guard !recipients.isEmpty else {
            throw FacturationError(
                .configuration,
                "client \(document.clientCode) has no address: add emails = [\"…\"] to its [[clients]] entry in \(pipeline.file)"
            )
        }
        var list = try DeliveredList(layout: layout, path: layout.queuedMail)
        var copy = 2
        while list.contains("\(document.number).\(copy)") { copy += 1 }
        let name = "\(document.number).\(copy)"
        let message = try message(name, for: document, to: recipients, delivery: delivery, smtp: smtp)
        try Outbox(layout: layout).deliverNew(try message.mimeBytes(), to: layout.queuedMessageOutbox(name))
        try list.record([name])
        return name
    }

    func message(
        _ name: String, for document: InvoiceDocument, to recipients: [MailAddress], delivery: DeliverySettings,
        smtp: SMTPSettings
    ) throws -> MailMessage {
        let (subject, body) = delivery.templates.template(for: document).render(document)
        let pdf = try Storage.read(
            layout.documentPDF(number: document.number, issuedIn: document.issueDate.year), limit: 1 << 30)
        return MailMessage(
            from: smtp.from, to: recipients, cc: delivery.copyTo, subject: subject, body: body,
            attachments: [MailAttachment(fileName: document.number + ".pdf", mediaType: "application/pdf", bytes: pdf)],
            messageID: Self.messageID(name, pipeline: pipeline.id, from: smtp.from),
            date: Date(timeIntervalSince1970: TimeInterval(clock.now().seconds)), timeZone: pipeline.timeZone)
    }

    /// `<F20250801.demo-conseil@conseil-demo.fr>`: the same for every attempt at the same message.
    static func messageID(_ name: String, pipeline: String, from: MailAddress) -> String {
        let domain = from.address.split(separator: "@").last.map(String.init) ?? "facturation.invalid"
        return "<\(name).\(pipeline)@\(domain)>"
    }
}
