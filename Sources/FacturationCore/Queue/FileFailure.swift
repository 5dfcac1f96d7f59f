#if canImport(Glibc)
import Glibc
#endif

/// Sorts the errors thrown while one file is processed into the file's own problems and the
/// workspace's.
///
/// The rule (README, "The folder protocol"): a failure that concerns only this file ends with
/// the file rejected with a reason, and the run goes on with the other files and with
/// invoicing. A failure of the workspace itself (disk full, I/O error, read-only file system,
/// permissions on the workspace's folders, a damaged archive) stops the run: the file stays in
/// `work/` and the next run resumes it once the cause is fixed.
enum FileFailure {
    /// The rejection for `error`, or nil when the error is the workspace's and must stop the run.
    static func rejection(for error: any Error, claim: Claim) -> Rejection? {
        switch error {
        case let error as Rejection:
            return error
        case let error as StorageError:
            return unreadable(error, claim: claim)
        case is LedgerError:
            return nil
        case let error as FacturationError where error.kind.stopsTheRun:
            return nil
        default:
            // Anything else was raised by the file's content in code that should have turned it
            // into a precise rejection: say so, keep the file, and let the others through.
            return Rejection(
                format: nil, summary: "the file could not be read because of an unexpected problem (\(error))",
                advice: "Check the file; if it looks right, keep it and report this message: it is a defect "
                    + "of facturation. Dropping the file again retries it.")
        }
    }

    /// The claimed file itself cannot be opened or read by the service user (not its folder), or is
    /// no longer a regular file (a link or a FIFO swapped in after the inbox was scanned).
    private static func unreadable(_ error: StorageError, claim: Claim) -> Rejection? {
        guard error.path == claim.originalPath else { return nil }
        if error.code == StorageError.notRegularFile {
            return Rejection(
                format: nil,
                summary: "this is not a regular file (a link or a pipe took the file's place after it was seen)",
                advice: "Drop the file itself into inbox/, not a link to it. Nothing from it was imported.")
        }
        guard error.code == EACCES || error.code == EPERM else { return nil }
        return Rejection(
            format: nil,
            summary:
                "the file cannot be read by the user running facturation (\(String(cString: strerror(error.code))))",
            advice: "Make the file readable for that user (for example `chmod a+r` on it, or have the program that "
                + "writes it create readable files), then drop it into inbox/ again. Nothing from it was imported.")
    }
}
