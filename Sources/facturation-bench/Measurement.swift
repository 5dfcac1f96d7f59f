/// One timed run of one scenario on one pair of generated files (or one invoicing workspace).
struct Measurement {
    let scenario: Scenario
    /// The requested size (`50 MB`, `100000 rows`, `5000 clients, 1000000 entries`), to group repeats in the table.
    let sizeLabel: String
    let inputBytes: Int64
    /// Rows of the input files; time entries of the ledger for `invoice`.
    let rows: Int
    let seconds: Double
    let peakRSSBytes: Int64
    /// A second line of facts (time split, output size, where the RSS figure comes from).
    var detail: String
    /// `invoice` only: clients of the pipeline and invoices issued by the run.
    var clients: Int? = nil
    var invoices: Int? = nil
    /// `match` and `fec`: what the measuring child printed (`key=value`), for the tables.
    var values: [String: String] = [:]

    func double(_ key: String) -> Double { values[key].flatMap(Double.init) ?? 0 }
    func int(_ key: String) -> Int { values[key].flatMap(Int.init) ?? 0 }

    var megabytesPerSecond: Double { Double(inputBytes) / 1e6 / seconds }
    var rowsPerSecond: Double { Double(rows) / seconds }
    var invoicesPerSecond: Double { Double(invoices ?? 0) / seconds }
}
