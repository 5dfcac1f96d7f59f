import FacturationCore
import Foundation
import TestSupport
import Testing

/// The demo replayed month by month (the daily runs of the 1st, approvals, a Monday), compared
/// byte for byte with the outputs the pipeline produced before the architecture of issue #9:
/// a refactoring must not change a ledger, an invoice, a record, a report or a FEC.
///
/// The manifest (`Tests/Fixtures/demo-replay.manifest`) holds the SHA-256 of every file of the
/// outbox and of the archive's state folders. Left out: what names a claim (its id holds the time
/// of the run and a random part: `archive/files`, `index`, `rejected`, `runs`, `outbox/rejected`), and
/// `archive/checkpoints` (derived summaries, rebuilt when missing);
/// inside JSON records, the wall-clock `"at"` of approvals is masked. To accept a deliberate
/// change of an output, run the test with `FACTURATION_UPDATE_GOLDEN=1` and commit the manifest
/// with the reason.
@Suite("Demo replay, byte for byte")
struct DemoReplayTests {
    static let manifestURL = Repository.root.appendingPathComponent("Tests/Fixtures/demo-replay.manifest")

    @Test func replayGivesTheSameBytesAsBefore() throws {
        let workspace = try Self.replay()
        try Self.expectFastRecordsAgree(in: workspace)
        try Self.expectRoundTrip(in: workspace)
        let manifest = try Self.manifest(of: workspace)
        if ProcessInfo.processInfo.environment["FACTURATION_UPDATE_GOLDEN"] == "1" {
            try manifest.joined(separator: "\n").appending("\n").write(
                to: Self.manifestURL, atomically: true,
                encoding: .utf8)
            return
        }
        let expected = try String(contentsOf: Self.manifestURL, encoding: .utf8)
            .split(separator: "\n").map(String.init)
        let missing = Set(expected).subtracting(manifest).sorted()
        let unexpected = Set(manifest).subtracting(expected).sorted()
        #expect(
            missing.isEmpty && unexpected.isEmpty,
            Comment(rawValue: Self.describe(missing: missing, unexpected: unexpected)))
        #expect(manifest.count > 150)
    }

    /// `archive/checkpoints` only holds summaries derived from the records (the run stamp, the
    /// monthly FEC checkpoints), rebuilt when missing: with all of them deleted before every run
    /// and command, the replay gives the same bytes.
    @Test func replayWithoutCheckpointsGivesTheSameBytes() throws {
        var deleted = 0
        let workspace = try Self.replay { workspace in
            let checkpoints = workspace.root.appendingPathComponent("archive/checkpoints")
            if FileManager.default.fileExists(atPath: checkpoints.path) {
                deleted += 1
                try FileManager.default.removeItem(at: checkpoints)
            }
        }
        // Every run from September on finds the monthly FEC checkpoints of the run before (and
        // the run stamp when its times were old enough): the comparison below is not empty.
        #expect(deleted >= 6)
        let expected = try String(contentsOf: Self.manifestURL, encoding: .utf8).split(separator: "\n").map(String.init)
        let manifest = try Self.manifest(of: workspace)
        let missing = Set(expected).subtracting(manifest).sorted()
        let unexpected = Set(manifest).subtracting(expected).sorted()
        #expect(
            missing.isEmpty && unexpected.isEmpty,
            Comment(rawValue: Self.describe(missing: missing, unexpected: unexpected)))
    }

    /// The demo replayed month by month: the runs of the 1st, the approvals, a Monday; `beforeEach`
    /// is called before every run and command.
    static func replay(beforeEach: (TestWorkspace) throws -> Void = { _ in }) throws -> TestWorkspace {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        for day in ["2025-07-01", "2025-08-01", "2025-09-01", "2025-10-01"] {
            try beforeEach(workspace)
            let result = try workspace.run(["run", "--settle", "0", "--date", day])
            #expect(result.status == 0 || result.status == 2, "\(day): \(result.stderr)")
        }
        // The invoice drafts; the formal notices of the dunning stage (`relance-…`) stay waiting.
        let drafts = workspace.files(under: "outbox/to-approve").filter {
            $0.hasSuffix(".toml") && !($0 as NSString).lastPathComponent.hasPrefix("relance-")
        }.sorted()
        #expect(drafts.count == 3)
        for draft in drafts {
            let id = String((draft as NSString).lastPathComponent.dropLast(".toml".count))
            try beforeEach(workspace)
            let result = try workspace.run(["approve", id, "--by", "demo"])
            #expect(result.status == 0, "\(id): \(result.stderr)")
        }
        for day in ["2025-10-02", "2025-10-06", "2025-11-01", "2025-11-03"] {
            // The round trip (issue #12): before the last run, the register Oxygène exports after
            // importing every piece of outbox/oxygene/, with the demo's invoices from before facturation.
            if day == "2025-11-03" { try dropOxygeneRegister(into: workspace) }
            try beforeEach(workspace)
            let result = try workspace.run(["run", "--settle", "0", "--date", day])
            #expect(result.status == 0 || result.status == 2, "\(day): \(result.stderr)")
        }
        return workspace
    }

    /// `scripts/oxygene_register.py` on the workspace's `outbox/oxygene/*.xml` and
    /// `demo/oxygene/historique.csv`, written to `inbox/Factures clients.csv` (as `scripts/demo` does).
    static func dropOxygeneRegister(into workspace: TestWorkspace) throws {
        let pieces = workspace.files(under: "outbox/oxygene").filter { $0.hasSuffix(".xml") }.sorted()
        #expect(!pieces.isEmpty)
        let result = try runTool(
            "/usr/bin/python3",
            [
                Repository.root.appendingPathComponent("scripts/oxygene_register.py").path,
                "--out", workspace.path + "/inbox/Factures clients.csv",
                "--history", Repository.root.appendingPathComponent("demo/oxygene/historique.csv").path,
            ] + pieces.map { workspace.path + "/" + $0 })
        #expect(result.status == 0, "\(result.output)")
    }

    /// The round trip (issue #12): the register confirms every exported piece, and its invoices from
    /// before facturation are receivables from `open_since` on: F20250601 and F20250602 (less the
    /// register's credit note A20250601) paid by LAA's July transfer that named them, F20250604
    /// still open; those before the cut-off, or paid in Oxygène, are not loaded.
    static func expectRoundTrip(in workspace: TestWorkspace) throws {
        let confirmation = try workspace.csvRecords("outbox/oxygene/confirmation.csv")
        let exported = try workspace.files(under: "outbox/oxygene").filter { $0.hasSuffix(".xml") }
            .map { try workspace.text($0).components(separatedBy: "<WEB_ID>").count - 1 }.reduce(0, +)
        #expect(confirmation.count == exported && exported == 51)
        #expect(confirmation.allSatisfy { $0["statut"] == "confirmed" }, "\(confirmation)")
        let states = try workspace.csvRecords("outbox/paiements/etat-factures.csv")
        let historical = states.filter { $0["status"]?.hasSuffix("(registre Oxygène)") == true }
        #expect(historical.map { $0["number"] ?? "" } == ["F20250601", "F20250602", "F20250604"], "\(historical)")
        #expect(historical.map { $0["open"] ?? "" } == ["0.00", "0.00", "300.00"], "\(historical)")
        #expect(try workspace.csvRecords("outbox/paiements/encaissements-non-rapproches.csv").count == 1)
    }

    /// Every record line of the demo's issued documents reads the same through the fenced fast
    /// path (`IssuedRecordDecoder`) as through `JSONDecoder`, and takes the fast path.
    static func expectFastRecordsAgree(in workspace: TestWorkspace) throws {
        var lines = 0
        for path in workspace.files(under: "archive/invoicing")
        where path.contains("/issued/") && path.hasSuffix(".jsonl") {
            let bytes = [UInt8](try workspace.data(path))
            for line in bytes.split(separator: 0x0A) {
                lines += 1
                let decoded = try JSONDecoder().decode(InvoiceDocument.self, from: Data(line))
                let fast = Array(line).withUnsafeBufferPointer { IssuedRecordDecoder.document(from: $0) }
                #expect(fast == decoded, "\(path): \(String(decoding: line, as: UTF8.self))")
            }
        }
        #expect(lines > 10)
    }

    /// Expects the outputs of `workspace` (its manifest: every file and its hash) to be those of `reference`.
    static func expectSameOutputs(
        _ workspace: TestWorkspace, as reference: TestWorkspace, sourceLocation: SourceLocation = #_sourceLocation
    ) throws {
        let expected = try Self.manifest(of: reference)
        let manifest = try Self.manifest(of: workspace)
        #expect(manifest.count > 100, sourceLocation: sourceLocation)
        #expect(
            manifest == expected,
            Comment(
                rawValue: Self.describe(
                    missing: Set(expected).subtracting(manifest).sorted(),
                    unexpected: Set(manifest).subtracting(expected).sorted())),
            sourceLocation: sourceLocation)
    }

    static func describe(missing: [String], unexpected: [String]) -> String {
        "outputs differ from the golden manifest.\nexpected, not found:\n" + missing.joined(separator: "\n")
            + "\nfound, not expected:\n" + unexpected.joined(separator: "\n")
    }

    /// `<sha-256> <path>` for every compared file, sorted by path.
    static func manifest(of workspace: TestWorkspace) throws -> [String] {
        let skipped = [
            "archive/files/", "archive/index/", "archive/rejected/", "archive/runs/",
            "archive/duplicates/", "archive/checkpoints/", "outbox/rejected/",
            // Named by its claim, which holds the wall-clock time, and naming the archived file.
            "archive/invoicing/demo-conseil/oxygene-register/",
        ]
        var lines: [String] = []
        for path in workspace.files(under: "outbox") + workspace.files(under: "archive")
        where !skipped.contains(where: { path.hasPrefix($0) }) && !path.hasSuffix("README.md") {
            var bytes = [UInt8](try workspace.data(path))
            if path.hasSuffix(".json") || path.hasSuffix(".jsonl") {
                bytes = Array(maskTimes(String(decoding: bytes, as: UTF8.self)).utf8)
            }
            lines.append(bytes.withUnsafeBytes { SHA256Hasher.hex($0) } + " " + path)
        }
        return lines.sorted { $0.dropFirst(65) < $1.dropFirst(65) }
    }

    /// `"at": "<ISO 8601>"` → `"at": "*"` (the wall-clock time of a decision).
    static func maskTimes(_ text: String) -> String {
        text.replacingOccurrences(of: #""at" ?: ?"[0-9T:.Z+-]+""#, with: #""at":"*""#, options: .regularExpression)
    }
}
