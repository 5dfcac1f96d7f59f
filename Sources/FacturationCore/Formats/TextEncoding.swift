import CSupport

/// The character encoding of an input file, decided from its bytes (never from its name).
package enum TextEncoding: String, Sendable, Codable {
    case utf8 = "UTF-8"
    case utf8WithBOM = "UTF-8 with BOM"
    case utf16LittleEndian = "UTF-16LE"
    case utf16BigEndian = "UTF-16BE"
    case windows1252 = "Windows-1252"

    /// Number of bytes of byte-order mark to skip at the start of the file.
    var byteOrderMarkLength: Int {
        switch self {
        case .utf8WithBOM: 3
        case .utf16LittleEndian, .utf16BigEndian: 2
        case .utf8, .windows1252: 0
        }
    }
}

/// Incremental UTF-8 validator that can be fed a file chunk by chunk.
///
/// Whole sequences are checked by ``fct_utf8_valid_prefix`` (C, 32 bytes at a time with AVX2) and
/// only what it stops at goes through the byte-by-byte rules below, which decide every error
/// and its offset. Why: the scan of an input file validates all of it before the conversion
/// starts, on one core, and this loop was a third of that thread (issue #9, 1 GB `run`: French
/// exports have a byte of 0x80 or more in one 8-byte word in five, which ended the 8-byte ASCII
/// skip each time). UTF8ValidatorTests hold both to the rules on random texts and chunkings.
struct UTF8Validator {
    /// Continuation bytes still expected for the current sequence.
    private var pending = 0
    /// Allowed range for the next continuation byte (tightened after E0, ED, F0, F4).
    private var lower: UInt8 = 0x80
    private var upper: UInt8 = 0xBF
    /// Byte offset (from the start of the stream) of the first invalid byte, if any.
    private(set) var firstInvalidOffset: Int64?
    /// Where the invalid part that byte ends starts: the lead byte of a sequence it cuts short
    /// (`E9` of `E9 75`, Windows-1252's `éu`), or the byte itself. What a person is shown.
    private(set) var firstInvalidPartOffset: Int64?
    /// Where the open sequence started (its lead byte).
    private var sequenceStart: Int64 = 0
    /// True once a byte ≥ 0x80 has been seen, up to the first invalid byte (included).
    private(set) var sawNonASCII = false
    private var offset: Int64 = 0
    /// A census goes on past the first invalid byte (``UTF8Damage`` describes a damaged file with
    /// it); otherwise the rest of the stream is skipped (the scan of every file: a Windows-1252
    /// text would pay the byte-by-byte rules at each of its accents).
    let census: Bool
    /// With a census: the places that are not UTF-8 (each maximal invalid part, the first
    /// included, as the Unicode standard counts replacement characters), and the whole sequences
    /// of two to four bytes after the first of them. Without: 1 and 0 once a fault was found.
    private(set) var invalidPlaces = 0
    private(set) var sequencesAfterFirstInvalid = 0
    /// Set by ``finish()`` when the stream ended inside a sequence (one of the invalid places).
    private(set) var endedInsideSequence = false
    /// True once a whole sequence of two to four bytes was read before the first invalid byte.
    private(set) var sawSequenceBeforeFirstInvalid = false

    init(census: Bool = false) {
        self.census = census
    }

    var isValidSoFar: Bool { firstInvalidOffset == nil }

    mutating func feed(_ bytes: UnsafeRawBufferPointer) {
        guard census || firstInvalidOffset == nil else { offset += Int64(bytes.count); return }
        var index = 0
        let count = bytes.count
        while index < count {
            // Fast path: whole valid sequences checked in C while no sequence is open; this loop
            // reads only what it leaves (an error, a sequence cut by the chunk's end) byte by byte.
            if pending == 0 {
                var nonASCII: Int32 = 0
                let start = index
                index += fct_utf8_valid_prefix(
                    bytes.baseAddress!.assumingMemoryBound(to: UInt8.self) + index, count - index, &nonASCII)
                if nonASCII != 0 {
                    if firstInvalidOffset == nil {
                        sawNonASCII = true
                        // The flag may come from the byte that ends the valid prefix: look at the prefix
                        // (once: a UTF-8 file has its first sequence in its first chunk).
                        if !sawSequenceBeforeFirstInvalid {
                            sawSequenceBeforeFirstInvalid =
                                Self.leadBytes(UnsafeRawBufferPointer(rebasing: bytes[start..<index])) > 0
                        }
                    } else {
                        sequencesAfterFirstInvalid += Self.leadBytes(
                            UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
                    }
                }
                if index >= count { break }
            }
            let byte = bytes[index]
            if pending == 0 {
                if byte < 0x80 { index += 1; continue }
                if firstInvalidOffset == nil { sawNonASCII = true }
                lower = 0x80; upper = 0xBF
                sequenceStart = offset + Int64(index)
                switch byte {
                case 0xC2...0xDF: pending = 1
                case 0xE0: pending = 2; lower = 0xA0
                case 0xE1...0xEC, 0xEE...0xEF: pending = 2
                case 0xED: pending = 2; upper = 0x9F
                case 0xF0: pending = 3; lower = 0x90
                case 0xF1...0xF3: pending = 3
                case 0xF4: pending = 3; upper = 0x8F
                default:
                    invalid(at: index)  // a byte no sequence starts with: it is the invalid part
                    guard census else { offset += Int64(count); return }
                }
            } else {
                guard byte >= lower, byte <= upper else {
                    // The open sequence ends before this byte, which is read again as a start.
                    invalid(at: index)
                    pending = 0
                    guard census else { offset += Int64(count); return }
                    continue
                }
                lower = 0x80; upper = 0xBF
                pending -= 1
                if pending == 0 {
                    if firstInvalidOffset == nil {
                        sawSequenceBeforeFirstInvalid = true
                    } else {
                        sequencesAfterFirstInvalid += 1
                    }
                }
            }
            index += 1
        }
        offset += Int64(count)
    }

    /// Counts an invalid place found at `index` of the chunk being fed.
    private mutating func invalid(at index: Int) {
        if firstInvalidOffset == nil {
            firstInvalidOffset = offset + Int64(index)
            firstInvalidPartOffset = pending > 0 ? sequenceStart : firstInvalidOffset
        }
        invalidPlaces += 1
    }

    /// The sequences of two to four bytes in valid UTF-8: its bytes from 0xC0 on (lead bytes).
    static func leadBytes(_ bytes: UnsafeRawBufferPointer) -> Int {
        bytes.reduce(0) { $0 + ($1 >= 0xC0 ? 1 : 0) }
    }

    /// Call at end of input: an unfinished sequence makes the stream invalid.
    mutating func finish() {
        guard pending != 0 else { return }
        if firstInvalidOffset == nil {
            firstInvalidOffset = offset
            firstInvalidPartOffset = sequenceStart
        }
        invalidPlaces += 1
        endedInsideSequence = true
        pending = 0
    }
}
