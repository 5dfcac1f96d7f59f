/// Delivers results into `outbox/`, where only complete files ever appear.
///
/// New results are published with no-clobber renames. A result that is updated over time (a
/// monthly ledger copy) is replaced atomically, but only while the copy in the outbox is still
/// the one the pipeline delivered: the SHA-256 of every delivery is kept in
/// `archive/deliveries/`. A copy that someone edited is never overwritten; the update is
/// delivered next to it (`2025-07.updated-<hash>.csv`) and a warning is returned.
public struct Outbox {
    public let layout: PipelineLayout

    public init(layout: PipelineLayout) { self.layout = layout }

    /// The result of one delivery.
    public struct Delivery: Sendable, Equatable {
        /// Where the file is now (relative to the outbox).
        public let path: String
        /// Set when the usual name held a file edited by someone.
        public let warning: String?
    }

    /// Delivers a copy of the file at `source` as the current version of `relativePath`
    /// (e.g. `time-entries/2025-07.csv`).
    @discardableResult
    public func deliverCurrentVersion(of source: String, to relativePath: String) throws(StorageError) -> Delivery {
        let target = Path.join(layout.outbox, relativePath)
        let record = Path.join(layout.deliveries, relativePath + ".sha256")
        let newHash = try Storage.sha256(of: source)
        try Storage.makeDirectory(Path.parent(of: target))
        try Storage.makeDirectory(Path.parent(of: record))
        var delivered = relativePath
        var warning: String?
        if Storage.exists(target) {
            let currentHash = try Storage.sha256(of: target)
            let recorded = (try? Storage.readText(record, limit: 256))?.trimmed
            if currentHash == newHash {
                // Already delivered (a run resumed after a crash, or an unchanged ledger).
            } else if currentHash == recorded {
                try Storage.copy(source, to: target, temporaryDirectory: layout.temporary, collision: .replace)
            } else {
                // The extension is kept (`.csv`, `.xlsx`, `.txt`), so the file still opens in its program.
                let name = Path.name(of: relativePath)
                let suffix = name.lastIndex(of: ".").map { String(name[$0...]) } ?? ""
                delivered = String(relativePath.dropLast(suffix.count)) + ".updated-" + newHash.prefix(8) + suffix
                let beside = Path.join(layout.outbox, delivered)
                if !Storage.exists(beside) {
                    try Storage.copy(source, to: beside, temporaryDirectory: layout.temporary, collision: .fail)
                }
                warning = "outbox/\(relativePath) was changed by someone, so it was left as it is; "
                    + "the updated version is outbox/\(delivered)"
            }
        } else {
            try Storage.copy(source, to: target, temporaryDirectory: layout.temporary, collision: .fail)
        }
        if delivered == relativePath {
            try Storage.write(newHash + "\n", to: record, temporaryDirectory: layout.temporary, collision: .replace)
        }
        return Delivery(path: delivered, warning: warning)
    }

    /// Publishes a new file that never changes afterwards (a reason file, a report); publishing
    /// the same bytes again is a no-op.
    ///
    /// With `syncFolder: false` the caller fsyncs the target folder once after a batch
    /// (``Storage/syncDirectory(_:)``), before recording that the batch was delivered.
    public func deliverNew(_ bytes: [UInt8], to relativePath: String, syncFolder: Bool = true) throws(StorageError) {
        let target = Path.join(layout.outbox, relativePath)
        try Storage.makeDirectory(Path.parent(of: target))
        try Storage.publishIdempotently(bytes, to: target, temporaryDirectory: layout.temporary, syncFolder: syncFolder)
    }

    /// Adds a new file to `batch`, published by the batch's commit; returns false (and adds
    /// nothing) when exactly these bytes are already there. A different file is never replaced.
    @discardableResult
    public func deliverNew(_ bytes: [UInt8], to relativePath: String, in batch: FileBatch) throws(StorageError) -> Bool {
        let target = Path.join(layout.outbox, relativePath)
        if try Storage.isPublished(bytes, at: target) { return false }
        try batch.add(bytes, to: target, collision: .fail)
        return true
    }

}
