import FacturationCore
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Whatever stands where a derived file goes (everything under `archive/checkpoints/<pipeline>/`:
/// the packs, the closed years' summaries, the reports' and the FEC's checkpoints, the caches, the
/// run stamp) never stops a run nor changes what it writes: a folder (empty or holding someone's
/// file), a dangling link, a link to a folder, a FIFO, a file without read permission, an empty
/// file, a file of random bytes. Each run's exit status and outputs (outbox, ledgers, records, FEC)
/// are those of a workspace whose checkpoints are deleted before every run, in that run and the
/// next; what the run cannot replace (a folder where a file goes, anything else where a folder
/// goes) is left as it was and named by the run's summary, and nothing is written through a link.
///
/// One history (the demo of 2025, a credit note, runs of 2026 that close 2025 and pack it)
/// is made once for the suite with its checkpoints, and once without them for the reference; each
/// group of places runs a copy of the first through the same days as the reference, one obstacle
/// after the other in the place of every derived file or folder of the group at once: the files
/// are separate places (two groups, see ``Group``), and so are the folders but the pipeline's
/// checkpoints' own, which holds the others, and the folder of every pipeline's (a group each).
@Suite("Anything in a derived file's place", .serialized, DerivedFileHistory())
struct DerivedFilePlaceTests {
    /// A derived file or folder of the layout (``ArchiveLayout``), as the demo history has them.
    enum Place: String, CaseIterable, Sendable {
        case everyPipelinesCheckpoints, checkpoints, runStamp, supportingDocuments, outboxFolders, archivedDocuments,
            dashboardTimeTotals
        case issuedRecordPack, matchPack, bankLinePack, closedYearsHistory, salesRegisterInputs
        case issuedYearSummary, issuedYearSummaries, receivablesYearSummary, receivablesYearLines, receivablesYears
        case closedYearFEC, closedYearFECs, closedYearNotes, monthlyFECCheckpoint, monthlyFECCheckpoints
        case reportCheckpoint, reportCheckpoints

        /// The place's path; `monthlyFEC` is a monthly FEC's outbox path (`fec/mensuel/<YYYY-MM>/…`).
        func path(_ layout: ArchiveLayout, monthlyFEC: String) -> String {
            switch self {
            case .everyPipelinesCheckpoints: Path.parent(of: layout.checkpoints)
            case .checkpoints: layout.checkpoints
            case .runStamp: layout.runStamp
            case .supportingDocuments: layout.supportingDocumentsCheckpoint
            case .outboxFolders: layout.outboxFolders
            case .archivedDocuments: layout.archivedDocuments
            case .dashboardTimeTotals: layout.dashboardTimeTotals
            case .issuedRecordPack: layout.issuedRecordPack
            case .matchPack: layout.matchPack
            case .bankLinePack: layout.bankLinePack
            case .closedYearsHistory: layout.closedYearsHistory
            case .salesRegisterInputs: layout.salesRegisterInputs
            case .issuedYearSummary: layout.issuedYearSummary(folder: "2025")
            case .issuedYearSummaries: layout.issuedYearSummaries
            case .receivablesYearSummary: layout.receivablesYearSummary(year: 2025)
            case .receivablesYearLines: layout.receivablesYearLines(year: 2025)
            case .receivablesYears: layout.receivablesYears
            case .closedYearFEC: layout.closedYearFEC(closing: CivilDate(iso: "2025-12-31")!)
            case .closedYearFECs: layout.closedYearFECs
            case .closedYearNotes: layout.closedYearNotes
            case .monthlyFECCheckpoint: layout.publishedFECCheckpoint(monthlyFEC)
            case .monthlyFECCheckpoints: layout.monthlyFECCheckpoints
            case .reportCheckpoint: layout.reportCheckpoint("registre-ventes.csv")
            case .reportCheckpoints: layout.reportCheckpoints
            }
        }

        var kind: DerivedPlace.Kind {
            switch self {
            case .everyPipelinesCheckpoints, .checkpoints, .issuedYearSummaries, .receivablesYears, .closedYearFECs,
                .monthlyFECCheckpoints,
                .reportCheckpoints:
                .folder
            default: .file
            }
        }
    }

    /// Places that take an obstacle at once, each group in its own copy of the history. The files
    /// in two halves, so that every run has damaged derived files beside intact ones, read: the
    /// closed years' history (first half) damaged while the summaries it makes unread are intact,
    /// and the summaries (last half) damaged while the other files are.
    enum Group: String, CaseIterable, Sendable, CustomTestStringConvertible {
        case firstFiles, lastFiles, folders, checkpoints, everyPipelinesCheckpoints

        var places: [Place] {
            let files = Place.allCases.filter { $0.kind == .file }
            let half = files.firstIndex(of: .salesRegisterInputs)!
            switch self {
            case .firstFiles: return Array(files[..<half])
            case .lastFiles: return Array(files[half...])
            case .folders:
                return Place.allCases.filter {
                    $0.kind == .folder && $0 != .checkpoints && $0 != .everyPipelinesCheckpoints
                }
            case .checkpoints: return [.checkpoints]
            case .everyPipelinesCheckpoints: return [.everyPipelinesCheckpoints]
            }
        }

        var holdsFiles: Bool { self == .firstFiles || self == .lastFiles }

        /// The places that make this group's unread while they are current (the closed years' history
        /// makes their summaries unread): cleared before each run, so that the places are read and
        /// written (the run names what it cannot write).
        var shadowedBy: [Place] { self == .lastFiles || self == .folders ? [.closedYearsHistory] : [] }

        var testDescription: String { rawValue }
    }

    /// What is put in a place before a run. `nil` in ``steps``: nothing (the run after the last).
    enum Obstacle: String, Sendable {
        case emptyFolder, folderWithAFile, danglingLink, linkToAFolder, fifo, unreadable, emptyFile, randomBytes

        var isFolder: Bool { self == .emptyFolder || self == .folderWithAFile }
    }

    /// The runs of each test, one day each: the folders stay for a second run (they are left alone:
    /// the run after must go on too), the others are replaced by the run (the next step's run reads
    /// what it wrote), and a last run with the places cleared.
    static let steps: [(obstacle: Obstacle?, keep: Bool)] = [
        (.emptyFolder, false), (.emptyFolder, true), (.folderWithAFile, false), (.folderWithAFile, true),
        (.danglingLink, false), (.linkToAFolder, false), (.fifo, false), (.unreadable, false), (.emptyFile, false),
        (.randomBytes, false), (nil, false),
    ]
    /// February: January's monthly FEC, of the open year, is published again (its checkpoint read)
    /// by every run.
    static func day(_ step: Int) -> String { "2026-02-\(String(format: "%02d", 3 + step))" }
    static let kept = Data("a file of someone's, left alone\n".utf8)

    @Test(arguments: Group.allCases)
    func nothingInItsPlaceStopsARunOrChangesItsOutputs(_ group: Group) throws {
        let history = try #require(DerivedFileHistory.current, "the suite's history")
        let workspace = try #require(history.copies[group])
        let layout = try ReceivablesYearSummaryTests.layout(workspace)
        let places = group.places.map { ($0, $0.path(layout, monthlyFEC: history.monthlyFEC)) }
        let elsewhere = workspace.root.appendingPathComponent("elsewhere")
        for (index, step) in Self.steps.enumerated() {
            // What the run cannot replace: a folder where a file goes, anything else where a folder
            // goes (a folder in a folder's place is no obstacle: the run goes on as usual).
            let blocked = step.obstacle.map { $0.isFolder == group.holdsFiles } ?? false
            if !step.keep, !(!group.holdsFiles && step.obstacle?.isFolder == true) {
                for (_, path) in places {
                    try Self.clear(path)
                    if let obstacle = step.obstacle { try Self.put(obstacle, at: path, elsewhere: elsewhere) }
                }
            }
            for other in group.shadowedBy { try Self.clear(other.path(layout, monthlyFEC: history.monthlyFEC)) }
            let label = "\(group) \(step.obstacle.map(\.rawValue) ?? "cleared")\(step.keep ? " (kept)" : "")"
            let result = try workspace.run(["run", "--settle", "0", "--date", Self.day(index)])
            let expected = history.references[index]
            #expect(result.status == expected.status, "\(label): \(result.stderr)")
            try Self.check(result, step.obstacle, places: places, blocked: blocked, in: workspace, label)
            // What stands in the places is left out (the manifest leaves out what is under them).
            let manifest = try DemoReplayTests.manifest(of: workspace).filter { line in
                let file = line.dropFirst(65)
                return !places.contains { _, path in file == Path.relative(path, to: workspace.path) }
            }
            #expect(manifest.count > 100 && manifest == expected.manifest, "\(label): outputs differ")
            if manifest != expected.manifest { return }
        }
    }

    /// What is left alone is left as it was and named by the run's summary, once; nothing is written
    /// through a link; nothing else is named.
    static func check(
        _ result: CommandResult, _ obstacle: Obstacle?, places: [(Place, String)], blocked: Bool,
        in workspace: TestWorkspace, _ label: String
    ) throws {
        for (place, path) in places {
            let relative = Path.relative(path, to: workspace.path)
            if obstacle == .folderWithAFile, place.kind == .file {
                #expect(try workspace.data(relative + "/kept.txt") == kept, "\(label): \(place) left alone")
            }
            let warning = DerivedPlace(path, place.kind).warning(relativeTo: workspace.path)
            let said = result.stdout.components(separatedBy: warning).count - 1
            #expect(said == (blocked ? 1 : 0), "\(label): \(place) named \(said) times: \(result.stdout)")
        }
        if !blocked { #expect(!result.stdout.contains("it is derived"), "\(label): \(result.stdout)") }
        // A run that ends says it in its summary only, never also in its log.
        #expect(!result.stderr.contains("it is derived"), "\(label): \(result.stderr)")
        if obstacle == .linkToAFolder {
            let names = try FileManager.default.contentsOfDirectory(
                atPath: workspace.root.appendingPathComponent("elsewhere").path)
            #expect(names == ["kept.txt"], "\(label): nothing written through the links")
        }
    }

    /// A folder in a pack's place, then a file where a subfolder of the reports' checkpoints goes
    /// (`fec/`, of `fec/compte-attente.csv`), is named by the run (once, a warning of its summary,
    /// printed with `-q` too) and by `status --health` (a warning, in text and JSON), until it is
    /// removed and a run writes there.
    @Test func whatARunCannotReplaceIsNamedByTheRunAndTheHealthCheck() throws {
        let history = try #require(DerivedFileHistory.current, "the suite's history")
        let workspace = try #require(history.healthCopy)
        let layout = try ReceivablesYearSummaryTests.layout(workspace)
        // A stray file among the reports' checkpoints stands in no report's way: not named.
        try Self.kept.write(to: URL(fileURLWithPath: layout.reportCheckpoint("registre-ventes.csv") + ".bak"))
        let before = try Self.health(workspace)
        #expect(before.derived.isEmpty)
        let pack = DerivedPlace(layout.issuedRecordPack, .file)
        let said = pack.warning(relativeTo: workspace.path)
        #expect(said.hasPrefix("archive/checkpoints/demo-conseil/factures.pack is a folder"))
        try Self.namedUntilRemoved(pack, in: workspace, days: (0, 1), healthBefore: before) {
            try FileManager.default.createDirectory(atPath: $0, withIntermediateDirectories: false)
        }
        let reports = DerivedPlace(Path.join(layout.reportCheckpoints, "fec"), .folder)
        #expect(Storage.isDirectory(reports.path), "the history's checkpoint of fec/compte-attente.csv")
        try Self.namedUntilRemoved(reports, in: workspace, days: (2, 3), healthBefore: before) {
            try Self.kept.write(to: URL(fileURLWithPath: $0))
        }
        #expect(Storage.status(layout.reportCheckpoint("fec/compte-attente.csv"))?.isRegularFile == true)
    }

    /// Puts what `obstruct` makes in `place` (cleared first), runs on the first day, checks that the run
    /// and `status --health` name it, removes it, runs on the second day and checks that neither does.
    static func namedUntilRemoved(
        _ place: DerivedPlace, in workspace: TestWorkspace, days: (Int, Int),
        healthBefore before: (status: Int32, derived: [String]), _ obstruct: (String) throws -> Void
    ) throws {
        try clear(place.path)
        try obstruct(place.path)
        let warning = place.warning(relativeTo: workspace.path)
        // `-q`, as cron runs it (README, "Scheduling"): the summary's warnings are printed all the same.
        let run = try workspace.run(["run", "--settle", "0", "--date", day(days.0), "-q"])
        let lines = run.stdout.split(separator: "\n").filter { $0.contains(warning) }
        #expect(lines.map(String.init) == ["  WARNING    " + warning], "\(warning): \(run.stdout)")
        let blocked = try health(workspace)
        #expect(blocked.derived == [warning])
        #expect(blocked.status == max(before.status, 10))
        let text = try workspace.run(["status", "--health"])
        #expect(text.status == blocked.status && text.stdout.contains("WARNING   [demo-conseil] \(warning)"))
        try FileManager.default.removeItem(atPath: place.path)
        let after = try workspace.run(["run", "--settle", "0", "--date", day(days.1)])
        #expect(!(after.stdout + after.stderr).contains("it is derived"), "\(after.stdout)")
        #expect(Storage.status(place.path)?.isDirectory == (place.kind == .folder))
        let healed = try health(workspace)
        #expect(healed.derived.isEmpty && healed.status == before.status)
    }

    /// With two pipelines, what stands where the folder of every pipeline's checkpoints goes is
    /// named once by a run and once by `status --health`.
    @Test func theFolderOfEveryPipelinesCheckpointsIsNamedOnce() throws {
        let workspace = try DigestRunTests.twoPipelines()
        try workspace.drop("checkpoints", "someone's\n", into: "archive")
        let now = ["FACTURATION_NOW": "2025-09-26T08:00:00Z"]
        try workspace.run(["run", "--settle", "0"], environment: now)
        // Each pipeline's run stamp is written once the files are older than its racy window.
        Thread.sleep(forTimeInterval: 2.5)
        let run = try workspace.run(["run", "--settle", "0"], environment: now)
        let warning = DerivedPlace(workspace.path + "/archive/checkpoints", .folder)
            .warning(relativeTo: workspace.path)
        #expect(run.status == 0 && run.stdout.components(separatedBy: warning).count == 2, "\(run.stdout)")
        #expect(try Self.health(workspace).derived == [warning])
    }

    /// A folder whose name holds a line end, among the reports' checkpoints (anyone can make one):
    /// `status --health` names it escaped, on one line, and forges no line of its own.
    @Test func aHostileNameInADerivedFolderIsShownEscaped() throws {
        let workspace = try DigestRunTests.fedWorkspace()
        let now = ["FACTURATION_NOW": "2025-09-26T08:00:00Z"]
        try workspace.run(["run", "--settle", "0"], environment: now)
        let pipeline = try #require(
            try FileManager.default.contentsOfDirectory(atPath: workspace.path + "/pipelines").first)
        let reports = workspace.path + "/archive/checkpoints/\(pipeline.dropLast(".toml".count))/rapports"
        let hostile = Path.join(reports, "x\nCRITICAL  forged.json")
        try FileManager.default.createDirectory(atPath: hostile, withIntermediateDirectories: true)
        let text = try workspace.run(["status", "--health"], environment: now)
        #expect(!text.stdout.split(separator: "\n").contains { $0.hasPrefix("CRITICAL  forged") }, "\(text.stdout)")
        #expect(text.stdout.contains("x\\x0ACRITICAL  forged.json is a folder where a derived file goes"))
        #expect(try Self.health(workspace).derived.contains { $0.contains("x\\x0ACRITICAL  forged.json") })
    }

    /// `status --health --json`'s exit status and the messages of its derived-place problems.
    static func health(_ workspace: TestWorkspace) throws -> (status: Int32, derived: [String]) {
        let result = try workspace.run(["status", "--health", "--json"])
        let report = try #require(
            try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], "\(result.stdout)")
        let problems = try #require(report["problems"] as? [[String: Any]])
        return (
            result.status,
            problems.filter { $0["kind"] as? String == "derived-place" }.compactMap { $0["message"] as? String }
        )
    }

    /// The places are every derived file the history writes, and the layout's list of derived
    /// places names them all, and each place of the test as it is: a new kind of checkpoint must be
    /// added to ``ArchiveLayout/derivedPlaces()`` and to ``Place`` (its path taken from
    /// ``ArchiveLayout``), and so tested here.
    @Test func everyDerivedFileOfTheHistoryIsAPlace() throws {
        let history = try #require(DerivedFileHistory.current, "the suite's history")
        let layout = try ReceivablesYearSummaryTests.layout(history.template)
        let paths = Place.allCases.map { ($0, $0.path(layout, monthlyFEC: history.monthlyFEC)) }
        let listed = Set(layout.derivedPlaces())
        let files = history.template.files(under: Path.relative(layout.checkpoints, to: history.template.path))
        #expect(files.count > 15)
        for file in files.map({ history.template.path + "/" + $0 }) {
            #expect(
                paths.contains { place, path in
                    place.kind == .folder
                        ? place != .checkpoints && place != .everyPipelinesCheckpoints && file.hasPrefix(path + "/")
                        : file == path
                }, "\(file): a derived file no place of the test names")
            #expect(listed.contains(DerivedPlace(file, .file)), "\(file): a derived file the layout does not list")
        }
        for (place, path) in paths {
            #expect(listed.contains(DerivedPlace(path, place.kind)), "\(place): not listed by the layout")
        }
        #expect(!listed.contains { $0.isBlocked })
    }

    /// Removes what is at `path` (a link itself, not what it names); the folders made writable first.
    static func clear(_ path: String) throws {
        var info = stat()
        guard lstat(path, &info) == 0 else { return }
        if (info.st_mode & S_IFMT) == S_IFDIR { chmod(path, 0o755) }
        try FileManager.default.removeItem(atPath: path)
    }

    /// Puts `obstacle` at `path` (cleared); a link to a folder names `elsewhere` (outside the archive,
    /// holding one file).
    static func put(_ obstacle: Obstacle, at path: String, elsewhere: URL) throws {
        let url = URL(fileURLWithPath: path)
        try FileManager.default.createDirectory(at: url.deletingLastPathComponent(), withIntermediateDirectories: true)
        switch obstacle {
        case .emptyFolder:
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
        case .folderWithAFile:
            try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
            try kept.write(to: url.appendingPathComponent("kept.txt"))
        case .danglingLink:
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: path + ".nowhere")
        case .linkToAFolder:
            try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
            try kept.write(to: elsewhere.appendingPathComponent("kept.txt"))
            try FileManager.default.createSymbolicLink(atPath: path, withDestinationPath: elsewhere.path)
        case .fifo:
            #expect(mkfifo(path, 0o644) == 0, "mkfifo \(path)")
        case .unreadable:
            try randomBytes().write(to: url)
            chmod(path, 0)
        case .emptyFile:
            try Data().write(to: url)
        case .randomBytes:
            try randomBytes().write(to: url)
        }
    }

    /// 4,096 bytes of a fixed pseudo-random sequence.
    static func randomBytes() -> Data {
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15
        return Data(
            (0..<4096).map { _ in
                state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
                return UInt8(truncatingIfNeeded: state >> 56)
            })
    }
}

