import FacturationCore
import Foundation
import TestSupport
import Testing

/// Kills during an import large enough that its new month ledgers and their outbox copies are
/// written straight to the disk (``DirectIO``, whole 1 MB chunks) and hashed on the digest thread
/// (``BackgroundDigest``), converted in pieces on both cores beside the export's own digest
/// (``DeferredDigest``): the path of a large export, which
/// the demo's small files never take. Killed after any of its renames, or while a ledger is being
/// written, and started again, the run must end in the state of an uninterrupted one (as
/// ``CrashRecoveryTests`` checks for the demo after every durable step).
@Suite("Kill and restart, large import", .serialized)
struct LargeImportKillTests {
    /// July and August 2025, 16,000 half-hour entries alternating between the two months, each
    /// with its own description: two new ledgers of more than 2 MB each.
    static let exportText = DirectIOFallbackRunTests.export(rows: 16_000, months: [7, 8])
    /// Pieces of 1 MB: the conversion runs on both cores, as it does for a large file, beside the
    /// export's digest (``DeferredDigest``, from 1 MB here): a run killed after it recorded the
    /// export converts it again until its digest is known, then finishes the claim.
    static let environment = ["FACTURATION_CSV_PIECES": "\(1 << 20)", "FACTURATION_DEFERRED_DIGEST": "\(1 << 20)"]
    static let arguments = ["run", "--settle", "0", "--date", "2025-09-01"]

