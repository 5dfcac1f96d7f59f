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
    ///
    /// Document numbers are unique (the invoice store refuses a number recorded twice).
    package func entries(
        issued: [InvoiceDocument], bank: [BankLine],
        matches: [String: PaymentMatch]
    ) -> (entries: [AccountingEntry], suspense: [BankLine]) {
        var entries: [AccountingEntry] = []
        var pass = Pass(self)
        for document in issued { entries.append(pass.post(document)) }
        for line in bank {
            let (entry, transfer) = pass.post(line, allocations: matches[line.key]?.allocations)
            entries.append(entry)
            if let transfer { entries.append(transfer) }
        }
        return (entries, pass.suspense)
    }

    /// The postings of records given one at a time, so that a caller never holds them all: every
    /// issued document first (``post(_:)-(InvoiceDocument)``), then the bank lines in booking
    /// order. Of a document it keeps only what its receipts need: its client, and for an invoice
    /// the VAT still pending and the amount still open (net of its credit notes).
    package struct Pass {
        package let postings: Postings
        /// The bank lines that went to the suspense account, in the order given.
        package private(set) var suspense: [BankLine] = []
        private var facts: [String: Facts] = [:]
        private var parties: [Party] = []
        private var partyIndex: [Party: Int32] = [:]
        private let onReceipts: Bool

        /// What the receipts of a document need: its client (index into `parties`, -1 when only
        /// a credit note named it), and for an invoice its pending VAT and open amount.
        struct Facts {
            var party: Int32 = -1
            var pendingVAT: Int64?
            var openTTC: Int64?
        }

        struct Party: Hashable {
            var number: String
            var label: String
        }

        package init(_ postings: Postings) {
            self.postings = postings
            onReceipts = !postings.pipeline.company.vatOnDebits
        }

        /// Room for the facts of `documents` documents, so that the table is not rebuilt as it grows.
        package mutating func reserve(documents: Int) {
            facts.reserveCapacity(documents)
            parties.reserveCapacity(documents)
        }

        /// The sales entry of an issued document (in any order, all before the first bank line).
        package mutating func post(_ document: InvoiceDocument) -> AccountingEntry { post(IssuedSale(document)) }

        /// The same, from what the postings read of the document.
        package mutating func post(_ document: IssuedSale) -> AccountingEntry {
            let party = Party(number: document.clientCode, label: document.buyerName)
            let index: Int32
            if let known = partyIndex[party] {
                index = known
            } else {
                index = Int32(parties.count)
                parties.append(party)
                partyIndex[party] = index
            }
            fold(document, party: index)
            return postings.sale(document, vatOnReceipts: onReceipts)
        }

        /// What ``post(_:)-(InvoiceDocument)`` learns of a document, without making its entry: for a
        /// fiscal year whose files are not rendered again, whose later receipts still need the
        /// document's client, pending VAT and open amount. The client is kept without looking for
        /// an equal one (a run's documents stay in memory anyway; one hash less per document).
        package mutating func note(_ document: InvoiceDocument) {
            if fold(IssuedSale(document), party: Int32(parties.count)) {
                parties.append(Party(number: document.clientCode, label: document.buyer.name))
            }
        }

        /// The sales entry of a document whose facts are already in the pass (``restore(_:client:pendingVAT:openTTC:)``):
        /// the entry alone, nothing learnt.
        func entry(of document: InvoiceDocument) -> AccountingEntry {
            postings.sale(IssuedSale(document), vatOnReceipts: onReceipts)
        }

        /// Sets what a receipt reads of `invoice` (``seen(_:)``) as an earlier pass found it, so that
        /// the open years' receipts are posted without going through the closed years' records
        /// again (``ClosedYearNotes``). An invoice nothing was known of is not restored.
        mutating func restore(_ invoice: String, client: (String, String)?, pendingVAT: Int64?, openTTC: Int64?) {
            var known = Facts(party: -1, pendingVAT: pendingVAT, openTTC: openTTC)
            if let client {
                known.party = Int32(parties.count)
                parties.append(Party(number: client.0, label: client.1))
            }
            facts[invoice] = known
        }

        /// A closed year's bank line an earlier pass sent to the suspense account (``restore(_:client:pendingVAT:openTTC:)``).
        mutating func restoreSuspense(_ line: BankLine) { suspense.append(line) }

        /// Adds a document to the facts of its number (and of the invoice a credit note corrects),
        /// each changed in place (one look-up); returns whether its number took `party` as client.
        @discardableResult
        private mutating func fold(_ document: IssuedSale, party: Int32) -> Bool {
            let isInvoice = document.kind == .invoice
            let total = document.totals.grandTotalMinor
            let vat = postings.vatPending(document)
            var took = false
            Self.fold(
                &facts[document.number, default: Facts()], party: party, took: &took,
                invoice: isInvoice ? (vat, total) : nil)
            if !isInvoice, let invoice = document.precedingInvoice {
                Self.credit(&facts[invoice, default: Facts()], vat: vat, total: total)
            }
            return took
        }

        private static func fold(
            _ own: inout Facts, party: Int32, took: inout Bool, invoice: (vat: Int64, total: Int64)?
        ) {
            if own.party < 0 {
                own.party = party
                took = true
            }
            guard let invoice else { return }
            // Added, not set: a credit note read before its invoice has already subtracted its part.
            own.pendingVAT = (own.pendingVAT ?? 0) + invoice.vat
            own.openTTC = (own.openTTC ?? 0) + invoice.total
        }

        private static func credit(_ credited: inout Facts, vat: Int64, total: Int64) {
            credited.pendingVAT = (credited.pendingVAT ?? 0) - vat
            credited.openTTC = (credited.openTTC ?? 0) - total
        }

        /// The entries of a booked bank line: a receipt and its VAT transfer when it pays invoices
        /// (`allocations`), else the line on its rule's account or suspense.
        package mutating func post(
            _ line: BankLine, allocations: [PaymentMatch.Allocation]?
        ) -> (AccountingEntry, AccountingEntry?) {
            if line.amountMinor > 0, let allocations, !allocations.isEmpty {
                let receipt = postings.receipt(line, allocations: allocations) { invoice in
                    guard let party = facts[invoice]?.party, party >= 0 else { return nil }
                    return (parties[Int(party)].number, parties[Int(party)].label)
                }
                return (receipt, onReceipts ? vatTransfer(line, allocations: allocations) : nil)
            }
            let (entry, unexplained) = postings.other(line)
            if unexplained { suspense.append(line) }
            return (entry, nil)
        }

        /// What ``post(_:allocations:)`` changes, without making the entries: the pending VAT and
        /// open amount of the invoices a receipt pays, or the suspense list.
        package mutating func note(_ line: BankLine, allocations: [PaymentMatch.Allocation]?) {
            if line.amountMinor > 0, let allocations, !allocations.isEmpty {
                if onReceipts { _ = moveVAT(allocations) }
                return
            }
            if postings.rule(for: line) == nil { suspense.append(line) }
        }

        /// What a receipt's entries read of `invoice` (the number an allocation names): its client
        /// (code, name), and its pending VAT and open amount before the receipt.
        package func seen(_ invoice: String) -> (client: (String, String)?, pendingVAT: Int64?, openTTC: Int64?) {
            guard let known = facts[invoice] else { return (nil, nil, nil) }
            let party = known.party >= 0 ? parties[Int(known.party)] : nil
            return (party.map { ($0.number, $0.label) }, known.pendingVAT, known.openTTC)
        }

        private mutating func vatTransfer(
            _ line: BankLine, allocations: [PaymentMatch.Allocation]
        ) -> AccountingEntry? {
            let amount = moveVAT(allocations)
            guard amount > 0 else { return nil }
            let settings = postings.settings
            return AccountingEntry(
                journal: settings.misc, date: line.bookingDate, pieceRef: line.pieceRef, pieceDate: line.bookingDate,
                label: "TVA exigible " + allocations.map(\.invoice).joined(separator: " "),
                lines: [
                    .init(
                        account: settings.vatOnReceipts, auxiliary: nil, debitMinor: amount, creditMinor: 0,
                        invoice: nil),
                    .init(
                        account: settings.vatCollected, auxiliary: nil, debitMinor: 0, creditMinor: amount,
                        invoice: nil),
                ])
        }

        /// Moves the VAT share of what `allocations` pay out of each invoice's pending VAT; returns
        /// the total moved.
        private mutating func moveVAT(_ allocations: [PaymentMatch.Allocation]) -> Int64 {
            var amount: Int64 = 0
            for allocation in allocations {
                // One look-up per allocation: the facts are read and changed at their index.
                guard let slot = facts.index(forKey: allocation.invoice), let pending = facts.values[slot].pendingVAT,
                    pending > 0, let open = facts.values[slot].openTTC, open > 0
                else { continue }
                // The last payment takes what is left, so the pending VAT of a settled invoice ends at zero.
                let share =
                    allocation.amountMinor >= open
                    ? pending
                    : InvoiceTotals.roundHalfUp(pending * allocation.amountMinor, divisor: open)
                facts.values[slot].pendingVAT = pending - share
                facts.values[slot].openTTC = open - allocation.amountMinor
                amount += share
            }
            return amount
        }
    }

    // MARK: - Sales

    private func vatPending(_ document: IssuedSale) -> Int64 {
        document.totals.vatBreakdown.filter { $0.category == "S" }.reduce(0) { $0 + $1.taxMinor }
    }

    private func sale(_ document: IssuedSale, vatOnReceipts: Bool) -> AccountingEntry {
        let isInvoice = document.kind == .invoice
        let client = (document.clientCode, document.buyerName)
        let invoiceNumber = isInvoice ? document.number : (document.precedingInvoice ?? document.number)
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
            pieceDate: document.issueDate, label: "\(kind) \(document.number) \(document.buyerName)",
            lines: merged(lines))
    }

    // MARK: - Bank

    /// `client` gives the client (code, name) of a document number, nil when it is not issued.
    private func receipt(
        _ line: BankLine, allocations: [PaymentMatch.Allocation],
        client: (String) -> (String, String)?
    ) -> AccountingEntry {
        var lines: [AccountingEntry.Line] = [
            .init(
                account: settings.bankAccount, auxiliary: nil, debitMinor: line.amountMinor, creditMinor: 0,
                invoice: nil)
        ]
        var applied: Int64 = 0
        for allocation in allocations {
            lines.append(
                .init(
                    account: settings.clients,
                    auxiliary: client(allocation.invoice),
                    debitMinor: 0, creditMinor: allocation.amountMinor, invoice: allocation.invoice))
            applied += allocation.amountMinor
        }
        if line.amountMinor > applied {
            lines.append(
                .init(
                    account: settings.suspense, auxiliary: nil, debitMinor: 0,
                    creditMinor: line.amountMinor - applied, invoice: nil))
        }
        let invoicesText = allocations.map(\.invoice).joined(separator: " ")
        return AccountingEntry(
            journal: settings.bank, date: line.bookingDate, pieceRef: line.pieceRef,
            pieceDate: line.bookingDate, label: "Règlement \(line.counterpartyName) \(invoicesText)",
            lines: lines)
    }

    /// A bank line that pays no invoice: an account rule, else suspense (`true`).
    private func other(_ line: BankLine) -> (AccountingEntry, Bool) {
        let rule = rule(for: line)
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

    /// The first `[[accounting.rules]]` whose pattern matches the line's counterparty, label or
    /// remittance; nil: the line goes to suspense.
    fileprivate func rule(for line: BankLine) -> AccountingSettings.BankRule? {
        let texts = [line.counterpartyName, line.label, line.remittance]
        return settings.rules.first { rule in texts.contains { rule.pattern.matches($0) } }
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
