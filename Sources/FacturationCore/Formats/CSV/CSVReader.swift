import CLibcsv
import Foundation

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
/// Spaces and tabs around unquoted fields are dropped (libcsv's rule: a quoted field is kept
/// verbatim, so our writer quotes fields that start or end with one); blank lines are skipped;
/// every row carries the physical line it starts on, counting line breaks inside quoted fields.
public final class CSVReader {
    /// The longest field accepted: longer means a quote was probably never closed.
    public static let maximumFieldLength = 8 << 20

    private var parser = csv_parser()
    private var batch: CSVBatch {
        didSet { currentBatch = Unmanaged.passUnretained(batch) }
    }
    /// `batch` for the libcsv callbacks, which must not retain it for every field.
    private var currentBatch: Unmanaged<CSVBatch>
    private let delimiter: UInt8
    /// Files at least this large are parsed on a second thread while the caller converts.
    static let threadedThreshold: Int64 = 4 << 20

    // Line accounting for rows.
    private var lineAtRowStart = 1
    private var newlinesInRow = 0
    private var afterCR = false

    // Line accounting for the raw stream (used to place syntax errors).
    private var streamLine = 1
    private var streamColumn = 1
    private var streamPendingCR = false

    public init(delimiter: UInt8) {
        let batch = CSVBatch()
        self.batch = batch
        currentBatch = Unmanaged.passUnretained(batch)
        self.delimiter = delimiter
        csv_init(&parser, UInt8(CSV_STRICT | CSV_STRICT_FINI | CSV_REPALL_NL))
        csv_set_delim(&parser, delimiter)
    }

    deinit { csv_free(&parser) }

    /// Parses every chunk of `source` and calls `body` with each batch of complete rows, in order.
    ///
    /// Large files are parsed on a second thread (libcsv on one core, the caller's conversion on
    /// the other); batches still reach `body` in order, on the calling thread.
    public func read(_ source: DecodingReader, body: (CSVBatch) throws -> Void) throws {
        if source.totalBytes >= CSVReader.threadedThreshold {
            try readThreaded(source, body: body)
            return
        }
        while let chunk = try source.next() {
            try feed(chunk)
            if batch.rowCount > 0 {
                batch.bytesRead = source.bytesRead
                try body(batch)
                batch.reset()
            }
        }
        try finish()
        if batch.rowCount > 0 {
            batch.bytesRead = source.bytesRead
            try body(batch)
            batch.reset()
        }
    }

    private func readThreaded(_ source: DecodingReader, body: (CSVBatch) throws -> Void) throws {
        let pipe = BatchPipe(batches: [CSVBatch(), CSVBatch(), CSVBatch(), CSVBatch()])
        let producer = UncheckedBox((self, source))
        let thread = Thread {
            let (reader, source) = producer.value
            do {
                var going = true
                while going, let chunk = try source.next() {
                    try reader.feed(chunk)
                    if reader.batch.rowCount > 0 {
                        going = try reader.handOff(to: pipe, bytesRead: source.bytesRead)
                    }
                }
                if going {
                    try reader.finish()
                    if reader.batch.rowCount > 0 { _ = try reader.handOff(to: pipe, bytesRead: source.bytesRead) }
                }
                pipe.finish(error: nil)
            } catch {
                pipe.finish(error: error)
            }
        }
        thread.stackSize = 1 << 22
        thread.start()
        do {
            while let ready = pipe.next() {
                try body(ready)
                ready.reset()
                pipe.recycle(ready)
            }
        } catch {
            pipe.cancel()
            pipe.waitUntilProducerStops()
            throw error
        }
        pipe.waitUntilProducerStops()
        if let error = pipe.producerError { throw error }
    }

    /// Hands the complete rows to the consumer and continues with a recycled batch that holds
    /// the fields of the row still open. Returns false when the consumer gave up.
    private func handOff(to pipe: BatchPipe, bytesRead: Int64) throws -> Bool {
        guard let next = pipe.freeBatch() else { return false }
        batch.moveOpenFields(to: next)
        batch.bytesRead = bytesRead
        pipe.send(batch)
        batch = next
        return true
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
        // Called for every field: no reference counting here (the parse holds the reader and its
        // batch; retains on objects the other thread also touches cost more than the parse).
        Unmanaged<CSVReader>.fromOpaque(context!)._withUnsafeGuaranteedRef { reader in
            reader.afterCR = false
            let bytes = UnsafeRawBufferPointer(start: field, count: field == nil ? 0 : length)
            reader.currentBatch._withUnsafeGuaranteedRef { $0.appendField(bytes) }
            // One fast test covers line breaks (counted for line numbers) and the characters an
            // import cleans: rows without any candidate skip the exact check on the converter's
            // thread (``CSVBatch/mayHoldControlCharacters(_:)``).
            if length > 0, let field, ControlBytes.mayHold(bytes) {
                reader.currentBatch._withUnsafeGuaranteedRef { $0.openRowMayHoldControls = true }
                if memchr(field, 0x0A, length) != nil || memchr(field, 0x0D, length) != nil {
                    reader.newlinesInRow += CSVReader.countLineBreaks(bytes)
                }
            }
        }
    }

