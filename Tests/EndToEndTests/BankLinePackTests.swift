import FacturationCore
import Foundation
import Testing

/// The pack of the closed years' bank lines (`archive/checkpoints/<pipeline>/lignes-bancaires.pack`,
/// issue #9): read by the run's snapshot instead of every closed month's ledger; a closed month's
/// ledger edited in place after it was written (size and modification time kept) gives the outputs
/// of a workspace whose pack is deleted before every run (every ledger parsed, as before the pack);
/// a damaged pack is rebuilt to the same bytes.
///
/// Two workspaces run the demo side by side with the same changes: `packed` keeps its pack,
/// `reference` loses it before each run. The demo's ledgers are of 2025: the runs of 2026 pack them.
@Suite("The closed years' bank lines pack", .serialized)
struct BankLinePackTests {
    static let pack = "archive/checkpoints/demo-conseil/lignes-bancaires.pack"
    static let ledgers = "archive/ledgers/demo-conseil/bank-transactions"
    static let unmatched = "outbox/paiements/encaissements-non-rapproches.csv"

    /// Both workspaces run `days`; the reference loses its bank lines' pack first (``MatchPackTests/runs(_:_:_:pack:)``).
    static func runs(_ packed: TestWorkspace, _ reference: TestWorkspace, _ days: [String]) throws {
        try MatchPackTests.runs(packed, reference, days, pack: pack)
    }

    /// The demo to October 2025 in both, the ledgers older than the racy window, then a run of 2026
    /// that packs the 2025 ledgers.
    static func history() throws -> (packed: TestWorkspace, reference: TestWorkspace) {
        let packed = try ReceivablesYearSummaryTests.workspace()
        let reference = try ReceivablesYearSummaryTests.workspace()
        try runs(packed, reference, ["2025-07-01", "2025-08-01", "2025-09-01", "2025-10-01"])
        Thread.sleep(forTimeInterval: 2.5)
        try runs(packed, reference, ["2026-01-05"])
        #expect(FileManager.default.fileExists(atPath: packed.root.appendingPathComponent(pack).path), "packed")
        return (packed, reference)
    }

    /// The ledger line of the first receipt waiting for a decision: its file and the line's range.
    static func waitingReceiptLine(_ workspace: TestWorkspace) throws -> (file: URL, line: Range<Int>, name: String) {
        let waiting = try #require(try workspace.csvRecords(unmatched).first)
        let key = try #require(waiting["receipt"]), name = try #require(waiting["counterparty"])
        let folder = workspace.root.appendingPathComponent(ledgers)
        for file in try FileManager.default.contentsOfDirectory(atPath: folder.path).sorted() {
            let url = folder.appendingPathComponent(file)
            let bytes = [UInt8](try Data(contentsOf: url))
            guard let start = bytes.firstRange(of: Array(("\n" + key + ",").utf8))?.lowerBound else { continue }
            let end = bytes[(start + 1)...].firstIndex(of: 0x0A) ?? bytes.count
            return (url, start + 1..<end, name)
        }
        Issue.record("no ledger line for \(key)")
        throw CocoaError(.fileNoSuchFile)
    }

    @Test func aClosedLedgerEditedInPlaceWithItsSizeAndTimeKeptIsReadAgain() throws {
        let (packed, reference) = try Self.history()
        let (file, line, name) = try Self.waitingReceiptLine(packed)
        let first = try #require(name.utf8.first)
        #expect(first >= 0x41 && first <= 0x5A, "an upper-case ASCII letter: \(name)")
        // The payer's name, its first letter changed: the same size.
        let renamed = (first == UInt8(ascii: "Q") ? "R" : "Q") + name.dropFirst()
        let original = try Data(contentsOf: file)
        var edited = [UInt8](original)
        let at = try #require(edited[line].firstRange(of: Array(("," + name + ",").utf8)))
        edited[at.lowerBound + 1] = renamed.utf8.first!
        // In place, its modification time put back (`touch -r` from a copy of the original).
        let saved = FileManager.default.temporaryDirectory.appendingPathComponent("ledger-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: saved) }
        try original.write(to: saved)
        try ClosedYearFECTests.touch(saved, like: file)
        let handle = try FileHandle(forUpdating: file)
        try handle.write(contentsOf: Data(edited))
        try handle.close()
        try ClosedYearFECTests.touch(file, like: saved)
        try Data(edited).write(to: reference.root.appendingPathComponent(Self.ledgers + "/" + file.lastPathComponent))

        try Self.runs(packed, reference, ["2026-01-06"])
        let payers = try packed.csvRecords(Self.unmatched).compactMap { $0["counterparty"] }
        #expect(payers.contains(renamed), "the edit is seen: \(payers)")
    }

    @Test func thePackIsReadAndADamagedOneIsRebuilt() throws {
        let (packed, _) = try Self.history()
        let url = packed.root.appendingPathComponent(Self.pack)
        let original = try Data(contentsOf: url)
        let header = try MatchPackTests.header(packed, Self.pack)
        #expect(header.count == 5 && header[0] == "facturation bank-line-pack 1", "\(header)")
        let bodyStart = header.reduce(0) { $0 + $1.utf8.count + 1 }
        // Read: the waiting receipt's payer renamed in the pack (its SHA-256 line made to match) is
        // what the unmatched receipts show. In the body a text is its length (4 bytes) and bytes; the
        // payer's name is the text after the key.
        let waiting = try #require(try packed.csvRecords(Self.unmatched).first)
        let key = try #require(waiting["receipt"])
        var body = [UInt8](original[bodyStart...])
        let keyAt = try #require(body.firstRange(of: Array(key.utf8)))
        let length = Int(body[keyAt.upperBound]) | Int(body[keyAt.upperBound + 1]) << 8
        #expect(length >= 7 && length < 256, "\(length)")
        let planted = Array(("PLANTED" + String(repeating: "X", count: max(0, length - 7))).utf8)
        body.replaceSubrange(keyAt.upperBound + 4..<keyAt.upperBound + 4 + length, with: planted)
        let sha = body.withUnsafeBytes { SHA256Hasher.hex($0) }
        let text = header.dropLast().map { $0 + "\n" }.joined() + "body-sha256 " + sha + "\n"
        try (Data(text.utf8) + body).write(to: url)
        try ClosedYearFECTests.runs(packed, ["2026-01-06"])
        #expect(try packed.text(Self.unmatched).contains(String(decoding: planted, as: UTF8.self)), "the pack is read")

        let damages: [(String, Data)] = [
            ("truncated", original.prefix(original.count - 9)),
            ("garbage", Data("facturation bank-line-pack 1\n\u{0}\u{1}".utf8)),
            ("a byte of the body changed", original.prefix(original.count - 2) + Data("\u{1}\u{1}".utf8)),
            ("another version", Data("facturation bank-line-pack 99".utf8) + original.dropFirst(28)),
        ]
        for (index, (damage, bytes)) in damages.enumerated() {
            try bytes.write(to: url)
            try ClosedYearFECTests.runs(packed, ["2026-01-\(String(format: "%02d", 7 + index))"])
            #expect(try Data(contentsOf: url) == original, "\(damage): rebuilt")
            #expect(try !packed.text(Self.unmatched).contains("PLANTED"), "\(damage)")
        }
    }
}
