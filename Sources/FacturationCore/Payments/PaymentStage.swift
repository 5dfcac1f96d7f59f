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
    /// held across a match, so that applying it does not copy them. What matching a receipt needs
    /// beyond them (``Learnt``) is prepared when the first receipt without a match comes.
    func match(today: CivilDate, report: inout PaymentReport) throws -> State {
        let pipeline = layout.pipeline
        let store = PaymentStore(layout: layout)
        let history = try snapshot.history()
        report.warnings += history.warnings
        report.warnings += Self.openSinceWarning(pipeline, today: today)
        let receipts = Self.receipts(snapshot.bank, bookedBy: today)
        report.warnings += snapshot.leftOut.warnings
        var matches: [String: PaymentMatch] = [:]
        matches.reserveCapacity(snapshot.matches.count)
        for match in snapshot.matches { matches[match.receipt] = match }
        var learnt: Learnt?
        var reviews: [(Receipt, String, [String])] = []
        for receipt in receipts where matches[receipt.key] == nil {
            let known = try learnt ?? Learnt(pipeline, snapshot: snapshot, receipts: receipts, history: history)
            let outcome = matcher.match(
                receipt, receivables: try snapshot.receivables(), references: known.references, payers: known.payers)
            learnt = known
            switch outcome {
            case .matched(let match):
                try store.record(match)
                snapshot.didMatch(match)
                matches[match.receipt] = match
                learnt?.learn(match, receipts: receipts, receivables: try snapshot.receivables())
                report.matched.append(
                    "\(receipt.bookingDate) \(FrenchDates.euros(receipt.amountMinor)) "
                        + "\(receipt.counterpartyName) → " + match.allocations.map(\.invoice).joined(separator: ", ")
                        + " (\(match.rule))")
            case .review(let reason, let candidates):
                reviews.append((receipt, reason, candidates))
            }
        }
        let receivables = try snapshot.receivables()
        // Without a learnt state no receipt was left to match, so there is no review to say a client of.
        let payers = learnt?.payers ?? PayerIdentifier(clients: pipeline.clients)
        return State(
            receivables: receivables, receipts: receipts, matches: matches,
            reviews: reviews.map { (receipt: $0.0, reason: $0.1, candidates: $0.2) },
            clientsInReview: Self.clientsInReview(reviews, receivables: receivables, payers: payers))
    }

    /// The credits booked by `today` (a run dated D, `--date`, sees only what was booked by D, so
    /// replays match as they would have), counted first so that the copy is made once: filtering
    /// grew the array by doubling, every credit of history copied about twice more (issue #9).
    static func receipts(_ bank: [BankLine], bookedBy today: CivilDate) -> [Receipt] {
        var count = 0
        for index in bank.indices where bank[index].amountMinor > 0 && bank[index].bookingDate <= today { count += 1 }
        var receipts: [Receipt] = []
        receipts.reserveCapacity(count)
        for index in bank.indices where bank[index].amountMinor > 0 && bank[index].bookingDate <= today {
            receipts.append(bank[index])
        }
        return receipts
    }

    /// What the matcher knows beyond the receivables: the payers (configured, and the IBANs learnt
    /// from every recorded match, oldest first) and the invoice numbers a transfer's text may name.
    ///
    /// Why prepared on demand (issue #9): learning every match of history again, with the index of
    /// every receipt key and of every invoice number, was most of the 27 ms `match` spent outside
    /// the receivables in a 10-year full pass, where every receipt is already matched and none of
    /// it is used (docs/benchmark-history.md). When a receipt does need matching, all of it is
    /// learnt as before, before that receipt, so the matcher sees the same payers.
    struct Learnt {
        var payers: PayerIdentifier
        let references: InvoiceReferenceFinder
        /// Each receipt key's first receipt (``firstReceipts(_:)``), as the payers are learnt from it.
        let firstReceipt: [String: Int]

        init(_ pipeline: PipelineConfig, snapshot: RunSnapshot, receipts: [Receipt], history: OxygeneHistory) throws {
            payers = PayerIdentifier(clients: pipeline.clients)
            references = InvoiceReferenceFinder(
                numbers: snapshot.issued.compactMap { $0.kind == .invoice ? $0.number : nil }
                    + history.invoices.map(\.document.number))
            firstReceipt = PaymentPass.firstReceipts(receipts)
            let receivables = try snapshot.receivables()
            for match in snapshot.matches { learn(match, receipts: receipts, receivables: receivables) }
        }

        /// Learns the IBAN of `match`'s receipt as its first invoice's client's.
        mutating func learn(_ match: PaymentMatch, receipts: [Receipt], receivables: Receivables) {
            guard let index = firstReceipt[match.receipt], let first = match.allocations.first else { return }
            payers.learn(iban: receipts[index].counterpartyIBAN) { receivables.clientCode(of: first.invoice) }
        }
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
