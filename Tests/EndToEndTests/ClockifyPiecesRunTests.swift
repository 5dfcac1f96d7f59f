import Foundation
import Testing

/// The Clockify conversion on every core (`ClockifyCSVPieces`), through the real binary: a run that
/// cuts the export into pieces (`FACTURATION_CSV_PIECES`, the test seam that takes that path with
/// small files) must give the same ledgers, outbox copies and rejection reasons as the one-core run.
@Suite("Clockify conversion in pieces, end to end")
struct ClockifyPiecesRunTests {
    static let july = "Clockify_Time_Report_Detailed_01_07_2025-31_07_2025.csv"

    /// The July export with a quoted line break in a description (a cut must not fall inside it).
    static func export() throws -> String {
        let text = try String(
            contentsOf: Repository.root.appendingPathComponent("demo/inbox/\(july)"), encoding: .utf8)
        return text.replacingOccurrences(
            of: "\"Support utilisateurs, tickets N2\"", with: "\"Support utilisateurs,\ntickets N2\"")
    }

    /// Runs `files` in a fresh workspace, cut in pieces of `pieces` bytes or not; what it wrote.
    static func run(_ files: [String: String], pieces: Int?) throws -> (files: [String: Data], stderr: String) {
        try run(files, environment: pieces.map { ["FACTURATION_CSV_PIECES": "\($0)"] } ?? [:])
    }

    /// Runs `files` in a fresh workspace on 1 August 2025 with `environment`: the ledgers, outbox
    /// copies, their delivery records (`archive/deliveries/…sha256`) and rejection reasons it
    /// wrote, and its stderr.
    /// `openFiles`: the run may hold at most that many descriptors (`prlimit --nofile`).
    static func run(
        _ files: [String: String], environment: [String: String], openFiles: Int? = nil
    ) throws -> (files: [String: Data], stderr: String) {
        let workspace = try TestWorkspace()
        for (name, text) in files { try workspace.drop(name, text) }
        let arguments = ["run", "--settle", "0", "--date", "2025-08-01", "--workspace", workspace.path]
        let result =
            try openFiles.map {
                try Binary.run(
                    ["--nofile=\($0):\($0)", Binary.url.path] + arguments, environment: environment,
                    executable: URL(fileURLWithPath: "/usr/bin/prlimit"))
            } ?? Binary.run(arguments, environment: environment)
        #expect(result.status == 0 || result.status == 2, "\(result.stdout)\(result.stderr)")
        var written: [String: Data] = [:]
        for path in workspace.files(under: "archive/ledgers") + workspace.files(under: "outbox/time-entries")
            + workspace.files(under: "archive/deliveries")
        {
            written[path] = try workspace.data(path)
        }
        // Reasons are named after their claim (a time): keyed by their order instead.
        for (index, path) in workspace.files(under: "archive/rejected").filter({ $0.hasSuffix(".reason.txt") })
            .sorted().enumerated()
        {
            // Without its "Received:" line: the claim's time differs between the two runs.
            let lines = try workspace.text(path).components(separatedBy: "\n")
            written["reason-\(index)"] = Data(
                lines.filter { !$0.hasPrefix("Received:") }.joined(separator: "\n").utf8)
        }
        return (written, result.stderr)
    }

    @Test func piecesGiveTheLedgersOfTheOneCoreRun() throws {
        let files = [Self.july: try Self.export()]
        let alone = try Self.run(files, pieces: nil)
        let cut = try Self.run(files, pieces: 1_024)
        #expect(!alone.files.isEmpty && alone.files.keys.contains { $0.hasPrefix("archive/ledgers") })
        let count = cut.stderr.split(separator: "\n").first { $0.hasPrefix("csv-pieces ") }
        #expect(count.map { Int($0.dropFirst("csv-pieces ".count)) ?? 0 } ?? 0 > 3, "\(cut.stderr)")
        #expect(!cut.stderr.contains("csv-pieces fallback"), "\(cut.stderr)")
        #expect(cut.files == alone.files, "\(Set(cut.files.keys).symmetricDifference(alone.files.keys))")
    }

    /// A file name that must be quoted and guarded in every row (a leading `=`, a comma, double
    /// quotes): the month sorters hold lines without their provenance and put it back
    /// (`CompactLedgerLine`), so every row of every ledger, read by an independent parser, is the
    /// row of the same export under a plain name but for its `source_file`, which is the name.
    @Test(arguments: [nil, 1_024])
    func aHostileFileNameComesBackInEveryRow(pieces: Int?) throws {
        let hostile = "=Export, \"mars\" 2025.csv"
        let plain = try Self.ledgerRows(of: Self.run([Self.july: try Self.export()], pieces: pieces).files)
        let named = try Self.ledgerRows(of: Self.run([hostile: try Self.export()], pieces: pieces).files)
        #expect(plain.count > 1 && named.keys.sorted() == plain.keys.sorted())
        for (path, rows) in plain {
            let expected = rows.map { row in row.merging(["source_file": "'" + hostile]) { $1 } }
            #expect(named[path] == expected, "\(path)")
            #expect(rows.allSatisfy { $0["record_key"]?.hasSuffix("#1") == true && $0["source_file"] == Self.july })
        }
    }

