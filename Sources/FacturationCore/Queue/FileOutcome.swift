/// What happened to one input file in a run.
public struct FileOutcome: Sendable, Codable, Equatable {
    public enum Kind: String, Sendable, Codable {
        /// Converted and merged into the ledgers; the original is in `archive/files/`.
        case imported
        /// Refused; the original and its `.reason.txt` are in `archive/rejected/`.
        case rejected
        /// Same content as a file already imported; kept in `archive/duplicates/`.
        case duplicate
        /// Changed while it was processed (its producer was still writing): put back into the
        /// inbox, nothing archived; a later run takes it once it stops changing.
        case requeued
    }

    public var kind: Kind
    public var pipeline: String
    public var name: String
    public var claim: String
    public var sha256: String
    /// Where the original is now, relative to the workspace.
    public var archivedAt: String
    public var format: String?
    public var records: Int = 0
    public var counts = MergeCounts()
    /// Months (and `pending`) of the ledgers the file contributed to.
    public var partitions: [String] = []
    /// Outbox files written, relative to the workspace.
    public var delivered: [String] = []
    public var notes: [String] = []
    public var warnings: [String] = []
    /// For a rejection: one-sentence summary, number of problems and the reason file.
    public var reason: String?
    public var problemCount: Int = 0
    public var reasonFile: String?
    /// For a duplicate: the original import it repeats.
    public var duplicateOf: String?

    public init(kind: Kind, pipeline: String, name: String, claim: String, sha256: String, archivedAt: String) {
        self.kind = kind
        self.pipeline = pipeline
        self.name = name
        self.claim = claim
        self.sha256 = sha256
        self.archivedAt = archivedAt
    }
}
