import Foundation
import TestSupport
import Testing

@testable import FacturationCore

/// The MIME builder: exact and deterministic bytes, RFC 2047 words, RFC 2231 names, line lengths,
/// header injection refused; each message is also read back by Python's `email` package.
@Suite("MailMessage (MIME)")
struct MailMessageTests {
    static let paris = TimeZone(identifier: "Europe/Paris")!
    /// 2026-12-05T07:20:00Z, 08:20 in Paris.
    static let date = Date(timeIntervalSince1970: 1_796_455_200)

    static func message(
        subject: String = "Facture F20261201", body: String = "Bonjour,\n\nVoici la facture.\n",
        attachments: [MailAttachment] = [], id: String = "F20261201.demo@facturation.invalid"
    ) -> MailMessage {
        MailMessage(
            from: MailAddress("factures@demo.test", name: "Demo Conseil"), to: [MailAddress("compta@client.test")],
            subject: subject, body: body, attachments: attachments, messageID: id, date: date, timeZone: paris)
    }

    @Test func aPlainMessageIsExactlyTheseBytes() throws {
        let text = String(decoding: try Self.message().mimeBytes(), as: UTF8.self)
        let expected = [
            "Date: Sat, 05 Dec 2026 08:20:00 +0100", "From: Demo Conseil <factures@demo.test>",
            "To: compta@client.test", "Message-ID: <F20261201.demo@facturation.invalid>",
            "Subject: Facture F20261201", "MIME-Version: 1.0", "Content-Type: text/plain; charset=UTF-8",
            "Content-Transfer-Encoding: quoted-printable", "", "Bonjour,", "", "Voici la facture.", "",
        ].joined(separator: "\r\n")
        #expect(text == expected)
    }

    @Test func theSameMessageGivesTheSameBytesAndTheBoundaryComesFromTheMessageID() throws {
        let pdf = MailAttachment(
            fileName: "F1.pdf", mediaType: "application/pdf", bytes: Array(repeating: 7, count: 500))
        let first = try Self.message(attachments: [pdf]).mimeBytes()
        let again = try Self.message(attachments: [pdf]).mimeBytes()
        #expect(first == again)
        let other = try Self.message(attachments: [pdf], id: "F20261202.demo@facturation.invalid").mimeBytes()
        let boundary = Self.message(attachments: [pdf]).boundary
        let otherBoundary = Self.message(attachments: [pdf], id: "F20261202.demo@facturation.invalid").boundary
        #expect(boundary != otherBoundary && boundary.hasPrefix("=_"))
        #expect(String(decoding: first, as: UTF8.self).contains("boundary=\"\(boundary)\""))
        #expect(String(decoding: other, as: UTF8.self).contains("--\(otherBoundary)--\r\n"))
    }

    @Test func aFrenchSubjectBecomesEncodedWordsOfAtMost75Characters() throws {
        let subject =
            "Facture F20261201 — prestation de conseil et d'accompagnement technique, décembre 2026 : échéance "
            + "au 4 janvier 2027, société Générale d'Études Économiques"
        let bytes = try Self.message(subject: subject).mimeBytes()
        let header = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n\r\n")[0]
        let words = header.replacingOccurrences(of: "\r\n", with: " ").split(separator: " ").filter {
            $0.hasPrefix("=?")
        }
        #expect(words.count > 2)
        #expect(words.allSatisfy { $0.count <= 75 && $0.hasPrefix("=?UTF-8?Q?") && $0.hasSuffix("?=") })
        #expect(header.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
        let queued = try QueuedMail(bytes: bytes, file: "test.eml")
        #expect(queued.subject == subject)
        let python = try PythonMail(bytes)
        #expect(python.subject == subject)
        #expect(python.defects.isEmpty, "\(python.defects)")
    }

    @Test func longLinesAreCutAt76AndDecodeToTheSameText() throws {
        let long = String(repeating: "Prestation réalisée à Marseille = 1 400,00 € HT ; ", count: 12)
        let body = "Bonjour Madame Dupont,\n\(long)\nligne terminée par des espaces   \n\ttabulée\nFrom here\n"
        let bytes = try Self.message(body: body).mimeBytes()
        let lines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")
        #expect(lines.allSatisfy { $0.utf8.count <= 78 })
        let bodyLines = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n\r\n")[1]
            .components(separatedBy: "\r\n")
        #expect(bodyLines.allSatisfy { $0.utf8.count <= 76 }, "\(bodyLines.map(\.count))")
        #expect(bodyLines.allSatisfy { !$0.hasSuffix(" ") && !$0.hasSuffix("\t") })
        let python = try PythonMail(bytes)
        #expect(python.body?.replacingOccurrences(of: "\r\n", with: "\n") == body)
        #expect(python.longestLine <= 78 && python.bareLF == 0 && python.defects.isEmpty)
    }

