import FacturationCore
import Foundation
import Testing

/// `run` leaves its pass's state for the process exit to free (``Runner/Options/endsProcess``);
/// `watch` runs many passes in one process and must free each, or it would grow by one pass's
/// state (every document, every receivable) per pass. Seen through the binary at `-vv`, where a
/// pass that leaves its state says so.
@Suite("Pass state of run and watch, end to end")
struct WatchPassStateTests {
    static let leftForExit = "Pass state left for the process exit to free"

    @Test func watchFreesEveryPassStateThatRunLeavesForTheExit() throws {
        let once = try TestWorkspace()
        try once.drop("clockify.csv", QueueProtocolTests.clockifyCSV)
        let run = try once.run(["run", "--settle", "0", "-vv"])
        #expect(run.status == 0, "\(run.stderr)")
        #expect(run.stderr.contains(Self.leftForExit), "run: \(run.stderr)")

        let workspace = try TestWorkspace()
        let watch = try Binary.start(
            ["watch", "--interval", "0.2", "--settle", "0", "-vv", "--workspace", workspace.path])
        // Two passes that import a file, then at least one more.
        for (index, month) in ["07", "08"].enumerated() {
            try workspace.drop(
                "clockify-\(index).csv",
                QueueProtocolTests.clockifyCSV.replacingOccurrences(of: "/07/", with: "/\(month)/"))
            var processed = false
            for _ in 0..<100 where !processed {
                Thread.sleep(forTimeInterval: 0.1)
                processed = workspace.exists("outbox/time-entries/2025-\(month).csv")
            }
            #expect(processed, "month \(month)")
        }
        Thread.sleep(forTimeInterval: 0.5)
        watch.terminate()
        let result = watch.wait()
        #expect(result.status == 0)
        #expect((result.stdout + result.stderr).contains("imported"), "\(result.stdout)")
        #expect(!result.stderr.contains(Self.leftForExit), "watch: \(result.stderr)")
    }

    /// A pass of `watch` that leaves something alone in a derived place (here a folder where the run
    /// stamp goes, so every pass is a full one) prints its summary with the warning, though it took no
    /// file: `watch` prints only the passes that did or found something, and this is something. So
    /// does `run -q` with nothing else to do; a run that cannot write its record logs it instead.
    @Test func watchPrintsWhatAPassLeftAloneInADerivedPlace() throws {
        let workspace = try TestWorkspace()
        try workspace.drop("clockify.csv", QueueProtocolTests.clockifyCSV)
        #expect(try workspace.run(["run", "--settle", "0"]).status == 0)
        // The run stamp is written once the workspace's files are older than its racy window.
        Thread.sleep(forTimeInterval: 2.5)
        let layout = try ReceivablesYearSummaryTests.layout(workspace)
        try? FileManager.default.removeItem(atPath: layout.runStamp)
        try FileManager.default.createDirectory(atPath: layout.runStamp, withIntermediateDirectories: true)
        let warning = DerivedPlace(layout.runStamp, .file).warning(relativeTo: workspace.path)
        let watch = try Binary.start([
            "watch", "--interval", "0.2", "--settle", "0", "-q", "--workspace", workspace.path,
        ])
        Thread.sleep(forTimeInterval: 1.5)
        watch.terminate()
        let result = watch.wait()
        #expect(result.status == 0)
        #expect(result.stdout.components(separatedBy: "  WARNING    " + warning).count >= 2, "\(result.stdout)")

        // `run -q` with nothing else to do prints its summary with the warning, not "Nothing to do".
        let idle = try workspace.run(["run", "--settle", "0", "-q"])
        #expect(idle.status == 0 && idle.stdout.contains("  WARNING    " + warning), "\(idle.stdout)")
        #expect(!idle.stdout.contains("Nothing to do"), "\(idle.stdout)")
        // A run whose record cannot be written stops with an error and has no summary: it logs it.
        try FileManager.default.removeItem(atPath: workspace.path + "/archive/runs")
        try workspace.drop("runs", "someone's\n", into: "archive")
        let stopped = try workspace.run(["run", "--settle", "0"])
        #expect(stopped.status == 1, "\(stopped.stdout) \(stopped.stderr)")
        let logged = stopped.stderr.split(separator: "\n").filter { $0.contains(warning) }
        #expect(logged.count == 1 && logged.allSatisfy { $0.contains("warning") }, "\(stopped.stderr)")
    }
}
