import Foundation

/// The invoicing stage: for each pipeline with an `[invoicing]` section, an ``InvoicingPass``.
package struct InvoicingStage: PipelineStage {
    package var name: StageName { .invoicing }
    package var schedule: Schedule { .everyRun }

    package init() {}

    package func applies(to pipeline: PipelineConfig) -> Bool { pipeline.invoicing != nil }

    /// The Factur-X schema is compiled once for every pipeline; without it nothing is issued.
    package func run(_ context: RunContext, summary: inout RunSummary) throws {
        let validator: XMLSchemaValidator
        switch context.ciiValidator {
        case .success(let compiled): validator = compiled
        case .failure(let error):
            if context.pipelines.contains(where: { applies(to: $0.pipeline) && !$0.unchanged }) {
                summary.errors.append("no invoice was issued: \(error)")
            }
            return
        }
        for pipeline in context.pipelines where applies(to: pipeline.pipeline) && !pipeline.unchanged {
            var pass = try InvoicingPass(run: pipeline)
            pass.ciiValidator = validator
            let report = try pass.run()
            for issued in report.issued {
                context.logger.info(
                    "Issued \(issued.kind)",
                    metadata: [
                        "number": "\(issued.number)", "client": "\(issued.client)", "total": "\(issued.totalInclVAT)",
                    ])
            }
            for problem in report.errors { context.logger.error("\(problem)") }
            summary.invoicing.append(report)
        }
    }

    package func run(_ run: PipelineRun, summary: inout RunSummary) throws {
        summary.invoicing.append(try InvoicingPass(run: run).run())
    }
}

/// One pipeline's invoicing in one run: generates what is due, applies the approval rules,
/// issues numbered documents and publishes everything derived from them.
///
/// The record file of a batch (`archive/invoicing/<pipeline>/issued/<YYYY>/<first>_<last>.jsonl`)
/// is the commit point: a document's number, its billed entries and its origin are taken only
/// when that file is created (no-clobber), and every output is re-derived from the records. A run
/// killed anywhere therefore ends, once started again, with the same documents and numbers as
/// an uninterrupted run: no duplicate, no gap.
struct InvoicingPass {
    let pipelineRun: PipelineRun
    let snapshot: RunSnapshot
    let settings: InvoicingSettings
    /// Validates Factur-X CII documents before they are issued.
    var ciiValidator: XMLSchemaValidator?

    var layout: ArchiveLayout { pipelineRun.layout }
    var pipeline: PipelineConfig { layout.pipeline }
    var store: InvoiceStore { InvoiceStore(layout: layout) }
    var today: CivilDate { pipelineRun.today }

    init(run: PipelineRun) throws {
        guard let settings = run.pipeline.invoicing else {
            preconditionFailure("the invoicing pass of a pipeline without [invoicing]")
        }
        pipelineRun = run
        self.settings = settings
        snapshot = try run.snapshot()
    }

    func run() throws -> InvoicingReport {
        var report = InvoicingReport(pipeline: pipeline.id)
        let stamp = pipelineRun.clock.utcISO()
        let decisions = try store.decisions()
        if let stranded = strandedProvisional() {
            report.errors.append(stranded)
            return report
        }
        let confirmation = try confirmNumbers(into: &report)
        let waiting = try finishInterruptedDecisions(decisions: decisions, into: &report)
        let generated = try generate(waiting: waiting, decisions: decisions)
        // The ledger's read buffers were just freed (see FreePages).
        FreePages.release()
        report.warnings += generated.warnings
        report.errors += generated.errors
        var steps = try stepsForWaiting(waiting, decisions: decisions, into: &report)
        steps += generated.drafts.map { ($0, .new) }
        steps.sort { ($0.0.dueOn, $0.0.id) < ($1.0.dueOn, $1.0.id) }
        let before = snapshot.records
        // Taken before a batch is issued (the history is then folded again); an issued document is
        // dated in the open year, so the closed years stay as they are.
        let closed = try snapshot.invoicingHistory(openFrom: today.year).closed
        var (delivery, derived, committed) = try issue(
            steps, generated: generated, decisions: decisions, stamp: stamp,
            into: &report)
        snapshot.didIssue(committed)
        // No copy of every document when nothing was issued (most runs).
        try publish(
            issued: committed.isEmpty ? before : before + committed, derived: derived, closed: closed,
            delivery: &delivery, into: &report)
        try deliverConfirmation(confirmation, issued: committed, into: &report)
        return report
    }

