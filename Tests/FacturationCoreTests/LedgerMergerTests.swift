import Foundation
import Testing

@testable import FacturationCore

@Suite("Ledger merger")
struct LedgerMergerTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "facturation-merge-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// A bank row with the given key, source file, booking date and amount.
    func row(
        _ key: String, file: String = "a.csv", date: String = "2025-07-01", amount: String = "100", line: Int = 2
    ) -> [String] {
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
    func merge(
        _ incoming: [[String]], into ledger: String, budget: Int = 16 << 20,
        configure: (inout LedgerMerger.Input) -> Void = { _ in }
    ) throws -> MergeCounts {
        var input = LedgerMerger.Input(kind: .bankTransactions, existing: ledger, incoming: [try scratch(incoming)])
        configure(&input)
        let output = try OutputFile(directory: folder.path)
        let counts = try LedgerMerger.merge(
            input, into: output, scratch: folder.appendingPathComponent("runs").path,
            memoryBudget: budget)
        try output.commit(to: ledger, collision: .replace)
        return counts
    }

    func keys(_ ledger: String) throws -> [String] {
        try LedgerFile.readRows(path: ledger, header: LedgerKind.bankTransactions.columns).map { $0[0] }
    }

    @Test func mergingTheSameRowsTwiceChangesNothing() throws {
        let ledger = folder.appendingPathComponent("2025-07.csv").path
        let rows = [
            row("qonto:X:2", date: "2025-07-02"), row("qonto:X:1", date: "2025-07-01"),
            row("qonto:X:3", date: "2025-07-01"),
        ]
        let first = try merge(rows, into: ledger)
        #expect(first.added == 3 && first.changedLedger)
        #expect(try keys(ledger) == ["qonto:X:1", "qonto:X:3", "qonto:X:2"], "sorted by booking date, then key")
        let bytes = try Data(contentsOf: URL(fileURLWithPath: ledger))
        let second = try merge(rows, into: ledger)
        #expect(
            second
                == {
                    var c = MergeCounts(); c.unchanged = 3; return c
                }())
        #expect(!second.changedLedger)
        #expect(try Data(contentsOf: URL(fileURLWithPath: ledger)) == bytes)
    }

    @Test func theFirstImportKeepsItsProvenanceAndNewContentWins() throws {
        let ledger = folder.appendingPathComponent("2025-07.csv").path
        try merge([row("qonto:X:1", file: "first.csv")], into: ledger)
        let repeated = try merge([row("qonto:X:1", file: "second.csv", line: 9)], into: ledger)
        #expect(repeated.unchanged == 1)
        #expect(try LedgerFile.readRows(path: ledger, header: LedgerKind.bankTransactions.columns)[0][2] == "first.csv")
        let corrected = try merge(
            [row("qonto:X:1", file: "third.csv", amount: "150"), row("qonto:X:1", file: "third.csv", amount: "175")],
            into: ledger)
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
            rows.append(
                row(
                    "qonto:X:\(index % 400)", date: "2025-07-\(String(format: "%02d", index % 28 + 1))",
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
        let runs =
            (try? FileManager.default.contentsOfDirectory(atPath: folder.appendingPathComponent("runs").path)) ?? []
        #expect(runs.isEmpty, "run files are removed after the merge")
    }

    @Test func aDamagedLedgerStopsTheMerge() throws {
        let ledger = folder.appendingPathComponent("2025-07.csv").path
        try "record_key,something\r\n".write(toFile: ledger, atomically: true, encoding: .utf8)
        #expect(throws: LedgerError.self) { try merge([row("qonto:X:1")], into: ledger) }
    }

    // MARK: - The new-ledger path (one sort) against the general merge (two sorts)

    /// Merges `rows` into a ledger that does not exist (the one-sort path) and into one that holds
    /// only its header (the general merge); returns both files' bytes and counts.
    func newAndGeneral(
        _ rows: [[String]], budget: Int = 16 << 20
    ) throws -> (new: Data, general: Data, counts: [MergeCounts]) {
        let fresh = folder.appendingPathComponent("fresh-\(UUID().uuidString.prefix(6)).csv").path
        let headerOnly = folder.appendingPathComponent("header-\(UUID().uuidString.prefix(6)).csv").path
        var header = CSVLineBuilder()
        header.line(LedgerKind.bankTransactions.columns)
        try Data(header.bytes).write(to: URL(fileURLWithPath: headerOnly))
        let newCounts = try merge(rows, into: fresh, budget: budget)
        let generalCounts = try merge(rows, into: headerOnly, budget: budget)
        return (
            try Data(contentsOf: URL(fileURLWithPath: fresh)), try Data(contentsOf: URL(fileURLWithPath: headerOnly)),
            [newCounts, generalCounts]
        )
    }

    @Test("a new ledger written in one sort equals the general merge's", arguments: [16 << 20, 3_000])
    func newLedgerPathEqualsTheGeneralMerge(budget: Int) throws {
        var rows: [[String]] = []
        for index in 0..<300 {
            let key = index % 3 == 0 ? "bank:\(String(index, radix: 16))" : "qonto:X:\(index)"
            rows.append(
                row(key, date: "2025-07-\(String(format: "%02d", (index * 7) % 28 + 1))", amount: String(index)))
        }
        rows.append(row("qonto:X:a,b\"c", date: "2025-07-03"))
        let result = try newAndGeneral(rows, budget: budget)
        #expect(result.new == result.general)
        #expect(result.counts[0] == result.counts[1] && result.counts[0].added == 301)
        #expect(String(decoding: result.new, as: UTF8.self).contains("bank:0#1,"))
    }

    @Test("a repeated key sends a new ledger to the general merge", arguments: ["bank:abc", "qonto:X:1"])
    func repeatedKeyInANewLedger(key: String) throws {
        let rows = [
            row("qonto:X:9", date: "2025-07-09"), row(key, amount: "1"), row("qonto:X:8"), row(key, amount: "2"),
        ]
        let result = try newAndGeneral(rows)
        #expect(result.new == result.general)
        #expect(result.counts[0] == result.counts[1])
        let ledger = folder.appendingPathComponent("check.csv").path
        try merge(rows, into: ledger)
        #expect(
            try keys(ledger).filter { $0.hasPrefix(key) }
                == (key.hasPrefix("bank:") ? [key + "#1", key + "#2"] : [key]))
    }

    // MARK: - The merge's record format

    @Test func keyRecordsRoundTrip() throws {
        let fields = row("bank:abc#3", date: "2025-07-04", amount: "-12")
        let encoder = MergeRecord.Encoder(kind: .bankTransactions)
        let record = withStoredFields(fields) { pointers in
            encoder.keyRecord(fields: pointers, origin: .existing, sequence: 0x0102_0304_0506_0708) { order, payload in
                SortRecord(orderKey: order, payload: payload)
            }
        }
        #expect(
            Array(record.orderKey) == Array("bank:abc".utf8) + [0, 0, 1, 2, 3, 4, 5, 6, 7, 8],
            "base key, 0x00, origin, big-endian sequence")
        let decoded = MergeRecord.decodeKeyRecord(record)
        #expect(decoded.isOld)
        #expect(String(decoding: decoded.base, as: UTF8.self) == "bank:abc")
        #expect(decoded.key == "bank:abc#3")
        #expect(Array(decoded.sortKey) == Array("2025-07-04\u{1E}\u{1E}\u{1E}".utf8))
        #expect(decoded.digest.count == MergeRecord.digestLength && decoded.digest.contains { $0 != 0 })
        #expect(
            Array(record.payload[(record.payload.startIndex + 17)..<(record.payload.startIndex + 21)]) == [
                0, 0, 0, 10,
            ],
            "lengths are big-endian")
        // The rest is the stored CSV after the key: key + rest reads back as the row.
        var line = CSVLineBuilder()
        line.line(fields)
        #expect(Array("bank:abc#3".utf8) + Array(decoded.rest) + [0x0D, 0x0A] == line.bytes)

        var renamed = decoded
        renamed.replacementKey = "bank:abc#1"
        let lineRecord = encoder.lineRecord(renamed) { SortRecord(orderKey: $0, payload: $1) }
        #expect(Array(lineRecord.orderKey) == Array("2025-07-04\u{1E}\u{1E}\u{1E}\u{0}bank:abc#1".utf8))
        #expect(
            Array(lineRecord.payload) + [0x0D, 0x0A] == Array("bank:abc#1".utf8) + Array(decoded.rest) + [0x0D, 0x0A])
    }

    @Test func withoutOldRowsTheDigestIsNotComputed() {
        let encoder = MergeRecord.Encoder(kind: .bankTransactions, computesDigests: false)
        let record = withStoredFields(row("bank:abc")) { pointers in
            encoder.keyRecord(fields: pointers, origin: .incoming, sequence: 1) {
                SortRecord(orderKey: $0, payload: $1)
            }
        }
        #expect(MergeRecord.decodeKeyRecord(record).digest.allSatisfy { $0 == 0 })
        #expect(!MergeRecord.decodeKeyRecord(record).isOld)
    }

    @Test func runFilesReadBackWhatWasSpilled() throws {
        let sorter = ExternalSorter(folder: folder.appendingPathComponent("spill").path, memoryBudget: 64)
        defer { sorter.removeRuns() }
        var expected: [[UInt8]] = []
        for index in (0..<40).reversed() {
            let key = Array(String(format: "%03d", index).utf8)
            let payload = [UInt8](repeating: UInt8(index), count: index * 37)
            expected.insert(key + payload, at: 0)
            try key.withUnsafeBytes { k in try payload.withUnsafeBytes { try sorter.add(orderKey: k, payload: $0) } }
        }
        #expect(sorter.spilledRuns > 1)
        var sorted = try sorter.sorted()
        var got: [[UInt8]] = []
        while let record = sorted.next() {
            #expect(record.keyLength == 3)
            got.append(record.bytes)
        }
        try sorted.checkError()
        #expect(got == expected)
    }

    // MARK: - Partitions merged two at a time

    @Test func parallelWorkKeepsTheOrderAndReportsTheFirstFailure() throws {
        let squares = try ParallelWork.run(count: 25) { index in index * index }
        #expect(squares == (0..<25).map { $0 * $0 })
        #expect(try ParallelWork.run(count: 0) { $0 }.isEmpty)
        struct Failed: Error, Equatable { let index: Int }
        #expect(throws: Failed(index: 3)) {
            _ = try ParallelWork.run(count: 40) { index in
                if index == 3 || index == 30 { throw Failed(index: index) }
                return index
            }
        }
    }

    private func withStoredFields<T>(_ fields: [String], _ body: ([UnsafeRawBufferPointer]) -> T) -> T {
        let joined = fields.map { Array($0.utf8) }
        var buffers: [UnsafeMutableRawBufferPointer] = []
        defer { for buffer in buffers { buffer.deallocate() } }
        for bytes in joined {
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: max(bytes.count, 1), alignment: 1)
            buffer.copyBytes(from: bytes)
            buffers.append(buffer)
        }
        return body(
            zip(buffers, joined).map { UnsafeRawBufferPointer(rebasing: UnsafeRawBufferPointer($0)[0..<$1.count]) })
    }
}
