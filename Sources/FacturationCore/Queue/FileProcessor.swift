/// Takes one claim to its terminal state: imported, rejected or duplicate.
///
/// The steps are ordered so that a crash anywhere leaves a state from which running the same
/// claim again reaches the same end: conversion is recomputed from the original, ledger merges
/// are idempotent, the processed-file marker is written before the claim folder moves to the
/// archive, and that move is one atomic rename.
public struct FileProcessor {
    public let workspace: Workspace
    public let layout: PipelineLayout
    /// Called with (file name, bytes done, bytes total) while a large file is read.
    public var progress: ((String, Int64, Int64) -> Void)?

    public init(workspace: Workspace, layout: PipelineLayout, progress: ((String, Int64, Int64) -> Void)? = nil) {
        self.workspace = workspace
        self.layout = layout
        self.progress = progress
    }

    public func process(_ claim: Claim) throws -> FileOutcome {
        let pipeline = layout.pipeline
        let name = claim.originalName
        let scan = try FileScan.scan(path: claim.originalPath) { done in
            progress?(name, done, 0)
        }
        let marker = markerPath(scan.sha256)
        if let entry = IndexEntry.load(path: marker) {
            if entry.claim == claim.id {
                return try finishImport(claim, scan: scan, entry: entry)
            }
            return try moveDuplicate(claim, scan: scan, of: entry)
        }

        if scan.encoding != nil, RequestFile.looksLikeRequest(scan.head) {
            return try processRequest(claim, scan: scan)
        }
        if scan.encoding != nil, PaymentDecisionFile.looksLikeDecision(scan.head) {
            return try processPaymentDecision(claim, scan: scan)
        }

        let detection: FormatSniffer.Detection
        switch FormatSniffer.detect(scan) {
        case .success(let detected): detection = detected
        case .failure(let rejection): return try reject(claim, scan: scan, rejection: rejection)
        }
        guard let zone = ZoneConverter(identifier: pipeline.timeZone) else {
            throw WorkspaceError(message: "unknown time zone \(pipeline.timeZone) in \(pipeline.file)")
        }
        try Storage.removeTree(claim.scratchFolder)
        let output = try NormalizedOutput(directory: claim.scratchFolder, kind: detection.format.ledger)
        let context = ConversionContext(
            path: claim.originalPath, sourceName: name, scan: scan, detection: detection, pipeline: pipeline,
            zone: zone, classifier: EntryClassifier(pipeline: pipeline), output: output,
            progress: progress.map { report in { done, total in report(name, done, total) } })
        let report: ConversionReport
        do {
            report = try Importer.convert(context)
        } catch let rejection as Rejection {
            try output.discard()
            return try reject(claim, scan: scan, rejection: rejection)
        }

        let update = try LedgerUpdater(layout: layout).apply(
            kind: detection.format.ledger, partitionFiles: output.partitionFiles,
            scratch: Path.join(claim.scratchFolder, "merge"))
        let entry = IndexEntry(
            sha256: scan.sha256, name: name, claim: claim.id, claimedAt: claim.claimedAt,
            archived: Path.relative(archiveFolder(workspace.archivedFiles, claim), to: workspace.root) + "/" + name,
            format: report.format.rawValue, records: report.records,
            partitions: report.partitions.keys.sorted(), notes: report.notes)
        try Storage.makeDirectory(Path.parent(of: marker))
        try Storage.write(entry.serialized, to: marker, temporaryDirectory: layout.temporary, collision: .replace)
        var outcome = try finishImport(claim, scan: scan, entry: entry)
        outcome.counts = update.counts
        outcome.delivered = update.delivered.map { Path.relative(Path.join(layout.outbox, $0), to: workspace.root) }
        outcome.warnings = update.warnings
        return outcome
    }

    /// An approval decision or a credit-note request (see ``RequestFile``).
    private func processRequest(_ claim: Claim, scan: FileScan) throws -> FileOutcome {
        let request: RequestFile
        switch try RequestFile.read(path: claim.originalPath) {
        case .success(let parsed): request = parsed
        case .failure(let rejection): return try reject(claim, scan: scan, rejection: rejection)
        }
        let processor = RequestProcessor(workspace: workspace, pipeline: layout.pipeline, now: claim.claimedAt)
        switch try processor.handle(request, fileHash: scan.sha256) {
        case .success(let done): return try finishRequest(claim, scan: scan, note: done)
        case .failure(let rejection): return try reject(claim, scan: scan, rejection: rejection)
        }
    }

    /// A person's decisions on receipts (see ``PaymentDecisionFile``).
    private func processPaymentDecision(_ claim: Claim, scan: FileScan) throws -> FileOutcome {
        let rows: [PaymentDecisionFile.Row]
        switch try PaymentDecisionFile.read(path: claim.originalPath) {
        case .success(let read): rows = read
        case .failure(let rejection): return try reject(claim, scan: scan, rejection: rejection)
        }
        let desk = PaymentDesk(workspace: workspace, layout: layout)
        switch try desk.apply(rows, source: "inbox:" + scan.sha256.prefix(16)) {
        case .success(let done): return try finishRequest(claim, scan: scan, note: done)
        case .failure(let rejection): return try reject(claim, scan: scan, rejection: rejection)
        }
    }