    @Test func aLineThatIsADotStaysADotInTheFile() throws {
        let body = "Bonjour,\n.\n.cachée\n..deux\nFin\n"
        let text = String(decoding: try Self.message(body: body).mimeBytes(), as: UTF8.self)
        // The file keeps the dots: dot-stuffing is the transport's job (SMTPTransportTests checks it).
        #expect(text.contains("\r\n.\r\n.cach=C3=A9e\r\n..deux\r\n"))
    }

    @Test func nonASCIIAndLongAttachmentNamesUseRFC2231() throws {
        let short = MailAttachment(fileName: "Facture été n°1.pdf", mediaType: "application/pdf", bytes: [1, 2, 3])
        let long = MailAttachment(
            fileName: "Annexe détaillée des temps passés — projet de refonte du système d'information 2026.csv",
            mediaType: "text/csv", bytes: Array("a;b\r\n".utf8))
        let plain = MailAttachment(fileName: "F1 \"copie\".pdf", mediaType: "application/pdf", bytes: [9])
        let bytes = try Self.message(attachments: [short, long, plain]).mimeBytes()
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("filename*=UTF-8''Facture%20%C3%A9t%C3%A9%20n%C2%B01.pdf"))
        #expect(text.contains("filename*0*=UTF-8''Annexe"))
        #expect(text.components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
        let python = try PythonMail(bytes)
        #expect(python.attachments.map(\.filename) == [short.fileName, long.fileName, plain.fileName])
        #expect(python.attachments.map(\.contentType) == ["application/pdf", "text/csv", "application/pdf"])
        #expect(python.defects.isEmpty, "\(python.defects)")
        #expect(python.attachmentBytes(1) == long.bytes)
    }

    @Test func displayNamesWithAccentsOrPunctuationAreEncoded() throws {
        var message = Self.message()
        message.to = [
            MailAddress("jeanne@client.test", name: "Jeanne Dupont-Élysée"),
            MailAddress("compta@client.test", name: "Dupont, Comptabilité"), MailAddress("x@client.test"),
        ]
        message.cc = (1...10).map { MailAddress("associe\($0)@cabinet.test", name: "Cabinet Expert \($0)") }
        let bytes = try message.mimeBytes()
        #expect(
            String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n").allSatisfy { $0.utf8.count <= 78 })
        let python = try PythonMail(bytes)
        #expect(python.to == ["jeanne@client.test", "compta@client.test", "x@client.test"])
        #expect(python.toNames == ["Jeanne Dupont-Élysée", "Dupont, Comptabilité", ""])
        #expect(python.cc == (1...10).map { "associe\($0)@cabinet.test" })
        let queued = try QueuedMail(bytes: bytes, file: "test.eml")
        #expect(queued.to == ["jeanne@client.test", "compta@client.test", "x@client.test"])
    }

    @Test(arguments: [
        ("Subject", "Facture\r\nBcc: victime@evil.test"), ("Subject", "Facture\nX-Spam: yes"),
        ("To address", "client@test\r\nBcc: a@evil.test"), ("To display name", "Client\r\nBcc: a@evil.test"),
        ("attachment name", "F1.pdf\r\nContent-Type: text/html"), ("Message-ID", "F1@x\r\nBcc: a@evil.test"),
        ("Cc address", "a b@test"),
    ])
    func headerInjectionIsRefusedNamingTheField(field: String, value: String) throws {
        var message = Self.message()
        switch field {
        case "Subject": message.subject = value
        case "To address": message.to = [MailAddress(value)]
        case "To display name": message.to = [MailAddress("client@test.fr", name: value)]
        case "attachment name": message.attachments = [MailAttachment(fileName: value, mediaType: "a/b", bytes: [])]
        case "Message-ID": message.messageID = value
        default: message.cc = [MailAddress(value)]
        }
        let error = #expect(throws: FacturationError.self) { try message.mimeBytes() }
        #expect(error?.kind == .delivery)
        #expect(error?.message.contains("its \(field)") == true, "\(String(describing: error?.message))")
        #expect(error?.message.contains("\r") == false && error?.message.contains("\n") == false)
    }

    @Test func theQueuedFileGivesBackItsEnvelopeAndTheWireCopyHasNoBcc() throws {
        var message = Self.message(subject: "Avoir A20261201 — annulation")
        message.cc = [MailAddress("cabinet@expert.test")]
        // Enough blind copies for the Bcc field to be folded over several lines.
        let more = (1...6).map { MailAddress("associe\($0)@cabinet-expertise-comptable.test", name: "Associé \($0)") }
        message.bcc = [MailAddress("archive@demo.test"), MailAddress("copie@demo.test", name: "Copie Cachée")] + more
        let bytes = try message.mimeBytes()
        let queued = try QueuedMail(bytes: bytes, file: "outbox/to-send/A20261201.eml")
        #expect(
            queued.recipients
                == ["compta@client.test", "cabinet@expert.test", "archive@demo.test", "copie@demo.test"]
                + more.map(\.address))
        #expect(Self.bccField(bytes).components(separatedBy: "\r\n").count > 3)
        #expect(queued.messageID == "F20261201.demo@facturation.invalid")
        #expect(queued.subject == "Avoir A20261201 — annulation")
        #expect(queued.from == "factures@demo.test")
        let wire = String(decoding: queued.transmissionBytes, as: UTF8.self)
        #expect(!wire.contains("Bcc:") && !wire.contains("archive@demo.test") && !wire.contains("associe"))
        #expect(try PythonMail(queued.transmissionBytes).defects.isEmpty)
        #expect(queued.transmissionBytes.count < bytes.count)
        #expect(wire == String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: Self.bccField(bytes), with: ""))
    }

    /// The Bcc field of `bytes` with its folded lines.
    static func bccField(_ bytes: [UInt8]) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        let start = text.range(of: "\r\nBcc: ")!.lowerBound
        let end = text.range(of: "\r\nMessage-ID:")!.lowerBound
        return String(text[start..<end])
    }

    @Test func aFileThatIsNotOneOfOursIsRefusedNamingIt() {
        for text in ["no header at all", "To: a@b.test\r\n\r\nbody", "Message-ID: <x@y>\r\n\r\nno recipient"] {
            let error = #expect(throws: FacturationError.self) {
                _ = try QueuedMail(bytes: Array(text.utf8), file: "outbox/to-send/x.eml")
            }
            #expect(error?.message.hasPrefix("outbox/to-send/x.eml ") == true, "\(String(describing: error))")
        }
    }
}

