import FacturationCore
import Foundation
import TestSupport
import Testing

/// The send queue through the real binary, against a real SMTP server on loopback
/// (`scripts/smtp_sink.py`, Debian's aiosmtpd, STARTTLS with a throwaway CA and AUTH).
@Suite("Sending, end to end", .serialized)
struct SendingTests {
    static let password = "correct horse battery staple"

    /// The demo pipeline e-mailing from August 2025 through `sink` (or a port nobody listens on).
    static func workspace(port: Int, caFile: String, extra: String = "") throws -> TestWorkspace {
        let demo = try Repository.demoPipeline()
        let delivery = """

            [delivery]
            send = true
            send_from = 2025-08-01
            copy_to = ["compta@conseil-demo.fr"]
            \(extra)

            [delivery.smtp]
            host = "127.0.0.1"
            port = \(port)
            security = "starttls"
            user = "factures@demo.test"
            password_file = "smtp-password"
            ca_file = "\(caFile)"
            from = "factures@demo.test"
            from_name = "Demo Conseil"
            connect_timeout = 3
            timeout = 10

            """
        let workspace = try TestWorkspace(pipeline: demo + delivery)
        let secret = workspace.root.appendingPathComponent("pipelines/smtp-password").path
        #expect(FileManager.default.createFile(atPath: secret, contents: Data(password.utf8)))
        chmod(secret, 0o600)
        try workspace.dropDemoFiles()
        return workspace
    }

    static func run(
        _ workspace: TestWorkspace, _ day: String, now: String? = nil, crashAfter: Int? = nil
    )
        throws -> CommandResult
    {
        var environment: [String: String] = [:]
        if let now { environment["FACTURATION_NOW"] = now }
        if let crashAfter { environment["FACTURATION_CRASH_AFTER"] = "\(crashAfter)" }
        return try workspace.run(["run", "--settle", "0", "--date", day], environment: environment)
    }

    /// The numbers of the documents issued on `day` whose client has an address.
    static func issued(_ workspace: TestWorkspace, prefix: String) throws -> [String] {
        try workspace.issuedRecords(pipeline: "demo-conseil").keys.filter { $0.hasPrefix(prefix) }.sorted()
    }

    /// One received message as Python's `email` package reads it (`scripts/mail_check.py`).
    static func parsed(_ eml: URL) throws -> [String: Any] {
        let folder = try SMTPSink.temporaryFolder()
        let check = try runTool(
            "/usr/bin/python3",
            [Repository.root.appendingPathComponent("scripts/mail_check.py").path, eml.path, folder.path])
        return try #require(try JSONSerialization.jsonObject(with: Data(check.output.utf8)) as? [String: Any])
    }

