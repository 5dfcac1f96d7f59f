/// The header of a derived file written as lines of text followed by a body, the last line naming
/// the body's SHA-256 (`body-sha256 <hex>`): how ``ClosedYearsHistory`` and ``MatchPack`` tell a
/// whole file from a truncated or damaged one.
enum CheckedHeader {
    /// `lines` (each without its line feed), the checksum line of `body`, then `body`: what
    /// ``read(_:lines:)`` reads back.
    static func bytes(_ lines: [String], body: [UInt8]) -> [UInt8] {
        let checksum = "body-sha256 " + body.withUnsafeBytes { SHA256Hasher.hex($0) }
        return Array((lines + [checksum]).map { $0 + "\n" }.joined().utf8) + body
    }

    /// The first `count` lines (the checksum line last) and the body's offset when the body's SHA-256
    /// is the one the last line names; nil otherwise.
    static func read(_ bytes: [UInt8], lines count: Int) -> (lines: [String], body: Int)? {
        var lines: [String] = []
        var offset = 0
        while lines.count < count {
            guard let end = bytes[offset...].firstIndex(of: 0x0A) else { return nil }
            lines.append(String(decoding: bytes[offset..<end], as: UTF8.self))
            offset = end + 1
        }
        guard lines.last == "body-sha256 " + bytes[offset...].withUnsafeBytes({ SHA256Hasher.hex($0) }) else {
            return nil
        }
        return (lines, offset)
    }
}
