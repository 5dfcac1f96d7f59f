import CLibcsv

#if canImport(Glibc)
import Glibc
#endif

/// A CSV syntax error (RFC 4180, strict quoting) with its position in the file.
public struct CSVSyntaxError: Error, Sendable {
    public let line: Int
    public let column: Int
    public let message: String
}

/// Streams RFC 4180 CSV through libcsv in strict mode and hands out rows in batches.
///
/// Fields are kept verbatim (no trimming); blank lines are skipped; every row carries the
/// physical line it starts on, counting line breaks inside quoted fields.
public final class CSVReader {
    /// The longest field accepted: longer means a quote was probably never closed.
    public static let maximumFieldLength = 8 << 20

    private var parser = csv_parser()
    private let batch = CSVBatch()
    private let delimiter: UInt8

    // Line accounting for rows.
    private var lineAtRowStart = 1
    private var newlinesInRow = 0
    private var afterCR = false

    // Line accounting for the raw stream (used to place syntax errors).
    private var streamLine = 1
    private var streamColumn = 1
    private var streamPendingCR = false

    public init(delimiter: UInt8) {
        self.delimiter = delimiter
        csv_init(&parser, UInt8(CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL))
        csv_set_delim(&parser, delimiter)
        csv_set_space_func(&parser, { _ in 0 })
    }

    deinit { csv_free(&parser) }

    /// Parses every chunk of `source` and calls `body` with each batch of complete rows.
    public func read(
        _ source: () throws -> [UInt8]?,
        body: (CSVBatch) throws -> Void
    ) throws {
        while let chunk = try source() {
            try feed(chunk)
            if batch.rowCount > 0 { try body(batch); batch.reset() }
        }
        try finish()
        if batch.rowCount > 0 { try body(batch); batch.reset() }
    }

    private func feed(_ chunk: [UInt8]) throws {
        let context = Unmanaged.passUnretained(self).toOpaque()
        let consumed = chunk.withUnsafeBytes { raw in
            csv_parse(&parser, raw.baseAddress, raw.count, CSVReader.onField, CSVReader.onRow, context)
        }
        if consumed != chunk.count {
            let (line, column) = position(in: chunk, upTo: consumed)
            throw CSVSyntaxError(
                line: line, column: column,
                message: "a double quote (\") is misplaced: inside a field, quotes must be doubled (\"\"), "
                    + "and a quoted field must be followed by the separator or the end of the line"
            )
        }
        if parser.entry_pos > CSVReader.maximumFieldLength {
            throw CSVSyntaxError(
                line: lineAtRowStart, column: 1,
                message: "a field is longer than \(CSVReader.maximumFieldLength >> 20) MB: a quoted field "
                    + "starting on this row is probably never closed"
            )
        }
        advanceStreamPosition(over: chunk, upTo: chunk.count)
    }

    private func finish() throws {
        let context = Unmanaged.passUnretained(self).toOpaque()
        if csv_fini(&parser, CSVReader.onField, CSVReader.onRow, context) != 0 {
            throw CSVSyntaxError(
                line: lineAtRowStart, column: 1,
                message: "a quoted field starting on this row is never closed: the file may be truncated, "
                    + "or a quote is missing"
            )
        }
    }

    // MARK: - libcsv callbacks

    private static let onField: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Void = {
        field, length, context in
        let reader = Unmanaged<CSVReader>.fromOpaque(context!).takeUnretainedValue()
        reader.afterCR = false
        let bytes = UnsafeRawBufferPointer(start: field, count: field == nil ? 0 : length)
        reader.batch.appendField(bytes)
        if length > 0, let field {
            if memchr(field, 0x0A, length) != nil || memchr(field, 0x0D, length) != nil {
                reader.newlinesInRow += CSVReader.countLineBreaks(bytes)
            }
        }
    }

    private static let onRow: @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void = { terminator, context in
        let reader = Unmanaged<CSVReader>.fromOpaque(context!).takeUnretainedValue()
        reader.endRow(terminator: terminator)
    }

