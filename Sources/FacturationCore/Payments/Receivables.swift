/// What each client owes: issued invoices, what was applied to them (receipts, credit notes), and what stays open.
///
/// The matcher asks, for every receipt, which invoices of a client are open, or which invoices
/// owe a given amount. So that this does not cost a pass over every invoice, the receivables
/// keep, next to `items`, the amount owed and the issue date of each position of `order`, the
/// positions of each client's invoices, and the positions of the invoices that owe something by
/// amount owed. The answers are the same items, in the same order, as filtering every invoice.
package struct Receivables: Sendable {
    package struct Item: Sendable {
        /// The document sits behind a reference (copied on write), so that copying an item, as
        /// every answer of `open` does, does not copy the whole document.
        private var storage: DocumentStorage
        package var document: InvoiceDocument {
            _read { yield storage.document }
            _modify {
                if !isKnownUniquelyReferenced(&storage) { storage = DocumentStorage(storage.document) }
                yield &storage.document
            }
        }
        /// Amounts applied, with their date and source (receipt key or credit note number).
        package var applied: [(date: CivilDate, amountMinor: Int64, source: String)] = []
        package var totalMinor: Int64 { document.totals.grandTotalMinor }
        package var paidMinor: Int64 { applied.reduce(0) { $0 + $1.amountMinor } }
        package var openMinor: Int64 { totalMinor - paidMinor }
        /// The day the last payment settled it, when fully paid.
        package var settledOn: CivilDate? { openMinor <= 0 ? applied.map(\.date).max() : nil }
        /// A historical invoice of the Oxygène register (``OxygeneHistory``), not one facturation issued.
        package var fromRegister: Bool { document.origin.type == .register }

        init(document: InvoiceDocument) { storage = DocumentStorage(document) }
    }

    /// An item's document; never changed once shared (see `Item.document`).
    final class DocumentStorage: @unchecked Sendable {
        var document: InvoiceDocument
        init(_ document: InvoiceDocument) { self.document = document }
    }

    /// Invoices by number (credit notes are applied to the invoice they correct).
    package private(set) var items: [String: Item] = [:]
    /// Invoice numbers in issue order.
    package private(set) var order: [String] = []

    /// `items[order[p]].openMinor` and `.document.issueDate`, by position `p`.
    private var openByPosition: [Int64] = []
    private var issueDateByPosition: [CivilDate] = []
    /// The position of each number in `order`; `laterPositions` has the others of a number issued twice.
    private var firstPosition: [String: Int] = [:]
    private var laterPositions: [String: [Int]] = [:]
    /// Positions of each client's invoices (by `items[order[p]].document.clientCode`), ascending.
    private var byClient: [String: [Int]] = [:]
    /// Positions of the invoices that owe something (`openMinor > 0`), by amount owed, ascending.
    private var byOpen: [Int64: [Int]] = [:]

    /// Above this tolerance, ``open(on:owing:tolerance:limit:)`` filters every invoice instead of
    /// looking up one amount after the other.
    static let indexedTolerance: Int64 = 64

    /// The invoices of `issued` and, merged in issue order, the historical invoices of the Oxygène
    /// register with what the register shows settled and its credit notes applied.
    package init(issued: [InvoiceDocument], historical: [OxygeneHistory.Invoice]) {
        guard !historical.isEmpty else {
            self.init(issued: issued)
            return
        }
        let merged = (issued + historical.map(\.document)).sorted {
            ($0.issueDate, $0.number) < ($1.issueDate, $1.number)
        }
        self.init(issued: merged, applying: historical)
    }

    package init(issued: [InvoiceDocument]) { self.init(issued: issued, applying: []) }

    private init(issued: [InvoiceDocument], applying historical: [OxygeneHistory.Invoice]) {
        items.reserveCapacity(issued.count)
        order.reserveCapacity(issued.count)
        // What each position reads from `items[order[p]]`: the last document issued under its number.
        var clients: [String] = []
        clients.reserveCapacity(issued.count)
        openByPosition.reserveCapacity(issued.count)
        issueDateByPosition.reserveCapacity(issued.count)
        for document in issued where document.kind == .invoice {
            let position = order.count
            order.append(document.number)
            clients.append(document.clientCode)
            openByPosition.append(document.totals.grandTotalMinor)
            issueDateByPosition.append(document.issueDate)
            guard items.updateValue(Item(document: document), forKey: document.number) != nil,
                let first = firstPosition[document.number]
            else {
                firstPosition[document.number] = position
                continue
            }
            // A number issued again: `items` now holds this document for every position of the number.
            for earlier in [first] + (laterPositions[document.number] ?? []) {
                clients[earlier] = document.clientCode
                openByPosition[earlier] = document.totals.grandTotalMinor
                issueDateByPosition[earlier] = document.issueDate
            }
            laterPositions[document.number, default: []].append(position)
        }
        for note in issued where note.kind == .creditNote {
            guard let invoice = note.precedingInvoice?.number, let first = firstPosition[invoice] else { continue }
            items[invoice]?.applied.append((note.issueDate, note.totals.grandTotalMinor, note.number))
            for position in [first] + (laterPositions[invoice] ?? []) {
                openByPosition[position] -= note.totals.grandTotalMinor
            }
        }
        for invoice in historical {
            guard let position = firstPosition[invoice.document.number] else { continue }
            let date = invoice.document.issueDate
            let settled = [(date, invoice.settledInRegisterMinor, OxygeneHistory.registerSource)]
            for (date, amount, source) in settled + invoice.credits.map({ ($0.date, $0.amountMinor, $0.number) })
            where amount != 0 {
                items[invoice.document.number]?.applied.append((date, amount, source))
                openByPosition[position] -= amount
            }
        }
        for position in order.indices {
            byClient[clients[position], default: []].append(position)
            let open = openByPosition[position]
            if open > 0 { byOpen[open, default: []].append(position) }
        }
    }

    /// Applies a match's allocations.
    package mutating func apply(_ match: PaymentMatch) {
        for allocation in match.allocations {
            guard let first = firstPosition[allocation.invoice] else { continue }
            items[allocation.invoice]?.applied.append((match.bookingDate, allocation.amountMinor, match.receipt))
            guard allocation.amountMinor != 0 else { continue }
            let before = openByPosition[first]
            let after = before - allocation.amountMinor
            move(first, from: before, to: after)
            if !laterPositions.isEmpty, let later = laterPositions[allocation.invoice] {
                for position in later { move(position, from: before, to: after) }
            }
        }
    }

    /// Open invoices (something left to pay) issued on or before `date`, oldest first.
    package func open(on date: CivilDate, client: String? = nil) -> [Item] {
        guard let client else {
            return order.indices.compactMap { position in
                openByPosition[position] > 0 && issueDateByPosition[position] <= date ? items[order[position]] : nil
            }
        }
        return (byClient[client] ?? []).compactMap { position in
            openByPosition[position] > 0 && issueDateByPosition[position] <= date ? items[order[position]] : nil
        }
    }

    /// Open invoices issued on or before `date` that owe `amount` ± `tolerance`, oldest first, at
    /// most `limit` of them: the first `limit` of
    /// `open(on: date).filter { abs($0.openMinor - amount) <= tolerance }`, found from the amounts owed.
    package func open(on date: CivilDate, owing amount: Int64, tolerance: Int64, limit: Int = .max) -> [Item] {
        guard tolerance >= 0, limit > 0 else { return [] }
        let (low, lowOverflow) = amount.subtractingReportingOverflow(tolerance)
        let (high, highOverflow) = amount.addingReportingOverflow(tolerance)
        guard tolerance <= Self.indexedTolerance, !lowOverflow, !highOverflow else {
            return Array(open(on: date).filter { abs($0.openMinor - amount) <= tolerance }.prefix(limit))
        }
        let lowest = max(low, 1)
        guard high >= lowest else { return [] }
        // Merge the ascending position lists of the amounts in [lowest, high].
        var lists: [[Int]] = []
        for owed in lowest...high {
            if let list = byOpen[owed] { lists.append(list) }
        }
        var cursors = [Int](repeating: 0, count: lists.count)
        var result: [Item] = []
        while result.count < limit {
            var best = -1
            for index in lists.indices where cursors[index] < lists[index].count {
                if best < 0 || lists[index][cursors[index]] < lists[best][cursors[best]] { best = index }
            }
            guard best >= 0 else { break }
            let position = lists[best][cursors[best]]
            cursors[best] += 1
            if issueDateByPosition[position] <= date, let item = items[order[position]] { result.append(item) }
        }
        return result
    }

    // MARK: - Amounts owed

    private mutating func move(_ position: Int, from before: Int64, to after: Int64) {
        openByPosition[position] = after
        if before > 0 { Self.remove(position, from: &byOpen, at: before) }
        if after > 0 { Self.insert(position, into: &byOpen, at: after) }
    }

    private static func insert(_ position: Int, into index: inout [Int64: [Int]], at amount: Int64) {
        index[amount, default: []].modify { list in list.insert(position, at: firstNotBelow(position, in: list)) }
    }

    private static func remove(_ position: Int, from index: inout [Int64: [Int]], at amount: Int64) {
        guard let entry = index.index(forKey: amount) else { return }
        index.values[entry].modify { list in
            let found = firstNotBelow(position, in: list)
            if found < list.count, list[found] == position { list.remove(at: found) }
        }
        if index.values[entry].isEmpty { index.remove(at: entry) }
    }

    /// The first index of the ascending `list` whose value is not below `value`.
    private static func firstNotBelow(_ value: Int, in list: [Int]) -> Int {
        var low = 0, high = list.count
        while low < high {
            let middle = (low + high) / 2
            if list[middle] < value { low = middle + 1 } else { high = middle }
        }
        return low
    }
}

extension Array {
    /// Changes the array in place (no copy of a uniquely referenced buffer).
    fileprivate mutating func modify(_ body: (inout Self) -> Void) { body(&self) }
}
