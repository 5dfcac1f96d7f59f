/// What the invoicing stage did for one pipeline in one run (part of the run summary).
package struct InvoicingReport: Sendable, Codable {
    package var pipeline: String
    package var issued: [Issued] = []
    package var waitingApproval: [Waiting] = []
    package var refused: [Waiting] = []
    package var rejected: [String] = []
    /// `numbering = "oxygene"`: documents issued in this run under a provisional reference.
    package var provisional: [String] = []
    /// `numbering = "oxygene"`: provisional documents a register import numbered in this run
    /// (`P202507-001 → F20250746`).
    package var confirmed: [String] = []
    /// Files delivered to the outbox (relative to the workspace).
    package var delivered: [String] = []
    /// Things a person should look at; nothing was lost.
    package var warnings: [String] = []
    /// Invoices that could not be issued (configuration to fix); retried on the next run.
    package var errors: [String] = []

    package init(pipeline: String) { self.pipeline = pipeline }

    package struct Issued: Sendable, Codable {
        package var number: String
        package var kind: String
        package var client: String
        package var issueDate: String
        package var totalExclVAT: String
        package var totalInclVAT: String
        package var approval: String
    }

    package struct Waiting: Sendable, Codable {
        package var draft: String
        package var client: String
        package var totalInclVAT: String
        package var reason: String
    }
}
