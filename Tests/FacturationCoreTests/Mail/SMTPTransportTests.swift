import Foundation
import TestSupport
import Testing

@testable import FacturationCore

/// The SMTP transport against a real server on loopback (`scripts/smtp_sink.py`, aiosmtpd):
/// STARTTLS and implicit TLS with a throwaway CA, AUTH, scripted refusals, a dead server, a
/// silent one, a connection cut after the message.
@Suite("SMTPTransport (real server)")
struct SMTPTransportTests {
    static let password = "correct horse battery staple"

    /// A message with a real Factur-X PDF attached, a Cc and a Bcc, and lines starting with ".".
    static func invoiceMail() throws -> (message: MailMessage, pdf: [UInt8]) {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let document = CIISample.standard.document
        let path = folder.appendingPathComponent("invoice.pdf").path
        try InvoicePDF.writeFacturX(document, xml: try CIIWriter.xml(for: document), to: path)
        let pdf = Array(try Data(contentsOf: URL(fileURLWithPath: path)))
        let message = MailMessage(
            from: MailAddress("factures@demo.test", name: "Demo Conseil"),
            to: [MailAddress("compta@client.test", name: "Société Cliente")], cc: [MailAddress("dg@client.test")],
            bcc: [MailAddress("archive@demo.test")], subject: "Facture F20261201 — décembre 2026",
            body:
                "Bonjour,\n\nVeuillez trouver ci-joint la facture F20261201.\n.\n.ligne qui commence par un point\nCordialement,\n",
            attachments: [
                MailAttachment(fileName: "Facture F20261201 été.pdf", mediaType: "application/pdf", bytes: pdf)
            ],
            messageID: "F20261201.demo@facturation.invalid", date: MailMessageTests.date,
            timeZone: MailMessageTests.paris)
        return (message, pdf)
    }

    static func queued(_ message: MailMessage) throws -> QueuedMail {
        try QueuedMail(bytes: try message.mimeBytes(), file: "outbox/to-send/F20261201.eml")
    }

    @Test func startTLSWithAuthDeliversToEveryRecipientWithTheAttachmentIntact() throws {
        let (message, pdf) = try Self.invoiceMail()
        let mail = try Self.queued(message)
        try withSMTPSink { sink in
            let transport = try SMTPTransport(
                settings: sink.settings(passwordFile: try sink.passwordFile(Self.password)))
            let outcome = try transport.send(mail)
            #expect(outcome == .accepted(reply: "250 2.0.0 Ok: queued as TEST0001"))
            let received = try sink.received()
            try #require(received.count == 1)
            #expect(received[0].recipients == ["compta@client.test", "dg@client.test", "archive@demo.test"])
            #expect(received[0].mailFrom == "factures@demo.test" && received[0].user == "factures@demo.test")
            // Byte for byte what was sent: libcurl dot-stuffed the "." lines and the server undid it.
            #expect(received[0].bytes == mail.transmissionBytes)
            let python = try PythonMail(file: received[0].eml, extractTo: sink.folder)
            #expect(python.subject == "Facture F20261201 — décembre 2026" && !python.hasBcc)
            #expect(python.to == ["compta@client.test"] && python.cc == ["dg@client.test"])
            #expect(python.body?.replacingOccurrences(of: "\r\n", with: "\n") == message.body)
            #expect(python.defects.isEmpty, "\(python.defects)")
            #expect(python.attachments.map(\.filename) == ["Facture F20261201 été.pdf"])
            #expect(python.attachmentBytes(0) == pdf)
            let check = try runTool("/usr/bin/qpdf", ["--check", python.attachments[0].path])
            #expect(check.status == 0, "\(check.output)")
        }
    }

