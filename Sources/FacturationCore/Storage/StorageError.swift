#if canImport(Glibc)
import Glibc
#endif

/// A file-system operation that failed, with the path, the operation and the system's reason.
///
/// Storage errors are never a problem with the user's data: the run stops, the file being
/// processed stays claimed in `work/`, and the next run resumes it once the cause is fixed.
package struct StorageError: Error, Sendable, CustomStringConvertible {
    /// What was attempted, in words ("rename", "write", "fsync", …).
    package let operation: String
    /// The path (or "from → to" pair) the operation was applied to.
    package let path: String
    /// The `errno` value reported by the system, or 0 when the failure was not a system call.
    package let code: Int32
    /// An optional extra explanation.
    package let detail: String?

    package init(operation: String, path: String, code: Int32, detail: String? = nil) {
        self.operation = operation
        self.path = path
        self.code = code
        self.detail = detail
    }

    /// Captures the current `errno` for a failed system call.
    static func system(_ operation: String, _ path: String) -> StorageError {
        StorageError(operation: operation, path: path, code: errno)
    }

    /// The code of a path that is not a regular file where one was expected (``InputFile``): there is
    /// no `errno` for it, and ENODEV ("No such device") is never returned by the calls we make.
    package static let notRegularFile: Int32 = ENODEV

    /// True when the failure means "the destination already exists".
    package var isAlreadyExists: Bool { code == EEXIST }

    /// True when the failure means "no such file or directory".
    package var isNotFound: Bool { code == ENOENT }

    package var description: String {
        var text = "cannot \(operation) '\(path)'"
        if code != 0 { text += ": " + String(cString: strerror(code)) }
        if let detail { text += " (\(detail))" }
        switch code {
        case ENOSPC: text += ". The disk is full: free some space and run again; nothing was lost."
        case EROFS: text += ". The file system is read-only: remount it read-write and run again."
        case EACCES, EPERM:
            text +=
                ". Check the permissions of this path (and of the folders above it) for the user running facturation."
        case EXDEV: text += ". The workspace folders must be on one file system."
        case EISDIR, ENOTEMPTY:
            text +=
                ". A folder is in the way where this file goes: move it out of the workspace, then run again"
                + " (what is under archive/checkpoints/ is derived from the records and made again)."
        case ENOTDIR:
            text +=
                ". A file is in the way where a folder goes: move it out of the workspace, then run again"
                + " (what is under archive/checkpoints/ is derived from the records and made again)."
        default: break
        }
        return text
    }
}
