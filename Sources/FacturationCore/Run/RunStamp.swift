import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Whether anything a pipeline's later stages read has changed since its last complete run.
///
/// Invoicing, payments, accounting and reconciliation are functions of the pipeline file, the
/// run's date, the ledgers, the invoicing and payment records, and the outbox (a file someone
/// took away comes back). After a run that finished without error, the stamp records the
/// identity (inode, size, modification time) of each of those folders and ledger files; the next
/// run of the same day with the same binary compares, with a few hundred `stat` calls, and skips
/// those stages when nothing moved. A cron run every few minutes then costs the same after ten
/// years as on the first day.
///
/// Folder times move whenever an entry is added, removed or renamed, which is how every record,
/// ledger and outbox file is written (temporary name, then rename). As in git's index ("racy"
/// entries), a time within ``racyWindow`` of the moment the stamp is taken is not trusted, since a
/// change in the same clock tick would leave it equal: such a stamp is not written, and the next
/// run does the full work. A missing or damaged stamp only means the full work is done.
struct RunStamp: Codable, Equatable {
    /// Identity of what the stamp covers.
    struct Entry: Codable, Equatable {
        var path: String
        var inode: UInt64
        var size: Int64
        var modified: Int64
    }

    var today: String
    /// Identity of the executable: another build may derive other outputs.
    var binary: String
    /// SHA-256 of the pipeline file.
    var pipelineFile: String
    /// The pipeline's inbox and outbox, relative to the workspace: they move when a second
    /// pipeline is added (`outbox/<id>/`), and the outputs must then be delivered there.
    var folders: String
    var entries: [Entry]

    /// Seconds within which a modification time is too close to trust.
    static let racyWindow: Int64 = 2_000_000_000

    static func path(in layout: ArchiveLayout) -> String { layout.runStamp }

    /// The stamp of the workspace as it is now.
    static func current(_ layout: ArchiveLayout, today: CivilDate) throws -> RunStamp {
        let pipelineBytes = try Storage.read(pipelineFile(layout), limit: 16 << 20)
        return RunStamp(
            today: today.description, binary: executableIdentity(),
            pipelineFile: pipelineBytes.withUnsafeBytes { SHA256Hasher.hex($0) },
            folders: folders(layout), entries: try watched(layout))
    }

    /// True when `layout`'s stamp on disk still describes the workspace.
    ///
    /// Only the recorded paths are checked (no folder is listed): a folder, file or ledger added
    /// anywhere moves the time of a recorded folder.
    static func isUnchanged(_ layout: ArchiveLayout, today: CivilDate) throws -> Bool {
        // A queued e-mail may be due for another attempt: time alone changes what the run does.
        if try Storage.listIfPresent(layout.inOutbox(layout.sendQueueOutbox)).contains(where: { $0.hasSuffix(".eml") })
        {
            return false
        }
        let path = path(in: layout)
        guard Storage.exists(path),
            let recorded = try? FacturationError.decode(RunStamp.self, at: path, limit: 16 << 20)
        else { return false }
        guard recorded.today == today.description, recorded.binary == executableIdentity(),
            recorded.folders == folders(layout)
        else { return false }
        let pipelineBytes = try Storage.read(pipelineFile(layout), limit: 16 << 20)
        guard recorded.pipelineFile == pipelineBytes.withUnsafeBytes({ SHA256Hasher.hex($0) }) else { return false }
        return recorded.entries.allSatisfy { entry in
            entry == Self.entry(Path.join(layout.workspace.root, entry.path), root: layout.workspace.root)
        }
    }

    private static func entry(_ path: String, root: String) -> Entry {
        let status = Storage.status(path)
        return Entry(
            path: Path.relative(path, to: root), inode: status?.inode ?? 0, size: status?.size ?? -1,
            modified: status?.modified ?? 0)
    }

    /// Records the stamp after a complete run; removes the old one instead when a time is too
    /// recent to trust (see ``racyWindow``).
    static func record(_ layout: ArchiveLayout, today: CivilDate) throws {
        let path = path(in: layout)
        let stamp = try current(layout, today: today)
        let now = Clock.system.now()
        let threshold = now.seconds * 1_000_000_000 + Int64(now.nanoseconds) - racyWindow
        guard stamp.entries.allSatisfy({ $0.modified < threshold }) else {
            Storage.removeDerived(path)
            return
        }
        try Storage.replaceJSON(stamp, at: path, temporaryDirectory: layout.temporary)
    }

    /// The folders and files the stamp covers, in a fixed order.
    private static func watched(_ layout: ArchiveLayout) throws -> [Entry] {
        var entries: [Entry] = []
        func add(_ path: String) { entries.append(entry(path, root: layout.workspace.root)) }
        // Ledgers: every folder and file (a ledger edited in place keeps its folder's time).
        add(layout.ledgers)
        for kind in LedgerKind.allCases {
            let folder = Path.join(layout.ledgers, kind.rawValue)
            add(folder)
            for name in try Storage.listIfPresent(folder) { add(Path.join(folder, name)) }
        }
        // Records: immutable files in folders whose time moves with each one added.
        for folder in [
            layout.invoicing, layout.issued, layout.drafts, layout.decisions, layout.oxygeneBatches,
            layout.oxygeneRegisters, layout.confirmedNumbers, layout.confirmationRequests,
            layout.payments, layout.matches, layout.dunning, layout.reminderDecisions, layout.reminderHolds,
            // A reply imported alone must wake the reply stage (and the dunning a dispute holds).
            layout.replies, layout.replyMessages,
        ] {
            add(folder)
        }
        for year in try Storage.listIfPresent(layout.issued) { add(Path.join(layout.issued, year)) }
        // The outbox: every folder (a file taken away or added moves its folder's time).
        // Known from the last walk for the folders whose times have not moved (``FolderTreeCache``).
        for folder in try FolderTreeCache.folders(under: layout.outbox, layout: layout) { add(folder) }
        return entries
    }

    /// Where the pipeline's files are dropped and delivered, relative to the workspace.
    private static func folders(_ layout: ArchiveLayout) -> String {
        Path.relative(layout.inbox, to: layout.workspace.root) + "|"
            + Path.relative(layout.outbox, to: layout.workspace.root)
    }

    /// The pipeline file (its configured name is relative to the workspace).
    private static func pipelineFile(_ layout: ArchiveLayout) -> String {
        let file = layout.pipeline.file
        return file.hasPrefix("/") ? file : Path.join(layout.workspace.root, file)
    }

    /// Inode, size, modification and change times of the running executable. The change time
    /// too: a binary rewritten in place (`cp` over it keeps the inode) with its size and
    /// modification time put back would otherwise keep every checkpoint another build wrote.
    static func executableIdentity() -> String {
        var info = stat()
        guard stat("/proc/self/exe", &info) == 0 else { return "unknown" }
        return "\(info.st_ino)|\(info.st_size)|\(info.st_mtim.tv_sec).\(info.st_mtim.tv_nsec)"
            + "|\(info.st_ctim.tv_sec).\(info.st_ctim.tv_nsec)"
    }
}
