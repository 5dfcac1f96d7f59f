import Foundation
import Testing

/// A run with nothing new to do skips the later stages (the run stamp), and still notices
/// everything that should wake them: a file taken out of the outbox, a new export, a decision, a
/// new day. And the injected clock: `FACTURATION_NOW` fixes every timestamp a run writes.
@Suite("Runs with nothing new to do")
struct QuietRunTests {
    /// Runs `run --json` on `day`; returns the exit status and the pipelines whose later stages were skipped.
    static func run(_ workspace: TestWorkspace, on day: String) throws -> (status: Int32, unchanged: [String]) {
        let result = try workspace.run(["run", "--settle", "0", "--date", day, "--json"])
        let summary = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
        let stages = summary["stages"] as? [[String: Any]] ?? []
        let unchanged = stages.filter { $0["state"] as? String == "unchanged" }.compactMap { $0["pipeline"] as? String }
        return (result.status, unchanged)
    }

    /// Sets every file and folder of the workspace one hour back, as if the last run were long
    /// past (a stamp taken within two seconds of a change is not trusted).
    static func age(_ workspace: TestWorkspace) throws {
        let old = Date().addingTimeInterval(-3_600)
        let manager = FileManager.default
        for path in workspace.files() + workspace.folders() {
            try manager.setAttributes(
                [.modificationDate: old], ofItemAtPath: workspace.root.appendingPathComponent(path).path)
        }
    }

    @Test func aRunWithNothingNewSkipsTheLaterStagesAndWakesForEveryChange() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        #expect(try Self.run(workspace, on: "2025-10-01").status == 2)
        try Self.age(workspace)
        // The first quiet run does the work once more and records the stamp; the next one skips.
        #expect(try Self.run(workspace, on: "2025-10-01").unchanged == [])
        let before = try Snapshot(workspace)
        let quiet = try Self.run(workspace, on: "2025-10-01")
        #expect(quiet.status == 0 && quiet.unchanged == ["demo-conseil"])
        #expect(try Snapshot(workspace).difference(from: before).isEmpty)

        // A report taken out of the outbox: the stages run, and deliver it again.
        let report = "outbox/paiements/etat-factures.csv"
        try FileManager.default.removeItem(at: workspace.root.appendingPathComponent(report))
        try Self.age(workspace)
        #expect(try Self.run(workspace, on: "2025-10-01").unchanged == [])
        #expect(workspace.exists(report))

        // A decision recorded by a person wakes them too.
        try Self.age(workspace)
        _ = try Self.run(workspace, on: "2025-10-01")
        #expect(try Self.run(workspace, on: "2025-10-01").unchanged == ["demo-conseil"])
        let draft = try #require(workspace.files(under: "outbox/to-approve").first)
        let id = String((draft as NSString).lastPathComponent.dropLast(".toml".count))
        #expect(try workspace.run(["approve", id, "--by", "test"]).status == 0)
        #expect(try Self.run(workspace, on: "2025-10-01").unchanged == [])
        #expect(workspace.files(under: "outbox/to-approve").count == 2)