    // MARK: - Steps

    /// Drafts that an interrupted run issued or that were rejected meanwhile are cleaned up; the
    /// others are still waiting.
    private func finishInterruptedDecisions(
        decisions: [String: ApprovalDecision],
        into report: inout InvoicingReport
    ) throws -> [InvoiceDraft] {
        let drafts = try store.waitingDrafts()
        guard !drafts.isEmpty else { return [] }
        let history = try snapshot.invoicingHistory(openFrom: today.year)
        var waiting: [InvoiceDraft] = []
        for draft in drafts {
            let decision = decisions[draft.id]?.decision
            if history.hasIssued(draft.id) || decision == .rejected || decision == .refused {
                // Issued or rejected by an interrupted run: finish its clean-up.
                try store.removeDraft(id: draft.id)
                try removeApprovalRequest(draft.id)
                if decision == .rejected { report.rejected.append(draft.id) }
                continue
            }
            waiting.append(draft)
        }
        return waiting
    }

    /// What is due and not yet generated.
    private func generate(
        waiting: [InvoiceDraft], decisions: [String: ApprovalDecision]
    ) throws
        -> DraftGenerator.Result
    {
        // Closed years from their summaries (issue #9), the open ones from the records.
        let history = try snapshot.invoicingHistory(openFrom: today.year)
        var timeMonths = history.timeMonths
        for draft in waiting where draft.origin.type == .time {
            timeMonths.insert("\(draft.clientCode)|\(draft.origin.period ?? "")")
        }
        var held = history.held
        for draft in waiting where draft.kind == .invoice { held.formUnion(draft.recordKeys) }
        let known = DraftGenerator.Known(
            takenDraftIDs: history.draftIDs.union(waiting.map(\.id)).union(decisions.keys),
            heldKeys: held, timeMonths: timeMonths, releasedBy: history.releasedBy, closed: history.closed,
            releasedSinceClosed: history.releasedSinceClosed)
        return try DraftGenerator(pipeline: pipeline, settings: settings, layout: layout).drafts(
            today: today, known: known)
    }

    /// How a draft comes to be issued in this run.
    enum Step {
        /// A person approved it.
        case approved(InvoiceDocument.ApprovalNote)
        /// Generated now: the approval rules decide.
        case new
    }

    /// The waiting drafts a person approved; the others keep waiting (their request is delivered
    /// again if a crash lost it).
    private func stepsForWaiting(
        _ waiting: [InvoiceDraft], decisions: [String: ApprovalDecision],
        into report: inout InvoicingReport
    ) throws -> [(InvoiceDraft, Step)] {
        var steps: [(InvoiceDraft, Step)] = []
        for draft in waiting {
            // A one-off invoice requested from the inbox meets the approval rules once, like a
            // generated draft; the rules set `approvalReason` when it is kept for a person.
            if draft.origin.type == .oneOff, draft.approvalReason == nil, decisions[draft.id] == nil {
                steps.append((draft, .new))
                continue
            }
            guard let decision = decisions[draft.id] else {
                // A draft set aside because its amounts overflow has no totals to show.
                let totals = (try? InvoiceBuilder.totals(of: draft.lines)) ?? .zero
                let reason = draft.approvalReason ?? "waiting for a decision"
                try deliverApprovalRequest(draft, totals: totals, reason: reason)
                report.waitingApproval.append(
                    .init(
                        draft: draft.id, client: draft.clientCode,
                        totalInclVAT: FrenchDates.euros(totals.grandTotalMinor), reason: reason))
                continue
            }
            if decision.decision == .approved {
                steps.append(
                    (
                        draft,
                        .approved(
                            .init(
                                decision: .approved, by: decision.by, at: decision.at,
                                comment: decision.comment))
                    ))
            }
        }
        return steps
    }