    /// An entry that comes twice in one export (the same user, times, project, task and
    /// description) has one fingerprint: its second row is kept under the key `<fingerprint>#2`.
    /// The month sorters hold lines without their key, which they rebuild as `#1`
    /// (`CompactLedgerLine`), so such a key sends the month to the general merge: through the
    /// binary, the twins come out beside the rows of the export without them, in either mode.
    @Test(arguments: [nil, 1_024])
    func anEntryTwiceInOneExportIsKeptTwiceUnderItsOccurrence(pieces: Int?) throws {
        let text = try Self.export()
        let separator = text.contains("\r\n") ? "\r\n" : "\n"
        var lines: [String] = []
        var twins = 0
        for line in text.components(separatedBy: separator) {
            lines.append(line)
            // About one data row in four (the TOTAL row and the report's heading have no e-mail).
            if line.contains("@demo-conseil.fr,"), lines.count % 4 == 0 {
                lines.append(line)
                twins += 1
            }
        }
        let plain = try Self.ledgerRows(of: Self.run([Self.july: text], pieces: pieces).files)
        let doubled = try Self.ledgerRows(
            of: Self.run([Self.july: lines.joined(separator: separator)], pieces: pieces).files)
        #expect(twins > 5 && plain.count > 1 && doubled.keys.sorted() == plain.keys.sorted())
        func withoutRow(_ row: [String: String]) -> [String: String] { row.merging(["source_row": ""]) { $1 } }
        var seconds = 0
        for (path, rows) in doubled {
            let (first, second) = (
                rows.filter { $0["record_key"]?.hasSuffix("#1") == true },
                rows.filter { $0["record_key"]?.hasSuffix("#2") == true }
            )
            #expect(first.count + second.count == rows.count, "\(path)")
            #expect(first.map(withoutRow) == plain[path]?.map(withoutRow), "\(path)")
            for twin in second {
                let key = String(twin["record_key", default: ""].dropLast(2)) + "#1"
                let original = try #require(first.first { $0["record_key"] == key }, "\(path): \(key)")
                // The later line is the second occurrence (a row with a quoted line break spans two lines).
                let row = Int(twin["source_row", default: ""]) ?? 0
                #expect(row > Int(original["source_row", default: ""]) ?? .max, "\(path): \(key)")
                #expect(withoutRow(twin).merging(["record_key": key]) { $1 } == withoutRow(original), "\(path)")
            }
            seconds += second.count
        }
        // Each ledger and its outbox copy.
        #expect(seconds == 2 * twins, "\(seconds) rows under #2 for \(twins) repeated lines")
    }

    /// The rows of each ledger and outbox copy in `files`, by an independent CSV parser.
    static func ledgerRows(of files: [String: Data]) throws -> [String: [[String: String]]] {
        var rows: [String: [[String: String]]] = [:]
        for (path, data) in files where path.hasSuffix(".csv") {
            let table = SimpleCSV.parse(String(decoding: data, as: UTF8.self))
            guard let header = table.first else { continue }
            rows[path] = table.dropFirst().filter { $0 != [""] }.map {
                Dictionary(uniqueKeysWithValues: zip(header, $0))
            }
        }
        return rows
    }

    /// Hostile rows in a later piece (a date that is not one, a 3,000-character project):
    /// rejected with the very reason of the one-core run, nothing imported, the other file imported.
    @Test func aBrokenRowInALaterPieceGivesTheOneCoreReason() throws {
        let text = try Self.export()
        let separator = text.contains("\r\n") ? "\r\n" : "\n"
        var lines = text.components(separatedBy: separator)
        try #require(lines.count > 20)
        let last = lines.count - 4
        lines[last] = lines[last].replacingOccurrences(of: "2025-07-", with: "2025-13-")
        lines[last - 2] = String(repeating: "X", count: 3_000) + lines[last - 2]
        let files = [
            Self.july: lines.joined(separator: separator),
            "Clockify_Time_Report_Detailed_01_08_2025-31_08_2025.csv": try String(
                contentsOf: Repository.root.appendingPathComponent(
                    "demo/inbox/Clockify_Time_Report_Detailed_01_08_2025-31_08_2025.csv"), encoding: .utf8),
        ]
        let alone = try Self.run(files, pieces: nil)
        let cut = try Self.run(files, pieces: 1_024)
        #expect(cut.stderr.contains("csv-pieces "), "\(cut.stderr)")
        #expect(alone.files.keys.contains("reason-0"), "\(alone.files.keys.sorted())")
        #expect(cut.files == alone.files, "\(Set(cut.files.keys).symmetricDifference(alone.files.keys))")
        let reason = String(decoding: cut.files["reason-0"] ?? Data(), as: UTF8.self)
        #expect(reason.contains("2025-13-") && reason.utf8.count < 20_000, "\(reason)")
    }
}
