import Foundation
import Testing

@testable import FacturationCore

/// A temporary folder deleted when the value is released.
private final class TemporaryFolder {
    let path: String

    init() throws {
        path =
            FileManager.default.temporaryDirectory
            .appendingPathComponent("csvreader-tests-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(atPath: path) }

    func write(_ bytes: [UInt8], name: String = "input.csv") throws -> String {
        let file = (path as NSString).appendingPathComponent(name)
        try Data(bytes).write(to: URL(fileURLWithPath: file))
        return file
    }

    func write(_ text: String, name: String = "input.csv") throws -> String {
        try write(Array(text.utf8), name: name)
    }
}

private struct Row: Equatable, CustomStringConvertible {
    let line: Int
    let fields: [String]
    init(_ line: Int, _ fields: [String]) {
        self.line = line
        self.fields = fields
    }
    var description: String { "\(line): \(fields)" }
}

/// Reads a whole file through CSVReader and returns every row with its line.
private func readRows(_ path: String, delimiter: Character = ",", chunkSize: Int = 1 << 15) throws -> [Row] {
    let reader = CSVReader(delimiter: UInt8(ascii: delimiter.unicodeScalars.first!))
    let source = try DecodingReader(path: path, encoding: .utf8, chunkSize: chunkSize)
    var rows: [Row] = []
    try reader.read(source) { batch in
        for row in 0..<batch.rowCount {
            rows.append(Row(batch.line(row), batch.strings(row)))
        }
    }
    return rows
}

/// Reads a file that must fail, and returns the syntax error.
private func readError(
    _ path: String, chunkSize: Int = 1 << 15, sourceLocation: SourceLocation = #_sourceLocation
)
    throws -> CSVSyntaxError?
{
    do {
        let rows = try readRows(path, chunkSize: chunkSize)
        Issue.record("expected a CSVSyntaxError, read \(rows.count) rows", sourceLocation: sourceLocation)
        return nil
    } catch let error as CSVSyntaxError {
        return error
    }
}

private struct StopReading: Error {}

@Suite("CSVReader")
struct CSVReaderTests {
    // MARK: - Fields

    @Test func plainFields() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("Date,Amount,Label\n2025-07-01,12.50,Loyer\n2025-07-02,-3,Café ☕\n")
        #expect(
            try readRows(path) == [
                Row(1, ["Date", "Amount", "Label"]),
                Row(2, ["2025-07-01", "12.50", "Loyer"]),
                Row(3, ["2025-07-02", "-3", "Café ☕"]),
            ])
    }

