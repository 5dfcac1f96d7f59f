import FacturationCore
import Foundation
import TestSupport
import Testing

/// Reminders through the real binary, on the demo: the July invoices of BELFONTE, BUQUET, PETRAS
/// and SEXTANT are never paid (due 2025-07-31), so the run of 2025-09-01 (32 days late) reminds
/// them at level 2 (level 1 skipped) and the run of 2025-10-01 (62 days) makes formal notices.
@Suite("Dunning, end to end", .serialized)
struct DunningTests {
    /// Runs `run --json` on `day`; returns the dunning report of the demo pipeline.
    @discardableResult
    static func run(
        _ workspace: TestWorkspace, _ day: String, environment: [String: String] = [:]
    ) throws
        -> [String: Any]
    {
        let result = try workspace.run(["run", "--settle", "0", "--date", day, "--json"], environment: environment)
        #expect(result.status == 0 || result.status == 2, "\(day): \(result.stdout)\n\(result.stderr)")
        let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        return (summary["dunning"] as? [[String: Any]])?.first ?? [:]
    }

    static func list(_ report: [String: Any], _ key: String) -> [String] { report[key] as? [String] ?? [] }

    /// The ids at the start of "relance-…: …" lines.
    static func ids(_ report: [String: Any], _ key: String) -> [String] {
        list(report, key).map { String($0.prefix { $0 != ":" }) }.sorted()
    }