/// A message as Python's `email` package reads it (`scripts/mail_check.py`).
struct PythonMail {
    struct Attachment {
        var filename: String
        var contentType: String
        var path: String
        var bytes: [UInt8]
    }

    var subject: String?
    var to: [String]
    var toNames: [String]
    var cc: [String]
    var hasBcc: Bool
    var body: String?
    var defects: [String]
    var longestLine: Int
    var bareLF: Int
    var attachments: [Attachment]

    init(_ bytes: [UInt8]) throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let file = folder.appendingPathComponent("message.eml")
        try Data(bytes).write(to: file)
        try self.init(file: file, extractTo: folder)
    }

    init(file: URL, extractTo folder: URL) throws {
        let script = (repositoryRoot as NSString).appendingPathComponent("scripts/mail_check.py")
        let run = try runTool("/usr/bin/python3", [script, file.path, folder.path])
        guard run.status == 0,
            let json = try JSONSerialization.jsonObject(with: Data(run.output.utf8)) as? [String: Any]
        else {
            throw SMTPSink.SinkError(message: "mail_check.py failed: \(run.output)")
        }
        subject = json["subject"] as? String
        to = json["to"] as? [String] ?? []
        toNames = json["to_names"] as? [String] ?? []
        cc = json["cc"] as? [String] ?? []
        hasBcc = json["has_bcc"] as? Bool ?? true
        body = json["body"] as? String
        defects = json["defects"] as? [String] ?? ["unreadable"]
        longestLine = json["longest_line"] as? Int ?? .max
        bareLF = json["bare_lf"] as? Int ?? .max
        attachments = try (json["attachments"] as? [[String: Any]] ?? []).map {
            let path = $0["path"] as? String ?? ""
            return Attachment(
                filename: $0["filename"] as? String ?? "", contentType: $0["content_type"] as? String ?? "",
                path: path, bytes: Array(try Data(contentsOf: URL(fileURLWithPath: path))))
        }
    }

    func attachmentBytes(_ index: Int) -> [UInt8] { attachments[index].bytes }
}
