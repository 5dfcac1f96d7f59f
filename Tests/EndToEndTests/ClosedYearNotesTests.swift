import FacturationCore
import Foundation
import Testing

/// What the open years' postings need of the closed years' records
/// (`archive/checkpoints/<pipeline>/notes-exercices-clos.pack`, issue #9): once a quiet run has
/// written it, a run posts the open year without going through the closed years' documents and
/// receipts, and each change of what it was found from (a closed year's record edited in place, a
/// closed year's match file edited in place, a late bank line of the closed year) gives the outputs
/// of a workspace whose notes are deleted before every run, also when the notes of before the change
/// are put back; a planted file is read, a damaged one rebuilt to the same bytes.
///
/// The history of ``ReceivablesYearSummaryTests`` (the demo of 2025, then January 2026, where a
/// receipt pays the December invoice: its entries read that invoice's client, pending VAT and open
/// amount), in two workspaces side by side: `kept` keeps its notes, `reference` loses them before
/// each run.
@Suite("Closed years, what accounting notes of them", .serialized)
struct ClosedYearNotesTests {
    static let notes = "archive/checkpoints/demo-conseil/notes-exercices-clos.pack"
    static let january = "outbox/fec/mensuel/2026-01/812345676FEC20261231.txt"

    static func removeNotes(_ workspace: TestWorkspace) throws { try workspace.removeIfPresent(notes) }

    /// Both workspaces run `days` (the reference without its notes): the same statuses and outputs.
    static func runs(_ kept: TestWorkspace, _ reference: TestWorkspace, _ days: [String]) throws {
        try IssuedRecordPackTests.runs(kept, reference, days, removing: notes)
    }

    /// The files older than the racy window, a run that records them (the notes written), and one
    /// that reads the notes.
    static func settle(_ kept: TestWorkspace, _ reference: TestWorkspace, _ days: [String]) throws {
        Thread.sleep(forTimeInterval: 2.5)
        try runs(kept, reference, days)
        #expect(kept.exists(notes), "the notes are written")
    }

    /// The history in both workspaces, settled; returns the December invoice paid in January.
    static func history() throws -> (kept: TestWorkspace, reference: TestWorkspace, december: String) {
        let kept = try ReceivablesYearSummaryTests.workspace()
        let reference = try ReceivablesYearSummaryTests.workspace()
        let december = try ReceivablesYearSummaryTests.history(kept, beforeEach: { _ in })
        try ReceivablesYearSummaryTests.history(reference, beforeEach: removeNotes)
        try settle(kept, reference, ["2026-02-03", "2026-02-04"])
        return (kept, reference, december)
    }

    /// The header's `key` line.
    static func key(_ workspace: TestWorkspace) throws -> String {
        let text = String(decoding: try workspace.data(notes).prefix(600), as: UTF8.self)
        return try #require(text.split(separator: "\n").first { $0.hasPrefix("key ") }).description
    }

