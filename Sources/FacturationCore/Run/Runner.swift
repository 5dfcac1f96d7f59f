import Foundation
import Logging

/// Another run holds the workspace lock.
public struct AlreadyRunning: Error, Sendable, CustomStringConvertible {
    public let lockFile: String
    public let holder: String?
    public var description: String {
        "another facturation run is working on this workspace" + (holder.map { " (process \($0))" } ?? "")
            + "; nothing was done. Wait for it to finish (the lock \(lockFile) is released automatically, even "
            + "if that run crashes)."
    }
}

/// One pass of the pipeline over a workspace: recover interrupted claims, claim the complete
/// inbox files, take each to its terminal state, and record a summary.
public final class Runner {
    public struct Options: Sendable {
        /// The run's "today" (for scheduled stages); nil = the real date.
        public var today: CivilDate?
        /// Overrides every pipeline's `inbox.settle_seconds` (tests, `--settle`).
        public var settleSeconds: Double?

        public init(today: CivilDate? = nil, settleSeconds: Double? = nil) {
            self.today = today
            self.settleSeconds = settleSeconds
        }
    }

    public let workspace: Workspace
    public let pipelines: [PipelineConfig]
    public let options: Options
    public var logger: Logger
    /// Called with (file name, bytes done, bytes total) while a large file is read.
    public var progress: ((String, Int64, Int64) -> Void)?
    /// Checked between files: when it returns true the run stops after the current file.
    public var shouldStop: () -> Bool = { false }

    private var claimCounter = 0

    public init(workspace: Workspace, pipelines: [PipelineConfig], options: Options, logger: Logger) {
        self.workspace = workspace
        self.pipelines = pipelines
        self.options = options
        self.logger = logger
    }

    private var layouts: [String: PipelineLayout] {
        Dictionary(uniqueKeysWithValues: pipelines.map { ($0.id, workspace.layout(for: $0, pipelineCount: pipelines.count)) })
    }

    /// Runs one pass. Throws ``AlreadyRunning`` when the lock is held; any other error thrown
    /// (disk, damaged ledger) stops the pass, with every unfinished file left in `work/`.
    public func runOnce() throws -> RunSummary {
        let clock = LocalClock(timeZone: pipelines.first?.timeZone ?? "UTC")
        var summary = RunSummary(
            workspace: workspace.root, startedAt: clock.nowISO(),
            today: (options.today ?? clock.today()).description, pipelines: pipelines.map(\.id))

        for folder in [workspace.inbox, workspace.work, workspace.archive, workspace.outbox] {
            try Storage.makeDirectory(folder)
        }
        try workspace.checkSameFileSystem()
        guard let lock = try WorkspaceLock(path: workspace.lockFile) else {
            throw AlreadyRunning(lockFile: workspace.lockFile, holder: WorkspaceLock.holder(path: workspace.lockFile))
        }
        defer { withExtendedLifetime(lock) {} }
        try Storage.makeDirectory(workspace.claims)
        try Storage.removeTree(workspace.temporary)
        try Storage.makeDirectory(workspace.temporary)
        let layouts = self.layouts
        for layout in layouts.values { try Storage.makeDirectory(layout.inbox) }

        // 1. Claims left by an interrupted run come first, in their original order.
        var queue = try recoverClaims(into: &summary)

        // 2. New files.
        var candidates: [(InboxScanner.Entry, PipelineLayout)] = []
        for pipeline in pipelines {
            guard let layout = layouts[pipeline.id] else { continue }
            let found = try InboxScanner.candidates(in: layout.inbox, relativeTo: workspace.root)
            summary.waiting.append(contentsOf: found.waiting)
            let settle = options.settleSeconds ?? pipeline.inbox.settleSeconds
            let settled = InboxScanner.settled(found.files, settleSeconds: settle, relativeTo: workspace.root)
            summary.waiting.append(contentsOf: settled.waiting)
            candidates.append(contentsOf: settled.ready.map { ($0, layout) })
        }
        if pipelines.count > 1 {
            let stray = try InboxScanner.candidates(in: workspace.inbox, relativeTo: workspace.root,
                                                    ignoringFolders: Set(pipelines.map(\.id)))
            for file in stray.files {
                let folders: String = pipelines.map { "inbox/" + $0.id + "/" }.joined(separator: ", ")
                let reason = "this workspace has several pipelines: move the file into one of " + folders
                summary.waiting.append(InboxScanner.Waiting(path: Path.relative(file.path, to: workspace.root),
                                                            reason: reason))
            }
        }
        for (entry, layout) in candidates {
            if let claim = try claim(entry, layout: layout, clock: clock, summary: &summary) { queue.append(claim) }
        }

        // 3. Each claim to its terminal state.
        for claim in queue {
            if shouldStop() {
                logger.notice("Stopping before \(claim.originalName): asked to stop")
                break
            }
            guard let layout = layouts[claim.pipelineID] else { continue }
            logger.debug("Processing file", metadata: ["file.name": "\(claim.originalName)", "claim": "\(claim.id)"])
            let processor = FileProcessor(workspace: workspace, layout: layout, progress: progress)
            let outcome = try processor.process(claim)
            log(outcome)
            summary.files.append(outcome)
        }

        // 4. Invoicing, once the inbox is done (a stopped run leaves it to the next one).
        if !shouldStop() {
            try invoice(today: options.today ?? clock.today(), layouts: layouts, into: &summary)
        }

        summary.finishedAt = LocalClock(timeZone: pipelines.first?.timeZone ?? "UTC").nowISO()
        try record(summary)
        return summary
    }

