/// A file written in UTF-8 that holds places which are not UTF-8: a character typed or pasted by
/// a program saving in another encoding (Windows-1252: `é` is the lone byte E9 there), rows of
/// another encoding appended to it, a copy cut in the middle of a character.
///
/// Why it is rejected (``FormatSniffer``) and not read as Windows-1252, as any file that is not
/// UTF-8 was before: read so, every accent written as UTF-8 is garbled (`Société` becomes
/// `SociÃ©tÃ©`), its names no longer match the pipeline's clients (the hours go uninvoiced), and
/// its fingerprints differ from those of the same rows once the file is mended (imported twice).
///
/// What tells such a file from a Windows-1252 (or ISO-8859-1) one is ``UTF8Evidence``: UTF-8's
/// byte-order mark, or a UTF-8 sequence of the kind French text is full of and those encodings
/// practically never hold (a Windows-1252 text makes other UTF-8 sequences by chance: `É’`,
/// `é` + no-break space + `»`). A file that is not valid UTF-8 with neither stays Windows-1252, as
/// before (an ASCII export with one stray byte, a Windows-1252 export whatever its size).
package struct UTF8Damage: Sendable {
    /// Byte offset of the first place that is not UTF-8 (its first byte).
    package let firstOffset: Int64
    /// Its line (1-based: LF, CR LF and a lone CR each end one).
    package let line: Int
    /// Places that are not UTF-8 (as the Unicode standard counts replacement characters), and
    /// the ``UTF8Evidence`` sequences, in the whole file.
    package let places: Int
    package let sequences: Int
    /// Whether the file starts with UTF-8's byte-order mark.
    package let byteOrderMark: Bool
    /// The line around the first place, each byte that is not UTF-8 shown as `<E9>`.
    package let context: String
    /// Where the first ``UTF8Evidence`` sequence is (byte offset, line, the bytes around it): what
    /// made the file UTF-8, to be found when it is the minority.
    package let firstSequence: (offset: Int64, line: Int, context: String)?
    /// True when the one place is the file's end, inside a character.
    package let endsInsideCharacter: Bool

    /// The damage of `file`, whose bytes the scan fed to `validator` (without a census) and, from
    /// its first fault on, to `evidence`; nil when it is valid UTF-8 or reads as Windows-1252.
    /// Reads the file again only for a file that is not valid UTF-8: the part before the first
    /// fault when that part holds sequences and none came after (until the first evidence), and
    /// the whole file once more when it is damaged (its counts, the lines of the two places).
    static func find(
        in file: InputFile, head: [UInt8], size: Int64, validator: UTF8Validator, evidence: UTF8Evidence
    ) throws(StorageError) -> UTF8Damage? {
        guard let first = validator.firstInvalidPartOffset else { return nil }
        let byteOrderMark = head.starts(with: [0xEF, 0xBB, 0xBF])
        var found = evidence.count > 0
        if !found, !byteOrderMark, validator.sawSequenceBeforeFirstInvalid {
            var before = UTF8Evidence()
            try forEachChunk(of: file, upTo: first) { chunk, offset in
                before.feed(chunk, at: offset)
                return before.count == 0
            }
            found = before.count > 0
        }
        guard found || byteOrderMark else { return nil }
        let census = try Census(of: file, size: size, firstPlace: first)
        var sequence: (offset: Int64, line: Int, context: String)?
        if let offset = census.all.firstOffset {
            sequence = (offset, census.lineOfSequence ?? 1, try context(in: file, at: offset, size: size))
        }
        return UTF8Damage(
            firstOffset: first, line: census.lineOfPlace ?? 1, places: census.validator.invalidPlaces,
            sequences: census.all.count, byteOrderMark: byteOrderMark,
            context: try context(in: file, at: first, size: size), firstSequence: sequence,
            endsInsideCharacter: census.validator.invalidPlaces == 1 && census.validator.endedInsideSequence)
    }

    /// One more read of a damaged file: the exact counts (a census of every place, every
    /// ``UTF8Evidence`` sequence) and the lines of the first place and of the first sequence.
    private struct Census {
        var validator = UTF8Validator(census: true)
        var all = UTF8Evidence()
        var lineOfPlace: Int?
        var lineOfSequence: Int?

        init(of file: InputFile, size: Int64, firstPlace: Int64) throws(StorageError) {
            var lines = LineEnds()
            try forEachChunk(of: file, upTo: size) { chunk, offset in
                validator.feed(chunk)
                all.feed(chunk, at: offset)
                // Line ends are counted up to each place found in this chunk (a sequence whose lead
                // byte closed the chunk before has no line end in it: the count is the same).
                var consumed = 0
                for mark in [firstPlace, all.firstOffset ?? .max].sorted() where mark < offset + Int64(chunk.count) {
                    let at = max(0, Int(mark - offset))
                    guard at >= consumed else { continue }
                    lines.feed(UnsafeRawBufferPointer(rebasing: chunk[consumed..<at]))
                    consumed = at
                    if mark == firstPlace, lineOfPlace == nil { lineOfPlace = lines.count + 1 }
                    if mark == all.firstOffset, lineOfSequence == nil { lineOfSequence = lines.count + 1 }
                }
                lines.feed(UnsafeRawBufferPointer(rebasing: chunk[consumed...]))
                return true
            }
            validator.finish()
        }
    }

    /// Calls `body` with the bytes of `file` from its start to `end` and their offset, a megabyte
    /// at a time, while it returns true.
    private static func forEachChunk(
        of file: InputFile, upTo end: Int64, _ body: (UnsafeRawBufferPointer, Int64) -> Bool
    ) throws(StorageError) {
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: Int64 = 0
        while offset < end {
            let count = try file.read(into: &buffer, at: offset, count: Int(min(Int64(buffer.count), end - offset)))
            if count == 0 { break }
            let goOn = buffer.withUnsafeBytes { body(UnsafeRawBufferPointer(rebasing: $0.prefix(count)), offset) }
            offset += Int64(count)
            if !goOn { break }
        }
    }

    /// The line around `offset` (at most 40 bytes before it and 30 after), as text.
    private static func context(in file: InputFile, at offset: Int64, size: Int64) throws(StorageError) -> String {
        let start = max(0, offset - 40)
        var bytes = [UInt8](repeating: 0, count: Int(min(size, offset + 31) - start))
        let count = try file.read(into: &bytes, at: start, count: bytes.count)
        bytes.removeSubrange(count...)
        let at = min(Int(offset - start), bytes.count)
        var lower = bytes[..<at].lastIndex { $0 == 0x0A || $0 == 0x0D }.map { $0 + 1 } ?? 0
        var upper = bytes[at...].firstIndex { $0 == 0x0A || $0 == 0x0D } ?? bytes.count
        if start == 0, lower == 0, bytes.starts(with: [0xEF, 0xBB, 0xBF]), at >= 3 { lower = 3 }
        // Not from or to the middle of a character the window cut (the text before the first
        // place is UTF-8: a continuation byte at the window's start belongs to a cut character).
        while lower < at, (0x80...0xBF).contains(bytes[lower]) { lower += 1 }
        if upper == bytes.count, start + Int64(bytes.count) < size,
            let lead = bytes[max(at + 1, upper - 3)..<upper].lastIndex(where: { $0 >= 0xC0 }),
            upper - lead < sequenceLength(bytes[lead])
        {
            upper = lead
        }
        return shown(bytes[lower..<upper], limit: 76)
    }

    private static func sequenceLength(_ lead: UInt8) -> Int {
        switch lead {
        case 0x00...0x7F: 1
        case 0xC2...0xDF: 2
        case 0xE0...0xEF: 3
        case 0xF0...0xF4: 4
        default: 0
        }
    }

    /// Control characters (C0, DEL) and invisible format characters (bidirectional controls):
    /// shown by their bytes, so that a reason cannot be reordered or coloured by the file.
    private static func isHidden(_ character: String) -> Bool {
        character.unicodeScalars.contains { scalar in
            scalar.value < 0x20 || scalar.value == 0x7F || scalar.properties.generalCategory == .format
        }
    }

    /// `bytes` as text, each byte that does not start a whole UTF-8 character (or starts a hidden
    /// one, ``isHidden(_:)``) shown as `<XX>`; at most `limit` characters (a reason line shows 80),
    /// never cutting a `<XX>`.
    static func shown(_ bytes: ArraySlice<UInt8>, limit: Int = .max) -> String {
        var text = ""
        var shownCount = 0
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let lead = bytes[index]
            let length = sequenceLength(lead)
            let piece: String
            if length > 0, index + length <= bytes.endIndex,
                let character = String(validating: bytes[index..<(index + length)], as: UTF8.self),
                !Self.isHidden(character)
            {
                piece = character
                index += length
            } else if length > 1, index + length <= bytes.endIndex,
                String(validating: bytes[index..<(index + length)], as: UTF8.self) != nil
            {
                // A valid character that would not show (a bidirectional control): its bytes.
                piece = bytes[index..<(index + length)].map { "<" + String($0, radix: 16, uppercase: true) + ">" }
                    .joined()
                index += length
            } else {
                piece = "<" + String(lead, radix: 16, uppercase: true) + ">"
                index += 1
            }
            shownCount += piece.count
            if shownCount > limit { break }
            text += piece
        }
        return text
    }
}

