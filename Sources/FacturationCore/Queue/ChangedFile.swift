/// A claimed file whose size, modification time, status-change time or inode changed after the
/// claim: its producer was still writing (it paused longer than the settle window).
///
/// The file is compared with what it was at the claim after it has been read, before its rows
/// reach the ledgers, and again before it is marked as imported, so a file is never archived
/// under a hash that its bytes no longer have. It then goes back to the inbox (``FileProcessor``).
struct ChangedFile: Error, CustomStringConvertible {
    /// When the change was noticed.
    enum Step: String {
        case scan = "while it was being read"
        case conversion = "after it was read"
        case merge = "while its rows were being added to the ledgers"
    }

    let step: Step
    let sizeBefore: Int64
    let sizeAfter: Int64

    var description: String {
        "the file changed \(step.rawValue) (size \(sizeBefore) → \(sizeAfter) bytes): whoever writes it was not done"
    }
}

/// The facts of a file that move when it is written.
struct FileSnapshot: Equatable {
    let size: Int64
    let modified: Int64
    let changed: Int64
    let inode: UInt64

    init(path: String) {
        let status = Storage.status(path)
        size = status?.size ?? -1
        modified = status?.modified ?? -1
        changed = status?.changed ?? -1
        inode = status?.inode ?? 0
    }

    /// Throws ``ChangedFile`` when the file at the claim's path is no longer what it was, or when
    /// the scan read more or fewer bytes than the file had.
    func check(_ claim: Claim, scannedSize: Int64, step: ChangedFile.Step) throws {
        let now = FileSnapshot(path: claim.originalPath)
        if now != self || scannedSize != size {
            throw ChangedFile(step: step, sizeBefore: size, sizeAfter: now.size)
        }
    }
}