    /// Marks a carried-out request file as processed and archives it.
    private func finishRequest(_ claim: Claim, scan: FileScan, note: String) throws -> FileOutcome {
        let entry = IndexEntry(
            sha256: scan.sha256, name: claim.originalName, claim: claim.id, claimedAt: claim.claimedAt,
            archived: Path.relative(archiveFolder(workspace.archivedFiles, claim), to: workspace.root) + "/"
                + claim.originalName,
            format: "request", records: 0, partitions: [], notes: [note])
        let marker = markerPath(scan.sha256)
        try Storage.makeDirectory(Path.parent(of: marker))
        try Storage.write(entry.serialized, to: marker, temporaryDirectory: layout.temporary, collision: .replace)
        return try finishImport(claim, scan: scan, entry: entry)
    }

    // MARK: - Terminal states

    private func finishImport(_ claim: Claim, scan: FileScan, entry: IndexEntry) throws -> FileOutcome {
        try Storage.removeTree(claim.scratchFolder)
        let destination = archiveFolder(workspace.archivedFiles, claim)
        try moveClaim(claim, to: destination)
        var outcome = FileOutcome(kind: .imported, pipeline: layout.pipeline.id, name: claim.originalName,
                                  claim: claim.id, sha256: scan.sha256,
                                  archivedAt: Path.relative(Path.join(destination, claim.originalName), to: workspace.root))
        outcome.format = entry.format
        outcome.records = entry.records
        outcome.partitions = entry.partitions
        outcome.notes = entry.notes
        return outcome
    }

    private func reject(_ claim: Claim, scan: FileScan, rejection: Rejection) throws -> FileOutcome {
        let text = ReasonReport.render(rejection: rejection, claim: claim, scan: scan)
        let reasonName = claim.originalName + ".reason.txt"
        try Storage.write(text, to: Path.join(claim.folder, reasonName), temporaryDirectory: layout.temporary,
                          collision: .replace)
        let outboxName = "rejected/\(claim.dateFolder)_\(claim.archiveName)_\(reasonName)"
        try Outbox(layout: layout).deliverNew(Array(text.utf8), to: outboxName)
        try Storage.removeTree(claim.scratchFolder)
        let destination = archiveFolder(workspace.rejectedFiles, claim)
        try moveClaim(claim, to: destination)
        var outcome = FileOutcome(kind: .rejected, pipeline: layout.pipeline.id, name: claim.originalName,
                                  claim: claim.id, sha256: scan.sha256,
                                  archivedAt: Path.relative(Path.join(destination, claim.originalName), to: workspace.root))
        outcome.format = rejection.format?.rawValue
        outcome.reason = rejection.summary
        outcome.problemCount = rejection.problems.total
        outcome.reasonFile = Path.relative(Path.join(destination, reasonName), to: workspace.root)
        outcome.delivered = [Path.relative(Path.join(layout.outbox, outboxName), to: workspace.root)]
        return outcome
    }

    private func moveDuplicate(_ claim: Claim, scan: FileScan, of entry: IndexEntry) throws -> FileOutcome {
        let note = "This file has the same content (SHA-256 \(scan.sha256)) as \"\(entry.name)\", received "
            + "\(entry.claimedAt) and imported then (\(entry.archived)).\n"
            + "It was not imported again: its records are already in the ledgers. Nothing to do.\n"
            + "If you meant to send new data, check that the export covers the right period.\n"
        try Storage.write(note, to: Path.join(claim.folder, claim.originalName + ".duplicate.txt"),
                          temporaryDirectory: layout.temporary, collision: .replace)
        try Storage.removeTree(claim.scratchFolder)
        let destination = archiveFolder(workspace.duplicateFiles, claim)
        try moveClaim(claim, to: destination)
        var outcome = FileOutcome(kind: .duplicate, pipeline: layout.pipeline.id, name: claim.originalName,
                                  claim: claim.id, sha256: scan.sha256,
                                  archivedAt: Path.relative(Path.join(destination, claim.originalName), to: workspace.root))
        outcome.format = entry.format
        outcome.duplicateOf = entry.archived
        return outcome
    }

    // MARK: - Paths

    private func markerPath(_ sha256: String) -> String {
        Path.join(layout.index, String(sha256.prefix(2)), sha256 + ".txt")
    }

    private func archiveFolder(_ area: String, _ claim: Claim) -> String {
        Path.join(area, claim.dateFolder, claim.archiveName)
    }

    private func moveClaim(_ claim: Claim, to destination: String) throws(StorageError) {
        try Storage.makeDirectory(Path.parent(of: destination))
        try Storage.move(claim.folder, to: destination)
    }
}
