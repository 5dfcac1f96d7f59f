#if canImport(Glibc)
import Glibc
#endif

/// The physical line each CSV row starts on, kept while libcsv parses.
///
/// Why apart from the reader: the rule is subtle and must hold whatever the chunk boundaries.
/// libcsv reports a row's end with its terminator byte and does not report blank lines as rows;
/// with `CSV_REPALL_NL` a CRLF arrives as a CR ending the row, then an LF ending an empty "row".
/// Line breaks inside quoted fields (LF, CRLF or a lone CR) count too, so that a problem is
/// reported on the line a spreadsheet or an editor shows. Tested in CSVLinesTests.
struct CSVRowLines {
    /// The line (1-based) the row being read starts on.
    private(set) var lineAtRowStart = 1
    private var newlinesInRow = 0
    /// The last row ended with a CR: an LF right after it is the same line break.
    private var afterCR = false

    /// Rows counted from line 1, or from `firstLine` for a piece of a file that starts on a new
    /// line (``CSVChunkPlan``: a piece starts right after an LF, where this state is the initial one).
    init(firstLine: Int = 1) { lineAtRowStart = firstLine }

    /// A field ended (so an LF that follows is not the second half of a row's CRLF).
    @inline(__always)
    mutating func fieldEnded() { afterCR = false }

    /// A field of the open row holds line breaks.
    mutating func addLineBreaks(in field: UnsafeRawBufferPointer) {
        newlinesInRow += Self.countLineBreaks(field)
    }

    /// The row (or a blank line, when `hadFields` is false) ended with `terminator` (CR, LF, or
    /// -1 at the end of the file).
    mutating func rowEnded(terminator: Int32, hadFields: Bool) {
        var breaks = newlinesInRow
        switch terminator {
        case 0x0D:
            breaks += 1
            afterCR = true
        case 0x0A:
            if !(afterCR && !hadFields) { breaks += 1 }
            afterCR = false
        default:
            afterCR = false
        }
        lineAtRowStart += breaks
        newlinesInRow = 0
    }

    /// Line breaks in `bytes`: LF, CR, and CRLF counted once.
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
}

/// Line and column (both 1-based, the column in characters) of the next byte of the raw stream,
/// advanced chunk by chunk; used only to place a syntax error.
///
/// Why memchr: it runs over every byte of every file. Files without any CR (most) take the
/// memchr path for LF; a CR anywhere in the chunk takes the byte loop, which handles a CRLF
/// split across two chunks (`pendingCR`). Tested in CSVLinesTests.
struct CSVStreamPosition {
    private(set) var line = 1
    private(set) var column = 1
    /// The previous chunk ended with a CR: an LF first in this one is the same line break.
    private var pendingCR = false

    /// Moves past `chunk` (the part of a chunk libcsv consumed).
    mutating func advance(over chunk: UnsafeRawBufferPointer) {
        guard let base = chunk.baseAddress, chunk.count > 0 else { return }
        let end = chunk.count
        var lastBreak = -1
        if memchr(base, 0x0D, end) == nil {
            var offset = 0
            while offset < end, let found = memchr(base + offset, 0x0A, end - offset) {
                let index = base.distance(to: UnsafeRawPointer(found))
                if !(index == 0 && pendingCR) { line += 1 }
                lastBreak = index
                offset = index + 1
            }
            pendingCR = false
        } else {
            for index in 0..<end {
                let byte = chunk[index]
                if byte == 0x0A {
                    if !pendingCR { line += 1 }
                    pendingCR = false
                    lastBreak = index
                } else if byte == 0x0D {
                    line += 1
                    pendingCR = true
                    lastBreak = index
                } else {
                    pendingCR = false
                }
            }
        }
        if lastBreak >= 0 { column = 1 }
        // Characters, not bytes: UTF-8 continuation bytes do not move the column.
        for index in (lastBreak + 1)..<end where chunk[index] & 0xC0 != 0x80 { column += 1 }
    }
}
