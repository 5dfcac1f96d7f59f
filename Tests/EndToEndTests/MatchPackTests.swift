import FacturationCore
import Foundation
import Testing

/// The pack of the match files (`archive/checkpoints/<pipeline>/rapprochements.pack`, issue #9):
/// read by the run's snapshot instead of every match file, and each change of the match files
/// after it was written (a file edited in place with its size and modification time kept, added,
/// removed) gives the outputs of a workspace whose pack is deleted before every run (every file
/// read, as before the pack); a damaged pack is rebuilt to the same bytes.
///
/// Two workspaces run the demo side by side with the same changes: `packed` keeps its pack,
/// `reference` loses it before each run.
@Suite("The match files' pack", .serialized)
struct MatchPackTests {
    static let pack = "archive/checkpoints/demo-conseil/rapprochements.pack"
    static let matches = "archive/payments/demo-conseil/matches"

    static func removePack(_ workspace: TestWorkspace, _ path: String = pack) throws {
        try workspace.removeIfPresent(path)
    }

    /// Both workspaces run `days`; the reference loses its pack (`path`: another pack's, for
    /// ``BankLinePackTests``) first. Their outputs must be equal.
    static func runs(
        _ packed: TestWorkspace, _ reference: TestWorkspace, _ days: [String], pack path: String = pack
    ) throws {
        for day in days {
            try removePack(reference, path)
            for workspace in [packed, reference] {
                let result = try workspace.run(["run", "--settle", "0", "--date", day])
                #expect(result.status == 0 || result.status == 2, "\(day): \(result.stderr) \(result.stdout)")
            }
        }
        try DemoReplayTests.expectSameOutputs(packed, as: reference)
    }

    /// The demo to October 2025 in both, the match files older than the racy window, then a run
    /// that packs them all.
    static func history() throws -> (packed: TestWorkspace, reference: TestWorkspace) {
        let packed = try ReceivablesYearSummaryTests.workspace()
        let reference = try ReceivablesYearSummaryTests.workspace()
        try runs(packed, reference, ["2025-07-01", "2025-08-01", "2025-09-01", "2025-10-01"])
        Thread.sleep(forTimeInterval: 2.5)
        try runs(packed, reference, ["2025-10-02"])
        return (packed, reference)
    }

    /// The pack's header lines (of another pack at `path`: ``BankLinePackTests``).
    static func header(_ workspace: TestWorkspace, _ path: String = pack) throws -> [Substring] {
        let bytes = try workspace.data(path)
        var lines: [Substring] = []
        var rest = bytes[...]
        while lines.count < 5, let end = rest.firstIndex(of: 0x0A) {
            lines.append(Substring(String(decoding: rest[..<end], as: UTF8.self)))
            rest = rest[(end + 1)...]
        }
        return lines
    }

    static func matchFiles(_ workspace: TestWorkspace) throws -> [URL] {
        let folder = workspace.root.appendingPathComponent(matches)
        return try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted().map {
            folder.appendingPathComponent($0)
        }
    }

    @Test func aMatchFileEditedInPlaceAddedOrRemovedAfterThePackGivesTheOutputsOfEveryFileRead() throws {
        let (packed, reference) = try Self.history()
        let header = try Self.header(packed)
        #expect(header.count == 5 && header[2].hasPrefix("folder ") && header[2] != "folder -", "\(header)")
        let files = try Self.matchFiles(packed)
        #expect(files.count >= 3)
        let statesBefore = try PaymentsTests.states(packed)

        // Edited in place, its size and modification time kept (`touch -r`): booked a day earlier.
        let file = try #require(try files.first { try Self.bookedOnADayEndingIn2To9($0) })
        let edited = try Self.bookedADayEarlier(file)
        try edited.write(to: reference.root.appendingPathComponent(Self.matches + "/" + file.lastPathComponent))
        try Self.runs(packed, reference, ["2025-10-03"])
        let invoice = try #require(String(decoding: edited, as: UTF8.self).firstMatch(of: #/"invoice" : "([^"]*)"/#))
        let settled = { (states: [String: [String: String]]) in states[String(invoice.output.1)]?["applied"] }
        #expect(try settled(PaymentsTests.states(packed)) != settled(statesBefore), "the edit changes the outputs")

        // Added: a copy of a match under another receipt, paying the same invoices again.
        Thread.sleep(forTimeInterval: 2.5)
        try Self.runs(packed, reference, ["2025-10-04"])
        let original = try String(decoding: Data(contentsOf: files[1]), as: UTF8.self)
        let receipt = try #require(original.firstMatch(of: #/"receipt" : "([^"]*)"/#)?.output.1)
        let copy = original.replacingOccurrences(of: String(receipt), with: "qonto:added-by-hand")
        for workspace in [packed, reference] {
            try Data(copy.utf8).write(to: workspace.root.appendingPathComponent(Self.matches + "/ajout.json"))
        }
        let statesBeforeAdding = try PaymentsTests.states(packed)
        try Self.runs(packed, reference, ["2025-10-05"])
        #expect(try PaymentsTests.states(packed) != statesBeforeAdding, "the added match is applied")

        // Removed: the receipt is matched again, its file written again.
        Thread.sleep(forTimeInterval: 2.5)
        try Self.runs(packed, reference, ["2025-10-06"])
        for workspace in [packed, reference] {
            try FileManager.default.removeItem(
                at: workspace.root.appendingPathComponent(Self.matches + "/" + files[2].lastPathComponent))
        }
        try Self.runs(packed, reference, ["2025-10-07"])
    }

