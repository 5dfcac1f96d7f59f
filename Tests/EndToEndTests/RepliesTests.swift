import FacturationCore
import Foundation
import TestSupport
import Testing

/// `facturation fetch mail` against a real Dovecot on loopback (``IMAPServer``) and the reply stage,
/// through the real binary (README, "Replies (IMAP)").
@Suite("Replies over IMAP, end to end", .serialized)
struct RepliesTests {
    /// The demo pipeline with a `[fetch.mail]` table for `server` (its invoicing kept when `invoicing`).
    static func workspace(
        _ server: IMAPServer, invoicing: Bool, mailbox: String = "INBOX", starttls: Bool = false
    )
        throws -> TestWorkspace
    {
        var text = try Repository.demoPipeline()
        if !invoicing, let cut = text.range(of: "\n[invoicing]") { text = String(text[..<cut.lowerBound]) + "\n" }
        let secret = try passwordFile(server.password, in: server.folder)
        return try TestWorkspace(
            pipeline: text + server.fetchTable(passwordFile: secret, mailbox: mailbox, starttls: starttls))
    }

    static func message(_ subject: String, id: String, headers: String = "", body: String = "Bonjour.") -> Data {
        Data(
            ("From: Client <client@example.fr>\r\nTo: factures@demo.test\r\nSubject: \(subject)\r\n"
                + "Date: Mon, 1 Sep 2025 09:00:00 +0200\r\nMessage-ID: <\(id)>\r\n\(headers)\r\n\(body)\r\n").utf8)
    }

    static func fetch(_ workspace: TestWorkspace, environment: [String: String] = [:]) throws -> CommandResult {
        try workspace.run(["fetch", "mail"], environment: environment)
    }

    static func inboxMail(_ workspace: TestWorkspace) -> [String] {
        workspace.files(under: "inbox").filter { $0.hasSuffix(".eml") }.sorted()
    }

    @Test func newMessagesAreCopiedOnceAndNothingIsMarkedRead() throws {
        try withIMAPServer { server in
            let workspace = try Self.workspace(server, invoicing: false, starttls: true)
            let first = Self.message("Premier", id: "m1@example.fr")
            try server.append(first)
            try server.append(Self.message("Second", id: "m2@example.fr"))
            try server.markUnread()
            #expect(!(try server.flags()).contains("\\Seen"))
            let result = try Self.fetch(workspace)
            #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
            #expect(result.stdout.contains("2 new message(s)"), "\(result.stdout)")
            let files = Self.inboxMail(workspace)
            #expect(files.count == 2)
            #expect(try workspace.data(try #require(files.first { $0.hasSuffix("-1.eml") })) == first)
            // EXAMINE + BODY.PEEK[]: no message got the \Seen flag.
            let flags = try server.flags()
            #expect(flags.contains("FETCH") && !flags.contains("\\Seen"), "\(flags)")
            let again = try Self.fetch(workspace)
            #expect(again.status == 0 && again.stdout.contains("0 new message(s)"), "\(again.stdout)\(again.stderr)")
            try server.append(Self.message("Troisième", id: "m3@example.fr"))
            let third = try Self.fetch(workspace)
            #expect(third.stdout.contains("1 new message(s)"), "\(third.stdout)")
            let cursor =
                try JSONSerialization.jsonObject(
                    with: try workspace.data("archive/fetch/demo-conseil/mail.json")) as? [String: Any]
            #expect(cursor?["lastUID"] as? Int == 3)
            // The run imports them as replies (archived like every input), one record per Message-ID.
            let run = try workspace.run(["run", "--settle", "0", "--date", "2025-09-01"])
            #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
            #expect(workspace.files(under: "archive/replies/demo-conseil/messages").count == 3)
            #expect(Self.inboxMail(workspace).isEmpty)
        }
    }

