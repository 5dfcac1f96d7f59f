/// The names of what a stage has already delivered to the outbox (`archive/deliveries/<pipeline>/…txt`),
/// one per line: what someone took out of the outbox is not delivered again.
///
/// It is rewritten (temporary, fsync, rename) after each delivered batch; a batch interrupted
/// before the list is written is delivered again, which outbox deliveries make harmless (the
/// same bytes at the same place are a no-op).
package struct DeliveredList {
    private let layout: ArchiveLayout
    private let path: String
    /// Names already delivered.
    package private(set) var names: Set<String>

    package init(layout: ArchiveLayout, path: String) throws {
        self.layout = layout
        self.path = path
        let text = Storage.exists(path) ? try Storage.readText(path, limit: 256 << 20) : ""
        names = Self.names(in: text)
    }

    /// The list's lines, as `text.split(separator: "\n")` gives them (empty lines left out).
    ///
    /// Why (performance code, fenced): the documents' list holds every number ever delivered
    /// (12,000 at 10 years), and splitting it by `Character` was 3.5 % of a full pass. Without a
    /// carriage return, a line feed is a `Character` of its own wherever it is (only CR LF joins
    /// it to another), so splitting the UTF-8 bytes at line feeds cuts the same lines; a text with
    /// a carriage return keeps the `Character` split (`DeliveredListTests`).
    static func names(in text: String) -> Set<String> {
        guard !text.utf8.contains(0x0D) else { return Set(text.split(separator: "\n").map(String.init)) }
        var text = text
        return text.withUTF8 { bytes in
            var names = Set<String>()
            for line in bytes.split(separator: 0x0A) {
                names.insert(String(decoding: UnsafeBufferPointer(rebasing: line), as: UTF8.self))
            }
            return names
        }
    }

    package func contains(_ name: String) -> Bool { names.contains(name) }

    /// Adds `delivered` and rewrites the list (call after the files are durable in the outbox).
    package mutating func record(_ delivered: some Sequence<String>) throws {
        let before = names.count
        names.formUnion(delivered)
        guard names.count != before else { return }
        try Storage.makeDirectory(Path.parent(of: path))
        try Storage.write(
            names.sorted().joined(separator: "\n") + "\n", to: path,
            temporaryDirectory: layout.temporary, collision: .replace)
    }
}
