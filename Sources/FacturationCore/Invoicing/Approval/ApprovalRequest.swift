/// The file put in `outbox/to-approve/` for a draft that needs a person: a readable summary (TOML
/// comments) and a decision form that is dropped back into `inbox/` to approve or reject.
public enum ApprovalRequest {
    /// The first line of every request and decision file: how the inbox recognises them.
    public static let marker = "# facturation: approval request"

    public static func render(draft: InvoiceDraft, totals: InvoiceTotals, reason: String, pipeline: PipelineConfig) -> String {
        let client = pipeline.clients.first { $0.code == draft.clientCode }
        var text = marker + "\n#\n"
        text += "# \(draft.title) — \(client?.billing?.legalName ?? client?.name ?? draft.clientCode) (\(draft.clientCode))\n"
        text += "# Why it waits: \(reason)\n#\n"
        for line in draft.lines {
            text += "#   \(line.number). \(line.description): \(line.quantity.text(minimumDecimals: 2, decimalMark: ",")) × "
                + "\(FrenchDates.euros(line.unitPriceMinor)) = \(FrenchDates.euros(line.netAmountMinor))\n"
        }
        text += "#\n#   Total HT  \(FrenchDates.euros(totals.taxBasisTotalMinor))\n"
        for group in totals.vatBreakdown {
            text += "#   TVA \(DecimalText.format(minorUnits: Int64(group.rateBasisPoints), scale: 2, decimalMark: ",")) % "
                + "\(FrenchDates.euros(group.taxMinor))\n"
        }
        text += "#   Total TTC \(FrenchDates.euros(totals.grandTotalMinor))\n#\n"
        if !draft.recordKeys.isEmpty { text += "# \(draft.recordKeys.count) time entries are billed (listed in the annex once issued).\n" }
        for note in draft.notes { text += "# Note: \(note)\n" }
        text += """
        #
        # To approve: drop this file into inbox/ as it is, or run `facturation approve \(draft.id)`.
        # To reject: set decision = "reject" and give a reason below, then drop it into inbox/,
        #            or run `facturation reject \(draft.id) --reason "…"`.
        # The invoice gets its number only when it is issued, so a rejected draft leaves no gap.

        [approval]
        pipeline = "\(pipeline.id)"
        draft = "\(draft.id)"
        decision = "approve"
        by = ""
        reason = ""

        """
        return text
    }
}
