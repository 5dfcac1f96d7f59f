/// A document ready to be issued, without a number: what generation produces and approval decides on.
///
/// Its `id` is derived from its origin (contract and period, client and month plus the billed
/// entries, credit request), so generating again after a crash gives the same id and a document
/// is never produced twice for one origin.
public struct InvoiceDraft: Sendable, Codable, Equatable {
    public var id: String
    public var kind: InvoiceDocument.Kind
    public var clientCode: String
    public var origin: InvoiceDocument.Origin
    public var title: String
    public var servicePeriod: InvoiceDocument.DateRange?
    public var lines: [InvoiceLine]
    /// Time entries billed by this draft (credit note: made billable again).
    public var recordKeys: [String]
    /// The day the draft became due (billing day, month close, request received).
    public var dueOn: CivilDate
    /// For credit notes.
    public var precedingInvoice: InvoiceDocument.DocumentReference?
    public var reason: String?
    /// Facts worth a person's attention (late entries, rates taken from Clockify…).
    public var notes: [String]
    /// Why the draft waits for a person (set when it is put in the approval queue).
    public var approvalReason: String?
    /// The detailed entries of a time-based draft, for the annex (not stored in the invoice record).
    public var annex: [AnnexEntry]

    /// One time entry as listed in the annex of a time-based invoice.
    public struct AnnexEntry: Sendable, Codable, Equatable {
        public var recordKey: String
        public var date: String
        public var user: String
        public var project: String
        public var task: String
        public var description: String
        public var durationSeconds: Int64
        public var line: Int
    }
}
