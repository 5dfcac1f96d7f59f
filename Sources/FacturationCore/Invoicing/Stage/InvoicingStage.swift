import Foundation

/// The invoicing stage of a run: generates what is due, applies the approval rules, issues
/// numbered documents and publishes everything derived from them.
///
/// The record file of a batch (`archive/invoicing/<pipeline>/issued/<YYYY>/<first>_<last>.jsonl`)
/// is the commit point: a document's number, its billed entries and its origin are taken only
/// when that file is created (no-clobber), and every output is re-derived from the records. A run
/// killed anywhere therefore ends, once started again, with the same documents and numbers as
/// an uninterrupted run: no duplicate, no gap.
public struct InvoicingStage {
    public let workspace: Workspace
    public let layout: PipelineLayout
    public let settings: InvoicingSettings
    /// Current UTC time as ISO 8601 (decision timestamps).
    public var now: () -> String = { ISO8601DateFormatter().string(from: Date()) }
    /// Validates Factur-X CII documents before they are issued.
    public var ciiValidator: XMLSchemaValidator?

    var pipeline: PipelineConfig { layout.pipeline }
    var store: InvoiceStore { InvoiceStore(workspace: workspace, pipeline: pipeline) }

    public init(workspace: Workspace, layout: PipelineLayout, settings: InvoicingSettings) {
        self.workspace = workspace
        self.layout = layout
        self.settings = settings
    }

