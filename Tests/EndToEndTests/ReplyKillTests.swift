import FacturationCore
import Foundation
import TestSupport
import Testing

/// `fetch mail` and the reply stage killed (SIGKILL, `FACTURATION_CRASH_AFTER`) after each of their
/// durable steps in turn, then started again: the replies end exactly as after an uninterrupted
/// fetch and run (README, "Replies (IMAP)", "Guarantees").
@Suite("Replies killed and restarted, end to end", .serialized)
struct ReplyKillTests {
    static let now = ["FACTURATION_NOW": "2025-09-01T07:00:00Z"]

    /// What the replies leave: their archive, their holds, their list, the mail cursor, and the
    /// `.eml` files still in the inbox, with their bytes.
    static func replyState(_ workspace: TestWorkspace) throws -> [String: Data] {
        var state: [String: Data] = [:]
        let paths =
            workspace.files(under: "archive/replies") + workspace.files(under: "outbox/reponses")
            + workspace.files(under: "archive/dunning/demo-conseil/holds") + workspace.files(under: "archive/fetch")
            + workspace.files(under: "inbox").filter { $0.hasSuffix(".eml") }
        for path in paths { state[path] = try workspace.data(path) }
        return state
    }

    static func fetch(
        _ workspace: TestWorkspace, crashAfter step: Int? = nil, trace: Bool = false
    ) throws
        -> CommandResult
    {
        try command(["fetch", "mail"], in: workspace, crashAfter: step, trace: trace)
    }

    static func september(
        _ workspace: TestWorkspace, crashAfter step: Int? = nil, trace: Bool = false
    ) throws
        -> CommandResult
    {
        try command(["run", "--settle", "0", "--date", "2025-09-01"], in: workspace, crashAfter: step, trace: trace)
    }

    /// `facturation <arguments>` at the test's fixed time, killed after durable step `step` if given.
    static func command(
        _ arguments: [String], in workspace: TestWorkspace, crashAfter step: Int?, trace: Bool
    ) throws -> CommandResult {
        var environment = now
        if let step { environment["FACTURATION_CRASH_AFTER"] = "\(step)" }
        if trace { environment["FACTURATION_CRASH_TRACE"] = "1" }
        return try workspace.run(arguments, environment: environment)
    }

    /// The crash points of `trace` whose label matches `isReplyStep`.
    static func steps(_ trace: CommandResult, where isReplyStep: (Substring) -> Bool) -> [Int] {
        trace.stderr.split(separator: "\n").compactMap { line -> Int? in
            guard line.hasPrefix("crash-point "), isReplyStep(line) else { return nil }
            return Int(line.dropFirst("crash-point ".count).prefix { $0 != ":" })
        }
    }

    static func expectSame(_ state: [String: Data], _ expected: [String: Data], _ what: String) {
        #expect(state.keys.sorted() == expected.keys.sorted(), "\(what): \(state.keys.sorted())")
        for (path, bytes) in expected where state[path] != bytes {
            Issue.record("\(what): \(path) differs")
        }
    }

    @Test func aFetchOrARunKilledAnywhereEndsLikeAnUninterruptedOne() throws {
        try withIMAPServer { server in
            let base = try RepliesTests.workspace(server, invoicing: true)
            try base.dropDemoFiles()
            for day in ["2025-07-01", "2025-08-01"] {
                let result = try base.run(["run", "--settle", "0", "--date", day], environment: Self.now)
                #expect(result.status == 0 || result.status == 2, "\(day): \(result.stderr)")
            }
            let disputed = "F20250701"
            let messages = ReplyStageTests.replies(disputed: disputed, paid: "F20250702")
            for name in ["dispute", "paid", "unrelated"] { try server.append(messages[name]!) }

            let reference = try DunningTests.copy(base)
            let fetchTrace = try Self.fetch(reference, trace: true)
            #expect(fetchTrace.status == 0, "\(fetchTrace.stderr)")
            let fetchSteps = Self.steps(fetchTrace) { _ in true }
            #expect(fetchSteps.count >= 6, "\(fetchTrace.stderr)")
            let fetched = try Self.replyState(reference)
            let runTrace = try Self.september(reference, trace: true)
            #expect(runTrace.status == 0 || runTrace.status == 2, "\(runTrace.stderr)")
            let expected = try Self.replyState(reference)
            let rows = try reference.csvRecords("outbox/reponses/reponses.csv")
            #expect(rows.count == 3, "\(rows)")
            #expect(rows.first { $0["classe"] == "contestation" }?["relances_suspendues"] == disputed)
            #expect(expected.keys.contains { $0.contains("/holds/reply-") })
            #expect(!expected.keys.contains { $0.hasPrefix("inbox/") })

            // `fetch mail` killed after each of its steps, fetched again, then the run.
            for step in fetchSteps {
                let attempt = try DunningTests.copy(base)
                let killed = try Self.fetch(attempt, crashAfter: step)
                #expect(killed.killedBySignal, "fetch step \(step) did not kill: \(killed.stdout)")
                let again = try Self.fetch(attempt)
                #expect(again.status == 0, "fetch step \(step): \(again.stderr)")
                Self.expectSame(try Self.replyState(attempt), fetched, "fetch killed after step \(step)")
                let run = try Self.september(attempt)
                #expect(run.status == 0 || run.status == 2, "fetch step \(step): \(run.stderr)")
                Self.expectSame(try Self.replyState(attempt), expected, "fetch killed after step \(step), then run")
            }

            // The run killed after each step of the mail's import and of the reply stage.
            let runSteps = Self.steps(runTrace) { line in
                ["mail-", "/replies/", "reponses", "/holds/"].contains { line.contains($0) }
            }
            #expect(runSteps.count >= 10, "\(runTrace.stderr)")
            for step in runSteps {
                let attempt = try DunningTests.copy(base)
                #expect(try Self.fetch(attempt).status == 0)
                let killed = try Self.september(attempt, crashAfter: step)
                #expect(killed.killedBySignal, "run step \(step) did not kill: \(killed.stdout)")
                let again = try Self.september(attempt)
                #expect(again.status == 0 || again.status == 2, "run step \(step): \(again.stderr)")
                Self.expectSame(try Self.replyState(attempt), expected, "run killed after step \(step)")
                #expect(
                    try attempt.csvRecords("outbox/reponses/reponses.csv").count == 3, "run killed after step \(step)")
            }
        }
    }
}
