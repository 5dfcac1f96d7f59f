/// The file put in `outbox/to-approve/` for a draft that needs a person: a readable summary (TOML
/// comments) and a decision form that is dropped back into `inbox/` to approve or reject.
package enum ApprovalRequest {
    /// The first line of every form, for the person who opens it. The inbox recognises a request
    /// by its structure (its first table is `[approval]`, see ``RequestFile/looksLikeRequest(_:)``).
    package static let marker = "# facturation: approval request"

    /// Lines of a draft listed in the summary; the rest are counted (the form must stay short).
    static let listedLines = 100

    /// The form. Names and descriptions come from Clockify and the pipeline file and may hold
    /// anything (quotes, line breaks, `[approval]`): comment text goes through
    /// ``TOMLText/comment(_:limit:)`` and values through ``TOMLText/quoted(_:)``, so the form always
    /// parses to exactly one `[approval]` table with the keys below.
    package static func render(
        draft: InvoiceDraft, totals: InvoiceTotals, reason: String, pipeline: PipelineConfig
    ) -> String {
        let client = pipeline.clients.first { $0.code == draft.clientCode }
        let clientName = client?.billing?.legalName ?? client?.name ?? draft.clientCode
        let id = TOMLText.comment(draft.id)
        var text = marker + "\n#\n"
        text +=
            "# \(TOMLText.comment(draft.title)) — \(TOMLText.comment(clientName)) (\(TOMLText.comment(draft.clientCode)))\n"
        text += "# Why it waits: \(TOMLText.comment(reason, limit: 400))\n#\n"
        for line in draft.lines.prefix(listedLines) {
            text +=
                "#   \(line.number). \(TOMLText.comment(line.description)): "
                + "\(line.quantity.text(minimumDecimals: 2, decimalMark: ",")) × "
                + "\(FrenchDates.euros(line.unitPriceMinor)) = \(FrenchDates.euros(line.netAmountMinor))\n"
        }
        if draft.lines.count > listedLines {
            text += "#   … and \(draft.lines.count - listedLines) more lines (listed on the invoice once issued)\n"
        }
        text += "#\n#   Total HT  \(FrenchDates.euros(totals.taxBasisTotalMinor))\n"
        for group in totals.vatBreakdown {
            text +=
                "#   TVA \(DecimalText.format(minorUnits: Int64(group.rateBasisPoints), scale: 2, decimalMark: ",")) % "
                + "\(FrenchDates.euros(group.taxMinor))\n"
        }
        text += "#   Total TTC \(FrenchDates.euros(totals.grandTotalMinor))\n#\n"
        if !draft.recordKeys.isEmpty {
            text += "# \(draft.recordKeys.count) time entries are billed (listed in the annex once issued).\n"
        }
        for note in draft.notes { text += "# Note: \(TOMLText.comment(note, limit: 400))\n" }
        text += """
            #
            # To approve: drop this file into inbox/ as it is, or run `facturation approve \(id)`.
            # To reject: set decision = "reject" and give a reason below, then drop it into inbox/,
            #            or run `facturation reject \(id) --reason "…"`.
            # The invoice gets its number only when it is issued, so a rejected draft leaves no gap.

            [approval]
            pipeline = \(TOMLText.quoted(pipeline.id))
            draft = \(TOMLText.quoted(draft.id))
            decision = "approve"
            by = ""
            reason = ""

            """
        return text
    }
}
