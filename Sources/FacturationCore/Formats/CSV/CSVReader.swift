import CLibcsv
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A CSV syntax error (RFC 4180, strict quoting) with its position in the file.
package struct CSVSyntaxError: Error, Sendable {
    package let line: Int
    package let column: Int
    package let message: String
}

/// Streams RFC 4180 CSV through libcsv in strict mode and hands out rows in batches.
///
/// Spaces and tabs around unquoted fields are dropped (libcsv's rule: a quoted field is kept
/// verbatim, so our writer quotes fields that start or end with one); blank lines are skipped;
/// every row carries the physical line it starts on, counting line breaks inside quoted fields.
///
/// Why it is written this way: this is the path every byte of every import takes (105–125 MB/s
/// for the Clockify conversion, see the README's benchmark). The parts are small types, each
/// tested on its own: ``CSVBatch`` (fields as offsets into one buffer), ``BatchPipe`` (the
/// hand-off to the converting thread), ``CSVRowLines`` and ``CSVStreamPosition`` (line numbers).
/// What stays here is the glue to libcsv's C callbacks, whose two unusual constructs are
/// explained where they are used (``currentBatch`` and ``onField``).
package final class CSVReader {
    // Exclusivity: see ``ExclusivityNote`` (why the `@exclusivity(unchecked)` properties here are safe and needed).
    /// The longest field accepted: longer means a quote was probably never closed.
    package static let maximumFieldLength = 8 << 20

    @exclusivity(unchecked) private var parser = csv_parser()
    private var batch: CSVBatch {
        didSet { currentBatch = Unmanaged.passUnretained(batch) }
    }
    /// An unretained shadow copy of `batch`, kept in step by its `didSet`, for the field callback.
    ///
    /// Why: reading `batch` retains and releases it, atomically (the batch is shared with the
    /// converting thread), once per field: measured at more than the parse itself. `batch` always
    /// holds the strong reference, and the callbacks run only inside ``feed(_:)``/``finish()``,
    /// while the reader (and so `batch`) is alive.
    @exclusivity(unchecked) private var currentBatch: Unmanaged<CSVBatch>
    private let delimiter: UInt8
    /// Files at least this large are parsed on a second thread while the caller converts.
    static let threadedThreshold: Int64 = 4 << 20

    /// The line each row starts on.
    @exclusivity(unchecked) private var rowLines = CSVRowLines()
    /// Where the parse is in the raw stream (to place syntax errors).
    @exclusivity(unchecked) private var stream = CSVStreamPosition()

    /// Reads the common rows without libcsv (``CSVCommonRows``); nil for an odd delimiter.
    private let commonRows: CSVCommonRows?
    /// Rows read by ``commonRows`` (tests: the direct path must not be silently unused).
    var rowsReadDirectly: Int { commonRows?.rows ?? 0 }

    /// `firstLine`: the line the source starts on (a piece of a file, see ``CSVChunkPlan``).
    /// `direct: false` leaves every byte to libcsv (tests compare both paths).
    package init(delimiter: UInt8, firstLine: Int = 1, direct: Bool = true) {
        commonRows = direct ? CSVCommonRows(delimiter: delimiter) : nil
        rowLines = CSVRowLines(firstLine: firstLine)
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
    /// `threaded: false` keeps the parse on the calling thread whatever the size (the pieces of a
    /// file converted on several cores at once, see ``CSVChunkPlan``).
    package func read(_ source: DecodingReader, threaded: Bool = true, body: (CSVBatch) throws -> Void) throws {
        if threaded, source.totalBytes >= CSVReader.threadedThreshold {
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

    /// Tests: parses `chunks` on the calling thread as ``read(_:threaded:body:)`` parses a file's
    /// chunks (so that chunk boundaries can be placed anywhere).
    func read(chunks: [[UInt8]], body: (CSVBatch) throws -> Void) throws {
        for chunk in chunks {
            try feed(chunk)
            if batch.rowCount > 0 {
                try body(batch)
                batch.reset()
            }
        }
        try finish()
        if batch.rowCount > 0 {
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
        let consumed = chunk.withUnsafeBytes { parse($0) }
        if consumed != chunk.count {
            chunk.withUnsafeBytes { stream.advance(over: UnsafeRawBufferPointer(rebasing: $0[0..<consumed])) }
            throw CSVSyntaxError(
                line: stream.line, column: stream.column,
                message: "a double quote (\") is misplaced: inside a field, quotes must be doubled (\"\"), "
                    + "and a quoted field must be followed by the separator or the end of the line"
            )
        }
        if parser.entry_pos > CSVReader.maximumFieldLength {
            throw CSVSyntaxError(
                line: rowLines.lineAtRowStart, column: 1,
                message: "a field is longer than \(CSVReader.maximumFieldLength >> 20) MB: a quoted field "
                    + "starting on this row is probably never closed"
            )
        }
        chunk.withUnsafeBytes { stream.advance(over: $0) }
    }

    /// Parses a chunk; returns the bytes consumed (fewer at a syntax error, as `csv_parse`).
    ///
    /// At a row start (libcsv's state `ROW_NOT_BEGUN`, 0: its fields reset) ``commonRows`` takes
    /// the rows it can; libcsv then takes the rest of the line through its LF (a row it left, or
    /// the row the chunk ends in), and once it is at a row start again the direct path resumes.
    /// libcsv's state is the same as if it had read every byte: the direct path only takes whole
    /// rows and makes the callbacks libcsv would have made.
    private func parse(_ raw: UnsafeRawBufferPointer) -> Int {
        guard let base = raw.baseAddress else { return 0 }
        let context = Unmanaged.passUnretained(self).toOpaque()
        var offset = 0
        while offset < raw.count {
            if let commonRows, parser.pstate == 0 {
                offset += commonRows.scan(UnsafeRawBufferPointer(rebasing: raw[offset...]), into: self)
                if offset == raw.count { break }
            }
            let lineEnd =
                memchr(base + offset, 0x0A, raw.count - offset).map { base.distance(to: UnsafeRawPointer($0)) + 1 }
                ?? raw.count
            let consumed = csv_parse(
                &parser, base + offset, lineEnd - offset, CSVReader.onField, CSVReader.onRow, context)
            if consumed != lineEnd - offset { return offset + consumed }
            offset = lineEnd
        }
        return raw.count
    }

    private func finish() throws {
        let context = Unmanaged.passUnretained(self).toOpaque()
        if csv_fini(&parser, CSVReader.onField, CSVReader.onRow, context) != 0 {
            throw CSVSyntaxError(
                line: rowLines.lineAtRowStart, column: 1,
                message: "a quoted field starting on this row is never closed: the file may be truncated, "
                    + "or a quote is missing"
            )
        }
    }

    // MARK: - libcsv callbacks

    /// Called by libcsv for every field of the file.
    ///
    /// Why `_withUnsafeGuaranteedRef`: it hands out the reader and its batch without a retain and
    /// release per field (they would be atomic, and cost more than the parse). It is sound
    /// because the parse runs only inside ``feed(_:)``/``finish()``, which hold the reader, and
    /// the reader holds the batch (``currentBatch``).
    private static let onField: @convention(c) (UnsafeMutableRawPointer?, Int, UnsafeMutableRawPointer?) -> Void = {
        field, length, context in
        let bytes = UnsafeRawBufferPointer(start: field, count: field == nil ? 0 : length)
        Unmanaged<CSVReader>.fromOpaque(context!)._withUnsafeGuaranteedRef { $0.field(bytes) }
    }

    private static let onRow: @convention(c) (Int32, UnsafeMutableRawPointer?) -> Void = { terminator, context in
        Unmanaged<CSVReader>.fromOpaque(context!)._withUnsafeGuaranteedRef { $0.endRow(terminator: terminator) }
    }

    /// A field of the open row (from libcsv or ``commonRows``).
    @inline(__always)
    func field(_ bytes: UnsafeRawBufferPointer) {
        rowLines.fieldEnded()
        currentBatch._withUnsafeGuaranteedRef { $0.appendField(bytes) }
        // One fast test covers line breaks (counted for line numbers) and the characters an
        // import cleans: rows without any candidate skip the exact check on the converter's
        // thread (``CSVBatch/mayHoldControlCharacters(_:)``).
        if let field = bytes.baseAddress, bytes.count > 0, ControlBytes.mayHold(bytes) {
            currentBatch._withUnsafeGuaranteedRef { $0.openRowMayHoldControls = true }
            if memchr(field, 0x0A, bytes.count) != nil || memchr(field, 0x0D, bytes.count) != nil {
                rowLines.addLineBreaks(in: bytes)
            }
        }
    }

    /// A field of a row whose bytes ``rowBytes(_:)`` tested (from ``commonRows``).
    @inline(__always)
    func fieldTested(_ bytes: UnsafeRawBufferPointer) {
        rowLines.fieldEnded()
        currentBatch._withUnsafeGuaranteedRef { $0.appendField(bytes) }
    }

    /// The tests of ``field(_:)`` made once on a row's bytes (its fields, the quotes and delimiters
    /// between them): the same outcome as on each field, as they look at each byte alone and a
    /// line break is never split by a quote or a delimiter.
    func rowBytes(_ bytes: UnsafeRawBufferPointer) {
        if let start = bytes.baseAddress, bytes.count > 0, ControlBytes.mayHold(bytes) {
            currentBatch._withUnsafeGuaranteedRef { $0.openRowMayHoldControls = true }
            if memchr(start, 0x0A, bytes.count) != nil || memchr(start, 0x0D, bytes.count) != nil {
                rowLines.addLineBreaks(in: bytes)
            }
        }
    }

    /// A row ended (from libcsv or ``commonRows``).
    func endRow(terminator: Int32) {
        let line = rowLines.lineAtRowStart
        let hasFields = currentBatch._withUnsafeGuaranteedRef { batch in
            guard batch.openFieldCount > 0 else { return false }
            batch.closeRow(line: line)
            return true
        }
        rowLines.rowEnded(terminator: terminator, hadFields: hasFields)
    }
}

extension CSVReader: CSVRowSink {}