    public func run(today: CivilDate) throws -> InvoicingReport {
        var report = InvoicingReport(pipeline: pipeline.id)
        let stamp = now()
        let store = self.store
        var issued = try store.issued()
        let decisions = try store.decisions()
        let issuedIDs = Set(issued.map(\.origin.draftID))
        var waiting: [InvoiceDraft] = []
        for draft in try store.waitingDrafts() {
            if issuedIDs.contains(draft.id) || ["rejected", "refused"].contains(decisions[draft.id]?.decision) {
                // Issued or rejected by an interrupted run: finish its clean-up.
                try store.removeDraft(id: draft.id)
                try removeApprovalRequest(draft.id)
                if decisions[draft.id]?.decision == "rejected" { report.rejected.append(draft.id) }
                continue
            }
            waiting.append(draft)
        }

        // 1. What is due and not yet generated.
        var timeMonths: Set<String> = []
        for document in issued where document.kind == .invoice && document.origin.type == "time" {
            timeMonths.insert("\(document.clientCode)|\(document.origin.period ?? "")")
        }
        for draft in waiting where draft.origin.type == "time" {
            timeMonths.insert("\(draft.clientCode)|\(draft.origin.period ?? "")")
        }
        var released: [String: String] = [:]
        for document in issued where document.kind == .creditNote {
            for key in document.recordKeys { released[key] = document.number }
        }
        let known = DraftGenerator.Known(
            takenDraftIDs: issuedIDs.union(waiting.map(\.id)).union(decisions.keys),
            heldKeys: Self.heldKeys(issued: issued, waiting: waiting), timeMonths: timeMonths, releasedBy: released)
        let generated = try DraftGenerator(pipeline: pipeline, settings: settings, layout: layout)
            .drafts(today: today, known: known)
        report.warnings += generated.warnings
        report.errors += generated.errors

        // 2. Oldest first: drafts approved by a person, and new drafts through the approval rules,
        // each evaluated against everything issued before it (including earlier in this run).
        enum Step { case approved(InvoiceDocument.ApprovalNote), new }
        var steps: [(InvoiceDraft, Step)] = generated.drafts.map { ($0, .new) }
        for draft in waiting {
            guard let decision = decisions[draft.id] else {
                // Still waiting: make sure its request is in the outbox (it may have been lost in a crash).
                // A draft set aside because its amounts overflow has no totals to show.
                let totals = (try? InvoiceBuilder.totals(of: draft.lines)) ?? .zero
                let reason = draft.approvalReason ?? "waiting for a decision"
                try deliverApprovalRequest(draft, totals: totals, reason: reason)
                report.waitingApproval.append(.init(draft: draft.id, client: draft.clientCode,
                                                    totalInclVAT: FrenchDates.euros(totals.grandTotalMinor), reason: reason))
                continue
            }
            if decision.decision == "approved" {
                steps.append((draft, .approved(.init(decision: "approved", by: decision.by, at: decision.at,
                                                     comment: decision.comment))))
            }
        }
        steps.sort { ($0.0.dueOn, $0.0.id) < ($1.0.dueOn, $1.0.id) }
        let policy = ApprovalPolicy(rules: settings.approval, contracts: settings.contracts)
        let builder = InvoiceBuilder(pipeline: pipeline, settings: settings)
        var batch = Batch(counters: .init(scheme: settings.numbering, issued: issued.map { ($0.kind, $0.number) }),
                          lastDate: issued.map(\.issueDate).max(),
                          byClient: Dictionary(grouping: issued, by: \.clientCode))
        let committer = BatchCommitter(stage: self, delivery: try InvoiceDelivery(stage: self))
        defer { try? committer.finish() }
        var pending: [Issue] = []
        var prepared: [InvoiceDocument] = []
        for (draft, step) in steps {
            // A generated time-based draft gets its annex only now (DraftGenerator.Result.complete):
            // the month's annexes are never all in memory at once.
            let draft = generated.complete(draft)
            let approval: InvoiceDocument.ApprovalNote
            switch step {
            case .approved(let note):
                approval = note
            case .new:
                var draft = draft
                let totals: InvoiceTotals
                do {
                    totals = try InvoiceBuilder.totals(of: draft.lines)
                } catch {
                    try park(draft, UnissuableDraft(problem: error.description), decided: false, into: &report)
                    continue
                }
                let history = batch.byClient[draft.clientCode] ?? []
                switch policy.verdict(for: draft, total: totals, history: history) {
                case .issue(let rule):
                    approval = .init(decision: "automatic", by: "rule: \(rule)", at: stamp, comment: nil)
                case .needsApproval(let reason):
                    draft.approvalReason = reason
                    try store.saveDraft(draft)
                    report.delivered.append(try deliverApprovalRequest(draft, totals: totals, reason: reason))
                    report.waitingApproval.append(.init(draft: draft.id, client: draft.clientCode,
                                                        totalInclVAT: FrenchDates.euros(totals.grandTotalMinor),
                                                        reason: reason))
                    continue
                case .refuse(let reason):
                    try store.recordDecision(ApprovalDecision(draftID: draft.id, decision: "refused", by: "rule",
                                                              at: stamp, comment: reason, source: "rule"))
                    report.refused.append(.init(draft: draft.id, client: draft.clientCode,
                                                totalInclVAT: FrenchDates.euros(totals.grandTotalMinor), reason: reason))
                    continue
                }
            }
            do {
                let next = try prepare(draft, approval: approval, today: today, batch: batch, builder: builder)
                if let year = pending.first?.document.issueDate.year, year != next.document.issueDate.year {
                    try committer.submit(pending)
                    pending = []
                }
                pending.append(next)
                prepared.append(next.document)
                batch.add(next.document)
                if pending.count >= Self.batchSize {
                    try committer.submit(pending)
                    pending = []
                }
            } catch let error as InvoicingError {
                report.errors.append("\(draft.id): not issued: \(error.message)")
            } catch let problem as UnissuableDraft {
                try park(draft, problem, decided: decisions[draft.id] != nil, into: &report)
            }
        }
        if !pending.isEmpty { try committer.submit(pending) }
        // While the last batches are committed: the outputs derived from every document (the
        // committer either issues all of them or fails the run).
        let derived = try derive(from: issued + prepared)
        try committer.finish()
        precondition(committer.committed.count == prepared.count, "a batch was neither issued nor reported as failed")
        for issue in committer.committed {
            let document = issue.document
            issued.append(document)
            report.issued.append(.init(
                number: document.number, kind: document.kind.rawValue, client: document.clientCode,
                issueDate: document.issueDate.description,
                totalExclVAT: FrenchDates.euros(document.totals.taxBasisTotalMinor),
                totalInclVAT: FrenchDates.euros(document.totals.grandTotalMinor),
                approval: issue.approval.decision == "automatic" ? issue.approval.by : "approved by \(issue.approval.by)"))
            report.warnings += issue.draft.notes.map { "\(document.number): \($0)" }
        }
        report.delivered += committer.delivered

        // 4. Everything derived from the records.
        var delivery = committer.delivery
        try publish(issued: issued, derived: derived, delivery: &delivery, into: &report)
        return report
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
    }

