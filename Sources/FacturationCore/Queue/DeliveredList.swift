/// The names of what a stage has already delivered to the outbox (`archive/deliveries/<pipeline>/…txt`),
/// one per line: what someone took out of the outbox is not delivered again.
///
/// It is rewritten (temporary, fsync, rename) after each delivered batch; a batch interrupted
/// before the list is written is delivered again, which outbox deliveries make harmless (the
/// same bytes at the same place are a no-op).
package struct DeliveredList {
    private let layout: ArchiveLayout
    private let path: String
    /// The list's names when its lines are as ``record(_:)`` writes them (ASCII, distinct, sorted):
    /// looked up by binary search.
    ///
    /// Why (issue #9): the documents' and invoices' lists hold every number ever delivered (12,000
    /// at 10 years); a set of them cost 1.4–2.8 ms of hashing per list and per full pass, to look up
    /// a few numbers (SortedLines).
    private var sorted: SortedLines
    /// The other names: those of a list not in that form, and those recorded since it was read.
    private var others: Set<String>

    /// Names already delivered.
    package var names: Set<String> { others.union(sorted.lines) }

    package init(layout: ArchiveLayout, path: String) throws {
        self.layout = layout
        self.path = path
        let bytes = Storage.exists(path) ? try Storage.read(path, limit: 256 << 20) : []
        if let sorted = Self.sortedLines(bytes) {
            self.sorted = sorted
            others = []
        } else {
            sorted = SortedLines()
            others = Self.names(in: String(decoding: bytes, as: UTF8.self))
        }
    }

    /// The lines of `bytes` when each is ASCII without a control byte, not empty, and after the one
    /// before it (bytes and `String` then sort alike); nil otherwise.
    static func sortedLines(_ bytes: [UInt8]) -> SortedLines? {
        guard !bytes.isEmpty else { return SortedLines() }
        guard bytes.last == 0x0A, bytes.allSatisfy({ $0 == 0x0A || ($0 >= 0x20 && $0 < 0x80) }) else { return nil }
        var previous: ArraySlice<UInt8>? = nil
        var start = 0
        for end in bytes.indices where bytes[end] == 0x0A {
            let line = bytes[start..<end]
            guard !line.isEmpty, previous.map({ $0.lexicographicallyPrecedes(line) }) ?? true else { return nil }
            previous = line
            start = end + 1
        }
        return SortedLines(sortedBytes: bytes)
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

    package func contains(_ name: String) -> Bool { others.contains(name) || sorted.contains(name) }

    /// Adds `delivered` and rewrites the list (call after the files are durable in the outbox).
    package mutating func record(_ delivered: some Sequence<String>) throws {
        let fresh = delivered.filter { !contains($0) }
        guard !fresh.isEmpty else { return }
        others.formUnion(fresh)
        let names = self.names
        try Storage.makeDirectory(Path.parent(of: path))
        try Storage.write(
            names.sorted().joined(separator: "\n") + "\n", to: path,
            temporaryDirectory: layout.temporary, collision: .replace)
    }
}