/// Counts the UTF-8 sequences that French text written in UTF-8 is full of and a Windows-1252 or
/// ISO-8859-1 text practically never holds: C2, C3 or C5 followed by a continuation byte
/// (U+0080–U+00FF and U+0140–U+017F: `é à ç ° « »`, the no-break space, `œ`; in Windows-1252
/// `Â Ã Å` followed by a sign such as `©`), E2 80 or E2 82 and a continuation byte (U+2000–U+203F
/// and U+20A0–U+20BF: `’ “ ” – … €`; `â€` there), and F0 9F with two (emoji; `ðŸ` there).
///
/// Why only these: a Windows-1252 text makes other sequences by chance, most of all the
/// three-byte ones that start with its accented small letters (`é` + no-break space + `»` is
/// E9 A0 BB), and the two-byte ones of its accented capitals (`É’` is C9 92). Fed in chunks of any
/// size (a pattern may straddle two). The scan feeds it the whole of a Windows-1252 file after
/// its first fault, so the search for a lead byte looks at eight bytes at a time (fenced: the
/// exact counts wherever chunks cut, and on Windows-1252 texts, are tested in UTF8DamageTests).
struct UTF8Evidence {
    private(set) var count = 0
    /// The offset of the first sequence's lead byte (nil before one was found).
    private(set) var firstOffset: Int64?
    /// Where the pattern in progress stands, and the offset of its lead byte.
    private var state = State.none
    private var leadOffset: Int64 = 0