    /// Numbers a draft and builds its document and Factur-X XML (validated); writes nothing (the
    /// committer renders the annex and writes the files).
    private func prepare(_ draft: InvoiceDraft, approval: InvoiceDocument.ApprovalNote, today: CivilDate,
                         batch: Batch, builder: InvoiceBuilder) throws -> Issue {
        // Dates never go backwards: numbers and dates stay in the same order.
        let issueDate = max(today, batch.lastDate ?? today)
        let number = batch.counters.next(kind: draft.kind, date: issueDate)
        let document: InvoiceDocument
        do {
            document = try builder.document(from: draft, number: number, issueDate: issueDate, approval: approval)
        } catch let overflow as ArithmeticOverflow {
            throw UnissuableDraft(problem: overflow.description)
        }
        let xml: [UInt8]
        do {
            xml = try CIIWriter.xml(for: document)
        } catch let error as CIIWriterError {
            throw UnissuableDraft(problem: error.description)
        }
        if let validator = ciiValidator {
            let problems = validator.problems(in: xml)
            if !problems.isEmpty {
                throw UnissuableDraft(problem: "its Factur-X XML does not pass the official schema ("
                    + problems.prefix(3).joined(separator: "; ") + "); this is a bug, please report it")
            }
        }
        return Issue(draft: draft, document: document, approval: approval, xml: xml)
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
    private func park(_ draft: InvoiceDraft, _ problem: UnissuableDraft, decided: Bool,
                      into report: inout InvoicingReport) throws {
        guard !decided else {
            report.errors.append("\(draft.id): approved, but still not issued: \(problem.problem); reject it "
                + "(`facturation reject \(draft.id) --reason …`) or fix the cause")
            return
        }
        var draft = draft
        draft.approvalReason = "it cannot be issued: \(problem.problem). Reject it (`facturation reject \(draft.id) "
            + "--reason …`), or fix the cause and approve it"
        let totals = (try? InvoiceBuilder.totals(of: draft.lines)) ?? .zero
        try store.saveDraft(draft)
        report.delivered.append(try deliverApprovalRequest(draft, totals: totals, reason: draft.approvalReason ?? ""))
        report.waitingApproval.append(.init(draft: draft.id, client: draft.clientCode,
                                            totalInclVAT: FrenchDates.euros(totals.grandTotalMinor),
                                            reason: draft.approvalReason ?? ""))
        report.warnings.append("\(draft.id): not issued and set aside for a person: \(problem.problem)")
    }

    func documentPath(_ document: InvoiceDocument) -> String {
        Path.join(store.folder, "documents", CivilDate.pad(document.issueDate.year, 4), document.number + ".xml")
    }

    // MARK: - Outputs

    /// The outputs derived from all issued documents, built before they are written.
    struct Derived {
        /// The Oxygène file of the documents not exported yet, or why it cannot be written.
        var oxygene: Result<(name: String, numbers: [String], xml: [UInt8]), InvoicingError>?
        var register: ReportTable
    }

    private func derive(from issued: [InvoiceDocument]) throws -> Derived {
        Derived(oxygene: try oxygeneExport(of: issued), register: SalesRegister.table(issued))
    }

    private func publish(issued: [InvoiceDocument], derived: Derived, delivery: inout InvoiceDelivery,
                         into report: inout InvoicingReport) throws {
        let outbox = Outbox(layout: layout)
        // Documents issued by an interrupted run and not delivered yet.
        var missing: [(String, [UInt8], [UInt8]?)] = []
        for document in issued where !delivery.delivered.contains(document.number) {
            let xmlPath = documentPath(document)
            let xml = Storage.exists(xmlPath) ? try Storage.read(xmlPath) : try CIIWriter.xml(for: document)
            let annex = store.annexPath(draftID: document.origin.draftID)
            missing.append((document.number, xml, Storage.exists(annex) ? try Storage.read(annex) : nil))
            if missing.count >= Self.batchSize { report.delivered += try delivery.deliver(missing); missing = [] }
        }
        report.delivered += try delivery.deliver(missing)
        switch derived.oxygene {
        case .success(let export):
            try outbox.deliverNew(export.xml, to: "oxygene/\(export.name).xml")
            try store.recordOxygeneBatch(.init(name: export.name, numbers: export.numbers))
            report.delivered.append(shown("oxygene/\(export.name).xml"))
        case .failure(let problem):
            report.errors.append(problem.message)
        case nil:
            break
        }
        if !issued.isEmpty {
            report.warnings += try outbox.deliverReport(derived.register, to: "registre-ventes.csv", xlsx: true,
                                                        temporaryDirectory: workspace.temporary)
        }
    }

    /// The Oxygène import file of the documents not exported yet (nil when there are none).
    private func oxygeneExport(of issued: [InvoiceDocument]) throws
        -> Result<(name: String, numbers: [String], xml: [UInt8]), InvoicingError>? {
        let exported = try store.exportedToOxygene()
        let pending = issued.filter { !exported.contains($0.number) }
        guard let first = pending.first, let last = pending.last else { return nil }
        let missing = pending.filter { $0.oxygeneClientCode == nil }
        if !missing.isEmpty {
            let clients = Set(missing.map(\.clientCode)).sorted()
            return .failure(InvoicingError("Oxygène export of " + pending.map(\.number).joined(separator: ", ")
                + " stopped: client " + clients.joined(separator: ", ") + " has no Oxygène code; add oxygene_code = \"…\" "
                + "to its [[clients]] entry in \(pipeline.file). The invoices are issued; the export follows on the next run."))
        }
        let name = first.number == last.number ? "oxygene-\(first.number)" : "oxygene-\(first.number)_\(last.number)"
        do {
            return .success((name, pending.map(\.number), try OxygeneWriter.xml(for: pending)))
        } catch {
            return .failure(InvoicingError("Oxygène export \(name) failed: \(error)"))
        }
    }

    // MARK: - Approval requests

    func approvalRequestPath(_ draftID: String) -> String { "to-approve/\(draftID).toml" }

    @discardableResult
    private func deliverApprovalRequest(_ draft: InvoiceDraft, totals: InvoiceTotals, reason: String) throws -> String {
        let text = ApprovalRequest.render(draft: draft, totals: totals, reason: reason, pipeline: pipeline)
        try Outbox(layout: layout).deliverNew(Array(text.utf8), to: approvalRequestPath(draft.id))
        return shown(approvalRequestPath(draft.id))
    }

    func removeApprovalRequest(_ draftID: String) throws {
        let path = Path.join(layout.outbox, approvalRequestPath(draftID))
        if Storage.exists(path) { try Storage.removeFile(path) }
    }

    // MARK: - Helpers

    func shown(_ outboxPath: String) -> String {
        Path.relative(Path.join(layout.outbox, outboxPath), to: workspace.root)
    }

    /// Entries billed by issued invoices (minus those a credit note made billable again) or held by waiting drafts.
    static func heldKeys(issued: [InvoiceDocument], waiting: [InvoiceDraft]) -> Set<String> {
        var held: Set<String> = []
        for document in issued {
            if document.kind == .invoice { held.formUnion(document.recordKeys) } else { held.subtract(document.recordKeys) }
        }
        for draft in waiting where draft.kind == .invoice { held.formUnion(draft.recordKeys) }
        return held
    }
}
