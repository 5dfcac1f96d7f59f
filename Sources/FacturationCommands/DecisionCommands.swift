import ArgumentParser
import FacturationCore
import Foundation

/// `facturation approve ID`: approve a draft waiting in outbox/to-approve/.
struct ApproveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "approve",
        abstract: "Approve a draft waiting in outbox/to-approve/; the next run issues it with its number.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The draft id (the file name in outbox/to-approve/, without .toml).", valueName: "id"))
    var draft: String

    @Option(help: ArgumentHelp("Who approves (kept in archive/ with the decision; default: $USER).", valueName: "name"))
    var by: String?

    @Option(help: ArgumentHelp("A comment kept with the decision.", valueName: "text"))
    var comment: String?

    func run() throws {
        try DecisionRecorder.record(draft: draft, decision: .approve, by: by, comment: comment, global: global)
    }
}

/// `facturation reject ID --reason …`: reject a draft waiting in outbox/to-approve/.
struct RejectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "reject",
        abstract: "Reject a draft waiting in outbox/to-approve/ (it is never issued; no number is used).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("The draft id (the file name in outbox/to-approve/, without .toml).", valueName: "id"))
    var draft: String

    @Option(help: ArgumentHelp("Why (required; kept in archive/ with the decision).", valueName: "text"))
    var reason: String

    @Option(help: ArgumentHelp("Who rejects (default: $USER).", valueName: "name"))
    var by: String?

    func run() throws {
        try DecisionRecorder.record(draft: draft, decision: .reject, by: by, comment: reason, global: global)
    }
}

/// Shared by approve and reject: takes the workspace lock and records the decision.
enum DecisionRecorder {
    static func record(
        draft: String, decision: ApprovalDesk.Decision, by: String?, comment: String?,
        global: GlobalOptions
    ) throws {
        let workspace = global.resolvedWorkspace
        let pipelines = try global.loadPipelines(workspace)
        let now = try global.clock.utcISO()
        try global.withWorkspaceLock(workspace) {
            try Self.decide(
                draft: draft, decision: decision, by: by, comment: comment, pipelines: pipelines,
                workspace: workspace, now: now)
        }
    }

    private static func decide(
        draft: String, decision: ApprovalDesk.Decision, by: String?, comment: String?,
        pipelines: [PipelineConfig], workspace: Workspace, now: String
    ) throws {
        guard let layout = try ApprovalDesk.pipeline(holding: draft, layouts: workspace.layouts(for: pipelines)) else {
            StandardStreams.err(
                "error: no draft \(draft) is waiting for approval (see outbox/to-approve/ or "
                    + "`facturation status`)\n")
            throw ExitCode(ExitStatus.failure)
        }
        let person = by ?? ProcessInfo.processInfo.environment["USER"] ?? "unknown"
        try ApprovalDesk.decide(
            draftID: draft, decision: decision, by: person, comment: comment, source: "command",
            layout: layout, now: now)
        let notice = try DunningStore(layout: layout).reminder(id: draft) != nil
        let next =
            notice
            ? (decision == .approve
                ? "The next `facturation run` sends this formal notice.\n" : "It will never be sent.\n")
            : (decision == .approve ? "The next `facturation run` issues it.\n" : "It will never be issued.\n")
        StandardStreams.out("Recorded: \(draft) \(decision.rawValue) by \(person). " + next)
    }
}