    static func record(_ workspace: TestWorkspace, _ id: String) throws -> [String: Any] {
        let data = try workspace.data("archive/dunning/demo-conseil/2025/\(id).json")
        return try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    static func demo() throws -> TestWorkspace {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        return workspace
    }

    @Test func eachLevelIsSentOnceAndMissedLevelsAreSkipped() throws {
        let workspace = try Self.demo()
        #expect(Self.list(try Self.run(workspace, "2025-07-01"), "sent").isEmpty)
        #expect(Self.list(try Self.run(workspace, "2025-08-01"), "sent").isEmpty)
        let september = try Self.run(workspace, "2025-09-01")
        let ids = [
            "relance-BELFONTE-2025-09-01-n2", "relance-BUQUET-2025-09-01-n2", "relance-PETRAS-2025-09-01-n2",
            "relance-SEXTANT-2025-09-01-n2",
        ]
        #expect(Self.ids(september, "sent") == ids)
        #expect(Self.list(september, "skipped").count == 4)
        for id in ids {
            #expect(try workspace.data("outbox/relances/\(id).pdf").starts(with: Data("%PDF".utf8)))
            #expect(workspace.exists("archive/dunning/demo-conseil/2025/\(id).pdf"))
        }
        // Hand-computed: F20250701, 901,92 € TTC, 32 days late at 3 × 2,76 %: 901.92 × 0.0828 × 32 / 365
        // = 6.547… → 6,55 €; + 40 € indemnity; level 1 skipped.
        let line = try #require((try Self.record(workspace, ids[0])["invoices"] as? [[String: Any]])?.first)
        #expect(line["number"] as? String == "F20250701" && line["owedMinor"] as? Int == 90_192)
        #expect(line["daysLate"] as? Int == 32 && line["rate"] as? Int == 8_280)
        #expect(line["penaltyMinor"] as? Int == 655 && line["indemnityMinor"] as? Int == 4_000)
        #expect(line["skippedLevels"] as? [Int] == [1])
        #expect(try Self.record(workspace, ids[0])["totalMinor"] as? Int == 90_192 + 655 + 4_000)
        // The letter says the same (read back with poppler's pdftotext).
        let letter = try runTool(
            "/usr/bin/pdftotext", ["-layout", workspace.path + "/outbox/relances/\(ids[0]).pdf", "-"])
        for text in [
            "Deuxième relance", "Holding Belfonte", "F20250701", "901,92", "6,55", "40,00", "948,47", "8,28 %",
        ] {
            #expect(letter.output.contains(text), "\(text) not in:\n\(letter.output)")
        }
        // The next days: nothing is sent twice (August's invoices, due 2025-08-31, reach level 1 on 09-15).
        #expect(Self.list(try Self.run(workspace, "2025-09-02"), "sent").isEmpty)
        #expect(Self.list(try Self.run(workspace, "2025-09-14"), "sent").isEmpty)
        #expect(workspace.files(under: "outbox/relances").count == 4)
        let fifteenth = try Self.run(workspace, "2025-09-15")
        #expect(Self.ids(fifteenth, "sent").allSatisfy { $0.hasSuffix("2025-09-15-n1") })
        #expect(!Self.ids(fifteenth, "sent").isEmpty)
        #expect(Self.list(fifteenth, "skipped").isEmpty)
    }

    @Test func holdFileSuspendsAndLiftingResumesAtTheLevelDueThatDay() throws {
        let workspace = try Self.demo()
        try Self.run(workspace, "2025-07-01")
        try workspace.drop(
            "hold-belfonte.toml",
            "[dunning_hold]\nclient = \"BELFONTE\"\nreason = \"Litige sur le forfait\"\nby = \"Camille\"\n")
        try workspace.drop(
            "hold-f20250702.toml", "[dunning_hold]\ninvoice = \"F20250702\"\nreason = \"Promesse de paiement\"\n")
        try Self.run(workspace, "2025-08-01")
        let september = try Self.run(workspace, "2025-09-01")
        #expect(
            Self.ids(september, "sent") == ["relance-PETRAS-2025-09-01-n2", "relance-SEXTANT-2025-09-01-n2"])
        let held = Self.list(september, "held")
        #expect(held.contains { $0.hasPrefix("F20250701 (BELFONTE)") && $0.contains("Litige sur le forfait") })
        #expect(held.contains { $0.hasPrefix("F20250702 (BUQUET)") })
        // Lifted on 2025-09-05 (35 days late): resumes at level 2, the level due that day.
        try workspace.drop("lift.toml", "[dunning_hold]\nclient = \"BELFONTE\"\nlift = true\nby = \"Camille\"\n")
        let lifted = try Self.run(workspace, "2025-09-05")
        #expect(Self.ids(lifted, "sent") == ["relance-BELFONTE-2025-09-05-n2"])
        #expect(Self.list(lifted, "held").contains { $0.hasPrefix("F20250702 (BUQUET)") })
        // A hold naming no known client is rejected with its reason.
        try workspace.drop("bad-hold.toml", "[dunning_hold]\nclient = \"NOBODY\"\nreason = \"x\"\n")
        let bad = try workspace.run(["run", "--settle", "0", "--date", "2025-09-06"])
        #expect(bad.status == 2, "\(bad.stdout)")
        // The very same hold file dropped again after the lift is a duplicate of the inbox: the run
        // and the note beside it say that a request is carried out once and how to ask again
        // (adversarial finding 4 of issue #11).
        try workspace.drop(
            "hold-belfonte-encore.toml",
            "[dunning_hold]\nclient = \"BELFONTE\"\nreason = \"Litige sur le forfait\"\nby = \"Camille\"\n")
        let again = try workspace.run(["run", "--settle", "0", "--date", "2025-09-07"])
        #expect(again.stdout.contains("duplicate  hold-belfonte-encore.toml: same content as archive/files/"))
        #expect(
            again.stdout.contains("a request is carried out once; to ask again, change the file"), "\(again.stdout)")
        let note = try #require(workspace.files(under: "archive/duplicates").first { $0.hasSuffix(".duplicate.txt") })
        #expect(try workspace.text(note).contains("change the file (its reason, or by) and drop it again"))
    }

    @Test func clientMarkedNoRemindersIsNeverReminded() throws {
        let text = try Repository.demoPipeline().replacingOccurrences(
            of: "oxygene_code = \"BUQ01\"", with: "oxygene_code = \"BUQ01\"\nreminders = false")
        let workspace = try TestWorkspace(pipeline: text)
        try workspace.dropDemoFiles()
        for day in ["2025-07-01", "2025-08-01"] { try Self.run(workspace, day) }
        let september = try Self.run(workspace, "2025-09-01")
        #expect(!Self.ids(september, "sent").contains { $0.contains("BUQUET") })
        #expect(Self.ids(september, "sent").count == 3)
        #expect(
            Self.list(september, "held").contains {
                $0.hasPrefix("F20250702 (BUQUET)") && $0.contains("reminders = false")
            })
    }

    /// LAA's receipt of 2 040,00 € waits in outbox/review/: its overdue invoices are not reminded.
    @Test func aReceiptWaitingForReviewHoldsTheClient() throws {
        let workspace = try Self.demo()
        for day in ["2025-07-01", "2025-08-01", "2025-09-01"] { try Self.run(workspace, day) }
        #expect(!workspace.files(under: "outbox/review").isEmpty)
        let october = try Self.run(workspace, "2025-10-01")
        #expect(!Self.ids(october, "sent").contains { $0.contains("-LAA-") })
        #expect(Self.list(october, "held").contains { $0.contains("(LAA): a receipt waits for review") })
    }

    @Test func formalNoticeWaitsForApprovalAndARefusedOneIsNeverSent() throws {
        let workspace = try Self.demo()
        for day in ["2025-07-01", "2025-08-01", "2025-09-01"] { try Self.run(workspace, day) }
        let october = try Self.run(workspace, "2025-10-01")
        let notices = [
            "relance-BELFONTE-2025-10-01-n3", "relance-BUQUET-2025-10-01-n3", "relance-PETRAS-2025-10-01-n3",
            "relance-SEXTANT-2025-10-01-n3",
        ]
        #expect(Self.ids(october, "awaitingApproval") == notices)
        for id in notices {
            #expect(workspace.exists("outbox/to-approve/\(id).toml") && workspace.exists("outbox/to-approve/\(id).pdf"))
            #expect(!workspace.exists("outbox/relances/\(id).pdf"))
        }
        // Not sent while it waits; `status` lists it with the drafts.
        #expect(Self.ids(try Self.run(workspace, "2025-10-02"), "awaitingApproval") == notices)
        let status = try workspace.run(["status"])
        #expect(notices.allSatisfy { status.stdout.contains($0) }, "\(status.stdout)")
        // Approved by the command, refused by the form dropped into the inbox.
        let approve = try workspace.run(["approve", notices[0], "--by", "Camille"])
        #expect(approve.status == 0, "\(approve.stdout)\(approve.stderr)")
        let form = try workspace.text("outbox/to-approve/\(notices[1]).toml")
            .replacingOccurrences(of: "decision = \"approve\"", with: "decision = \"reject\"")
            .replacingOccurrences(of: "reason = \"\"", with: "reason = \"Client en redressement judiciaire\"")
        try workspace.drop("refus.toml", form)
        let decided = try Self.run(workspace, "2025-10-03")
        #expect(Self.list(decided, "approved") == [notices[0]])
        #expect(Self.list(decided, "refused") == [notices[1]])
        #expect(workspace.exists("outbox/relances/\(notices[0]).pdf"))
        #expect(!workspace.exists("outbox/relances/\(notices[1]).pdf"))
        for id in notices.prefix(2) { #expect(!workspace.exists("outbox/to-approve/\(id).toml")) }
        #expect(Self.ids(decided, "awaitingApproval") == Array(notices.suffix(2)))
        // A decision cannot be changed; the refused notice is never sent, on any later day.
        #expect(try workspace.run(["approve", notices[1]]).status != 0)
        let later = try Self.run(workspace, "2025-11-15")
        #expect(!workspace.exists("outbox/relances/\(notices[1]).pdf"))
        #expect(!Self.ids(later, "sent").contains { $0.hasPrefix("relance-BUQUET") && $0.hasSuffix("n3") })
        // The invoice drafts are still approved as before, next to the formal notices.
        let drafts = workspace.files(under: "outbox/to-approve").filter {
            $0.hasSuffix(".toml") && !($0 as NSString).lastPathComponent.hasPrefix("relance-")
        }
        let draft = try #require(drafts.first)
        let id = String((draft as NSString).lastPathComponent.dropLast(".toml".count))
        #expect(try workspace.run(["approve", id, "--by", "demo"]).status == 0)
    }

    /// With `[delivery]`, a reminder is queued and sent in the same run, with its PDF attached, to
    /// the client's address, and the proof is kept; an approved formal notice is sent the run after.
    @Test func remindersAreEmailedThroughTheSendQueue() throws {
        try withSMTPSink(.init()) { sink in
            let workspace = try SendingTests.workspace(port: sink.port, caFile: sink.caFile)
            for day in ["2025-07-01", "2025-08-01"] { _ = try SendingTests.run(workspace, day) }
            let before = try sink.received().count
            let september = try Self.run(workspace, "2025-09-01")
            #expect(Self.list(september, "queued").count == 4)
            let messages = try sink.received().dropFirst(before).filter {
                String(decoding: $0.bytes, as: UTF8.self).contains("relance-")
            }
            #expect(messages.count == 4)
            let belfonte = try #require(
                messages.first { $0.recipients.contains("holding@belfonte.example") })
            let parsed = try SendingTests.parsed(belfonte.eml)
            #expect((parsed["subject"] as? String)?.hasPrefix("Deuxième relance") == true)
            #expect((parsed["body"] as? String)?.contains("F20250701") == true)
            // 901,92 € + 6,55 € of penalties (3 × 2,76 % for 32 days) + 40,00 €, as the letter says.
            #expect((parsed["body"] as? String)?.contains("948,47") == true)
            let attachments = parsed["attachments"] as? [[String: Any]] ?? []
            #expect(attachments.contains { $0["filename"] as? String == "relance-BELFONTE-2025-09-01-n2.pdf" })
            #expect(workspace.exists("archive/sent/demo-conseil/relance-BELFONTE-2025-09-01-n2.json"))
            // Formal notices: not e-mailed until approved; once approved, sent by the next run.
            let october = try Self.run(workspace, "2025-10-01")
            #expect(!Self.list(october, "queued").contains { $0.hasSuffix("-n3") })
            #expect(try workspace.run(["approve", "relance-BELFONTE-2025-10-01-n3"]).status == 0)
            let next = try Self.run(workspace, "2025-10-02")
            #expect(Self.list(next, "queued") == ["relance-BELFONTE-2025-10-01-n3"])
            #expect(workspace.exists("archive/sent/demo-conseil/relance-BELFONTE-2025-10-01-n3.json"))
            // Never twice.
            #expect(Self.list(try Self.run(workspace, "2025-10-03"), "queued").isEmpty)
        }
    }
    /// A copy of `workspace` in a new temporary folder.
    static func copy(_ workspace: TestWorkspace) throws -> TestWorkspace {
        let copy = try TestWorkspace(pipeline: try workspace.text("pipelines/demo-conseil.toml"))
        try FileManager.default.removeItem(at: copy.root)
        try FileManager.default.copyItem(at: workspace.root, to: copy.root)
        let secret = copy.root.appendingPathComponent("pipelines/smtp-password").path
        if FileManager.default.fileExists(atPath: secret) { chmod(secret, 0o600) }
        return copy
    }

    /// What the dunning stage leaves: every file of its archive and of outbox/relances/, with its bytes.
    static func dunningState(_ workspace: TestWorkspace) throws -> [String: Data] {
        var state: [String: Data] = [:]
        for path in workspace.files(under: "archive/dunning") + workspace.files(under: "outbox/relances") {
            state[path] = try workspace.data(path)
        }
        return state
    }

    /// The run of 2025-09-01 killed after each durable step of the dunning stage in turn, then run
    /// again: the archive and the outbox end exactly as after an uninterrupted run (same records,
    /// same PDFs, same lists), and the SMTP server receives each reminder exactly once.
    @Test func aRunKilledAnywhereInTheStageSendsEachReminderOnce() throws {
        try withSMTPSink(.init()) { sink in
            let now = ["FACTURATION_NOW": "2025-09-01T07:00:00Z"]
            let base = try SendingTests.workspace(port: sink.port, caFile: sink.caFile)
            for day in ["2025-07-01", "2025-08-01"] { try Self.run(base, day, environment: now) }
            let reference = try Self.copy(base)
            let traced = try reference.run(
                ["run", "--settle", "0", "--date", "2025-09-01"],
                environment: now.merging(["FACTURATION_CRASH_TRACE": "1"]) { $1 })
            #expect(traced.status == 0, "\(traced.stderr)")
            let steps = traced.stderr.split(separator: "\n").compactMap { line -> Int? in
                guard line.hasPrefix("crash-point "), line.contains("dunning") || line.contains("relances") else {
                    return nil
                }
                return Int(line.dropFirst("crash-point ".count).prefix { $0 != ":" })
            }
            let first = try #require(steps.min())
            let last = try #require(steps.max())
            let expected = try Self.dunningState(reference)
            #expect(expected.keys.filter { $0.hasPrefix("outbox/relances/") }.count == 4)
            #expect(
                String(decoding: expected["archive/dunning/demo-conseil/queued.txt"] ?? Data(), as: UTF8.self)
                    .split(separator: "\n").count == 4)
            for step in (first - 1)...(last + 1) {
                let before = try sink.received().count
                let attempt = try Self.copy(base)
                let killed = try attempt.run(
                    ["run", "--settle", "0", "--date", "2025-09-01"],
                    environment: now.merging(["FACTURATION_CRASH_AFTER": "\(step)"]) { $1 })
                #expect(killed.status != 0, "step \(step) did not kill the run")
                let again = try attempt.run(["run", "--settle", "0", "--date", "2025-09-01"], environment: now)
                #expect(again.status == 0, "step \(step): \(again.stdout)\n\(again.stderr)")
                let state = try Self.dunningState(attempt)
                #expect(state.keys.sorted() == expected.keys.sorted(), "killed after step \(step)")
                for (path, bytes) in expected where state[path] != bytes {
                    Issue.record("killed after step \(step): \(path) differs")
                }
                let reminders = try sink.received().dropFirst(before).compactMap { message in
                    String(decoding: message.bytes, as: UTF8.self).split(separator: "\r\n")
                        .first { $0.hasPrefix("Message-ID: <relance-") }
                }
                #expect(reminders.count == 4 && Set(reminders).count == 4, "killed after step \(step): \(reminders)")
            }
        }
    }

    /// Mistakes in `[dunning]`, `[[clients]] reminders` and the reminder templates are reported by
    /// `check` with their file and line, before anything runs.
    @Test func settingsAndTemplatesAreCheckedWithTheirLine() throws {
        let text = try Repository.demoPipeline()
            .replacingOccurrences(of: "levels = [15, 30, 60]", with: "levels = [30, 15]\nlvl = 3")
            .replacingOccurrences(of: "legal_interest_rate = 2.76", with: "legal_interest_rate = \"beaucoup\"")
            .replacingOccurrences(of: "oxygene_code = \"BUQ01\"", with: "oxygene_code = \"BUQ01\"\nreminders = \"non\"")
        let workspace = try TestWorkspace(pipeline: text)
        let check = try workspace.run(["check"])
        #expect(check.status == 3, "\(check.stdout)\(check.stderr)")
        for expected in ["dunning.levels", "unknown key dunning.lvl", "dunning.legal_interest_rate", "reminders"] {
            #expect(check.stderr.contains(expected), "\(expected): \(check.stderr)")
        }
        #expect(check.stderr.contains("demo-conseil.toml:"), "\(check.stderr)")
        let valid = try TestWorkspace(invoicing: true)
        #expect(try valid.run(["check"]).stdout.contains("reminders:  +15 d, +30 d, +60 d"))
        // A reminder template with an unknown placeholder: named with its line, once [delivery] is set.
        let mailing = try SendingTests.workspace(port: 2, caFile: "/dev/null")
        let mail = mailing.root.appendingPathComponent("pipelines/mail")
        try FileManager.default.createDirectory(at: mail, withIntermediateDirectories: true)
        try "Objet : {niveau}\n\nBonjour {clent},\n".write(
            to: mail.appendingPathComponent("relance-2.txt"), atomically: true, encoding: .utf8)
        let refused = try mailing.run(["check"])
        #expect(refused.status == 3)
        #expect(
            refused.stderr.contains("relance-2.txt, line 3") && refused.stderr.contains("{clent}"), "\(refused.stderr)")
    }

    /// Adversarial (issue #11): a level added to `levels` after formal notices were made does not
    /// make a second formal notice for the same invoices (the old last level was the formal notice).
    @Test func aLevelAddedAfterAFormalNoticeMakesNoSecondOne() throws {
        let workspace = try Self.demo()
        for day in ["2025-07-01", "2025-08-01", "2025-09-01"] { try Self.run(workspace, day) }
        let october = try Self.run(workspace, "2025-10-01")
        #expect(Self.list(october, "awaitingApproval").contains { $0.hasPrefix("relance-BELFONTE-2025-10-01-n3") })
        let file = workspace.root.appendingPathComponent("pipelines/demo-conseil.toml")
        let text = try String(contentsOf: file, encoding: .utf8)
        #expect(text.contains("levels = [15, 30, 60]"))
        try text.replacingOccurrences(of: "levels = [15, 30, 60]", with: "levels = [15, 30, 45, 60]")
            .write(to: file, atomically: true, encoding: .utf8)
        let next = try Self.run(workspace, "2025-10-02")
        #expect(Self.ids(next, "sent").isEmpty, "\(next)")
        #expect(!Self.ids(next, "awaitingApproval").contains { $0.hasSuffix("-n4") }, "\(next)")
        #expect(Self.ids(next, "awaitingApproval").contains("relance-BELFONTE-2025-10-01-n3"), "\(next)")
    }

    /// Adversarial (issue #11): a formal notice whose invoice is credited while it waits for approval
    /// is not sent once approved (it would claim what is no longer owed); the run says why.
    @Test func aFormalNoticeSettledBeforeItsApprovalIsNotSent() throws {
        let workspace = try Self.demo()
        for day in ["2025-07-01", "2025-08-01", "2025-09-01", "2025-10-01"] { try Self.run(workspace, day) }
        try workspace.drop("avoir.toml", "[credit_note]\ninvoice = \"F20250709\"\nreason = \"Geste commercial\"\n")
        for id in ["relance-SEXTANT-2025-10-01-n3", "relance-BELFONTE-2025-10-01-n3"] {
            #expect(try workspace.run(["approve", id]).status == 0)
        }
        let next = try Self.run(workspace, "2025-10-02")
        #expect(Self.list(next, "approved") == ["relance-BELFONTE-2025-10-01-n3"], "\(next)")
        #expect(workspace.exists("outbox/relances/relance-BELFONTE-2025-10-01-n3.pdf"))
        #expect(!workspace.exists("outbox/relances/relance-SEXTANT-2025-10-01-n3.pdf"))
        #expect(!workspace.exists("outbox/to-approve/relance-SEXTANT-2025-10-01-n3.toml"))
        #expect(
            Self.list(next, "warnings").contains {
                $0.hasPrefix("relance-SEXTANT-2025-10-01-n3 was approved but is not sent: F20250709 owes 0,00 €")
            }, "\(next)")
        #expect(!workspace.exists("outbox/relances/relance-SEXTANT-2025-10-01-n3.pdf"))
        try Self.run(workspace, "2025-10-03")
        #expect(!workspace.exists("outbox/relances/relance-SEXTANT-2025-10-01-n3.pdf"))
    }

    /// Adversarial finding 6 (issue #11): a level removed from `levels` after reminders were sent
    /// never makes the formal notice count as done (the invoices reminded at "level 2 of 3" are
    /// at the last level once `levels` has two): the formal notice is still made, once.
    @Test func removingALevelStillLeadsToTheFormalNotice() throws {
        let workspace = try Self.demo()
        for day in ["2025-07-01", "2025-08-01"] { try Self.run(workspace, day) }
        #expect(Self.ids(try Self.run(workspace, "2025-09-01"), "sent").contains("relance-BELFONTE-2025-09-01-n2"))
        let file = workspace.root.appendingPathComponent("pipelines/demo-conseil.toml")
        try String(contentsOf: file, encoding: .utf8)
            .replacingOccurrences(of: "levels = [15, 30, 60]", with: "levels = [30, 60]")
            .write(to: file, atomically: true, encoding: .utf8)
        #expect(Self.ids(try Self.run(workspace, "2025-09-02"), "sent").isEmpty, "level 1 (30 days) was sent")
        let october = try Self.run(workspace, "2025-10-01")
        #expect(Self.ids(october, "awaitingApproval").contains("relance-BELFONTE-2025-10-01-n2"), "\(october)")
        #expect(Self.ids(october, "sent").allSatisfy { !$0.contains("BELFONTE") }, "\(october)")
        #expect(
            !Self.ids(try Self.run(workspace, "2025-10-02"), "awaitingApproval").contains { $0.hasSuffix("-10-02-n2") })
    }

    /// Adversarial finding 5 (issue #11): a formal notice waiting for approval whose invoices are
    /// all settled since (here credited in full) is withdrawn from outbox/to-approve/ by the next
    /// run, with the reason, and can no longer be approved.
    @Test func aWaitingFormalNoticeWhoseInvoicesAreSettledIsWithdrawn() throws {
        let workspace = try Self.demo()
        for day in ["2025-07-01", "2025-08-01", "2025-09-01", "2025-10-01"] { try Self.run(workspace, day) }
        #expect(workspace.exists("outbox/to-approve/relance-SEXTANT-2025-10-01-n3.toml"))
        try workspace.drop("avoir.toml", "[credit_note]\ninvoice = \"F20250709\"\nreason = \"Geste commercial\"\n")
        let next = try Self.run(workspace, "2025-10-02")
        #expect(Self.list(next, "refused") == ["relance-SEXTANT-2025-10-01-n3"], "\(next)")
        #expect(
            Self.list(next, "warnings").contains {
                $0.hasPrefix("relance-SEXTANT-2025-10-01-n3 is withdrawn: F20250709 owes 0,00 € now")
            }, "\(next)")
        #expect(!workspace.exists("outbox/to-approve/relance-SEXTANT-2025-10-01-n3.toml"))
        #expect(!workspace.exists("outbox/to-approve/relance-SEXTANT-2025-10-01-n3.pdf"))
        #expect(Self.ids(next, "awaitingApproval").contains("relance-BELFONTE-2025-10-01-n3"), "\(next)")
        let approve = try workspace.run(["approve", "relance-SEXTANT-2025-10-01-n3"])
        #expect(approve.status != 0 && approve.stderr.contains("already refused by rule"), "\(approve.stderr)")
        let later = try Self.run(workspace, "2025-10-03")
        #expect(Self.list(later, "refused").isEmpty && Self.list(later, "warnings").isEmpty, "\(later)")
    }

    /// Adversarial (issue #11): a dispute (hold) recorded while a formal notice waits for approval
    /// keeps it from being sent once approved, until the hold is lifted.
    @Test func anApprovedFormalNoticeWaitsWhileItsClientIsHeld() throws {
        let workspace = try Self.demo()
        for day in ["2025-07-01", "2025-08-01", "2025-09-01", "2025-10-01"] { try Self.run(workspace, day) }
        try workspace.drop("litige.toml", "[dunning_hold]\nclient = \"BUQUET\"\nreason = \"Litige\"\n")
        #expect(try workspace.run(["approve", "relance-BUQUET-2025-10-01-n3"]).status == 0)
        let held = try Self.run(workspace, "2025-10-02")
        #expect(!workspace.exists("outbox/relances/relance-BUQUET-2025-10-01-n3.pdf"), "\(held)")
        #expect(Self.list(held, "held").contains { $0.hasPrefix("relance-BUQUET-2025-10-01-n3 (approved") }, "\(held)")
        try workspace.drop("fin.toml", "[dunning_hold]\nclient = \"BUQUET\"\nlift = true\n")
        let lifted = try Self.run(workspace, "2025-10-03")
        #expect(Self.list(lifted, "approved") == ["relance-BUQUET-2025-10-01-n3"], "\(lifted)")
        #expect(workspace.exists("outbox/relances/relance-BUQUET-2025-10-01-n3.pdf"))
    }
}
