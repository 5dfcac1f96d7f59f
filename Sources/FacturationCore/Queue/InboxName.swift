/// A file name as found in the inbox, and the two names derived from it.
///
/// - ``shown``: for people (reason files, the index, summaries, `status`): the name itself, with
///   bytes that are not UTF-8 and control characters escaped (`relev\xE9.csv`).
/// - ``stored``: the name the file gets inside `work/` and `archive/`: valid UTF-8, no control
///   characters, and short enough that every name derived from it (`NAME.reason.txt`,
///   `NAME.duplicate.txt`, the reason copy `DATE_CLAIM_NAME.reason.txt` in the outbox) stays
///   within the 255 bytes a Linux file name may have. Most names are already safe and are kept.
///
/// The stored name need not be unique: every claim has its own folder.
package struct InboxName: Sendable, Equatable {
    /// The bytes of the name on disk.
    package let raw: [UInt8]
    package let shown: String
    package let stored: String

    /// Longest stored name, in bytes: 255 minus the longest suffix and prefix added to it
    /// (`YYYY-MM-DD_` + a 24-byte claim name + `_` before, `.reason.txt` after: 47 bytes), rounded down.
    package static let maximumStoredBytes = 180

    package init(raw: [UInt8]) {
        self.raw = raw
        shown = InboxName.escaped(raw)
        stored = InboxName.safe(raw)
    }

    /// True when the stored name differs from the name on disk.
    package var isChanged: Bool { Array(stored.utf8) != raw }

    /// The name for people: invalid bytes as `\xHH`, control characters as `\xHH` or `\u{HHHH}`,
    /// the direction controls that could make a name look like another (U+202E…) as `\u{HHHH}`,
    /// and a backslash doubled, so that every shown name stands for one name on disk.
    package static func escaped(_ raw: [UInt8]) -> String {
        transcode(
            raw, invalidByte: { "\\x" + hex($0) },
            control: { scalar in
                if scalar == "\\" { return "\\\\" }
                return scalar.value < 0x80
                    ? "\\x" + hex(UInt8(scalar.value))
                    : "\\u{" + String(scalar.value, radix: 16, uppercase: true) + "}"
            })
    }

    /// The name on disk inside the workspace: invalid bytes and control characters become `_`;
    /// a name longer than ``maximumStoredBytes`` keeps its start and its extension, with `~` and
    /// 8 hex digits of the SHA-256 of the original name between them.
    package static func safe(_ raw: [UInt8]) -> String {
        let cleaned = transcode(raw, invalidByte: { _ in "_" }, control: { scalar in scalar == "\\" ? "\\" : "_" })
        guard cleaned.utf8.count > maximumStoredBytes else { return cleaned }
        var suffix = ""
        if let dot = cleaned.lastIndex(of: "."), dot != cleaned.startIndex, cleaned[dot...].utf8.count <= 16 {
            suffix = String(cleaned[dot...])
        }
        let tag = "~" + raw.withUnsafeBytes { String(SHA256Hasher.hex($0).prefix(8)) }
        let budget = maximumStoredBytes - suffix.utf8.count - tag.utf8.count
        var stem = ""
        var used = 0
        for character in cleaned.dropLast(suffix.count) {
            let width = character.utf8.count
            if used + width > budget { break }
            stem.append(character)
            used += width
        }
        return stem + tag + suffix
    }

    /// Decodes UTF-8, replacing each invalid byte, each control character (C0, DEL, C1), each
    /// direction control and the backslash by what the closures return.
    private static func transcode(
        _ raw: [UInt8], invalidByte: (UInt8) -> String,
        control: (Unicode.Scalar) -> String
    ) -> String {
        var result = ""
        var parser = Unicode.UTF8.ForwardParser()
        var iterator = raw.makeIterator()
        var offset = 0
        while true {
            switch parser.parseScalar(from: &iterator) {
            case .valid(let encoded):
                let scalar = Unicode.UTF8.decode(encoded)
                let value = scalar.value
                if value < 0x20 || value == 0x7F || (0x80...0x9F).contains(value) || value == 0x5C
                    || isDirectionControl(value)
                {
                    result += control(scalar)
                } else {
                    result.unicodeScalars.append(scalar)
                }
                offset += encoded.count
            case .error(let length):
                for index in offset..<(offset + length) { result += invalidByte(raw[index]) }
                offset += length
            case .emptyInput:
                return result
            }
        }
    }

    /// Bidirectional formatting characters: they reorder what follows them on screen.
    private static func isDirectionControl(_ value: UInt32) -> Bool {
        value == 0x061C || value == 0x200E || value == 0x200F || (0x202A...0x202E).contains(value)
            || (0x2066...0x2069).contains(value)
    }

    private static func hex(_ byte: UInt8) -> String {
        let digits = Array("0123456789ABCDEF")
        return String([digits[Int(byte >> 4)], digits[Int(byte & 0x0F)]])
    }
}
