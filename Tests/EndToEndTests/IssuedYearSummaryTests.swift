import FacturationCore
import Foundation
import Testing

/// The summary of a closed year's issued records (`archive/checkpoints/<pipeline>/factures-annees/`,
/// issue #9): the same outputs with and without it, the one read is the one the records give, a
/// missing, damaged or stale one is rebuilt, a record file added to the year invalidates it, and a
/// run killed while writing it ends like an uninterrupted one.
///
/// The demo runs of July to October 2025, then runs of 2026: the first of them closes 2025.
@Suite("Closed years, the issued-records summary", .serialized)
struct IssuedYearSummaryTests {
    static let summary = "archive/checkpoints/demo-conseil/factures-annees/2025.json"
    /// Every closed year's history in one file (``ClosedYearsHistory``): while it is current, the
    /// per-year summaries are neither read nor written, so the tests of those remove it first.
    static let closedYears = "archive/checkpoints/demo-conseil/factures-annees.txt"
    static let issued2025 = "archive/invoicing/demo-conseil/issued/2025"
    static let runs2025 = ["2025-07-01", "2025-08-01", "2025-09-01", "2025-10-01"]

    static func workspace() throws -> TestWorkspace {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        return workspace
    }

    /// The demo of 2025 with a credit note of a time-based invoice (record keys released), then `days`.
    static func history(
        _ workspace: TestWorkspace, then days: [String], beforeEach: (TestWorkspace) throws -> Void
    )
        throws
    {
        try ClosedYearFECTests.runs(workspace, runs2025, beforeEach: beforeEach)
        // F20250810: PETRAS's time of July, whose entries the credit note releases.
        try workspace.drop(
            "avoir.toml", "[credit_note]\ninvoice = \"F20250810\"\nreason = \"erreur\"\nby = \"Camille\"\n")
        try ClosedYearFECTests.runs(workspace, ["2025-10-06"] + days, beforeEach: beforeEach)
    }

    static func removeCheckpoints(_ workspace: TestWorkspace) throws {
        let folder = workspace.root.appendingPathComponent("archive/checkpoints")
        if FileManager.default.fileExists(atPath: folder.path) { try FileManager.default.removeItem(at: folder) }
    }

    static func removeClosedYearsFile(_ workspace: TestWorkspace) throws {
        let file = workspace.root.appendingPathComponent(closedYears)
        if FileManager.default.fileExists(atPath: file.path) { try FileManager.default.removeItem(at: file) }
    }

