import Foundation
import Testing

/// One error model: every failure reaches the command line as a message that names what is
/// concerned and what to do, with the exit status of its kind.
@Suite("Errors and exit statuses")
struct ErrorModelTests {
    @Test func aDamagedImportMarkerStopsTheRunAndNamesItInsteadOfReadingAsNotImported() throws {
        let workspace = try TestWorkspace()
        let name = "Clockify_Time_Report_Detailed_01_07_2025-31_07_2025.csv"
        let export = try Data(contentsOf: Repository.root.appendingPathComponent("demo/inbox/\(name)"))
        try workspace.drop(name, export)
        #expect(try workspace.run(["run", "--settle", "0"]).status == 0)
        let marker = try #require(workspace.files(under: "archive/index").first)
        try Data("{ damaged".utf8).write(to: workspace.root.appendingPathComponent(marker))

        try workspace.drop("again.csv", export)
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 1)
        #expect(
            result.stderr.contains(marker) && result.stderr.contains("restore it from a backup"), "\(result.stderr)")
        #expect(workspace.files(under: "work/claims").contains { $0.hasSuffix("/again.csv") }, "kept for the next run")
    }

    @Test func eachKindHasItsExitStatusAndAMessage() throws {
        let workspace = try TestWorkspace(invoicing: true)
        let unknown = try workspace.run(["approve", "time-NOPE-2025-07-0000000000"])
        #expect(unknown.status == 1)
        #expect(unknown.stderr.contains("no draft time-NOPE-2025-07-0000000000 is waiting"), "\(unknown.stderr)")

        let empty = try workspace.run(["fec", "--year", "2025", "--date", "2026-01-15"])
        #expect(empty.status == 1)
        #expect(
            empty.stderr.contains("error: no accounting entry between 2025-01-01 and 2025-12-31"), "\(empty.stderr)")

        let badClock = try workspace.run(["run", "--settle", "0"], environment: ["FACTURATION_NOW": "tomorrow"])
        #expect(badClock.status == 64)
        #expect(badClock.stderr.contains("FACTURATION_NOW"))
    }
}
