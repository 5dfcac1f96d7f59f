/// What one run did, printed on stdout (text or `--json`) and kept in `archive/runs/`.
package struct RunSummary: Sendable, Codable {
    package var workspace: String
    package var startedAt: String
    package var finishedAt: String = ""
    /// The run's "today" (`--date`, or the local date in the first pipeline's time zone).
    package var today: String
    package var pipelines: [String]
    /// Files finished in this run, in processing order.
    package var files: [FileOutcome] = []
    /// Files left in the inbox this time, with the reason.
    package var waiting: [InboxScanner.Waiting] = []
    /// Problems that stopped the run or that need a person (not tied to one input file).
    package var errors: [String] = []
    /// What the invoicing stage did, per pipeline with an `[invoicing]` section.
    package var invoicing: [InvoicingReport] = []
    /// What the documents stage did (PDFs), per pipeline with an `[invoicing]` section. Optional:
    /// summaries written before it existed still read.
    package var documents: [DocumentReport]? = nil
    /// What the sending stage did, per pipeline that e-mails its documents. Optional, like `documents`.
    package var sending: [SendReport]? = nil
    /// What the payment stage did, per pipeline with an `[invoicing]` section.
    package var payments: [PaymentReport] = []
    /// What the dunning stage did, per pipeline with a `[dunning]` section. Optional, like `documents`.
    package var dunning: [DunningReport]? = nil
    /// What the reply stage classified, per pipeline that had new replies.
    package var replies: [ReplyReport]? = nil
    /// The monthly FEC files, as checked and delivered (unchanged ones included).
    package var fec: [FECPublisher.Export] = []
    /// What the forecast stage did, per pipeline. Optional, like `documents`.
    package var forecast: [ForecastReport]? = nil
    /// The weekly reconciliation's one-line results (Mondays).
    package var reconciliation: [String] = []
    /// The daily digest, per pipeline that has one. Optional, like `documents`.
    package var digest: [DigestReport]? = nil
    /// What the dashboard stage wrote, per pipeline. Optional, like `documents`.
    package var dashboard: [DashboardReport]? = nil
    /// What the producers fetched when the pipeline fetches before its runs. Optional, like `documents`.
    package var fetch: [FetchReport]? = nil
    /// Things a person should look at that no other part names (e.g. an edited outbox report).
    /// Optional, like ``stages``: summaries written before they existed still read.
    package var warnings: [String]?
    /// Each stage of each pipeline: ran, or why not.
    package var stages: [StageRecord]?

    package init(workspace: String, startedAt: String, today: String, pipelines: [String]) {
        self.workspace = workspace
        self.startedAt = startedAt
        self.today = today
        self.pipelines = pipelines
    }

    package var importedCount: Int { files.filter { $0.kind == .imported }.count }
    package var rejectedCount: Int { files.filter { $0.kind == .rejected }.count }
    package var duplicateCount: Int { files.filter { $0.kind == .duplicate }.count }

    /// The documented exit status of a run that finished: 0, or 2 when a file was rejected.
    package var exitCode: Int32 {
        if !errors.isEmpty || invoicing.contains(where: { !$0.errors.isEmpty })
            || (documents ?? []).contains(where: { !$0.errors.isEmpty })
            || (sending ?? []).contains(where: { !$0.errors.isEmpty })
        {
            return ExitStatus.failure
        }
        return rejectedCount > 0 ? ExitStatus.filesRejected : ExitStatus.success
    }
}

/// The exit statuses of the `facturation` command (documented in the README).
package enum ExitStatus {
    /// Everything was processed (or there was nothing to do).
    package static let success: Int32 = 0
    /// The run could not finish: a disk error, a damaged ledger… (nothing was lost; run again once fixed).
    package static let failure: Int32 = 1
    /// The run finished, and at least one file was rejected (see its `.reason.txt`).
    package static let filesRejected: Int32 = 2
    /// A pipeline file is invalid; nothing was done.
    package static let configurationError: Int32 = 3
    /// Another run holds the workspace lock; nothing was done.
    package static let alreadyRunning: Int32 = 4
    /// `status --health`: something needs a person soon (stale inputs, old approvals, reconciliation differences).
    package static let healthWarning: Int32 = 10
    /// `status --health`: something needs a person now (send failures, cash alert, critical unpaid, a failed run).
    package static let healthCritical: Int32 = 11
    /// The command line itself is wrong (unknown option, missing argument).
    package static let usage: Int32 = 64
}