    // MARK: - Invoicing

    private func invoice(today: CivilDate, layouts: [String: PipelineLayout], into summary: inout RunSummary) throws {
        let invoicing = pipelines.filter { $0.invoicing != nil }
        guard !invoicing.isEmpty else { return }
        let validator: XMLSchemaValidator
        do {
            validator = try XMLSchemaValidator(schemaPath: try SchemaCatalog.locate().ciiXSDPath)
        } catch {
            summary.errors.append("no invoice was issued: \(error)")
            return
        }
        for pipeline in invoicing {
            guard let settings = pipeline.invoicing, let layout = layouts[pipeline.id] else { continue }
            var stage = InvoicingStage(workspace: workspace, layout: layout, settings: settings)
            stage.ciiValidator = validator
            let report = try stage.run(today: today)
            for issued in report.issued {
                logger.info("Issued \(issued.kind)", metadata: ["number": "\(issued.number)", "client": "\(issued.client)",
                                                               "total": "\(issued.totalInclVAT)"])
            }
            for problem in report.errors { logger.error("\(problem)") }
            summary.invoicing.append(report)
            summary.payments.append(try PaymentStage(workspace: workspace, layout: layout).run(today: today))
            do {
                summary.fec += try AccountingStage(workspace: workspace, layout: layout).monthly(today: today)
            } catch let error as InvoicingError {
                summary.errors.append(error.message)
            }
            // Weekly three-way reconciliation, on Mondays (1970-01-01 was a Thursday).
            if (today.daysSinceEpoch + 3) % 7 == 0 {
                let (report, path) = try Reconciliation(workspace: workspace, layout: layout).publish(today: today)
                summary.reconciliation.append(Reconciliation.summary(report, path: path))
            }
        }
    }

    // MARK: - Claims