    /// Oldest first, each draft evaluated against everything issued before it (including earlier
    /// in this run), numbered, and issued in batches by the committer. Returns the delivery state,
    /// the outputs derived from every document, and the documents committed.
    private func issue(
        _ steps: [(InvoiceDraft, Step)], generated: DraftGenerator.Result,
        decisions: [String: ApprovalDecision], stamp: String, into report: inout InvoicingReport
    ) throws
        -> (InvoiceDelivery, Derived, [InvoiceDocument])
    {
        let issued = snapshot.records
        var (policy, batch) = try startingPoint(issued, issuing: !steps.isEmpty)
        let builder = InvoiceBuilder(pipeline: pipeline, settings: settings)
        let committer = BatchCommitter(layout: layout, delivery: try InvoiceDelivery(layout: layout))
        defer { try? committer.finish() }
        var pending: [Issue] = []
        var prepared: [InvoiceDocument] = []
        for (draft, step) in steps {
            // A generated draft's billed entries, taken only now: the committer writes its annex and
            // record keys from them (no String per entry; a draft saved for a person gets lists).
            let billed = generated.billed(draft)
            guard
                let approval = try approval(
                    for: draft, billed: billed, step: step, history: batch.byClient[draft.clientCode] ?? [],
                    policy: policy, stamp: stamp, into: &report)
            else { continue }
            do {
                let next = try prepare(draft, billed: billed, approval: approval, batch: batch, builder: builder)
                if let year = pending.first?.document.issueDate.year, year != next.document.issueDate.year {
                    try committer.submit(pending)
                    pending = []
                }
                pending.append(next)
                // What is kept past the commit needs no record keys (up to a million a month):
                // only the committer writes them, from `pending`.
                prepared.append(next.document.withoutRecordKeys)
                batch.add(next.document.withoutRecordKeys)
                if pending.count >= Self.batchSize {
                    try committer.submit(pending)
                    pending = []
                }
            } catch let error as FacturationError where error.kind == .invoicing {
                report.errors.append("\(draft.id): not issued: \(error.message)")
            } catch let problem as UnissuableDraft {
                try park(
                    billed.map { $0.completing(draft) } ?? draft, problem, decided: decisions[draft.id] != nil,
                    into: &report)
            }
        }
        if !pending.isEmpty { try committer.submit(pending) }
        batch.byClient = [:]  // the approval history: a copy of every document of the run
        // While the last batches are committed: the outputs derived from every document (the committer
        // issues all of them or fails the run); no copy of the run's documents (~1 KB each) if none before.
        let derived = try derive(
            from: prepared.isEmpty ? issued : issued.isEmpty ? prepared : issued + prepared, issuing: !prepared.isEmpty)
        try committer.finish()
        precondition(committer.committed.count == prepared.count, "a batch was neither issued nor reported as failed")
        for issue in committer.committed { Self.report(issue, into: &report) }
        report.delivered += committer.delivered
        return (committer.delivery, derived, committer.committed.map(\.document))
    }

    /// The approval a new draft is issued under, from the rules; nil when it is not issued now
    /// (it waits for a person, a rule refused it, or its amounts cannot be computed). A draft set
    /// aside is saved with its `billed` entries as lists.
    private func approval(
        for draft: InvoiceDraft, billed: TimeAnnexes.Billed?, step: Step, history: [InvoiceDocument],
        policy: ApprovalPolicy, stamp: String, into report: inout InvoicingReport
    ) throws -> InvoiceDocument.ApprovalNote? {
        if case .approved(let note) = step { return note }
        // Only a draft that is saved needs its record keys and annex as lists.
        var saved: InvoiceDraft { billed.map { $0.completing(draft) } ?? draft }
        let totals: InvoiceTotals
        do {
            totals = try InvoiceBuilder.totals(of: draft.lines)
        } catch {
            try park(saved, UnissuableDraft(problem: error.description), decided: false, into: &report)
            return nil
        }
        switch policy.verdict(for: draft, total: totals, history: history) {
        case .issue(let rule):
            return .init(decision: .automatic, by: "rule: \(rule)", at: stamp, comment: nil)
        case .needsApproval(let reason):
            var draft = saved
            draft.approvalReason = reason
            try store.saveDraft(draft)
            report.delivered.append(try deliverApprovalRequest(draft, totals: totals, reason: reason))
            report.waitingApproval.append(
                .init(
                    draft: draft.id, client: draft.clientCode,
                    totalInclVAT: FrenchDates.euros(totals.grandTotalMinor), reason: reason))
        case .refuse(let reason):
            // A requested one-off draft was saved by the request: it leaves with the refusal.
            defer { try? store.removeDraft(id: draft.id) }
            try store.recordDecision(
                ApprovalDecision(
                    draftID: draft.id, decision: .refused, by: "rule",
                    at: stamp, comment: reason, source: "rule"))
            report.refused.append(
                .init(
                    draft: draft.id, client: draft.clientCode,
                    totalInclVAT: FrenchDates.euros(totals.grandTotalMinor), reason: reason))
        }
        return nil
    }

