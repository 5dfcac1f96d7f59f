#if canImport(Glibc)
import Glibc
#endif

/// A file created (or truncated) for writing raw bytes; the caller buffers.
final class BinaryFileOutput {
    let path: String
    private var descriptor: Int32
    private(set) var bytesWritten: Int64 = 0

    init(path: String) throws(BenchError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw BenchError("cannot create \(path): \(String(cString: strerror(errno)))") }
        self.path = path
        descriptor = fd
    }

    deinit { if descriptor >= 0 { Glibc.close(descriptor) } }

    func write(_ bytes: UnsafeRawBufferPointer) throws(BenchError) {
        var offset = 0
        while offset < bytes.count {
            let count = Glibc.write(descriptor, bytes.baseAddress.map { $0 + offset }, bytes.count - offset)
            if count < 0 {
                if errno == EINTR { continue }
                throw BenchError("cannot write \(path): \(String(cString: strerror(errno)))")
            }
            offset += count
        }
        bytesWritten += Int64(bytes.count)
    }

    /// Closes the file and returns its size.
    func close() throws(BenchError) -> Int64 {
        let result = Glibc.close(descriptor)
        descriptor = -1
        if result != 0 { throw BenchError("cannot close \(path): \(String(cString: strerror(errno)))") }
        return bytesWritten
    }
}
