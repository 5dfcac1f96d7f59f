import FacturationCore
import Foundation
import Testing

/// A run killed (SIGKILL, `FACTURATION_CRASH_AFTER`) after each durable step of its report
/// deliveries, then started again, ends as an uninterrupted run: the same outbox, delivery records
/// and report checkpoints (`archive/checkpoints/<pipeline>/rapports/`). The checkpoint is written
/// after the files: written before, a kill between the two would leave a workbook that the next
/// run, trusting the checkpoint, never delivers.
@Suite("Reports killed and restarted, end to end", .serialized)
struct ReportKillTests {
    static let environment = ["FACTURATION_NOW": "2025-08-02T07:00:00Z"]
    static let checkpoints = "archive/checkpoints/demo-conseil/rapports"

    static func run(
        _ workspace: TestWorkspace, _ day: String, crashAfter step: Int? = nil, trace: Bool = false
    ) throws -> CommandResult {
        var environment = Self.environment
        if let step { environment["FACTURATION_CRASH_AFTER"] = "\(step)" }
        if trace { environment["FACTURATION_CRASH_TRACE"] = "1" }
        return try workspace.run(["run", "--settle", "0", "--date", day], environment: environment)
    }

    /// Every output (the golden manifest's view) and the report checkpoints, byte for byte but for
    /// the `stat` of their files (``DeliveredCopy``, recorded once a file is older than the racy
    /// window: `Snapshot.withoutDeliveredStats(_:)`).
    static func state(_ workspace: TestWorkspace) throws -> [String] {
        var state = try DemoReplayTests.manifest(of: workspace)
        for path in workspace.files(under: checkpoints) {
            let data = try workspace.data(path)
            let text = Snapshot.withoutDeliveredStats(data) ?? String(decoding: data, as: UTF8.self)
            state.append(SHA256Hasher.hex(text) + " " + path)
        }
        return state
    }

    /// The crash points of a traced run that belong to report deliveries: the temporary files
    /// (`report-…`), the workbooks, the delivery records and copies of the reports, the checkpoints.
    static func reportSteps(_ trace: CommandResult) -> [Int] {
        let reports = [
            "report-", ".xlsx", "rapports/", "registre-ventes", "paiements/", "tresorerie/", "compte-attente",
        ]
        return trace.stderr.split(separator: "\n").compactMap { line -> Int? in
            guard line.hasPrefix("crash-point "), reports.contains(where: { line.contains($0) }) else { return nil }
            return Int(line.dropFirst("crash-point ".count).prefix { $0 != ":" })
        }
    }

    @Test func aRunKilledWhileDeliveringReportsEndsLikeAnUninterruptedOne() throws {
        let base = try TestWorkspace(invoicing: true)
        try base.dropDemoFiles()
        for day in ["2025-07-01", "2025-08-01"] {
            let result = try Self.run(base, day)
            #expect(result.status == 0 || result.status == 2, "\(day): \(result.stderr)")
        }
        #expect(base.files(under: Self.checkpoints).contains { $0.hasSuffix("registre-ventes.csv.json") })

        // The next day: every workbook has a new date; some CSVs change, some do not.
        let reference = try DunningTests.copy(base)
        let traced = try Self.run(reference, "2025-08-02", trace: true)
        #expect(traced.status == 0 || traced.status == 2, "\(traced.stderr)")
        let expected = try Self.state(reference)
        let steps = Self.reportSteps(traced)
        #expect(steps.count >= 20, "\(traced.stderr)")
        #expect(traced.stderr.contains("rapports/tresorerie/flux-prevus.csv.json"), "\(traced.stderr)")

        for step in steps {
            let attempt = try DunningTests.copy(base)
            let killed = try Self.run(attempt, "2025-08-02", crashAfter: step)
            #expect(killed.killedBySignal, "step \(step) did not kill: \(killed.stdout)")
            let again = try Self.run(attempt, "2025-08-02")
            #expect(again.status == 0 || again.status == 2, "step \(step): \(again.stderr)")
            let state = try Self.state(attempt)
            #expect(
                state == expected,
                Comment(
                    rawValue: "killed after step \(step): "
                        + DemoReplayTests.describe(
                            missing: Set(expected).subtracting(state).sorted(),
                            unexpected: Set(state).subtracting(expected).sorted())))
        }
    }
}
