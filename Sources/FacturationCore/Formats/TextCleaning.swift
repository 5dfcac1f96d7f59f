/// Text made safe for every output: the one rule for control characters, applied to every text
/// field when it enters a ledger (the importers) and to every text an XML document gets.
///
/// Names, descriptions and bank texts end up in XML invoices, TOML forms, CSV reports and FEC
/// lines. XML 1.0 forbids most control characters and the noncharacters U+FFFE and U+FFFF (an
/// ESC in a Clockify project name made that client's invoice fail its schema check on every run),
/// and a line break in a name breaks one-line formats (README, "Reading rules worth knowing"):
/// - control characters (U+0000–U+001F, including tab and line breaks, U+007F, U+0080–U+009F)
///   become a space;
/// - U+FFFE and U+FFFF become U+FFFD (the replacement character).
/// Everything else is kept as it is.
enum TextCleaning {
    /// True when `bytes` (valid UTF-8) hold a character that ``cleaned(_:)`` replaces: a fast
    /// test of 8 bytes at a time (``ControlBytes``), then the exact rule where it finds a candidate.
    @inline(__always)
    static func needsCleaning(_ bytes: UnsafeRawBufferPointer) -> Bool {
        ControlBytes.mayHold(bytes) && needsCleaningSlowly(bytes, from: 0)
    }

    /// The byte-by-byte rule, from `start` (a candidate at the end of a word may continue after it).
    static func needsCleaningSlowly(_ bytes: UnsafeRawBufferPointer, from start: Int) -> Bool {
        var index = start
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x20 || byte == 0x7F { return true }
            if byte == 0xC2, index + 1 < bytes.count, bytes[index + 1] <= 0x9F { return true }
            if byte == 0xEF, index + 2 < bytes.count, bytes[index + 1] == 0xBF, bytes[index + 2] >= 0xBE {
                return true
            }
            index += 1
        }
        return false
    }

    /// The cleaned bytes (see the type's rules).
    static func cleaned(_ bytes: UnsafeRawBufferPointer) -> [UInt8] {
        var result: [UInt8] = []
        result.reserveCapacity(bytes.count)
        var index = 0
        while index < bytes.count {
            let byte = bytes[index]
            if byte < 0x20 || byte == 0x7F {
                result.append(0x20)
                index += 1
            } else if byte == 0xC2, index + 1 < bytes.count, bytes[index + 1] >= 0x80, bytes[index + 1] <= 0x9F {
                result.append(0x20)
                index += 2
            } else if byte == 0xEF, index + 2 < bytes.count, bytes[index + 1] == 0xBF, bytes[index + 2] >= 0xBE {
                result.append(contentsOf: [0xEF, 0xBF, 0xBD])
                index += 3
            } else {
                result.append(byte)
                index += 1
            }
        }
        return result
    }

    /// The cleaned text; the same String when nothing needs cleaning.
    static func cleaned(_ text: String) -> String {
        var text = text
        return text.withUTF8 { utf8 in
            let raw = UnsafeRawBufferPointer(utf8)
            return needsCleaning(raw) ? String(decoding: cleaned(raw), as: UTF8.self) : nil
        } ?? text
    }
}
