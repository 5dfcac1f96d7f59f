import Foundation

extension MailSender {
    /// The delay before the next attempt after `attempts` failed ones: 5 min, 15 min, 1 h, 3 h,
    /// then 6 h; runs come from cron, so a message is tried again at the first run after it.
    static func retryDelay(after attempts: Int) -> Int64 {
        let minutes: [Int64] = [5, 15, 60, 180, 360]
        return minutes[min(max(attempts, 1), minutes.count) - 1] * 60
    }

    /// Archives the message as sent and the server's reply: the proof that it was sent.
    func recordSent(
        _ mail: QueuedMail, name: String, reply: String, attempts: SendAttempts, possibleDuplicate: Bool
    ) throws {
        let record = SentRecord(
            name: name, messageID: mail.messageID, recipients: mail.recipients, subject: mail.subject, reply: reply,
            sentAt: ISOTimestamp.formatUTC(clock.now().seconds), attempts: attempts.attempts,
            possibleDuplicate: possibleDuplicate)
        let files = FileBatch(temporaryDirectory: layout.temporary)
        try files.add(mail.bytes, to: layout.sentMessage(name), collision: .replace)
        try files.add(try SentRecord.encoder.encode(record).asBytes, to: layout.sentRecord(name), collision: .replace)
        try files.commit()
    }

    /// Takes the message out of the queue once its outcome is recorded.
    func finish(_ name: String) throws {
        let queued = layout.inOutbox(layout.queuedMessageOutbox(name))
        if Storage.exists(queued) {
            try Storage.removeFile(queued)
            try Storage.syncDirectory(Path.parent(of: queued))
        }
        let attempts = layout.sendAttempts(name)
        if Storage.exists(attempts), SentRecordCheck.isSent(layout, name) { try Storage.removeFile(attempts) }
    }

    /// A permanent failure: recorded in the attempts file first (so a run killed halfway finishes
    /// the move instead of sending again), then the message goes to `outbox/send-failed/`.
    func fail(
        _ name: String, attempts: inout SendAttempts, reason: String, report: inout SendReport
    ) throws
        -> MailSender.Result
    {
        attempts.inFlight = false
        attempts.failure = reason
        try attempts.save(layout)
        try moveToFailed(name, reason: reason)
        try finish(name)
        report.failed.append("\(name): \(reason) (\(layout.shown(layout.failedMessageOutbox(name))))")
        return .failed
    }

    func moveToFailed(_ name: String, reason: String) throws {
        let queued = layout.inOutbox(layout.queuedMessageOutbox(name))
        guard Storage.exists(queued) else { return }
        let text = """
            \(name) was not sent: \(reason)

            The message is \(layout.shown(layout.failedMessageOutbox(name))); nothing else was sent in its place.
            To send it again: fix the cause (a client's address is in its [[clients]] entry, emails = ["…"], in \
            \(layout.pipeline.file)), then run `facturation resend \(name.split(separator: ".").first.map(String.init) ?? name)`: \
            the document is queued again as a new message.

            """
        // Moved, not read: a file someone dropped into the queue may be anything (huge, a folder).
        let failed = layout.inOutbox(layout.sendFailedOutbox)
        try Storage.makeDirectory(failed)
        try Storage.write(
            Array(text.utf8), to: layout.inOutbox(layout.failedReasonOutbox(name)),
            temporaryDirectory: layout.temporary, collision: .replace)
        try Storage.move(queued, to: layout.inOutbox(layout.failedMessageOutbox(name)), collision: .replace)
    }

    /// A temporary failure: the message waits for a later run, unless it has waited too long.
    func retryLater(
        _ name: String, failure: SMTPFailure, attempts: inout SendAttempts, retryDays: Int, report: inout SendReport
    ) throws -> MailSender.Result {
        let now = clock.now().seconds
        if now - attempts.firstAt >= Int64(retryDays) * 86_400 {
            let reason = "it could not be sent for \(retryDays) days; last attempt: \(failure.reason)"
            return try fail(name, attempts: &attempts, reason: reason, report: &report)
        }
        attempts.inFlight = false
        attempts.lastFailure = failure.reason
        attempts.mayHaveBeenSent = attempts.mayHaveBeenSent || failure.mayHaveBeenAccepted
        attempts.retryAfter = now + Self.retryDelay(after: attempts.attempts)
        try attempts.save(layout)
        report.waiting.append("\(name): \(failure.reason) (tried again by a later run)")
        // The server cannot be reached: the other messages would only wait for their timeouts.
        if failure.code == nil { return .stop }
        return .waiting
    }
}

enum SentRecordCheck {
    static func isSent(_ layout: ArchiveLayout, _ name: String) -> Bool { Storage.exists(layout.sentRecord(name)) }
}

/// The attempts at sending one queued message (`archive/sending/<pipeline>/attempts/<name>.json`).
struct SendAttempts: Codable {
    var name: String
    var attempts = 0
    /// UTC seconds of the first attempt (the retry period counts from it).
    var firstAt: Int64
    /// An attempt began and its outcome was not recorded (the run was killed, or is running).
    var inFlight = false
    var lastFailure: String?
    var retryAfter: Int64?
    /// An earlier attempt may have reached the server (the connection failed after the whole message).
    var mayHaveBeenSent = false
    /// The permanent failure, once decided.
    var failure: String?

    init(name: String, now: Int64) {
        self.name = name
        firstAt = now
    }

    mutating func begin(now: Int64) {
        if attempts == 0 { firstAt = now }
        attempts += 1
        inFlight = true
    }

    static func load(_ path: String) throws -> SendAttempts? {
        guard Storage.exists(path) else { return nil }
        return try FacturationError.decode(SendAttempts.self, at: path, limit: 1 << 20)
    }

    func save(_ layout: ArchiveLayout) throws {
        let path = layout.sendAttempts(name)
        try Storage.makeDirectory(Path.parent(of: path))
        try Storage.write(
            try SentRecord.encoder.encode(self).asBytes, to: path, temporaryDirectory: layout.temporary,
            collision: .replace)
    }
}

/// The proof that a message was sent (`archive/sent/<pipeline>/<name>.json`).
struct SentRecord: Codable {
    var name: String
    var messageID: String
    var recipients: [String]
    var subject: String
    /// The server's final reply to the message, as received.
    var reply: String
    var sentAt: String
    var attempts: Int
    /// An earlier attempt may have delivered it already (see ``MailSender``).
    var possibleDuplicate: Bool

    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}

extension Data {
    var asBytes: [UInt8] { [UInt8](self) }
}
