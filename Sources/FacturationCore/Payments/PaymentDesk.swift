/// Records a person's decisions on receipts (from a decision file); each becomes the receipt's
/// match, kept in the archive and reused by every later run.
package struct PaymentDesk {
    package let workspace: Workspace
    package let layout: ArchiveLayout

    package init(workspace: Workspace, layout: ArchiveLayout) {
        self.workspace = workspace
        self.layout = layout
    }

    /// Checks every row first; records nothing unless the whole file is right.
    package func apply(_ rows: [PaymentDecisionFile.Row], source: String) throws -> Result<String, Rejection> {
        let store = PaymentStore(layout: layout)
        let invoices = InvoiceStore(layout: layout)
        let records = try invoices.records()
        let issued = try ConfirmedNumberStore(layout: layout).all().view(of: records)
        // A decision may name a historical invoice of the Oxygène register, like one of ours.
        var receivables = Receivables(
            issued: issued,
            historical: try OxygeneHistory.load(layout: layout, records: records, issued: issued).invoices)
        for match in try store.matches() { receivables.apply(match) }
        let receipts = Dictionary(
            try BankLine.receipts(in: layout).map { ($0.key, $0) }, uniquingKeysWith: { first, _ in first })
        var problems = ProblemList()
        var matches: [PaymentMatch] = []
        for (key, rows) in Self.groupedByReceipt(rows) {
            let decided = try decide(
                key, rows: rows, receipt: receipts[key], store: store, source: source,
                receivables: &receivables, problems: &problems)
            if let decided { matches.append(decided) }
        }
        guard problems.isEmpty else {
            return .failure(
                Rejection(
                    format: nil, summary: "some decisions cannot be applied; none was recorded",
                    problems: problems, advice: "Fix the rows listed and drop the file into inbox/ again."))
        }
        for match in matches { try store.record(match) }
        return .success("\(matches.count) payment decision\(matches.count == 1 ? "" : "s") recorded")
    }

    /// The rows grouped by receipt key, receipts in the order they first appear in the file.
    private static func groupedByReceipt(_ rows: [PaymentDecisionFile.Row]) -> [(String, [PaymentDecisionFile.Row])] {
        var byReceipt: [(String, [PaymentDecisionFile.Row])] = []
        for row in rows {
            if let index = byReceipt.firstIndex(where: { $0.0 == row.receipt }) {
                byReceipt[index].1.append(row)
            } else {
                byReceipt.append((row.receipt, [row]))
            }
        }
        return byReceipt
    }

    /// The match that the rows of one receipt decide, or nil when there is nothing to record: a
    /// problem was listed, or this very file already recorded it. A decision to pay invoices is
    /// applied to `receivables` at once, so that the next receipts of the file see what it paid.
    private func decide(
        _ key: String, rows: [PaymentDecisionFile.Row], receipt: Receipt?, store: PaymentStore, source: String,
        receivables: inout Receivables, problems: inout ProblemList
    ) throws -> PaymentMatch? {
        let line = rows[0].line
        guard let receipt else {
            problems.add(
                Problem(
                    line: line, column: "receipt", columnNumber: 1, value: key,
                    message: "no booked credit has this key in the bank ledgers (copy it from outbox/review/)"))
            return nil
        }
        if let existing = try store.match(for: key) {
            // Recorded from this very file by a run that was interrupted: nothing more to do.
            if existing.source == source { return nil }
            problems.add(
                Problem(
                    line: line, column: "receipt", columnNumber: 1, value: key,
                    message: "this receipt was already matched (\(existing.rule): \(existing.evidence))"))
            return nil
        }
        let person = rows.first { !$0.by.isEmpty }?.by ?? "unknown"
        let comment = rows.map(\.comment).filter { !$0.isEmpty }.joined(separator: "; ")
        if rows.contains(where: { $0.invoice == "IGNORE" }) {
            if rows.count > 1 {
                problems.add(
                    Problem(
                        line: line, column: "invoice", columnNumber: 2, value: "IGNORE",
                        message: "IGNORE must be the only row of its receipt"))
                return nil
            }
            return PaymentMatch(
                receipt: key, bookingDate: receipt.bookingDate, amountMinor: receipt.amountMinor,
                rule: "ignored", allocations: [], by: person,
                evidence: comment.isEmpty ? "not a customer payment" : comment, source: source)
        }
        let (allocations, left) = allocate(receipt, to: rows, receivables: receivables, problems: &problems)
        if left < 0 {
            problems.add(
                Problem(
                    line: line, column: "amount", columnNumber: 3,
                    message: "the amounts add up to more than the receipt (\(FrenchDates.euros(receipt.amountMinor)))"))
            return nil
        }
        var evidence = "decided by \(person)"
        if left > 0 { evidence += "; \(FrenchDates.euros(left)) not applied (an advance or an overpayment)" }
        if !comment.isEmpty { evidence += ": \(comment)" }
        let match = PaymentMatch(
            receipt: key, bookingDate: receipt.bookingDate, amountMinor: receipt.amountMinor,
            rule: "decision", allocations: allocations, by: person, evidence: evidence,
            source: source)
        receivables.apply(match)
        return match
    }

    /// Splits a receipt between the invoices its rows name: a row's amount, or else what is left of
    /// the receipt up to what the invoice still owes. Returns the allocations and what is left of the
    /// receipt (negative when the rows add up to more).
    private func allocate(
        _ receipt: Receipt, to rows: [PaymentDecisionFile.Row], receivables: Receivables, problems: inout ProblemList
    ) -> (allocations: [PaymentMatch.Allocation], left: Int64) {
        var left = receipt.amountMinor
        var allocations: [PaymentMatch.Allocation] = []
        for row in rows {
            guard let item = receivables.item(row.invoice) else {
                problems.add(
                    Problem(
                        line: row.line, column: "invoice", columnNumber: 2, value: row.invoice,
                        message: "no invoice has this number (see outbox/registre-ventes.csv)"))
                continue
            }
            let already = allocations.filter { $0.invoice == row.invoice }.reduce(Int64(0)) { $0 + $1.amountMinor }
            let amount = row.amountMinor ?? min(left, item.openMinor - already)
            if amount <= 0 || amount > item.openMinor - already {
                problems.add(
                    Problem(
                        line: row.line, column: "amount", columnNumber: 3,
                        value: DecimalText.format(minorUnits: amount, scale: 2),
                        message: "\(row.invoice) owes \(FrenchDates.euros(item.openMinor - already))"))
                continue
            }
            allocations.append(.init(invoice: row.invoice, amountMinor: amount))
            left -= amount
        }
        return (allocations, left)
    }
}
