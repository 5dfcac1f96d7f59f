import FacturationCore
import Foundation
import Testing

/// The closed years' record pack (`archive/checkpoints/<pipeline>/factures.pack`, issue #9): read by
/// the run's snapshot instead of every closed year's record files, and each change of a closed
/// year's records after it was written (a record edited in place with its size and modification
/// time put back, a record added, a record replaced by a link and edited through it) gives the
/// outputs of a workspace whose pack is deleted before every run (every record read, as before the
/// pack); a planted pack is read, a damaged one rebuilt to the same bytes.
///
/// Two workspaces run the demo of 2025, then January 2026, side by side with the same changes:
/// `packed` keeps its pack, `reference` loses it before each run.
@Suite("The closed years' record pack", .serialized)
struct IssuedRecordPackTests {
    static let pack = "archive/checkpoints/demo-conseil/factures.pack"
    static let year = "archive/invoicing/demo-conseil/issued/2025"

    static func removePack(_ workspace: TestWorkspace) throws { try workspace.removeIfPresent(pack) }

    /// Both workspaces run `days`; the reference loses its pack (or the derived file `removing`)
    /// first. Their outputs and exit statuses must be equal (a record added by hand has no archived
    /// XML: an error in both).
    static func runs(
        _ packed: TestWorkspace, _ reference: TestWorkspace, _ days: [String], removing derived: String = pack
    ) throws {
        for day in days {
            try reference.removeIfPresent(derived)
            let results = try [packed, reference].map { try $0.run(["run", "--settle", "0", "--date", day]) }
            #expect(results[0].status == results[1].status && results[0].status <= 2, "\(day): \(results[0].stderr)")
        }
        try DemoReplayTests.expectSameOutputs(packed, as: reference)
    }

    /// 2025 and a first run of 2026 in both, the records older than the racy window, then a run
    /// that packs the closed year.
    static func history() throws -> (packed: TestWorkspace, reference: TestWorkspace) {
        let packed = try IssuedYearSummaryTests.workspace()
        let reference = try IssuedYearSummaryTests.workspace()
        try IssuedYearSummaryTests.history(packed, then: ["2026-01-05"], beforeEach: { _ in })
        try IssuedYearSummaryTests.history(reference, then: ["2026-01-05"], beforeEach: removePack)
        Thread.sleep(forTimeInterval: 2.5)
        try runs(packed, reference, ["2026-01-06"])
        #expect(try header(packed)[2].hasPrefix("years 2025:"), "the closed year is packed")
        return (packed, reference)
    }

    static func header(_ workspace: TestWorkspace) throws -> [String] {
        let text = String(decoding: try workspace.data(pack).prefix(600), as: UTF8.self)
        return text.split(separator: "\n", omittingEmptySubsequences: false).prefix(5).map(String.init)
    }

