import FacturationCore
import Foundation
import Testing

/// The derived files that let a full pass of 2026 leave the closed year 2025 alone (issue #9):
/// the closed years' invoicing history in one file (`factures-annees.txt`, ``ClosedYearsHistory``)
/// and what the sales register was made from (`registre-ventes-entrees.txt`,
/// ``SalesRegisterInputs``). Each is read (a planted value shows it), gives the outputs of a
/// workspace without checkpoints, and is rebuilt when missing, damaged, of another version or
/// stale; a closed year's record edited by hand is seen (the register is delivered again).
@Suite("Closed years, the invoicing pass's derived files", .serialized)
struct ClosedYearsInvoicingTests {
    static let history = "archive/checkpoints/demo-conseil/factures-annees.txt"
    static let inputs = "archive/checkpoints/demo-conseil/registre-ventes-entrees.txt"
    static let registerCheckpoint = "archive/checkpoints/demo-conseil/rapports/registre-ventes.csv.json"
    static let stamp = "archive/checkpoints/demo-conseil/run-stamp.json"

    static func replacing(_ text: String, with other: String, in bytes: Data) -> Data {
        Data(String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: text, with: other).utf8)
    }

    static func write(_ workspace: TestWorkspace, _ relative: String, _ bytes: Data) throws {
        try bytes.write(to: workspace.root.appendingPathComponent(relative))
    }

    /// The history file with `extra` draft ids among the closed years' (sections and hash kept right).
    static func planted(_ file: Data, draftIDs extra: [String]) throws -> Data {
        var lines = String(decoding: file, as: UTF8.self).split(separator: "\n", omittingEmptySubsequences: false)
            .map(String.init)
        #expect(lines.last == "")
        lines.removeLast()
        var counts = lines[3].dropFirst("sections ".count).split(separator: " ").compactMap { Int($0) }
        #expect(counts.count == 4)
        var body = Array(lines[5...])
        let ids = (Array(body[0..<counts[0]]) + extra).sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) }
        body.replaceSubrange(0..<counts[0], with: ids)
        counts[0] = ids.count
        let text = body.map { $0 + "\n" }.joined()
        lines[3] = "sections " + counts.map(String.init).joined(separator: " ")
        lines[4] = "body-sha256 " + SHA256Hasher.hex(text)
        return Data((lines[0..<5].map { $0 + "\n" }.joined() + text).utf8)
    }

    @Test func theClosedYearsHistoryIsReadAndAMissingDamagedOrStaleOneIsRebuilt() throws {
        let workspace = try IssuedYearSummaryTests.workspace()
        try IssuedYearSummaryTests.history(workspace, then: ["2026-01-05"], beforeEach: { _ in })
        let original = try workspace.data(Self.history)
        #expect(String(decoding: original, as: UTF8.self).hasPrefix("facturation closed-years-history 1\n"))
        // Read: the monthly contracts' draft ids of February and March 2026 planted among the closed
        // years', as if already issued: the February run issues none of them.
        let monthly = String(decoding: original, as: UTF8.self).split(separator: "\n").filter {
            $0.hasPrefix("rec-") && $0.hasSuffix("-2025-09")
        }
        #expect(monthly.count >= 8)
        let plantedIDs = monthly.flatMap { id in ["02", "03"].map { String(id.dropLast(7)) + "2026-" + $0 } }
        let planted = try Self.planted(original, draftIDs: plantedIDs)
        try Self.write(workspace, Self.history, planted)
        let before = try IssuedYearSummaryTests.draftIDs2026(workspace)
        try ClosedYearFECTests.runs(workspace, ["2026-02-02"])
        let issued = try IssuedYearSummaryTests.draftIDs2026(workspace).subtracting(before)
        #expect(issued.isDisjoint(with: plantedIDs), "planted ids read")
        #expect(try workspace.data(Self.history) == planted, "kept while the closed years are unchanged")

        var damaged = planted
        damaged[damaged.count - 3] ^= 0x01
        let damages: [(String, Data?)] = [
            ("deleted", nil),
            ("a byte of the body changed", damaged),
            ("truncated", planted.prefix(planted.count / 2)),
            ("garbage", Data("\u{0}\u{1}not a history\n".utf8)),
            ("another version", Self.replacing("closed-years-history 1", with: "closed-years-history 9", in: planted)),
            ("stale", Self.replacing("\nkey ", with: "\nkey 0", in: planted)),
        ]
        for (index, (damage, bytes)) in damages.enumerated() {
            if let bytes {
                try Self.write(workspace, Self.history, bytes)
            } else {
                try FileManager.default.removeItem(at: workspace.root.appendingPathComponent(Self.history))
            }
            try ClosedYearFECTests.runs(workspace, ["2026-02-\(String(format: "%02d", 3 + index))"])
            #expect(try workspace.data(Self.history) == original, "\(damage)")
            if index == 0 {
                let now = try IssuedYearSummaryTests.draftIDs2026(workspace).subtracting(before)
                #expect(!now.isDisjoint(with: plantedIDs), "rebuilt: the contracts' February is issued")
            }
        }
    }

    /// A full pass of the same day (run stamp removed): every stage runs, nothing new is issued.
    static func fullPass(_ workspace: TestWorkspace, on day: String) throws {
        let stamp = workspace.root.appendingPathComponent(Self.stamp)
        if FileManager.default.fileExists(atPath: stamp.path) { try FileManager.default.removeItem(at: stamp) }
        try ClosedYearFECTests.runs(workspace, [day])
    }

    static func registerIdentity(_ workspace: TestWorkspace) throws -> String? {
        let json = try JSONSerialization.jsonObject(with: try workspace.data(Self.registerCheckpoint))
        return (json as? [String: Any])?["identity"] as? String
    }

    @Test func theSalesRegisterIsNamedByItsInputsAndDeliveredAgainWhenAClosedRecordChanges() throws {
        let kept = try IssuedYearSummaryTests.workspace()
        let rebuilt = try IssuedYearSummaryTests.workspace()
        let days = ["2026-01-05", "2026-02-02"]
        try IssuedYearSummaryTests.history(kept, then: days, beforeEach: { _ in })
        try IssuedYearSummaryTests.history(rebuilt, then: days, beforeEach: IssuedYearSummaryTests.removeCheckpoints)
        try DemoReplayTests.expectSameOutputs(kept, as: rebuilt)
        let original = try kept.data(Self.inputs)
        let identity = try #require(try Self.registerIdentity(kept))
        #expect(String(decoding: original, as: UTF8.self).contains("\nidentity \(identity)\n"))
        let register = try kept.data("outbox/registre-ventes.csv")

        // Read: a planted identity is the one the pass compares and records (the files stay as they are).
        let zeros = String(repeating: "0", count: 64)
        let planted = Data(
            String(decoding: original, as: UTF8.self).replacingOccurrences(of: identity, with: zeros).utf8)
        try Self.write(kept, Self.inputs, planted)
        try Self.fullPass(kept, on: "2026-02-02")
        #expect(try Self.registerIdentity(kept) == zeros, "the planted identity was read")
        #expect(try kept.data("outbox/registre-ventes.csv") == register)

        // Missing, damaged, of another version, stale: the whole table hashed again, the file rewritten.
        let damages: [(String, Data?)] = [
            ("deleted", nil),
            ("garbage", Data("\u{0}not inputs".utf8)),
            ("truncated", original.prefix(40)),
            (
                "another version",
                Self.replacing("sales-register-inputs 1", with: "sales-register-inputs 7", in: original)
            ),
            ("stale", Self.replacing("\nkey ", with: "\nkey f", in: original)),
        ]
        for (damage, bytes) in damages {
            try Self.write(kept, Self.inputs, planted)
            try Self.fullPass(kept, on: "2026-02-02")
            if let bytes {
                try Self.write(kept, Self.inputs, bytes)
            } else {
                try FileManager.default.removeItem(at: kept.root.appendingPathComponent(Self.inputs))
            }
            try Self.fullPass(kept, on: "2026-02-02")
            #expect(try kept.data(Self.inputs) == original, "\(damage)")
            #expect(try Self.registerIdentity(kept) == identity, "\(damage)")
            #expect(try kept.data("outbox/registre-ventes.csv") == register, "\(damage)")
        }

        // A closed year's record edited by hand: its row changes, the register is delivered again.
        for workspace in [kept, rebuilt] {
            try ClosedYearFECTests.editRecord(workspace)
            if workspace === rebuilt { try IssuedYearSummaryTests.removeCheckpoints(workspace) }
            try Self.fullPass(workspace, on: "2026-02-02")
        }
        let rows = try kept.csvRecords("outbox/registre-ventes.csv").filter { $0["number"] == "F20250704" }
        #expect(rows.count == 1 && rows.first?["client_name"]?.hasPrefix("Corrigé ") == true, "\(rows)")
        #expect(try kept.data(Self.inputs) != original)
        try DemoReplayTests.expectSameOutputs(kept, as: rebuilt)
    }

    static func registerFiles(_ workspace: TestWorkspace) throws -> [[String: Any]] {
        let json = try JSONSerialization.jsonObject(with: try workspace.data(Self.registerCheckpoint))
        return (json as? [String: Any])?["files"] as? [[String: Any]] ?? []
    }

    /// The register's files are hashed again only when their `stat` moved (``DeliveredCopy`` in its
    /// report checkpoint): the copies are recorded once the files are older than the racy window,
    /// a planted copy is what the pass believes, and a byte changed in place with the size and
    /// modification time kept (`touch -r`; the change time moves) is seen: the person's file is left
    /// as it is and the register delivered beside it, as when every file was hashed.
    @Test func theRegistersFilesAreHashedAgainOnlyWhenTheirStatMoved() throws {
        let workspace = try IssuedYearSummaryTests.workspace()
        try IssuedYearSummaryTests.history(workspace, then: ["2026-01-05"], beforeEach: { _ in })
        Thread.sleep(forTimeInterval: 2.5)
        try Self.fullPass(workspace, on: "2026-01-05")
        let files = try Self.registerFiles(workspace)
        #expect(files.count == 2 && files.allSatisfy { $0["copy"] is [String: Any] }, "\(files)")

        // Planted: the CSV's copy names other bytes; the pass believes it and delivers the register
        // again (the outbox already holds its bytes: nothing is written but the checkpoint).
        let csv = workspace.root.appendingPathComponent("outbox/registre-ventes.csv")
        let original = try Data(contentsOf: csv)
        var planted = try #require(
            try JSONSerialization.jsonObject(with: try workspace.data(Self.registerCheckpoint)) as? [String: Any])
        var plantedFiles = files
        var copy = try #require(plantedFiles[0]["copy"] as? [String: Any])
        copy["sha256"] = String(repeating: "0", count: 64)
        plantedFiles[0]["copy"] = copy
        planted["files"] = plantedFiles
        try Self.write(workspace, Self.registerCheckpoint, try JSONSerialization.data(withJSONObject: planted))
        try Self.fullPass(workspace, on: "2026-01-05")
        // Delivered again: the checkpoint a delivery writes holds no copy yet (the files are new to it);
        // had the copy not been read, the file would have been hashed and its copy recorded.
        #expect(try Self.registerFiles(workspace).first?["copy"] == nil, "the planted copy was believed")
        #expect(try Data(contentsOf: csv) == original)
        #expect(workspace.files(under: "outbox").filter { $0.contains(".updated-") }.isEmpty)

        // Edited in place, size and modification time kept.
        Thread.sleep(forTimeInterval: 2.5)
        try Self.fullPass(workspace, on: "2026-01-05")
        #expect(try Self.registerFiles(workspace).allSatisfy { $0["copy"] is [String: Any] })
        let (_, edited) = try ClosedYearFECTests.editInPlace(csv)
        try Self.fullPass(workspace, on: "2026-01-05")
        let beside = workspace.files(under: "outbox").filter { $0.hasPrefix("outbox/registre-ventes.updated-") }
        #expect(beside.count == 1, "\(workspace.files(under: "outbox").filter { $0.contains("registre") })")
        #expect(try beside.first.map { try workspace.data($0) } == original)
        #expect(try Data(contentsOf: csv) == edited, "a person's file is left as it is")
    }
}
