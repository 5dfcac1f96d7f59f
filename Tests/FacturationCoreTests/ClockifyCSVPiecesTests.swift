import Foundation
import Testing

@testable import FacturationCore

/// The invariant of the Clockify conversion on several cores (``ClockifyCSVConverter`` with
/// ``ClockifyCSVConverter/PieceSettings``): whatever the file, it gives what the one-core pass
/// gives, byte for byte (rows in order, report, rejection), and the cuts of ``CSVChunkPlan`` fall
/// only between records, with the right line numbers.
@Suite("Clockify CSV in pieces")
struct ClockifyCSVPiecesTests {
    // MARK: - Generated exports

    /// A Clockify export of `rows` entries over several months, with what makes cutting hard:
    /// quoted line breaks (LF and CRLF) and doubled quotes in descriptions, CRLF or LF line ends,
    /// a preamble, blank lines, a TOTAL row, repeated entries, and `bad` rows that are rejected.
    static func export(
        seed: UInt64, rows: Int, crlf: Bool, bad: Set<Int> = [], finalNewline: Bool = true, total: Bool = true
    ) -> String {
        var random = SplitMix64(seed: seed)
        let end = crlf ? "\r\n" : "\n"
        var lines = [
            "Clockify Time Report", "", "Workspace:,Demo", "",
            ClockifyCSVConverterTests.header,
        ]
        let descriptions = [
            "Audit", "multi\nline", "multi\r\nline with \"quotes\"", "\"\"", "a, b", "\n", "end\n",
            " padded ", "plain text here", "=1+2", "tab\there",
        ]
        var previous: String?
        for index in 0..<rows {
            if let previous, random.chance(percent: 5) {
                lines.append(previous)  // the same entry twice
                continue
            }
            if random.chance(percent: 4) { lines.append("") }
            let month = 1 + random.below(4)
            let day = 1 + random.below(28)
            let hour = 8 + random.below(8)
            let date = "\(CivilDate.pad(day, 2))/\(CivilDate.pad(month, 2))/2025"
            var start = "\(CivilDate.pad(hour, 2)):\(CivilDate.pad(random.below(60), 2)):00"
            if bad.contains(index) { start = "25:61" }
            let line = ClockifyCSVConverterTests.row(
                project: random.pick(["LAA - INFRA", "BETA", "Gamma, Inc"]), client: random.pick(["LAA", "", "X"]),
                description: random.pick(descriptions) + " \(index % 7)",
                start: (date, start), end: (date, "\(CivilDate.pad(hour + 1, 2)):\(start.suffix(5))"),
                duration: "01:00:00", amount: "110.00")
            lines.append(line)
            previous = line
        }
        if total { lines.append(",,,,,,,TOTAL:,,,,,01:40:00,1.67,,170.00") }
        return lines.joined(separator: end) + (finalNewline ? end : "")
    }

    // MARK: - One file, both ways

    /// What one conversion produced: the report or the rejection, and every scratch file's bytes.
    struct Result: Equatable {
        var records: Int?
        var partitions: [String: Int] = [:]
        var notes: [String] = []
        var summary: String?
        var problems: [String] = []
        var problemTotal = 0
        var problemRows = 0
        var files: [String: Data] = [:]
    }

    static func convert(
        _ data: Data, in harness: ConversionHarness, pieces: ClockifyCSVConverter.PieceSettings?,
        alreadyImported: ((Bool) -> Bool)? = nil
    )
        throws -> Result
    {
        let path = harness.folder.appendingPathComponent("input-\(UUID().uuidString.prefix(6)).csv").path
        try data.write(to: URL(fileURLWithPath: path))
        let scan = try FileScan.scan(path: path)
        guard case .success(let detection) = FormatSniffer.detect(scan) else {
            return Result(summary: "not detected")
        }
        let scratch = harness.folder.appendingPathComponent("scratch-\(UUID().uuidString.prefix(6))").path
        let output = try NormalizedOutput(directory: scratch, kind: detection.format.ledger)
        var context = ConversionContext(
            path: path, sourceName: "input.csv", scan: scan, detection: detection, pipeline: harness.pipeline,
            zone: ZoneConverter(timeZone: harness.pipeline.timeZone),
            classifier: EntryClassifier(pipeline: harness.pipeline), output: output, progress: nil)
        context.alreadyImported = alreadyImported
        var result = Result()
        do {
            let report = try ClockifyCSVConverter(context: context, pieces: pieces).convert()
            result.records = report.records
            result.partitions = report.partitions
            result.notes = report.notes
            for (partition, file) in output.partitionFiles {
                result.files[partition] = try Data(contentsOf: URL(fileURLWithPath: file))
            }
        } catch let rejection as Rejection {
            result.summary = rejection.summary
            result.problems = rejection.problems.listed.map(\.description)
            result.problemTotal = rejection.problems.total
            result.problemRows = rejection.problems.rowsWithProblems
        }
        return result
    }

