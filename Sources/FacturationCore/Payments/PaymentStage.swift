/// The payment stage: for each pipeline with an `[invoicing]` section, a ``PaymentPass``.
package struct PaymentStage: PipelineStage {
    package var name: StageName { .payments }
    package var schedule: Schedule { .everyRun }

    package init() {}

    package func applies(to pipeline: PipelineConfig) -> Bool { pipeline.invoicing != nil }

    package func run(_ run: PipelineRun, summary: inout RunSummary) throws {
        let pass = PaymentPass(layout: run.layout, snapshot: try run.snapshot())
        var report = PaymentReport(pipeline: run.pipeline.id)
        let state = try pass.run(today: run.today, report: &report)
        run.payments = PaymentOutcome(receivables: state.receivables, clientsInReview: state.clientsInReview)
        summary.payments.append(report)
    }
}

/// What the payment stage leaves in memory for the later stages of the run (dunning): the
/// receivables with every match applied, and the clients with a receipt waiting in `outbox/review/`.
package struct PaymentOutcome: Sendable {
    package var receivables: Receivables
    /// Client code → the receipt waiting for a decision ("2025-09-12 1 680,00 € VIREMENT LAA").
    package var clientsInReview: [String: String]
}

/// One pipeline's payments in one run: matches new receipts to invoices, then publishes invoice
/// states, aged receivables, unmatched receipts, review requests and supporting documents.
///
/// A match is recorded once (`archive/payments/<pipeline>/matches/`) and never recomputed, so
/// links stay stable whatever arrives later; everything published is derived from the issued
/// invoices, the bank ledgers and those records.
struct PaymentPass {
    let layout: ArchiveLayout
    let snapshot: RunSnapshot
    var matcher = PaymentMatcher()
    var temporary: String { layout.temporary }

    /// The result of matching: states and what waits for a person.
    package struct State {
        package var receivables: Receivables
        package var receipts: [Receipt]
        package var matches: [String: PaymentMatch]
        package var reviews: [(receipt: Receipt, reason: String, candidates: [String])]
        /// The clients a receipt waiting for review may come from (its candidates' clients, its payer).
        package var clientsInReview: [String: String] = [:]
    }

    package func run(today: CivilDate) throws -> PaymentReport {
        var report = PaymentReport(pipeline: layout.pipeline.id)
        _ = try run(today: today, report: &report)
        return report
    }

    /// Matches and publishes; returns the state for the later stages of the run.
    package func run(today: CivilDate, report: inout PaymentReport) throws -> State {
        let state = try match(today: today, report: &report)
        try publish(state, today: today, report: &report)
        return state
    }

    /// `[oxygene] open_since` after `today`: nothing of the register is owed yet, which is said.
    static func openSinceWarning(_ pipeline: PipelineConfig, today: CivilDate) -> [String] {
        guard let since = pipeline.invoicing?.oxygene.openSince, since > today else { return [] }
        return [
            "[oxygene] open_since = \(since) is after today: no invoice of the Oxygène register is owed until "
                + "then (set the first day whose open invoices should be collected)"
        ]
    }

    /// Applies the recorded matches, then matches every other receipt, oldest first.
    ///
    /// The receivables are the run's (``RunSnapshot/receivables()``: every recorded match already
    /// applied), updated by `snapshot.didMatch` as each new match is recorded. No copy of them is
    /// held across a match, so that applying it does not copy them.
    func match(today: CivilDate, report: inout PaymentReport) throws -> State {
        let pipeline = layout.pipeline
        let store = PaymentStore(layout: layout)
        let issued = snapshot.issued
        let history = try snapshot.history()
        report.warnings += history.warnings
        report.warnings += Self.openSinceWarning(pipeline, today: today)
        // A run dated D (`--date`) sees only what was booked by D, so replays match as they would have.
        // One filter of the bank lines (not `snapshot.receipts`, a copy of every credit, filtered again).
        let receipts = snapshot.bank.filter { $0.amountMinor > 0 && $0.bookingDate <= today }
        report.warnings += snapshot.leftOut.warnings
        let firstReceipt = Self.firstReceipts(receipts)
        var payers = PayerIdentifier(clients: pipeline.clients)
        var matches: [String: PaymentMatch] = [:]
        matches.reserveCapacity(snapshot.matches.count)
        func learn(_ match: PaymentMatch, _ receivables: Receivables) {
            guard let index = firstReceipt[match.receipt], let first = match.allocations.first else { return }
            payers.learn(iban: receipts[index].counterpartyIBAN) { receivables.clientCode(of: first.invoice) }
        }
        do {
            let receivables = try snapshot.receivables()
            for match in snapshot.matches {
                matches[match.receipt] = match
                learn(match, receivables)
            }
        }
        let references = InvoiceReferenceFinder(
            numbers: issued.compactMap { $0.kind == .invoice ? $0.number : nil }
                + history.invoices.map(\.document.number))
        var reviews: [(Receipt, String, [String])] = []
        for receipt in receipts where matches[receipt.key] == nil {
            let outcome = matcher.match(
                receipt, receivables: try snapshot.receivables(), references: references, payers: payers)
            switch outcome {
            case .matched(let match):
                try store.record(match)
                snapshot.didMatch(match)
                matches[match.receipt] = match
                learn(match, try snapshot.receivables())
                report.matched.append(
                    "\(receipt.bookingDate) \(FrenchDates.euros(receipt.amountMinor)) "
                        + "\(receipt.counterpartyName) → " + match.allocations.map(\.invoice).joined(separator: ", ")
                        + " (\(match.rule))")
            case .review(let reason, let candidates):
                reviews.append((receipt, reason, candidates))
            }
        }
        let receivables = try snapshot.receivables()
        return State(
            receivables: receivables, receipts: receipts, matches: matches,
            reviews: reviews.map { (receipt: $0.0, reason: $0.1, candidates: $0.2) },
            clientsInReview: Self.clientsInReview(reviews, receivables: receivables, payers: payers))
    }