    /// One issued document in the run's report.
    private static func report(_ issue: Issue, into report: inout InvoicingReport) {
        let document = issue.document
        report.issued.append(
            .init(
                number: document.number, kind: document.kind.rawValue, client: document.clientCode,
                issueDate: document.issueDate.description,
                totalExclVAT: FrenchDates.euros(document.totals.taxBasisTotalMinor),
                totalInclVAT: FrenchDates.euros(document.totals.grandTotalMinor),
                approval: issue.approval.decision == .automatic ? issue.approval.by : "approved by \(issue.approval.by)"
            ))
        report.warnings += issue.draft.notes.map { "\(document.number): \($0)" }
        if document.isAwaitingNumber { report.provisional.append(document.number) }
    }

    // MARK: - Issuing

    /// What issuing needs to know of the documents issued so far, kept up to date as a batch grows.
    struct Batch {
        var counters: NumberingScheme.Counters
        var lastDate: CivilDate?
        var byClient: [String: [InvoiceDocument]]

        mutating func add(_ document: InvoiceDocument) {
            counters.record(kind: document.kind, number: document.number)
            lastDate = max(lastDate ?? document.issueDate, document.issueDate)
            byClient[document.clientCode, default: []].append(document)
        }
    }

    /// The approval rules (with the Oxygène register's history) and the numbering state the issue
    /// of this run starts from.
    ///
    /// Not `issuing` (nothing to issue: most runs), the counters, the last date and the clients'
    /// histories are left empty: they cost a pass over every document (parsing every number,
    /// grouping a copy of every document by client) and nothing reads them.
    private func startingPoint(_ issued: [InvoiceDocument], issuing: Bool) throws -> (ApprovalPolicy, Batch) {
        var policy = ApprovalPolicy(rules: settings.approval, contracts: settings.contracts)
        let register = try OxygeneRegisterStore(layout: layout).newest()
        if let register {
            policy.register = ApprovalPolicy.registerHistory(register.entries, clients: pipeline.clients)
        }
        guard issuing else {
            return (policy, Batch(counters: .init(scheme: numberingScheme, issued: []), lastDate: nil, byClient: [:]))
        }
        let batch = Batch(
            counters: .init(
                scheme: numberingScheme, issued: Self.numbersTaken(issued, register: register?.entries, settings)),
            lastDate: issued.map(\.issueDate).max(),
            // A confirmed document under its legal number (the approval note cites it); one still
            // awaiting its number counts as history all the same, under its reference.
            byClient: Dictionary(
                grouping: snapshot.confirmed.isEmpty ? issued : issued.map { snapshot.confirmed.legal($0) ?? $0 },
                by: \.clientCode))
        return (policy, batch)
    }

