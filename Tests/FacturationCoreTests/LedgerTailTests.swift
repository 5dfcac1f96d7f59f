import FacturationCore
import Foundation
import Testing

/// The fenced tail read of ``LedgerTail``: its answer is the last row as the CSV reader reads
/// the whole file, or nil when the tail cannot tell (the caller then reads every row).
@Suite("Ledger tail")
struct LedgerTailTests {
    static func file(_ text: String) throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tail-\(UUID().uuidString).csv").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    @Test func aLineIsSplitAsTheLedgerWriterQuotesIt() {
        let line = Array(#"a,"b, c","say ""hi""",,"",2025-07-01T09:00:00"#.utf8) + [0x0D]
        #expect(LedgerTail.fields(of: line[...]) == ["a", "b, c", #"say "hi""#, "", "", "2025-07-01T09:00:00"])
    }

    /// Sorted ledgers of every size around the window: the tail's last record is the reader's.
    @Test(arguments: [1, 2, 10, 600, 655, 700, 5_000])
    func theLastRecordIsTheReadersLastRow(rows: Int) throws {
        var generator = SystemRandomNumberGenerator()
        var text = "key,description,start_local\n"
        var day = CivilDate(iso: "2025-01-01")!
        for row in 0..<rows {
            day = day.adding(days: Int.random(in: 0...1, using: &generator))
            let description = row % 3 == 0 ? "\"Audit, \"\"phase\"\" \(row)\"" : "plain \(row)"
            text += "k\(row),\(description),\(day)T09:00:00\n"
        }
        let path = try Self.file(text)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let rows = try LedgerFile.readRows(path: path, header: ["key", "description", "start_local"])
        #expect(try LedgerTail.lastRecord(path: path) == rows.last, "\(rows.count) rows")
    }

    @Test func theTailCannotTellForAHeaderAloneOrARowLongerThanTheWindow() throws {
        let header = try Self.file("key,description\n")
        defer { try? FileManager.default.removeItem(atPath: header) }
        #expect(try LedgerTail.lastRecord(path: header) == nil)
        let long = try Self.file(
            "key,description\nk1,short\nk2," + String(repeating: "x", count: LedgerTail.window) + "\n")
        defer { try? FileManager.default.removeItem(atPath: long) }
        #expect(try LedgerTail.lastRecord(path: long) == nil, "the caller reads every row then")
        #expect(try LedgerTail.lastRecord(path: "/nonexistent/ledger.csv") == nil)
    }
}
