#if canImport(Glibc)
import Glibc
#endif

/// What receives the fields and row ends of a CSV stream, in the order libcsv reports them.
protocol CSVRowSink: AnyObject {
    /// One field's bytes (unquoted, doubled quotes made single), valid only during the call.
    func field(_ bytes: UnsafeRawBufferPointer)
    /// The same, without the tests of its bytes (control bytes, line breaks) that
    /// ``rowBytes(_:)`` made once for the whole row.
    func fieldTested(_ bytes: UnsafeRawBufferPointer)
    /// The bytes of a row's fields with the quotes and delimiters between them (no control byte
    /// among these), tested at once before its fields are given by ``fieldTested(_:)``.
    func rowBytes(_ bytes: UnsafeRawBufferPointer)
    /// The row ended with `terminator` (CR or LF); no field before it since the last row end
    /// means a blank line (libcsv's `CSV_REPALL_NL` report).
    func endRow(terminator: Int32)
}

/// Reads the rows most CSV files are made of without libcsv, and stops at the first row it does
/// not fully understand, which the caller hands to libcsv.
///
/// Why: libcsv takes a byte at a time through a state machine and copies every byte into its
/// own buffer before calling back (15 % of the conversion threads of the 1 GB Clockify run, issue
/// #9). Here a quoted field is one `memchr` for its closing quote and the bytes go to the sink
/// from the chunk itself.
///
/// Safe because it only takes a row when every byte of it, up to and including its terminator, is
/// in `bytes`, libcsv would be at a row start before it (its state `ROW_NOT_BEGUN`: the caller
/// checks) and the row has one of these forms, for which libcsv's callbacks are exactly the ones
/// made here (libcsv 3.0.3, `CSV_STRICT`, default space and terminator tests):
/// - a field is quoted (`"…"`, any byte inside but a lone quote, `""` read as one quote) and its
///   closing quote is followed at once by the delimiter, CR or LF;
/// - or it is unquoted: no quote, neither first nor last byte a space or a tab (libcsv trims
///   them), ended by the delimiter, CR or LF; an empty field is one of these;
/// - a CR or LF at a row start is a blank line, reported as libcsv does with `CSV_REPALL_NL`.
/// Anything else (a space around a quoted field, a quote inside an unquoted field, text after a
/// closing quote, a row the bytes end in) is left, from its first byte, to libcsv, so every
/// rejection and its line and column stay libcsv's. Once libcsv has ended that row, the caller
/// comes back here. CSVCommonRowsTests compare the two on seeded hostile files, chunk by chunk.
final class CSVCommonRows {
    // Exclusivity: see ``ExclusivityNote``. One reader, so one thread, uses a scanner, and no
    // access to these properties overlaps another; the checks were a tenth of the scan.
    private let delimiter: UInt8
    /// A field of the row being read: where its content starts and ends, and whether it holds `""`.
    private struct Span {
        var start: Int
        var end: Int
        var doubled: Bool
    }
    @exclusivity(unchecked) private var spans: [Span] = []
    /// The content of a field with doubled quotes, with single ones.
    @exclusivity(unchecked) private var unescaped: [UInt8] = []
    /// Rows with fields read here (tests: the direct path must not be silently unused).
    @exclusivity(unchecked) private(set) var rows = 0

    /// Nil for a delimiter libcsv gives another role (a quote, a line end, a space).
    init?(delimiter: UInt8) {
        guard delimiter != 0x22, delimiter != 0x0A, delimiter != 0x0D, delimiter != 0x20 else { return nil }
        self.delimiter = delimiter
        spans.reserveCapacity(64)
    }

    /// Hands the whole rows of the forms above at the start of `bytes` to `sink`; returns how many
    /// bytes they take (0 when the first row is not one of them or is not complete).
    func scan(_ bytes: UnsafeRawBufferPointer, into sink: some CSVRowSink) -> Int {
        guard let base = bytes.baseAddress else { return 0 }
        var consumed = 0
        while consumed < bytes.count {
            let first = bytes[consumed]
            if first == 0x0A || first == 0x0D {
                sink.endRow(terminator: Int32(first))
                consumed += 1
                continue
            }
            guard let end = row(from: consumed, of: bytes, base: base) else { break }
            deliver(bytes, to: sink)
            rows += 1
            sink.endRow(terminator: Int32(bytes[end]))
            consumed = end + 1
        }
        return consumed
    }

