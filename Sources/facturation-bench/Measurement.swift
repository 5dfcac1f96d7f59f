/// One timed run of one scenario on one pair of generated files.
struct Measurement {
    let scenario: Scenario
    /// The requested size (`50 MB`, `100000 rows`), to group repeats in the table.
    let sizeLabel: String
    let inputBytes: Int64
    let rows: Int
    let seconds: Double
    let peakRSSBytes: Int64
    /// A second line of facts (time split, output size, where the RSS figure comes from).
    let detail: String

    var megabytesPerSecond: Double { Double(inputBytes) / 1e6 / seconds }
    var rowsPerSecond: Double { Double(rows) / seconds }
}
