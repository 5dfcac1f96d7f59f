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
        let receipts = try BankLine.receipts(in: workload.layout)
        let generated = Monotonic.now()

        let result = PaymentPass.run(workload, receipts: receipts)

        // The peak before the cross-check below, which holds copies of every invoice.
        let peak = ProcessMemory.peakResidentBytes() ?? -1
        let unpaid = Set(result.receivables.order).filter { (result.receivables.item($0)?.openMinor ?? 0) != 0 }.count
        let mismatches = crossCheck(
            workload, receipts: receipts, matches: result.matches, every: max(1, receipts.count / 20))
        var values: [String: String] = [
            "invoices": String(workload.invoices.count),
            "clients": String(workload.clients),
            "receipts": String(receipts.count),
            "ledger_bytes": String(workload.ledgerBytes),
            "generate_seconds": String(generated - generationStarted),
            "prepare_seconds": String(result.prepareSeconds),
            "receivables_seconds": String(result.prepareSplit[0]),
            "numbers_seconds": String(result.prepareSplit[1]),
            "finder_seconds": String(result.prepareSplit[2]),
            "payers_seconds": String(result.prepareSplit[3]),
            "match_seconds": String(result.matchSeconds),
            "seconds": String(result.prepareSeconds + result.matchSeconds),
            "allocations": String(result.allocations),
            "unpaid_invoices": String(unpaid),
            "query_checks": String(mismatches.checks),
            "query_mismatches": String(mismatches.mismatches),
            "peak_rss_bytes": String(peak),
        ]
        for (rule, count) in result.counts { values["rule." + rule] = String(count) }
        for (rule, count) in workload.expected { values["expected." + rule] = String(count) }
        return values
    }

    /// Replays the matches (not timed) and, before every `every`-th receipt, compares the
    /// receivables' indexed questions with filtering every invoice, as the matcher once did:
    /// the payer's open invoices, and the open invoices owing the receipt's amount.
    static func crossCheck(
        _ workload: PaymentWorkload, receipts: [Receipt], matches: [String: PaymentMatch],
        every: Int
    ) -> (checks: Int, mismatches: Int) {
        var receivables = Receivables(issued: workload.invoices)
        var checks = 0, mismatches = 0
        for (index, receipt) in receipts.enumerated() {
            if index % every == 0 {
                let all = receivables.liveItems
                    .filter { $0.openMinor > 0 && $0.document.issueDate <= receipt.bookingDate }
                let client = workload.invoices[index % workload.invoices.count].clientCode
                let byClient = all.filter { $0.document.clientCode == client }.map(\.document.number)
                checks += 1
                if receivables.open(on: receipt.bookingDate, client: client).map(\.document.number) != byClient {
                    mismatches += 1
                }
                // The receipt's amount, and one that an open invoice owes (the index's real work).
                for amount in [receipt.amountMinor, all.isEmpty ? 1 : all[all.count / 2].openMinor + 1] {
                    let owing = all.filter { abs($0.openMinor - amount) <= 1 }.prefix(10).map(\.document.number)
                    if receivables.open(on: receipt.bookingDate, owing: amount, tolerance: 1, limit: 10)
                        .map(\.document.number) != Array(owing)
                    {
                        mismatches += 1
                    }
                }
            }
            if let match = matches[receipt.key] { receivables.apply(match) }
        }
        return (checks, mismatches)
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
    /// `prepareSeconds` split: receivables, invoice numbers, reference finder, payer identifier.
    var prepareSplit: [Double]

    static func run(_ workload: PaymentWorkload, receipts: [Receipt]) -> PaymentPass {
        let started = Monotonic.now()
        let issued = workload.invoices
        var receivables = Receivables(issued: issued)
        let receivablesBuilt = Monotonic.now()
        // As PaymentStage writes it (the filter copies every document before keeping its number).
        let numbers = issued.filter { $0.kind == .invoice }.map(\.number)
        let numbersListed = Monotonic.now()
        let references = InvoiceReferenceFinder(numbers: numbers)
        let referencesBuilt = Monotonic.now()
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
                    let client = receivables.item(first.invoice)?.clientCode
                {
                    payers.learn(iban: receipt.counterpartyIBAN, client: client)
                }
                counts[match.rule, default: 0] += 1
                allocations += match.allocations.count
            case .review:
                counts["review", default: 0] += 1
            }
        }
        let finished = Monotonic.now()
        return PaymentPass(
            receivables: receivables, matches: matches, counts: counts, allocations: allocations,
            prepareSeconds: prepared - started, matchSeconds: finished - prepared,
            prepareSplit: [
                receivablesBuilt - started, numbersListed - receivablesBuilt,
                referencesBuilt - numbersListed, prepared - referencesBuilt,
            ])
    }
}
