import CSupport

#if canImport(Glibc)
import Glibc
#endif

/// The only code that changes the workspace on disk: claims, moves and publications are
/// atomic (`rename`), never replace an existing name unless asked to, and are made durable
/// (`fsync` of the file and of every directory whose entries changed) before they return.
package enum Storage {
    /// What `stat` says about a path.
    package struct Status: Sendable, Equatable {
        package let size: Int64
        /// Modification time in nanoseconds since the epoch.
        package let modified: Int64
        /// Status-change time (ctime) in nanoseconds since the epoch: moves when the mtime is set by hand.
        package let changed: Int64
        package let isDirectory: Bool
        package let isRegularFile: Bool
        package let isSymbolicLink: Bool
        package let device: UInt64
        package let inode: UInt64
    }

    /// What happens when the destination of a move already exists.
    package enum Collision: Sendable {
        /// Fail with `EEXIST` (the default everywhere: a run never overwrites).
        case fail
        /// Atomically replace the destination (only for the pipeline's own state files).
        case replace
    }

    // MARK: - Reading the tree

    /// Returns the status of `path` (not following a final symbolic link), or nil if it does not exist.
    package static func status(_ path: String) -> Status? {
        status(cPath: path)
    }

    static func status(cPath path: UnsafePointer<CChar>) -> Status? {
        var info = stat()
        guard lstat(path, &info) == 0 else { return nil }
        return Status(info)
    }

    /// The status of what `path` names, following symbolic links (`stat`, not `lstat`), or nil:
    /// the identity of the bytes a reader of `path` gets, for derived files that must see an edit
    /// made through a link (an archive file moved elsewhere and linked back).
    package static func targetStatus(_ path: String) -> Status? {
        var info = stat()
        guard stat(path, &info) == 0 else { return nil }
        return Status(info)
    }

    /// True when something exists at `path`.
    package static func exists(_ path: String) -> Bool { status(path) != nil }

    /// True when `path` is a directory.
    package static func isDirectory(_ path: String) -> Bool { status(path)?.isDirectory ?? false }

    /// The names of the folders in a directory (not following links), sorted bytewise. The entry
    /// type comes from `readdir`, so a folder of thousands of files costs no `stat` per file.
    package static func subfolders(of path: String) throws(StorageError) -> [String] {
        try entries(of: path).filter { name, type in
            type == UInt8(DT_DIR) || (type == UInt8(DT_UNKNOWN) && status(path + "/" + name)?.isDirectory == true)
        }.map(\.name).sorted(by: bytewiseLess)
    }

    /// The entries of a directory (without `.` and `..`) with their `readdir` type, unsorted.
    private static func entries(of path: String) throws(StorageError) -> [(name: String, type: UInt8)] {
        guard let dir = opendir(path) else { throw .system("list the folder", path) }
        defer { closedir(dir) }
        var entries: [(name: String, type: UInt8)] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                String(decoding: raw.prefix(while: { $0 != 0 }), as: UTF8.self)
            }
            if name == "." || name == ".." { continue }
            entries.append((name, entry.pointee.d_type))
        }
        return entries
    }

    /// Lists the names in a directory (without `.` and `..`), sorted bytewise for determinism.
    package static func list(_ path: String) throws(StorageError) -> [String] {
        try entries(of: path).map(\.name).sorted(by: bytewiseLess)
    }

    /// The bytewise order of two names: what `a.utf8.lexicographicallyPrecedes(b.utf8)` gives,
    /// with one `memcmp` instead of its generic loop over the bytes, which took 4 % of a full pass
    /// at 10 years of history (the 12,000 names of the archived documents, sorted every run).
    static func bytewiseLess(_ a: String, _ b: String) -> Bool {
        var a = a, b = b
        return a.withUTF8 { x in
            b.withUTF8 { y in
                let common = min(x.count, y.count)
                if common > 0 {
                    let order = memcmp(x.baseAddress!, y.baseAddress!, common)
                    if order != 0 { return order < 0 }
                }
                return x.count < y.count
            }
        }
    }

    /// The names in a directory in no particular order, or none if it does not exist: for callers
    /// that only test membership (a set of names), which need not pay for the sort of ``list(_:)``.
    package static func unorderedNamesIfPresent(_ path: String) throws(StorageError) -> [String] {
        guard isDirectory(path) else { return [] }
        return try entries(of: path).map(\.name)
    }

    /// Lists a directory, or returns an empty list if it does not exist.
    package static func listIfPresent(_ path: String) throws(StorageError) -> [String] {
        guard isDirectory(path) else { return [] }
        return try list(path)
    }

    /// Reads a whole file, refusing files larger than `limit` bytes.
    package static func read(_ path: String, limit: Int = 64 << 20) throws(StorageError) -> [UInt8] {
        try readWithStatus(path, limit: limit).bytes
    }

    /// ``read(_:limit:)`` with the status of the file read (`fstat` of its descriptor): the identity
    /// of these bytes, whatever `path` names by the time it is looked at again (a derived file
    /// keyed by it cannot pair one file's identity with another's content).
    package static func readWithStatus(
        _ path: String, limit: Int = 64 << 20
    ) throws(StorageError) -> (bytes: [UInt8], status: Status) {
        let file = try InputFile(path: path)
        guard file.size <= Int64(limit) else {
            throw StorageError(operation: "read", path: path, code: EFBIG, detail: "larger than \(limit) bytes")
        }
        // Straight into the result, sized from `fstat` plus one byte to see the end at once (a file
        // that grew meanwhile is read to its end): no 64 KiB staging chunk, which every small file
        // paid to allocate and zero (133,191 match files for the FEC of 1,000,000 lines).
        var bytes = [UInt8](repeating: 0, count: Int(file.size) + 1)
        var filled = 0
        while true {
            if filled == bytes.count { bytes += repeatElement(0, count: max(bytes.count, 1 << 16)) }
            let count = try file.read(into: &bytes, at: filled)
            if count == 0 { break }
            filled += count
        }
        bytes.removeSubrange(filled...)
        return (bytes, file.status)
    }

    /// Reads a whole text file as UTF-8 (invalid bytes are replaced).
    package static func readText(_ path: String, limit: Int = 64 << 20) throws(StorageError) -> String {
        String(decoding: try read(path, limit: limit), as: UTF8.self)
    }

    // MARK: - Changing the tree

    /// Creates `path` and any missing parents, making each new entry durable.
    package static func makeDirectory(_ path: String) throws(StorageError) {
        if isDirectory(path) { return }
        let parent = Path.parent(of: path)
        if parent != path { try makeDirectory(parent) }
        if mkdir(path, 0o755) != 0 {
            if errno == EEXIST, isDirectory(path) { return }
            throw .system("create the folder", path)
        }
        try syncDirectory(parent)
        CrashInjection.step("mkdir \(path)")
    }

    /// Flushes a directory's entries to disk (after a create, rename or unlink inside it).
    package static func syncDirectory(_ path: String) throws(StorageError) {
        let fd = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard fd >= 0 else { throw .system("open the folder", path) }
        defer { close(fd) }
        if fsync(fd) != 0, errno != EINVAL { throw .system("flush the folder", path) }
    }

    /// Atomically moves a file or folder; the move is durable in both directories when it returns.
    ///
    /// With `.fail` (the default) an existing destination is never replaced: the call throws
    /// `EEXIST`. Both paths must be on the same file system (the workspace guarantees it).
    ///
    /// `syncSource: false` skips the fsync of the source folder, for files published from the
    /// scratch folder `work/tmp` (emptied at the start of every run, so a temporary name that
    /// reappears after a power loss is harmless).
    ///
    /// `syncDestination: false` leaves the destination folder's fsync to the caller, who then
    /// calls ``syncDirectory(_:)`` once after a batch of moves into the same folder, before
    /// recording that the batch is done.
    package static func move(
        _ from: String, to: String, collision: Collision = .fail,
        syncSource: Bool = true, syncDestination: Bool = true
    ) throws(StorageError) {
        let rc: Int32
        switch collision {
        case .fail: rc = fct_rename_noreplace(AT_FDCWD, from, AT_FDCWD, to)
        case .replace: rc = rename(from, to)
        }
        guard rc == 0 else { throw .system("move", "\(from)' to '\(to)") }
        let fromDir = Path.parent(of: from)
        let toDir = Path.parent(of: to)
        if syncDestination { try syncDirectory(toDir) }
        if syncSource, fromDir != toDir { try syncDirectory(fromDir) }
        CrashInjection.step("move \(from) -> \(to)")
    }

    /// Deletes a file if it exists and makes the removal durable.
    package static func removeFile(_ path: String) throws(StorageError) {
        if unlink(path) != 0 {
            if errno == ENOENT { return }
            throw .system("delete", path)
        }
        try syncDirectory(Path.parent(of: path))
        CrashInjection.step("unlink \(path)")
    }

    /// Deletes a folder and everything in it (only used on the pipeline's own temporary folders).
    package static func removeTree(_ path: String) throws(StorageError) {
        guard let info = status(path) else { return }
        if info.isDirectory {
            for name in try list(path) { try removeTree(Path.join(path, name)) }
            if rmdir(path) != 0, errno != ENOENT { throw .system("delete the folder", path) }
        } else if unlink(path) != 0, errno != ENOENT {
            throw .system("delete", path)
        }
        try syncDirectory(Path.parent(of: path))
    }

    /// Writes `bytes` to `destination` through a temporary file in `temporaryDirectory`
    /// (write, fsync, rename, fsync the directory).
    package static func write(
        _ bytes: [UInt8], to destination: String, temporaryDirectory: String, collision: Collision = .fail,
        syncFolder: Bool = true
    ) throws(StorageError) {
        let output = try OutputFile(directory: temporaryDirectory)
        try output.write(bytes)
        try output.commit(to: destination, collision: collision, syncFolder: syncFolder)
    }

    /// Writes text as UTF-8; see ``write(_:to:temporaryDirectory:collision:)``.
    package static func write(
        _ text: String, to destination: String, temporaryDirectory: String, collision: Collision = .fail
    ) throws(StorageError) {
        try write(Array(text.utf8), to: destination, temporaryDirectory: temporaryDirectory, collision: collision)
    }

    /// Copies a file through a temporary file (streamed, fsynced, renamed).
    package static func copy(
        _ source: String, to destination: String, temporaryDirectory: String, collision: Collision = .fail
    ) throws(StorageError) {
        let input = try InputFile(path: source)
        let output = try OutputFile(directory: temporaryDirectory)
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = try input.read(into: &buffer)
            if count == 0 { break }
            try output.write(buffer[0..<count])
        }
        try output.commit(to: destination, collision: collision)
    }

    /// SHA-256 of a file's content, as hexadecimal.
    package static func sha256(of path: String) throws(StorageError) -> String {
        let file = try InputFile(path: path)
        let hasher = SHA256Hasher()
        var buffer = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = try file.read(into: &buffer)
            if count == 0 { break }
            hasher.update(buffer, count: count)
        }
        return hasher.finishHex()
    }

    /// Publishes `bytes` at `destination` unless a file with exactly these bytes is already there.
    ///
    /// Re-publishing after a crash is therefore harmless; a different file at the destination is
    /// never touched and the call throws `EEXIST`.
    package static func publishIdempotently(
        _ bytes: [UInt8], to destination: String, temporaryDirectory: String, syncFolder: Bool = true
    ) throws(StorageError) {
        if try isPublished(bytes, at: destination) { return }
        try write(bytes, to: destination, temporaryDirectory: temporaryDirectory, syncFolder: syncFolder)
    }

    /// True when `destination` already holds exactly `bytes`, false when it does not exist;
    /// throws `EEXIST` when a different file has that name.
    package static func isPublished(_ bytes: [UInt8], at destination: String) throws(StorageError) -> Bool {
        guard status(destination) != nil else { return false }
        if (try? read(destination, limit: max(bytes.count, 1) + 1)) == bytes { return true }
        throw StorageError(
            operation: "publish", path: destination, code: EEXIST,
            detail: "a different file already has this name")
    }
}

extension Storage.Status {
    /// What `lstat` or `stat` filled in.
    init(_ info: stat) {
        size = Int64(info.st_size)
        modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
        changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        isDirectory = (info.st_mode & S_IFMT) == S_IFDIR
        isRegularFile = (info.st_mode & S_IFMT) == S_IFREG
        isSymbolicLink = (info.st_mode & S_IFMT) == S_IFLNK
        device = UInt64(info.st_dev)
        inode = UInt64(info.st_ino)
    }
}
