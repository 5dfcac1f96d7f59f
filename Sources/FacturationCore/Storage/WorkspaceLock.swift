#if canImport(Glibc)
import Glibc
#endif

/// An exclusive `flock` on the workspace's lock file: one run per workspace at a time.
///
/// The kernel releases the lock when the process ends, however it ends (even `kill -9`), so a
/// crashed run never blocks the next one. The lock file itself is never deleted.
package final class WorkspaceLock {
    private let descriptor: Int32
    package let path: String

    /// Takes the lock, or returns nil when another process holds it.
    package init?(path: String) throws(StorageError) {
        let fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .system("open the lock file", path) }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            let code = errno
            close(fd)
            if code == EWOULDBLOCK { return nil }
            throw StorageError(operation: "lock", path: path, code: code)
        }
        self.descriptor = fd
        self.path = path
        let pid = "\(getpid())\n"
        _ = ftruncate(fd, 0)
        _ = pid.withCString { pwrite(fd, $0, strlen($0), 0) }
    }

    /// The process id written by the current holder, if readable.
    package static func holder(path: String) -> String? {
        guard let text = try? Storage.readText(path, limit: 64) else { return nil }
        let pid = text.trimming(" \n")
        return pid.isEmpty ? nil : pid
    }

    deinit {
        flock(descriptor, LOCK_UN)
        close(descriptor)
    }
}
