/// Decides what one receipt pays, by rules in a fixed order; it never guesses.
///
/// 1. `reference`: invoice numbers found in the label or remittance text (of the payer's own
///    invoices, when the payer is recognised: otherwise → review); the amount equals
///    what they still owe (± tolerance) → matched; less → `reference-partial` (applied oldest
///    first, the rest stays due); more, or already paid → review.
/// 2. `client-amount`: the payer is recognised (IBAN, name, or IBAN learned from earlier
///    matches) and exactly one of its open invoices is owed exactly the amount → matched.
/// 3. `client-several`: the amount is the exact sum of several open invoices of that client
///    (bounded search, at most 6 among its 16 oldest) and only one such set exists → matched.
/// 4. Anything else (unknown payer, several candidates, no candidate) → review, with the
///    candidates, for a person to decide with a decision file.
package struct PaymentMatcher: Sendable {
    package var toleranceMinor: Int64 = 1
    package static let maximumSetSize = 6
    package static let maximumCandidates = 16

    /// What a receipt became.
    package enum Outcome: Sendable {
        case matched(PaymentMatch)
        case review(reason: String, candidates: [String])
    }

    package init(toleranceMinor: Int64 = 1) { self.toleranceMinor = toleranceMinor }

    package func match(
        _ receipt: Receipt, receivables: Receivables, references: InvoiceReferenceFinder,
        payers: PayerIdentifier
    ) -> Outcome {
        // 1. References.
        let referenced = references.find(in: [receipt.label, receipt.remittance])
        let payer = payers.client(of: receipt)
        if !referenced.isEmpty {
            return matchByReference(receipt, referenced: referenced, payer: payer, receivables: receivables)
        }
        // 2. and 3. The payer's open invoices.
        guard let (client, how) = payer else {
            let sameAmount = receivables.open(
                on: receipt.bookingDate, owing: receipt.amountMinor, tolerance: toleranceMinor,
                limit: 10
            )
            .map(\.document.number)
            return .review(
                reason: "unknown payer \"\(receipt.counterpartyName)\" and no invoice number in the text",
                candidates: sameAmount)
        }
        return matchByPayer(receipt, client: client, how: how, receivables: receivables)
    }

    /// Rule 1: the invoices that the transfer's text names (`referenced`, not empty).
    private func matchByReference(
        _ receipt: Receipt, referenced: [String], payer: (code: String, how: String)?,
        receivables: Receivables
    ) -> Outcome {
        let amount = receipt.amountMinor
        let items = referenced.compactMap { receivables.item($0) }
        let owners = Set(items.map(\.document.clientCode))
        if let payer, !owners.contains(payer.code) {
            return .review(
                reason: "the transfer mentions " + referenced.joined(separator: ", ") + " of client "
                    + owners.sorted().joined(separator: ", ") + " but comes from client \(payer.code) (\(payer.how))",
                candidates: referenced
                    + receivables.open(on: receipt.bookingDate, client: payer.code)
                    .prefix(5).map(\.document.number))
        }
        let names = referenced.joined(separator: ", ")
        // Money received before an invoice existed does not pay it (a wrong date, or another payment).
        let later = items.filter { $0.document.issueDate > receipt.bookingDate }.map(\.document.number)
        if !later.isEmpty {
            return .review(
                reason: "the transfer mentions \(names) but was booked on \(receipt.bookingDate), before "
                    + later.joined(separator: ", ") + " was issued", candidates: referenced)
        }
        let open = items.filter { $0.openMinor > 0 }
        let owed = open.reduce(Int64(0)) { $0 + $1.openMinor }
        if open.isEmpty {
            return .review(
                reason: "the transfer mentions \(names), already paid: a double payment or an error",
                candidates: referenced)
        }
        if abs(amount - owed) <= toleranceMinor {
            return .matched(
                make(
                    receipt, rule: "reference", open.map { ($0.document.number, $0.openMinor) },
                    evidence: "the transfer mentions \(names) and pays exactly what is owed"))
        }
        if amount < owed {
            return .matched(
                make(
                    receipt, rule: "reference-partial", Self.oldestFirst(open, paying: amount),
                    evidence: "the transfer mentions \(names) and pays \(FrenchDates.euros(amount)) "
                        + "of \(FrenchDates.euros(owed)) owed: the rest stays due"))
        }
        return .review(
            reason: "the transfer mentions \(names) but pays \(FrenchDates.euros(amount)), more than the "
                + "\(FrenchDates.euros(owed)) owed", candidates: referenced)
    }

    /// Spreads `amount` (less than what `open` owes) over the open invoices, oldest first.
    private static func oldestFirst(_ open: [Receivables.Item], paying amount: Int64) -> [(String, Int64)] {
        var left = amount
        var allocations: [(String, Int64)] = []
        for item in open.sorted(by: { $0.document.issueDate < $1.document.issueDate }) where left > 0 {
            let part = min(left, item.openMinor)
            allocations.append((item.document.number, part))
            left -= part
        }
        return allocations
    }

    /// Rules 2 and 3: the open invoices of the recognised payer `client` (`how` says how it was recognised).
    private func matchByPayer(_ receipt: Receipt, client: String, how: String, receivables: Receivables) -> Outcome {
        let amount = receipt.amountMinor
        let open = receivables.open(on: receipt.bookingDate, client: client)
        let exact = open.filter { abs($0.openMinor - amount) <= toleranceMinor }
        if exact.count == 1, let item = exact.first {
            return .matched(
                make(
                    receipt, rule: "client-amount", [(item.document.number, item.openMinor)],
                    evidence: "\(how) is client \(client), whose only open invoice of "
                        + "\(FrenchDates.euros(amount)) is \(item.document.number)"))
        }
        if exact.count > 1 {
            return .review(
                reason: "client \(client) (\(how)) has \(exact.count) open invoices of "
                    + "\(FrenchDates.euros(amount)): say which one this pays", candidates: exact.map(\.document.number))
        }
        let sets = Self.subsets(
            of: Array(open.prefix(Self.maximumCandidates)), summingTo: amount,
            tolerance: toleranceMinor, limit: 2)
        if sets.count == 1, let set = sets.first {
            return .matched(
                make(
                    receipt, rule: "client-several", set.map { ($0.document.number, $0.openMinor) },
                    evidence: "\(how) is client \(client); the amount is exactly the sum of "
                        + set.map(\.document.number).joined(separator: " + ")))
        }
        let reason =
            sets.count > 1
            ? "client \(client) (\(how)): several sets of open invoices add up to \(FrenchDates.euros(amount))"
            : "client \(client) (\(how)) owes nothing that adds up to \(FrenchDates.euros(amount))"
        return .review(reason: reason, candidates: open.prefix(10).map(\.document.number))
    }

    private func make(
        _ receipt: Receipt, rule: String, _ allocations: [(String, Int64)], evidence: String
    ) -> PaymentMatch {
        var parts = allocations.map { PaymentMatch.Allocation(invoice: $0.0, amountMinor: $0.1) }
        // A difference within the tolerance goes to the last invoice, so the receipt is applied in full.
        let difference = receipt.amountMinor - parts.reduce(0) { $0 + $1.amountMinor }
        if difference != 0, !parts.isEmpty, abs(difference) <= toleranceMinor {
            parts[parts.count - 1].amountMinor += difference
        }
        return PaymentMatch(
            receipt: receipt.key, bookingDate: receipt.bookingDate, amountMinor: receipt.amountMinor,
            rule: rule, allocations: parts, by: "rule", evidence: evidence)
    }

    /// Sets of 2…6 items whose open amounts add up to `target` (± tolerance), at most `limit` of them.
    static func subsets(
        of items: [Receivables.Item], summingTo target: Int64, tolerance: Int64,
        limit: Int
    ) -> [[Receivables.Item]] {
        var found: [[Receivables.Item]] = []
        var chosen: [Receivables.Item] = []
        func search(from start: Int, sum: Int64) {
            if found.count >= limit { return }
            if chosen.count >= 2, abs(sum - target) <= tolerance { found.append(chosen); return }
            if chosen.count == maximumSetSize || sum > target + tolerance { return }
            for index in start..<items.count {
                chosen.append(items[index])
                search(from: index + 1, sum: sum + items[index].openMinor)
                chosen.removeLast()
                if found.count >= limit { return }
            }
        }
        search(from: 0, sum: 0)
        return found
    }
}
