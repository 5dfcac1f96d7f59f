import Foundation
import Logging

/// What the stages of one run share: the run's date and clock, and each pipeline's state.
package final class RunContext {
    package let workspace: Workspace
    package let today: CivilDate
    package let clock: Clock
    package let logger: Logger
    /// One per pipeline, in the order of `pipelines/`.
    package let pipelines: [PipelineRun]
    /// Checked between files and between stages: when it returns true the run stops there.
    package let shouldStop: () -> Bool

    package init(
        workspace: Workspace, layouts: [ArchiveLayout], today: CivilDate, clock: Clock, logger: Logger,
        shouldStop: @escaping () -> Bool
    ) {
        self.workspace = workspace
        self.today = today
        self.clock = clock
        self.logger = logger
        self.shouldStop = shouldStop
        pipelines = layouts.map { PipelineRun(layout: $0, today: today, clock: clock) }
    }

    /// The Factur-X schema, compiled once per run on first use (or why it cannot be).
    package lazy var ciiValidator: Result<XMLSchemaValidator, any Error> = Result {
        try XMLSchemaValidator(schemaPath: try SchemaCatalog.locate().ciiXSDPath)
    }
}

/// One pipeline's part of a run: its layout, and its archive as read once (``RunSnapshot``).
package final class PipelineRun {
    package let layout: ArchiveLayout
    package let today: CivilDate
    package let clock: Clock
    /// Nothing the later stages read has changed since the last run of the same day
    /// (``RunStamp``): they are skipped for this pipeline.
    package var unchanged = false
    /// Set by the payment stage: receivables with every match applied, receipts waiting for review.
    package var payments: PaymentOutcome?
    /// Set by the dunning stage: the reminders of this run (read by the digest once wired).
    package var dunning: DunningReport?
    /// Set by the reply stage: the replies classified in this run (read by the digest).
    package var replies: ReplyReport?
    /// This run's cash-flow forecast (``ForecastStage``), for the stages after it.
    package var forecast: CashForecast?
    private var loaded: RunSnapshot?

    package init(layout: ArchiveLayout, today: CivilDate, clock: Clock) {
        self.layout = layout
        self.today = today
        self.clock = clock
    }

    package var pipeline: PipelineConfig { layout.pipeline }

    /// `FACTURATION_RECEIVABLES_FROM_RECORDS=1`: every year's receivables built from the records,
    /// none from its summary (a test seam: `ReceivablesYearSummaryTests` compares every output of
    /// both ways).
    static let receivablesFromRecords =
        ProcessInfo.processInfo.environment["FACTURATION_RECEIVABLES_FROM_RECORDS"] == "1"

    /// The pipeline's archive, read on first use (a run that only imports never reads it).
    package func snapshot() throws -> RunSnapshot {
        if let loaded { return loaded }
        let snapshot = try RunSnapshot(
            layout: layout, openYear: Self.receivablesFromRecords ? nil : today.year, packedMatches: true)
        loaded = snapshot
        return snapshot
    }
}

