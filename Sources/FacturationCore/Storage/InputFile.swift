#if canImport(Glibc)
import Glibc
#endif

/// A file opened for sequential reading, closed when the value is released.
package final class InputFile {
    package let path: String
    package let size: Int64
    /// The status of the file opened (`fstat` of its descriptor): the identity of the bytes this
    /// reader gives, whatever the path names by the time it is looked at again.
    package let status: Storage.Status
    private let descriptor: Int32

    /// Opens a regular file (a link to one is followed: a pipeline file may be a link). Anything
    /// else is refused, and never waited on: a FIFO put where a file was would block a plain open
    /// forever, so the open is non-blocking and what was opened is checked.
    package init(path: String) throws(StorageError) {
        let fd = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { throw .system("open", path) }
        var info = stat()
        guard fstat(fd, &info) == 0 else {
            let error = StorageError.system("inspect", path)
            close(fd)
            throw error
        }
        guard (info.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            throw StorageError(
                operation: "open", path: path, code: StorageError.notRegularFile,
                detail: "not a regular file")
        }
        // Reads block as usual (the flag only kept a FIFO from blocking the open).
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        self.path = path
        self.descriptor = fd
        self.size = Int64(info.st_size)
        self.status = Storage.Status(info)
        #if os(Linux)
        // Read-ahead matters for large files only; a small one (a match file, a record) would pay
        // one more system call each (133,191 match files for the FEC of 1,000,000 lines).
        if info.st_size > 1 << 20 { _ = posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL) }
        #endif
    }

    deinit { close(descriptor) }

    /// Reads up to `buffer.count - offset` bytes into `buffer` from `offset` and returns how many
    /// were read (0 at the end).
    package func read(into buffer: inout [UInt8], at offset: Int) throws(StorageError) -> Int {
        precondition(offset >= 0 && offset <= buffer.count, "read past the buffer")
        while true {
            let count = buffer.withUnsafeMutableBytes {
                Glibc.read(descriptor, $0.baseAddress.map { $0 + offset }, $0.count - offset)
            }
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw .system("read", path)
        }
    }

    /// Reads up to `buffer.count` bytes into `buffer` and returns how many were read (0 at the end).
    package func read(into buffer: inout [UInt8]) throws(StorageError) -> Int {
        let capacity = buffer.count
        while true {
            let count = buffer.withUnsafeMutableBytes { Glibc.read(descriptor, $0.baseAddress, capacity) }
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw .system("read", path)
        }
    }

    /// Reads up to `buffer.count` bytes into raw memory and returns how many were read (0 at the end).
    package func read(into buffer: UnsafeMutableRawBufferPointer) throws(StorageError) -> Int {
        while true {
            let count = Glibc.read(descriptor, buffer.baseAddress, buffer.count)
            if count >= 0 { return count }
            if errno == EINTR { continue }
            throw .system("read", path)
        }
    }

    /// Reads `count` bytes at `offset` (`pread`: the read position is untouched, so several
    /// threads may read one file at once); fewer only at the end of the file.
    package func read(into buffer: inout [UInt8], at offset: Int64, count: Int) throws(StorageError) -> Int {
        precondition(count <= buffer.count, "a positioned read larger than its buffer")
        var done = 0
        while done < count {
            let got = buffer.withUnsafeMutableBytes {
                pread(descriptor, $0.baseAddress! + done, count - done, off_t(offset + Int64(done)))
            }
            if got == 0 { break }
            if got < 0 {
                if errno == EINTR { continue }
                throw .system("read", path)
            }
            done += got
        }
        return done
    }

    /// Moves the read position back to the start of the file.
    package func rewind() throws(StorageError) {
        guard lseek(descriptor, 0, SEEK_SET) == 0 else { throw .system("rewind", path) }
    }

    /// Moves the read position to `offset` bytes from the start of the file.
    package func seek(to offset: Int64) throws(StorageError) {
        guard lseek(descriptor, off_t(offset), SEEK_SET) == off_t(offset) else { throw .system("seek", path) }
    }
}
