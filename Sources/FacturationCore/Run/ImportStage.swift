import Foundation
import Logging

/// The import stage: the queue. Recovers the claims of an interrupted run, claims the complete
/// inbox files, and takes each to its terminal state (imported, rejected, duplicate, put back).
package final class ImportStage: Stage {
    package var name: StageName { .import }
    package var schedule: Schedule { .everyRun }

    let workspace: Workspace
    let layouts: [ArchiveLayout]
    let clock: Clock
    /// Overrides every pipeline's `inbox.settle_seconds` (tests, `--settle`).
    let settleSeconds: Double?
    let progress: ((String, Int64, Int64) -> Void)?
    var logger: Logger
    private var claimCounter = 0

    package init(
        workspace: Workspace, layouts: [ArchiveLayout], clock: Clock, settleSeconds: Double?,
        progress: ((String, Int64, Int64) -> Void)?, logger: Logger
    ) {
        self.workspace = workspace
        self.layouts = layouts
        self.clock = clock
        self.settleSeconds = settleSeconds
        self.progress = progress
        self.logger = logger
    }

    package func run(_ context: RunContext, summary: inout RunSummary) throws {
        for layout in layouts { try Storage.makeDirectory(layout.inbox) }
        // 1. Claims left by an interrupted run come first, in their original order.
        var queue = try recoverClaims(into: &summary).map { (claim: $0, resumed: true) }
        // 2. New files.
        for (entry, layout) in try candidates(into: &summary) {
            if let claim = try claim(entry, layout: layout, summary: &summary) { queue.append((claim, false)) }
        }
        // 3. Each claim to its terminal state.
        let byID = Dictionary(layouts.map { ($0.pipeline.id, $0) }, uniquingKeysWith: { first, _ in first })
        for (claim, resumed) in queue {
            if context.shouldStop() {
                logger.notice("Stopping before \(claim.originalName): asked to stop")
                break
            }
            guard let layout = byID[claim.pipelineID] else { continue }
            logger.debug("Processing file", metadata: ["file.name": "\(claim.originalName)", "claim": "\(claim.id)"])
            let processor = FileProcessor(workspace: workspace, layout: layout, progress: progress)
            let outcome = try processor.process(claim, resumed: resumed)
            log(outcome)
            summary.files.append(outcome)
        }
    }

    /// The settled files of every pipeline's inbox; the others are reported as waiting.
    private func candidates(into summary: inout RunSummary) throws -> [(InboxScanner.Entry, ArchiveLayout)] {
        var candidates: [(InboxScanner.Entry, ArchiveLayout)] = []
        for layout in layouts {
            let found = try InboxScanner.candidates(in: layout.inbox, relativeTo: workspace.root)
            summary.waiting.append(contentsOf: found.waiting)
            let settle = settleSeconds ?? layout.pipeline.inbox.settleSeconds
            let settled = InboxScanner.settled(found.files, settleSeconds: settle, relativeTo: workspace.root)
            summary.waiting.append(contentsOf: settled.waiting)
            candidates.append(contentsOf: settled.ready.map { ($0, layout) })
        }
        if layouts.count > 1 {
            let ids = layouts.map(\.pipeline.id)
            let stray = try InboxScanner.candidates(
                in: workspace.inbox, relativeTo: workspace.root,
                ignoringFolders: Set(ids))
            for file in stray.files {
                let folders: String = ids.map { "inbox/" + $0 + "/" }.joined(separator: ", ")
                let reason = "this workspace has several pipelines: move the file into one of " + folders
                summary.waiting.append(
                    InboxScanner.Waiting(
                        path: Path.relative(file.path, to: workspace.root),
                        reason: reason))
            }
        }
        return candidates
    }

    // MARK: - Claims

    private func recoverClaims(into summary: inout RunSummary) throws -> [Claim] {
        let pipelines = layouts.map(\.pipeline)
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
                    summary.errors.append(
                        "work/claims/\(name) cannot be resumed (its description is missing); "
                            + "its files were left there: move them back into inbox/")
                }
                continue
            }
            guard pipelines.contains(where: { $0.id == claim.pipelineID }) else {
                summary.errors.append(
                    "work/claims/\(name) belongs to pipeline \"\(claim.pipelineID)\", which no longer "
                        + "exists in pipelines/: restore that pipeline file, or move \(claim.originalName) back into inbox/"
                )
                continue
            }
            logger.notice(
                "Resuming interrupted file", metadata: ["file.name": "\(claim.originalName)", "claim": "\(name)"])
            claims.append(claim)
        }
        return claims
    }

    private func claim(_ entry: InboxScanner.Entry, layout: ArchiveLayout, summary: inout RunSummary) throws -> Claim? {
        // Each pipeline's claims are stamped in its own time zone.
        let clock = LocalClock(clock: self.clock, timeZone: layout.pipeline.timeZone)
        claimCounter += 1
        let stamp = clock.claimStamp()
        let random = String(UInt32.random(in: 0...UInt32.max), radix: 16)
        let padded: String = String(repeating: "0", count: 8 - random.count) + random
        let id: String = stamp + "-" + CivilDate.pad(claimCounter, 4) + "-" + padded
        let folder = Path.join(workspace.claims, id)
        let claim = Claim(
            id: id, folder: folder, pipelineID: layout.pipeline.id, originalName: entry.name.shown,
            storedName: entry.name.stored, claimedAt: clock.nowISO())
        try Storage.makeDirectory(folder)
        try Storage.write(
            claim.metadata, to: Path.join(folder, Claim.metadataName),
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
                summary.waiting.append(
                    InboxScanner.Waiting(
                        path: Path.relative(entry.path, to: workspace.root),
                        reason:
                            "the user running facturation may not move this file (\(String(cString: strerror(error.code)))): "
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
}