    /// The file of `folder` holding the record or match that contains `marker`.
    static func file(_ workspace: TestWorkspace, under folder: String, holding marker: String) throws -> URL {
        let file = try #require(
            workspace.files(under: folder).first { (try? workspace.text($0))?.contains(marker) == true })
        return workspace.root.appendingPathComponent(file)
    }

    /// `file` edited in place by `edit` (which keeps its size), its modification time put back
    /// (`touch -r`; its change time moves).
    static func editInPlace(_ file: URL, _ edit: (String) throws -> String) throws {
        let original = try String(contentsOf: file, encoding: .utf8)
        let edited = try edit(original)
        #expect(edited.utf8.count == original.utf8.count && edited != original)
        let reference = FileManager.default.temporaryDirectory.appendingPathComponent("edit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: reference) }
        try Data().write(to: reference)
        try ClosedYearFECTests.touch(reference, like: file)
        let handle = try FileHandle(forUpdating: file)
        try handle.write(contentsOf: Data(edited.utf8))
        try handle.close()
        try ClosedYearFECTests.touch(file, like: reference)
    }

    /// The December invoice's buyer renamed in its record (first letter made `Z`).
    static func renameBuyer(_ workspace: TestWorkspace, of number: String) throws {
        let marker = "\"number\":\"\(number)\""
        let file = try file(workspace, under: "archive/invoicing/demo-conseil/issued/2025", holding: marker)
        try editInPlace(file) { text in
            var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            let index = try #require(lines.firstIndex { $0.contains(marker) })
            let name = try #require(lines[index].range(of: #""name":""#))
            lines[index].replaceSubrange(name.upperBound..<lines[index].index(after: name.upperBound), with: "Z")
            return lines.joined(separator: "\n")
        }
    }

    /// A match of 2025 with one allocation made to pay the December invoice instead (a number of
    /// the same length): the invoice owes less before its January receipt.
    static func matchPaysDecember(_ workspace: TestWorkspace, _ december: String) throws {
        let folder = "archive/payments/demo-conseil/matches"
        let (path, text) = try #require(
            try workspace.files(under: folder).map { ($0, try workspace.text($0)) }.first {
                $0.1.contains(#""bookingDate" : "2025-0"#)
                    && $0.1.components(separatedBy: #""invoice" : ""#).count == 2
            })
        let paid = try #require(ClosedYearFECTests.invoice(in: text))
        #expect(paid.utf8.count == december.utf8.count)
        try editInPlace(workspace.root.appendingPathComponent(path)) {
            $0.replacingOccurrences(of: "\"\(paid)\"", with: "\"\(december)\"")
        }
    }

    /// Each change of what the notes were found from, made in both workspaces: the run right after
    /// (the notes of before still there) and the two after the racy window give the outputs of the
    /// reference, and the notes are found from the changed files.
    @Test func eachChangeOfTheClosedYearsRecordsGivesTheOutputsOfARunWithoutNotes() throws {
        let (kept, reference, december) = try Self.history()
        let steps: [(String, (TestWorkspace) throws -> Void)] = [
            ("a closed year's record edited in place", { try Self.renameBuyer($0, of: december) }),
            ("a closed year's match file edited in place", { try Self.matchPaysDecember($0, december) }),
            ("a late bank line of the closed year", ClosedYearFECTests.dropLateBankLine),
        ]
        let url = kept.root.appendingPathComponent(Self.notes)
        for (index, (change, apply)) in steps.enumerated() {
            let before = try Self.key(kept)
            let january = try Self.fec(kept)
            let stale = try Data(contentsOf: url)
            try apply(kept)
            try apply(reference)
            let day = 10 + 4 * index
            try Self.runs(kept, reference, ["2026-02-\(day)"])
            try Self.settle(kept, reference, ["2026-02-\(day + 1)", "2026-02-\(day + 2)"])
            #expect(try Self.key(kept) != before, "\(change): the notes are found again")
            if change != "a late bank line of the closed year" {
                #expect(try Self.fec(kept) != january, "\(change): January's receipt reads it")
            }
            // The notes of before the change put back (whole, of this binary): stale, not used.
            let found = try Data(contentsOf: url)
            try stale.write(to: url)
            try Self.runs(kept, reference, ["2026-02-\(day + 3)"])
            #expect(try Data(contentsOf: url) == found, "\(change): the stale notes are replaced")
        }
    }

    /// The header's end and the body's SHA-256 made right for `body`.
    static func withChecksum(_ bytes: Data, body: (inout [UInt8]) throws -> Void) throws -> Data {
        var header: [UInt8] = [], rest = [UInt8](bytes)
        for _ in 0..<4 {
            let end = try #require(rest.firstIndex(of: 0x0A))
            header += rest[...end]
            rest = Array(rest[(end + 1)...])
        }
        let end = try #require(rest.firstIndex(of: 0x0A))
        var payload = Array(rest[(end + 1)...])
        try body(&payload)
        let line = "body-sha256 " + payload.withUnsafeBytes { SHA256Hasher.hex($0) } + "\n"
        return Data(header + Array(line.utf8) + payload)
    }

    @Test func plantedNotesAreReadAndDamagedOnesRebuiltToTheSameBytes() throws {
        let (kept, _, december) = try Self.history()
        let url = kept.root.appendingPathComponent(Self.notes)
        let original = try Data(contentsOf: url)
        let january = try Self.fec(kept)
        let buyer = try #require(
            try PaymentsTests.states(kept)[december]?["client_name"].map { String($0.prefix(6)) })
        #expect(january.contains(buyer))
        // Used: the December invoice's client, changed in the notes, is the one January's receipt names.
        let planted = try Self.withChecksum(original) { body in
            let from = Array(buyer.utf8), to = Array(String(buyer.reversed()).utf8)
            #expect(from.count == to.count && from != to)
            let at = try #require(body.indices.first { body[$0...].starts(with: from) })
            body.replaceSubrange(at..<at + from.count, with: to)
        }
        try planted.write(to: url)
        try Self.runOne(kept, "2026-02-05")
        #expect(try Self.fec(kept).contains(String(buyer.reversed())), "the planted notes are read")

        let damages: [(String, () throws -> Data)] = [
            ("truncated", { original.prefix(original.count - 3) }),
            ("garbage", { Data("\u{0}not a pack at all\n".utf8) }),
            (
                "a changed byte",
                {
                    var bytes = planted; bytes[bytes.count - 1] ^= 1; return bytes
                }
            ),
            (
                "another version",
                {
                    Data(
                        String(decoding: planted, as: UTF8.self).replacingOccurrences(
                            of: "notes 1\n", with: "notes 9\n"
                        ).utf8)
                }
            ),
            ("a folder in its place", { Data() }),
        ]
        for (index, (damage, made)) in damages.enumerated() {
            try? FileManager.default.removeItem(at: url)
            if damage == "a folder in its place" {
                try FileManager.default.createDirectory(at: url, withIntermediateDirectories: false)
            } else {
                try made().write(to: url)
            }
            try Self.runOne(kept, "2026-02-\(16 + index)")
            #expect(try Self.fec(kept) == january, "\(damage)")
            if damage == "a folder in its place" {
                var folder: ObjCBool = false
                #expect(FileManager.default.fileExists(atPath: url.path, isDirectory: &folder) && folder.boolValue)
            } else {
                #expect(try Data(contentsOf: url) == original, "\(damage): rebuilt to the same bytes")
            }
        }
    }

    /// January's FEC (Latin-9 or UTF-8: compared as bytes read leniently).
    static func fec(_ workspace: TestWorkspace) throws -> String {
        String(decoding: try workspace.data(january), as: UTF8.self)
    }

    static func runOne(_ workspace: TestWorkspace, _ day: String) throws {
        let result = try workspace.run(["run", "--settle", "0", "--date", day])
        #expect(result.status <= 2, "\(day): \(result.stderr)")
    }
}