    /// Each receipt key's first receipt (its index in `receipts`), as the payers are learnt from it.
    ///
    /// Why indices (issue #9): a dictionary of the receipts themselves copied every credit of history
    /// (eight strings each) on every run, about 12 ms of the 10-year full pass (README, "Benchmark results").
    static func firstReceipts(_ receipts: [Receipt]) -> [String: Int] {
        var first: [String: Int] = [:]
        first.reserveCapacity(receipts.count)
        // Backwards, so that the first receipt of a key is the one left.
        for index in receipts.indices.reversed() { first[receipts[index].key] = index }
        return first
    }

    /// The clients a receipt waiting for review may be from (its candidates' and its payer's), each
    /// with the first such receipt: their reminders wait.
    static func clientsInReview(
        _ reviews: [(Receipt, String, [String])], receivables: Receivables, payers: PayerIdentifier
    ) -> [String: String] {
        var clientsInReview: [String: String] = [:]
        for (receipt, _, candidates) in reviews {
            let clients =
                candidates.compactMap { receivables.clientCode(of: $0) }
                + [payers.client(of: receipt)?.code].compactMap { $0 }
            for client in clients where clientsInReview[client] == nil {
                clientsInReview[client] =
                    "\(receipt.bookingDate) \(FrenchDates.euros(receipt.amountMinor)) \(receipt.counterpartyName)"
            }
        }
        return clientsInReview
    }

    // MARK: - Outputs

    private func publish(_ state: State, today: CivilDate, report: inout PaymentReport) throws {
        let outbox = Outbox(layout: layout)
        let items = state.receivables.rows
        report.openInvoices = items.filter { $0.openMinor > 0 }.count
        report.overdueInvoices = items.filter { $0.openMinor > 0 && $0.dueDate < today }.count
        report.toReview = state.reviews.count
        let reports: [(String, ReportTable)] = [
            ("paiements/etat-factures.csv", PaymentReports.invoiceStatesTable(items, today: today)),
            ("paiements/balance-agee.csv", PaymentReports.agedReceivablesTable(items, today: today)),
            ("paiements/encaissements-non-rapproches.csv", PaymentReports.unmatchedTable(state.reviews, today: today)),
        ]
        func deliver(_ bytes: [UInt8], to path: String) throws {
            let temporary = Path.join(self.temporary, "payments-" + Path.name(of: path))
            try Storage.write(bytes, to: temporary, temporaryDirectory: self.temporary, collision: .replace)
            let delivery = try outbox.deliverCurrentVersion(of: temporary, to: path)
            if let warning = delivery.warning { report.warnings.append(warning) }
            try Storage.removeFile(temporary)
        }
        for (path, table) in reports {
            report.warnings += try outbox.deliverReport(table, to: path, xlsx: true, temporaryDirectory: temporary)
        }
        // Review requests: one decision form per receipt waiting (updated when its candidates
        // change); forms of receipts matched since then go.
        var wanted: Set<String> = []
        for review in state.reviews {
            let name = PaymentReports.reviewName(review.receipt)
            wanted.insert(name)
            try deliver(PaymentReports.reviewForm(review, receivables: state.receivables), to: "review/" + name)
        }
        // Only forms this stage delivered and nobody changed are withdrawn: a file a person put in
        // the folder, an edited form and an `.updated-…` copy stay.
        let reviewFolder = layout.inOutbox("review")
        for name in try Storage.listIfPresent(reviewFolder) where name.hasSuffix(".csv") && !wanted.contains(name) {
            try outbox.withdraw("review/" + name)
        }
        try SupportingDocuments(layout: layout).publish(state, report: &report)
    }
}
