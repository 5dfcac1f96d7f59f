/// What one benchmark session measures: the command line (``BenchCommand``) turned into values.
struct BenchOptions {
    var sizes: [SizeTarget] = [.bytes(50_000_000)]
    var invoiceWorkloads: [InvoiceWorkload] = [
        InvoiceWorkload(
            clients: InvoiceWorkload.defaultClients,
            entries: InvoiceWorkload.defaultEntries)
    ]
    var matchInvoices: [Int] = [PaymentWorkload.defaultInvoices]
    var fecLines: [Int] = [1_000_000]
    var years: [Int] = [1, 5, 10]
    var scenarios: [Scenario] = Scenario.allCases
    var seed: UInt64 = 42
    var repeats = 1
    var keep = false
    var directory: String?

    /// Parses a non-empty comma-separated list of `--name` values; `parse` returns nil for an invalid item.
    static func list<T>(_ text: String, _ name: String, _ parse: (String) -> T?) throws(BenchError) -> [T] {
        var items: [T] = []
        for part in text.split(separator: ",").map(String.init) {
            guard let item = parse(part) else {
                throw BenchError("\(name): \"\(part)\" is not a valid value (see --help)")
            }
            items.append(item)
        }
        guard !items.isEmpty else { throw BenchError("\(name) needs a value (see --help)") }
        return items
    }

    /// The `--scenario` values (each a name, `all`, or names separated by commas), in the benchmark's own order.
    static func scenarios(_ values: [String]) throws(BenchError) -> [Scenario] {
        var chosen: [Scenario] = []
        for word in values.flatMap({ $0.split(separator: ",").map(String.init) }) {
            if word == "all" {
                chosen += Scenario.allCases
            } else if let scenario = Scenario(rawValue: word) {
                chosen.append(scenario)
            } else {
                throw BenchError(
                    "--scenario: unknown scenario \"\(word)\" "
                        + "(clockify-normalize, qonto-normalize, run, invoice, match, fec, idle or all)")
            }
        }
        return chosen.isEmpty ? Scenario.allCases : Scenario.allCases.filter(chosen.contains)
    }

    /// A whole number above zero, or nil.
    static func positive(_ text: String) -> Int? { Int(text).flatMap { $0 > 0 ? $0 : nil } }
}
