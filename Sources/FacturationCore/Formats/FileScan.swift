#if canImport(Glibc)
import Glibc
#endif

/// What one pass over a file's raw bytes tells: its identity (SHA-256), its size, its text
/// encoding and whether it looks binary.
package struct FileScan: Sendable {
    package let sha256: String
    package let size: Int64
    /// The text encoding, or nil when the file is not text (contains NUL bytes outside UTF-16).
    package let encoding: TextEncoding?
    /// The first bytes of the file (up to 64 KiB), for format sniffing.
    package let head: [UInt8]
    /// Where the first NUL (zero) byte is, when there is one: no text export holds one, so a
    /// rejection names it (a copy cut short or a disk error shows as a run of zero bytes).
    package var firstNUL: Int64? = nil

    /// Reads the whole file once, hashing it and deciding its encoding.
    ///
    /// - Parameter progress: called with the number of bytes read so far.
    package static func scan(path: String, progress: ((Int64) -> Void)? = nil) throws(StorageError) -> FileScan {
        let file = try InputFile(path: path)
        let hasher = SHA256Hasher()
        // Large files are hashed on a second thread while this one validates the encoding.
        let hashing =
            file.size >= 8 << 20
            ? BackgroundWorker<([UInt8], Int)>(limit: 2, name: "scan-sha256") { chunk, count in
                chunk.withUnsafeBytes { hasher.update(UnsafeRawBufferPointer(rebasing: $0.prefix(count))) }
            }
            : nil
        defer { try? hashing?.finish() }
        var validator = UTF8Validator()
        var head: [UInt8] = []
        var total: Int64 = 0
        var firstNUL: Int64?
        while true {
            var buffer = [UInt8](repeating: 0, count: 1 << 20)
            let count = try file.read(into: &buffer)
            if count == 0 { break }
            if let hashing {
                // The worker never fails, so submit never throws.
                try? hashing.submit((buffer, count))
            }
            buffer.withUnsafeBytes { raw in
                let chunk = UnsafeRawBufferPointer(rebasing: raw.prefix(count))
                if hashing == nil { hasher.update(chunk) }
                validator.feed(chunk)
                if firstNUL == nil, let offset = Self.offsetOfNUL(chunk) { firstNUL = total + Int64(offset) }
            }
            if head.count < 65_536 { head.append(contentsOf: buffer[0..<min(count, 65_536 - head.count)]) }
            total += Int64(count)
            progress?(total)
        }
        try? hashing?.finish()
        validator.finish()
        return FileScan(
            sha256: hasher.finishHex(), size: total,
            encoding: decideEncoding(head: head, validator: validator, sawNUL: firstNUL != nil), head: head,
            firstNUL: firstNUL)
    }

    private static func offsetOfNUL(_ bytes: UnsafeRawBufferPointer) -> Int? {
        guard let base = bytes.baseAddress, let found = memchr(base, 0, bytes.count) else { return nil }
        return base.distance(to: UnsafeRawPointer(found))
    }

    private static func decideEncoding(head: [UInt8], validator: UTF8Validator, sawNUL: Bool) -> TextEncoding? {
        if head.count >= 2, head[0] == 0xFF, head[1] == 0xFE { return .utf16LittleEndian }
        if head.count >= 2, head[0] == 0xFE, head[1] == 0xFF { return .utf16BigEndian }
        if sawNUL {
            // UTF-16 without a byte-order mark: every other byte of ASCII text is NUL.
            let sample = head.prefix(512)
            let evenNULs = stride(from: 0, to: sample.count, by: 2).filter { sample[$0] == 0 }.count
            let oddNULs = stride(from: 1, to: sample.count, by: 2).filter { sample[$0] == 0 }.count
            let half = sample.count / 2
            if half > 8, oddNULs > half * 9 / 10, evenNULs == 0 { return .utf16LittleEndian }
            if half > 8, evenNULs > half * 9 / 10, oddNULs == 0 { return .utf16BigEndian }
            return nil
        }
        if head.count >= 3, head[0] == 0xEF, head[1] == 0xBB, head[2] == 0xBF {
            return validator.isValidSoFar ? .utf8WithBOM : .windows1252
        }
        return validator.isValidSoFar ? .utf8 : .windows1252
    }
}
