#if canImport(Glibc)
import Glibc
#endif

/// Puts a file into a workspace's inbox the way a person's tool should: written under a hidden
/// temporary name in the inbox itself (the scanner ignores it), fsynced, then renamed to its
/// final name without replacing anything, and the folder fsynced. A run never sees half a file.
package enum InboxDrop {
    /// Writes `bytes` as `inbox/<name>` (or `<stem>-2.<ext>`, `-3`… when the name is taken) and
    /// returns the path written.
    package static func drop(_ bytes: [UInt8], name: String, into workspace: Workspace) throws -> String {
        try Storage.makeDirectory(workspace.inbox)
        let (stem, ext) = split(name.isEmpty ? "request.toml" : name)
        for attempt in 1...1000 {
            let candidate = attempt == 1 ? stem + ext : "\(stem)-\(attempt)\(ext)"
            let path = Path.join(workspace.inbox, candidate)
            if Storage.exists(path) { continue }
            do throws(StorageError) {
                try Storage.write(bytes, to: path, temporaryDirectory: workspace.inbox, collision: .fail)
                return path
            } catch {
                guard error.code == EEXIST else { throw error }
                // Taken meanwhile by another producer: the next name.
            }
        }
        throw FacturationError(.workspace, "inbox/ holds 1,000 files named like \(name): empty it first")
    }

    /// `("a.b", ".toml")` for `a.b.toml`; a hidden or temporary-looking name is made visible.
    private static func split(_ name: String) -> (String, String) {
        var name = name
        while name.hasPrefix(".") { name.removeFirst() }
        // Names the scanner takes for files still being written would wait forever.
        for suffix in ["~", ".part", ".tmp", ".crdownload"] where name.hasSuffix(suffix) {
            name = String(name.dropLast(suffix.count)) + ".toml"
        }
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return (name, "") }
        return (String(name[..<dot]), String(name[dot...]))
    }
}