    @Test func wrongPasswordNamesTheKeyAndFetchesNothing() throws {
        try withIMAPServer { server in
            let workspace = try Self.workspace(server, invoicing: false)
            let secret = try passwordFile("not the password", in: server.folder)
            var text = try workspace.text("pipelines/demo-conseil.toml")
            text = text.replacingOccurrences(
                of: #"password_file = ".*""#, with: "password_file = \"\(secret)\"", options: .regularExpression)
            try text.write(toFile: workspace.path + "/pipelines/demo-conseil.toml", atomically: true, encoding: .utf8)
            try server.append(Self.message("Premier", id: "m1@example.fr"))
            let result = try Self.fetch(workspace)
            #expect(result.status == 3 || result.status == 1, "\(result.stdout)\n\(result.stderr)")
            #expect(
                result.stderr.contains("fetch.mail.user") && result.stderr.contains("password_file"), "\(result.stderr)"
            )
            #expect(!result.stderr.contains("not the password"))
            #expect(Self.inboxMail(workspace).isEmpty)
        }
    }

    @Test func aChangedUIDValidityReadsTheFolderAgain() throws {
        try withIMAPServer { server in
            try server.command("CREATE Replies")
            let workspace = try Self.workspace(server, invoicing: false, mailbox: "Replies")
            let first = Self.message("Premier", id: "m1@example.fr")
            try server.append(first, to: "Replies")
            #expect(try Self.fetch(workspace).stdout.contains("1 new message(s)"))
            let before = try workspace.data("archive/fetch/demo-conseil/mail.json")
            // The folder is recreated: the same message comes back under a new UIDVALIDITY.
            try server.command("DELETE Replies")
            sleep(1)
            try server.command("CREATE Replies")
            try server.append(first, to: "Replies")
            try server.append(Self.message("Second", id: "m2@example.fr"), to: "Replies")
            let result = try Self.fetch(workspace)
            #expect(result.stdout.contains("UIDVALIDITY changed"), "\(result.stdout)\n\(result.stderr)")
            #expect(result.stdout.contains("2 new message(s)"), "\(result.stdout)")
            #expect(try workspace.data("archive/fetch/demo-conseil/mail.json") != before)
            #expect(Self.inboxMail(workspace).count == 3)
            // The importer records the copy of the first message as a duplicate (same bytes).
            let run = try workspace.run(["run", "--settle", "0", "--date", "2025-09-01"])
            #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
            #expect(workspace.files(under: "archive/replies/demo-conseil/messages").count == 2)
            #expect(workspace.files(under: "archive/duplicates").contains { $0.hasSuffix(".eml") })
        }
    }

    /// Kills `fetch mail` after each of its durable steps in turn, then fetches again: every message
    /// is in the inbox exactly once, byte for byte, and the cursor ends at the last UID.
    @Test func aKillAnywhereDuringAFetchLosesNothing() throws {
        try withIMAPServer { server in
            let messages = (1...3).map { Self.message("Message \($0)", id: "k\($0)@example.fr") }
            for message in messages { try server.append(message) }
            var step = 1
            while step < 40 {
                let workspace = try Self.workspace(server, invoicing: false)
                let killed = try Self.fetch(workspace, environment: ["FACTURATION_CRASH_AFTER": "\(step)"])
                let finished = !killed.killedBySignal
                let resumed = try Self.fetch(workspace)
                #expect(resumed.status == 0, "step \(step): \(resumed.stdout)\n\(resumed.stderr)")
                let files = Self.inboxMail(workspace)
                #expect(files.count == 3, "step \(step): \(files)")
                #expect(Set(try files.map { try workspace.data($0) }) == Set(messages), "step \(step)")
                let cursor =
                    try JSONSerialization.jsonObject(
                        with: try workspace.data("archive/fetch/demo-conseil/mail.json")) as? [String: Any]
                #expect(cursor?["lastUID"] as? Int == 3, "step \(step)")
                if finished { break }
                step += 1
            }
            #expect(step > 3, "the fetch should take several durable steps")
        }
    }
}
