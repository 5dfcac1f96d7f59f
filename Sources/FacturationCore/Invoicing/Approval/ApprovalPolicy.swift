/// Decides whether a draft is issued at once, waits for a person, or is refused.
///
/// Rules, in this order; the first that applies decides (README, "Approval"):
/// 1. a total incl. VAT below `refuse_below_total` (10 EUR) is refused as incoherent;
/// 2. a recurring fee equal to its contract is approved automatically;
/// 3. a total incl. VAT above `above_total` (2,000 EUR) needs approval;
/// 4. the first invoice of a client needs approval;
/// 5. a total more than `deviation_percent` (50 %) away from the client's previous invoice of the
///    same kind (recurring, time-based) needs approval;
/// 6. otherwise the draft is approved automatically.
/// Credit notes come from a person's request file and are issued without another approval.
///
/// The invoices of the Oxygène register imported from the inbox (``OxygeneRegisterStore``) count
/// as history: a client with one there is not new, and a client with no issued invoice of the
/// draft's kind is compared with its latest invoice there (the register does not say whether it
/// was a fee or time: the comparison may make a draft wait, never issue one that would not be).
package struct ApprovalPolicy {
    package let rules: InvoicingSettings.ApprovalRules
    package let contracts: [Contract]
    /// Invoices of the Oxygène register by our client code, oldest first.
    package var register: [String: [OxygeneRegisterEntry]] = [:]

    package enum Verdict: Equatable, Sendable {
        case issue(rule: String)
        case needsApproval(reason: String)
        case refuse(reason: String)
    }

    package init(rules: InvoicingSettings.ApprovalRules, contracts: [Contract]) {
        self.rules = rules
        self.contracts = contracts
    }

    /// The verdict for `draft` whose total incl. VAT is `total`, given the client's issued documents.
    package func verdict(for draft: InvoiceDraft, total: InvoiceTotals, history: [InvoiceDocument]) -> Verdict {
        let grand = total.grandTotalMinor
        if draft.kind == .creditNote { return .issue(rule: "requested credit note") }
        if let below = rules.refuseBelowMinor, grand < below {
            return .refuse(
                reason: "the total incl. VAT (\(FrenchDates.euros(grand))) is below "
                    + "\(FrenchDates.euros(below)): refused as incoherent")
        }
        if rules.autoApproveContracts, draft.origin.type == .recurring,
            let contract = contracts.first(where: { $0.id == draft.origin.contract }),
            draft.lines.count == 1, draft.lines[0].netAmountMinor == contract.amountMinor,
            total.taxBasisTotalMinor == contract.amountMinor
        {
            return .issue(rule: "recurring fee equal to contract \(contract.id)")
        }
        if let above = rules.approvalAboveMinor, grand > above {
            return .needsApproval(
                reason: "the total incl. VAT (\(FrenchDates.euros(grand))) is above \(FrenchDates.euros(above))")
        }
        let invoices = history.filter { $0.kind == .invoice && $0.clientCode == draft.clientCode }
        let past = register[draft.clientCode] ?? []
        if rules.approveNewClients, invoices.isEmpty, past.isEmpty {
            return .needsApproval(reason: "first invoice for client \(draft.clientCode)")
        }
        let previous: (number: String, totalMinor: Int64)? =
            invoices.last(where: { $0.origin.type == draft.origin.type }).map { ($0.number, $0.totals.grandTotalMinor) }
            ?? past.last.map { ("\($0.number) (Oxygène register)", $0.totalInclVATMinor) }
        if let percent = rules.deviationPercent, let previous, previous.totalMinor > 0 {
            let before = previous.totalMinor
            let change = abs(grand - before) * 100
            if change > Int64(percent) * before {
                return .needsApproval(
                    reason: "the total incl. VAT (\(FrenchDates.euros(grand))) is more than "
                        + "\(percent) % away from the previous comparable invoice \(previous.number) "
                        + "(\(FrenchDates.euros(before)))")
            }
        }
        return .issue(rule: "no approval rule applies")
    }

    /// The register's invoices by our client code (through each client's `oxygene_code`), oldest first.
    package static func registerHistory(
        _ entries: [OxygeneRegisterEntry], clients: [PipelineConfig.Client]
    ) -> [String: [OxygeneRegisterEntry]] {
        var ours: [String: [String]] = [:]
        for client in clients {
            if let code = client.billing?.oxygeneCode { ours[code, default: []].append(client.code) }
        }
        var history: [String: [OxygeneRegisterEntry]] = [:]
        for entry in entries where entry.kind == .invoice {
            for client in ours[entry.clientCode] ?? [] { history[client, default: []].append(entry) }
        }
        return history.mapValues { $0.sorted { ($0.date, $0.number) < ($1.date, $1.number) } }
    }
}