    static func prepareWorkspace() throws -> TestWorkspace {
        let workspace = try TestWorkspace()
        let url = try workspace.drop("Clockify_Time_Report_Detailed_01_07_2025-31_08_2025.csv", exportText)
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 1_760_000_000)], ofItemAtPath: url.path)
        return workspace
    }

    /// The uninterrupted run's state, after checking that the files take the direct path.
    static func reference() throws -> Snapshot {
        let workspace = try prepareWorkspace()
        let result = try workspace.run(arguments, environment: environment)
        try #require(result.status == 0, "\(result.stdout)\(result.stderr)")
        let ledgers = workspace.files(under: "archive/ledgers").filter { $0.hasSuffix(".csv") }
        #expect(ledgers.count == 2, "\(ledgers)")
        for ledger in ledgers {
            // Whole 1 MB chunks written directly, each hashed on the digest thread.
            let size = try workspace.data(ledger).count
            #expect(size > 2 << 20, "\(ledger): \(size) bytes")
        }
        // The two ledgers and their two outbox copies are written directly: a file system that
        // refuses after the first direct write (the seam of ``DirectIOFallbackRunTests``) sees four.
        let refusing = try prepareWorkspace().run(
            arguments, environment: environment.merging(["FACTURATION_TEST_DIRECT_REFUSAL": "1"]) { $1 })
        let refusals = DirectIOFallbackRunTests.refusals(refusing.stderr)
        #expect(refusals == Array(repeating: "direct-io refused after 1", count: 4), "\(refusing.stderr)")
        return try Snapshot(workspace)
    }

    @Test func aLargeImportKilledAfterAnyRenameEndsLikeAnUninterruptedRun() throws {
        let expected = try Self.reference()
        let traced = try Self.prepareWorkspace().run(
            Self.arguments, environment: Self.environment.merging(["FACTURATION_CRASH_TRACE": "1"]) { $1 })
        // The renames of the import, up to the export's move into `archive/files/`: the files it
        // publishes. A kill right after a folder's creation finds nothing half done that the one
        // before it did not (each kill costs two runs and a snapshot of the workspace here); those
        // steps, the digest and the run's record are killed for the demo by ``CrashRecoveryTests``.
        // The two months are written on two threads, so their steps may come in another order in
        // another run: the n-th step is then the other month's.
        let points = traced.stderr.split(separator: "\n").filter { $0.hasPrefix("crash-point ") }
        let last = try #require(points.firstIndex { $0.contains(" -> ") && $0.contains("/archive/files/") })
        let steps = points[...last].indices.filter { points[$0].contains(" -> ") }.map { $0 + 1 }
        #expect(steps.count >= 10, "too few renames counted: \(points)")
        for step in steps {
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

    /// Killed right after it recorded the export in the index: the resumed claim is looked up
    /// before anything else (its digest is not deferred), so it is only archived, not converted
    /// again (no `csv-pieces` line from the seam's trace), and ends like an uninterrupted run.
    @Test func aClaimResumedAfterItsIndexEntryIsArchivedWithoutAConversion() throws {
        let expected = try Self.reference()
        let traced = try Self.prepareWorkspace().run(
            Self.arguments, environment: Self.environment.merging(["FACTURATION_CRASH_TRACE": "1"]) { $1 })
        let points = traced.stderr.split(separator: "\n").filter { $0.hasPrefix("crash-point ") }
        let step = try #require(points.firstIndex { $0.contains(" -> ") && $0.contains("/archive/index/") }) + 1
        let workspace = try Self.prepareWorkspace()
        let crashed = try workspace.run(
            Self.arguments, environment: Self.environment.merging(["FACTURATION_CRASH_AFTER": "\(step)"]) { $1 })
        #expect(crashed.killedBySignal, "step \(step) did not crash: \(crashed.stderr)")
        #expect(crashed.stderr.contains("csv-pieces "), "the first run converted in pieces")
        let recovered = try workspace.run(Self.arguments, environment: Self.environment)
        #expect(recovered.status == 0, "\(recovered.stderr)")
        #expect(!recovered.stderr.contains("csv-pieces"), "the resumed claim was converted again: \(recovered.stderr)")
        let difference = try Snapshot(workspace).difference(from: expected)
        #expect(difference.isEmpty, "\(difference)")
    }

    /// SIGKILL while the ledgers are written: as soon as a temporary file of the running process
    /// in `work/tmp/` holds at least a random number of bytes (a ledger or its outbox copy, part
    /// written directly). The test above kills a run only right after a rename (the other
    /// month's writer may then be mid-file, but not at a chosen point); a kill at a random time
    /// would mostly land in the conversion, which writes nothing (the writes take a few
    /// milliseconds of the run's 1.7 s here).
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
                if Self.waitForTemporaryFile(in: workspace.path + "/work/tmp", holding: bytes, of: running) {
                    running.signal(SIGKILL)
                }
                let ended = running.wait()
                #expect(!ended.timedOut, "\(ended.stderr)")
                if ended.killedBySignal { landed += 1 }
            }
            let recovered = try workspace.run(Self.arguments, environment: Self.environment)
            #expect(recovered.status == 0, "round \(round): \(recovered.stderr)")
            let difference = try Snapshot(workspace).difference(from: expected)
            #expect(difference.isEmpty, "round \(round):\n\(difference)")
        }
        // The poll can miss a file (a busy machine, a write done between two looks); a run that
        // missed its kill finishes, and the round's second run then has nothing left to write.
        #expect(landed >= 4, "only \(landed) of 16 runs were killed while writing")
    }

    /// Polls `folder` until one of the temporary files of `running` holds at least `bytes` (true),
    /// or the run ends or outlives its time limit (false). Only its own: a killed run's files stay until the next run starts
    /// (``OutputFile`` names them `.tmp-<pid>-…`).
    static func waitForTemporaryFile(in folder: String, holding bytes: Int64, of running: Binary.Running) -> Bool {
        let prefix = ".tmp-\(running.pid)-"
        let deadline = ContinuousClock.now + ChildProcess.defaultLimit
        while running.isRunning, ContinuousClock.now < deadline {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
            for name in names where name.hasPrefix(prefix) {
                let size = (try? FileManager.default.attributesOfItem(atPath: folder + "/" + name)[.size]) as? Int64
                if let size, size >= bytes { return true }
            }
            // Short: the ledgers' writes last a few milliseconds.
            Thread.sleep(forTimeInterval: 0.0002)
        }
        return false
    }
}
