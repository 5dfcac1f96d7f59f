import Foundation
import Testing

@testable import FacturationCore

/// The invariant of ``DirectLedgerRows``: a new month ledger written from the rows the converter
/// handed to a sorter is the file the scratch-file path (``NewLedgerMerge`` or the general merge)
/// writes, byte for byte, with the same counts, whatever the budget and whichever month had to
/// leave the direct path.
@Suite("Direct ledger rows")
struct DirectLedgerRowsTests {
    let folder: String

    init() throws {
        folder =
            FileManager.default.temporaryDirectory.appendingPathComponent(
                "facturation-direct-\(UUID().uuidString.prefix(8))"
            ).path
        try Storage.makeDirectory(folder)
    }

    /// A time-entry row: `key`, a description, and `start` in the sort column.
    func row(
        _ key: String, start: String, description: String = "Réunion, point \"v2\"\nsuite", file: String = ""
    ) -> [String] {
        var fields = [String](repeating: "", count: LedgerKind.timeEntries.columns.count)
        fields[TimeEntryColumn.recordKey.index] = key
        fields[TimeEntryColumn.sourceFormat.index] = "clockify_csv"
        fields[TimeEntryColumn.sourceFile.index] = file
        fields[TimeEntryColumn.sourceRow.index] = String(key.count)
        fields[TimeEntryColumn.description.index] = description
        fields[TimeEntryColumn.userName.index] = "=cmd"
        fields[TimeEntryColumn.startUTC.index] = start
        return fields
    }

    /// Converts `rows` (partition, fields) with and without direct rows and writes every month's
    /// ledger both ways; returns the files by partition, the counts and the months that stayed direct.
    /// `prepared`: the direct way hands finished lines with their order keys prepared apart, as the
    /// pieces of a large export do (``LedgerOrderKey``, ``NormalizedOutput/append(year:month:line:key:)``).
    func bothWays(
        _ rows: [(String, [String])], budget: DirectLedgerRows.Budget, prepared: Bool = false
    ) throws -> (direct: [String: Data], files: [String: Data], added: [Int], stayed: Set<String>) {
        var results: [[String: Data]] = []
        var added: [Int] = []
        var stayed: Set<String> = []
        for useDirect in [true, false] {
            let work = Path.join(folder, useDirect ? "direct" : "files")
            let output = try NormalizedOutput(directory: Path.join(work, "scratch"), kind: .timeEntries)
            if useDirect { output.enableDirectRows(budget: budget) { _ in true } }
            for (partition, fields) in rows {
                if useDirect, prepared {
                    try appendPrepared(fields, partition: partition, to: output)
                } else {
                    try output.append(partition: partition) { line in for field in fields { line.field(field) } }
                }
            }
            try output.finish()
            var files: [String: Data] = [:]
            var total = 0
            for partition in Set(rows.map(\.0)) {
                let ledger = Path.join(work, partition + ".csv")
                let file = try OutputFile(directory: work)
                if let sorted = output.sortedPartitions[partition] {
                    stayed.insert(partition)
                    try sorted.writeLedger(into: file)
                    total += sorted.rows
                    sorted.sorter.removeRuns()
                } else {
                    let input = LedgerMerger.Input(
                        kind: .timeEntries, existing: ledger, incoming: [output.partitionFiles[partition]!])
                    total += try LedgerMerger.merge(
                        input, into: file, scratch: Path.join(work, "runs"), memoryBudget: 4_000
                    ).added
                }
                try file.commit(to: ledger)
                files[partition] = try Data(contentsOf: URL(fileURLWithPath: ledger))
            }
            results.append(files)
            added.append(total)
        }
        return (results[0], results[1], added, stayed)
    }