    private func recoverClaims(into summary: inout RunSummary) throws -> [Claim] {
        var claims: [Claim] = []
        for name in try Storage.list(workspace.claims) {
            let folder = Path.join(workspace.claims, name)
            guard Storage.isDirectory(folder) else { continue }
            guard let claim = Claim.load(folder: folder), Storage.exists(claim.originalPath) else {
                // Interrupted before the file was moved in: the file is still in the inbox.
                let leftovers = (try? Storage.list(folder)) ?? []
                if leftovers.allSatisfy({ $0 == Claim.metadataName }) {
                    try Storage.removeTree(folder)
                } else {
                    summary.errors.append("work/claims/\(name) cannot be resumed (its description is missing); "
                        + "its files were left there: move them back into inbox/")
                }
                continue
            }
            guard pipelines.contains(where: { $0.id == claim.pipelineID }) else {
                summary.errors.append("work/claims/\(name) belongs to pipeline \"\(claim.pipelineID)\", which no longer "
                    + "exists in pipelines/: restore that pipeline file, or move \(claim.originalName) back into inbox/")
                continue
            }
            logger.notice("Resuming interrupted file", metadata: ["file.name": "\(claim.originalName)", "claim": "\(name)"])
            claims.append(claim)
        }
        return claims
    }

    private func claim(_ entry: InboxScanner.Entry, layout: PipelineLayout, clock: LocalClock,
                       summary: inout RunSummary) throws -> Claim? {
        claimCounter += 1
        let stamp = clock.claimStamp()
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let padded: String = String(repeating: "0", count: 8 - random.count) + random
        let id: String = stamp + "-" + CivilDate.pad(claimCounter, 4) + "-" + padded
        let folder = Path.join(workspace.claims, id)
        let claim = Claim(id: id, folder: folder, pipelineID: layout.pipeline.id, originalName: entry.name.shown,
                          storedName: entry.name.stored, claimedAt: clock.nowISO())
        try Storage.makeDirectory(folder)
        try Storage.write(claim.metadata, to: Path.join(folder, Claim.metadataName),
                          temporaryDirectory: workspace.temporary)
        do {
            try Storage.move(entry.raw, to: claim.originalPath)
        } catch {
            // (`catch … where` on this typed throw crashes the Swift 6.3.1 compiler in places.)
            // Removed from the inbox by someone meanwhile: nothing to claim. Or (EPERM) the service
            // user may not move this one file (a shared inbox with the sticky bit and a file of
            // another user): it stays where it is, reported, and the run goes on with the others.
            // EACCES (no write permission on inbox/ or work/) is the workspace's: the run stops.
            guard error.isNotFound || error.code == EPERM else { throw error }
            try Storage.removeTree(folder)
            if !error.isNotFound {
                summary.waiting.append(InboxScanner.Waiting(
                    path: Path.relative(entry.path, to: workspace.root),
                    reason: "the user running facturation may not move this file (\(String(cString: strerror(error.code)))): "
                        + "the inbox is probably shared with the sticky bit, or the file belongs to another user; "
                        + "give it to that user (chown) or drop it again as that user"))
            }
            return nil
        }
        return claim
    }

    // MARK: - Reporting

    private func log(_ outcome: FileOutcome) {
        var metadata: Logger.Metadata = [:]
        metadata["file.name"] = .string(outcome.name)
        metadata["archived"] = .string(outcome.archivedAt)
        switch outcome.kind {
        case .imported:
            metadata["records"] = .string(String(outcome.records))
            logger.info("Imported file", metadata: metadata)
        case .rejected:
            metadata["reason"] = .string(outcome.reason ?? "")
            logger.warning("Rejected file", metadata: metadata)
        case .duplicate:
            logger.info("Duplicate file", metadata: metadata)
        case .requeued:
            metadata["reason"] = .string(outcome.reason ?? "")
            logger.warning("File put back in the inbox", metadata: metadata)
        }
    }

    private func record(_ summary: RunSummary) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(summary)
        let folder = Path.join(workspace.runs, String(summary.startedAt.prefix(10)))
        try Storage.makeDirectory(folder)
        let name = summary.startedAt.replacingOccurrences(of: ":", with: "") + ".json"
        try Storage.write(Array(data) + [0x0A], to: Path.join(folder, name), temporaryDirectory: workspace.temporary,
                          collision: .replace)
    }
}
