/// A file written in UTF-8 that holds places which are not UTF-8: a character typed or pasted by
/// a program saving in another encoding (Windows-1252: `é` is the lone byte E9 there), a copy cut
/// in the middle of a character.
///
/// Why it is rejected (``FormatSniffer``) and not read as Windows-1252, as any file that is not
/// UTF-8 was before: read so, every other accent of the file is garbled (`Société` becomes
/// `SociÃ©tÃ©`), its names no longer match the pipeline's clients (the hours go uninvoiced), and
/// its fingerprints differ from those of the same rows once the file is mended (imported twice).
///
/// The evidence is weighed over the whole file (``UTF8Validator``): whole UTF-8 sequences of two
/// to four bytes against places that are not UTF-8. A Windows-1252 text makes a few such
/// sequences by chance (an accented capital followed by a quote mark: `É’`), about one per
/// hundreds of accents; each of its accents is a place that is not UTF-8. So a file is damaged
/// UTF-8 when it holds at least one sequence and no more than ``placesPerSequence`` places per
/// sequence; otherwise it stays Windows-1252 (an ASCII file with one stray byte among them).
package struct UTF8Damage: Sendable, Equatable {
    /// Places that are not UTF-8 a file may hold per UTF-8 sequence and still be judged UTF-8.
    static let placesPerSequence = 20

    /// Byte offset of the first place that is not UTF-8 (its first byte).
    package let firstOffset: Int64
    /// Its line (1-based: line ends counted before it).
    package let line: Int
    /// Places that are not UTF-8, and whole sequences of two to four bytes, in the whole file.
    package let places: Int
    package let sequences: Int
    /// The line around the first place, each byte that is not UTF-8 shown as `<E9>`.
    package let context: String
    /// True when the one place is the file's end, inside a character: the file was cut short.
    package let endsInsideCharacter: Bool

    /// Whether a file with these counts is UTF-8 with damage (rather than Windows-1252).
    static func isDamage(sequences: Int, places: Int) -> Bool {
        places > 0 && sequences > 0 && places <= sequences * placesPerSequence
    }

    /// The damage of `file` (whose bytes the validator was fed), or nil when it is valid UTF-8 or
    /// reads as Windows-1252. Reads the file again up to the first place that is not UTF-8 (its
    /// line, and the sequences before it) and a few bytes around that place: only for a file that
    /// is not valid UTF-8 and may be damaged (an ASCII text with a stray byte is not read again).
    static func find(in file: InputFile, size: Int64, validator: UTF8Validator) throws(StorageError) -> UTF8Damage? {
        guard let first = validator.firstInvalidPartOffset else { return nil }
        let before = validator.sawSequenceBeforeFirstInvalid
        let after = validator.sequencesAfterFirstInvalid
        // Without a sequence before the first place, the counts are known without reading again.
        guard before || isDamage(sequences: after, places: validator.invalidPlaces) else { return nil }
        var sequences = after
        var lineEnds = 0
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        var offset: Int64 = 0
        while offset < first {
            let count = try file.read(into: &buffer, at: offset, count: Int(min(Int64(buffer.count), first - offset)))
            if count == 0 { break }
            buffer.withUnsafeBytes { raw in
                let chunk = UnsafeRawBufferPointer(rebasing: raw.prefix(count))
                if before { sequences += UTF8Validator.leadBytes(chunk) }
                lineEnds += chunk.reduce(0) { $0 + ($1 == 0x0A ? 1 : 0) }
            }
            offset += Int64(count)
        }
        guard isDamage(sequences: sequences, places: validator.invalidPlaces) else { return nil }
        return UTF8Damage(
            firstOffset: first, line: lineEnds + 1, places: validator.invalidPlaces, sequences: sequences,
            context: try context(in: file, at: first, size: size),
            endsInsideCharacter: validator.invalidPlaces == 1 && validator.endedInsideSequence)
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
        // Not from or to the middle of a character the window cut (the text before the first
        // place is UTF-8: a continuation byte at the window's start belongs to a cut character).
        while lower < at, (0x80...0xBF).contains(bytes[lower]) { lower += 1 }
        if upper == bytes.count, start + Int64(bytes.count) < size {
            var dropped = 0
            while dropped < 3, upper > at + 1, bytes[upper - 1] >= 0x80 {
                upper -= 1
                dropped += 1
            }
        }
        return shown(bytes[lower..<upper])
    }

    /// `bytes` as text, each byte that does not start a whole UTF-8 character shown as `<XX>`.
    static func shown(_ bytes: ArraySlice<UInt8>) -> String {
        var text = ""
        var index = bytes.startIndex
        while index < bytes.endIndex {
            let lead = bytes[index]
            let length: Int =
                switch lead {
                case 0x00...0x7F: 1
                case 0xC2...0xDF: 2
                case 0xE0...0xEF: 3
                case 0xF0...0xF4: 4
                default: 0
                }
            if length > 0, index + length <= bytes.endIndex,
                let character = String(validating: bytes[index..<(index + length)], as: UTF8.self)
            {
                text += character
                index += length
            } else {
                text += "<" + String(lead, radix: 16, uppercase: true) + ">"
                index += 1
            }
        }
        return text
    }
}
