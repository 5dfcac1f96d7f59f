/// What the payment stage did for one pipeline in one run (part of the run summary).
public struct PaymentReport: Sendable, Codable {
    public var pipeline: String
    /// Receipts matched in this run: receipt, rule, invoices.
    public var matched: [String] = []
    /// Receipts waiting for a person (outbox/review/).
    public var toReview: Int = 0
    public var openInvoices: Int = 0
    public var overdueInvoices: Int = 0
    public var delivered: [String] = []
    public var warnings: [String] = []

    public init(pipeline: String) { self.pipeline = pipeline }
}