    /// The numbers the counters continue from: every record, and with `numbering = "facturation"`
    /// the numbers of the Oxygène register in force. The company has one sequence (CGI, annexe II,
    /// art. 242 nonies A); a number Oxygène holds (an invoice made in Oxygène, or one of the past)
    /// is taken, so the next one follows it instead of issuing it a second time.
    static func numbersTaken(
        _ records: [InvoiceDocument], register: [OxygeneRegisterEntry]?, _ settings: InvoicingSettings
    ) -> [(kind: InvoiceDocument.Kind, number: String)] {
        var numbers = records.map { (kind: $0.kind, number: $0.number) }
        if settings.numberingMode == .facturation, let register {
            numbers += register.map { (kind: $0.kind == .invoice ? .invoice : .creditNote, number: $0.number) }
        }
        return numbers
    }

    /// Documents issued together: their files are synced in one round and their records written in
    /// one file. 1,000; `FACTURATION_INVOICE_BATCH=n` sets it (a test seam: the kill-and-restart
    /// test uses small batches so that a run issues several).
    static let batchSize: Int = {
        guard let text = ProcessInfo.processInfo.environment["FACTURATION_INVOICE_BATCH"], let size = Int(text) else {
            return 1000
        }
        return max(1, size)
    }()

    /// A document ready to be issued: its number is taken when its batch is committed.
    struct Issue {
        let draft: InvoiceDraft
        let document: InvoiceDocument
        let approval: InvoiceDocument.ApprovalNote
        let xml: [UInt8]
        /// The billed entries of a generated time-based draft (its annex and record keys are
        /// written from them: `draft.annex` and `document.recordKeys` are then empty).
        var billed: TimeAnnexes.Billed? = nil
    }

    /// Numbers a draft and builds its document and Factur-X XML (validated); writes nothing (the
    /// committer renders the annex and writes the files). Neither uses the record keys or annex.
    private func prepare(
        _ draft: InvoiceDraft, billed: TimeAnnexes.Billed?, approval: InvoiceDocument.ApprovalNote, batch: Batch,
        builder: InvoiceBuilder
    ) throws -> Issue {
        // Dates never go backwards: numbers and dates stay in the same order.
        let issueDate = max(today, batch.lastDate ?? today)
        let number = batch.counters.next(kind: draft.kind, date: issueDate)
        var document: InvoiceDocument
        do {
            document = try builder.document(from: draft, number: number, issueDate: issueDate, approval: approval)
        } catch let overflow as ArithmeticOverflow {
            throw UnissuableDraft(problem: overflow.description)
        }
        // Checked like any document, but neither archived nor delivered under its provisional
        // reference (BatchCommitter): the Factur-X XML is made again with the legal number.
        if settings.numberingMode == .oxygene { document.numbering = .provisional }
        let xml: [UInt8]
        do {
            xml = try CIIWriter.xml(for: document)
        } catch let error as FacturationError where error.kind == .document {
            throw UnissuableDraft(problem: error.description)
        }
        if let validator = ciiValidator {
            let problems = validator.problems(in: xml)
            if !problems.isEmpty {
                throw UnissuableDraft(
                    problem: "its Factur-X XML does not pass the official schema ("
                        + problems.prefix(3).joined(separator: "; ") + "); this is a bug, please report it")
            }
        }
        return Issue(draft: draft, document: document, approval: approval, xml: xml, billed: billed)
    }

    /// A draft whose own content stops it from being issued (not the configuration): amounts too
    /// large, an XML the official schema refuses.
    struct UnissuableDraft: Error {
        let problem: String
    }

    /// Keeps a draft that cannot be issued out of the way of the others: it waits in
    /// `outbox/to-approve/` with the problem as its reason, so a person can reject it
    /// (`facturation reject`, recorded in the archive like any decision) or fix the cause and
    /// approve it. It uses no number. A draft already approved that still fails is reported as an
    /// error on every run until it is rejected (the one decision that may follow an approval).
    private func park(
        _ draft: InvoiceDraft, _ problem: UnissuableDraft, decided: Bool,
        into report: inout InvoicingReport
    ) throws {
        guard !decided else {
            report.errors.append(
                "\(draft.id): approved, but still not issued: \(problem.problem); reject it "
                    + "(`facturation reject \(draft.id) --reason …`) or fix the cause")
            return
        }
        var draft = draft
        draft.approvalReason =
            "it cannot be issued: \(problem.problem). Reject it (`facturation reject \(draft.id) "
            + "--reason …`), or fix the cause and approve it"
        let totals = (try? InvoiceBuilder.totals(of: draft.lines)) ?? .zero
        try store.saveDraft(draft)
        report.delivered.append(try deliverApprovalRequest(draft, totals: totals, reason: draft.approvalReason ?? ""))
        report.waitingApproval.append(
            .init(
                draft: draft.id, client: draft.clientCode,
                totalInclVAT: FrenchDates.euros(totals.grandTotalMinor),
                reason: draft.approvalReason ?? ""))
        report.warnings.append("\(draft.id): not issued and set aside for a person: \(problem.problem)")
    }

