/// A document ready to be issued, without a number: what generation produces and approval decides on.
///
/// Its `id` is derived from its origin (contract and period, client and month plus the billed
/// entries, credit request), so generating again after a crash gives the same id and a document
/// is never produced twice for one origin.
package struct InvoiceDraft: Sendable, Codable, Equatable {
    package var id: String
    package var kind: InvoiceDocument.Kind
    package var clientCode: String
    package var origin: InvoiceDocument.Origin
    package var title: String
    package var servicePeriod: InvoiceDocument.DateRange?
    package var lines: [InvoiceLine]
    /// Time entries billed by this draft (credit note: made billable again).
    package var recordKeys: [String]
    /// The day the draft became due (billing day, month close, request received).
    package var dueOn: CivilDate
    /// For credit notes.
    package var precedingInvoice: InvoiceDocument.DocumentReference?
    package var reason: String?
    /// Facts worth a person's attention (late entries, rates taken from Clockify…).
    package var notes: [String]
    /// Why the draft waits for a person (set when it is put in the approval queue).
    package var approvalReason: String?
    /// The detailed entries of a time-based draft, for the annex (not stored in the invoice record).
    package var annex: [AnnexEntry]

    /// One time entry as listed in the annex of a time-based invoice.
    package struct AnnexEntry: Sendable, Codable, Equatable {
        package var recordKey: String
        package var date: String
        package var user: String
        package var project: String
        package var task: String
        package var description: String
        package var durationSeconds: Int64
        package var line: Int
    }
}
