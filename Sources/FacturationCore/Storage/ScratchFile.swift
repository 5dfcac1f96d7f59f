#if canImport(Glibc)
import Glibc
#endif

/// A buffered, non-durable file for intermediate data inside a claim's work folder.
///
/// Nothing in it is trusted after a crash: a resumed claim recomputes its scratch files, so
/// they are neither fsynced nor published atomically.
package final class ScratchFile {
    // Exclusivity: see ``ExclusivityNote`` (why the `@exclusivity(unchecked)` properties here are safe and needed).
    package let path: String
    private let descriptor: Int32
    /// The write buffer: append to it, then call ``flushIfFull()``.
    package let buffer = ByteBuffer(capacity: 1 << 21)
    /// Builds lines into ``buffer`` (one builder for the file's life, so its caches stay warm).
    @exclusivity(unchecked) package var line: CSVLineBuilder
    /// Lines written, counted by the writer.
    @exclusivity(unchecked) package var rows = 0
    @exclusivity(unchecked) private var closed = false

    /// Creates (or truncates) the file.
    package init(path: String) throws(StorageError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .system("create", path) }
        self.path = path
        self.descriptor = fd
        line = CSVLineBuilder(appendingTo: buffer)
    }

    deinit { if !closed { Glibc.close(descriptor) } }

    /// Appends bytes.
    package func write(_ bytes: [UInt8]) throws(StorageError) {
        bytes.withUnsafeBytes { buffer.append($0) }
        try flushIfFull()
    }

    /// Writes the buffer out once it holds 1 MiB or more.
    @inline(__always)
    package func flushIfFull() throws(StorageError) {
        if buffer.count >= 1 << 20 { try flush() }
    }

    private func flush() throws(StorageError) {
        var offset = 0
        let total = buffer.count
        while offset < total {
            let count = Glibc.write(descriptor, buffer.base + offset, total - offset)
            if count < 0 {
                if errno == EINTR { continue }
                throw .system("write", path)
            }
            offset += count
        }
        buffer.removeAll()
    }

    /// Flushes and closes the file.
    package func close() throws(StorageError) {
        guard !closed else { return }
        try flush()
        closed = true
        if Glibc.close(descriptor) != 0 { throw .system("close", path) }
    }
}