    @Test func implicitTLSDeliversALargeMessageIntact() throws {
        // 2 MB of attachment: libcurl reads the message through many calls of the read callback.
        var state: UInt64 = 20_261_205  // xorshift: the same bytes on every run
        let data = (0..<(2 << 20)).map { _ -> UInt8 in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
        let archive = MailAttachment(fileName: "annexe.bin", mediaType: "application/octet-stream", bytes: data)
        let mail = try Self.queued(MailMessageTests.message(attachments: [archive]))
        var options = SMTPSink.Options()
        options.tls = .implicit
        try withSMTPSink(options) { sink in
            let settings = sink.settings(passwordFile: try sink.passwordFile(Self.password), security: .tls)
            #expect(
                try SMTPTransport(settings: settings).send(mail) == .accepted(reply: "250 2.0.0 Ok: queued as TEST0001")
            )
            let received = try sink.received()
            #expect(received.map(\.recipients) == [["compta@client.test"]])
            #expect(received.first?.bytes == mail.transmissionBytes)
        }
    }

    @Test func aWrongPasswordIsAConfigurationErrorNamingTheKeysNeverThePassword() throws {
        let mail = try Self.queued(MailMessageTests.message())
        try withSMTPSink { sink in
            let file = try sink.passwordFile("not the password")
            let outcome = try SMTPTransport(settings: sink.settings(passwordFile: file)).send(mail)
            guard case .misconfigured(let failure) = outcome else {
                Issue.record("expected a misconfiguration, got \(outcome)")
                return
            }
            #expect(failure.step == .authentication && failure.code == 535)
            #expect(outcome.error?.kind == .configuration)
            let message = failure.reason
            #expect(
                message.hasPrefix("pipelines/demo.toml: the SMTP server 127.0.0.1:\(sink.port) refused the user name"))
            #expect(message.contains("delivery.smtp.user") && message.contains("the password in \(file)"))
            #expect(!message.contains("not the password"))
            #expect(try sink.received().isEmpty)
        }
    }

    @Test func aServerRequiringAuthWhenNoUserIsSetSaysWhichKeysToAdd() throws {
        let mail = try Self.queued(MailMessageTests.message())
        try withSMTPSink { sink in
            let outcome = try SMTPTransport(settings: sink.settings(passwordFile: nil)).send(mail)
            guard case .misconfigured(let failure) = outcome else {
                Issue.record("expected a misconfiguration, got \(outcome)")
                return
            }
            #expect(failure.code == 530 && failure.reason.contains("requires a login: set delivery.smtp.user"))
        }
    }

    @Test func a451IsTemporaryAndTheNextAttemptIsAccepted() throws {
        let mail = try Self.queued(MailMessageTests.message())
        var options = SMTPSink.Options()
        options.failData = 1
        try withSMTPSink(options) { sink in
            let transport = try SMTPTransport(
                settings: sink.settings(passwordFile: try sink.passwordFile(Self.password)))
            let first = try transport.send(mail)
            guard case .temporary(let failure) = first else {
                Issue.record("expected a temporary failure, got \(first)")
                return
            }
            #expect(failure.code == 451 && failure.step == .message && !failure.mayHaveBeenAccepted)
            #expect(failure.reason.contains("answered \"451 4.3.0 Temporary failure, try again later (scripted)\""))
            #expect(try transport.send(mail) == .accepted(reply: "250 2.0.0 Ok: queued as TEST0001"))
            #expect(try sink.received().count == 1)
        }
    }

    @Test func a451ToARecipientIsTemporary() throws {
        let mail = try Self.queued(MailMessageTests.message())
        var options = SMTPSink.Options()
        options.failRCPT = 1
        try withSMTPSink(options) { sink in
            let transport = try SMTPTransport(
                settings: sink.settings(passwordFile: try sink.passwordFile(Self.password)))
            let outcome = try transport.send(mail)
            #expect(outcome.failure?.step == .recipient("compta@client.test") && outcome.failure?.code == 451)
            guard case .temporary = outcome else {
                Issue.record("expected a temporary failure, got \(outcome)")
                return
            }
        }
    }

    @Test func a550ForOneRecipientIsPermanentNamesItAndSendsToNoOne() throws {
        var message = MailMessageTests.message()
        message.cc = [MailAddress("inconnu@client.test"), MailAddress("dg@client.test")]
        let mail = try Self.queued(message)
        var options = SMTPSink.Options()
        options.rejectRCPT = ["inconnu@client.test"]
        try withSMTPSink(options) { sink in
            let transport = try SMTPTransport(
                settings: sink.settings(passwordFile: try sink.passwordFile(Self.password)))
            let outcome = try transport.send(mail)
            guard case .permanent(let failure) = outcome else {
                Issue.record("expected a permanent failure, got \(outcome)")
                return
            }
            #expect(failure.step == .recipient("inconnu@client.test") && failure.code == 550)
            #expect(
                failure.reason.contains(
                    "the recipient inconnu@client.test was refused, so the message was sent to no one"))
            #expect(try sink.received().isEmpty)
        }
    }

    @Test func aServerThatIsDownIsTemporaryWithinTheConnectTimeout() throws {
        let port = try Self.closedPort()
        var settings = SMTPSettings(
            host: "127.0.0.1", port: port, security: .starttls, from: MailAddress("f@demo.test"),
            connectTimeout: .seconds(3), timeout: .seconds(10), file: "pipelines/demo.toml")
        settings.caFile = nil
        let started = ContinuousClock.now
        let outcome = try SMTPTransport(settings: settings).send(try Self.queued(MailMessageTests.message()))
        #expect(ContinuousClock.now - started < .seconds(3))
        guard case .temporary(let failure) = outcome else {
            Issue.record("expected a temporary failure, got \(outcome)")
            return
        }
        #expect(failure.step == .connection && failure.code == nil)
        #expect(failure.reason.contains("127.0.0.1:\(port) could not be reached"))
    }

    @Test func aServerThatNeverAnswersIsTemporaryWithinTheTimeout() throws {
        var options = SMTPSink.Options()
        options.silent = true
        try withSMTPSink(options) { sink in
            var settings = sink.settings(passwordFile: nil)
            settings.connectTimeout = .seconds(1)
            settings.timeout = .seconds(2)
            let started = ContinuousClock.now
            let outcome = try SMTPTransport(settings: settings).send(try Self.queued(MailMessageTests.message()))
            let elapsed = ContinuousClock.now - started
            #expect(elapsed >= .milliseconds(900) && elapsed < .seconds(4), "\(elapsed)")
            guard case .temporary(let failure) = outcome else {
                Issue.record("expected a temporary failure, got \(outcome)")
                return
            }
            #expect(failure.reason.contains("did not answer in time"), "\(failure.reason)")
        }
    }

    @Test func aCertificateFromAnUnknownCAIsRefusedWithoutACAFile() throws {
        try withSMTPSink { sink in
            var settings = sink.settings(passwordFile: try sink.passwordFile(Self.password))
            settings.caFile = nil
            let outcome = try SMTPTransport(settings: settings).send(try Self.queued(MailMessageTests.message()))
            guard case .misconfigured(let failure) = outcome else {
                Issue.record("expected a misconfiguration, got \(outcome)")
                return
            }
            #expect(failure.step == .tls && failure.reason.contains("is not trusted"))
            #expect(failure.reason.contains("delivery.smtp.ca_file"))
            #expect(try sink.received().isEmpty)
        }
    }

    @Test func aCertificateForAnotherHostIsRefusedEvenFromTheTrustedCA() throws {
        var options = SMTPSink.Options()
        options.certificateHost = "smtp.other.test"
        try withSMTPSink(options) { sink in
            let settings = sink.settings(passwordFile: try sink.passwordFile(Self.password))
            let outcome = try SMTPTransport(settings: settings).send(try Self.queued(MailMessageTests.message()))
            guard case .misconfigured(let failure) = outcome else {
                Issue.record("expected a misconfiguration, got \(outcome)")
                return
            }
            #expect(failure.step == .tls && failure.reason.contains("delivery.smtp.host (it must be a name on the"))
            #expect(try sink.received().isEmpty)
        }
    }

    @Test func implicitTLSToAPlainServerIsATLSFailureThatNamesSecurity() throws {
        var options = SMTPSink.Options()
        options.tls = .none
        options.user = nil
        try withSMTPSink(options) { sink in
            var settings = sink.settings(passwordFile: nil, security: .tls)
            settings.timeout = .seconds(5)
            settings.caFile = nil  // a plain sink makes no certificate
            let outcome = try SMTPTransport(settings: settings).send(try Self.queued(MailMessageTests.message()))
            guard case .temporary(let failure) = outcome else {
                Issue.record("expected a temporary failure, got \(outcome)")
                return
            }
            #expect(failure.step == .tls && failure.reason.contains("check delivery.smtp.security"), "\(failure)")
        }
    }

    @Test func aRefusedSenderIsAConfigurationErrorNamingFrom() throws {
        var options = SMTPSink.Options()
        options.rejectSender = "factures@demo.test"
        try withSMTPSink(options) { sink in
            let settings = sink.settings(passwordFile: try sink.passwordFile(Self.password))
            let outcome = try SMTPTransport(settings: settings).send(try Self.queued(MailMessageTests.message()))
            guard case .misconfigured(let failure) = outcome else {
                Issue.record("expected a misconfiguration, got \(outcome)")
                return
            }
            #expect(failure.step == .sender && failure.code == 553)
            #expect(failure.reason.contains("set delivery.smtp.from to an address this account may send from"))
        }
    }

    @Test func plainSMTPOnTheLoopbackDelivers() throws {
        var options = SMTPSink.Options()
        options.tls = .none
        options.user = nil
        try withSMTPSink(options) { sink in
            let settings = sink.settings(passwordFile: nil, security: .none)
            let outcome = try SMTPTransport(settings: settings).send(try Self.queued(MailMessageTests.message()))
            #expect(outcome == .accepted(reply: "250 2.0.0 Ok: queued as TEST0001"))
        }
    }

    @Test func aConnectionCutAfterTheMessageMayHaveBeenAccepted() throws {
        let mail = try Self.queued(MailMessageTests.message())
        var options = SMTPSink.Options()
        options.cutAfterData = 1
        try withSMTPSink(options) { sink in
            let transport = try SMTPTransport(
                settings: sink.settings(passwordFile: try sink.passwordFile(Self.password)))
            let first = try transport.send(mail)
            guard case .temporary(let failure) = first else {
                Issue.record("expected a temporary failure, got \(first)")
                return
            }
            #expect(failure.step == .message && failure.mayHaveBeenAccepted && failure.code == nil)
            #expect(failure.reason.contains("the server may have accepted it"))
            #expect(try transport.send(mail) == .accepted(reply: "250 2.0.0 Ok: queued as TEST0002"))
            // The server kept both: the same Message-ID twice, which is how a duplicate is recognised.
            let received = try sink.received()
            #expect(received.count == 2 && received[0].bytes == received[1].bytes)
        }
    }

    @Test func anEnvelopeRecipientWithALineBreakIsRefusedBeforeConnecting() throws {
        let settings = SMTPSettings(
            host: "127.0.0.1", port: try Self.closedPort(), security: .none, from: MailAddress("f@demo.test"),
            file: "pipelines/demo.toml")
        let transport = try SMTPTransport(settings: settings)
        let error = #expect(throws: FacturationError.self) {
            _ = try transport.send(Array("Subject: x\r\n\r\nx\r\n".utf8), to: ["a@b.test>\r\nRCPT TO:<c@d.test"])
        }
        #expect(error?.kind == .delivery && error?.message.contains("contains a line break") == true)
        #expect(error?.message.contains("\r") == false)
        #expect(throws: FacturationError.self) { _ = try transport.send([], to: []) }
    }

    /// A loopback port nobody listens on (bound, then closed).
    static func closedPort() throws -> Int {
        let socket = Foundation.socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(socket) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(socket, $0, length) == 0 && getsockname(socket, $0, &length) == 0
            }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
