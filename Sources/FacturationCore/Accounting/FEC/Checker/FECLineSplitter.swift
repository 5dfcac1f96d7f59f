/// Cuts the bytes fed to ``FECChecker`` into physical lines, whatever the chunk boundaries.
///
/// Why a buffer of its own: a chunk may end in the middle of a line, or between the CR and LF of
/// a CRLF; the unfinished tail is kept (and only it) until the next chunk. Memory is one chunk
/// plus the longest line, never the file.
struct FECLineSplitter {
    enum LineEnding: String {
        case crlf = "CRLF"
        case lf = "LF"
        case cr = "CR"
    }

    private let pending = ByteBuffer(capacity: (1 << 20) + 4096)
    /// Where scanning resumes in `pending` (bytes before it hold no line break).
    private var scanFrom = 0

    /// Appends `bytes` and calls `body` with each complete line (without its ending). With
    /// `final`, the last line is complete even without an ending (`nil` then).
    mutating func feed(
        _ bytes: UnsafeRawBufferPointer, final: Bool,
        _ body: (UnsafePointer<UInt8>, Int, LineEnding?) -> Void
    ) {
        pending.append(bytes)
        let base = UnsafePointer(pending.base)
        let count = pending.count
        var lineStart = 0
        var index = scanFrom
        var waitingForLF = false
        while index < count {
            let byte = base[index]
            // The common case first: any byte above CR is text.
            if byte > 0x0D || (byte != 0x0A && byte != 0x0D) {
                index += 1
                continue
            }
            guard let (ending, next) = Self.ending(at: index, base, count, final: final) else {
                waitingForLF = true
                break
            }
            body(base + lineStart, index - lineStart, ending)
            lineStart = next
            index = next
        }
        if final, !waitingForLF, lineStart < count {
            body(base + lineStart, count - lineStart, nil)
            lineStart = count
        }
        pending.removeFirst(lineStart)
        scanFrom = waitingForLF ? index - lineStart : pending.count
    }

    /// The ending that starts at `index` (a CR or LF) and where the next line starts; nil for a
    /// CR that ends the bytes so far (a LF may follow in the next chunk).
    @inline(__always)
    private static func ending(
        at index: Int, _ base: UnsafePointer<UInt8>, _ count: Int,
        final: Bool
    ) -> (LineEnding, Int)? {
        if base[index] == 0x0A { return (.lf, index + 1) }
        if index + 1 < count { return base[index + 1] == 0x0A ? (.crlf, index + 2) : (.cr, index + 1) }
        return final ? (.cr, index + 1) : nil
    }
}
