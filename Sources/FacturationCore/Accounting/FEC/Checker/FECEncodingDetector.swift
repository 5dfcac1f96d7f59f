/// FEC-04/04b/05 on the bytes of each line: the law allows ASCII, ISO-8859-15 or UTF-8, one per
/// file. The encoding is detected as lines come (UTF-8 until a line is not, then ISO-8859-15), and
/// a file that switches is reported at the first line that does not fit.
///
/// Why a fast path: almost every line of a French FEC is pure ASCII; 8 bytes are tested at once
/// and only a line with a byte ≥ 0x80 is validated.
struct FECEncodingDetector {
    enum Mode { case ascii, utf8, latin9 }

    private(set) var mode = Mode.ascii
    /// The file starts with EF BB BF.
    var byteOrderMark = false
    private var firstMultibyteLine = 0
    private var latin9Line = 0

    /// The encoding's name for the report.
    var name: String {
        switch mode {
        case .latin9: "ISO-8859-15"
        case .utf8: byteOrderMark ? "UTF-8 with BOM" : "UTF-8"
        case .ascii: byteOrderMark ? "UTF-8 with BOM" : "ASCII"
        }
    }

    mutating func check(_ line: UnsafeRawBufferPointer, _ log: FECFindingLog) {
        var index = 0
        let count = line.count
        while index + 8 <= count {
            if line.loadUnaligned(fromByteOffset: index, as: UInt64.self) & 0x8080_8080_8080_8080 != 0 { break }
            index += 8
        }
        while index < count, line[index] < 0x80 { index += 1 }
        if index == count { return }
        let (valid, c1) = Self.validateUTF8(line, from: index)
        switch mode {
        case .ascii, .utf8:
            if valid {
                mode = .utf8
                if firstMultibyteLine == 0 { firstMultibyteLine = log.lineNumber }
                if c1 {
                    log.flagHere(
                        .controlCharacter, log.text(line, 0, min(count, 120)),
                        "a C1 control character (U+0080 to U+009F) in the text")
                }
                return
            }
            if mode == .utf8 {
                log.flagHere(
                    .encoding, log.text(line, 0, min(count, 120)),
                    "this line is not UTF-8 while line \(firstMultibyteLine) is: the file mixes encodings; "
                        + "re-export it in one encoding (UTF-8 or ISO-8859-15)")
            }
            mode = .latin9
            log.isLatin9 = true
            latin9Line = log.lineNumber
        case .latin9:
            if valid, !c1 {
                log.flagHere(
                    .encoding, log.text(line, 0, min(count, 120)),
                    "this line reads as UTF-8 while line \(latin9Line) is ISO-8859-15: the file mixes encodings")
                return
            }
        }
        Self.checkLatin9Controls(line, from: index, log)
    }

    /// Bytes 0x80–0x9F are not characters in ISO-8859-15 (Windows-1252 puts € and quotes there).
    private static func checkLatin9Controls(_ line: UnsafeRawBufferPointer, from index: Int, _ log: FECFindingLog) {
        for position in index..<line.count where line[position] >= 0x80 && line[position] <= 0x9F {
            let hex = String(line[position], radix: 16, uppercase: true)
            log.flagHere(
                .encoding, "0x" + hex,
                "byte 0x\(hex) at column \(position + 1) is not a character "
                    + "in ISO-8859-15 (a Windows-1252 file?): re-export in UTF-8 or ISO-8859-15")
            break
        }
    }

    /// Whether `line[from...]` is valid UTF-8, and whether it contains C1 controls (U+0080–U+009F).
    private static func validateUTF8(_ line: UnsafeRawBufferPointer, from: Int) -> (Bool, Bool) {
        var validator = UTF8Validator()
        validator.feed(UnsafeRawBufferPointer(rebasing: line[from...]))
        validator.finish()
        guard validator.isValidSoFar else { return (false, false) }
        var c1 = false
        var index = from
        while index + 1 < line.count {
            if line[index] == 0xC2, line[index + 1] < 0xA0 { c1 = true; break }
            index += 1
        }
        return (true, c1)
    }
}
