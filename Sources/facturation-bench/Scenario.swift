/// One thing the benchmark measures, each in its own child process.
enum Scenario: String, CaseIterable, Sendable {
    /// Scan, sniff and convert one Clockify detailed CSV into normalized scratch files (in process).
    case clockifyNormalize = "clockify-normalize"
    /// The same for one Qonto French CSV.
    case qontoNormalize = "qonto-normalize"
    /// `facturation run` over a fresh workspace holding both files (includes the ledger merge).
    case run
}
