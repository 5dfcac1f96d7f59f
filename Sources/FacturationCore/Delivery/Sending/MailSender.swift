import Foundation

/// Sends the messages of `outbox/to-send/` over SMTP, oldest name first, and keeps the proof.
///
/// **At least once.** Before each attempt, `archive/sending/<pipeline>/attempts/<name>.json` says
/// an attempt is under way; once the server has accepted the message, the message as sent and the
/// server's final reply are archived (`archive/sent/<pipeline>/<name>.eml` and `.json`), then the
/// queued file and the attempt file are removed. A run killed between the server's acceptance and
/// that record finds an attempt under way and no proof: it sends the message again, with the same
/// Message-ID, and says so (the proof is marked `possibleDuplicate`, the run summary warns). A
/// message is therefore never lost, and a second copy is never silent.
///
/// A temporary failure (4xx, server down, timeout) leaves the message queued until a later run,
/// after a growing delay (``retryDelay(after:)``), for at most `delivery.retry_days` days; a
/// permanent failure (5xx) moves it to `outbox/send-failed/` with a reason file. When the server
/// cannot be reached, or the settings are wrong, the rest of the queue waits for the next run.
struct MailSender {
    let layout: ArchiveLayout
    let clock: Clock

    /// What happened to one queued message in this run.
    enum Result {
        case sent, waiting, failed
        /// Nothing more can be sent in this run (server unreachable, settings wrong).
        case stop
    }

    func sendQueued(report: inout SendReport) throws {
        guard let delivery = layout.pipeline.delivery, let smtp = delivery.smtp else { return }
        let folder = layout.inOutbox(layout.sendQueueOutbox)
        let names = try Storage.listIfPresent(folder).filter { $0.hasSuffix(".eml") }.map { String($0.dropLast(4)) }
        guard !names.isEmpty else { return }
        let transport: SMTPTransport
        do { transport = try SMTPTransport(settings: smtp) } catch {
            report.errors.append("nothing was sent: \(error.message)")
            return
        }
        for (index, name) in names.sorted().enumerated() {
            if try send(name, with: transport, retryDays: delivery.retryDays, report: &report) == .stop {
                let left = names.count - index
                report.waiting.append("\(left) message\(left == 1 ? "" : "s") left in outbox/to-send/ for the next run")
                break
            }
        }
    }

    /// One queued message: finishes what an interrupted run left, or makes one attempt.
    private func send(
        _ name: String, with transport: SMTPTransport, retryDays: Int, report: inout SendReport
    ) throws
        -> Result
    {
        let queued = layout.inOutbox(layout.queuedMessageOutbox(name))
        var attempts = try SendAttempts.load(layout.sendAttempts(name)) ?? SendAttempts(name: name, now: now)
        if Storage.exists(layout.sentRecord(name)) || attempts.failure != nil {
            // A run stopped after the outcome was recorded: only the queue is left to tidy.
            if let failure = attempts.failure { try moveToFailed(name, reason: failure) }
            try finish(name)
            return attempts.failure == nil ? .sent : .failed
        }
        if let retryAfter = attempts.retryAfter, retryAfter > now {
            report.waiting.append(
                "\(name): \(attempts.lastFailure ?? "") (next attempt after \(ISOTimestamp.formatUTC(retryAfter)))")
            return .waiting
        }
        let mail: QueuedMail
        do {
            mail = try QueuedMail(
                bytes: try Storage.read(queued, limit: 64 << 20), file: layout.shown(layout.queuedMessageOutbox(name)))
        } catch {
            // A file dropped into the queue by hand may be anything: it waits for a person.
            let reason = (error as? FacturationError)?.message ?? "it cannot be read as a message (\(error))"
            return try fail(name, attempts: &attempts, reason: reason, report: &report)
        }
        let interrupted = attempts.inFlight
        attempts.begin(now: now)
        try attempts.save(layout)
        let outcome = try transport.send(mail)
        CrashInjection.step("smtp outcome for \(name)")
        switch outcome {
        case .accepted(let reply):
            try recordSent(
                mail, name: name, reply: reply, attempts: attempts,
                possibleDuplicate: interrupted || attempts.mayHaveBeenSent)
            report.sent.append("\(name) → \(mail.recipients.joined(separator: ", ")): \(reply)")
            if interrupted || attempts.mayHaveBeenSent {
                report.warnings.append(
                    "\(name) was sent again with the same Message-ID \(mail.messageID): an earlier attempt was "
                        + "interrupted after the message went out, so the client may receive it twice")
            }
            try finish(name)
            return .sent
        case .temporary(let failure):
            return try retryLater(name, failure: failure, attempts: &attempts, retryDays: retryDays, report: &report)
        case .permanent(let failure):
            return try fail(name, attempts: &attempts, reason: failure.reason, report: &report)
        case .misconfigured(let failure):
            attempts.inFlight = false
            try attempts.save(layout)
            report.errors.append("nothing more was sent: \(failure.reason)")
            return .stop
        }
    }

    private var now: Int64 { clock.now().seconds }
}