    private static let onRow: @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void = { terminator, context in
        Unmanaged<CSVReader>.fromOpaque(context!)._withUnsafeGuaranteedRef { $0.endRow(terminator: terminator) }
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

    /// Counts line breaks (LF, CRLF or a lone CR) and the column after the last one; uses
    /// memchr, since it runs over every byte of every file.
    private func advanceStreamPosition(over chunk: [UInt8], upTo end: Int) {
        chunk.withUnsafeBytes { raw in
            guard let base = raw.baseAddress, end > 0 else { return }
            var lastBreak = -1
            var offset = 0
            if memchr(base, 0x0D, end) == nil {
                while offset < end, let found = memchr(base + offset, 0x0A, end - offset) {
                    let index = base.distance(to: UnsafeRawPointer(found))
                    if !(index == 0 && streamPendingCR) { streamLine += 1 }
                    lastBreak = index
                    offset = index + 1
                }
                streamPendingCR = false
            } else {
                for index in 0..<end {
                    let byte = raw[index]
                    if byte == 0x0A {
                        if !streamPendingCR { streamLine += 1 }
                        streamPendingCR = false
                        lastBreak = index
                    } else if byte == 0x0D {
                        streamLine += 1
                        streamPendingCR = true
                        lastBreak = index
                    } else {
                        streamPendingCR = false
                    }
                }
            }
            if lastBreak >= 0 { streamColumn = 1 }
            for index in (lastBreak + 1)..<end where raw[index] & 0xC0 != 0x80 { streamColumn += 1 }
        }
    }

    private func position(in chunk: [UInt8], upTo offset: Int) -> (line: Int, column: Int) {
        advanceStreamPosition(over: chunk, upTo: offset)
        return (streamLine, streamColumn)
    }
}

/// A batch of parsed CSV rows sharing one byte buffer; valid only during the callback that receives it.
public final class CSVBatch {
    private let storage = ByteBuffer(capacity: 1 << 21)
    private var fieldEnds: [Int] = []
    private var rowStarts: [Int] = [0]
    private var rowLines: [Int] = []
    /// Per complete row: a field may hold a control character or a noncharacter (``ControlBytes``).
    private var controlRows: [Bool] = []
    /// The same for the row still open.
    var openRowMayHoldControls = false
    private var openFields = 0
    /// Bytes of the file read when the batch was handed out (for progress displays).
    public internal(set) var bytesRead: Int64 = 0

    init() {
        fieldEnds.reserveCapacity(1 << 16)
        rowStarts.reserveCapacity(1 << 13)
        rowLines.reserveCapacity(1 << 13)
    }

    /// Number of complete rows in the batch.
    public var rowCount: Int { rowLines.count }

    var openFieldCount: Int { openFields }

    @inline(__always)
    func appendField(_ field: UnsafeRawBufferPointer) {
        storage.append(field)
        fieldEnds.append(storage.count)
        openFields += 1
    }

    func closeRow(line: Int) {
        rowLines.append(line)
        controlRows.append(openRowMayHoldControls)
        openRowMayHoldControls = false
        rowStarts.append(fieldEnds.count)
        openFields = 0
    }

    /// Drops the complete rows, keeping the fields of a row that is still open (a row whose
    /// end has not been read yet: its fields arrive across chunks).
    func reset() {
        let firstOpen = fieldEnds.count - openFields
        let keepFrom = firstOpen == 0 ? 0 : fieldEnds[firstOpen - 1]
        let openEnds = fieldEnds[firstOpen...].map { $0 - keepFrom }
        storage.removeFirst(keepFrom)
        fieldEnds.removeAll(keepingCapacity: true)
        fieldEnds.append(contentsOf: openEnds)
        rowStarts.removeAll(keepingCapacity: true)
        rowStarts.append(0)
        rowLines.removeAll(keepingCapacity: true)
        controlRows.removeAll(keepingCapacity: true)
    }