    /// Builds the line and prepares its key in buffers of their own (as a conversion worker does),
    /// then hands both to the output.
    func appendPrepared(_ fields: [String], partition: String, to output: NormalizedOutput) throws {
        var line = CSVLineBuilder()
        for field in fields { line.field(field) }
        let orders = ByteBuffer(capacity: 16)
        orders.append(0x41)  // a key that does not start its buffer
        var orderKey = LedgerOrderKey()
        let key = orderKey.prepare(line.buffer.bytes, columns: LedgerKind.timeEntries.sortColumns, into: orders)
        if key == nil { #expect(orders.count == 1) }
        let parts = partition.split(separator: "-").map { Int($0)! }
        try output.append(year: parts[0], month: parts[1], line: line.buffer.bytes, key: key)
    }

    /// The key and sort column a time entry's builder says it wrote (``LedgerLinePlaces``) give
    /// the order key and hash that searching the line gives, or nil both ways (a quoted key, a
    /// guarded tab); the texts hold commas, quotes, line breaks, formula marks and tabs.
    @Test func placesRecordedByTheBuilderGiveTheLocatedKey() {
        let texts = ["", "Réunion, point \"v2\"\nsuite", "=cmd", "\tguarded tab", "plain", " lead", "a\"b", "-12.5"]
        let keys = ["te:ab12cd#2", "te:ab12cd", "clockify:ws:42", "clockify:ws,42", "bank:x#1", "=k", "\"q"]
        var checked = 0
        for (index, key) in keys.enumerated() {
            for (position, text) in texts.enumerated() {
                let record = TimeEntryRecord<String>(
                    key: key, sourceFormat: .clockifyDetailedCSV, sourceFile: "export.csv", sourceRow: index,
                    sourceEntryID: text, userName: text, userEmail: "a@b.fr", clientName: text, clientCode: "",
                    projectName: text, taskName: "", description: texts[(position + index) % texts.count], tags: text,
                    billable: position % 2 == 0 ? nil : true, entryType: "regular",
                    startLocal: 1_750_000_000 + Int64(index * 3_600), endLocal: 1_750_003_600,
                    startUTC: 1_749_992_800 - Int64(position * 86_400), endUTC: 1_749_996_400, durationSeconds: 3_600,
                    secondPrecision: true, hourlyRateMinor: 11_000, billableAmountMinor: 11_000, currencyCode: "EUR",
                    minorDigits: 2,
                    category: .facturable, invoiced: nil, invoiceRef: text)
                var line = CSVLineBuilder()
                line.field("prefix")  // a line that does not start its buffer
                line.endLine()
                let start = line.buffer.count
                let places = record.write(into: &line).relative(to: start)
                let bytes = UnsafeRawBufferPointer(rebasing: line.buffer.bytes[start...])
                let located = ByteBuffer(capacity: 16)
                let placed = ByteBuffer(capacity: 16)
                var orderKey = LedgerOrderKey()
                let byLocating = orderKey.prepare(bytes, columns: LedgerKind.timeEntries.sortColumns, into: located)
                let byPlaces = orderKey.prepare(bytes, places: places, into: placed)
                #expect(byLocating?.hash == byPlaces?.hash, "\(key) \(text)")
                #expect(located.array == placed.array, "\(key) \(text)")
                if byLocating != nil { checked += 1 }
            }
        }
        #expect(checked > 20)
    }

    func sample(count: Int) -> [(String, [String])] {
        (0..<count).map { index in
            let key = index % 4 == 0 ? "clockify:ws:\(index)" : "te:\(String(index * 7919, radix: 16))"
            let day = (index * 13) % 28 + 1
            let start = "2025-0\(index % 3 + 7)-\(day < 10 ? "0" : "")\(day)T0\(index % 10):00:00Z"
            return ("2025-0\(index % 3 + 7)", row(key, start: start))
        }
    }

    @Test(
        "new month ledgers written from the sorters equal the scratch-file path's",
        arguments: [192 << 20, 20_000, 1_000], [false, true])
    func directEqualsScratchFiles(rowBytes: Int, prepared: Bool) throws {
        let result = try bothWays(
            sample(count: 400), budget: .init(rowBytes: rowBytes, keyBytes: 64 << 20), prepared: prepared)
        #expect(result.stayed == ["2025-07", "2025-08", "2025-09"])
        #expect(result.direct == result.files)
        #expect(result.added == [400, 400])
        #expect(String(decoding: result.direct["2025-08"]!, as: UTF8.self).contains("te:1eef#1,"))
    }

    @Test(
        "a month leaves the direct path for a repeated key, a quoted sort column or a guarded tab",
        arguments: [false, true])
    func monthsThatLeave(prepared: Bool) throws {
        var rows = sample(count: 90)
        // Row 1 is te:1eef in 2025-08: a second one becomes te:1eef#2.
        rows.insert(("2025-08", row("te:1eef", start: "2025-08-02T08:00:00Z")), at: 40)
        rows.append(("2025-07", row("te:aa", start: "2025-07-02,08:00")))
        rows.append(("2025-09", row("te:bb", start: "2025-09-02T08:00:00Z", description: "\t=1+1")))
        let result = try bothWays(rows, budget: .init(rowBytes: 3_000, keyBytes: 64 << 20), prepared: prepared)
        #expect(result.stayed.isEmpty)
        #expect(result.direct == result.files)
        #expect(result.added[0] == result.added[1])
        #expect(String(decoding: result.direct["2025-08"]!, as: UTF8.self).contains("te:1eef#2,"))
    }

    /// The sorters hold lines without their key and provenance (``CompactLedgerLine``), put back
    /// when the ledger is written: a quoted source file name (commas, doubled quotes) and
    /// fingerprint and id keys come back as the scratch-file path writes them; a month whose lines
    /// name another source file, or hold a fingerprint key with its occurrence number, leaves the
    /// direct path and is written the same.
    @Test(arguments: [false, true])
    func linesHeldCompactComeBackWhole(prepared: Bool) throws {
        let file = "Export, \"juillet\" =2025.csv"
        var rows = sample(count: 120).map { partition, fields in
            var fields = fields
            fields[TimeEntryColumn.sourceFile.index] = file
            return (partition, fields)
        }
        rows.insert(("2025-08", row("te:77", start: "2025-08-03T08:00:00Z", file: "autre.csv")), at: 60)
        rows.insert(("2025-09", row("te:99#2", start: "2025-09-03T08:00:00Z", file: file)), at: 70)
        let result = try bothWays(rows, budget: .init(rowBytes: 3_000, keyBytes: 64 << 20), prepared: prepared)
        #expect(result.stayed == ["2025-07"])
        #expect(result.direct == result.files)
        #expect(result.added[0] == result.added[1])
        let july = String(decoding: result.direct["2025-07"]!, as: UTF8.self)
        #expect(july.contains(",clockify_csv,\"Export, \"\"juillet\"\" =2025.csv\","))
        #expect(july.contains("clockify:ws:0,clockify_csv,"))
    }

    /// What a held row costs its sorter's budget: the record (``RunFormat``: two lengths, the
    /// order key and its sequence, the line from the comma after `source_file`) and its entry, so
    /// the key and the provenance are neither held nor spilled.
    @Test func aHeldRowIsItsLineWithoutKeyAndProvenance() throws {
        let sorts = DirectLedgerRows(
            kind: .timeEntries, folder: Path.join(folder, "sort"), budget: .init(rowBytes: 64 << 20, keyBytes: 1 << 20))
        defer { sorts.removeAll() }
        let month = sorts.start(partition: "2025-07")
        var expected = 0
        var line = CSVLineBuilder()
        for (_, var fields) in sample(count: 40) {
            fields[TimeEntryColumn.sourceFile.index] = "Clockify_Time_Report_Detailed, \"2025\".csv"
            line.removeAll()
            for field in fields { line.field(field) }
            var prefix = CSVLineBuilder()
            for field in fields[0...TimeEntryColumn.sourceFile.index] { prefix.field(field) }
            let order = ByteBuffer(capacity: 64)
            var orderKey = LedgerOrderKey()
            let prepared = orderKey.prepare(line.buffer.bytes, columns: [TimeEntryColumn.startUTC.index], into: order)
            let orderCount = try #require(prepared?.order.count)
            expected += RunFormat.overhead + orderCount + 8 + line.buffer.count - prefix.buffer.count
            expected += MemoryLayout<ExternalSorter.Entry>.stride
            #expect(try sorts.add(line.buffer.bytes, to: month))
        }
        #expect(month.sorter.heldBytes == expected)
    }

    @Test(arguments: [false, true])
    func aMonthLeavesWhenTheKeyHashesOutgrowTheirBudget(prepared: Bool) throws {
        let result = try bothWays(
            sample(count: 300), budget: .init(rowBytes: 192 << 20, keyBytes: 2_000), prepared: prepared)
        #expect(result.stayed.count < 3)
        #expect(result.direct == result.files)
        #expect(result.added == [300, 300])
    }

    @Test func theKeyHashSetFindsEveryRepeatAcrossGrowth() {
        var set = KeyHashSet()
        var reference = Set<UInt64>()
        var random = SystemRandomNumberGenerator()
        var values: [UInt64] = [0, 1, 1 << 63]
        for _ in 0..<5_000 { values.append(random.next() % 3_000) }
        for value in values {
            let expected = reference.insert(value == 0 ? 1 : value).inserted
            #expect(set.insert(value) == expected)
        }
        #expect(set.count == reference.count)
        #expect(set.bytes >= reference.count * 8 * 4 / 3)
    }

    @Test func theSharedBudgetBoundsWhatIsHeldAndSpillsTheLargest() throws {
        let sorts = DirectLedgerRows(
            kind: .timeEntries, folder: Path.join(folder, "sort"), budget: .init(rowBytes: 10_000, keyBytes: 1 << 20))
        let months = ["2025-07", "2025-08"].map { sorts.start(partition: $0) }
        var line = CSVLineBuilder()
        for (index, fields) in sample(count: 200).enumerated() {
            line.removeAll()
            for field in fields.1 { line.field(field) }
            #expect(try sorts.add(line.buffer.bytes, to: months[index % 2]))
            #expect(months.map(\.sorter.heldBytes).reduce(0, +) <= 10_000)
        }
        #expect(months.allSatisfy { $0.sorter.spilledRuns > 0 })
        sorts.removeAll()
    }
}