    @Test func quotedFieldsKeepSeparatorsQuotesAndLineBreaks() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write(
            "\"x, y\",\"say \"\"hi\"\"\",\"multi\r\nline\",\"lf\nonly\",\"\",\"  padded  \"\r\n"
                + "next,\"a\"\"\",\"\"\"\"\r\n")
        #expect(
            try readRows(path) == [
                Row(1, ["x, y", "say \"hi\"", "multi\r\nline", "lf\nonly", "", "  padded  "]),
                Row(4, ["next", "a\"", "\""]),
            ])
    }

    @Test func emptyFieldsAndSpacesAroundUnquotedFields() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write(",\n a , b\t,\" c \"\nx,,y,\n")
        #expect(
            try readRows(path) == [
                Row(1, ["", ""]),
                Row(2, ["a", "b", " c "]),
                Row(3, ["x", "", "y", ""]),
            ])
    }

    // MARK: - Line numbers

    @Test(
        "physical line numbers count the line breaks inside quoted fields",
        arguments: [1, 2, 3, 5, 7, 64, 1 << 15])
    func lineNumbersWithMultiLineFields(chunkSize: Int) throws {
        let folder = try TemporaryFolder()
        let text =
            "h1,h2\r\n"  // line 1
            + "1,\"multi\r\nline\"\r\n"  // lines 2-3
            + "\r\n"  // line 4 (blank)
            + "2,\"a\nb\nc\"\r\n"  // lines 5-7
            + "3,x\r\n"  // line 8
            + "\"4\r\n\r\n\",\"\"\r\n"  // lines 9-11
            + "5,last"  // line 12, no line end
        let path = try folder.write(text)
        #expect(
            try readRows(path, chunkSize: chunkSize) == [
                Row(1, ["h1", "h2"]),
                Row(2, ["1", "multi\r\nline"]),
                Row(5, ["2", "a\nb\nc"]),
                Row(8, ["3", "x"]),
                Row(9, ["4\r\n\r\n", ""]),
                Row(12, ["5", "last"]),
            ])
    }

    /// Rows are flagged when a field may hold a control character, whatever the chunk boundaries
    /// (a row split across batches keeps its flag): the converters skip the exact check on the others.
    @Test(
        "rows that may hold control characters are flagged across chunk boundaries",
        arguments: [1, 2, 3, 5, 7, 64, 1 << 15])
    func controlCharacterFlags(chunkSize: Int) throws {
        let folder = try TemporaryFolder()
        let text =
            "h1,h2\r\n"
            + "plain,row\r\n"
            + "\"multi\r\nline\",x\r\n"
            + "esc\u{1B},x\r\n"
            + "nbsp\u{A0},x\r\n"
            + "é à,x\r\n"
            + "last,\u{85}"
        let path = try folder.write(text)
        let reader = CSVReader(delimiter: UInt8(ascii: ","))
        let source = try DecodingReader(path: path, encoding: .utf8, chunkSize: chunkSize)
        var flags: [String: Bool] = [:]
        try reader.read(source) { batch in
            for row in 0..<batch.rowCount { flags[batch.string(row, 0)] = batch.mayHoldControlCharacters(row) }
        }
        #expect(
            flags == [
                "h1": false, "plain": false, "multi\r\nline": true, "esc\u{1B}": true, "nbsp\u{A0}": true,
                "é à": false, "last": true,
            ])
    }

    @Test func blankLinesAreSkippedButCounted() throws {
        let folder = try TemporaryFolder()
        let lf = try folder.write("\n\na,b\n\n\nc,d\n\n", name: "lf.csv")
        #expect(try readRows(lf) == [Row(3, ["a", "b"]), Row(6, ["c", "d"])])
        let crlf = try folder.write("\r\n\r\na,b\r\n\r\n\r\nc,d\r\n\r\n", name: "crlf.csv")
        #expect(try readRows(crlf) == [Row(3, ["a", "b"]), Row(6, ["c", "d"])])
        let cr = try folder.write("\r\ra,b\r\r\rc,d\r\r", name: "cr.csv")
        #expect(try readRows(cr) == [Row(3, ["a", "b"]), Row(6, ["c", "d"])])
    }

    @Test(
        "LF, CRLF, CR-only and mixed line ends",
        arguments: [
            ("a,b\nc,d\ne,f\n", "LF"),
            ("a,b\r\nc,d\r\ne,f\r\n", "CRLF"),
            ("a,b\rc,d\re,f\r", "CR"),
            ("a,b\r\nc,d\ne,f\r", "mixed"),
            ("a,b\nc,d\ne,f", "no final line end"),
        ])
    func lineEnds(text: String, label: String) throws {
        let folder = try TemporaryFolder()
        let path = try folder.write(text)
        for chunkSize in [1, 2, 3, 1 << 15] {
            #expect(
                try readRows(path, chunkSize: chunkSize) == [
                    Row(1, ["a", "b"]), Row(2, ["c", "d"]), Row(3, ["e", "f"]),
                ], "\(label), chunk size \(chunkSize)")
        }
    }

    @Test func crOnlyFileWithMultiLineField() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("a,\"x\ry\"\rb,c\r")
        #expect(try readRows(path) == [Row(1, ["a", "x\ry"]), Row(3, ["b", "c"])])
    }

    @Test func semicolonDelimiter() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("Statut;Montant total (TTC);Note\nExécuté;-1 250,00;\"a;b\"\nEn cours;2,5;x,y\n")
        #expect(
            try readRows(path, delimiter: ";") == [
                Row(1, ["Statut", "Montant total (TTC)", "Note"]),
                Row(2, ["Exécuté", "-1 250,00", "a;b"]),
                Row(3, ["En cours", "2,5", "x,y"]),
            ])
    }

    // MARK: - Syntax errors

    @Test("a quoted field followed by text is an error at its exact position", arguments: [1, 2, 3, 7, 1 << 15])
    func quoteFollowedByText(chunkSize: Int) throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("h1,h2\nx,y\n\"a\"b,c\nd,e\n")
        let error = try #require(try readError(path, chunkSize: chunkSize))
        #expect(error.line == 3)
        #expect(error.column == 4)
        #expect(error.message.contains("a double quote (\") is misplaced"))
        #expect(error.message.contains("quotes must be doubled"))
    }

    @Test func errorPositionAfterMultiLineFieldsAndAccents() throws {
        let folder = try TemporaryFolder()
        let crlf = try folder.write("h\r\n\"1\r\n2\",x\r\n\"a\"b,c\r\n", name: "crlf.csv")
        let first = try #require(try readError(crlf))
        #expect(first.line == 4)
        #expect(first.column == 4)
        // Columns count characters, not bytes: "é" is one column.
        let accents = try folder.write("ok\né,\"a\"b\n", name: "accents.csv")
        let second = try #require(try readError(accents))
        #expect(second.line == 2)
        #expect(second.column == 6)
        // A second field of the row.
        let later = try folder.write("a,b,c\n1,2,\"3\"x,4\n", name: "later.csv")
        let third = try #require(try readError(later))
        #expect(third.line == 2)
        #expect(third.column == 8)
    }

    @Test func quoteInsideUnquotedField() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("a,b\nab\"c,d\n")
        let error = try #require(try readError(path))
        #expect(error.line == 2)
        #expect(error.column == 3)
    }

    @Test(
        "an unterminated quote at the end of the file is reported on the row's first line",
        arguments: [1, 3, 1 << 15])
    func unterminatedQuoteAtEnd(chunkSize: Int) throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("a,b\r\nc,d\r\ne,\"never\r\nclosed\r\nf,g\r\n")
        let error = try #require(try readError(path, chunkSize: chunkSize))
        #expect(error.line == 3)
        #expect(error.column == 1)
        #expect(error.message.contains("never closed"))
        #expect(error.message.contains("truncated"))
    }

    @Test func unterminatedQuoteAfterMultiLineField() throws {
        let folder = try TemporaryFolder()
        let path = try folder.write("a,\"1\n2\n3\"\n\n\"oops,x\n")
        let error = try #require(try readError(path))
        #expect(error.line == 5)
        #expect(error.column == 1)
    }

    // MARK: - Large files (parsed on a second thread)

    /// Builds about `megabytes` MB of rows with quoted, multi-line and accented fields, and the
    /// rows a reader must return.
    private static func largeFile(megabytes: Int) -> (bytes: [UInt8], rows: [Row]) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(megabytes << 20 + 4096)
        var rows: [Row] = []
        var line = 1
        bytes.append(contentsOf: "id,name,note,amount\n".utf8)
        rows.append(Row(1, ["id", "name", "note", "amount"]))
        line += 1
        var index = 0
        while bytes.count < megabytes << 20 {
            index += 1
            let name = "Client \(index), SARL"
            var note = "note \(index)"
            var written = note
            var breaks = 0
            switch index % 10 {
            case 3:
                note = "first line\nsecond line \(index)"
                written = "\"\(note)\""
                breaks = 1
            case 6:
                note = "a \"quoted\" word\r\nand\r\nmore ✓ \(index)"
                written = "\"a \"\"quoted\"\" word\r\nand\r\nmore ✓ \(index)\""
                breaks = 2
            case 9:
                note = "Désignation éàü 😀"
                written = note
            default:
                break
            }
            let amount = "\(index % 1000).\(index % 100)"
            let end = index % 4 == 0 ? "\r\n" : "\n"
            bytes.append(contentsOf: "\(index),\"\(name)\",\(written),\(amount)\(end)".utf8)
            rows.append(Row(line, [String(index), name, note, amount]))
            line += 1 + breaks
            if index % 1000 == 0 {
                bytes.append(contentsOf: "\n".utf8)  // a blank line
                line += 1
            }
        }
        return (bytes, rows)
    }

    @Test("a file above the threaded threshold gives every row with its line", arguments: [1 << 15, 4093])
    func largeFileThreaded(chunkSize: Int) throws {
        let folder = try TemporaryFolder()
        let (bytes, expected) = CSVReaderTests.largeFile(megabytes: 6)
        #expect(Int64(bytes.count) >= CSVReader.threadedThreshold)
        let path = try folder.write(bytes)
        let reader = CSVReader(delimiter: UInt8(ascii: ","))
        let source = try DecodingReader(path: path, encoding: .utf8, chunkSize: chunkSize)
        var rows: [Row] = []
        rows.reserveCapacity(expected.count)
        var batches = 0
        var lastBytesRead: Int64 = 0
        var progressNeverDecreased = true
        try reader.read(source) { batch in
            batches += 1
            if batch.bytesRead < lastBytesRead { progressNeverDecreased = false }
            lastBytesRead = batch.bytesRead
            for row in 0..<batch.rowCount {
                rows.append(Row(batch.line(row), batch.strings(row)))
            }
        }
        #expect(batches > 1)
        #expect(progressNeverDecreased)
        #expect(lastBytesRead == Int64(bytes.count))
        #expect(rows.count == expected.count)
        let mismatch = zip(rows, expected).enumerated().first { $0.element.0 != $0.element.1 }
        #expect(
            mismatch == nil,
            "first mismatch at row \(mismatch?.offset ?? -1): read \(String(describing: mismatch?.element.0)), expected \(String(describing: mismatch?.element.1))"
        )
        #expect(rows.last == expected.last)
    }

    @Test func largeFileSyntaxErrorNearTheEnd() throws {
        let folder = try TemporaryFolder()
        var (bytes, expected) = CSVReaderTests.largeFile(megabytes: 5)
        let badLine = expected.last!.line + 1 + (expected.last!.fields[2].filter { $0 == "\n" }.count)
        bytes.append(contentsOf: "x,\"bad\"quote,y,z\n".utf8)
        bytes.append(contentsOf: "after,the,error,row\n".utf8)
        let path = try folder.write(bytes)
        #expect(Int64(bytes.count) >= CSVReader.threadedThreshold)
        var rowsRead = 0
        do {
            try CSVReader(delimiter: UInt8(ascii: ",")).read(try DecodingReader(path: path, encoding: .utf8)) { batch in
                rowsRead += batch.rowCount
            }
            Issue.record("expected a syntax error")
        } catch let error as CSVSyntaxError {
            #expect(error.line == badLine)
            #expect(error.column == 8)
        }
        // No row after the bad one is delivered (rows of the failing chunk may be dropped: the
        // whole file is rejected anyway).
        #expect(rowsRead > 0 && rowsRead <= expected.count)
    }

    @Test func largeFileUnclosedQuoteStopsAtTheFieldLimit() throws {
        let folder = try TemporaryFolder()
        var bytes = Array("a,b\nc,\"opened and never closed\n".utf8)
        let filler = Array("lorem ipsum, dolor sit amet\n".utf8)
        while bytes.count < CSVReader.maximumFieldLength + (1 << 20) { bytes.append(contentsOf: filler) }
        let path = try folder.write(bytes)
        do {
            _ = try readRows(path)
            Issue.record("expected a syntax error")
        } catch let error as CSVSyntaxError {
            #expect(error.line == 2)
            #expect(error.column == 1)
            #expect(error.message.contains("longer than 8 MB"))
        }
    }

    @Test func errorThrownByTheBodyStopsTheThreadedReader() throws {
        let folder = try TemporaryFolder()
        let (bytes, _) = CSVReaderTests.largeFile(megabytes: 5)
        let path = try folder.write(bytes)
        var calls = 0
        #expect(throws: StopReading.self) {
            try CSVReader(delimiter: UInt8(ascii: ",")).read(try DecodingReader(path: path, encoding: .utf8)) { _ in
                calls += 1
                if calls == 2 { throw StopReading() }
            }
        }
        #expect(calls == 2)
    }

    // MARK: - Round trip with CSVLineBuilder

    @Test func lineBuilderOutputReadsBackIdentically() throws {
        let tricky: [[String]] = [
            ["plain", "", " leading", "trailing ", "  both  "],
            ["\ttab", "tab\t", "in\tside", "a\"b", "\""],
            ["\"\"", "a,b", ",", "line\nbreak", "crlf\r\nbreak"],
            ["cr\ronly", "😀 emoji 🇫🇷", "Café, crème", "\u{00A0}nbsp\u{00A0}", "   "],
            ["", "", "", "", ""],
            ["end with newline\n", "\nstart", "x", "y", "z"],
            ["=1+1", "'quoted'", "\r=cr", "-12.50", "-1+1"],
        ]
        var builder = CSVLineBuilder()
        for row in tricky { builder.line(row) }
        let folder = try TemporaryFolder()
        let path = try folder.write(builder.bytes)
        let rows = try readRows(path)
        // The reader gives the stored fields (the formula guard's `'` included); the values come back exactly.
        #expect(rows.map { $0.fields.map(CSVFormulaGuard.value(ofStored:)) } == tricky)
        #expect(rows[1].fields[0] == "'\ttab")
        #expect(rows[6].fields == ["'=1+1", "''quoted'", "'\r=cr", "-12.50", "'-1+1"])
        #expect(rows.map(\.line) == [1, 2, 3, 6, 8, 9, 12])
    }

    @Test func lineBuilderQuotesOnlyWhenNeeded() {
        var builder = CSVLineBuilder()
        builder.line(["plain", "", " lead", "a,b", "q\"q", "l\nf", "été"])
        builder.field(Int64(-42))
        builder.field(nil as Int64?)
        builder.decimalField(-5, scale: 2)
        builder.field(true)
        builder.endLine()
        #expect(
            String(decoding: builder.bytes, as: UTF8.self)
                == "plain,,\" lead\",\"a,b\",\"q\"\"q\",\"l\nf\",été\r\n-42,,-0.05,true\r\n")
    }
}
