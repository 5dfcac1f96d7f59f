/// The weekly reconciliation, on Mondays: for each pipeline with an `[invoicing]` section.
package struct ReconciliationStage: PipelineStage {
    package var name: StageName { .reconciliation }
    package var schedule: Schedule { .weekly(.monday) }

    package init() {}

    package func applies(to pipeline: PipelineConfig) -> Bool { pipeline.invoicing != nil }

    package func run(_ run: PipelineRun, summary: inout RunSummary) throws {
        let reconciliation = Reconciliation(layout: run.layout, snapshot: try run.snapshot())
        let (report, path) = try reconciliation.publish(today: run.today)
        summary.reconciliation.append(Reconciliation.summary(report, path: path))
    }
}

/// Three-way reconciliation of invoices, bank and accounting, from the files alone:
///
/// 1. every issued invoice or credit note equals its sales-journal entry (411 line) in the
///    published FEC;
/// 2. every matched receipt equals its bank line and its bank-journal entry (512 line);
/// 3. each client's 411 balance in the published FEC equals its open invoices on the last day
///    the FEC covers.
///
/// Differences beyond the tolerance (0.01 EUR) are listed with their cause.
package struct Reconciliation {
    package let layout: ArchiveLayout
    let snapshot: RunSnapshot
    package var toleranceMinor: Int64 = 1

    package init(layout: ArchiveLayout, snapshot: RunSnapshot) {
        self.layout = layout
        self.snapshot = snapshot
    }

    /// For a command outside a run: reads the archive itself.
    package init(layout: ArchiveLayout) throws {
        self.init(layout: layout, snapshot: try RunSnapshot(layout: layout))
    }

    package struct Difference: Sendable, Codable, Equatable {
        /// `invoice-journal`, `receipt-bank`, `receipt-journal`, `client-balance`.
        package var check: String
        package var reference: String
        package var expected: String
        package var found: String
        package var difference: String
        package var cause: String
    }

    package struct Report: Sendable, Codable {
        package var coveredUntil: String
        package var invoicesChecked = 0
        package var receiptsChecked = 0
        package var clientsChecked = 0
        package var differences: [Difference] = []
    }

    package func run() throws -> Report {
        let fec = try PublishedFEC.read(layout: layout)
        guard let until = fec.coveredUntil else { return Report(coveredUntil: "") }
        var report = Report(coveredUntil: until.description)
        let issued = snapshot.issued.filter { $0.issueDate <= until }
        let matches = snapshot.matches.filter { $0.bookingDate <= until }
        checkInvoices(issued, fec: fec, into: &report)
        checkReceipts(matches, fec: fec, into: &report)
        checkClientBalances(issued: issued, matches: matches, fec: fec, into: &report)
        return report
    }

    /// Records a difference beyond the tolerance (or a missing counterpart).
    private func add(
        _ check: String, _ reference: String, expected: Int64, found: Int64?, cause: String,
        into report: inout Report
    ) {
        func money(_ minor: Int64) -> String { DecimalText.format(minorUnits: minor, scale: 2) }
        let value = found ?? 0
        guard found == nil || abs(value - expected) > toleranceMinor else { return }
        report.differences.append(
            Difference(
                check: check, reference: reference, expected: money(expected),
                found: found.map(money) ?? "missing", difference: money(value - expected),
                cause: cause))
    }

    /// The debit minus credit of `fec`'s lines that pass `include`, per key.
    private static func balances(
        _ fec: PublishedFEC, by key: (PublishedFEC.Line) -> String,
        where include: (PublishedFEC.Line) -> Bool
    ) -> [String: Int64] {
        var result: [String: Int64] = [:]
        for line in fec.lines where include(line) {
            result[key(line), default: 0] += line.debitMinor - line.creditMinor
        }
        return result
    }

    /// 1. Every document ↔ its sales-journal entry (411 line).
    private func checkInvoices(_ issued: [InvoiceDocument], fec: PublishedFEC, into report: inout Report) {
        let accounting = layout.pipeline.accounting
        let salesByPiece = Self.balances(fec, by: \.pieceRef) {
            $0.journal == accounting.sales.code && $0.account == accounting.clients.number
        }
        for document in issued {
            report.invoicesChecked += 1
            let expected =
                document.kind == .invoice ? document.totals.grandTotalMinor : -document.totals.grandTotalMinor
            add(
                "invoice-journal", document.number, expected: expected, found: salesByPiece[document.number],
                cause: salesByPiece[document.number] == nil
                    ? "the document is not in the sales journal of the published FEC"
                    : "the sales-journal entry does not carry the document's total incl. VAT", into: &report)
        }
    }

    /// 2. Every matched receipt ↔ its bank line ↔ its bank-journal entry (512 line).
    private func checkReceipts(_ matches: [PaymentMatch], fec: PublishedFEC, into report: inout Report) {
        let accounting = layout.pipeline.accounting
        let bank = Dictionary(snapshot.bank.map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        let bankByPiece = Self.balances(fec, by: \.pieceRef) {
            $0.journal == accounting.bank.code && $0.account == accounting.bankAccount.number
        }
        for match in matches where !match.allocations.isEmpty {
            report.receiptsChecked += 1
            guard let line = bank[match.receipt] else {
                add(
                    "receipt-bank", match.receipt, expected: match.amountMinor, found: nil,
                    cause: "the matched receipt is no longer in the bank ledgers", into: &report)
                continue
            }
            add(
                "receipt-bank", match.receipt, expected: match.amountMinor, found: line.amountMinor,
                cause: "the bank line's amount differs from the amount that was matched", into: &report)
            add(
                "receipt-journal", line.pieceRef, expected: line.amountMinor, found: bankByPiece[line.pieceRef],
                cause: bankByPiece[line.pieceRef] == nil
                    ? "the receipt is not in the bank journal of the published FEC"
                    : "the bank-journal entry differs from the bank line", into: &report)
        }
    }

    /// 3. Each client's 411 balance ↔ its open invoices on the last day covered.
    private func checkClientBalances(
        issued: [InvoiceDocument], matches: [PaymentMatch], fec: PublishedFEC,
        into report: inout Report
    ) {
        let clients = layout.pipeline.accounting.clients.number
        let balances = Self.balances(fec, by: \.auxiliary) { $0.account == clients && !$0.auxiliary.isEmpty }
        var receivables = Receivables(issued: issued)
        for match in matches { receivables.apply(match) }
        var open: [String: Int64] = [:]
        // Each invoice once (a number issued twice is one invoice, its last document).
        for number in Set(receivables.order) {
            guard let item = receivables.item(number) else { continue }
            open[item.clientCode, default: 0] += item.openMinor
        }
        for client in Set(balances.keys).union(open.keys).sorted() {
            report.clientsChecked += 1
            add(
                "client-balance", client, expected: open[client] ?? 0, found: balances[client] ?? 0,
                cause: "the client's 411 balance differs from its open invoices", into: &report)
        }
    }

    /// Runs the reconciliation and delivers `outbox/rapprochement/rapprochement-<date>.csv`;
    /// returns the report and the delivered path (relative to the workspace).
    package func publish(today: CivilDate) throws -> (Report, String) {
        let report = try run()
        let relative = "rapprochement/rapprochement-\(today).csv"
        let temporary = Path.join(layout.temporary, "rapprochement.csv")
        try Storage.write(Self.csv(report), to: temporary, temporaryDirectory: layout.temporary, collision: .replace)
        try Outbox(layout: layout).deliverCurrentVersion(of: temporary, to: relative)
        try Storage.removeFile(temporary)
        return (report, layout.shown(relative))
    }

    /// One line for people: what was compared and how many differences.
    package static func summary(_ report: Report, path: String) -> String {
        "Reconciliation until \(report.coveredUntil): \(report.invoicesChecked) documents, \(report.receiptsChecked) "
            + "receipts, \(report.clientsChecked) client balances; "
            + (report.differences.isEmpty ? "no difference" : "\(report.differences.count) DIFFERENCES") + " (\(path))"
    }

    /// The report as CSV (one row per difference; a single "no difference" row when all agree).
    package static func csv(_ report: Report) -> [UInt8] {
        var out = CSVLineBuilder()
        out.line(["check", "reference", "expected", "found", "difference", "cause"])
        for difference in report.differences {
            out.line([
                difference.check, difference.reference, difference.expected, difference.found,
                difference.difference, difference.cause,
            ])
        }
        if report.differences.isEmpty {
            out.line([
                "all", "", "", "", "0.00",
                "no difference: \(report.invoicesChecked) documents, "
                    + "\(report.receiptsChecked) receipts, \(report.clientsChecked) clients, until \(report.coveredUntil)",
            ])
        }
        return out.bytes
    }
}
