import CSupport

#if canImport(Glibc)
import Glibc
#endif

/// A path whose last component is kept as the bytes found on disk.
///
/// Linux file names are bytes, not text: a name copied from a zip made on Windows can hold
/// `relev\xE9.csv`, which is not UTF-8. A Swift `String` built from it replaces the bad byte
/// and no longer names the file, so the inbox scanner keeps such names as bytes until the
/// file has been claimed under a safe name (see ``InboxName``).
package struct RawPath: Sendable, Equatable {
    /// The folder holding the entry (a path the program built, so valid text).
    package let folder: String
    /// The entry's name as found on disk.
    package let name: [UInt8]

    package init(folder: String, name: [UInt8]) {
        self.folder = folder
        self.name = name
    }

    /// The path's bytes, without a terminating NUL.
    var bytes: [UInt8] { Array(folder.utf8) + (folder.hasSuffix("/") ? [] : [0x2F]) + name }

    /// Calls `body` with the path as a NUL-terminated C string.
    func withCString<R>(_ body: (UnsafePointer<CChar>) throws -> R) rethrows -> R {
        try (bytes + [0]).withUnsafeBufferPointer { buffer in
            try buffer.withMemoryRebound(to: CChar.self) { try body($0.baseAddress!) }
        }
    }

    /// The path for messages: invalid bytes and control characters escaped (see ``InboxName``).
    package var shown: String { Path.join(folder, InboxName.escaped(name)) }
}

extension Storage {
    /// Lists the names of a directory as raw bytes (any bytes but `/` and NUL), sorted bytewise.
    package static func listRawNames(_ path: String) throws(StorageError) -> [[UInt8]] {
        guard let dir = opendir(path) else { throw .system("list the folder", path) }
        defer { closedir(dir) }
        var names: [[UInt8]] = []
        while let entry = readdir(dir) {
            let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in Array(raw.prefix(while: { $0 != 0 })) }
            if name == [0x2E] || name == [0x2E, 0x2E] { continue }
            names.append(name)
        }
        return names.sorted { $0.lexicographicallyPrecedes($1) }
    }

    /// The status of a raw path (not following a final symbolic link), or nil if it does not exist.
    package static func status(_ path: RawPath) -> Status? {
        path.withCString { status(cPath: $0) }
    }

    /// Moves the file at a raw path to `to` without replacing anything there (see ``move(_:to:collision:syncSource:syncDestination:)``).
    package static func move(_ from: RawPath, to: String) throws(StorageError) {
        let rc = from.withCString { fct_rename_noreplace(AT_FDCWD, $0, AT_FDCWD, to) }
        guard rc == 0 else { throw .system("move", "\(from.shown)' to '\(to)") }
        try syncDirectory(Path.parent(of: to))
        if from.folder != Path.parent(of: to) { try syncDirectory(from.folder) }
        CrashInjection.step("move \(from.shown) -> \(to)")
    }
}
