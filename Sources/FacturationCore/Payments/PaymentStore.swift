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

    func path(of receipt: String) -> String {
        Path.join(matchesFolder, String(SHA256Hasher.hex(receipt).prefix(24)) + ".json")
    }

    /// Every recorded match, oldest receipt first.
    package func matches() throws -> [PaymentMatch] {
        var result: [PaymentMatch] = []
        for name in try Storage.listIfPresent(matchesFolder) where name.hasSuffix(".json") {
            result.append(
                try FacturationError.decode(PaymentMatch.self, at: Path.join(matchesFolder, name), limit: 1 << 20))
        }
        return result.sorted { ($0.bookingDate, $0.receipt) < ($1.bookingDate, $1.receipt) }
    }

    package func match(for receipt: String) throws -> PaymentMatch? {
        let path = path(of: receipt)
        guard Storage.exists(path) else { return nil }
        return try FacturationError.decode(PaymentMatch.self, at: path, limit: 1 << 20)
    }

    /// Records a match; an existing one for the same receipt is kept (a run resumed after a crash
    /// computes the same match again).
    package func record(_ match: PaymentMatch) throws {
        let path = path(of: match.receipt)
        if Storage.exists(path) { return }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try Storage.makeDirectory(matchesFolder)
        try Storage.write(
            Array(try encoder.encode(match)) + [0x0A], to: path, temporaryDirectory: temporary,
            collision: .fail)
    }
}
