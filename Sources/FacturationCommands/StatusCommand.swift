import ArgumentParser
import FacturationCore
import Foundation

/// `facturation status`: what waits in each queue, the last run, the rejected files.
struct StatusCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what waits in the inbox, interrupted work, the last run and rejected files.",
        discussion: "With --health: what needs a person (stale inputs, old approvals, send failures, cash alert, "
            + "critical unpaid invoices, a failed run); exit 0 healthy, 10 warning, 11 critical.")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "Print the status as JSON.")
    var json = false

    @Flag(help: "Check what needs a person; exit 0 healthy, 10 warning, 11 critical (for monitoring).")
    var health = false

    func run() throws {
        let workspace = global.resolvedWorkspace
        let pipelines = try global.loadPipelines(workspace)
        if health {
            try checkHealth(workspace, pipelines: pipelines)
            return
        }
        let status = try WorkspaceStatus.read(workspace: workspace, pipelines: pipelines)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            StandardStreams.out(String(decoding: try encoder.encode(status), as: UTF8.self) + "\n")
            return
        }
        var out = "Workspace \(status.workspace)\n"
        out += status.runningProcess.map { "A run is in progress (process \($0)).\n" } ?? ""
        out += "\nInbox: \(status.ready.count) file\(status.ready.count == 1 ? "" : "s") ready for the next run\n"
        for path in status.ready { out += "  \(path)\n" }
        for waiting in status.waiting { out += "  \(waiting.path): \(waiting.reason)\n" }
        if !status.interrupted.isEmpty {
            out += "\nInterrupted (resumed by the next run):\n"
            for path in status.interrupted { out += "  \(path)\n" }
        }
        out += "\nLast run: " + Self.lastRun(status.lastRun)
        out += "\nRejected files: \(status.rejectedTotal)\n"
        for file in status.rejected { out += "  \(file.path)\n    \(file.problem)\n    see \(file.reasonFile)\n" }
        for pipeline in status.issued.keys.sorted() {
            out +=
                "\nInvoices (\(pipeline)): \(status.issued[pipeline] ?? 0) issued"
                + (status.lastNumber[pipeline].map { ", last \($0)" } ?? "") + "\n"
        }
        out += Self.mail(status.mail ?? [])
        if !status.toApprove.isEmpty {
            out += "\nWaiting for approval (outbox/to-approve/; `facturation approve ID` or `reject ID --reason …`):\n"
            for draft in status.toApprove {
                out += "  \(draft.draft)  \(draft.client)  \(draft.totalInclVAT) TTC: \(draft.reason)\n"
            }
        }
        if !status.ledgers.isEmpty {
            out += "\nLedgers:\n"
            let grouped = Dictionary(grouping: status.ledgers) { "\($0.pipeline) \($0.ledger)" }
            for key in grouped.keys.sorted() {
                let months = (grouped[key] ?? []).map(\.partition).sorted().joined(separator: ", ")
                out += "  \(key): \(months)\n"
            }
        }
        StandardStreams.out(out)
    }

    /// `--health`: the problems (text or JSON), then the exit status of the worst.
    private func checkHealth(_ workspace: Workspace, pipelines: [PipelineConfig]) throws {
        let report = try HealthReport.read(workspace: workspace, pipelines: pipelines, clock: try global.clock)
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            StandardStreams.out(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n")
        } else {
            let level = report.level
            var out =
                "Health of \(report.workspace): \(level == .healthy ? "healthy" : level == .warning ? "WARNING" : "CRITICAL")"
            out += level == .healthy ? ", nothing needs a person.\n" : " (exit status \(level.exitStatus))\n"
            for problem in report.problems {
                out +=
                    "  \(problem.level == .critical ? "CRITICAL" : "WARNING ")  [\(problem.pipeline)] \(problem.message)\n"
            }
            StandardStreams.out(out)
        }
        if report.level != .healthy { throw ExitCode(report.level.exitStatus) }
    }

    /// The e-mail queue of each pipeline that sends.
    static func mail(_ queues: [WorkspaceStatus.MailQueueStatus]) -> String {
        var out = ""
        for queue in queues {
            out +=
                "\nE-mail (\(queue.pipeline)): \(queue.sent) sent, \(queue.queued.count) queued (outbox/to-send/), "
                + "\(queue.failed.count) not sent (outbox/send-failed/)\n"
            for name in queue.queued { out += "  queued    \(name)\n" }
            for name in queue.failed {
                out += "  NOT SENT  \(name) (see its .reason.txt; `facturation resend NUMBER`)\n"
            }
        }
        return out
    }
}

extension StatusCommand {
    /// The last run in one line, then its errors and those of its invoicing stage, each with its
    /// text: a problem that recurs on every run must be visible here.
    static func lastRun(_ last: RunSummary?) -> String {
        guard let last else { return "none yet\n" }
        let errors =
            last.errors + last.invoicing.flatMap { report in report.errors.map { "[\(report.pipeline)] \($0)" } }
        var out =
            "\(last.startedAt): \(last.importedCount) imported, \(last.rejectedCount) rejected, "
            + "\(last.duplicateCount) duplicate\(errors.isEmpty ? "" : ", \(errors.count) error(s)")"
            + " (exit status \(last.exitCode))\n"
        for error in errors { out += "  ERROR \(error)\n" }
        return out
    }
}