    private enum State {
        case none
        /// After C2, C3 or C5: one continuation byte.
        case twoByte
        /// After E2: 80 or 82, then one continuation byte.
        case punctuation, punctuationLast
        /// After F0: 9F, then two continuation bytes.
        case emoji, emojiThird, emojiLast
    }

    /// Feeds `bytes`, which start at `offset` in the file.
    mutating func feed(_ bytes: UnsafeRawBufferPointer, at offset: Int64) {
        guard let base = bytes.baseAddress else { return }
        var index = 0
        while index < bytes.count {
            if state == .none {
                index = Self.nextLead(base, from: index, count: bytes.count)
                if index >= bytes.count { break }
            }
            step(bytes[index], at: offset + Int64(index))
            index += 1
        }
    }

    /// The index of the first byte from `index` on that may start a pattern (or `count`). Eight
    /// bytes are looked at together (Windows-1252 text has an accent every few bytes, and most of
    /// them start nothing): a word with none of the five lead bytes is skipped whole.
    private static func nextLead(_ base: UnsafeRawPointer, from index: Int, count: Int) -> Int {
        var index = index
        while index < count {
            if index + 8 <= count {
                let word = base.loadUnaligned(fromByteOffset: index, as: UInt64.self)
                if word & 0x8080_8080_8080_8080 == 0 || !mayHoldLead(word) {
                    index += 8
                    continue
                }
            }
            let end = min(index + 8, count)
            while index < end {
                if isLead(base.load(fromByteOffset: index, as: UInt8.self)) { return index }
                index += 1
            }
        }
        return count
    }

    @inline(__always)
    private static func isLead(_ byte: UInt8) -> Bool {
        byte == 0xC2 || byte == 0xC3 || byte == 0xC5 || byte == 0xE2 || byte == 0xF0
    }

    /// Whether one of the eight bytes of `word` is a lead byte (exact: the classic test for a zero
    /// byte, applied to the word with each lead byte subtracted out by exclusive or).
    @inline(__always)
    private static func mayHoldLead(_ word: UInt64) -> Bool {
        func holds(_ byte: UInt64) -> Bool {
            let x = word ^ (0x0101_0101_0101_0101 &* byte)
            return (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080 != 0
        }
        return holds(0xC2) || holds(0xC3) || holds(0xC5) || holds(0xE2) || holds(0xF0)
    }

    private mutating func step(_ byte: UInt8, at offset: Int64) {
        let continuation = (0x80...0xBF).contains(byte)
        switch state {
        case .none: break
        case .twoByte, .punctuationLast, .emojiLast:
            state = .none
            if continuation {
                count += 1
                if firstOffset == nil { firstOffset = leadOffset }
                return
            }
        case .punctuation:
            state = .none
            if byte == 0x80 || byte == 0x82 {
                state = .punctuationLast
                return
            }
        case .emoji:
            state = .none
            if byte == 0x9F {
                state = .emojiThird
                return
            }
        case .emojiThird:
            state = .none
            if continuation {
                state = .emojiLast
                return
            }
        }
        // Not the pattern's next byte: it may start one.
        leadOffset = offset
        switch byte {
        case 0xC2, 0xC3, 0xC5: state = .twoByte
        case 0xE2: state = .punctuation
        case 0xF0: state = .emoji
        default: state = .none
        }
    }
}

/// Counts line ends as a person's editor does: LF, CR LF and a lone CR end one line each.
struct LineEnds {
    private(set) var count = 0
    private var afterCR = false

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        for byte in bytes {
            if byte == 0x0A {
                if !afterCR { count += 1 }
            } else if byte == 0x0D {
                count += 1
            }
            afterCR = byte == 0x0D
        }
    }
}