/// ``DerivedFilePlaceTests``'s history, made once for the suite: the workspace with its checkpoints
/// (copied by each test) and the reference's exit status and outputs after each of the steps' days.
/// (Not nested in the suite: its `@Suite` attribute names it.)
struct DerivedFileHistory: SuiteTrait, TestScoping {
    @TaskLocal static var current: Prepared?

    final class Prepared: @unchecked Sendable {
        /// Only read once made.
        let template: TestWorkspace
        /// A copy of the template for each group's test, made before the reference's runs: its files,
        /// new to its checkpoints, are older than the racy window by the time it runs (trusted).
        let copies: [DerivedFilePlaceTests.Group: TestWorkspace]
        /// Another, for the warnings' test.
        let healthCopy: TestWorkspace
        let references: [(status: Int32, manifest: [String])]
        /// A monthly FEC's outbox path (`fec/mensuel/…`), whose checkpoint is one of the places.
        let monthlyFEC: String

        init() throws {
            template = try IssuedYearSummaryTests.workspace()
            let reference = try IssuedYearSummaryTests.workspace()
            try IssuedYearSummaryTests.history(template, then: ["2026-01-05"], beforeEach: { _ in })
            try IssuedYearSummaryTests.history(
                reference, then: ["2026-01-05"], beforeEach: ClosedYearFECTests.removeCheckpoints)
            Thread.sleep(forTimeInterval: 2.5)
            try ClosedYearFECTests.runs(template, ["2026-01-06", "2026-02-02"])
            try ClosedYearFECTests.runs(
                reference, ["2026-01-06", "2026-02-02"], beforeEach: ClosedYearFECTests.removeCheckpoints)
            var copies: [DerivedFilePlaceTests.Group: TestWorkspace] = [:]
            for group in DerivedFilePlaceTests.Group.allCases { copies[group] = try Self.copy(template) }
            self.copies = copies
            healthCopy = try Self.copy(template)
            var references: [(status: Int32, manifest: [String])] = []
            for index in DerivedFilePlaceTests.steps.indices {
                try ClosedYearFECTests.removeCheckpoints(reference)
                let result = try reference.run(["run", "--settle", "0", "--date", DerivedFilePlaceTests.day(index)])
                references.append((result.status, try DemoReplayTests.manifest(of: reference)))
            }
            self.references = references
            let layout = try ReceivablesYearSummaryTests.layout(template)
            // The newest: January 2026's.
            let monthly = try #require(
                template.files(under: Path.relative(layout.publishedMonthlyFEC, to: template.path)).last)
            monthlyFEC = Path.relative(template.path + "/" + monthly, to: layout.accounting)
            #expect(monthlyFEC.contains("/2026-01/"), "\(monthlyFEC): a month of the open year")
        }

        /// A copy of `template` (new inodes and times: its checkpoints are rebuilt by its first run).
        static func copy(_ template: TestWorkspace) throws -> TestWorkspace {
            let copy = try TestWorkspace(invoicing: true)
            try FileManager.default.removeItem(at: copy.root)
            try FileManager.default.copyItem(at: template.root, to: copy.root)
            return copy
        }
    }

    func provideScope(
        for test: Test, testCase: Test.Case?, performing function: @Sendable () async throws -> Void
    ) async throws {
        try await Self.$current.withValue(try Prepared()) { try await function() }
    }
}
