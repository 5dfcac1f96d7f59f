#if canImport(Glibc)
import Glibc
#endif

/// Takes one claim to its terminal state: imported, rejected or duplicate (or back to the
/// inbox when the file changed while it was being read).
///
/// The steps are ordered so that a crash anywhere leaves a state from which running the same
/// claim again reaches the same end: conversion is recomputed from the original, ledger merges
/// are idempotent, the processed-file marker is written before the claim folder moves to the
/// archive, and that move is one atomic rename.
///
/// A failure that concerns only this file (``FileFailure``) ends with the file rejected with a
/// reason; only the workspace's own failures are thrown, and stop the run.
package struct FileProcessor {
    package let workspace: Workspace
    package let layout: ArchiveLayout
    /// Called with (file name, bytes done, bytes total) while a large file is read.
    package var progress: ((String, Int64, Int64) -> Void)?

    package init(workspace: Workspace, layout: ArchiveLayout, progress: ((String, Int64, Int64) -> Void)? = nil) {
        self.workspace = workspace
        self.layout = layout
        self.progress = progress
    }

    /// Takes `claim` to its terminal state. A claim `resumed` from an interrupted run is looked up
    /// in the index before anything else (its digest is never deferred): a run stopped after it
    /// recorded the file only has to move it to the archive.
    package func process(_ claim: Claim, resumed: Bool = false) throws -> FileOutcome {
        // What the file looked like when this run took it: a producer that goes on writing after
        // the claim is caught by comparing against it (``ChangedFile``).
        let claimed = FileSnapshot(path: claim.originalPath)
        do {
            return try processClaimed(claim, claimed: claimed, resumed: resumed)
        } catch let change as ChangedFile {
            return try requeue(claim, change)
        } catch {
            guard let rejection = FileFailure.rejection(for: error, claim: claim) else { throw error }
            return try reject(claim, scan: nil, rejection: rejection)
        }
    }

    private func processClaimed(_ claim: Claim, claimed: FileSnapshot, resumed: Bool) throws -> FileOutcome {
        // The scan saw a regular file; a link swapped in before the claim's rename is not followed
        // (it could point at any file the service user may read, and the reason quotes its start).
        guard Storage.status(claim.originalPath)?.isRegularFile == true else {
            throw StorageError(
                operation: "open", path: claim.originalPath, code: StorageError.notRegularFile,
                detail: "not a regular file")
        }
        let name = claim.originalName
        let deferring = resumed ? nil : Self.deferredDigestBytes
        var scan = try FileScan.scan(path: claim.originalPath, deferringDigestFrom: deferring) { done in
            progress?(name, done, 0)
        }
        defer { scan.abandonDigest() }
        let kind = Kind(scan)
        // Only an export's conversion runs beside its digest (``DeferredDigest``); everything else
        // is judged once the file's identity is known, as before.
        if kind != .data { scan = try finished(scan) }
        if !scan.digestIsDeferred, let known = try knownContent(claim, scan: scan, claimed: claimed) { return known }
        try claimed.check(claim, scannedSize: scan.size, step: .scan)
        TestPause.point("after-scan")
        switch kind {
        case .request: return try processRequest(claim, scan: scan, claimed: claimed)
        case .paymentDecision: return try processPaymentDecision(claim, scan: scan, claimed: claimed)
        case .reply: return try processReply(claim, scan: scan, claimed: claimed)
        case .oxygeneRegister: return try processOxygeneRegister(claim, scan: scan, claimed: claimed)
        case .data: return try importData(claim, scan: scan, claimed: claimed)
        }
    }

    /// What a claimed file is, from its first bytes.
    private enum Kind {
        case request, paymentDecision, reply, oxygeneRegister
        /// A time or bank export (or a file that is none of these, rejected by the format sniffer).
        case data

        init(_ scan: FileScan) {
            if scan.encoding != nil, RequestFile.looksLikeRequest(scan.head) {
                self = .request
            } else if scan.encoding != nil, PaymentDecisionFile.looksLikeDecision(scan.head) {
                self = .paymentDecision
            } else if IncomingMail.looksLikeMessage(scan.head) {
                self = .reply
            } else if OxygeneRegisterStore.looksLikeRegister(scan.head) {
                self = .oxygeneRegister
            } else {
                self = .data
            }
        }
    }

    /// Files from this size on are hashed beside their conversion (``DeferredDigest`` says why),
    /// smaller ones by the scan. `FACTURATION_DEFERRED_DIGEST=n` (a test seam, like
    /// `FACTURATION_CSV_PIECES`) lowers it to `n` bytes, so end-to-end tests take that path with small files.
    static let deferredDigestBytes: Int64 = {
        guard let text = getenv("FACTURATION_DEFERRED_DIGEST").map({ String(cString: $0) }), let bytes = Int64(text),
            bytes >= 0
        else { return 32 << 20 }
        return bytes
    }()

    /// `partial` with its digest, from bytes as many as the scan read: a file that changed
    /// between the scan and the digest's own read goes back to the inbox (``ChangedFile``). A
    /// second belt: `claimed.check` compares the file's status at each step anyway.
    private func finished(_ partial: FileScan) throws -> FileScan {
        let scan = try partial.finishingDigest()
        if let hashed = scan.hashedBytes, hashed != scan.size {
            throw ChangedFile(step: .scan, sizeBefore: scan.size, sizeAfter: hashed)
        }
        return scan
    }

    /// What the index says of this content (nil: it is new). The claim of a run stopped after it
    /// recorded the file is finished; another file with the same content is a duplicate.
    private func knownContent(_ claim: Claim, scan: FileScan, claimed: FileSnapshot) throws -> FileOutcome? {
        guard let entry = try IndexEntry.load(path: markerPath(scan.sha256)) else { return nil }
        if entry.claim == claim.id {
            return try finishImport(claim, scan: scan, entry: entry)
        }
        try claimed.check(claim, scannedSize: scan.size, step: .scan)
        return try moveDuplicate(claim, scan: scan, of: entry)
    }

    /// The Oxygène register export (``OxygeneRegisterReader``): read whole, then recorded as the
    /// newest register (``OxygeneRegisterStore``); the invoicing stage reads it from the archive.
    private func processOxygeneRegister(_ claim: Claim, scan: FileScan, claimed: FileSnapshot) throws -> FileOutcome {
        if let damage = scan.utf8Damage {
            let rejection = FormatSniffer.damagedUTF8(scan, damage, described: "This Oxygène register export")
            return try reject(claim, scan: scan, rejection: rejection, unlessChangedSince: claimed)
        }
        let entries: [OxygeneRegisterEntry]
        switch OxygeneRegisterReader.read(try Storage.read(claim.originalPath)) {
        case .success(let read): entries = read
        case .failure(let problems):
            let rejection = Rejection(
                format: nil,
                summary: "This Oxygène register export (Factures clients) cannot be read:\n"
                    + problems.list.map { "  " + $0.description }.joined(separator: "\n"),
                advice: "Export the register again from Oxygène (Factures clients, CSV) without editing it, "
                    + "then drop the new file into inbox/.")
            return try reject(claim, scan: scan, rejection: rejection, unlessChangedSince: claimed)
        }
        try claimed.check(claim, scannedSize: scan.size, step: .conversion)
        let archived = archivedPath(workspace.archivedFiles, claim)
        let store = OxygeneRegisterStore(layout: layout)
        // A register is a full snapshot: the newest replaces the one before, which is said (two
        // exports dropped together are taken in the order they were claimed).
        let replaced = try store.newestRecord().flatMap { $0.claim == claim.id ? nil : $0 }
        try store.record(.init(claim: claim.id, archived: archived, sha256: scan.sha256, entries: entries.count))
        var notes = ["Oxygène register: \(entries.count) documents, kept as history and to confirm the exported pieces"]
        if let replaced {
            notes.append(
                "replaces the register imported before (\(Path.name(of: replaced.archived)), \(replaced.entries) "
                    + "documents): the newest export is the one in force")
        }
        let entry = IndexEntry(
            sha256: scan.sha256, name: claim.originalName, claim: claim.id, claimedAt: claim.claimedAt,
            archived: archived, format: OxygeneRegisterStore.format, records: entries.count, partitions: [],
            notes: notes)
        try writeMarker(entry)
        return try finishImport(claim, scan: scan, entry: entry)
    }

    /// A time or bank export: converted, merged into the ledgers, marked as imported.
    private func importData(_ claim: Claim, scan partial: FileScan, claimed: FileSnapshot) throws -> FileOutcome {
        let name = claim.originalName
        let report: ConversionReport, output: NormalizedOutput, scan: FileScan
        switch try convert(claim, scan: partial, claimed: claimed) {
        case .ended(let outcome): return outcome
        case .converted(let converted, let into, let finished): (report, output, scan) = (converted, into, finished)
        }
        let kind = output.kind
        // Nothing reached the ledgers yet: a file that changed is simply taken again later.
        try claimed.check(claim, scannedSize: scan.size, step: .conversion)

        let update = try LedgerUpdater(layout: layout).apply(
            kind: kind, partitionFiles: output.partitionFiles, sortedPartitions: output.sortedPartitions,
            scratch: Path.join(claim.scratchFolder, "merge"))
        TestPause.point("after-merge")
        // The merged rows came from the bytes that were hashed (checked just above); a file that
        // changes now is not archived under a hash its bytes no longer have.
        try claimed.check(claim, scannedSize: scan.size, step: .merge)
        let entry = IndexEntry(
            sha256: scan.sha256, name: name, claim: claim.id, claimedAt: claim.claimedAt,
            archived: archivedPath(workspace.archivedFiles, claim),
            format: report.format.rawValue, records: report.records,
            partitions: report.partitions.keys.sorted(), notes: report.notes)
        try writeMarker(entry)
        var outcome = try finishImport(claim, scan: scan, entry: entry)
        outcome.counts = update.counts
        outcome.delivered = update.delivered.map { Path.relative(Path.join(layout.outbox, $0), to: workspace.root) }
        outcome.warnings = update.warnings
        return outcome
    }

    /// How a conversion ended.
    private enum Conversion {
        /// The file reached its terminal state: rejected, a duplicate, or the claim of a stopped run finished.
        case ended(FileOutcome)
        /// Converted into the output (nothing merged yet); the scan has its digest.
        case converted(ConversionReport, NormalizedOutput, FileScan)
    }

    /// Converts an export into its scratch folder. A scan whose digest was deferred gets it here,
    /// before anything is rejected or merged: a file imported already is told as a duplicate (or
    /// finished, for the claim that recorded it) whatever its conversion says or throws, as when
    /// the digest came first. The digest stays deferred only for the Clockify conversion in
    /// pieces, which stops once the file is found imported; any other conversion waits for it.
    private func convert(_ claim: Claim, scan partial: FileScan, claimed: FileSnapshot) throws -> Conversion {
        let detection: FormatSniffer.Detection
        switch FormatSniffer.detect(partial) {
        case .success(let detected): detection = detected
        case .failure(let rejection):
            return .ended(try reject(claim, unlessKnown: partial, rejection: rejection, claimed: claimed))
        }
        if partial.digestIsDeferred,
            !(detection.format == .clockifyDetailedCSV && ClockifyCSVConverter.convertsInPieces(partial))
        {
            let scan = try finished(partial)
            if let known = try knownContent(claim, scan: scan, claimed: claimed) { return .ended(known) }
            return try convert(claim, scan: scan, claimed: claimed)
        }
        try Storage.removeTree(claim.scratchFolder)
        let kind = detection.format.ledger
        let output = try NormalizedOutput(directory: claim.scratchFolder, kind: kind)
        output.enableDirectRows(budget: .production) { !Storage.exists(layout.ledger(kind, $0)) }
        let name = claim.originalName
        var context = ConversionContext(
            path: claim.originalPath, sourceName: name, scan: partial, detection: detection,
            pipeline: layout.pipeline, zone: ZoneConverter(timeZone: layout.pipeline.timeZone),
            classifier: EntryClassifier(pipeline: layout.pipeline), output: output,
            progress: progress.map { report in { done, total in report(name, done, total) } })
        if partial.digestIsDeferred {
            context.alreadyImported = { wait in
                let digest = wait ? (try? partial.finishingDigest())?.sha256 : partial.finishedDeferredDigest
                return digest.map { (try? IndexEntry.load(path: markerPath($0))) != nil } ?? false
            }
            // From now on the digest's thread takes only what the conversion leaves of the cores.
            partial.digestYieldsToTheRun()
        }
        let report: ConversionReport
        do {
            report = try Importer.convert(context)
        } catch let rejection as Rejection {
            try output.discard()
            return .ended(try reject(claim, unlessKnown: partial, rejection: rejection, claimed: claimed))
        } catch {
            // Stopped, or failed otherwise: the index decides first when the digest was deferred.
            guard partial.digestIsDeferred else { throw error }
            try? output.discard()
            let scan = try finished(partial)
            if let known = try knownContent(claim, scan: scan, claimed: claimed) { return .ended(known) }
            // Stopped, but its index entry went away since (not under the run's lock): converted whole.
            guard error is ConversionStopped else { throw error }
            return try convert(claim, scan: scan, claimed: claimed)
        }
        TestPause.point("after-conversion")
        let scan = try finished(partial)
        if partial.digestIsDeferred, let known = try knownContent(claim, scan: scan, claimed: claimed) {
            try output.discard()
            return .ended(known)
        }
        return .converted(report, output, scan)
    }

    /// Rejects a file whose digest may have been deferred: once its identity is known, and unless
    /// its content was imported already (``knownContent(_:scan:claimed:)``).
    private func reject(
        _ claim: Claim, unlessKnown partial: FileScan, rejection: Rejection, claimed: FileSnapshot
    ) throws -> FileOutcome {
        let scan = try finished(partial)
        if partial.digestIsDeferred, let known = try knownContent(claim, scan: scan, claimed: claimed) { return known }
        return try reject(claim, scan: scan, rejection: rejection, unlessChangedSince: claimed)
    }

    /// An approval decision or a credit-note request (see ``RequestFile``).
    private func processRequest(_ claim: Claim, scan: FileScan, claimed: FileSnapshot) throws -> FileOutcome {
        let request: RequestFile
        switch try RequestFile.read(path: claim.originalPath) {
        case .success(let parsed): request = parsed
        case .failure(let rejection):
            return try reject(claim, scan: scan, rejection: rejection, unlessChangedSince: claimed)
        }
        try claimed.check(claim, scannedSize: scan.size, step: .conversion)
        let processor = RequestProcessor(layout: layout, now: claim.claimedAt)
        switch try processor.handle(request, fileHash: scan.sha256) {
        case .success(let done): return try finishRequest(claim, scan: scan, note: done)
        case .failure(let rejection):
            return try reject(claim, scan: scan, rejection: rejection, unlessChangedSince: claimed)
        }
    }

    /// A person's decisions on receipts (see ``PaymentDecisionFile``).
    private func processPaymentDecision(
        _ claim: Claim, scan: FileScan, claimed: FileSnapshot
    ) throws
        -> FileOutcome
    {
        if let damage = scan.utf8Damage {
            let rejection = FormatSniffer.damagedUTF8(scan, damage, described: "This file of payment decisions")
            return try reject(claim, scan: scan, rejection: rejection, unlessChangedSince: claimed)
        }
        let rows: [PaymentDecisionFile.Row]
        switch try PaymentDecisionFile.read(path: claim.originalPath, encoding: scan.encoding) {
        case .success(let read): rows = read
        case .failure(let rejection):
            return try reject(claim, scan: scan, rejection: rejection, unlessChangedSince: claimed)
        }
        try claimed.check(claim, scannedSize: scan.size, step: .conversion)
        let desk = PaymentDesk(workspace: workspace, layout: layout)
        switch try desk.apply(rows, source: "inbox:" + scan.sha256.prefix(16)) {
        case .success(let done): return try finishRequest(claim, scan: scan, note: done)
        case .failure(let rejection):
            return try reject(claim, scan: scan, rejection: rejection, unlessChangedSince: claimed)
        }
    }

    /// A mail message (a reply, `.eml`): read into a ``ReplyRecord`` for the reply stage, once per Message-ID.
    private func processReply(_ claim: Claim, scan: FileScan, claimed: FileSnapshot) throws -> FileOutcome {
        guard scan.size <= ReplyRecord.fileLimit else {
            return try reject(
                claim, scan: scan,
                rejection: Rejection(
                    format: nil,
                    summary: "This e-mail message is larger than \(ReplyRecord.fileLimit >> 20) MB: it is not read.",
                    advice: "Read it in the mail client; the reply stage classifies only messages up to that size."),
                unlessChangedSince: claimed)
        }
        let bytes = try Storage.read(claim.originalPath, limit: ReplyRecord.fileLimit)
        try claimed.check(claim, scannedSize: scan.size, step: .conversion)
        let record = ReplyRecord(
            bytes: bytes, file: claim.originalName, sha256: scan.sha256, receivedAt: claim.claimedAt)
        let recorded = try ReplyStore(layout: layout).record(record)
        let id = record.messageID.map { "<\($0)>" } ?? "without Message-ID"
        var notes = [
            recorded ? "reply \(id) recorded for the reply stage" : "reply \(id) was already recorded (same Message-ID)"
        ]
        notes += record.notes
        return try finishRequest(claim, scan: scan, notes: notes, format: "reply")
    }

    /// Marks a carried-out request file as processed and archives it.
    private func finishRequest(_ claim: Claim, scan: FileScan, note: String) throws -> FileOutcome {
        try finishRequest(claim, scan: scan, notes: [note], format: Self.requestFormat)
    }

    private func finishRequest(_ claim: Claim, scan: FileScan, notes: [String], format: String) throws -> FileOutcome {
        let entry = IndexEntry(
            sha256: scan.sha256, name: claim.originalName, claim: claim.id, claimedAt: claim.claimedAt,
            archived: archivedPath(workspace.archivedFiles, claim),
            format: format, records: 0, partitions: [], notes: notes)
        try writeMarker(entry)
        return try finishImport(claim, scan: scan, entry: entry)
    }

    /// The format recorded for request files (approvals, credit notes, holds, one-off invoices, payment decisions).
    static let requestFormat = "request"

    // MARK: - Terminal states

    private func finishImport(_ claim: Claim, scan: FileScan, entry: IndexEntry) throws -> FileOutcome {
        try Storage.removeTree(claim.scratchFolder)
        let destination = archiveFolder(workspace.archivedFiles, claim)
        try moveClaim(claim, to: destination)
        var outcome = makeOutcome(.imported, claim, sha256: scan.sha256, in: workspace.archivedFiles)
        outcome.format = entry.format
        outcome.records = entry.records
        outcome.partitions = entry.partitions
        outcome.notes = entry.notes
        return outcome
    }

    /// Rejects a file that was read, unless it changed since the claim: a file still being written
    /// goes back to the inbox (``ChangedFile``) rather than being judged, and archived, on a part
    /// of its bytes under a hash it no longer has.
    private func reject(
        _ claim: Claim, scan: FileScan, rejection: Rejection,
        unlessChangedSince claimed: FileSnapshot
    ) throws -> FileOutcome {
        try claimed.check(claim, scannedSize: scan.size, step: .conversion)
        return try reject(claim, scan: scan, rejection: rejection)
    }

    /// `scan` is nil when the file could not be read at all.
    private func reject(_ claim: Claim, scan: FileScan?, rejection: Rejection) throws -> FileOutcome {
        let text = ReasonReport.render(rejection: rejection, claim: claim, scan: scan)
        let reasonName = claim.storedName + ".reason.txt"
        try Storage.write(
            text, to: Path.join(claim.folder, reasonName), temporaryDirectory: layout.temporary,
            collision: .replace)
        let outboxName = "rejected/\(claim.dateFolder)_\(claim.archiveName)_\(reasonName)"
        try Outbox(layout: layout).deliverNew(Array(text.utf8), to: outboxName)
        try Storage.removeTree(claim.scratchFolder)
        let destination = archiveFolder(workspace.rejectedFiles, claim)
        try moveClaim(claim, to: destination)
        var outcome = makeOutcome(.rejected, claim, sha256: scan?.sha256 ?? "", in: workspace.rejectedFiles)
        outcome.format = rejection.format?.rawValue
        outcome.reason = rejection.summary
        outcome.problemCount = rejection.problems.total
        outcome.reasonFile = Path.relative(Path.join(destination, reasonName), to: workspace.root)
        outcome.delivered = [Path.relative(Path.join(layout.outbox, outboxName), to: workspace.root)]
        return outcome
    }

    private func moveDuplicate(_ claim: Claim, scan: FileScan, of entry: IndexEntry) throws -> FileOutcome {
        let request = entry.format == Self.requestFormat
        let note =
            "This file (\(claim.originalName)) has the same content (SHA-256 \(scan.sha256)) as "
            + "\"\(entry.name)\", received \(entry.claimedAt) and \(request ? "carried out" : "imported") then "
            + "(\(entry.archived)).\n"
            + (request
                ? "A request is carried out once. To ask again (hold an invoice again after lifting the hold, "
                    + "say), change the file (its reason, or by) and drop it again.\n"
                : "It was not imported again: its records are already in the ledgers. Nothing to do.\n"
                    + "If you meant to send new data, check that the export covers the right period.\n")
        try Storage.write(
            note, to: Path.join(claim.folder, claim.storedName + ".duplicate.txt"),
            temporaryDirectory: layout.temporary, collision: .replace)
        try Storage.removeTree(claim.scratchFolder)
        try moveClaim(claim, to: archiveFolder(workspace.duplicateFiles, claim))
        var outcome = makeOutcome(.duplicate, claim, sha256: scan.sha256, in: workspace.duplicateFiles)
        outcome.format = entry.format
        outcome.duplicateOf = entry.archived
        if request { outcome.reason = "a request is carried out once; to ask again, change the file and drop it again" }
        return outcome
    }

    /// The file changed after it was claimed: it goes back to the inbox (under its stored name),
    /// where the settle window holds it until its producer is done; nothing from it was archived.
    private func requeue(_ claim: Claim, _ change: ChangedFile) throws -> FileOutcome {
        try Storage.removeTree(claim.scratchFolder)
        do {
            try Storage.move(claim.originalPath, to: Path.join(layout.inbox, claim.storedName))
        } catch {
            // (A `catch … where` clause here crashes the Swift 6.3.1 compiler.)
            guard error.isAlreadyExists else { throw error }
            let rejection = Rejection(
                format: nil, summary: change.description + "; a new file with the same name is already in the inbox",
                advice: "Drop this file again once it is complete (compare it with the one in the inbox first).")
            return try reject(claim, scan: nil, rejection: rejection)
        }
        // Only the claim description is left: a crash before this removal is cleaned up by the next run.
        try Storage.removeTree(claim.folder)
        var outcome = makeOutcome(.requeued, claim, sha256: "", in: layout.inbox)
        outcome.archivedAt = Path.relative(Path.join(layout.inbox, claim.storedName), to: workspace.root)
        outcome.reason =
            change.description + "; it was put back in the inbox and will be taken again once it stops changing"
        return outcome
    }

    private func makeOutcome(_ kind: FileOutcome.Kind, _ claim: Claim, sha256: String, in area: String) -> FileOutcome {
        FileOutcome(
            kind: kind, pipeline: layout.pipeline.id, name: claim.originalName, claim: claim.id,
            sha256: sha256, archivedAt: archivedPath(area, claim))
    }

    // MARK: - Paths

    private func markerPath(_ sha256: String) -> String {
        Path.join(layout.index, String(sha256.prefix(2)), sha256 + ".txt")
    }

    private func writeMarker(_ entry: IndexEntry) throws(StorageError) {
        let marker = markerPath(entry.sha256)
        try Storage.makeDirectory(Path.parent(of: marker))
        try Storage.write(entry.serialized, to: marker, temporaryDirectory: layout.temporary, collision: .replace)
    }

    private func archiveFolder(_ area: String, _ claim: Claim) -> String {
        Path.join(area, claim.dateFolder, claim.archiveName)
    }

    /// Where the file is once the claim folder has moved to `area`, relative to the workspace.
    private func archivedPath(_ area: String, _ claim: Claim) -> String {
        Path.relative(Path.join(archiveFolder(area, claim), claim.storedName), to: workspace.root)
    }

    private func moveClaim(_ claim: Claim, to destination: String) throws(StorageError) {
        try Storage.makeDirectory(Path.parent(of: destination))
        try Storage.move(claim.folder, to: destination)
    }
}
