/// What happened to one input file in a run.
package struct FileOutcome: Sendable, Codable, Equatable {
    package enum Kind: String, Sendable, Codable {
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

    package var kind: Kind
    package var pipeline: String
    package var name: String
    package var claim: String
    package var sha256: String
    /// Where the original is now, relative to the workspace.
    package var archivedAt: String
    package var format: String?
    package var records: Int = 0
    package var counts = MergeCounts()
    /// Months (and `pending`) of the ledgers the file contributed to.
    package var partitions: [String] = []
    /// Outbox files written, relative to the workspace.
    package var delivered: [String] = []
    package var notes: [String] = []
    package var warnings: [String] = []
    /// For a rejection: one-sentence summary, number of problems and the reason file.
    package var reason: String?
    package var problemCount: Int = 0
    package var reasonFile: String?
    /// For a duplicate: the original import it repeats.
    package var duplicateOf: String?

    package init(kind: Kind, pipeline: String, name: String, claim: String, sha256: String, archivedAt: String) {
        self.kind = kind
        self.pipeline = pipeline
        self.name = name
        self.claim = claim
        self.sha256 = sha256
        self.archivedAt = archivedAt
    }
}