    /// Converts `text` on one core and in pieces; returns both results and the pieces' log.
    static func both(
        _ data: Data, blockBytes: Int, window: Int = 3
    ) throws -> (
        one: Result, pieces: Result, log: ClockifyCSVConverter.PieceLog
    ) {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let log = ClockifyCSVConverter.PieceLog()
        let settings = ClockifyCSVConverter.PieceSettings(
            minimumBytes: 0, blockBytes: blockBytes, window: window, log: log, forceCores: true)
        let one = try convert(data, in: harness, pieces: nil)
        let pieces = try convert(data, in: harness, pieces: settings)
        return (one, pieces, log)
    }

    // MARK: - Tests

    @Test(arguments: [(1, false), (2, true), (3, false), (4, true)])
    func generatedExportsGiveTheSameRowsInPieces(seed: Int, crlf: Bool) throws {
        let text = Self.export(seed: UInt64(seed), rows: 300, crlf: crlf, finalNewline: seed % 2 == 1)
        for blockBytes in [64, 257, 1000, 4096] {
            let (one, pieces, log) = try Self.both(Data(text.utf8), blockBytes: blockBytes)
            #expect(one.records != nil, "the generated export is valid")
            #expect(pieces == one, "block \(blockBytes)")
            // The pieces pass really ran, with several pieces, and did not fall back.
            #expect(log.piecesPasses >= 1 && log.fallbacks.isEmpty, "block \(blockBytes): \(log.fallbacks)")
            #expect(log.largestPieceCount > 3)
        }
    }

