/// Puts a file into an inbox the way a person's tool should (the producers, `invoice --from`):
/// written and fsynced under a temporary name in `work/tmp/` (same file system), then renamed into
/// the inbox without replacing anything, and the folder fsynced. A run never sees half a file.
package enum InboxDrop {
    /// Writes `bytes` as `<inbox>/<name>` (or `<stem>-2<ext>`, `-3`… when the name is taken) and
    /// returns the name used.
    package static func drop(_ bytes: [UInt8], name: String, inbox: String, temporary: String) throws -> String {
        try Storage.makeDirectory(inbox)
        try Storage.makeDirectory(temporary)
        let (stem, ext) = split(name)
        for attempt in 1...1000 {
            let candidate = attempt == 1 ? stem + ext : "\(stem)-\(attempt)\(ext)"
            let destination = Path.join(inbox, candidate)
            if Storage.status(destination) == nil, try write(bytes, to: destination, temporary: temporary) {
                return candidate
            }
        }
        throw FacturationError(.workspace, "\(inbox) holds 1,000 files named like \(name): empty it first")
    }

    /// Into a pipeline's inbox.
    package static func drop(_ bytes: [UInt8], name: String, layout: ArchiveLayout) throws -> String {
        try drop(bytes, name: name, inbox: layout.inbox, temporary: layout.temporary)
    }

    /// False when the name was taken between the check and the rename (never replaced).
    private static func write(_ bytes: [UInt8], to destination: String, temporary: String) throws(StorageError) -> Bool
    {
        do throws(StorageError) {
            try Storage.write(bytes, to: destination, temporaryDirectory: temporary, collision: .fail)
        } catch {
            if error.isAlreadyExists { return false }
            throw error
        }
        return true
    }

    /// `("a.b", ".toml")` for `a.b.toml`; a hidden or temporary-looking name is made visible
    /// (the scanner would leave it waiting forever).
    private static func split(_ name: String) -> (String, String) {
        var name = name
        while name.hasPrefix(".") { name.removeFirst() }
        for suffix in ["~", ".part", ".tmp", ".crdownload"] where name.hasSuffix(suffix) {
            name = String(name.dropLast(suffix.count)) + ".toml"
        }
        if name.isEmpty { name = "request.toml" }
        guard let dot = name.lastIndex(of: "."), dot != name.startIndex else { return (name, "") }
        return (String(name[..<dot]), String(name[dot...]))
    }
}