    private func endRow(terminator: Int32) {
        let hasFields = batch.openFieldCount > 0
        if hasFields {
            batch.closeRow(line: lineAtRowStart)
        }
        var breaks = newlinesInRow
        switch terminator {
        case 0x0D:
            breaks += 1
            afterCR = true
        case 0x0A:
            if !(afterCR && !hasFields) { breaks += 1 }
            afterCR = false
        default:
            afterCR = false
        }
        lineAtRowStart += breaks
        newlinesInRow = 0
    }

    // MARK: - Positions

    static func countLineBreaks(_ bytes: UnsafeRawBufferPointer) -> Int {
        var count = 0
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte == 0x0A {
                count += 1
            } else if byte == 0x0D {
                count += 1
                if index + 1 < bytes.count, bytes[index + 1] == 0x0A { index += 1 }
            }
            index += 1
        }
        return count
    }

    private func advanceStreamPosition(over chunk: [UInt8], upTo end: Int) {
        for index in 0..<end {
            let byte = chunk[index]
            if byte == 0x0A {
                if !streamPendingCR { streamLine += 1 }
                streamColumn = 1
                streamPendingCR = false
            } else if byte == 0x0D {
                streamLine += 1
                streamColumn = 1
                streamPendingCR = true
            } else {
                streamPendingCR = false
                if byte & 0xC0 != 0x80 { streamColumn += 1 }
            }
        }
    }

    private func position(in chunk: [UInt8], upTo offset: Int) -> (line: Int, column: Int) {
        advanceStreamPosition(over: chunk, upTo: offset)
        return (streamLine, streamColumn)
    }
}

/// A batch of parsed CSV rows sharing one byte buffer; valid only during the callback that receives it.
public final class CSVBatch {
    private(set) var bytes: [UInt8] = []
    private var fieldEnds: [Int] = []
    private var rowStarts: [Int] = [0]
    private var rowLines: [Int] = []
    private var openFields = 0

    init() {
        bytes.reserveCapacity(1 << 21)
        fieldEnds.reserveCapacity(1 << 16)
    }

    /// Number of complete rows in the batch.
    public var rowCount: Int { rowLines.count }

    var openFieldCount: Int { openFields }

    func appendField(_ field: UnsafeRawBufferPointer) {
        bytes.append(contentsOf: field)
        fieldEnds.append(bytes.count)
        openFields += 1
    }

    func closeRow(line: Int) {
        rowLines.append(line)
        rowStarts.append(fieldEnds.count)
        openFields = 0
    }

    /// Drops the complete rows, keeping the fields of a row that is still open (a row whose
    /// end has not been read yet: its fields arrive across chunks).
    func reset() {
        let firstOpen = fieldEnds.count - openFields
        let keepFrom = firstOpen == 0 ? 0 : fieldEnds[firstOpen - 1]
        let openEnds = fieldEnds[firstOpen...].map { $0 - keepFrom }
        bytes.removeSubrange(0..<keepFrom)
        fieldEnds.removeAll(keepingCapacity: true)
        fieldEnds.append(contentsOf: openEnds)
        rowStarts.removeAll(keepingCapacity: true)
        rowStarts.append(0)
        rowLines.removeAll(keepingCapacity: true)
    }

    /// The physical line (1-based) on which row `row` starts.
    public func line(_ row: Int) -> Int { rowLines[row] }

    /// Number of fields in row `row`.
    public func fieldCount(_ row: Int) -> Int { rowStarts[row + 1] - rowStarts[row] }

    /// Calls `body` with the raw UTF-8 bytes of a field (empty when the field does not exist).
    @inline(__always)
    public func withField<T>(_ row: Int, _ field: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        let first = rowStarts[row]
        guard field >= 0, field < rowStarts[row + 1] - first else {
            return try body(UnsafeRawBufferPointer(start: nil, count: 0))
        }
        let index = first + field
        let start = index == 0 ? 0 : fieldEnds[index - 1]
        let end = fieldEnds[index]
        return try bytes.withUnsafeBytes { raw in
            try body(UnsafeRawBufferPointer(rebasing: raw[start..<end]))
        }
    }

    /// The field as a String (empty when the field does not exist).
    public func string(_ row: Int, _ field: Int) -> String {
        withField(row, field) { String(decoding: $0, as: UTF8.self) }
    }

    /// All fields of a row as Strings.
    public func strings(_ row: Int) -> [String] {
        (0..<fieldCount(row)).map { string(row, $0) }
    }
}
