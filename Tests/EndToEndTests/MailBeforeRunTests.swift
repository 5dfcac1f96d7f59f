import FacturationCore
import Foundation
import TestSupport
import Testing

/// `[fetch] before_run = true` with `[fetch.mail]`: `run` reads the mailbox first, by the rules of
/// the other producers, and `watch` reads it at most once per `[fetch] every` (README, "Scheduling").
@Suite("Mail fetched by run and watch, end to end", .serialized)
struct MailBeforeRunTests {
    /// The queue-only demo pipeline reading `server`'s INBOX before each run.
    static func workspace(_ server: IMAPServer, every: String? = nil) throws -> TestWorkspace {
        let workspace = try RepliesTests.workspace(server, invoicing: false)
        let file = "pipelines/demo-conseil.toml"
        let fetch = "\n[fetch]\nbefore_run = true\n" + (every.map { "every = \"\($0)\"\n" } ?? "")
        let text = try workspace.text(file).replacingOccurrences(of: "\n[fetch.mail]", with: fetch + "\n[fetch.mail]")
        try workspace.drop("demo-conseil.toml", text, into: "pipelines")
        return workspace
    }

    static func messages(_ workspace: TestWorkspace) -> Int {
        workspace.files(under: "archive/replies/demo-conseil/messages").count
    }

    static func run(_ workspace: TestWorkspace, at now: String) throws -> CommandResult {
        try workspace.run(["run", "--settle", "0"], environment: ["FACTURATION_NOW": now])
    }

    @Test func runFetchesTheMailboxFirstAndAFailureDoesNotStopIt() throws {
        try withIMAPServer { server in
            let workspace = try Self.workspace(server)
            #expect(try workspace.run(["check"]).status == 0)
            try server.append(RepliesTests.message("Premier", id: "r1@example.fr"))
            let first = try Self.run(workspace, at: "2025-09-01T07:00:00Z")
            #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
            #expect(first.stdout.contains("fetched    mail (demo-conseil): 1 new message(s)"), "\(first.stdout)")
            #expect(Self.messages(workspace) == 1)
            // `run` fetches every time (cron decides how often), even a minute later.
            try server.append(RepliesTests.message("Second", id: "r2@example.fr"))
            let second = try Self.run(workspace, at: "2025-09-01T07:01:00Z")
            #expect(second.status == 0 && Self.messages(workspace) == 2, "\(second.stdout)\n\(second.stderr)")

            // A refused login: an error of the run naming the key, and the rest of the run happens.
            let text = try workspace.text("pipelines/demo-conseil.toml")
            let wrong = try passwordFile("not the password", in: server.folder)
            try workspace.drop(
                "demo-conseil.toml",
                text.replacingOccurrences(
                    of: #"password_file = ".*""#, with: "password_file = \"\(wrong)\"", options: .regularExpression),
                into: "pipelines")
            try workspace.dropDemoFiles()
            let refused = try Self.run(workspace, at: "2025-09-01T07:02:00Z")
            #expect(refused.status == 1, "\(refused.stdout)\n\(refused.stderr)")
            #expect(
                refused.stdout.contains("ERROR      fetch mail (demo-conseil)")
                    && refused.stdout.contains("fetch.mail.user") && refused.stdout.contains("password_file"),
                "\(refused.stdout)")
            #expect(!refused.stdout.contains("not the password"))
            #expect(workspace.exists("archive/ledgers/demo-conseil/time-entries/2025-08.csv"))

            // A server that cannot be reached: a warning; the next run asks again.
            let closed = text.replacingOccurrences(of: "127.0.0.1:\(server.tlsPort)", with: "127.0.0.1:1")
            try workspace.drop("demo-conseil.toml", closed, into: "pipelines")
            try workspace.drop("reponse.eml", RepliesTests.message("À la main", id: "r3@example.fr"))
            let down = try Self.run(workspace, at: "2025-09-01T07:03:00Z")
            #expect(down.status == 0, "\(down.stdout)\n\(down.stderr)")
            #expect(down.stdout.contains("WARNING    fetch mail (demo-conseil)"), "\(down.stdout)")
            #expect(Self.messages(workspace) == 3)
        }
    }

    /// Starts `watch` (passes every 0.2 s) at the instant `now`, waits until `done` holds (at most
    /// 60 s, polling every 0.1 s), then stops it with SIGTERM.
    static func watch(_ workspace: TestWorkspace, at now: String, until done: () throws -> Bool) throws {
        let running = try Binary.start(
            ["watch", "--interval", "0.2", "--settle", "0", "--workspace", workspace.path],
            environment: ["FACTURATION_NOW": now])
        let deadline = Date().addingTimeInterval(60)
        while try !done(), Date() < deadline { Thread.sleep(forTimeInterval: 0.1) }
        running.terminate()
        let result = running.wait()
        #expect(!result.timedOut && !result.killedBySignal, "\(result.stderr)")
    }

    @Test func watchFetchesAtMostOncePerEvery() throws {
        try withIMAPServer { server in
            let workspace = try Self.workspace(server, every: "15m")
            try server.append(RepliesTests.message("Premier", id: "w1@example.fr"))
            try Self.watch(workspace, at: "2025-09-01T07:00:00Z") { Self.messages(workspace) == 1 }
            #expect(Self.messages(workspace) == 1)
            // A new message, and a later pass of the same watch (it imports a dropped file): not
            // fetched, the last fetch is less than 15 minutes old.
            try server.append(RepliesTests.message("Second", id: "w2@example.fr"))
            let name = try #require(try Repository.demoFiles().first { $0.hasSuffix(".csv") })
            let demo = try Data(contentsOf: Repository.root.appendingPathComponent("demo/inbox/\(name)"))
            try workspace.drop("passe.csv", demo)
            try Self.watch(workspace, at: "2025-09-01T07:10:00Z") {
                workspace.files(under: "archive/files").contains { $0.contains("passe") }
            }
            #expect(Self.messages(workspace) == 1)
            #expect(workspace.files(under: "inbox").filter { $0.hasSuffix(".eml") }.isEmpty)
            let cursor = try workspace.text("archive/fetch/demo-conseil/mail.json")
            #expect(cursor.contains("2025-09-01T09:00:00"), "\(cursor)")  // the first fetch's time (Paris)
            // 15 minutes after that fetch: fetched at the first pass.
            try Self.watch(workspace, at: "2025-09-01T07:15:00Z") { Self.messages(workspace) == 2 }
            #expect(Self.messages(workspace) == 2)
        }
    }
}
