import Foundation

/// The subfolders of each folder of a tree, kept with the folder's identity, so that the run
/// stamp's walk of the outbox does not list a folder whose entries have not changed.
///
/// Why: the stamp records every folder of the outbox, and finding them listed each folder in
/// full: `outbox/invoices/` holds one PDF per invoice (24,200 files at 10 years, no subfolder),
/// read only to learn it has no subfolder (README, "Benchmark results", issue #9).
///
/// A folder whose ``FolderIdentity`` is the one recorded has the subfolders recorded (a subfolder
/// made, deleted or replaced by a file of the same name moves it). A folder whose times are within
/// ``RunStamp/racyWindow`` of the walk is not kept (a change in the same clock tick could leave
/// them equal); it is listed again next time. Derived data in `archive/checkpoints/`, keyed by
/// the binary: missing, damaged or from another build, every folder is listed.
struct FolderTreeCache: Codable, Equatable {
    /// One folder's identity and its subfolders' names, in name order.
    struct Folder: Codable, Equatable {
        var identity: FolderIdentity
        var subfolders: [String]
    }

    var binary: String
    /// By path relative to the workspace.
    var folders: [String: Folder]

    static func path(in layout: ArchiveLayout) -> String { layout.outboxFolders }

    /// `root` and every folder below it, depth first, in name order (what listing every folder
    /// gives); updates the cache on disk when a folder was listed and its times can be trusted.
    static func folders(under root: String, layout: ArchiveLayout) throws -> [String] {
        let base = layout.workspace.root
        let known = load(layout)
        var walked = FolderTreeCache(binary: known.binary, folders: [:])
        var result: [String] = []
        func visit(_ path: String) throws {
            result.append(path)
            // As before the cache: a path that is not a folder itself (missing, a file, a link) is
            // recorded and not followed.
            guard let status = Storage.status(path), status.isDirectory else { return }
            let key = Path.relative(path, to: base)
            let identity = FolderIdentity(status)
            var folder = Folder(identity: identity, subfolders: [])
            if let cached = known.folders[key], cached.identity == identity {
                folder.subfolders = cached.subfolders
            } else {
                folder.subfolders = try Storage.subfolders(of: path)
            }
            walked.folders[key] = folder
            for name in folder.subfolders { try visit(Path.join(path, name)) }
        }
        try visit(root)
        try walked.saveIfTrusted(replacing: known, layout: layout)
        return result
    }

    /// The cache on disk, or an empty one when it is missing, damaged or from another build.
    private static func load(_ layout: ArchiveLayout) -> FolderTreeCache {
        let binary = RunStamp.executableIdentity()
        guard let cache = FolderIdentity.checkpoint(FolderTreeCache.self, at: path(in: layout)), cache.binary == binary
        else { return FolderTreeCache(binary: binary, folders: [:]) }
        return cache
    }

    /// Writes the walk when it differs from the cache on disk, without the folders whose times
    /// are too recent to trust.
    private func saveIfTrusted(replacing known: FolderTreeCache, layout: ArchiveLayout) throws {
        let now = Clock.system.now()
        var kept = self
        kept.folders = folders.filter { $0.value.identity.isTrusted(now: now) }
        guard kept != known else { return }
        try Storage.replaceJSON(kept, at: Self.path(in: layout), temporaryDirectory: layout.temporary)
    }
}

/// What a folder's own `stat` says of its entries: its inode and its modification and change
/// times move whenever an entry is added, removed or renamed in it, and the change time cannot be
/// set back by a person. Equal identities, when the times were older than ``RunStamp/racyWindow``
/// when recorded, mean the same entries (names and types; not the files' contents).
struct FolderIdentity: Codable, Equatable {
    var inode: UInt64
    var modified: Int64
    var changed: Int64

    init(_ status: Storage.Status) {
        inode = status.inode
        modified = status.modified
        changed = status.changed
    }

    /// The identity of `path` when it is a folder (not followed when it is a link).
    init?(of path: String) {
        guard let status = Storage.status(path), status.isDirectory else { return nil }
        self.init(status)
    }

    /// Whether both times are far enough from `now` that a change in the same clock tick is ruled out.
    func isTrusted(now: Clock.Instant) -> Bool {
        let threshold = now.seconds * 1_000_000_000 + Int64(now.nanoseconds) - RunStamp.racyWindow
        return modified < threshold && changed < threshold
    }

    /// A derived checkpoint as decoded, or nil when it is missing or damaged (it is then rebuilt).
    static func checkpoint<Value: Decodable>(_ type: Value.Type, at path: String) -> Value? {
        guard Storage.exists(path) else { return nil }
        return try? FacturationError.decode(type, at: path, limit: 16 << 20)
    }
}
