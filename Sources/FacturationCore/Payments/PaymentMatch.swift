/// How one receipt was applied to invoices: the rule (or person) that decided, and the amounts.
///
/// Matches are kept in `archive/payments/<pipeline>/matches/` once made, so a receipt keeps its
/// links whatever arrives later, and every run derives invoice states from them.
public struct PaymentMatch: Sendable, Codable, Equatable {
    public var receipt: String
    public var bookingDate: CivilDate
    public var amountMinor: Int64
    /// `reference`, `reference-partial`, `client-amount`, `client-several`, `decision`, `ignored`.
    public var rule: String
    public var allocations: [Allocation]
    /// Who decided (`rule`, or the person of a decision file).
    public var by: String
    /// Why, in one sentence (the evidence).
    public var evidence: String
    /// The decision file it came from (`inbox:<sha256 prefix>`), for a person's decision.
    public var source: String?

    public struct Allocation: Sendable, Codable, Equatable {
        public var invoice: String
        public var amountMinor: Int64
    }
}
