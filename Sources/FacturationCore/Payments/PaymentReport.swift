/// What the payment stage did for one pipeline in one run (part of the run summary).
package struct PaymentReport: Sendable, Codable {
    package var pipeline: String
    /// Receipts matched in this run: receipt, rule, invoices.
    package var matched: [String] = []
    /// Receipts waiting for a person (outbox/review/).
    package var toReview: Int = 0
    package var openInvoices: Int = 0
    package var overdueInvoices: Int = 0
    package var delivered: [String] = []
    package var warnings: [String] = []

    package init(pipeline: String) { self.pipeline = pipeline }
}
