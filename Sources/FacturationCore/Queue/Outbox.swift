/// Delivers results into `outbox/`, where only complete files ever appear.
///
/// New results are published with no-clobber renames. A result that is updated over time (a
/// monthly ledger copy) is replaced atomically, but only while the copy in the outbox is still
/// the one the pipeline delivered: the SHA-256 of every delivery is kept in
/// `archive/deliveries/`. A copy that someone edited is never overwritten; the update is
/// delivered next to it (`2025-07.updated-<hash>.csv`) and a warning is returned.
package struct Outbox {
    package let layout: ArchiveLayout

    package init(layout: ArchiveLayout) { self.layout = layout }

    /// A copy of a file written beside it under a temporary name, with the SHA-256 of its bytes.
    package struct PreparedCopy {
        package let file: OutputFile
        package let sha256: String
    }

    /// The result of one delivery.
    package struct Delivery: Sendable, Equatable {
        /// Where the file is now (relative to the outbox).
        package let path: String
        /// Set when the usual name held a file edited by someone.
        package let warning: String?
    }

    /// Delivers a copy of the file at `source` as the current version of `relativePath`
    /// (e.g. `time-entries/2025-07.csv`).
    ///
    /// The delivery record (`archive/deliveries/<path>.sha256`) is written before the outbox copy
    /// changes and again after: while a replacement is under way it names both the old and the
    /// new version, so a run killed between the two steps never mistakes its own copy for one
    /// edited by someone.
    ///
    /// `prepared` is a copy of `source` already written under a temporary name, with its SHA-256
    /// (a ledger written together with its copy, ``OutputFile/hashAndCopy(to:)``): it saves reading
    /// the source twice when the outbox has no file at that path yet; otherwise it is discarded.
    @discardableResult
    package func deliverCurrentVersion(of source: String, to relativePath: String) throws(StorageError) -> Delivery {
        try deliverCurrentVersion(of: source, to: relativePath, prepared: nil)
    }

    @discardableResult
    package func deliverCurrentVersion(
        of source: String, to relativePath: String,
        prepared: PreparedCopy?
    ) throws(StorageError) -> Delivery {
        let target = Path.join(layout.outbox, relativePath)
        let record = Path.join(layout.deliveries, relativePath + ".sha256")
        defer { prepared?.file.discard() }
        let newHash: String
        if let prepared { newHash = prepared.sha256 } else { newHash = try Storage.sha256(of: source) }
        try Storage.makeDirectory(Path.parent(of: target))
        try Storage.makeDirectory(Path.parent(of: record))
        guard let status = Storage.status(target) else {
            try self.record([newHash], at: record)
            if let prepared {
                try prepared.file.commit(to: target, collision: .fail)
            } else {
                try Storage.copy(source, to: target, temporaryDirectory: layout.temporary, collision: .fail)
            }
            return Delivery(path: relativePath, warning: nil)
        }
        // Something other than a file (a folder, a link someone put there) is never ours to replace.
        let currentHash = status.isRegularFile ? try Storage.sha256(of: target) : nil
        let delivered = Self.recordedHashes(at: record)
        if currentHash == newHash {
            // Already delivered (a run resumed after a crash, or an unchanged ledger).
        } else if let currentHash, delivered.contains(currentHash) {
            try self.record([currentHash, newHash], at: record)
            try Storage.copy(source, to: target, temporaryDirectory: layout.temporary, collision: .replace)
        } else {
            let updated = Self.updatedName(relativePath, hash: newHash)
            let beside = Path.join(layout.outbox, updated)
            if !Storage.exists(beside) {
                try Storage.copy(source, to: beside, temporaryDirectory: layout.temporary, collision: .fail)
            }
            return Delivery(
                path: updated,
                warning: "outbox/\(relativePath) was changed by someone, so it was left as it "
                    + "is; the updated version is outbox/\(updated)")
        }
        if delivered != [newHash] { try self.record([newHash], at: record) }
        return Delivery(path: relativePath, warning: nil)
    }

    /// True when the outbox file at `relativePath` is exactly what the pipeline last delivered
    /// there (so the pipeline may remove or replace it); false when someone changed it or it was
    /// never delivered by the pipeline.
    package func isUnchangedDelivery(_ relativePath: String) throws(StorageError) -> Bool {
        let target = Path.join(layout.outbox, relativePath)
        guard Storage.status(target)?.isRegularFile == true else { return false }
        let delivered = Self.recordedHashes(at: Path.join(layout.deliveries, relativePath + ".sha256"))
        guard !delivered.isEmpty else { return false }
        return delivered.contains(try Storage.sha256(of: target))
    }

    /// ``isUnchangedDelivery(_:)`` that reads the outbox file's bytes only when its `stat` is not
    /// the one `known` recorded (``DeliveredCopy``); also returns what to record for next time
    /// (nil when the file is missing or its times are too recent to be trusted).
    package func isUnchangedDelivery(
        _ relativePath: String, known: DeliveredCopy?
    ) throws(StorageError) -> (unchanged: Bool, copy: DeliveredCopy?) {
        let target = Path.join(layout.outbox, relativePath)
        guard let status = Storage.status(target), status.isRegularFile else { return (false, nil) }
        let delivered = Self.recordedHashes(at: Path.join(layout.deliveries, relativePath + ".sha256"))
        guard !delivered.isEmpty else { return (false, known) }
        let (sha256, copy) = try DeliveredCopy.hash(of: target, status: status, known: known)
        return (delivered.contains(sha256), copy)
    }

    /// True when the last delivery of `relativePath` finished with the version whose SHA-256 is
    /// `hash`: the record names only it and the outbox file is there (a delivery interrupted
    /// between its record and its copy, or a copy deleted by someone, is not complete).
    package func isDeliveryComplete(_ relativePath: String, hash: String) -> Bool {
        Self.recordedHashes(at: Path.join(layout.deliveries, relativePath + ".sha256")) == [hash]
            && Storage.status(Path.join(layout.outbox, relativePath))?.isRegularFile == true
    }

    /// True when the outbox file at `relativePath` is the complete delivery of bytes of this size
    /// and SHA-256: its delivery record names only that hash, and the file is a regular file of
    /// that size whose bytes hash to it (modification times are not trusted).
    package func isCurrent(_ relativePath: String, size: Int64, sha256: String) throws(StorageError) -> Bool {
        let target = Path.join(layout.outbox, relativePath)
        guard let status = Storage.status(target), status.isRegularFile, status.size == size,
            Self.recordedHashes(at: Path.join(layout.deliveries, relativePath + ".sha256")) == [sha256]
        else { return false }
        return try Storage.sha256(of: target) == sha256
    }

    /// Removes an outbox file the pipeline delivered and nobody changed, with its delivery record.
    /// Anything else is left where it is: a run never deletes a person's file.
    @discardableResult
    package func withdraw(_ relativePath: String) throws(StorageError) -> Bool {
        guard try isUnchangedDelivery(relativePath) else { return false }
        try Storage.removeFile(Path.join(layout.outbox, relativePath))
        try Storage.removeFile(Path.join(layout.deliveries, relativePath + ".sha256"))
        return true
    }

    /// `2025-07.updated-1a2b3c4d.csv` for `2025-07.csv`; the extension is kept whatever it is
    /// (`…FEC20251231.updated-1a2b3c4d.txt`).
    package static func updatedName(_ relativePath: String, hash: String) -> String {
        let folder = Path.parent(of: relativePath)
        let name = Path.name(of: relativePath)
        let tag = ".updated-" + hash.prefix(8)
        let updated: String
        if let dot = name.lastIndex(of: "."), dot != name.startIndex {
            updated = name[..<dot] + tag + name[dot...]
        } else {
            updated = name + tag
        }
        return folder == "." ? updated : Path.join(folder, updated)
    }

    /// The hashes a delivery record names (one per line; two while a replacement is under way).
    private static func recordedHashes(at path: String) -> [String] {
        guard let text = try? Storage.readText(path, limit: 1024) else { return [] }
        return text.split(whereSeparator: \.isNewline).map { String($0).trimmed }.filter { !$0.isEmpty }
    }

    private func record(_ hashes: [String], at path: String) throws(StorageError) {
        try Storage.write(
            hashes.joined(separator: "\n") + "\n", to: path, temporaryDirectory: layout.temporary,
            collision: .replace)
    }

    /// Publishes a new file that never changes afterwards (a reason file, a report); publishing
    /// the same bytes again is a no-op.
    ///
    /// With `syncFolder: false` the caller fsyncs the target folder once after a batch
    /// (``Storage/syncDirectory(_:)``), before recording that the batch was delivered.
    package func deliverNew(_ bytes: [UInt8], to relativePath: String, syncFolder: Bool = true) throws(StorageError) {
        let target = Path.join(layout.outbox, relativePath)
        try Storage.makeDirectory(Path.parent(of: target))
        try Storage.publishIdempotently(bytes, to: target, temporaryDirectory: layout.temporary, syncFolder: syncFolder)
    }

    /// Adds a new file to `batch`, published by the batch's commit; returns false (and adds
    /// nothing) when exactly these bytes are already there. A different file is never replaced.
    @discardableResult
    package func deliverNew(_ bytes: [UInt8], to relativePath: String, in batch: FileBatch) throws(StorageError) -> Bool
    {
        let target = Path.join(layout.outbox, relativePath)
        if try Storage.isPublished(bytes, at: target) { return false }
        try batch.add(bytes, to: target, collision: .fail)
        return true
    }
}
