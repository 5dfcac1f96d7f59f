import Foundation

/// One e-mail as the send queue writes it: headers, a French plain-text body and attachments,
/// turned into RFC 5322 / MIME bytes by ``mimeBytes()``.
///
/// The bytes are deterministic: the date is a value given by the caller (no clock here) and the
/// MIME boundary is derived from the Message-ID, so the same message queued twice is the same file.
/// Bcc recipients are written as a `Bcc:` header in the queued file, so the sender can read every
/// envelope recipient back from the file alone (``QueuedMail``); ``QueuedMail/transmissionBytes``
/// removes that header before the message goes on the wire.
package struct MailMessage: Sendable {
    package var from: MailAddress
    package var to: [MailAddress]
    package var cc: [MailAddress] = []
    package var bcc: [MailAddress] = []
    package var subject: String
    /// Plain text (UTF-8); any line ending. Sent as quoted-printable.
    package var body: String
    package var attachments: [MailAttachment] = []
    /// `left@right`, with or without the angle brackets.
    package var messageID: String
    /// The `Date:` header, shown in `timeZone`.
    package var date: Date
    package var timeZone: TimeZone

    package init(
        from: MailAddress, to: [MailAddress], cc: [MailAddress] = [], bcc: [MailAddress] = [], subject: String,
        body: String, attachments: [MailAttachment] = [], messageID: String, date: Date, timeZone: TimeZone
    ) {
        self.from = from
        self.to = to
        self.cc = cc
        self.bcc = bcc
        self.subject = subject
        self.body = body
        self.attachments = attachments
        self.messageID = messageID
        self.date = date
        self.timeZone = timeZone
    }

    /// The Message-ID without its angle brackets.
    package var bareMessageID: String {
        var id = Substring(messageID)
        if id.hasPrefix("<"), id.hasSuffix(">") { id = id.dropFirst().dropLast() }
        return String(id)
    }
}

/// A file attached to a message (sent in base64).
package struct MailAttachment: Sendable {
    /// The name the recipient sees; any text (non-ASCII names are written with RFC 2231).
    package var fileName: String
    /// `type/subtype`, like `application/pdf`.
    package var mediaType: String
    package var bytes: [UInt8]

    package init(fileName: String, mediaType: String, bytes: [UInt8]) {
        self.fileName = fileName
        self.mediaType = mediaType
        self.bytes = bytes
    }
}