    /// Moves the fields of the row still open into `other` (an empty batch), leaving only
    /// complete rows here.
    func moveOpenFields(to other: CSVBatch) {
        guard openFields > 0 else { return }
        let firstOpen = fieldEnds.count - openFields
        let keepFrom = firstOpen == 0 ? 0 : fieldEnds[firstOpen - 1]
        for index in firstOpen..<fieldEnds.count {
            let start = index == 0 ? 0 : fieldEnds[index - 1]
            other.appendField(UnsafeRawBufferPointer(rebasing: storage.bytes[start..<fieldEnds[index]]))
        }
        other.openRowMayHoldControls = openRowMayHoldControls
        openRowMayHoldControls = false
        fieldEnds.removeLast(openFields)
        storage.truncate(to: keepFrom)
        openFields = 0
    }

    /// False when no field of row `row` holds a control character (line breaks and tabs included)
    /// or a noncharacter U+FFFE/U+FFFF; true when one may (see ``ControlBytes``).
    public func mayHoldControlCharacters(_ row: Int) -> Bool { controlRows[row] }

    /// The physical line (1-based) on which row `row` starts.
    public func line(_ row: Int) -> Int { rowLines[row] }

    /// Number of fields in row `row`.
    public func fieldCount(_ row: Int) -> Int { rowStarts[row + 1] - rowStarts[row] }

    /// Calls `body` with a view that hands out every field of the batch as raw bytes without
    /// copying; the view is valid only inside `body`.
    public func withRows<T>(_ body: (CSVRows) throws -> T) rethrows -> T {
        try fieldEnds.withUnsafeBufferPointer { ends in
            try rowStarts.withUnsafeBufferPointer { starts in
                try body(CSVRows(base: storage.bytes, fieldEnds: ends, rowStarts: starts))
            }
        }
    }

    /// Calls `body` with the raw UTF-8 bytes of a field (empty when the field does not exist).
    public func withField<T>(_ row: Int, _ field: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try withRows { try body($0.field(row, field)) }
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

/// Borrowed, zero-copy access to the fields of a ``CSVBatch`` (see ``CSVBatch/withRows(_:)``).
public struct CSVRows {
    let base: UnsafeRawBufferPointer
    let fieldEnds: UnsafeBufferPointer<Int>
    let rowStarts: UnsafeBufferPointer<Int>

    /// Number of fields in row `row`.
    @inline(__always)
    public func fieldCount(_ row: Int) -> Int { rowStarts[row + 1] - rowStarts[row] }

    /// The bytes of a field; empty when the field does not exist (`field` < 0 or past the row).
    @inline(__always)
    public func field(_ row: Int, _ field: Int) -> UnsafeRawBufferPointer {
        let first = rowStarts[row]
        guard field >= 0, field < rowStarts[row + 1] - first else { return UnsafeRawBufferPointer(start: nil, count: 0) }
        let index = first + field
        let start = index == 0 ? 0 : fieldEnds[index - 1]
        return UnsafeRawBufferPointer(rebasing: base[start..<fieldEnds[index]])
    }
}

/// The hand-off between the parsing thread and the converting thread: a bounded queue of
/// filled batches and a pool of free ones (so memory stays bounded whatever the file size).
final class BatchPipe: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [CSVBatch] = []
    private var free: [CSVBatch]
    private var finished = false
    private var cancelled = false
    private var producerStopped = false
    private(set) var producerError: (any Error)?

    init(batches: [CSVBatch]) { free = batches }

    /// Producer: a batch to fill next, waiting for one; nil once the consumer cancelled.
    func freeBatch() -> CSVBatch? {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty && !cancelled { condition.wait() }
        return cancelled ? nil : free.removeLast()
    }

    /// Producer: a filled batch, ready for the consumer.
    func send(_ batch: CSVBatch) {
        condition.lock()
        ready.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    /// Producer: no more batches (with the error that stopped it, if any).
    func finish(error: (any Error)?) {
        condition.lock()
        finished = true
        producerStopped = true
        producerError = error
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: the next filled batch in order, or nil when the producer finished.
    func next() -> CSVBatch? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished { condition.wait() }
        return ready.isEmpty ? nil : ready.removeFirst()
    }

    /// Consumer: a batch it is done with.
    func recycle(_ batch: CSVBatch) {
        condition.lock()
        free.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: stop the producer (it exits at its next hand-off).
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: waits until the producer thread has stopped touching the reader.
    func waitUntilProducerStops() {
        condition.lock()
        while !producerStopped { condition.wait() }
        condition.unlock()
    }
}

/// Moves a non-Sendable value into another thread when the code guarantees exclusive use.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