    func documentPath(_ document: InvoiceDocument) -> String {
        layout.documentXML(number: document.number, issuedIn: document.issueDate.year)
    }

    // MARK: - Outputs

    /// The outputs derived from all issued documents, built before they are written.
    struct Derived {
        /// The Oxygène file of the documents not exported yet and those left out, or why it cannot be written.
        var oxygene: Result<OxygenePlan, FacturationError>?
        /// Built here only when documents were issued (the register then changed); otherwise when
        /// it is delivered again (``SalesRegisterInputs``).
        var register: ReportTable?
    }

    /// The Oxygène file from every record (a provisional document goes with its reference as
    /// `WEB_ID`); the sales register from the documents with a legal number only.
    private func derive(from issued: [InvoiceDocument], issuing: Bool) throws -> Derived {
        Derived(
            oxygene: try oxygeneExport(of: issued),
            register: issuing ? SalesRegister.table(snapshot.confirmed.view(of: issued)) : nil)
    }

    private func publish(
        issued: [InvoiceDocument], derived: Derived, closed: ClosedYearsHistory?, delivery: inout InvoiceDelivery,
        into report: inout InvoicingReport
    ) throws {
        let outbox = Outbox(layout: layout)
        // Only documents with a legal number are delivered (the `oxygene` mode's confirmed ones
        // have their Factur-X XML archived first).
        let legal = snapshot.confirmed.view(of: issued)
        let unfit = try archiveConfirmedDocuments(legal, into: &report)
        // Documents issued by an interrupted run and not delivered yet.
        var missing: [InvoiceDelivery.Item] = []
        for index in legal.indices
        where !delivery.isDelivered(legal[index].number) && !unfit.contains(legal[index].number) {
            let document = legal[index]
            let xmlPath = documentPath(document)
            let xml: InvoiceDelivery.Content =
                Storage.exists(xmlPath) ? .archived(path: xmlPath) : .rendered(try CIIWriter.xml(for: document))
            let annex = store.annexPath(draftID: document.origin.draftID)
            missing.append((document.number, xml, Storage.exists(annex) ? .archived(path: annex) : nil))
            if missing.count >= Self.batchSize { report.delivered += try delivery.deliver(missing); missing = [] }
        }
        report.delivered += try delivery.deliver(missing)
        switch derived.oxygene {
        case .success(let plan):
            try publish(plan, outbox: outbox, into: &report)
        case .failure(let problem):
            report.errors.append(problem.message)
        case nil:
            break
        }
        if settings.numberingMode == .facturation { try confirmWithRegister(issued: issued, into: &report) }
        if !legal.isEmpty {
            report.warnings += try deliverRegister(legal, table: derived.register, closed: closed)
        }
    }

    /// Delivers the sales register when its table changed. Its identity comes from
    /// ``SalesRegisterInputs`` when the open years' rows and the closed years are those it names
    /// (no row of a closed year built or hashed), from the whole table otherwise.
    private func deliverRegister(
        _ legal: [InvoiceDocument], table: ReportTable?, closed: ClosedYearsHistory?
    ) throws -> [String] {
        let csv = "registre-ventes.csv"
        var built = table
        func whole() -> ReportTable {
            if let built { return built }
            let made = SalesRegister.table(legal)
            built = made
            return made
        }
        let key =
            snapshot.confirmed.isEmpty
            ? closed.flatMap { SalesRegisterInputs.key(of: legal, closed: $0, openYear: today.year) } : nil
        let known = key.flatMap { SalesRegisterInputs.read(layout.salesRegisterInputs, key: $0) }
        let identity =
            known?.identity
            ?? ReportCheckpoint.identity(
                of: whole(), csvPath: csv, workbookPath: Outbox.workbookPath(of: csv, xlsx: true))
        let delivery = try Outbox(layout: layout).deliverReportIfChanged(
            identity: identity, to: csv, xlsx: true, temporaryDirectory: layout.temporary, table: whole)
        if let key, known == nil {
            SalesRegisterInputs(key: key, identity: identity).write(
                to: layout.salesRegisterInputs, temporaryDirectory: layout.temporary)
        }
        return delivery.warnings
    }

