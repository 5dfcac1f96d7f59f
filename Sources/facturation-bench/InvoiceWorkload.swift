/// The size of one `invoice` measurement: clients in the pipeline and time entries in the month.
struct InvoiceWorkload: Sendable, Equatable, CustomStringConvertible {
    static let defaultClients = 5_000
    static let defaultEntries = 1_000_000

    let clients: Int
    let entries: Int

    var description: String { "\(clients) clients, \(entries) entries" }

    /// Pairs the `--clients` and `--entries` lists: element by element, a single value going with
    /// every value of the other list.
    static func pairs(clients: [Int], entries: [Int]) throws(BenchError) -> [InvoiceWorkload] {
        if clients.count > 1, entries.count > 1, clients.count != entries.count {
            throw BenchError(
                "--clients and --entries have \(clients.count) and \(entries.count) values: give the same "
                    + "number of values, or a single value for one of them")
        }
        let count = max(clients.count, entries.count)
        return (0..<count).map { index in
            InvoiceWorkload(
                clients: clients[clients.count == 1 ? 0 : index],
                entries: entries[entries.count == 1 ? 0 : index])
        }
    }
}