/// What the stages know of one pipeline's archive: read once per run, handed to every stage,
/// and updated by the stage that commits something (an issued batch, a match), so no stage reads
/// the records of another again.
package final class RunSnapshot {
    package let layout: ArchiveLayout
    /// Every issued document with a legal number, in issue order (date, then number): what the
    /// stages after invoicing see. A provisional document (`numbering = "oxygene"`) is here under
    /// Oxygène's number once confirmed, and absent while it awaits it (``ConfirmedNumbers``).
    package var issued: [InvoiceDocument] {
        if let legalView { return legalView }
        let view = confirmed.view(of: records)
        legalView = view
        return view
    }
    /// Every issued record as written (provisional documents under their reference), in issue
    /// order: what the invoicing pass numbers, bills and exports from.
    package var records: [InvoiceDocument] {
        if issuedNeedsSort {
            issuedDocuments.sort { ($0.issueDate, $0.number) < ($1.issueDate, $1.number) }
            issuedNeedsSort = false
        }
        return issuedDocuments
    }
    /// The legal numbers Oxygène gave provisional documents.
    package private(set) var confirmed: ConfirmedNumbers
    private var legalView: [InvoiceDocument]?
    /// Every recorded match, oldest receipt first.
    package var matches: [PaymentMatch] {
        if matchesNeedSort {
            recordedMatches.sort { ($0.bookingDate, $0.receipt) < ($1.bookingDate, $1.receipt) }
            matchesNeedSort = false
        }
        return recordedMatches
    }
    // Sorted when read, not on each addition: a run may record thousands of matches.
    private var issuedDocuments: [InvoiceDocument]
    private var issuedNeedsSort = false
    private var recordedMatches: [PaymentMatch]
    private var matchesNeedSort = false
    /// The identity of every match file as the snapshot read them (``MatchPack/loaded(_:)``): nil
    /// when not read through a complete pack, or once this run recorded a match.
    package private(set) var matchFilesIdentity: String?
    /// Every booked bank line that payments and accounting may use, oldest first.
    package let bank: [BankLine]
    /// Each bank ledger's identity as the lines of `bank` were taken from it, by file name
    /// (``BankLine/packed(in:leftOut:packedBefore:read:)``).
    private(set) var bankLedgersRead: [String: MatchPack.FileIdentity] = [:]
    /// The booked lines left out of `bank`, and why.
    package let leftOut: BankLine.LeftOut

    /// The first year whose receivables are built from the records (the run's year); the years
    /// before are closed (``receivables()``). Nil: every year from the records.
    package let openYear: Int?

    /// `packedMatches`: the matches through their pack (``MatchPack``, written when it no longer
    /// describes the match files), and with an `openYear` the closed years' records through theirs
    /// (``IssuedRecordPack``): a run's snapshot, under the workspace's lock.
    package init(layout: ArchiveLayout, openYear: Int? = nil, packedMatches: Bool = false) throws {
        self.layout = layout
        self.openYear = openYear
        if packedMatches, let openYear {
            // The run's snapshot: the closed years' records from their pack, their identities kept.
            (issuedDocuments, recordFolderIdentities) = try IssuedRecordPack.records(layout, before: openYear)
        } else {
            issuedDocuments = try InvoiceStore(layout: layout).records()
        }
        confirmed = try ConfirmedNumberStore(layout: layout).all()
        if packedMatches {
            (recordedMatches, matchFilesIdentity) = try MatchPack.loaded(layout)
        } else {
            recordedMatches = try PaymentStore(layout: layout).matches()
        }
        var leftOut = BankLine.LeftOut()
        // A run's snapshot takes the closed years' bank lines from their pack (``BankLinePack``).
        bank = try BankLine.all(
            in: layout, leftOut: &leftOut, packedBefore: packedMatches ? openYear : nil, read: &bankLedgersRead)
        self.leftOut = leftOut
    }

    /// The Oxygène register's historical receivables (``OxygeneHistory``): read on first use, after
    /// the invoicing stage (a register number we issued in this run is not loaded).
    package func history() throws -> OxygeneHistory {
        if let loadedHistory { return loadedHistory }
        let history = try OxygeneHistory.load(layout: layout, records: records, issued: issued)
        loadedHistory = history
        return history
    }
    private var loadedHistory: OxygeneHistory?

    /// What the invoicing pass knows of every record (draft ids, time months, record keys taken),
    /// with the years before `openYear` read from their summaries (``ClosedYearsHistory``, or each
    /// year's ``IssuedYearSummary``; written when missing or stale). Kept until a batch is issued.
    package func invoicingHistory(openFrom openYear: Int) throws -> InvoicingHistory {
        if let builtHistory, builtHistory.openYear == openYear { return builtHistory.history }
        let history = try InvoicingHistory.load(
            layout, records: records, openYear: openYear, identity: recordFolderIdentity)
        builtHistory = (openYear, history)
        return history
    }
    private var builtHistory: (openYear: Int, history: InvoicingHistory)?

    /// The identity of a year's record folder: of the files the snapshot read, from their
    /// descriptors (``IssuedYearSummary/identity(folder:read:)``), or of the documents it took from
    /// the record pack; otherwise (a snapshot read without the pack, or after a batch was issued) a
    /// `stat` of each record file (``IssuedYearSummary/identity(_:folder:)``), computed once and kept
    /// until a batch is issued in that year. The invoicing pass's closed years are keyed by it
    /// (``InvoicingHistory/load(_:records:openYear:identity:)``), and so are the closed years'
    /// receivables (``ReceivablesYearSummary``) and FEC (``ClosedYearFEC``): computed twice, it was
    /// 5 ms of a 10-year pass.
    func recordFolderIdentity(_ folder: String) throws -> String {
        if let known = recordFolderIdentities[folder] { return known }
        let identity = try IssuedYearSummary.identity(layout, folder: folder)
        recordFolderIdentities[folder] = identity
        return identity
    }
    private var recordFolderIdentities: [String: String] = [:]

    /// Booked credits: money that may pay invoices.
    package var receipts: [Receipt] { bank.filter { $0.amountMinor > 0 } }

    /// What each client owes: every document of ``issued`` and of the register's history, with
    /// every recorded match applied (the oldest receipt first, then each match as it is recorded).
    /// Built once per run, on first use after the invoicing stage, for every stage that needs it
    /// (payments, dunning, forecast, dashboard), and kept up to date by ``didMatch(_:)``.
    ///
    /// Why (issue #9): payments, forecast and dashboard each built the same receivables from every
    /// document of the archive (README, "Benchmark results"). The years before ``openYear`` come
    /// from their summaries as on 31 December (``ReceivablesYearSummary``, written when missing or
    /// stale), continued with what came later (step 1 of the planned order); from the records when
    /// there is a register history (its invoices merge among every year's) or a year cannot be
    /// summarised (a number issued twice).
    package func receivables() throws -> Receivables {
        if let builtReceivables { return builtReceivables }
        let historical = try history().invoices
        if historical.isEmpty, let fromSummaries = try closedYearsReceivables() {
            builtReceivables = fromSummaries
            return fromSummaries
        }
        var receivables = Receivables(issued: issued, historical: historical)
        for match in matches { receivables.apply(match) }
        builtReceivables = receivables
        return receivables
    }
    private var builtReceivables: Receivables?

    /// The receivables with the years before ``openYear`` from their summaries; nil without a
    /// closed year or when one cannot be summarised.
    private func closedYearsReceivables() throws -> Receivables? {
        guard let openYear else { return nil }
        let documents = issued
        // The documents are in issue order: the closed years are a prefix.
        let split = documents.indices.first { documents[$0].issueDate.year >= openYear } ?? documents.endIndex
        guard split > documents.startIndex, let positions = Receivables.Positions(documents),
            let years = try ReceivablesYearSummary.closedYears(
                layout, documents: documents[..<split], matches: matches, positions: positions,
                identity: recordFolderIdentity)
        else { return nil }
        return Receivables(
            closed: years, open: Array(documents[split...]), matches: matches, documents: documents,
            positions: positions)
    }

    /// The receivables as `today` knows them: only documents issued and receipts booked by then
    /// (a replay with `--date` sees what that day saw). The run's ``receivables()`` themselves
    /// when nothing is dated after `today` (every run but a replay of the past); they may then
    /// differ only in the order of an invoice's `applied` amounts, which no reader of this view uses
    /// (sums, maxima, "contains").
    package func receivables(asOf today: CivilDate) throws -> Receivables {
        let historical = try history().invoices
        if Self.nothingAfter(today, issued: issued, historical: historical, matches: matches) {
            return try receivables()
        }
        var receivables = Receivables(
            issued: issued.filter { $0.issueDate <= today },
            historical: historical.filter { $0.document.issueDate <= today })
        for match in matches where match.bookingDate <= today { receivables.apply(match) }
        return receivables
    }

    /// True when no document, historical invoice or match is dated after `today` (by index: no
    /// copy of a document).
    static func nothingAfter(
        _ today: CivilDate, issued: [InvoiceDocument], historical: [OxygeneHistory.Invoice], matches: [PaymentMatch]
    ) -> Bool {
        issued.indices.allSatisfy { issued[$0].issueDate <= today }
            && historical.indices.allSatisfy { historical[$0].document.issueDate <= today }
            && matches.indices.allSatisfy { matches[$0].bookingDate <= today }
    }

    /// Takes note of a batch whose record was just committed.
    package func didIssue(_ documents: [InvoiceDocument]) {
        guard !documents.isEmpty else { return }
        // First: the view may share the records' storage (no provisional document), and appending
        // while it does would copy every document.
        legalView = nil
        issuedDocuments += documents
        issuedNeedsSort = true
        builtHistory = nil
        // Only the folders the batch went to (its documents' years): the others' identities stay
        // those of the files the snapshot read, the identity of the documents it holds for them. A
        // `stat` taken now could name a closed year's record edited since the read, and a summary
        // of the documents read would be keyed by the edited file's identity (believed next run).
        for document in documents { recordFolderIdentities[CivilDate.pad(document.issueDate.year, 4)] = nil }
        loadedHistory = nil
        builtReceivables = nil
    }

    /// Takes note of a confirmation just recorded.
    package func didConfirm(_ confirmation: NumberConfirmation) {
        confirmed.add(confirmation)
        legalView = nil
        builtReceivables = nil
    }

    /// Takes note of a match just recorded.
    package func didMatch(_ match: PaymentMatch) {
        recordedMatches.append(match)
        matchFilesIdentity = nil
        matchesNeedSort = true
        builtReceivables?.apply(match)
    }
}