    /// The Oxygène file of the documents not exported yet, and the documents left out of it.
    struct OxygenePlan {
        var file: (name: String, numbers: [String], xml: [UInt8])?
        /// Documents that cannot be written yet (no client code, a VAT rate without code), with why.
        var leftOut: [(number: String, problem: OxygeneExportError)]
    }

    /// The Oxygène plan of the documents not exported yet (nil when there are none). A document
    /// that cannot be written is left out and reported; the others are exported, so one document
    /// never holds back its batch. It is tried again by every run until it is exported.
    private func oxygeneExport(of issued: [InvoiceDocument]) throws -> Result<OxygenePlan, FacturationError>? {
        let exported = try store.exportedToOxygene()
        // No copy when nothing was exported before (the first month, or a workspace's first run).
        // By index: a filter over the documents would copy each.
        let pending =
            exported.isEmpty
            ? issued : issued.indices.filter { !exported.contains(issued[$0].number) }.map { issued[$0] }
        guard !pending.isEmpty else { return nil }
        let settings = pipeline.invoicing?.oxygene ?? OxygeneSettings()
        var plan = OxygenePlan(file: nil, leftOut: [])
        var ready: [InvoiceDocument] = []
        // A document issued before its client had an Oxygène code takes the code set since.
        let currentCodes = currentOxygeneCodes()
        for var document in pending {
            if (document.oxygeneClientCode ?? "").trimmed.isEmpty {
                document.oxygeneClientCode = currentCodes[document.clientCode]
            }
            if let problem = OxygeneWriter.problem(of: document, settings: settings) {
                plan.leftOut.append((document.number, problem))
            } else {
                ready.append(document)
            }
        }
        guard let first = ready.first, let last = ready.last else { return .success(plan) }
        let name = first.number == last.number ? "oxygene-\(first.number)" : "oxygene-\(first.number)_\(last.number)"
        do {
            plan.file = (name, ready.map(\.number), try OxygeneWriter.xml(for: ready, settings: settings))
            return .success(plan)
        } catch {
            return .failure(FacturationError(.invoicing, "Oxygène export \(name) failed: \(error)"))
        }
    }

    /// Our client code → its Oxygène code, as the pipeline file says now.
    func currentOxygeneCodes() -> [String: String] { OxygeneConfirmation.clientCodes(of: pipeline) }

    /// With an Oxygène register imported: `outbox/oxygene/confirmation.csv` (each exported piece,
    /// Oxygène's number for it, confirmed / different / missing) and the differences in the summary.
    private func confirmWithRegister(issued: [InvoiceDocument], into report: inout InvoicingReport) throws {
        guard let register = try OxygeneRegisterStore(layout: layout).newest() else { return }
        let checked = try checkExported(issued, register: register.entries, archived: register.record.archived)
        report.warnings += try Outbox(layout: layout).deliverReport(
            OxygeneConfirmation.table(checked.rows, asOf: today), to: layout.oxygeneConfirmation, xlsx: false,
            temporaryDirectory: layout.temporary)
        report.delivered.append(shown(layout.oxygeneConfirmation))
        report.warnings += checked.warnings
    }

