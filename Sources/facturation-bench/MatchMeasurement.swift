import FacturationCore

/// The child side of the `match` scenario: generates the receivables and receipts of
/// ``PaymentWorkload`` (not timed), then times what `PaymentStage.match` does in memory: build
/// the receivables, the reference finder and the payer identifier, then match every receipt in
/// booking-date order, applying each match to the receivables and learning the payer's IBAN.
/// Recording matches on disk and the run report are left out.
///
/// Prints its result as `key=value` lines on stdout for the parent, with the number of receipts
/// per rule next to the number expected, so that a matcher that got faster by matching less shows.
enum MatchMeasurement {
    static func run(invoices: Int, seed: UInt64, folder: String) throws -> [String: String] {
        let generationStarted = Monotonic.now()
        let workload = try PaymentWorkload.generate(invoices: invoices, seed: seed, in: folder)
        let receipts = try Receipt.all(in: workload.layout)
        let generated = Monotonic.now()

        let result = PaymentPass.run(workload, receipts: receipts)

        let unpaid = result.receivables.items.values.filter { $0.openMinor != 0 }.count
        var values: [String: String] = [
            "invoices": String(workload.invoices.count),
            "clients": String(workload.clients),
            "receipts": String(receipts.count),
            "ledger_bytes": String(workload.ledgerBytes),
            "generate_seconds": String(generated - generationStarted),
            "prepare_seconds": String(result.prepareSeconds),
            "match_seconds": String(result.matchSeconds),
            "seconds": String(result.prepareSeconds + result.matchSeconds),
            "allocations": String(result.allocations),
            "unpaid_invoices": String(unpaid),
            "peak_rss_bytes": String(ProcessMemory.peakResidentBytes() ?? -1),
        ]
        for (rule, count) in result.counts { values["rule." + rule] = String(count) }
        for (rule, count) in workload.expected { values["expected." + rule] = String(count) }
        return values
    }
}

/// Matching every receipt the way `PaymentStage.match` does (without the disk): shared by the
/// `match` scenario, which times it, and the `fec` scenario, which needs its matches.
struct PaymentPass {
    var receivables: Receivables
    var matches: [String: PaymentMatch]
    /// Receipts per rule (`review` for those left to a person).
    var counts: [String: Int]
    var allocations: Int
    /// Building the receivables, the reference finder and the payer identifier.
    var prepareSeconds: Double
    /// The loop over the receipts.
    var matchSeconds: Double

    static func run(_ workload: PaymentWorkload, receipts: [Receipt]) -> PaymentPass {
        let started = Monotonic.now()
        let issued = workload.invoices
        var receivables = Receivables(issued: issued)
        let references = InvoiceReferenceFinder(numbers: issued.filter { $0.kind == .invoice }.map(\.number))
        var payers = PayerIdentifier(clients: workload.pipeline.clients)
        let prepared = Monotonic.now()

        let matcher = PaymentMatcher()
        var matches: [String: PaymentMatch] = [:]
        var counts: [String: Int] = [:]
        var allocations = 0
        for receipt in receipts where matches[receipt.key] == nil {
            switch matcher.match(receipt, receivables: receivables, references: references, payers: payers) {
            case .matched(let match):
                receivables.apply(match)
                matches[match.receipt] = match
                if let first = match.allocations.first,
                   let client = receivables.items[first.invoice]?.document.clientCode {
                    payers.learn(iban: receipt.counterpartyIBAN, client: client)
                }
                counts[match.rule, default: 0] += 1
                allocations += match.allocations.count
            case .review:
                counts["review", default: 0] += 1
            }
        }
        let finished = Monotonic.now()
        return PaymentPass(receivables: receivables, matches: matches, counts: counts, allocations: allocations,
                           prepareSeconds: prepared - started, matchSeconds: finished - prepared)
    }
}
