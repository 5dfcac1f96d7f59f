/// What the invoicing stage did for one pipeline in one run (part of the run summary).
public struct InvoicingReport: Sendable, Codable {
    public var pipeline: String
    public var issued: [Issued] = []
    public var waitingApproval: [Waiting] = []
    public var refused: [Waiting] = []
    public var rejected: [String] = []
    /// Files delivered to the outbox (relative to the workspace).
    public var delivered: [String] = []
    /// Things a person should look at; nothing was lost.
    public var warnings: [String] = []
    /// Invoices that could not be issued (configuration to fix); retried on the next run.
    public var errors: [String] = []

    public init(pipeline: String) { self.pipeline = pipeline }

    public struct Issued: Sendable, Codable {
        public var number: String
        public var kind: String
        public var client: String
        public var issueDate: String
        public var totalExclVAT: String
        public var totalInclVAT: String
        public var approval: String
    }

    public struct Waiting: Sendable, Codable {
        public var draft: String
        public var client: String
        public var totalInclVAT: String
        public var reason: String
    }
}