    /// The pieces facturation numbered and exported to Oxygène, checked against the register
    /// `archived` (its `register` entries): their rows of `confirmation.csv`, and a warning per
    /// status for the differences and the missing pieces.
    ///
    /// Both modes list them: after a switch to the `oxygene` mode (what `different` rows call for),
    /// the pieces numbered before still have the numbers Oxygène did not keep; a file of the
    /// provisional documents only dropped their rows and warnings at the switch's first run.
    func checkExported(
        _ issued: [InvoiceDocument], register: [OxygeneRegisterEntry], archived: String
    ) throws -> (rows: [OxygeneConfirmation.Row], warnings: [String]) {
        let exported = try store.exportedToOxygene()
        let codes = currentOxygeneCodes()
        // Documents of the `oxygene` mode (confirmed before a switch back) are not exported pieces
        // of this mode: their confirmation records say which number Oxygène gave them.
        let pieces = issued.filter { $0.numbering == nil && exported.contains($0.number) }.compactMap {
            OxygeneConfirmation.piece(of: $0, codes: codes)
        }
        let rows = OxygeneConfirmation.confirm(pieces, register: register)
        var warnings: [String] = []
        for status in [OxygeneConfirmation.Status.different, .missing] {
            let selected = rows.filter { $0.status == status }
            guard !selected.isEmpty else { continue }
            let listed = selected.prefix(10).map { "\($0.ourNumber): \($0.detail)" }.joined(separator: "; ")
            warnings.append(
                "Oxygène register (\(archived)): \(selected.count) exported "
                    + (status == .different ? "piece(s) numbered differently by Oxygène" : "piece(s) not found")
                    + ": \(listed)\(selected.count > 10 ? "; …" : "") (see \(shown(layout.oxygeneConfirmation)))")
        }
        return (rows, warnings)
    }

    /// Writes the Oxygène file and records it; writes the reason of each document left out
    /// (`outbox/oxygene/<number>.reason.txt`, replaced on every run) and reports it as an error;
    /// removes the reason of a document once exported.
    private func publish(_ plan: OxygenePlan, outbox: Outbox, into report: inout InvoicingReport) throws {
        if let file = plan.file {
            try outbox.deliverNew(file.xml, to: "oxygene/\(file.name).xml")
            try store.recordOxygeneBatch(.init(name: file.name, numbers: file.numbers))
            report.delivered.append(shown("oxygene/\(file.name).xml"))
            for number in file.numbers {
                let reason = layout.inOutbox(layout.oxygeneLeftOutReason(number: number))
                if Storage.exists(reason) { try Storage.removeFile(reason) }
            }
        }
        for (number, problem) in plan.leftOut {
            let reasonPath = layout.oxygeneLeftOutReason(number: number)
            let message = problem.description.replacingOccurrences(of: "the pipeline file", with: pipeline.file)
            try Storage.makeDirectory(Path.parent(of: layout.inOutbox(reasonPath)))
            try Storage.write(
                "\(number) is not in the Oxygène files yet: \(message)\n", to: layout.inOutbox(reasonPath),
                temporaryDirectory: layout.temporary, collision: .replace)
            report.errors.append(
                "Oxygène export: \(number) left out (the other documents are exported): \(message) "
                    + "(see \(shown(reasonPath)))")
        }
    }

    // MARK: - Approval requests

    @discardableResult
    private func deliverApprovalRequest(_ draft: InvoiceDraft, totals: InvoiceTotals, reason: String) throws -> String {
        let text = ApprovalRequest.render(draft: draft, totals: totals, reason: reason, pipeline: pipeline)
        try Outbox(layout: layout).deliverNew(Array(text.utf8), to: layout.approvalRequest(draftID: draft.id))
        return shown(layout.approvalRequest(draftID: draft.id))
    }

    func removeApprovalRequest(_ draftID: String) throws {
        try Self.removeApprovalRequest(draftID, layout: layout)
    }

    /// Withdraws the approval request of a draft once it is issued or rejected.
    static func removeApprovalRequest(_ draftID: String, layout: ArchiveLayout) throws {
        let path = layout.inOutbox(layout.approvalRequest(draftID: draftID))
        if Storage.exists(path) { try Storage.removeFile(path) }
    }

    // MARK: - Helpers

    func shown(_ outboxPath: String) -> String { layout.shown(outboxPath) }
}
