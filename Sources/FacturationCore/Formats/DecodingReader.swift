#if canImport(Glibc)
import Glibc
#endif

/// Reads a file chunk by chunk and hands out its text as UTF-8 bytes, whatever its encoding
/// (the byte-order mark is removed; UTF-16 and Windows-1252 are transcoded).
package final class DecodingReader {
    package let encoding: TextEncoding
    private let file: InputFile
    private var raw: [UInt8]
    private var carry: [UInt8] = []
    private var started = false
    /// Raw bytes consumed so far (for progress reporting).
    package private(set) var bytesRead: Int64 = 0
    package var totalBytes: Int64 { file.size }
    /// The status of the file read (``InputFile/status``).
    package var fileStatus: Storage.Status { file.status }

    package init(path: String, encoding: TextEncoding, chunkSize: Int = 1 << 15) throws(StorageError) {
        self.file = try InputFile(path: path)
        self.encoding = encoding
        self.raw = [UInt8](repeating: 0, count: chunkSize)
    }

    /// Bytes `range` of a UTF-8 file (a piece of a ``CSVChunkPlan``), as they are: no byte-order
    /// mark is removed (the plan starts past it). Chunks end where the whole file's chunks end
    /// (multiples of `chunkSize` in the file), so the CSV reader's checks made at chunk ends (the
    /// longest field) see the same positions as when the whole file is read.
    package init(path: String, range: Range<Int64>, chunkSize: Int = 1 << 15) throws(StorageError) {
        self.file = try InputFile(path: path)
        self.encoding = .utf8
        self.raw = [UInt8](repeating: 0, count: chunkSize)
        position = range.lowerBound
        end = range.upperBound
        started = true
    }

    /// For a range: the next byte to read and the end of the range.
    private var position: Int64 = 0
    private var end: Int64?

    /// The next chunk of a range (see ``init(path:range:chunkSize:)``), or nil at its end.
    private func nextInRange(end: Int64) throws(StorageError) -> [UInt8]? {
        let chunkSize = Int64(raw.count)
        let wanted = Int(min(end, (position / chunkSize + 1) * chunkSize) - position)
        guard wanted > 0 else { return nil }
        var chunk = [UInt8](repeating: 0, count: wanted)
        let count = try file.read(into: &chunk, at: position, count: wanted)
        guard count == wanted else {
            throw StorageError(operation: "read", path: file.path, code: EIO, detail: "the file became shorter")
        }
        position += Int64(count)
        bytesRead += Int64(count)
        return chunk
    }

    /// Returns the next chunk of UTF-8 text, or nil at the end of the file.
    ///
    /// Chunks may end in the middle of a line or of a UTF-8 sequence; consumers must not assume otherwise.
    package func next() throws(StorageError) -> [UInt8]? {
        if let end { return try nextInRange(end: end) }
        while true {
            let count = try file.read(into: &raw)
            bytesRead += Int64(count)
            if count == 0 {
                if carry.isEmpty { return nil }
                // A dangling odd byte of UTF-16 or half a surrogate pair: emit a replacement character.
                carry.removeAll()
                return [0xEF, 0xBF, 0xBD]
            }
            var chunk = carry + raw[0..<count]
            carry.removeAll(keepingCapacity: true)
            if !started {
                started = true
                let skip = min(encoding.byteOrderMarkLength, chunk.count)
                chunk.removeFirst(skip)
            }
            let out: [UInt8]
            switch encoding {
            case .utf8, .utf8WithBOM:
                out = chunk
            case .windows1252:
                out = DecodingReader.windows1252ToUTF8(chunk)
            case .utf16LittleEndian, .utf16BigEndian:
                out = transcodeUTF16(chunk, bigEndian: encoding == .utf16BigEndian)
            }
            if !out.isEmpty { return out }
        }
    }

    private func transcodeUTF16(_ bytes: [UInt8], bigEndian: Bool) -> [UInt8] {
        var units: [UInt16] = []
        units.reserveCapacity(bytes.count / 2)
        var index = 0
        while index + 1 < bytes.count {
            let unit =
                bigEndian
                ? UInt16(bytes[index]) << 8 | UInt16(bytes[index + 1])
                : UInt16(bytes[index + 1]) << 8 | UInt16(bytes[index])
            units.append(unit)
            index += 2
        }
        // Keep an odd trailing byte, and a trailing high surrogate, for the next chunk.
        var keep = Array(bytes[index...])
        if let last = units.last, (0xD800...0xDBFF).contains(last) {
            units.removeLast()
            keep = Array(bytes[(index - 2)...])
        }
        carry = keep
        var out: [UInt8] = []
        out.reserveCapacity(units.count * 2)
        for scalar in String(decoding: units, as: UTF16.self).utf8 { out.append(scalar) }
        return out
    }

    /// Code points of bytes 0x80…0x9F in Windows-1252 (undefined bytes map to the C1 control point).
    private static let high: [UInt32] = [
        0x20AC, 0x81, 0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160, 0x2039, 0x0152, 0x8D,
        0x017D, 0x8F, 0x90, 0x2018, 0x2019, 0x201C, 0x201D, 0x2022, 0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A,
        0x0153, 0x9D, 0x017E, 0x0178,
    ]

    /// Transcodes Windows-1252 bytes to UTF-8.
    package static func windows1252ToUTF8(_ bytes: some Collection<UInt8>) -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(bytes.count + bytes.count / 8)
        for byte in bytes {
            if byte < 0x80 { out.append(byte); continue }
            let scalar = byte < 0xA0 ? high[Int(byte - 0x80)] : UInt32(byte)
            if scalar < 0x800 {
                out.append(UInt8(0xC0 | (scalar >> 6)))
                out.append(UInt8(0x80 | (scalar & 0x3F)))
            } else {
                out.append(UInt8(0xE0 | (scalar >> 12)))
                out.append(UInt8(0x80 | ((scalar >> 6) & 0x3F)))
                out.append(UInt8(0x80 | (scalar & 0x3F)))
            }
        }
        return out
    }
}
