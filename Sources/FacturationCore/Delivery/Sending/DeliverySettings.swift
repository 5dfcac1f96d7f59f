/// How a pipeline e-mails its documents: the `[delivery]` table of its pipeline file.
///
/// ```toml
/// [delivery]
/// send = true                  # e-mail issued documents (default false: PDFs only)
/// send_from = 2025-10-01       # required with send: documents issued before are never e-mailed
/// copy_to = ["compta@example.fr"]   # optional: copied (Cc) on every message
/// templates = "mail"           # folder of the templates, beside the pipeline file (default "mail")
/// retry_days = 5               # a message that fails temporarily is retried this long (default 5)
///
/// [delivery.smtp]              # see SMTPSettings
/// ```
package struct DeliverySettings: Sendable {
    package var send: Bool
    /// Documents issued before this day are not e-mailed (those were sent by hand before).
    package var sendFrom: CivilDate?
    package var copyTo: [MailAddress]
    package var templates: MailTemplates
    /// The reminder e-mails (`relance-1.txt`, `relance-2.txt`, `mise-en-demeure.txt`), same folder.
    package var reminderTemplates: ReminderTemplates
    package var retryDays: Int
    package var smtp: SMTPSettings?
}

extension PipelineLoader {
    /// `[delivery]`; nil when the file has none. Mistakes are recorded with their line.
    static func readDelivery(_ table: TableReader?, folder: String) -> DeliverySettings? {
        guard let table else { return nil }
        let send = table.bool("send") ?? false
        let sendFrom = table.date("send_from")
        if send, sendFrom == nil {
            table.fail(
                key: "send",
                "add send_from = YYYY-MM-DD (the day sending starts): documents issued before it are never e-mailed, "
                    + "so invoices already sent by hand are not sent again")
        }
        var copyTo: [MailAddress] = []
        for address in table.strings("copy_to") ?? [] {
            if let problem = MailAddress.problem(with: address) {
                table.fail(key: "copy_to", problem)
            } else {
                copyTo.append(MailAddress(address))
            }
        }
        let folderName = table.string("templates") ?? "mail"
        let templates: MailTemplates
        let reminderTemplates: ReminderTemplates
        do {
            let templateFolder = folderName.hasPrefix("/") ? folderName : Path.join(folder, folderName)
            templates = try MailTemplates.load(folder: templateFolder)
            reminderTemplates = try ReminderTemplates.load(folder: templateFolder)
        } catch {
            table.fail(key: "templates", error.message)
            return nil
        }
        let retryDays = table.integer("retry_days", in: 1...60) ?? 5
        let smtp = table.subtable("smtp").flatMap { readSMTP($0, folder: folder) }
        if send, table.subtable("smtp") == nil {
            table.fail(key: "send", "sending needs a [delivery.smtp] table (host, port, security, user, from)")
        }
        return DeliverySettings(
            send: send, sendFrom: sendFrom, copyTo: copyTo, templates: templates,
            reminderTemplates: reminderTemplates, retryDays: retryDays, smtp: smtp)
    }
}
