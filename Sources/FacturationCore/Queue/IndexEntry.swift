import Foundation

/// The marker of a processed file: `archive/index/<pipeline>/<hh>/<sha256>.txt` (JSON).
///
/// Its presence means "this content was imported"; the same content dropped again is a
/// duplicate. It is written just before the claim folder moves to the archive, so a resumed
/// claim whose own marker exists only has to finish that move (a resumed claim is looked up
/// before anything else: ``FileProcessor/process(_:resumed:)``). It holds only facts that do not
/// depend on how often the file was retried (merge counts and deliveries are in the run summary).
struct IndexEntry: Codable, Equatable {
    var sha256: String
    var name: String
    var claim: String
    var claimedAt: String
    /// The archived original, relative to the workspace.
    var archived: String
    var format: String
    var records: Int
    var partitions: [String]
    var notes: [String]

    var serialized: [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array((try? encoder.encode(self)) ?? Data()) + [0x0A]
    }

    /// The marker at `path`, nil when there is none. A marker that cannot be read is the
    /// archive's damage, not "not imported": the run stops and says which file to restore.
    static func load(path: String) throws -> IndexEntry? {
        guard Storage.exists(path) else { return nil }
        return try FacturationError.decode(IndexEntry.self, at: path, limit: 1 << 20)
    }
}
