#if canImport(Glibc)
import Glibc
#endif

/// Writes a CSV file row by row through a 1 MiB buffer, so files of any size can be generated
/// without holding them in memory.
final class CSVFileWriter {
    /// How fields are quoted.
    enum Quoting {
        /// Every field in double quotes (Clockify).
        case always
        /// Only fields holding the separator, a quote or a line break (Qonto).
        case whenNeeded
    }

    let path: String
    private let separator: UInt8
    private let quoting: Quoting
    private let descriptor: Int32
    private var buffer: [UInt8] = []
    private var atRowStart = true
    /// Bytes written so far (including what is still buffered).
    private(set) var bytesWritten: Int64 = 0

    init(path: String, separator: Character, quoting: Quoting) throws(BenchError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError("cannot create \(path): \(String(cString: strerror(errno)))") }
        self.path = path
        self.descriptor = fd
        self.separator = separator.asciiValue ?? UInt8(ascii: ",")
        self.quoting = quoting
        buffer.reserveCapacity(1 << 20 + 4096)
    }

    deinit { Glibc.close(descriptor) }

    /// Appends one field to the current row.
    func field(_ text: String) {
        if !atRowStart { buffer.append(separator) }
        atRowStart = false
        let utf8 = text.utf8
        let needsQuotes =
            quoting == .always
            || utf8.contains(where: { $0 == separator || $0 == 0x22 || $0 == 0x0A || $0 == 0x0D })
        guard needsQuotes else { buffer.append(contentsOf: utf8); return }
        buffer.append(0x22)
        for byte in utf8 {
            buffer.append(byte)
            if byte == 0x22 { buffer.append(0x22) }
        }
        buffer.append(0x22)
    }

    /// Ends the current row with LF.
    func endRow() throws(BenchError) {
        buffer.append(0x0A)
        atRowStart = true
        if buffer.count >= 1 << 20 { try flush() }
    }

    /// Writes what is buffered.
    func flush() throws(BenchError) {
        var offset = 0
        while offset < buffer.count {
            let count = buffer.withUnsafeBytes { raw in
                Glibc.write(descriptor, raw.baseAddress.map { $0 + offset }, raw.count - offset)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw BenchError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += count
        }
        bytesWritten += Int64(buffer.count)
        buffer.removeAll(keepingCapacity: true)
    }

    /// Bytes written including the buffered ones.
    var size: Int64 { bytesWritten + Int64(buffer.count) }
}
