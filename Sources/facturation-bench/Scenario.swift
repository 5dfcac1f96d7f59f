/// One thing the benchmark measures, each in its own child process.
enum Scenario: String, CaseIterable, Sendable {
    /// Scan, sniff and convert one Clockify detailed CSV into normalized scratch files (in process).
    case clockifyNormalize = "clockify-normalize"
    /// The same for one Qonto French CSV.
    case qontoNormalize = "qonto-normalize"
    /// `facturation run` over a fresh workspace holding the Clockify export (includes the ledger merge),
    /// beside a Python standard-library peer and the fsynced write speed.
    case run
    /// `facturation run --date 2025-08-01` over a workspace whose July time-entries ledger and
    /// pipeline (many clients, half with a monthly contract) are generated directly: the month
    /// close, from drafts to validated Factur-X XML, records and outbox.
    case invoice
    /// `PaymentMatcher.match` over `--invoices` receipts against as many open invoices (in
    /// memory, in a child process): the payment stage's matching loop.
    case match
    /// `facturation fec --year 2025` on a workspace whose records (issued invoices, bank ledger,
    /// payment matches) make a FEC of `--fec-lines` lines, written by a child process first.
    case fec
    /// `facturation run` with nothing new to do, on a workspace holding `--years` of history
    /// (100 invoices and 100 receipts a month, made month by month by the real binary).
    case idle

    /// Scenarios measured on the generated Clockify and Qonto files (the `--megabytes`/`--rows` sizes).
    var usesExportFiles: Bool { self == .clockifyNormalize || self == .qontoNormalize || self == .run }

    /// Scenarios whose data a child `facturation-bench --measure` generates (and, for `match`, measures in process).
    var isInMemory: Bool { self == .match || self == .fec }
}
