import FacturationCore
import Foundation
import TestSupport
import Testing

/// The daily digest and `status --health` through the real binary.
@Suite("Daily digest and health, end to end", .serialized)
struct DigestRunTests {
    static func run(
        _ workspace: TestWorkspace, _ day: String, environment: [String: String] = [:]
    ) throws
        -> CommandResult
    {
        try workspace.run(["run", "--settle", "0", "--date", day], environment: environment)
    }

    @Test func theDigestIsWrittenOnceADayAndCountsFromTheLastOne() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        let first = try Self.run(workspace, "2025-07-01")
        #expect(first.status == 2, "\(first.stdout)\n\(first.stderr)")
        #expect(first.stdout.contains("Digest: outbox/synthese/2025-07-01.txt"), "\(first.stdout)")
        let july = try workspace.text("outbox/synthese/2025-07-01.txt")
        #expect(july.hasPrefix("Synthèse du 01/07/2025 : Demo Conseil SAS (demo-conseil)\n"), "\(july)")
        #expect(july.contains("Première synthèse"), "\(july)")
        #expect(july.contains("Factures émises : 9, 5\u{202F}881,92 € TTC\n"), "\(july)")
        #expect(july.contains("Fichiers rejetés : 1\n  - releve-qonto-modifie-a-la-main.csv\n"), "\(july)")
        let record = try workspace.text("archive/digest/demo-conseil/2025-07-01.json")
        #expect(record.contains(#""digest" : "outbox/synthese/2025-07-01.txt""#), "\(record)")

        // A second run of the day writes nothing, even when the digest was taken away.
        try FileManager.default.removeItem(at: workspace.root.appendingPathComponent("outbox/synthese/2025-07-01.txt"))
        let again = try Self.run(workspace, "2025-07-01")
        #expect(!again.stdout.contains("Digest:"), "\(again.stdout)")
        #expect(!workspace.exists("outbox/synthese/2025-07-01.txt"))
        #expect(try workspace.text("archive/digest/demo-conseil/2025-07-01.json") == record)

