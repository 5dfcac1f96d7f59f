@testable import FacturationCore
import Foundation
import Testing

@Suite("Ledger merger")
struct LedgerMergerTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("facturation-merge-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// A bank row with the given key, source file, booking date and amount.
    func row(_ key: String, file: String = "a.csv", date: String = "2025-07-01", amount: String = "100", line: Int = 2) -> [String] {
        var fields = [String](repeating: "", count: LedgerKind.bankTransactions.columns.count)
        fields[BankColumn.recordKey.index] = key
        fields[BankColumn.sourceFormat.index] = "qonto_csv_fr"
        fields[BankColumn.sourceFile.index] = file
        fields[BankColumn.sourceRow.index] = String(line)
        fields[BankColumn.bookingDate.index] = date
        fields[BankColumn.amountMinor.index] = amount
        fields[BankColumn.label.index] = "label, with \"quotes\"\nand a new line"
        return fields
    }

    func scratch(_ rows: [[String]]) throws -> String {
        var builder = CSVLineBuilder()
        for row in rows { builder.line(row) }
        let path = folder.appendingPathComponent("in-\(UUID().uuidString.prefix(6)).csv").path
        try Data(builder.bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    /// Merges `incoming` into the ledger at `ledger` (replacing it) and returns the counts.
    @discardableResult
    func merge(_ incoming: [[String]], into ledger: String, budget: Int = 16 << 20,
               configure: (inout LedgerMerger.Input) -> Void = { _ in }) throws -> MergeCounts {
        var input = LedgerMerger.Input(kind: .bankTransactions, existing: ledger, incoming: [try scratch(incoming)])
        configure(&input)
        let output = try OutputFile(directory: folder.path)
        let counts = try LedgerMerger.merge(input, into: output, scratch: folder.appendingPathComponent("runs").path,
                                            memoryBudget: budget)
        try output.commit(to: ledger, collision: .replace)
        return counts
    }

    func keys(_ ledger: String) throws -> [String] {
        try LedgerFile.readRows(path: ledger, header: LedgerKind.bankTransactions.columns).map { $0[0] }
    }

    @Test func mergingTheSameRowsTwiceChangesNothing() throws {
        let ledger = folder.appendingPathComponent("2025-07.csv").path
        let rows = [row("qonto:X:2", date: "2025-07-02"), row("qonto:X:1", date: "2025-07-01"), row("qonto:X:3", date: "2025-07-01")]
        let first = try merge(rows, into: ledger)
        #expect(first.added == 3 && first.changedLedger)
        #expect(try keys(ledger) == ["qonto:X:1", "qonto:X:3", "qonto:X:2"], "sorted by booking date, then key")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: ledger))
        let second = try merge(rows, into: ledger)
        #expect(second == { var c = MergeCounts(); c.unchanged = 3; return c }())
        #expect(!second.changedLedger)
        #expect(try Data(contentsOf: URL(fileURLWithPath: ledger)) == bytes)
    }

    @Test func theFirstImportKeepsItsProvenanceAndNewContentWins() throws {
        let ledger = folder.appendingPathComponent("2025-07.csv").path
        try merge([row("qonto:X:1", file: "first.csv")], into: ledger)
        let repeated = try merge([row("qonto:X:1", file: "second.csv", line: 9)], into: ledger)
        #expect(repeated.unchanged == 1)
        #expect(try LedgerFile.readRows(path: ledger, header: LedgerKind.bankTransactions.columns)[0][2] == "first.csv")
        let corrected = try merge([row("qonto:X:1", file: "third.csv", amount: "150"), row("qonto:X:1", file: "third.csv", amount: "175")], into: ledger)
        #expect(corrected.updated == 1)
        let stored = try LedgerFile.readRows(path: ledger, header: LedgerKind.bankTransactions.columns)[0]
        #expect(stored[2] == "third.csv")
        #expect(stored[BankColumn.amountMinor.index] == "175", "the last row of a file wins for one id")
        #expect(stored[BankColumn.label.index] == "label, with \"quotes\"\nand a new line")
    }

    @Test func fingerprintKeysAreMultisets() throws {
        let ledger = folder.appendingPathComponent("2025-07.csv").path
        let same = row("bank:abc")
        let first = try merge([same, same], into: ledger)
        #expect(first.added == 2)
        #expect(try keys(ledger) == ["bank:abc#1", "bank:abc#2"])
        // An overlapping export with one occurrence: max(2, 1) = 2.
        #expect(try merge([same], into: ledger).unchanged == 1)
        #expect(try keys(ledger).count == 2)
        // Three occurrences now: one more.
        let third = try merge([same, same, same], into: ledger)
        #expect(third.added == 1 && third.unchanged == 2)
        #expect(try keys(ledger) == ["bank:abc#1", "bank:abc#2", "bank:abc#3"])
    }

    @Test func keysCanBeRemovedAndIgnored() throws {
        let ledger = folder.appendingPathComponent("pending.csv").path
        try merge([row("qonto:X:1"), row("qonto:X:2")], into: ledger)
        let counts = try merge([row("qonto:X:3"), row("qonto:X:4")], into: ledger) { input in
            input.removeKeys = ["qonto:X:1"]
            input.ignoreKeys = ["qonto:X:4"]
        }
        #expect(counts.removed == 1 && counts.added == 1 && counts.unchanged == 1)
        #expect(try keys(ledger) == ["qonto:X:2", "qonto:X:3"])
    }

    @Test func aTinyMemoryBudgetSpillsToDiskAndGivesTheSameLedger() throws {
        let inMemory = folder.appendingPathComponent("memory.csv").path
        let spilled = folder.appendingPathComponent("spilled.csv").path
        var rows: [[String]] = []
        for index in 0..<500 {
            rows.append(row("qonto:X:\(index % 400)", date: "2025-07-\(String(format: "%02d", index % 28 + 1))",
                            amount: String(index)))
            if index % 50 == 0 { rows.append(row("bank:dup")) }
        }
        let existing = Array(rows.prefix(120))
        try merge(existing, into: inMemory)
        try merge(existing, into: spilled, budget: 2_000)
        let expected = try merge(rows, into: inMemory)
        let counts = try merge(rows, into: spilled, budget: 2_000)
        #expect(counts == expected)
        #expect(try Data(contentsOf: URL(fileURLWithPath: spilled)) == Data(contentsOf: URL(fileURLWithPath: inMemory)))
        #expect(try keys(spilled).count == 400 + 10)
        let runs = (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("runs").path)) ?? []
        #expect(runs.isEmpty, "run files are removed after the merge")
    }

    @Test func aDamagedLedgerStopsTheMerge() throws {
        let ledger = folder.appendingPathComponent("2025-07.csv").path
        try "record_key,something\r\n".write(toFile: ledger, atomically: true, encoding: .utf8)
        #expect(throws: LedgerError.self) { try merge([row("qonto:X:1")], into: ledger) }
    }
}