    static func summaryJSON(_ workspace: TestWorkspace) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: try workspace.data(summary)) as? [String: Any] ?? [:]
    }

    /// The draft ids of the records issued in 2026.
    static func draftIDs2026(_ workspace: TestWorkspace) throws -> Set<String> {
        var ids: Set<String> = []
        for path in workspace.files(under: "archive/invoicing/demo-conseil/issued/2026") {
            for line in try workspace.text(path).split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                if let id = (object?["origin"] as? [String: Any])?["draftID"] as? String { ids.insert(id) }
            }
        }
        return ids
    }

    @Test func theOutputsAreTheSameWithAndWithoutTheSummaryAndItIsTheOneTheRecordsGive() throws {
        let kept = try Self.workspace()
        try Self.history(kept, then: ["2026-01-05", "2026-02-02"], beforeEach: { _ in })
        let written = try kept.data(Self.summary)
        let json = try Self.summaryJSON(kept)
        let records2025 = try kept.issuedRecords(pipeline: "demo-conseil").values.filter {
            $0.contains(#""issueDate":"2025-"#)
        }
        #expect(json["documents"] as? Int == records2025.count)
        #expect((json["releasedBy"] as? [String: String])?.isEmpty == false, "the credit note's keys")
        #expect((json["timeMonths"] as? [String])?.isEmpty == false)
        // Rebuilt from the records: the same bytes.
        try FileManager.default.removeItem(at: kept.root.appendingPathComponent(Self.summary))
        try Self.removeClosedYearsFile(kept)
        try ClosedYearFECTests.runs(kept, ["2026-02-03"])
        #expect(try kept.data(Self.summary) == written)

        let rebuilt = try Self.workspace()
        try Self.history(rebuilt, then: ["2026-01-05", "2026-02-02", "2026-02-03"], beforeEach: Self.removeCheckpoints)
        try DemoReplayTests.expectSameOutputs(kept, as: rebuilt)
    }

    @Test func theSummaryIsReadAndAMissingDamagedOrStaleOneIsRebuilt() throws {
        let workspace = try Self.workspace()
        try Self.history(workspace, then: ["2026-01-05"], beforeEach: { _ in })
        let original = try workspace.data(Self.summary)
        let url = workspace.root.appendingPathComponent(Self.summary)
        // Read: the monthly contracts' draft ids of January to March 2026 planted in 2025's
        // summary, as if already issued: the February run issues none of them.
        var planted = try Self.summaryJSON(workspace)
        let monthly = (planted["draftIDs"] as? [String] ?? []).filter {
            $0.hasPrefix("rec-") && $0.hasSuffix("-2025-09")
        }
        #expect(monthly.count >= 8)
        let plantedIDs = Set(
            monthly.flatMap { id in ["01", "02", "03"].map { String(id.dropLast(7)) + "2026-" + $0 } })
        planted["draftIDs"] = (planted["draftIDs"] as? [String] ?? []) + plantedIDs.sorted()
        try JSONSerialization.data(withJSONObject: planted).write(to: url)
        try Self.removeClosedYearsFile(workspace)
        let before = try Self.draftIDs2026(workspace)
        try ClosedYearFECTests.runs(workspace, ["2026-02-02"])
        #expect(try Self.draftIDs2026(workspace).subtracting(before).isDisjoint(with: plantedIDs), "planted ids read")

        let damages: [(String, () throws -> Void)] = [
            ("deleted", { try FileManager.default.removeItem(at: url) }),
            ("truncated", { try Data(original.prefix(40)).write(to: url) }),
            ("garbage", { try Data("\u{0}\u{1}not json at all".utf8).write(to: url) }),
            ("another version", { try Self.edited(planted, url) { $0["version"] = 99 } }),
            ("another year", { try Self.edited(planted, url) { $0["year"] = "2024" } }),
            ("stale", { try Self.edited(planted, url) { $0["inputs"] = String(repeating: "0", count: 64) } }),
        ]
        for (index, (damage, apply)) in damages.enumerated() {
            try apply()
            try Self.removeClosedYearsFile(workspace)
            try ClosedYearFECTests.runs(workspace, ["2026-02-\(String(format: "%02d", 3 + index))"])
            #expect(try workspace.data(Self.summary) == original, "\(damage)")
            if index == 0 {
                let issued = try Self.draftIDs2026(workspace).subtracting(before)
                #expect(!issued.isDisjoint(with: plantedIDs), "rebuilt: the contracts' months are issued")
            }
        }
    }

    static func edited(_ json: [String: Any], _ url: URL, _ change: (inout [String: Any]) -> Void) throws {
        var copy = json
        change(&copy)
        try JSONSerialization.data(withJSONObject: copy).write(to: url)
    }

    /// The number of the crash point (from 1) of the rename of 2025's summary in the first run of
    /// 2026, and the summary that run writes.
    static func summaryWriteStep() throws -> (step: Int, summary: [String: Any]) {
        let reference = try Self.workspace()
        try Self.history(reference, then: [], beforeEach: { _ in })
        Self.olderThanTheRacyWindow()
        let traced = try reference.run(
            ["run", "--settle", "0", "--date", "2026-01-05"], environment: ["FACTURATION_CRASH_TRACE": "1"])
        #expect(traced.status == 0 || traced.status == 2, "\(traced.stderr)")
        let steps = traced.stderr.split(separator: "\n").filter { $0.hasPrefix("crash-point ") }
        let rename = try #require(steps.firstIndex { $0.contains("factures-annees/2025.json") }) + 1
        return (rename, try Self.summaryJSON(reference))
    }

    /// Waits until 2025's records are older than the racy window, so that the first run of 2026
    /// writes the closed years' record pack (``IssuedRecordPack``: its write is a crash step
    /// before the summary's) whether the machine is fast or loaded: the traced run and the crashed
    /// ones then count the same steps.
    static func olderThanTheRacyWindow() { Thread.sleep(forTimeInterval: 2.5) }

    /// A summary without its `inputs` (the modification times of another workspace's records).
    static func content(_ summary: [String: Any]) -> NSDictionary {
        var copy = summary
        copy["inputs"] = nil
        return copy as NSDictionary
    }

    @Test func aRecordFileAddedToTheClosedYearInvalidatesTheSummary() throws {
        // Only a run dated in the closed year, before any document of the new one, can add a record
        // to it (an issue date is never before the last one): a run of 2026 killed just after it
        // wrote 2025's summary, then a run dated 2025-12-15 that issues a credit note.
        let (rename, _) = try Self.summaryWriteStep()
        let workspace = try Self.workspace()
        try Self.history(workspace, then: [], beforeEach: { _ in })
        Self.olderThanTheRacyWindow()
        let crashed = try workspace.run(
            ["run", "--settle", "0", "--date", "2026-01-05"], environment: ["FACTURATION_CRASH_AFTER": "\(rename)"])
        #expect(crashed.killedBySignal, "\(crashed.stderr)")
        let before = try Self.summaryJSON(workspace)
        let files = workspace.files(under: Self.issued2025)
        try workspace.drop(
            "avoir2.toml", "[credit_note]\ninvoice = \"F20250705\"\nreason = \"erreur\"\nby = \"Camille\"\n")
        try ClosedYearFECTests.runs(workspace, ["2025-12-15"])
        #expect(workspace.files(under: Self.issued2025).count == files.count + 1)
        try ClosedYearFECTests.runs(workspace, ["2026-01-05"])
        let after = try Self.summaryJSON(workspace)
        #expect(after["inputs"] as? String != before["inputs"] as? String)
        // The run of 2025-12-15 issued the credit note and the fees due by then, in one batch.
        let records2025 = try workspace.issuedRecords(pipeline: "demo-conseil").values.filter {
            $0.contains(#""issueDate":"2025-"#)
        }
        #expect(after["documents"] as? Int == records2025.count)
        #expect(records2025.count > before["documents"] as? Int ?? 0)
        // What the records give now.
        let written = try workspace.data(Self.summary)
        try FileManager.default.removeItem(at: workspace.root.appendingPathComponent(Self.summary))
        try Self.removeClosedYearsFile(workspace)
        try ClosedYearFECTests.runs(workspace, ["2026-01-06"])
        #expect(try workspace.data(Self.summary) == written)
    }

    @Test func aRunKilledWhileWritingTheSummaryEndsLikeAnUninterruptedOne() throws {
        let (rename, expected) = try Self.summaryWriteStep()
        let reference = try Self.workspace()
        try Self.history(reference, then: ["2026-01-05"], beforeEach: { _ in })
        // Killed before the rename (the temporary file written), at the rename, and just after.
        for step in [rename - 1, rename, rename + 1] {
            let workspace = try Self.workspace()
            try Self.history(workspace, then: [], beforeEach: { _ in })
            Self.olderThanTheRacyWindow()
            let crashed = try workspace.run(
                ["run", "--settle", "0", "--date", "2026-01-05"], environment: ["FACTURATION_CRASH_AFTER": "\(step)"])
            #expect(crashed.killedBySignal, "step \(step): \(crashed.stderr)")
            try ClosedYearFECTests.runs(workspace, ["2026-01-05"])
            #expect(Self.content(try Self.summaryJSON(workspace)) == Self.content(expected), "step \(step)")
            try DemoReplayTests.expectSameOutputs(workspace, as: reference)
        }
    }
}