    @Test func issuedDocumentsAreSentOnceWithTheirPDFAndTheServersReplyAsProof() throws {
        try withSMTPSink(.init()) { sink in
            let workspace = try Self.workspace(port: sink.port, caFile: sink.caFile)
            let july = try Self.run(workspace, "2025-07-01")
            #expect(july.status == 2, "\(july.stdout)\n\(july.stderr)")
            #expect(try sink.received().isEmpty, "July's documents are before send_from")
            let august = try Self.run(workspace, "2025-08-01")
            #expect(august.status == 0, "\(august.stdout)\n\(august.stderr)")
            let numbers = try Self.issued(workspace, prefix: "F202508")
            let received = try sink.received()
            #expect(received.count == numbers.count, "\(august.stdout)")
            #expect(!workspace.files(under: "outbox/to-send").contains { $0.hasSuffix(".eml") })

            let first = try #require(received.first)
            #expect(first.user == "factures@demo.test", "AUTH was used")
            #expect(first.recipients.contains("compta@conseil-demo.fr"), "\(first.recipients)")
            let message = try Self.parsed(first.eml)
            let subject = try #require(message["subject"] as? String)
            let number = try #require(numbers.first { subject.contains($0) }, "\(subject)")
            #expect((message["message_id"] as? String) == "<\(number).demo-conseil@demo.test>")
            #expect((message["defects"] as? [String]) == [], "\(message)")
            let attachment = try #require((message["attachments"] as? [[String: Any]])?.first)
            #expect(attachment["filename"] as? String == "\(number).pdf")
            #expect(attachment["content_type"] as? String == "application/pdf")
            #expect(
                attachment["size"] as? Int
                    == (try workspace.data("archive/invoicing/demo-conseil/documents/2025/\(number).pdf")).count)
            let body = try #require(message["body"] as? String)
            #expect(body.contains(number) && body.contains("Échéance"), "\(body)")

            let proof = try workspace.text("archive/sent/demo-conseil/\(number).json")
            #expect(proof.contains(#""reply" : "250"#) && proof.contains(#""possibleDuplicate" : false"#), "\(proof)")
            let again = try Self.run(workspace, "2025-08-02")
            #expect(again.status == 0)
            #expect(try sink.received().count == numbers.count, "nothing is sent twice")
        }
    }

    @Test func aTemporaryFailureIsRetriedByALaterRunAndAPermanentOneWaitsForAPerson() throws {
        var options = SMTPSink.Options()
        options.user = "factures@demo.test"
        options.password = Self.password
        options.failData = 1
        options.rejectRCPT = ["compta@laa.example"]
        try withSMTPSink(options) { sink in
            let workspace = try Self.workspace(port: sink.port, caFile: sink.caFile)
            _ = try Self.run(workspace, "2025-07-01")
            let first = try Self.run(workspace, "2025-08-01", now: "2025-08-01T08:00:00Z")
            #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
            #expect(first.stdout.contains("to retry"), "\(first.stdout)")
            #expect(first.stdout.contains("NOT SENT"), "\(first.stdout)")
            let failed = try #require(
                workspace.files(under: "outbox/send-failed").first { $0.hasSuffix(".reason.txt") })
            let reason = try workspace.text(failed)
            #expect(reason.contains("compta@laa.example") && reason.contains("facturation resend"), "\(reason)")
            let waiting = workspace.files(under: "outbox/to-send").filter { $0.hasSuffix(".eml") }
            #expect(waiting.count == 1, "the message that got 451 stays queued: \(waiting)")

            // Too early for another attempt: it waits; later, it goes.
            let early = try Self.run(workspace, "2025-08-01", now: "2025-08-01T08:01:00Z")
            #expect(early.stdout.contains("next attempt after"), "\(early.stdout)")
            let later = try Self.run(workspace, "2025-08-01", now: "2025-08-01T09:00:00Z")
            #expect(later.status == 0, "\(later.stdout)\n\(later.stderr)")
            #expect(workspace.files(under: "outbox/to-send").filter { $0.hasSuffix(".eml") }.isEmpty, "\(later.stdout)")
            let name = String((waiting[0] as NSString).lastPathComponent.dropLast(4))
            #expect(try workspace.text("archive/sent/demo-conseil/\(name).json").contains(#""attempts" : 2"#))

            // The address fixed in the pipeline file, `resend` queues a new message; the next run sends it.
            let number = String((failed as NSString).lastPathComponent.dropLast(".reason.txt".count))
            let pipeline = workspace.root.appendingPathComponent("pipelines/demo-conseil.toml")
            try String(contentsOf: pipeline, encoding: .utf8)
                .replacingOccurrences(of: "compta@laa.example", with: "factures@laa.example")
                .write(to: pipeline, atomically: true, encoding: .utf8)
            let resend = try workspace.run(["resend", number])
            #expect(resend.status == 0 && resend.stdout.contains("\(number).2"), "\(resend.stdout)\(resend.stderr)")
            let after = try Self.run(workspace, "2025-08-01", now: "2025-08-01T10:00:00Z")
            #expect(after.status == 0, "\(after.stdout)\n\(after.stderr)")
            let resent = try #require(try sink.received().last)
            #expect(resent.recipients.contains("factures@laa.example"), "\(resent.recipients)")
            #expect(try Self.parsed(resent.eml)["message_id"] as? String == "<\(number).2.demo-conseil@demo.test>")
        }
    }

    @Test func aServerThatIsDownDoesNotHoldTheRunAndTheQueueLeavesLater() throws {
        // A port nobody listens on: connection refused at once.
        let probe = try withSMTPSink(.init()) { sink in (sink.port, sink.caFile) }
        let workspace = try Self.workspace(port: probe.0, caFile: "/etc/ssl/certs/ca-certificates.crt")
        _ = try Self.run(workspace, "2025-07-01")
        let started = Date()
        let down = try Self.run(workspace, "2025-08-01", now: "2025-08-01T08:00:00Z")
        #expect(Date().timeIntervalSince(started) < 60, "a dead server must not hold the run")
        #expect(down.status == 0, "\(down.stdout)\n\(down.stderr)")
        #expect(down.stdout.contains("left in outbox/to-send/ for the next run"), "\(down.stdout)")
        let queued = workspace.files(under: "outbox/to-send").filter { $0.hasSuffix(".eml") }
        #expect(queued.count == (try Self.issued(workspace, prefix: "F202508")).count)
        #expect(workspace.exists("outbox/paiements/etat-factures.csv"), "the rest of the run went on")

        let status = try workspace.run(["status"])
        #expect(status.stdout.contains("E-mail (demo-conseil): 0 sent, \(queued.count) queued"), "\(status.stdout)")
        let dry = try workspace.run(["send", "--dry-run"])
        #expect(dry.status == 0 && dry.stdout.contains("would send"), "\(dry.stdout)\(dry.stderr)")
        #expect(workspace.files(under: "outbox/to-send").filter { $0.hasSuffix(".eml") }.count == queued.count)
    }

    @Test func aKillBetweenTheServersAcceptanceAndTheProofSendsAgainAndSaysSo() throws {
        try withSMTPSink(.init()) { sink in
            let workspace = try Self.workspace(port: sink.port, caFile: sink.caFile)
            _ = try Self.run(workspace, "2025-07-01")
            func copy() throws -> TestWorkspace {
                let copy = try TestWorkspace(invoicing: true)
                try FileManager.default.removeItem(at: copy.root)
                try FileManager.default.copyItem(at: workspace.root, to: copy.root)
                return copy
            }
            // The durable step right after the first acceptance, found on a copy's traced run.
            let traced = try copy().run(
                ["run", "--settle", "0", "--date", "2025-08-01"], environment: ["FACTURATION_CRASH_TRACE": "1"])
            let point = try #require(
                traced.stderr.split(separator: "\n").first { $0.contains(": smtp outcome for ") }, "\(traced.stderr)")
            let step = try #require(Int(point.dropFirst("crash-point ".count).prefix { $0 != ":" }))
            let name = String(point.split(separator: " ").last!)
            let sentByTrace = try sink.received().count
            for message in try sink.received() {
                try FileManager.default.removeItem(at: message.eml)
            }

            let killed = try Self.run(workspace, "2025-08-01", crashAfter: step)
            #expect(killed.killedBySignal, "\(killed.stderr)")
            #expect(try sink.received().count == 1, "the server accepted the message before the kill")
            #expect(!workspace.exists("archive/sent/demo-conseil/\(name).json"), "no proof was written")
            let restarted = try Self.run(workspace, "2025-08-01")
            #expect(restarted.status == 0, "\(restarted.stdout)\n\(restarted.stderr)")
            #expect(restarted.stdout.contains("\(name) was sent again with the same Message-ID"), "\(restarted.stdout)")
            let received = try sink.received()
            #expect(received.count == sentByTrace + 1, "every message once, the interrupted one twice")
            let twice = try received.filter {
                (try Self.parsed($0.eml)["message_id"] as? String) == "<\(name).demo-conseil@demo.test>"
            }
            #expect(twice.count == 2)
            let proof = try workspace.text("archive/sent/demo-conseil/\(name).json")
            #expect(proof.contains(#""possibleDuplicate" : true"#), "\(proof)")
        }
    }

    /// What a person (or a hostile hand) may put where the sending stage reads: templates with a
    /// typo, a client address that cannot be used, anything dropped into `outbox/to-send/`. Each
    /// gets a reason; none stops a run or the other messages.
    @Test func hostileTemplatesAddressesAndQueueFilesGetAReasonAndStopNothing() throws {
        try withSMTPSink(.init()) { sink in
            let workspace = try Self.workspace(port: sink.port, caFile: sink.caFile)
            let mail = workspace.root.appendingPathComponent("pipelines/mail")
            try FileManager.default.createDirectory(at: mail, withIntermediateDirectories: true)
            let template = mail.appendingPathComponent("facture-forfait.txt")
            try "Objet : Facture {numero} pour {clent}\n\nBonjour,\n".write(
                to: template, atomically: true, encoding: .utf8)
            let check = try workspace.run(["check"])
            #expect(check.status == 3, "\(check.stdout)\(check.stderr)")
            #expect(
                check.stderr.contains("facture-forfait.txt, line 1") && check.stderr.contains("{clent}"),
                "\(check.stderr)")
            try "Objet : Votre facture {numero} ({montant_ttc}) {{réf}}\n\nBonjour {client},\n".write(
                to: template, atomically: true, encoding: .utf8)
            // One client's only address is not an address.
            let pipeline = workspace.root.appendingPathComponent("pipelines/demo-conseil.toml")
            try String(contentsOf: pipeline, encoding: .utf8)
                .replacingOccurrences(of: "\"compta@laa.example\"", with: "\"compta laa.example\"")
                .write(to: pipeline, atomically: true, encoding: .utf8)
            _ = try Self.run(workspace, "2025-07-01")
            // Dropped into the queue: garbage, an empty file, a folder named like a message, a note.
            let queue = workspace.root.appendingPathComponent("outbox/to-send")
            try FileManager.default.createDirectory(at: queue, withIntermediateDirectories: true)
            try Data([0xFF, 0x00, 0x0D, 0x0A, 0x2E]).write(to: queue.appendingPathComponent("AAA-garbage.eml"))
            try Data().write(to: queue.appendingPathComponent("AAB-empty.eml"))
            try FileManager.default.createDirectory(
                at: queue.appendingPathComponent("AAC-folder.eml"), withIntermediateDirectories: true)
            try "à lire".write(to: queue.appendingPathComponent("notes.txt"), atomically: true, encoding: .utf8)

            let august = try Self.run(workspace, "2025-08-01")
            #expect(august.status == 0, "\(august.stdout)\n\(august.stderr)")
            #expect(august.stdout.contains("compta laa.example"), "the unusable address is named: \(august.stdout)")
            for name in ["AAA-garbage", "AAB-empty", "AAC-folder"] {
                #expect(workspace.exists("outbox/send-failed/\(name).reason.txt"), "\(name): \(august.stdout)")
                #expect(!workspace.exists("outbox/to-send/\(name).eml"))
            }
            let received = try sink.received()
            let august08 = try workspace.issuedRecords(pipeline: "demo-conseil").filter { $0.key.hasPrefix("F202508") }
            let laa = august08.filter { $0.value.contains(#""clientCode":"LAA""#) }.count
            #expect(laa > 0)
            #expect(received.count == august08.count - laa, "the others were sent: \(august.stdout)")
            let subjects = try received.map { try Self.parsed($0.eml)["subject"] as? String ?? "" }
            #expect(subjects.contains { $0.hasPrefix("Votre facture F202508") && $0.hasSuffix("{réf}") }, "\(subjects)")
            #expect(workspace.exists("outbox/to-send/notes.txt"), "a file that is not a message is left alone")
            let again = try Self.run(workspace, "2025-08-01")
            #expect(again.status == 0, "\(again.stdout)\n\(again.stderr)")
        }
    }
}
