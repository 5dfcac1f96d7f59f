import Foundation

/// An outbox file as the pipeline last hashed it: what its `stat` said (device, inode, size,
/// modification and change times) and the SHA-256 of its bytes then.
///
/// Why (issue #9): checking that a closed month's FEC is still the one delivered hashed the outbox
/// file on every full pass (120 files after ten years). While a file's `stat` is the recorded one,
/// its bytes are those hashed: writing to it moves its change time, which a person cannot set back
/// (`touch -r` sets the modification time, and moves the change time too), and a file put in its
/// place has another inode. A copy is recorded only when both times were older than
/// ``RunStamp/racyWindow`` when the file was hashed: a write in the same clock tick as the
/// recorded times could leave them equal (as ``FolderIdentity``).
package struct DeliveredCopy: Codable, Equatable, Sendable {
    var device: UInt64
    var inode: UInt64
    var size: Int64
    var modified: Int64
    var changed: Int64
    var sha256: String

    init(_ status: Storage.Status, sha256: String) {
        device = status.device
        inode = status.inode
        size = status.size
        modified = status.modified
        changed = status.changed
        self.sha256 = sha256
    }

    /// True when `status` is the recorded one: the file has the bytes that were hashed.
    func describes(_ status: Storage.Status) -> Bool {
        status.device == device && status.inode == inode && status.size == size && status.modified == modified
            && status.changed == changed
    }

    /// The SHA-256 of the file at `path`, whose status is `status`: `known`'s when it describes the
    /// file, else read from the file; and the copy to record (nil when the file's times are too
    /// recent to be trusted). The status is taken before the bytes are read: a write after it moves
    /// the times away from the recorded ones.
    static func hash(
        of path: String, status: Storage.Status, known: DeliveredCopy?
    ) throws(StorageError) -> (sha256: String, copy: DeliveredCopy?) {
        if let known, known.describes(status) { return (known.sha256, known) }
        let sha256 = try Storage.sha256(of: path)
        let trusted = FolderIdentity(status).isTrusted(now: Clock.system.now())
        return (sha256, trusted ? DeliveredCopy(status, sha256: sha256) : nil)
    }
}