    /// A file found imported already while it is converted (its digest, computed beside the
    /// conversion, is in the index): the pieces stop before the next window is handed on, and nothing is kept;
    /// past half of the pieces they ask with a wait (the digest finished on their thread); a
    /// one-core pass asks with a wait before it starts. Never found, the conversion is the one-core
    /// pass's.
    @Test func theConversionStopsOnceTheFileIsFoundImported() throws {
        let data = Data(Self.export(seed: 5, rows: 300, crlf: false).utf8)
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let log = ClockifyCSVConverter.PieceLog()
        let settings = ClockifyCSVConverter.PieceSettings(
            minimumBytes: 0, blockBytes: 500, window: 2, log: log, forceCores: true)
        var asked = 0
        #expect(throws: ConversionStopped.self) {
            _ = try Self.convert(data, in: harness, pieces: settings) { _ in
                asked += 1
                return asked == 3
            }
        }
        #expect(asked == 3 && log.piecesPasses == 1 && log.fallbacks.isEmpty && log.largestPieceCount > 6)
        var waits: [Bool] = []
        let never = try Self.convert(data, in: harness, pieces: settings) { wait in
            waits.append(wait)
            return false
        }
        let oneCore = try Self.convert(data, in: harness, pieces: nil)
        #expect(never == oneCore)
        // Windows of two pieces: the first half asks without waiting, the second half with.
        #expect(waits.count > 3 && waits.first == false && waits.last == true, "\(waits)")
        #expect(waits == waits.sorted { !$0 && $1 }, "no wait before half, then waits: \(waits)")
        // One core: asked once, with a wait, before the pass.
        var oneCoreWaits: [Bool] = []
        #expect(throws: ConversionStopped.self) {
            _ = try Self.convert(data, in: harness, pieces: nil) { wait in
                oneCoreWaits.append(wait)
                return wait
            }
        }
        #expect(oneCoreWaits == [true])
        #expect(try Self.convert(data, in: harness, pieces: nil) { _ in false } == oneCore)
    }

    @Test func aRejectedRowInEveryPieceIsReportedAsOnOneCore() throws {
        let bad = Set(stride(from: 3, to: 300, by: 11))
        let text = Self.export(seed: 7, rows: 300, crlf: false, bad: bad)
        let (one, pieces, log) = try Self.both(Data(text.utf8), blockBytes: 700)
        #expect(one.summary?.contains("cannot be read") == true)
        #expect(one.problemTotal >= bad.count)
        #expect(pieces == one)
        #expect(log.piecesPasses == 1 && log.fallbacks.isEmpty)
    }

    @Test func aByteOrderMarkAndUSDatesFoundLateAreHandledInPieces() throws {
        // 24-hour times and 03/04 first: the pass starts day/month; 03/25 proves month/day and the file is read again.
        var lines = [ClockifyCSVConverterTests.header]
        for index in 0..<200 {
            let day = index == 150 ? 25 : 1 + index % 12
            lines.append(
                ClockifyCSVConverterTests.row(
                    description: "entry \(index)\nsecond line", start: ("03/\(CivilDate.pad(day, 2))/2024", "09:00:00"),
                    end: ("03/\(CivilDate.pad(day, 2))/2024", "10:00:00"), duration: "01:00:00"))
        }
        let data = Data([0xEF, 0xBB, 0xBF]) + Data(lines.joined(separator: "\n").utf8)
        let (one, pieces, log) = try Self.both(data, blockBytes: 900)
        #expect(one.records == 200)
        #expect(pieces == one)
        #expect(log.piecesPasses == 2 && log.fallbacks.isEmpty)  // the restart with month/day is in pieces too
    }

    @Test func aTypeColumnWithEmptyCellsAfterATypeGivesTheSameRows() throws {
        // The converter writes "regular" for empty Type cells until a first Type is seen, then "":
        // pieces that start with empty cells after a Type must not keep "regular".
        for pattern in [[false], [true, false], [false, false, true]] {
            var lines = [ClockifyCSVConverterTests.header + ",\"Type\""]
            for index in 0..<150 {
                let typed = pattern[(index / 37) % pattern.count]
                let day = CivilDate.pad(13 + index % 15, 2)
                lines.append(
                    ClockifyCSVConverterTests.row(
                        description: "entry \(index)", start: ("\(day)/07/2025", "09:00:00"),
                        end: ("\(day)/07/2025", "10:00:00"), duration: "01:00:00") + (typed ? ",\"Break\"" : ","))
            }
            let (one, pieces, log) = try Self.both(Data((lines.joined(separator: "\n") + "\n").utf8), blockBytes: 500)
            #expect(one.records == 150)
            #expect(pieces == one, "pattern \(pattern)")
            #expect(log.piecesPasses == 1)
            // Only a Type followed by empty cells makes the pieces give up (and the check is needed then).
            #expect(log.fallbacks.count == (pattern == [false] ? 0 : 1), "pattern \(pattern)")
        }
    }

    @Test func mutatedExportsGiveTheSameOutcomeInPiecesOrOnOneCore() throws {
        let base = Array(Self.export(seed: 11, rows: 120, crlf: false).utf8)
        var random = SplitMix64(seed: 20_251_205)
        let tokens: [[UInt8]] = [
            [0x22], [0x0A], [0x0D, 0x0A], [0x0D], [0x2C], Array("\"\"".utf8), Array("TOTAL".utf8),
        ]
        var fellBack = 0
        var inPieces = 0
        for index in 0..<60 {
            var bytes = base
            for _ in 0..<(1 + random.below(3)) {
                let at = random.below(bytes.count)
                switch random.below(3) {
                case 0: bytes.insert(contentsOf: random.pick(tokens), at: at)
                case 1: bytes.remove(at: at)
                default: bytes[at] = random.pick(tokens)[0]
                }
            }
            let (one, pieces, log) = try Self.both(Data(bytes), blockBytes: 300 + random.below(700))
            #expect(pieces == one, "mutation \(index)")
            fellBack += log.fallbacks.count
            inPieces += log.piecesPasses - log.fallbacks.count
        }
        // Both paths were exercised: files the pieces pass took to the end, and broken files it gave up on.
        #expect(fellBack > 0)
        #expect(inPieces > 0)
    }

    @Test func fileThatCannotBeCutTakesTheOneCorePass() throws {
        // CR line ends only: no LF to cut at.
        let text = Self.export(seed: 5, rows: 80, crlf: false).replacingOccurrences(of: "\n", with: "\r")
        let (one, pieces, log) = try Self.both(Data(text.utf8), blockBytes: 256)
        #expect(pieces == one)
        #expect(log.piecesPasses == 0)
        // An unclosed quote: an odd number of quotes.
        let open = Self.export(seed: 6, rows: 80, crlf: false) + "\"never closed\n"
        let (oneOpen, piecesOpen, logOpen) = try Self.both(Data(open.utf8), blockBytes: 256)
        #expect(oneOpen.summary == "The file is not valid CSV.")
        #expect(piecesOpen == oneOpen)
        #expect(logOpen.piecesPasses == 0)
    }

    // MARK: - The plan alone

    @Test func cutsFallBetweenRecordsWithTheirLineNumbers() throws {
        var random = SplitMix64(seed: 99)
        let alphabet: [UInt8] = Array("ab,\"\n\r".utf8)
        for round in 0..<200 {
            // Random bytes with balanced quotes (a quote is only written as part of a quoted field).
            var bytes: [UInt8] = []
            while bytes.count < 50 + random.below(3000) {
                if random.chance(percent: 10) {
                    bytes.append(0x22)
                    for _ in 0..<random.below(6) { bytes.append(random.pick(alphabet.filter { $0 != 0x22 })) }
                    bytes.append(0x22)
                } else {
                    bytes.append(random.pick(alphabet.filter { $0 != 0x22 }))
                }
            }
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("plan-\(UUID()).csv").path
            try Data(bytes).write(to: URL(fileURLWithPath: path))
            defer { try? FileManager.default.removeItem(atPath: path) }
            let start = Int64(random.below(3))
            let block = 16 + random.below(400)
            guard let plan = CSVChunkPlan.make(path: path, start: start, blockBytes: block) else { continue }
            #expect(plan.pieces.first?.start == start, "round \(round)")
            #expect(plan.pieces.last?.end == Int64(bytes.count), "round \(round)")
            for (index, piece) in plan.pieces.enumerated() {
                #expect(piece.start < piece.end)
                if index > 0 {
                    #expect(plan.pieces[index - 1].end == piece.start)
                    let before = bytes[Int(start)..<Int(piece.start)]
                    #expect(before.last == 0x0A, "round \(round): a cut right after an LF")
                    #expect(before.filter { $0 == 0x22 }.count % 2 == 0, "round \(round): outside quotes")
                }
                let text = bytes[Int(start)..<Int(piece.start)]
                let breaks = Array(text).withUnsafeBytes { CSVRowLines.countLineBreaks($0) }
                #expect(piece.firstLine == 1 + breaks, "round \(round), piece \(index)")
            }
        }
    }

    /// The vectorized counts of the cut-point scan equal a plain count, for every length around
    /// the 16-byte lanes and the 255-round flush, every alignment, with and without CRs.
    @Test(arguments: [false, true])
    func byteCountsEqualAPlainCount(withCR: Bool) {
        var random = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = withCR ? [0x22, 0x0A, 0x0D, 0x61, 0x2C, 0x0D] : [0x22, 0x0A, 0x61, 0x2C, 0xC3]
        let bytes = (0..<(255 * 32 * 2 + 100)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] }
        let lengths = Array(0...70) + [255 * 16 - 1, 255 * 16, 255 * 16 + 17, 255 * 32 + 33, bytes.count - 3]
        bytes.withUnsafeBytes { raw in
            for length in lengths {
                for offset in 0..<3 {
                    let slice = UnsafeRawBufferPointer(rebasing: raw[offset..<(offset + length)])
                    for previousCR in [false, true] {
                        let fast = CSVChunkPlan.ByteCounts(slice, previousCR: previousCR)
                        let plain = CSVChunkPlan.ByteCounts.counted(slice, previousCR: previousCR)
                        #expect(fast.quotes == plain.quotes && fast.lineBreaks == plain.lineBreaks)
                    }
                }
            }
        }
    }

    @Test func problemListsJoinAsIfBuiltInOrder() {
        var random = SplitMix64(seed: 3)
        for _ in 0..<200 {
            var problems: [Problem] = []
            var line = 1
            for _ in 0..<random.below(260) {
                if random.chance(percent: 60) { line += 1 + random.below(3) }
                problems.append(
                    Problem(line: random.chance(percent: 5) ? nil : line, message: "p\(problems.count)"))
            }
            var whole = ProblemList()
            for problem in problems { whole.add(problem) }
            var joined = ProblemList()
            var index = 0
            while index < problems.count {
                let next = min(problems.count, index + 1 + random.below(40))
                var part = ProblemList()
                for problem in problems[index..<next] { part.add(problem) }
                joined.append(contentsOf: part)
                index = next
            }
            #expect(joined.total == whole.total)
            #expect(joined.rowsWithProblems == whole.rowsWithProblems)
            #expect(joined.listed == whole.listed)
        }
    }

    /// The pieces' copies of what every row retains (``Unshared``) are equal to the originals and
    /// share no storage with them, so the two workers never retain one object.
    @Test func unsharedCopiesAreEqualAndHaveTheirOwnStorage() {
        let header = ["Project", "Client", "Description", "Task", "User", "Email", "Tags", "Billable"]
        let columns = Array(0..<24)
        let (headerCopy, columnsCopy) = (Unshared.copy(of: header), Unshared.copy(of: columns))
        #expect(headerCopy == header && columnsCopy == columns)
        #expect(header.withUnsafeBufferPointer(\.baseAddress) != headerCopy.withUnsafeBufferPointer(\.baseAddress))
        #expect(columns.withUnsafeBufferPointer(\.baseAddress) != columnsCopy.withUnsafeBufferPointer(\.baseAddress))
    }
}
