/// How one receipt was applied to invoices: the rule (or person) that decided, and the amounts.
///
/// Matches are kept in `archive/payments/<pipeline>/matches/` once made, so a receipt keeps its
/// links whatever arrives later, and every run derives invoice states from them.
package struct PaymentMatch: Sendable, Codable, Equatable {
    package var receipt: String
    package var bookingDate: CivilDate
    package var amountMinor: Int64
    /// `reference`, `reference-partial`, `client-amount`, `client-several`, `decision`, `ignored`.
    package var rule: String
    package var allocations: [Allocation]
    /// Who decided (`rule`, or the person of a decision file).
    package var by: String
    /// Why, in one sentence (the evidence).
    package var evidence: String
    /// The decision file it came from (`inbox:<sha256 prefix>`), for a person's decision.
    package var source: String?

    package struct Allocation: Sendable, Codable, Equatable {
        package var invoice: String
        package var amountMinor: Int64
    }
}