    /// The record file holding F20250704.
    static func recordFile(_ workspace: TestWorkspace) throws -> URL {
        let file = try #require(
            workspace.files(under: year).first { (try? workspace.text($0))?.contains(#""number":"F20250704""#) == true }
        )
        return workspace.root.appendingPathComponent(file)
    }

    /// F20250704's buyer renamed in place (its first letter made `letter`), the file's size and
    /// modification time kept (`touch -r`; its change time moves).
    static func renameBuyer(_ file: URL, to letter: Character) throws {
        let original = try Data(contentsOf: file)
        var edited = [UInt8](original)
        let text = String(decoding: original, as: UTF8.self)
        let line = try #require(text.range(of: #""number":"F20250704""#))
        let start = text[..<line.lowerBound].lastIndex(of: "\n").map { text.index(after: $0) } ?? text.startIndex
        let name = try #require(text[start...].range(of: #""name":""#))
        edited[text.utf8.distance(from: text.startIndex, to: name.upperBound)] = letter.asciiValue!
        let reference = FileManager.default.temporaryDirectory.appendingPathComponent("edit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: reference) }
        try original.write(to: reference)
        try ClosedYearFECTests.touch(reference, like: file)
        let handle = try FileHandle(forUpdating: file)
        try handle.write(contentsOf: Data(edited))
        try handle.close()
        try ClosedYearFECTests.touch(file, like: reference)
    }

    static func buyer(_ workspace: TestWorkspace, of number: String) throws -> String? {
        try workspace.csvRecords("outbox/registre-ventes.csv").first { $0["number"] == number }?["client_name"]
    }

    @Test func aClosedYearsRecordEditedAddedOrLinkedGivesTheOutputsOfEveryRecordRead() throws {
        let (packed, reference) = try Self.history()

        // Edited in place, its size and modification time kept.
        for workspace in [packed, reference] { try Self.renameBuyer(Self.recordFile(workspace), to: "Q") }
        try Self.runs(packed, reference, ["2026-01-07"])
        #expect(try Self.buyer(packed, of: "F20250704")?.hasPrefix("Q") == true, "the edit is seen")

        // Added: a copy of F20250704 under another number.
        Thread.sleep(forTimeInterval: 2.5)
        try Self.runs(packed, reference, ["2026-01-08"])
        for workspace in [packed, reference] {
            let text = String(decoding: try Data(contentsOf: Self.recordFile(workspace)), as: UTF8.self)
            let line = try #require(text.split(separator: "\n").first { $0.contains(#""number":"F20250704""#) })
            let added = line.replacingOccurrences(of: #""number":"F20250704""#, with: #""number":"F20259999""#)
            try Data((added + "\n").utf8).write(
                to: workspace.root.appendingPathComponent(Self.year + "/F20259999.jsonl"))
        }
        try Self.runs(packed, reference, ["2026-01-09"])
        #expect(try Self.buyer(packed, of: "F20259999") != nil, "the added record is seen")

        // Moved out and linked back, then edited through the link (size and time kept).
        Thread.sleep(forTimeInterval: 2.5)
        var links: [URL] = []
        for workspace in [packed, reference] {
            let file = try Self.recordFile(workspace)
            links.append(file)
            let moved = workspace.root.appendingPathComponent("moved.jsonl")
            try FileManager.default.moveItem(at: file, to: moved)
            try FileManager.default.createSymbolicLink(at: file, withDestinationURL: moved)
        }
        try Self.runs(packed, reference, ["2026-01-10"])
        Thread.sleep(forTimeInterval: 2.5)
        try Self.runs(packed, reference, ["2026-01-11"])
        for link in links { try Self.renameBuyer(link, to: "W") }
        try Self.runs(packed, reference, ["2026-01-12"])
        #expect(try Self.buyer(packed, of: "F20250704")?.hasPrefix("W") == true, "the edit through the link is seen")

        // Damaged: the run stops on the records with today's error, in both.
        Thread.sleep(forTimeInterval: 2.5)
        try Self.runs(packed, reference, ["2026-01-13"])
        let results = try [packed, reference].map { workspace in
            try Data("{\"number\":".utf8).write(
                to: workspace.root.appendingPathComponent(Self.year + "/F20259999.jsonl"))
            return try workspace.run(["run", "--settle", "0", "--date", "2026-01-14"])
        }
        #expect(results[0].status != 0 && results[0].status == results[1].status)
        let messages = [packed, reference].indices.map { index in
            results[index].stderr.replacingOccurrences(of: [packed, reference][index].path, with: "<workspace>")
        }
        #expect(messages[0].contains("F20259999.jsonl, line 1") && messages[0] == messages[1], "\(messages)")
    }

    /// A folder where a pack goes (the record, bank-line and match packs) never stops a run: the
    /// run reads the files instead, writes no pack there, and its outputs are those of a run
    /// without packs, in this run and the next.
    @Test func aFolderInAPacksPlaceNeitherStopsARunNorChangesItsOutputs() throws {
        let (packed, reference) = try Self.history()
        let packs = [Self.pack, BankLinePackTests.pack, MatchPackTests.pack]
        for path in packs {
            try packed.removeIfPresent(path)
            let folder = packed.root.appendingPathComponent(path)
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            try Data("a file of someone's, left alone\n".utf8).write(to: folder.appendingPathComponent("kept.txt"))
        }
        try Self.runs(packed, reference, ["2026-01-07", "2026-01-08"])
        for path in packs {
            #expect(try packed.data(path + "/kept.txt") == Data("a file of someone's, left alone\n".utf8), "\(path)")
        }
    }

    @Test func thePackIsReadAndADamagedOneIsRebuilt() throws {
        let (packed, _) = try Self.history()
        let url = packed.root.appendingPathComponent(Self.pack)
        let original = try Data(contentsOf: url)
        // Missing, truncated, garbage, a changed byte, another version: rebuilt to the same bytes.
        var changed = original
        changed[changed.count - 10] ^= 0x20
        let damages: [(String, Data?)] = [
            ("missing", nil), ("truncated", original.prefix(original.count / 2)), ("garbage", Data("x".utf8)),
            ("a changed byte", changed),
            (
                "another version",
                Data(
                    String(decoding: original, as: UTF8.self).replacingOccurrences(
                        of: "issued-record-pack 1", with: "issued-record-pack 0"
                    ).utf8)
            ),
        ]
        for (index, (damage, bytes)) in damages.enumerated() {
            try Self.removePack(packed)
            if let bytes { try bytes.write(to: url) }
            try ClosedYearFECTests.runs(packed, ["2026-01-\(13 + index)"])
            #expect(try Data(contentsOf: url) == original, "\(damage)")
        }

        // In this process (another binary: the pack is written again for it, then read), the
        // snapshot gives every record as the store reads them, byte for byte.
        let layout = try ReceivablesYearSummaryTests.layout(packed)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let fromFiles = try InvoiceStore(layout: layout).records().map { try encoder.encode($0) }
        _ = try RunSnapshot(layout: layout, openYear: 2026, packedMatches: true)
        let written = try Data(contentsOf: url)
        #expect(written != original, "written again for this binary")
        let snapshot = try RunSnapshot(layout: layout, openYear: 2026, packedMatches: true)
        #expect(fromFiles.count > 20)
        #expect(try snapshot.records.map { try encoder.encode($0) } == fromFiles)
        #expect(try Data(contentsOf: url) == written, "read, not written again")

        // Read: a number renamed in the pack (its SHA-256 line made to match) is what the snapshot gives.
        let header = try Self.header(packed)
        let bodyStart = header.reduce(0) { $0 + $1.utf8.count + 1 }
        var body = [UInt8](written[bodyStart...])
        // The text as the table holds it: its length (4 bytes), then its bytes.
        let at = try #require(body.firstRange(of: [9, 0, 0, 0] + Array("F20250704".utf8)))
        body.replaceSubrange(at, with: [9, 0, 0, 0] + Array("F20250777".utf8))
        let sha = body.withUnsafeBytes { SHA256Hasher.hex($0) }
        let planted = header.dropLast().map { $0 + "\n" }.joined() + "body-sha256 " + sha + "\n"
        try (Data(planted.utf8) + body).write(to: url)
        let read = try RunSnapshot(layout: layout, openYear: 2026, packedMatches: true).records
        #expect(read.contains { $0.number == "F20250777" } && !read.contains { $0.number == "F20250704" })
    }
}

extension TestWorkspace {
    /// Removes the file at `relative` when there is one (a derived file a test makes a run do without).
    func removeIfPresent(_ relative: String) throws {
        let url = root.appendingPathComponent(relative)
        if FileManager.default.fileExists(atPath: url.path) { try FileManager.default.removeItem(at: url) }
    }
}
