#if canImport(Glibc)
import Glibc
#endif

/// A scratch file written from many pieces of memory where they lie: each ``write(_:)`` only
/// notes the piece, and up to ``piecesPerCall`` of them go to the kernel in one `writev`.
///
/// Why: a sort run's records already sit in the sorter's arena in the run file's format
/// (``RunFormat``); copying each into a write buffer first cost as much as the kernel's own copy
/// (issue #9, the 1 GB Clockify `run`). The pieces must stay valid and unchanged until the next
/// call that writes (``write(_:)`` once ``piecesPerCall`` are noted, ``close()``).
final class GatherFile {
    /// Pieces per `writev` (the kernel's IOV_MAX).
    static let piecesPerCall = 1024

    let path: String
    private let descriptor: Int32
    private var pieces: [iovec]
    private var noted = 0
    private var closed = false

    /// Creates (or truncates) the file.
    init(path: String) throws(StorageError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .system("create", path) }
        self.path = path
        descriptor = fd
        pieces = [iovec](repeating: iovec(), count: Self.piecesPerCall)
    }

    deinit { if !closed { Glibc.close(descriptor) } }

    /// Appends `bytes` (written by this call or a later one: they must stay valid until then).
    func write(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        guard let base = bytes.baseAddress, !bytes.isEmpty else { return }
        pieces[noted] = iovec(iov_base: UnsafeMutableRawPointer(mutating: base), iov_len: bytes.count)
        noted += 1
        if noted == Self.piecesPerCall { try flush() }
    }

    /// Writes the pieces noted, going on after a short write from where it stopped.
    private func flush() throws(StorageError) {
        var first = 0
        while first < noted {
            let written = pieces.withUnsafeMutableBufferPointer { all in
                writev(descriptor, all.baseAddress! + first, Int32(noted - first))
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw .system("write", path)
            }
            if written == 0 { throw StorageError(operation: "write", path: path, code: 0, detail: "nothing written") }
            var rest = written
            while first < noted, rest >= pieces[first].iov_len {
                rest -= pieces[first].iov_len
                first += 1
            }
            if rest > 0 {
                pieces[first].iov_base += rest
                pieces[first].iov_len -= rest
            }
        }
        noted = 0
    }

    /// Writes what is noted and closes the file.
    func close() throws(StorageError) {
        guard !closed else { return }
        try flush()
        closed = true
        if Glibc.close(descriptor) != 0 { throw .system("close", path) }
    }
}
