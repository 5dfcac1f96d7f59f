/// Where a producer stopped: `archive/fetch/<pipeline>/<source>.json`, written (temporary name,
/// fsync, rename) only after the files it covers are in the inbox. A fetch killed before it is
/// written fetches that window again; the importer's deduplication makes the overlap harmless.
package struct FetchCursor: Codable, Sendable, Equatable {
    package var source: FetchSource
    /// Qonto with several accounts: the account (IBAN) this cursor is for; nil with one account.
    package var account: String?
    /// Clockify: the last month fetched (`2025-10`), fetched again next time (it may have grown).
    /// Qonto: the largest `updated_at` fetched, the next `updated_at_from`.
    package var position: String
    /// When (UTC, from the injected clock).
    package var fetchedAt: String

    /// The cursor of `source`, nil before the first fetch.
    ///
    /// - Throws: a `workspace` error naming the file when it cannot be read or decoded.
    static func load(_ source: FetchSource, account: String? = nil, layout: ArchiveLayout) throws -> FetchCursor? {
        let path = layout.fetchCursor(for: source, account: account)
        guard Storage.exists(path) else { return nil }
        return try FacturationError.decode(FetchCursor.self, at: path, limit: 1 << 20)
    }

    /// Writes the cursor crash-safely (replacing the previous one in one rename).
    func save(layout: ArchiveLayout) throws {
        let path = layout.fetchCursor(for: source, account: account)
        try Storage.makeDirectory(Path.parent(of: path))
        let text =
            "{\"source\":\(JSONText.quoted(source.rawValue)),"
            + (account.map { "\"account\":\(JSONText.quoted($0))," } ?? "")
            + "\"position\":\(JSONText.quoted(position)),\"fetchedAt\":\(JSONText.quoted(fetchedAt))}\n"
        try Storage.write(text, to: path, temporaryDirectory: layout.temporary, collision: .replace)
    }
}

/// JSON text helpers for the records the producers write.
enum JSONText {
    /// `text` as a JSON string literal.
    static func quoted(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    out +=
                        "\\u" + String(repeating: "0", count: 4 - String(scalar.value, radix: 16).count)
                        + String(scalar.value, radix: 16)
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}
