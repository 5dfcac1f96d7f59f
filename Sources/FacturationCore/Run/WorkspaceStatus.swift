import Foundation

/// A read-only picture of a workspace: what waits in each queue, the last run, rejected files.
/// Taking it never locks the workspace, so it is safe while a run is working.
package struct WorkspaceStatus: Sendable, Codable {
    package struct RejectedFile: Sendable, Codable {
        package let path: String
        package let reasonFile: String
        package let problem: String
    }

    package struct LedgerMonth: Sendable, Codable {
        package let pipeline: String
        package let ledger: String
        package let partition: String
        package let path: String
    }

    package var workspace: String
    /// The process id of a run in progress, if any.
    package var runningProcess: String?
    /// Files in the inbox that the next run will take.
    package var ready: [String] = []
    /// Files in the inbox that are left alone, with the reason.
    package var waiting: [InboxScanner.Waiting] = []
    /// Files claimed by an interrupted run (resumed by the next run).
    package var interrupted: [String] = []
    package var lastRun: RunSummary?
    /// Rejected files, most recent first (at most 20).
    package var rejected: [RejectedFile] = []
    package var rejectedTotal = 0
    package var ledgers: [LedgerMonth] = []
    /// Drafts waiting for a person's decision (outbox/to-approve/).
    package var toApprove: [InvoicingReport.Waiting] = []
    /// Issued invoices and credit notes, per pipeline, and the last number.
    package var issued: [String: Int] = [:]
    package var lastNumber: [String: String] = [:]
    /// The e-mail queue of each pipeline that sends (Optional: statuses of older versions read).
    package var mail: [MailQueueStatus]? = nil

    /// What waits in a pipeline's send queue.
    package struct MailQueueStatus: Sendable, Codable {
        package var pipeline: String
        /// Messages in `outbox/to-send/`, with their last failure when an attempt failed.
        package var queued: [String] = []
        /// Messages in `outbox/send-failed/`.
        package var failed: [String] = []
        /// Messages with a proof in `archive/sent/`.
        package var sent = 0
    }

    /// Reads the state of `workspace` for `pipelines`.
    package static func read(workspace: Workspace, pipelines: [PipelineConfig]) throws -> WorkspaceStatus {
        var status = WorkspaceStatus(workspace: workspace.root)
        status.runningProcess = runningProcess(workspace)
        for pipeline in pipelines {
            let layout = workspace.layout(for: pipeline, pipelineCount: pipelines.count)
            let found = try InboxScanner.candidates(
                in: layout.inbox, relativeTo: workspace.root,
                ignoringFolders: pipelines.count > 1 ? Set(pipelines.map(\.id)) : [])
            status.ready.append(contentsOf: found.files.map { Path.relative($0.path, to: workspace.root) })
            status.waiting.append(contentsOf: found.waiting)
            if pipeline.invoicing != nil {
                try status.readInvoicing(of: pipeline, layout: layout)
            }
            if pipeline.delivery?.send == true || (pipeline.delivery?.smtp != nil && !pipeline.digest.to.isEmpty) {
                status.mail = (status.mail ?? []) + [try readMailQueue(layout)]
            }
            try status.readLedgers(of: pipeline, layout: layout, workspace: workspace)
        }
        for claim in try Storage.listIfPresent(workspace.claims) {
            if let loaded = Claim.load(folder: Path.join(workspace.claims, claim)) {
                status.interrupted.append("work/claims/\(claim)/\(loaded.originalName)")
            }
        }
        status.lastRun = try lastRun(workspace)
        try status.readRejected(workspace)
        return status
    }

    /// The process id of the facturation run holding the workspace lock, when it is still alive.
    private static func runningProcess(_ workspace: Workspace) -> String? {
        if let pid = WorkspaceLock.holder(path: workspace.lockFile), let number = Int32(pid), number > 0,
            kill(number, 0) == 0, let command = try? Storage.readText("/proc/\(pid)/cmdline", limit: 4096),
            command.contains("facturation")
        {
            return pid
        }
        return nil
    }

    /// The drafts of `pipeline` waiting for a decision, and how many documents it issued.
    private mutating func readInvoicing(of pipeline: PipelineConfig, layout: ArchiveLayout) throws {
        let store = InvoiceStore(layout: layout)
        let decided = try store.decisions()
        for draft in try store.waitingDrafts() where decided[draft.id] == nil {
            toApprove.append(
                .init(
                    draft: draft.id, client: draft.clientCode,
                    totalInclVAT: FrenchDates.euros(
                        (try? InvoiceBuilder.totals(of: draft.lines))?.grandTotalMinor ?? 0),
                    reason: draft.approvalReason ?? "waiting for a decision"))
        }
        // Formal notices of the dunning stage waiting for a decision.
        let dunning = DunningStore(layout: layout)
        let noticeDecisions = try dunning.decisions()
        for reminder in try dunning.reminders()
        where reminder.status == .awaitingApproval && noticeDecisions[reminder.id] == nil {
            toApprove.append(
                .init(
                    draft: reminder.id, client: reminder.client,
                    totalInclVAT: ReminderTemplates.totalText(reminder),
                    reason: "formal notice (mise en demeure) dated \(reminder.date): sent only once approved"))
        }
        let documents = try store.issued()
        issued[pipeline.id] = documents.count
        lastNumber[pipeline.id] = documents.last?.number
    }

    /// The send queue of a pipeline that sends.
    package static func readMailQueue(_ layout: ArchiveLayout) throws -> MailQueueStatus {
        var queue = MailQueueStatus(pipeline: layout.pipeline.id)
        for file in try Storage.listIfPresent(layout.inOutbox(layout.sendQueueOutbox)).sorted()
        where file.hasSuffix(".eml") {
            let name = String(file.dropLast(4))
            let attempts = try? FacturationError.decode(
                SendAttempts.self, at: layout.sendAttempts(name), limit: 1 << 20)
            queue.queued.append(
                name + (attempts?.lastFailure.map { " (\(attempts?.attempts ?? 0) attempts, last: \($0))" } ?? ""))
        }
        let failed = layout.inOutbox(layout.sendFailedOutbox)
        queue.failed = try Storage.listIfPresent(failed).filter { $0.hasSuffix(".eml") }.map { String($0.dropLast(4)) }
            .sorted()
        queue.sent = try Storage.listIfPresent(layout.sent).filter { $0.hasSuffix(".json") }.count
        return queue
    }

    /// The monthly ledger files of `pipeline`, of every kind.
    private mutating func readLedgers(of pipeline: PipelineConfig, layout: ArchiveLayout, workspace: Workspace) throws {
        for kind in LedgerKind.allCases {
            let folder = Path.join(layout.ledgers, kind.rawValue)
            for name in try Storage.listIfPresent(folder) where name.hasSuffix(".csv") {
                ledgers.append(
                    LedgerMonth(
                        pipeline: pipeline.id, ledger: kind.rawValue, partition: String(name.dropLast(4)),
                        path: Path.relative(Path.join(folder, name), to: workspace.root)))
            }
        }
    }

    /// Counts the rejected files and lists the 20 most recent with the problem their reason file states.
    private mutating func readRejected(_ workspace: Workspace) throws {
        var rejected: [RejectedFile] = []
        for day in try Storage.listIfPresent(workspace.rejectedFiles).reversed() {
            let dayFolder = Path.join(workspace.rejectedFiles, day)
            for claim in try Storage.listIfPresent(dayFolder).reversed() {
                let folder = Path.join(dayFolder, claim)
                guard let reason = try Storage.listIfPresent(folder).first(where: { $0.hasSuffix(".reason.txt") })
                else {
                    continue
                }
                rejectedTotal += 1
                guard rejected.count < 20 else { continue }
                let reasonPath = Path.join(folder, reason)
                let text = (try? Storage.readText(reasonPath, limit: 1 << 20)) ?? ""
                let problem =
                    text.split(separator: "\n").first(where: { $0.hasPrefix("Problem:") })
                    .map { String($0.dropFirst("Problem:".count)).trimmed } ?? ""
                rejected.append(
                    RejectedFile(
                        path: Path.relative(
                            Path.join(folder, String(reason.dropLast(".reason.txt".count))), to: workspace.root),
                        reasonFile: Path.relative(reasonPath, to: workspace.root), problem: problem))
            }
        }
        self.rejected = rejected
    }

    /// The summary of the newest run recorded in `archive/runs/`.
    package static func lastRun(_ workspace: Workspace) throws -> RunSummary? {
        guard let day = try Storage.listIfPresent(workspace.runs).last else { return nil }
        let folder = Path.join(workspace.runs, day)
        guard let file = try Storage.listIfPresent(folder).last(where: { $0.hasSuffix(".json") }) else { return nil }
        let bytes = try Storage.read(Path.join(folder, file), limit: 64 << 20)
        return try? JSONDecoder().decode(RunSummary.self, from: Data(bytes))
    }
}
