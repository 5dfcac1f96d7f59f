import CCurl
import Foundation
import Testing

@testable import FacturationCore

/// The transcript and the classification of replies, on scripted conversations (no network): the
/// cases the real-server tests do not reach.
@Suite("SMTPClassifier")
struct SMTPClassifierTests {
    static let settings = SMTPSettings(
        host: "smtp.example.fr", security: .starttls, user: "u@example.fr", passwordSource: .environment("PW"),
        from: MailAddress("factures@example.fr"), file: "pipelines/demo.toml")

    /// A transcript of `lines`: "> …" sent by us, "< …" received (each may hold several lines).
    static func transcript(_ lines: [String]) -> SMTPTranscript {
        let transcript = SMTPTranscript()
        for line in lines {
            let bytes = Array((line.dropFirst(2) + "\r\n").utf8)
            bytes.withUnsafeBytes { line.hasPrefix(">") ? transcript.sent($0) : transcript.received($0) }
        }
        return transcript
    }

    static func outcome(_ lines: [String], code: CURLcode = CURLE_SEND_ERROR) -> SMTPOutcome {
        SMTPClassifier(settings: settings, transcript: transcript(lines), recipients: ["a@b.test"])
            .outcome(code: code, curlMessage: "libcurl says no", responseCode: 0)
    }

    static let greeting = ["< 220 smtp.example.fr ESMTP", "> EHLO host", "< 250-smtp.example.fr", "< 250 AUTH PLAIN"]

    @Test func theFinalReplyIsTheFirstAfter354EvenWhenSplitAcrossCallbacks() {
        let transcript = Self.transcript(
            Self.greeting + [
                "> AUTH PLAIN AHVAZXhhbXBsZS5mcgBodW50ZXIyMg==", "< 235 2.7.0 ok", "> MAIL FROM:<f@x> SIZE=10",
                "< 250 ok", "> RCPT TO:<a@b.test>", "< 250 ok", "> DATA", "< 354 go ahead",
            ])
        let tail = Array("250-2.0.0 Ok\r\n250 2.0.0 queued as 4F2A1\r\n221 Bye\r\n".utf8)
        tail.prefix(9).withUnsafeBytes { transcript.received($0) }
        tail.dropFirst(9).withUnsafeBytes { transcript.received($0) }
        #expect(transcript.finalReply?.text == "250-2.0.0 Ok / 250 2.0.0 queued as 4F2A1")
        #expect(transcript.replies.last?.code == 221)
        // The AUTH data (the credentials, in base64) is never kept.
        #expect(!"\(transcript.replies) \(transcript.lastCommand)".contains("AHVAZXhhbXBsZS5mcgBodW50ZXIyMg"))
    }

    @Test func aGreetingOf421IsTemporaryAnd554IsTheSettings() {
        guard case .temporary(let busy) = Self.outcome(["< 421 4.3.2 busy, try later"]) else {
            Issue.record("421 should be temporary")
            return
        }
        #expect(busy.step == .connection && busy.code == 421)
        guard case .misconfigured(let refused) = Self.outcome(["< 554 5.7.1 no service for you"]) else {
            Issue.record("554 on connection should be a misconfiguration")
            return
        }
        #expect(refused.reason.contains("check delivery.smtp.host, delivery.smtp.port and delivery.smtp.security"))
    }

    @Test func a552ToTheSenderIsPermanentAndA5xxToTheMessageToo() {
        let mail = Self.greeting + ["> MAIL FROM:<f@x> SIZE=99999999", "< 552 5.3.4 message too big"]
        guard case .permanent(let big) = Self.outcome(mail) else {
            Issue.record("552 should be permanent")
            return
        }
        #expect(big.step == .sender && big.reason.contains("too large"))
        let data =
            Self.greeting + [
                "> MAIL FROM:<f@x>", "< 250 ok", "> RCPT TO:<a@b.test>", "< 250 ok", "> DATA", "< 354 go",
                "< 554 5.7.1 spam detected", "> QUIT", "< 221 bye",
            ]
        guard case .permanent(let spam) = Self.outcome(data, code: CURLE_WEIRD_SERVER_REPLY) else {
            Issue.record("554 to the message should be permanent")
            return
        }
        #expect(spam.step == .message && spam.code == 554 && !spam.mayHaveBeenAccepted)
    }

    @Test func a535NamesTheEnvironmentVariableNeverItsValue() {
        let auth =
            Self.greeting + [
                "> AUTH LOGIN", "< 334 VXNlcm5hbWU6", "> dUBleGFtcGxlLmZy", "< 334 UGFzc3dvcmQ6",
                "> aHVudGVyMjI=", "< 535 5.7.8 bad credentials",
            ]
        guard case .misconfigured(let failure) = Self.outcome(auth, code: CURLE_LOGIN_DENIED) else {
            Issue.record("535 should be a misconfiguration")
            return
        }
        #expect(failure.step == .authentication && failure.code == 535)
        #expect(failure.reason.contains("the password in $PW (delivery.smtp.password_env)"))
        #expect(!failure.reason.contains("aHVudGVyMjI"))
    }
}