        // The next day: a new digest, counting from the last one.
        try workspace.drop("notes.csv", "not an export\n")
        let next = try Self.run(workspace, "2025-07-02")
        #expect(next.status == 2, "\(next.stdout)\n\(next.stderr)")
        let second = try workspace.text("outbox/synthese/2025-07-02.txt")
        #expect(second.contains("Depuis la synthèse du 01/07/2025.\n"), "\(second)")
        #expect(second.contains("Factures émises : 0\n"), "\(second)")
        #expect(second.contains("Fichiers rejetés : 1\n  - notes.csv\n"), "\(second)")
    }

    /// A damaged digest record (it only marks a digest as written) never stops a run: the run
    /// warns, names the file, writes that day's digest again and replaces the record; invoicing,
    /// the dashboard and `status --health` go on as before.
    @Test func aDamagedDigestRecordIsWrittenAgainAndStopsNothing() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        _ = try Self.run(workspace, "2025-07-01")
        let record = "archive/digest/demo-conseil/2025-07-01.json"
        try Data("{ \"day\": not json".utf8).write(to: workspace.root.appendingPathComponent(record))
        let health = try workspace.run(["status", "--health"])
        #expect([0, 10, 11].contains(health.status), "\(health.stdout)\n\(health.stderr)")
        let again = try Self.run(workspace, "2025-07-01")
        #expect(again.status == 0, "\(again.stdout)\n\(again.stderr)")
        #expect(again.stdout.contains("2025-07-01.json cannot be read"), "\(again.stdout)")
        #expect(again.stdout.contains("Digest: outbox/synthese/2025-07-01.txt"), "\(again.stdout)")
        #expect(try workspace.text(record).contains(#""digest" : "outbox/synthese/2025-07-01.txt""#))
        // The next day's digest counts from the rewritten record, and the later stages ran.
        let next = try Self.run(workspace, "2025-08-01")
        #expect(next.status == 0 || next.status == 2, "\(next.stdout)\n\(next.stderr)")
        #expect(try workspace.text("outbox/synthese/2025-08-01.txt").contains("Depuis la synthèse du 01/07/2025."))
        #expect(workspace.exists("outbox/dashboard/index.html"))
    }

    /// Killed after the digest is in the outbox and before it is recorded, the next run writes the
    /// same digest again and records it; a run not killed gives the same bytes.
    @Test func aRunKilledBeforeTheRecordWritesTheSameDigestAgain() throws {
        let environment = ["FACTURATION_NOW": "2025-07-01T08:00:00Z"]
        let reference = try TestWorkspace(invoicing: true)
        try reference.dropDemoFiles()
        let traced = try Self.run(
            reference, "2025-07-01", environment: environment.merging(["FACTURATION_CRASH_TRACE": "1"]) { $1 })
        let line = try #require(traced.stderr.split(separator: "\n").first { $0.contains("digest published") })
        let step = try #require(Int(line.dropFirst("crash-point ".count).prefix { $0 != ":" }), "\(line)")

        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        let killed = try Self.run(
            workspace, "2025-07-01", environment: environment.merging(["FACTURATION_CRASH_AFTER": "\(step)"]) { $1 })
        #expect(killed.killedBySignal, "\(killed.stdout)\n\(killed.stderr)")
        #expect(workspace.exists("outbox/synthese/2025-07-01.txt"))
        #expect(!workspace.exists("archive/digest/demo-conseil/2025-07-01.json"))
        let resumed = try Self.run(workspace, "2025-07-01", environment: environment)
        #expect(resumed.status == 0 || resumed.status == 2, "\(resumed.stdout)\n\(resumed.stderr)")
        #expect(
            try workspace.data("outbox/synthese/2025-07-01.txt")
                == (try reference.data("outbox/synthese/2025-07-01.txt")))
        #expect(
            try workspace.text("archive/digest/demo-conseil/2025-07-01.json")
                == (try reference.text("archive/digest/demo-conseil/2025-07-01.json")))
    }

    @Test func theDigestIsEmailedThroughTheSendQueueWithItsProof() throws {
        try withSMTPSink(.init()) { sink in
            let workspace = try SendingTests.workspace(
                port: sink.port, caFile: sink.caFile, extra: "\n[digest]\nto = [\"direction@demo.test\"]\n")
            let july = try Self.run(workspace, "2025-07-01")
            #expect(july.status == 2, "\(july.stdout)\n\(july.stderr)")
            let received = try sink.received()
            #expect(received.count == 1, "July's documents are before send_from: the digest alone")
            let mail = try #require(received.first)
            #expect(mail.recipients == ["direction@demo.test"])
            let message = try SendingTests.parsed(mail.eml)
            #expect((message["subject"] as? String)?.hasPrefix("Synthèse du 01/07/2025") == true, "\(message)")
            #expect((message["message_id"] as? String) == "<synthese-2025-07-01.demo-conseil@demo.test>")
            let body = try #require(message["body"] as? String)
            // The same text (the message's lines end with CRLF on the wire).
            let digest = try workspace.text("outbox/synthese/2025-07-01.txt")
            func lines(_ text: String) -> [String] {
                text.replacingOccurrences(of: "\r\n", with: "\n").split(separator: "\n").map(String.init)
            }
            #expect(lines(body) == lines(digest), "\(body.debugDescription)")
            let proof = try workspace.text("archive/sent/demo-conseil/synthese-2025-07-01.json")
            #expect(proof.contains(#""reply" : "250"#), "\(proof)")
            #expect(try workspace.text("archive/digest/demo-conseil/2025-07-01.json").contains("synthese-2025-07-01"))

            _ = try Self.run(workspace, "2025-07-01")
            #expect(try sink.received().count == 1, "sent once a day")
        }
    }

    /// With two pipelines, each has its digest in its own outbox, with its own rejected files.
    @Test func eachPipelineHasItsOwnDigest() throws {
        let workspace = try Self.twoPipelines()
        try workspace.drop("garbage.csv", "not an export\n", into: "inbox/alpha")
        let run = try workspace.run(["run", "--settle", "0"], environment: ["FACTURATION_NOW": "2025-09-26T08:00:00Z"])
        #expect(run.status == 2, "\(run.stdout)\n\(run.stderr)")
        let alpha = try workspace.text("outbox/alpha/synthese/2025-09-26.txt")
        let beta = try workspace.text("outbox/beta/synthese/2025-09-26.txt")
        #expect(alpha.contains("(alpha)") && alpha.contains("Fichiers rejetés : 1\n  - garbage.csv\n"), "\(alpha)")
        #expect(beta.contains("(beta)") && beta.contains("Fichiers rejetés : 0\n"), "\(beta)")
        #expect(workspace.exists("archive/digest/alpha/2025-09-26.json"))
        #expect(workspace.exists("archive/digest/beta/2025-09-26.json"))
    }

    /// A workspace of two pipelines without invoicing, `alpha` and `beta`.
    static func twoPipelines() throws -> TestWorkspace {
        var text = try Repository.demoPipeline()
        if let cut = text.range(of: "\n[invoicing]") { text = String(text[..<cut.lowerBound]) + "\n" }
        let workspace = try TestWorkspace(pipeline: text, name: "alpha")
        try text.write(
            to: workspace.root.appendingPathComponent("pipelines/beta.toml"), atomically: true, encoding: .utf8)
        return workspace
    }

    // MARK: - status --health

    /// A pipeline without invoicing fed on 2025-09-25 (bank) and 2025-09-24 (time).
    static func fedWorkspace(digest: String = "") throws -> TestWorkspace {
        var text = try Repository.demoPipeline()
        if let cut = text.range(of: "\n[invoicing]") { text = String(text[..<cut.lowerBound]) + "\n" }
        let workspace = try TestWorkspace(pipeline: text + digest)
        try workspace.drop(
            "qonto.csv",
            HostileValueTests.qontoHeader
                + HostileValueTests.qontoRow(id: "t-1", amount: "120,00", date: "25-09-2025 10:02:51"))
        try workspace.drop(
            "clockify.csv",
            HostileValueTests.clockifyHeader + HostileValueTests.clockifyRow(start: "24/09/2025", end: "24/09/2025"))
        let run = try workspace.run(["run", "--settle", "0"], environment: ["FACTURATION_NOW": "2025-09-26T08:00:00Z"])
        #expect(run.status == 0, "\(run.stdout)\n\(run.stderr)")
        return workspace
    }

    static func health(_ workspace: TestWorkspace, on now: String, json: Bool = false) throws -> CommandResult {
        try workspace.run(["status", "--health"] + (json ? ["--json"] : []), environment: ["FACTURATION_NOW": now])
    }

    @Test func healthExitsZeroWhenNothingNeedsAPersonAndTenWhenInputsAreStale() throws {
        let workspace = try Self.fedWorkspace()
        let fresh = try Self.health(workspace, on: "2025-09-26T08:00:00Z")
        #expect(fresh.status == 0, "\(fresh.stdout)\n\(fresh.stderr)")
        #expect(fresh.stdout.contains("healthy, nothing needs a person"), "\(fresh.stdout)")

        let stale = try Self.health(workspace, on: "2025-10-05T08:00:00Z")
        #expect(stale.status == 10, "\(stale.stdout)\n\(stale.stderr)")
        #expect(
            stale.stdout.contains("the newest bank operation is from 2025-09-25 (10 days, limit 7)"), "\(stale.stdout)")
        #expect(!stale.stdout.contains("time entry"), "time is stale after 35 days: \(stale.stdout)")
        let late = try Self.health(workspace, on: "2025-11-01T08:00:00Z", json: true)
        #expect(late.status == 10)
        #expect(late.stdout.contains(#""kind" : "stale-time""#), "\(late.stdout)")
        #expect(!workspace.exists("archive/digest/demo-conseil/2025-11-01.json"), "health writes nothing")

        let relaxed = try Self.fedWorkspace(digest: "\n[digest]\nstale_days = 30\n")
        #expect(try Self.health(relaxed, on: "2025-10-05T08:00:00Z").status == 0)
        let check = try relaxed.run(["check"])
        #expect(
            check.stdout.contains("digest:     daily in synthese/; health: bank older than 30 d"), "\(check.stdout)")
    }

    @Test func healthExitsElevenOnASendFailureOrACriticalUnpaidInvoice() throws {
        let workspace = try Self.fedWorkspace()
        try workspace.drop("F20250901.eml", "Subject: x\n\nx\n", into: "outbox/send-failed")
        let failed = try Self.health(workspace, on: "2025-09-26T08:00:00Z")
        #expect(failed.status == 11, "\(failed.stdout)\n\(failed.stderr)")
        #expect(failed.stdout.contains("CRITICAL  [demo-conseil] 1 message(s) not sent"), "\(failed.stdout)")

        let demo = try TestWorkspace(invoicing: true)
        try demo.dropDemoFiles()
        for day in ["2025-07-01", "2025-08-01", "2025-09-01", "2025-10-01"] { _ = try Self.run(demo, day) }
        let unpaid = try Self.health(demo, on: "2025-10-01T08:00:00Z", json: true)
        #expect(unpaid.status == 11, "\(unpaid.stdout)\n\(unpaid.stderr)")
        #expect(unpaid.stdout.contains(#""kind" : "critical-unpaid""#), "\(unpaid.stdout)")
        #expect(try demo.text("outbox/synthese/2025-10-01.txt").contains("Impayés de plus de 60 jours : 4\n"))
    }
}
