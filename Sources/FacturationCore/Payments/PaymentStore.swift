import Foundation

/// Payment state of one pipeline under `archive/payments/<pipeline>/matches/`: one JSON file per
/// receipt once it is matched (by a rule or a person's decision), never rewritten.
package struct PaymentStore {
    package let layout: ArchiveLayout

    package init(layout: ArchiveLayout) {
        self.layout = layout
    }

    var temporary: String { layout.temporary }
    var matchesFolder: String { layout.matches }

    /// The match file of `receipt`.
    package func path(of receipt: String) -> String {
        Path.join(matchesFolder, String(SHA256Hasher.hex(receipt).prefix(24)) + ".json")
    }

    /// Every recorded match, oldest receipt first.
    package func matches() throws -> [PaymentMatch] {
        var result: [PaymentMatch] = []
        try forEachMatch { result.append($0) }
        return result.sorted { ($0.bookingDate, $0.receipt) < ($1.bookingDate, $1.receipt) }
    }

    /// Calls `body` with every recorded match, in no particular order, one file at a time.
    package func forEachMatch(_ body: (PaymentMatch) throws -> Void) throws {
        for name in try Storage.listIfPresent(matchesFolder) where name.hasSuffix(".json") {
            try body(try Self.read(Path.join(matchesFolder, name)))
        }
    }

    package func match(for receipt: String) throws -> PaymentMatch? {
        let path = path(of: receipt)
        // Opened without a `stat` first (one system call less per receipt): absent is nil.
        do {
            return try Self.read(path)
        } catch let error as StorageError where error.code == ENOENT {
            return nil
        }
    }

    /// The matches of `receipts` (nil for a receipt without a match, or for a nil receipt), read
    /// on every core (``Parallel/map(_:_:)``), in the order of `receipts`; the error thrown is
    /// that of the first receipt in that order whose file cannot be read, as ``match(for:)`` gives.
    package func matches(for receipts: [String?]) throws -> [PaymentMatch?] {
        let read = { (index: Int) in Result { try receipts[index].flatMap { try match(for: $0) } } }
        let results =
            receipts.count < 2 * Parallel.cores ? (0..<receipts.count).map(read) : Parallel.map(receipts.count, read)
        return try results.map { try $0.get() }
    }

    /// The match in the file at `path`: through the fenced fast path (``MatchRecordDecoder``),
    /// else through `JSONDecoder` and its errors.
    private static func read(_ path: String) throws -> PaymentMatch {
        let bytes = try Storage.read(path, limit: 1 << 20)
        if let match = bytes.withUnsafeBufferPointer({ MatchRecordDecoder.match(from: $0) }) { return match }
        return try FacturationError.decode(PaymentMatch.self, at: path, limit: 1 << 20)
    }

    /// Records a match; an existing one for the same receipt is kept (a run resumed after a crash
    /// computes the same match again).
    package func record(_ match: PaymentMatch) throws {
        let path = path(of: match.receipt)
        if Storage.exists(path) { return }
        try Storage.makeDirectory(matchesFolder)
        try Storage.write(try Self.encoded(match), to: path, temporaryDirectory: temporary, collision: .fail)
    }

    /// The bytes of a match file.
    package static func encoded(_ match: PaymentMatch) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(match)) + [0x0A]
    }
}