    static var bookedOn: Regex<Substring> { #/"bookingDate" : "\d{4}-\d{2}-\d[2-9]"/# }

    static func bookedOnADayEndingIn2To9(_ file: URL) throws -> Bool {
        String(decoding: try Data(contentsOf: file), as: UTF8.self).firstMatch(of: bookedOn) != nil
    }

    /// The match file's booking date a day earlier (its day ends in 2 to 9), written in place with
    /// its size and modification time kept; returns the new bytes.
    static func bookedADayEarlier(_ file: URL) throws -> Data {
        let original = try Data(contentsOf: file)
        let text = String(decoding: original, as: UTF8.self)
        let date = try #require(text.firstMatch(of: bookedOn))
        // The day's last digit: the byte before the closing quote (the text is ASCII up to there).
        let digit = text.utf8.distance(from: text.startIndex, to: date.range.upperBound) - 2
        var edited = original
        edited[digit] -= 1
        let reference = FileManager.default.temporaryDirectory.appendingPathComponent("edit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: reference) }
        try original.write(to: reference)
        try ClosedYearFECTests.touch(reference, like: file)
        let handle = try FileHandle(forUpdating: file)
        try handle.write(contentsOf: edited)
        try handle.close()
        try ClosedYearFECTests.touch(file, like: reference)
        return edited
    }

    @Test func thePackIsReadAndADamagedOneIsRebuilt() throws {
        let (packed, _) = try Self.history()
        let url = packed.root.appendingPathComponent(Self.pack)
        let original = try Data(contentsOf: url)
        let header = try Self.header(packed)
        let bodyStart = header.reduce(0) { $0 + $1.utf8.count + 1 }
        // Read: a receipt renamed in the pack (its SHA-256 line made to match) is what the states show.
        let states = try PaymentsTests.states(packed)
        let applied = try #require(states.values.compactMap { $0["applied"] }.first { !$0.isEmpty })
        let receipt = applied.split(separator: "; ")[0].split(separator: " ")[2]
        var body = [UInt8](original[bodyStart...])
        let at = try #require(body.firstRange(of: Array(receipt.utf8)))
        body.replaceSubrange(at, with: Array(("PLANTED" + receipt.dropFirst(7)).utf8))
        let sha = body.withUnsafeBytes { SHA256Hasher.hex($0) }
        let planted = header.dropLast().map { $0 + "\n" }.joined() + "body-sha256 " + sha + "\n"
        try (Data(planted.utf8) + body).write(to: url)
        try ClosedYearFECTests.runs(packed, ["2025-10-03"])
        #expect(try packed.text("outbox/paiements/etat-factures.csv").contains("PLANTED"), "the pack is read")

        let damages: [(String, Data)] = [
            ("truncated", original.prefix(original.count - 9)),
            ("garbage", Data("facturation match-pack 1\n\u{0}\u{1}".utf8)),
            ("a byte of the body changed", original.prefix(original.count - 2) + Data("\u{1}\u{1}".utf8)),
            ("another version", Data("facturation match-pack 99".utf8) + original.dropFirst(24)),
        ]
        for (index, (damage, bytes)) in damages.enumerated() {
            try bytes.write(to: url)
            try ClosedYearFECTests.runs(packed, ["2025-10-\(String(format: "%02d", 4 + index))"])
            #expect(try Data(contentsOf: url) == original, "\(damage): rebuilt")
            #expect(try !packed.text("outbox/paiements/etat-factures.csv").contains("PLANTED"), "\(damage)")
        }
    }
}
