#if canImport(Glibc)
import Glibc
#endif

/// Finds the inbox files that are complete and may be claimed.
///
/// Ignored: names starting with `.` or ending in `.part`, `.tmp`, `.crdownload` or `~`
/// (files still being written by a browser or a copy tool), folders, and symbolic links.
/// A file is taken only if its size, mtime and ctime do not change during the settle window.
package struct InboxScanner {
    /// A file seen in an inbox.
    package struct Entry: Sendable, Equatable {
        /// The path for messages (the name escaped when it is not text; see ``InboxName``).
        package let path: String
        package let name: InboxName
        /// The path as it is on disk.
        package let raw: RawPath
        package let status: Storage.Status
    }

    /// A file left in the inbox this time, and why.
    package struct Waiting: Sendable, Codable, Equatable {
        package let path: String
        package let reason: String
    }

    /// True for names that mark a file still being written, or a hidden file.
    package static func isIgnoredName(_ name: String) -> Bool {
        name.hasPrefix(".") || name.hasSuffix(".part") || name.hasSuffix(".tmp") || name.hasSuffix(".crdownload")
            || name.hasSuffix("~")
    }

    /// Lists the candidate files of a folder, and the entries it leaves alone (with reasons).
    package static func candidates(
        in folder: String, relativeTo root: String,
        ignoringFolders: Set<String> = []
    ) throws(StorageError) -> (files: [Entry], waiting: [Waiting]) {
        var files: [Entry] = []
        var waiting: [Waiting] = []
        guard Storage.isDirectory(folder) else { return ([], []) }
        // Names are read as bytes: a name that is not UTF-8 must be claimed like any other.
        for rawName in try Storage.listRawNames(folder) {
            let raw = RawPath(folder: folder, name: rawName)
            let inboxName = InboxName(raw: rawName)
            let name = inboxName.shown
            let path = Path.join(folder, name)
            guard let status = Storage.status(raw) else { continue }
            let shown = Path.relative(path, to: root)
            if name == "README.md" || name == "README.txt" { continue }
            if status.isDirectory {
                if !ignoringFolders.contains(name), !name.hasPrefix(".") {
                    waiting.append(Waiting(path: shown, reason: "folders are not read: drop the files themselves"))
                }
                continue
            }
            if isIgnoredName(name) {
                if !name.hasPrefix(".") {
                    waiting.append(
                        Waiting(
                            path: shown,
                            reason: "still being written (temporary name); it will be "
                                + "taken once renamed"))
                }
                continue
            }
            if status.isSymbolicLink || !status.isRegularFile {
                waiting.append(Waiting(path: shown, reason: "not a regular file (a link?): copy the file itself"))
                continue
            }
            files.append(Entry(path: path, name: inboxName, raw: raw, status: status))
        }
        return (files, waiting)
    }

    /// Keeps the files whose size, mtime and ctime did not change during `settleSeconds`.
    ///
    /// Sleeps once for the whole batch (not at all when `files` is empty or the window is 0).
    package static func settled(
        _ files: [Entry], settleSeconds: Double, relativeTo root: String
    )
        -> (ready: [Entry], waiting: [Waiting])
    {
        guard !files.isEmpty else { return ([], []) }
        if settleSeconds > 0 {
            Sleep.seconds(settleSeconds)
        }
        var ready: [Entry] = []
        var waiting: [Waiting] = []
        for file in files {
            guard let now = Storage.status(file.raw) else { continue }
            if now.size == file.status.size, now.modified == file.status.modified, now.changed == file.status.changed,
                now.inode == file.status.inode
            {
                ready.append(file)
            } else {
                waiting.append(
                    Waiting(
                        path: Path.relative(file.path, to: root),
                        reason: "still changing (being written); it will be taken by a later run"))
            }
        }
        ready.sort { ($0.status.modified, $0.name.shown) < ($1.status.modified, $1.name.shown) }
        return (ready, waiting)
    }
}
