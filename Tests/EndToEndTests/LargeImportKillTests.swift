import FacturationCore
import Foundation
import Testing

/// Kills during an import large enough that its new month ledgers and their outbox copies are
/// written straight to the disk (``DirectIO``, whole 1 MB chunks) and hashed on the digest thread
/// (``BackgroundDigest``), converted in pieces on both cores: the path of a large export, which
/// the demo's small files never take. Killed after any durable step, or at any moment, and started
/// again, the run must end in the state of an uninterrupted one (as ``CrashRecoveryTests`` checks
/// for the demo).
@Suite("Kill and restart, large import", .serialized)
struct LargeImportKillTests {
    /// July and August 2025, `rows` half-hour entries alternating between the two months, each with
    /// its own description: two new ledgers of more than 2 MB each.
    static func export(rows: Int) -> String {
        var text = DirectIOFallbackRunTests.header
        text.reserveCapacity(rows * 260)
        for row in 0..<rows {
            let (month, day) = (7 + row % 2, (row / 2) % 31 + 1)
            let date = String(format: "%02d/%02d/2025", day, month)
            let minute = (row / 62) % 960
            let start = String(format: "%02d:%02d:00", 6 + minute / 60, minute % 60)
            let end = String(format: "%02d:%02d:00", 6 + (minute + 30) / 60, (minute + 30) % 60)
            text +=
                "\"LAA - INFRA\",\"Les Automatismes Appliqués\",\"Audit du poste \(row)\",\"\",\"Camille Martin\","
                + "\"\",\"camille@demo.fr\",\"\",\"Yes\",\"\(date)\",\"\(start)\",\"\(date)\",\"\(end)\",\"00:30:00\","
                + "\"0.50\",\"110.00\",\"55.00\"\n"
        }
        return text
    }

    static let exportText = export(rows: 16_000)
    /// Pieces of 1 MB: the conversion runs on both cores, as it does for a large file.
    static let environment = ["FACTURATION_CSV_PIECES": "\(1 << 20)"]
    static let arguments = ["run", "--settle", "0", "--date", "2025-09-01"]

    static func prepareWorkspace() throws -> TestWorkspace {
        let workspace = try TestWorkspace()
        let url = try workspace.drop("Clockify_Time_Report_Detailed_01_07_2025-31_08_2025.csv", exportText)
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 1_760_000_000)], ofItemAtPath: url.path)
        return workspace
    }

    /// The uninterrupted run's state, after checking that it took the direct path.
    static func reference() throws -> Snapshot {
        let workspace = try prepareWorkspace()
        let result = try workspace.run(arguments, environment: environment)
        #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
        let ledgers = workspace.files(under: "archive/ledgers").filter { $0.hasSuffix(".csv") }
        #expect(ledgers.count == 2, "\(ledgers)")
        for ledger in ledgers {
            // Several whole 1 MB chunks written directly, each hashed on the digest thread.
            let size = try workspace.data(ledger).count
            #expect(size > 2 << 20, "\(ledger): \(size) bytes")
        }
        return try Snapshot(workspace)
    }

    @Test func aLargeImportKilledAfterAnyStepEndsLikeAnUninterruptedRun() throws {
        let expected = try Self.reference()
        let traced = try Self.prepareWorkspace().run(
            Self.arguments, environment: Self.environment.merging(["FACTURATION_CRASH_TRACE": "1"]) { $1 })
        // The steps of the import, up to the export's move into `archive/files/` (the digest and the
        // run's record come after it, as in ``CrashRecoveryTests``, which kills those for the demo).
        let points = traced.stderr.split(separator: "\n").filter { $0.hasPrefix("crash-point ") }
        let steps = try #require(points.firstIndex { $0.contains("/archive/files/") }) + 1
        #expect(steps > 20, "too few durable steps counted: \(points)")
        for step in 1...steps {
            let workspace = try Self.prepareWorkspace()
            let crashed = try workspace.run(
                Self.arguments, environment: Self.environment.merging(["FACTURATION_CRASH_AFTER": "\(step)"]) { $1 })
            #expect(crashed.killedBySignal, "step \(step) did not crash: \(crashed.stderr)")
            let recovered = try workspace.run(Self.arguments, environment: Self.environment)
            #expect(recovered.status == 0, "step \(step): \(recovered.stderr)")
            let difference = try Snapshot(workspace).difference(from: expected)
            #expect(difference.isEmpty, "state differs after a crash at step \(step):\n\(difference)")
            if !difference.isEmpty { break }
        }
    }

    /// SIGKILL while the ledgers are written: as soon as a temporary file in `work/tmp/` holds at
    /// least a random number of bytes (a ledger or its outbox copy, part written directly). The
    /// durable steps above come between the writes, never during them; a kill at a random time
    /// would mostly land in the conversion, which writes nothing.
    @Test func killsWhileTheLedgersAreWrittenLoseNothing() throws {
        let expected = try Self.reference()
        var generator = SystemRandomNumberGenerator()
        var landed = 0
        for round in 0..<8 {
            let workspace = try Self.prepareWorkspace()
            for _ in 0..<2 {
                let running = try Binary.start(
                    Self.arguments + ["--workspace", workspace.path], environment: Self.environment)
                let bytes = Int64.random(in: (64 << 10)...(2 << 20), using: &generator)
                if Self.waitForTemporaryFile(in: workspace.path + "/work/tmp", holding: bytes, while: running) {
                    kill(running.process.processIdentifier, SIGKILL)
                }
                if running.wait().killedBySignal { landed += 1 }
            }
            try workspace.run(Self.arguments, environment: Self.environment)
            let difference = try Snapshot(workspace).difference(from: expected)
            #expect(difference.isEmpty, "round \(round):\n\(difference)")
        }
        // Most kills land while a file is written (a run can finish its write first).
        #expect(landed >= 8, "only \(landed) of 16 runs were killed while writing")
    }

    /// Polls `folder` until one of its files holds at least `bytes` (true), or the run ends (false).
    static func waitForTemporaryFile(in folder: String, holding bytes: Int64, while running: Binary.Running) -> Bool {
        while running.process.isRunning {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for name in names where name.hasPrefix(".tmp-") {
                let size = (try? FileManager.default.attributesOfItem(atPath: folder + "/" + name)[.size]) as? Int64
                if let size, size >= bytes { return true }
            }
            usleep(200)
        }
        return false
    }
}