    /// Reads the fields of the row at `start` into `spans`; returns the offset
    /// of its terminator, or nil when the row is libcsv's.
    private func row(from start: Int, of bytes: UnsafeRawBufferPointer, base: UnsafeRawPointer) -> Int? {
        spans.removeAll(keepingCapacity: true)
        let count = bytes.count
        var index = start
        while index < count {
            let byte = bytes[index]
            var stop: Int
            if byte == 0x22 {
                guard let close = closingQuote(after: index, of: bytes, base: base) else { return nil }
                stop = close.offset + 1
                spans.append(Span(start: index + 1, end: close.offset, doubled: close.doubled))
            } else if byte == delimiter || byte == 0x0A || byte == 0x0D {
                stop = index
                spans.append(Span(start: index, end: index, doubled: false))
            } else {
                guard byte != 0x20, byte != 0x09 else { return nil }
                stop = index + 1
                // Up to the delimiter, a quote (libcsv's), CR or LF.
                while stop < count {
                    let next = bytes[stop]
                    if next == delimiter || next == 0x22 || next == 0x0A || next == 0x0D { break }
                    stop += 1
                }
                guard stop < count, bytes[stop] != 0x22, bytes[stop - 1] != 0x20, bytes[stop - 1] != 0x09 else {
                    return nil
                }
                spans.append(Span(start: index, end: stop, doubled: false))
            }
            guard stop < count else { return nil }
            let after = bytes[stop]
            if after == 0x0A || after == 0x0D { return stop }
            guard after == delimiter else { return nil }
            index = stop + 1
        }
        return nil
    }

    /// The quote closing the quoted field that opens at `open`, skipping doubled quotes; nil when
    /// it is not in `bytes` or is their last byte (what follows decides).
    @inline(__always)
    private func closingQuote(
        after open: Int, of bytes: UnsafeRawBufferPointer, base: UnsafeRawPointer
    ) -> (
        offset: Int, doubled: Bool
    )? {
        var from = open + 1
        var doubled = false
        while from < bytes.count, let found = memchr(base + from, 0x22, bytes.count - from) {
            let quote = base.distance(to: UnsafeRawPointer(found))
            guard quote + 1 < bytes.count else { return nil }
            guard bytes[quote + 1] == 0x22 else { return (quote, doubled) }
            doubled = true
            from = quote + 2
        }
        return nil
    }

    /// Gives the row's fields to `sink`. With a delimiter that is not a control byte, the row's
    /// bytes are tested once (``CSVRowSink/rowBytes(_:)``): the tests look at each byte alone, and
    /// quotes and the delimiter never match, so the row's outcome is that of its fields together.
    private func deliver(_ bytes: UnsafeRawBufferPointer, to sink: some CSVRowSink) {
        let onceForTheRow = delimiter >= 0x20 && delimiter != 0x7F
        if onceForTheRow, let first = spans.first, let last = spans.last {
            sink.rowBytes(UnsafeRawBufferPointer(rebasing: bytes[first.start..<last.end]))
        }
        // Through a buffer pointer: iterating the array itself retained and released it per row.
        spans.withUnsafeBufferPointer { spans in
            for span in spans {
                let content = UnsafeRawBufferPointer(rebasing: bytes[span.start..<span.end])
                guard span.doubled else {
                    if onceForTheRow { sink.fieldTested(content) } else { sink.field(content) }
                    continue
                }
                unescapeAndDeliver(content, to: sink, tested: onceForTheRow)
            }
        }
    }

    /// Gives `content`, a quoted field's content holding `""`, to `sink` with single quotes.
    private func unescapeAndDeliver(_ content: UnsafeRawBufferPointer, to sink: some CSVRowSink, tested: Bool) {
        unescaped.removeAll(keepingCapacity: true)
        var afterQuote = false
        for byte in content {
            // Of each `""`, the second quote is dropped.
            if byte == 0x22, afterQuote {
                afterQuote = false
                continue
            }
            afterQuote = byte == 0x22
            unescaped.append(byte)
        }
        unescaped.withUnsafeBytes { tested ? sink.fieldTested($0) : sink.field($0) }
    }
}
