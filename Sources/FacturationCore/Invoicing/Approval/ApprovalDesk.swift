/// Records a person's decision on a draft waiting for approval (from `facturation approve|reject`
/// or from an approval file dropped into the inbox). The next invoicing stage acts on it.
package enum ApprovalDesk {
    package enum Decision: String, Sendable {
        case approve = "approved"
        case reject = "rejected"
    }

    /// Records the decision; the error says why it cannot be taken (unknown draft, already decided).
    package static func decide(
        draftID: String, decision: Decision, by person: String, comment: String?,
        source: String, layout: ArchiveLayout, now: String
    ) throws {
        if try DunningStore(layout: layout).reminder(id: draftID) != nil {
            return try decideFormalNotice(
                draftID, decision: decision, by: person, comment: comment, source: source, layout: layout, now: now)
        }
        let store = InvoiceStore(layout: layout)
        let earlier = try store.decisions()[draftID]
        // The one change allowed: rejecting a draft that was approved but could not be issued (it
        // waits in to-approve/ with the problem), so that it does not fail every run.
        var rejectingAfterApproval = false
        if earlier?.decision == .approved, decision == .reject, try store.draft(id: draftID) != nil {
            rejectingAfterApproval = try !store.records().contains { $0.origin.draftID == draftID }
        }
        if let earlier, !rejectingAfterApproval {
            throw FacturationError(
                .invoicing,
                "draft \(draftID) was already \(earlier.decision) by \(earlier.by) on \(earlier.at); "
                    + "a decision cannot be changed (for an issued invoice, request a credit note)")
        }
        guard try store.draft(id: draftID) != nil else {
            if try store.records().contains(where: { $0.origin.draftID == draftID }) {
                throw FacturationError(
                    .invoicing, "draft \(draftID) is already issued (see outbox/registre-ventes.csv)")
            }
            throw FacturationError(
                .invoicing,
                "no draft \(draftID) is waiting for approval in pipeline \(layout.pipeline.id) "
                    + "(the waiting drafts are listed by `facturation status` and in outbox/to-approve/)")
        }
        if decision == .reject, (comment ?? "").trimmed.isEmpty {
            throw FacturationError(
                .invoicing, "a rejection needs a reason (--reason \"…\", or reason = \"…\" in the file)")
        }
        let who = person.trimmed.isEmpty ? "unknown" : person.trimmed
        try store.recordDecision(
            ApprovalDecision(
                draftID: draftID, decision: decision == .approve ? .approved : .rejected, by: who, at: now,
                comment: comment?.trimmed.isEmpty == true ? nil : comment,
                source: source), afterApproval: rejectingAfterApproval)
    }

    /// The layout of the pipeline whose store holds the waiting draft (or formal notice) `draftID`, if any.
    package static func pipeline(holding draftID: String, layouts: [ArchiveLayout]) throws -> ArchiveLayout? {
        for layout in layouts where try InvoiceStore(layout: layout).draft(id: draftID) != nil {
            return layout
        }
        for layout in layouts where try DunningStore(layout: layout).reminder(id: draftID)?.kind == .formalNotice {
            return layout
        }
        return nil
    }

    /// A decision on a formal notice waiting in `outbox/to-approve/` (the dunning stage acts on it:
    /// an approved one is sent by the next run, a refused one never is).
    static func decideFormalNotice(
        _ id: String, decision: Decision, by person: String, comment: String?, source: String,
        layout: ArchiveLayout, now: String
    ) throws {
        let store = DunningStore(layout: layout)
        guard try store.reminder(id: id)?.status == .awaitingApproval else {
            throw FacturationError(.invoicing, "\(id) is a reminder that needs no approval")
        }
        if let earlier = try store.decisions()[id] {
            throw FacturationError(
                .invoicing,
                "formal notice \(id) was already \(earlier.approved ? "approved" : "refused") by \(earlier.by) on "
                    + "\(earlier.at); a decision cannot be changed")
        }
        if decision == .reject, (comment ?? "").trimmed.isEmpty {
            throw FacturationError(
                .invoicing, "a refusal needs a reason (--reason \"…\", or reason = \"…\" in the file)")
        }
        try store.recordDecision(
            ReminderDecision(
                id: id, approved: decision == .approve, by: person.trimmed.isEmpty ? "unknown" : person.trimmed,
                at: now, comment: comment?.trimmed.isEmpty == true ? nil : comment, source: source))
    }
}
