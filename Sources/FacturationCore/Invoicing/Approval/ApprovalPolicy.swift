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
package struct ApprovalPolicy {
    package let rules: InvoicingSettings.ApprovalRules
    package let contracts: [Contract]

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
        if rules.approveNewClients, invoices.isEmpty {
            return .needsApproval(reason: "first invoice for client \(draft.clientCode)")
        }
        if let percent = rules.deviationPercent,
            let previous = invoices.last(where: { $0.origin.type == draft.origin.type })
        {
            let before = previous.totals.grandTotalMinor
            if before > 0 {
                let change = abs(grand - before) * 100
                if change > Int64(percent) * before {
                    return .needsApproval(
                        reason: "the total incl. VAT (\(FrenchDates.euros(grand))) is more than "
                            + "\(percent) % away from the previous comparable invoice \(previous.number) "
                            + "(\(FrenchDates.euros(before)))")
                }
            }
        }
        return .issue(rule: "no approval rule applies")
    }
}