        // So do a new day and an edited pipeline file.
        try Self.age(workspace)
        _ = try Self.run(workspace, on: "2025-10-01")
        #expect(try Self.run(workspace, on: "2025-10-01").unchanged == ["demo-conseil"])
        #expect(try Self.run(workspace, on: "2025-10-02").unchanged == [])
        try Self.age(workspace)
        _ = try Self.run(workspace, on: "2025-10-02")
        #expect(try Self.run(workspace, on: "2025-10-02").unchanged == ["demo-conseil"])
        try TestWorkspace.append(
            "\n# edited\n", to: workspace.root.appendingPathComponent("pipelines/demo-conseil.toml"))
        #expect(try Self.run(workspace, on: "2025-10-02").unchanged == [])
    }

    /// The stamp's walk of the outbox knows a folder's subfolders from the last walk while the
    /// folder has not moved (``FolderTreeCache``): a subfolder added is walked, and a file taken
    /// from it then wakes the stages.
    @Test func anOutboxSubfolderAddedIsSeenByTheStamp() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        _ = try Self.run(workspace, on: "2025-10-01")
        try Self.age(workspace)
        // Their change times are now: once those are 2 s old, the folders can be trusted.
        Thread.sleep(forTimeInterval: 2.1)
        _ = try Self.run(workspace, on: "2025-10-01")
        #expect(try Self.run(workspace, on: "2025-10-01").unchanged == ["demo-conseil"])
        #expect(workspace.exists("archive/checkpoints/demo-conseil/outbox-folders.json"))

        let added = workspace.root.appendingPathComponent("outbox/invoices/classees")
        try FileManager.default.createDirectory(at: added, withIntermediateDirectories: false)
        try Data("x".utf8).write(to: added.appendingPathComponent("F1.pdf"))
        try Self.age(workspace)
        #expect(try Self.run(workspace, on: "2025-10-01").unchanged == [], "the outbox moved")
        #expect(try Self.run(workspace, on: "2025-10-01").unchanged == ["demo-conseil"])
        // Only the new subfolder moves: the stamp recorded it, so the stages wake.
        try FileManager.default.removeItem(at: added.appendingPathComponent("F1.pdf"))
        #expect(try Self.run(workspace, on: "2025-10-01").unchanged == [])
    }

    @Test func aNewExportWakesTheLaterStages() throws {
        let workspace = try TestWorkspace(invoicing: true)
        let files = try Repository.demoFiles()
        let late = try #require(files.first { $0.hasPrefix("qonto-api") })
        for name in files where name != late {
            try workspace.drop(name, Data(contentsOf: Repository.root.appendingPathComponent("demo/inbox/\(name)")))
        }
        _ = try Self.run(workspace, on: "2025-10-01")
        try Self.age(workspace)
        _ = try Self.run(workspace, on: "2025-10-01")
        #expect(try Self.run(workspace, on: "2025-10-01").unchanged == ["demo-conseil"])
        let fec = try workspace.files(under: "outbox/fec/mensuel").map { try workspace.data($0) }
        try workspace.drop(late, Data(contentsOf: Repository.root.appendingPathComponent("demo/inbox/\(late)")))
        #expect(try Self.run(workspace, on: "2025-10-01").unchanged == [])
        #expect(
            try workspace.files(under: "outbox/fec/mensuel").map { try workspace.data($0) } != fec,
            "September's FEC takes the new bank lines")
    }

    @Test func aSecondPipelineMovesTheFirstOnesFoldersAndWakesItsStages() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        _ = try Self.run(workspace, on: "2025-10-01")
        try Self.age(workspace)
        _ = try Self.run(workspace, on: "2025-10-01")
        #expect(try Self.run(workspace, on: "2025-10-01").unchanged == ["demo-conseil"])
        // With two pipelines, each has its own outbox (outbox/<id>/): the first one's outputs go there.
        let other = try String(
            contentsOf: workspace.root.appendingPathComponent("pipelines/demo-conseil.toml"), encoding: .utf8)
        let cut = try #require(other.range(of: "\n[invoicing]"))
        try workspace.drop("autre.toml", String(other[..<cut.lowerBound]) + "\n", into: "pipelines")
        #expect(try Self.run(workspace, on: "2025-10-01").unchanged == [])
        #expect(workspace.exists("outbox/demo-conseil/registre-ventes.csv"))
    }

    @Test func theInjectedClockFixesEveryTimestampARunWrites() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        let now = ["FACTURATION_NOW": "2025-10-01T06:30:00Z"]
        #expect(try workspace.run(["run", "--settle", "0"], environment: now).status == 2)
        // "Today" comes from the clock (no --date): the invoices of September are issued on 1 October.
        let records = try workspace.issuedRecords(pipeline: "demo-conseil")
        #expect(!records.isEmpty)
        #expect(records.values.allSatisfy { $0.contains("\"issueDate\":\"2025-10-01\"") })
        #expect(
            records.values.allSatisfy { !$0.contains("\"approval\"") || $0.contains("\"at\":\"2025-10-01T06:30:00Z\"") }
        )
        // Claims and run summaries are stamped in the pipeline's zone (Europe/Paris: UTC+2 then).
        #expect(workspace.files(under: "archive/runs/2025-10-01").count == 1)
        #expect(workspace.files(under: "archive/files").allSatisfy { $0.hasPrefix("archive/files/2025-10-01/083000-") })
        let bad = try workspace.run(["run", "--settle", "0"], environment: ["FACTURATION_NOW": "yesterday"])
        #expect(bad.status == 64)
    }
}
