/// Turns issued invoices, credit notes, booked bank lines and payment matches into accounting
/// entries, the way a French services company books them:
///
/// - sales journal: 411 (client sub-account) debit incl. VAT, 706 credit excl. VAT, VAT credit
///   on 44574 (VAT due on receipts, the rule for services) or 44571 (option for debits);
///   a credit note mirrors its invoice;
/// - bank journal: 512 against 411 for matched receipts (one line per invoice paid); other lines
///   through the `[[accounting.rules]]`, else 471 (suspense, listed for the accountant);
/// - miscellaneous journal: on each receipt, the VAT share of what was paid moves from 44574
///   to 44571.
package struct Postings {
    package let pipeline: PipelineConfig
    package var settings: AccountingSettings { pipeline.accounting }

    package init(pipeline: PipelineConfig) { self.pipeline = pipeline }

    /// Every entry, unsorted; and the bank lines that went to the suspense account.
    package func entries(
        issued: [InvoiceDocument], bank: [BankLine],
        matches: [String: PaymentMatch]
    ) -> (entries: [AccountingEntry], suspense: [BankLine]) {
        var entries: [AccountingEntry] = []
        let onReceipts = !pipeline.company.vatOnDebits
        let invoices = Dictionary(issued.map { ($0.number, $0) }, uniquingKeysWith: { first, _ in first })
        for document in issued { entries.append(sale(document, vatOnReceipts: onReceipts)) }
        var suspense: [BankLine] = []
        // VAT still pending per invoice, consumed by receipts in date order.
        var pendingVAT: [String: Int64] = [:]
        var openTTC: [String: Int64] = [:]
        for document in issued where document.kind == .invoice {
            pendingVAT[document.number] = vatPending(document)
            openTTC[document.number] = document.totals.grandTotalMinor
        }
        for note in issued where note.kind == .creditNote {
            guard let invoice = note.precedingInvoice?.number else { continue }
            pendingVAT[invoice, default: 0] -= vatPending(note)
            openTTC[invoice, default: 0] -= note.totals.grandTotalMinor
        }
        for line in bank {
            if line.amountMinor > 0, let match = matches[line.key], !match.allocations.isEmpty {
                entries.append(receipt(line, match: match, invoices: invoices))
                if onReceipts,
                    let transfer = vatTransfer(
                        line, match: match, invoices: invoices,
                        pendingVAT: &pendingVAT, openTTC: &openTTC)
                {
                    entries.append(transfer)
                }
            } else {
                let (entry, unexplained) = other(line)
                entries.append(entry)
                if unexplained { suspense.append(line) }
            }
        }
        return (entries, suspense)
    }

    // MARK: - Sales

    private func vatPending(_ document: InvoiceDocument) -> Int64 {
        document.totals.vatBreakdown.filter { $0.category == "S" }.reduce(0) { $0 + $1.taxMinor }
    }

    private func sale(_ document: InvoiceDocument, vatOnReceipts: Bool) -> AccountingEntry {
        let isInvoice = document.kind == .invoice
        let client = (document.clientCode, document.buyer.name)
        let invoiceNumber = isInvoice ? document.number : (document.precedingInvoice?.number ?? document.number)
        func side(_ amount: Int64, debit: Bool) -> (Int64, Int64) { debit == isInvoice ? (amount, 0) : (0, amount) }
        var lines: [AccountingEntry.Line] = []
        let (clientDebit, clientCredit) = side(document.totals.grandTotalMinor, debit: true)
        lines.append(
            .init(
                account: settings.clients, auxiliary: client, debitMinor: clientDebit,
                creditMinor: clientCredit, invoice: invoiceNumber))
        for group in document.totals.vatBreakdown {
            let (debit, credit) = side(group.basisMinor, debit: false)
            lines.append(
                .init(account: settings.revenue, auxiliary: nil, debitMinor: debit, creditMinor: credit, invoice: nil))
            if group.taxMinor != 0 {
                let account = vatOnReceipts && group.category == "S" ? settings.vatOnReceipts : settings.vatCollected
                let (vatDebit, vatCredit) = side(group.taxMinor, debit: false)
                lines.append(
                    .init(
                        account: account, auxiliary: nil, debitMinor: vatDebit, creditMinor: vatCredit,
                        invoice: nil))
            }
        }
        let kind = isInvoice ? "Facture" : "Avoir"
        return AccountingEntry(
            journal: settings.sales, date: document.issueDate, pieceRef: document.number,
            pieceDate: document.issueDate, label: "\(kind) \(document.number) \(document.buyer.name)",
            lines: merged(lines))
    }

    // MARK: - Bank

    private func receipt(
        _ line: BankLine, match: PaymentMatch,
        invoices: [String: InvoiceDocument]
    ) -> AccountingEntry {
        var lines: [AccountingEntry.Line] = [
            .init(
                account: settings.bankAccount, auxiliary: nil, debitMinor: line.amountMinor, creditMinor: 0,
                invoice: nil)
        ]
        var applied: Int64 = 0
        for allocation in match.allocations {
            let document = invoices[allocation.invoice]
            lines.append(
                .init(
                    account: settings.clients,
                    auxiliary: document.map { ($0.clientCode, $0.buyer.name) },
                    debitMinor: 0, creditMinor: allocation.amountMinor, invoice: allocation.invoice))
            applied += allocation.amountMinor
        }
        if line.amountMinor > applied {
            lines.append(
                .init(
                    account: settings.suspense, auxiliary: nil, debitMinor: 0,
                    creditMinor: line.amountMinor - applied, invoice: nil))
        }
        let invoicesText = match.allocations.map(\.invoice).joined(separator: " ")
        return AccountingEntry(
            journal: settings.bank, date: line.bookingDate, pieceRef: line.pieceRef,
            pieceDate: line.bookingDate, label: "Règlement \(line.counterpartyName) \(invoicesText)",
            lines: lines)
    }

    private func vatTransfer(
        _ line: BankLine, match: PaymentMatch, invoices: [String: InvoiceDocument],
        pendingVAT: inout [String: Int64], openTTC: inout [String: Int64]
    ) -> AccountingEntry? {
        var amount: Int64 = 0
        for allocation in match.allocations {
            guard let pending = pendingVAT[allocation.invoice], pending > 0,
                let open = openTTC[allocation.invoice], open > 0
            else { continue }
            // The last payment takes what is left, so the pending VAT of a settled invoice ends at zero.
            let share =
                allocation.amountMinor >= open
                ? pending
                : InvoiceTotals.roundHalfUp(pending * allocation.amountMinor, divisor: open)
            pendingVAT[allocation.invoice] = pending - share
            openTTC[allocation.invoice] = open - allocation.amountMinor
            amount += share
        }
        guard amount > 0 else { return nil }
        return AccountingEntry(
            journal: settings.misc, date: line.bookingDate, pieceRef: line.pieceRef, pieceDate: line.bookingDate,
            label: "TVA exigible " + match.allocations.map(\.invoice).joined(separator: " "),
            lines: [
                .init(
                    account: settings.vatOnReceipts, auxiliary: nil, debitMinor: amount, creditMinor: 0, invoice: nil),
                .init(account: settings.vatCollected, auxiliary: nil, debitMinor: 0, creditMinor: amount, invoice: nil),
            ])
    }

    /// A bank line that pays no invoice: an account rule, else suspense (`true`).
    private func other(_ line: BankLine) -> (AccountingEntry, Bool) {
        let texts = [line.counterpartyName, line.label, line.remittance]
        let rule = settings.rules.first { rule in texts.contains { rule.pattern.matches($0) } }
        let account = rule?.account ?? settings.suspense
        let amount = abs(line.amountMinor)
        let incoming = line.amountMinor > 0
        let lines: [AccountingEntry.Line] = [
            .init(
                account: settings.bankAccount, auxiliary: nil, debitMinor: incoming ? amount : 0,
                creditMinor: incoming ? 0 : amount, invoice: nil),
            .init(
                account: account, auxiliary: nil, debitMinor: incoming ? 0 : amount,
                creditMinor: incoming ? amount : 0, invoice: nil),
        ]
        let label = ([line.counterpartyName, line.remittance].filter { !$0.isEmpty }.joined(separator: " ")).prefix(100)
        return (
            AccountingEntry(
                journal: settings.bank, date: line.bookingDate, pieceRef: line.pieceRef,
                pieceDate: line.bookingDate, label: String(label.isEmpty ? "Opération bancaire" : label),
                lines: lines), rule == nil
        )
    }

    /// Lines on the same account (and sub-account, and invoice) and side added up.
    private func merged(_ lines: [AccountingEntry.Line]) -> [AccountingEntry.Line] {
        var result: [AccountingEntry.Line] = []
        for line in lines {
            if let index = result.firstIndex(where: {
                $0.account == line.account && $0.auxiliary?.number == line.auxiliary?.number
                    && $0.invoice == line.invoice
                    && ($0.debitMinor > 0) == (line.debitMinor > 0)
            }) {
                result[index].debitMinor += line.debitMinor
                result[index].creditMinor += line.creditMinor
            } else {
                result.append(line)
            }
        }
        return result
    }
}
