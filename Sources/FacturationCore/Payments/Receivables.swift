/// What each client owes: issued invoices, what was applied to them (receipts, credit notes), and what stays open.
///
/// The matcher asks, for every receipt, which invoices of a client are open, or which invoices
/// owe a given amount. So that this does not cost a pass over every invoice, the receivables
/// keep, next to the invoices, the amount owed and the issue date of each position of `order`, the
/// positions of each client's invoices, and the positions of the invoices that owe something by
/// amount owed. The answers are the same items, in the same order, as filtering every invoice.
package struct Receivables: Sendable {
    /// An amount applied to an invoice, with its date and source (receipt key or credit note number).
    package typealias Applied = (date: CivilDate, amountMinor: Int64, source: String)

    package struct Item: ReceivableLine, Sendable {
        /// The document sits behind a reference (copied on write), so that copying an item, as
        /// every answer of `open` does, does not copy the whole document.
        /// Never changed in place: a new document is a new storage (read without an exclusivity
        /// check, as a constant: every reader of every invoice goes through it).
        private(set) var storage: DocumentStorage
        package var document: InvoiceDocument {
            _read { yield storage.document }
            set { storage = DocumentStorage(newValue) }
        }
        /// Amounts applied: every credit note (in issue order), then every match (oldest first).
        package var applied: [Applied] = []
        package var totalMinor: Int64 { document.totals.grandTotalMinor }
        package var number: String { document.number }
        package var clientCode: String { document.clientCode }
        package var buyerName: String { document.buyer.name }
        package var issueDate: CivilDate { document.issueDate }
        package var dueDate: CivilDate { document.dueDate }
        /// A historical invoice of the Oxygène register (``OxygeneHistory``), not one facturation issued.
        package var fromRegister: Bool { document.origin.type == .register }

        init(document: InvoiceDocument, applied: [Applied] = []) {
            storage = DocumentStorage(document)
            self.applied = applied
        }
    }

    /// An item's document.
    final class DocumentStorage: Sendable {
        let document: InvoiceDocument
        init(_ document: InvoiceDocument) { self.document = document }
    }

    /// Invoices by number (credit notes are applied to the invoice they correct), but the settled
    /// invoices of closed years (``settledRows``): look one up with ``item(_:)``.
    private var live: [String: Item] = [:]
    /// By position in `order` (the closed years' come first): the invoices of closed years whose
    /// open amount is zero, as rows (``init(closed:open:matches:documents:)``), nil for the others;
    /// one named later becomes live again. Empty when built from the records.
    ///
    /// Positions, not a dictionary of rows by number (performance code): the 12,000 rows of 10
    /// years were built, then hashed into a dictionary, on every full pass (README, "Benchmark
    /// results"); `firstPosition` already finds a number's position.
    private var settledRows: [Row?] = []
    /// Where a settled invoice's document is loaded from: every document, in issue order, and the
    /// index there of each closed year's invoice by position. (The snapshot still decodes every
    /// record until step 4 of issue #9; then a record file.)
    private var documents: [InvoiceDocument] = []
    private var documentIndex: [Int] = []
    /// Invoice numbers in issue order.
    package private(set) var order: [String] = []

    /// `item(order[p]).openMinor` and `.document.issueDate`, by position `p`.
    private var openByPosition: [Int64] = []
    private var issueDateByPosition: [CivilDate] = []
    /// The position of each number in `order`; `laterPositions` has the others of a number issued twice.
    private var firstPosition: [String: Int] = [:]
    private var laterPositions: [String: [Int]] = [:]
    /// Positions of each client's invoices (by `item(order[p]).clientCode`), ascending.
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
        live.reserveCapacity(issued.count)
        order.reserveCapacity(issued.count)
        // What each position reads from `live[order[p]]`: the last document issued under its number.
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
            guard live.updateValue(Item(document: document), forKey: document.number) != nil,
                let first = firstPosition[document.number]
            else {
                firstPosition[document.number] = position
                continue
            }
            // A number issued again: `live` now holds this document for every position of the number.
            for earlier in [first] + (laterPositions[document.number] ?? []) {
                clients[earlier] = document.clientCode
                openByPosition[earlier] = document.totals.grandTotalMinor
                issueDateByPosition[earlier] = document.issueDate
            }
            laterPositions[document.number, default: []].append(position)
        }
        for note in issued where note.kind == .creditNote {
            guard let invoice = note.precedingInvoice?.number, let first = firstPosition[invoice] else { continue }
            live[invoice]?.applied.append((note.issueDate, note.totals.grandTotalMinor, note.number))
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
                live[invoice.document.number]?.applied.append((date, amount, source))
                openByPosition[position] -= amount
            }
        }
        index(clients: clients)
    }

    /// Fills `byClient` and `byOpen` from `order`'s positions.
    private mutating func index(clients: [String]) {
        for position in order.indices {
            byClient[clients[position], default: []].append(position)
            let open = openByPosition[position]
            if open > 0 { byOpen[open, default: []].append(position) }
        }
    }

    /// The receivables of `closed` years (ascending, every year before the first of `open`) from
    /// their summaries as on 31 December, continued with the `open` documents (issue order) and,
    /// for each invoice, the matches booked after its year's end: the same invoices, `applied` in
    /// the same order (every credit note, then every match), `order` and answers as
    /// `Receivables(issued:)` of every document with every match applied (``ReceivablesYearTests``).
    /// The settled invoices of closed years stay rows, loaded from `documents` (every document in
    /// issue order) when looked up. `positions`: those of `documents` (built here when not given).
    /// Nil when a number is issued twice, or the summaries' invoices are not the first invoices of
    /// `documents` in order (each closed year's, then `open`'s): the caller builds them from the
    /// records.
    package init?(
        closed years: [ReceivablesYear], open: [InvoiceDocument], matches: [PaymentMatch], documents: [InvoiceDocument],
        positions known: Positions? = nil
    ) {
        guard let positions = known ?? Positions(documents),
            var pending = Pending(closed: years, positions: positions)
        else { return nil }
        // The open documents' invoices must be the positions after the closed years'.
        let openInvoices = open.indices.reduce(0) { $0 + (open[$1].kind == .invoice ? 1 : 0) }
        guard pending.closedCount + openInvoices == positions.numbers.count else { return nil }
        pending.credit(closed: years, open: open)
        pending.match(matches)
        self.documents = documents
        order = positions.numbers
        firstPosition = positions.position
        documentIndex = positions.documentIndex
        var clients: [String] = []
        clients.reserveCapacity(order.count)
        openByPosition.reserveCapacity(order.count)
        issueDateByPosition.reserveCapacity(order.count)
        settledRows.reserveCapacity(pending.closedCount)
        live.reserveCapacity(order.count)
        for year in years {
            for invoice in year.invoices {
                let position = settledRows.count
                let applied = pending.applied[position]
                let open = invoice.totalMinor - applied.reduce(0) { $0 + $1.amountMinor }
                if open == 0 {
                    settledRows.append(Row(invoice, applied: applied))
                } else {
                    live[invoice.number] = Item(document: documents[documentIndex[position]], applied: applied)
                    settledRows.append(nil)
                }
                clients.append(invoice.clientCode)
                openByPosition.append(open)
                issueDateByPosition.append(invoice.issueDate)
            }
        }
        for position in pending.closedCount..<order.count {
            let item = Item(document: documents[documentIndex[position]], applied: pending.applied[position])
            live[item.number] = item
            clients.append(item.clientCode)
            openByPosition.append(item.openMinor)
            issueDateByPosition.append(item.issueDate)
        }
        index(clients: clients)
    }

    /// Applies a match's allocations.
    package mutating func apply(_ match: PaymentMatch) {
        for allocation in match.allocations {
            guard let first = firstPosition[allocation.invoice] else { continue }
            if first < settledRows.count { revive(first) }
            live[allocation.invoice]?.applied.append((match.bookingDate, allocation.amountMinor, match.receipt))
            guard allocation.amountMinor != 0 else { continue }
            let before = openByPosition[first]
            let after = before - allocation.amountMinor
            move(first, from: before, to: after)
            if !laterPositions.isEmpty, let later = laterPositions[allocation.invoice] {
                for position in later { move(position, from: before, to: after) }
            }
        }
    }

    /// The invoice `number` (the last issued under it), a settled invoice of a closed year with
    /// its document loaded; nil when no invoice has this number.
    package func item(_ number: String) -> Item? {
        if let item = live[number] { return item }
        guard let position = settledPosition(number), let row = settledRows[position] else { return nil }
        return Item(document: documents[documentIndex[position]], applied: row.applied)
    }

    /// The client of the invoice `number`, without loading a settled invoice's document (the
    /// payment stage asks it of every recorded match).
    package func clientCode(of number: String) -> String? {
        if let item = live[number] { return item.clientCode }
        return settledPosition(number).flatMap { settledRows[$0]?.clientCode }
    }

    /// The position of a closed year's invoice `number`, nil when it is not one.
    private func settledPosition(_ number: String) -> Int? {
        guard !settledRows.isEmpty, let position = firstPosition[number], position < settledRows.count else {
            return nil
        }
        return position
    }

    /// Every invoice in issue order (a number issued twice: its last document at each position),
    /// the settled invoices of closed years as their rows: what the readers that list every
    /// invoice take (invoice states, payment delays, DSO).
    package var rows: [Line] {
        order.indices.compactMap { position in
            if position < settledRows.count, let row = settledRows[position] { return Line(row) }
            return live[order[position]].map(Line.init)
        }
    }

    /// Every invoice but the settled ones of closed years, in issue order (as ``rows``): what the
    /// readers of amounts owed take (a settled invoice owes nothing).
    package var liveItems: [Item] {
        order.indices.compactMap { position in
            position < settledRows.count && settledRows[position] != nil ? nil : live[order[position]]
        }
    }

    /// Open invoices (something left to pay) issued on or before `date`, oldest first.
    package func open(on date: CivilDate, client: String? = nil) -> [Item] {
        guard let client else {
            return order.indices.compactMap { position in
                openByPosition[position] > 0 && issueDateByPosition[position] <= date ? live[order[position]] : nil
            }
        }
        return (byClient[client] ?? []).compactMap { position in
            openByPosition[position] > 0 && issueDateByPosition[position] <= date ? live[order[position]] : nil
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
            if issueDateByPosition[position] <= date, let item = live[order[position]] { result.append(item) }
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

extension Receivables {
    /// The invoices of closed years and open documents, by position, while
    /// ``init(closed:open:matches:documents:)`` applies what came later.
    fileprivate struct Pending {
        /// How many positions are closed years' invoices (the first ones).
        var closedCount = 0
        /// By position: the issue year of a closed year's invoice (`Int.max` for an open
        /// document), its applied amounts (credit notes first), where its credit notes end, and
        /// how many credit notes of earlier years than its own were put before its year's.
        var year: [Int]
        var firstPosition: [String: Int]
        var applied: [[Applied]]
        var creditEnd: [Int]
        var earlierCredits: [Int: Int] = [:]

        /// Nil when the closed years' invoices are not the first of `positions`, in order.
        init?(closed years: [ReceivablesYear], positions: Positions) {
            year = positions.year
            firstPosition = positions.position
            applied = Array(repeating: [], count: positions.numbers.count)
            creditEnd = Array(repeating: 0, count: positions.numbers.count)
            for closed in years {
                for invoice in closed.invoices {
                    guard closedCount < year.count, positions.numbers[closedCount] == invoice.number,
                        year[closedCount] == closed.year
                    else { return nil }
                    applied[closedCount] = invoice.applied
                    creditEnd[closedCount] = invoice.creditCount
                    closedCount += 1
                }
            }
            for position in closedCount..<year.count { year[position] = .max }
        }

        /// The credit notes in issue order, after each closed year's own: those of each closed
        /// year naming another year's invoice, then the open years' (each names an invoice of
        /// another year than its own). One of a year before its invoice's goes before that
        /// year's own notes.
        mutating func credit(closed years: [ReceivablesYear], open: [InvoiceDocument]) {
            for closed in years {
                for foreign in closed.foreignCredits {
                    guard let position = firstPosition[foreign.invoice] else { continue }
                    if closed.year < year[position] {
                        let at = earlierCredits[position, default: 0]
                        earlierCredits[position] = at + 1
                        insert(foreign.credit, at: position, index: at)
                    } else {
                        insert(foreign.credit, at: position, index: creditEnd[position])
                    }
                }
            }
            for index in open.indices where open[index].kind == .creditNote {
                let note = open[index]
                guard let named = note.precedingInvoice?.number, let position = firstPosition[named] else { continue }
                insert(
                    (note.issueDate, note.totals.grandTotalMinor, note.number), at: position, index: creditEnd[position]
                )
            }
        }

        private mutating func insert(_ credit: Applied, at position: Int, index: Int) {
            applied[position].insert(credit, at: index)
            creditEnd[position] += 1
        }

        /// The matches booked after the year of the invoice they name (those before are in its summary).
        mutating func match(_ matches: [PaymentMatch]) {
            for match in matches {
                for allocation in match.allocations {
                    guard let position = firstPosition[allocation.invoice],
                        year[position] == .max || match.bookingDate.year > year[position]
                    else { continue }
                    applied[position].append((match.bookingDate, allocation.amountMinor, match.receipt))
                }
            }
        }
    }

    /// The settled invoice at `position` named by a match of this run becomes live again, loaded
    /// from `documents`.
    fileprivate mutating func revive(_ position: Int) {
        guard let row = settledRows[position] else { return }
        settledRows[position] = nil
        live[row.number] = Item(document: documents[documentIndex[position]], applied: row.applied)
    }
}

extension Receivables {
    /// Every invoice of some documents (issue order) by position: its number, the position of each
    /// number, its index among the documents and its issue year. Built once per run and shared by
    /// ``ReceivablesYearSummary`` (which year a match's invoice is of) and
    /// ``init(closed:open:matches:documents:positions:)`` (its `order`, and where a closed year's
    /// live invoice's document is): one dictionary of 12,000 numbers at 10 years, not three.
    package struct Positions: Sendable {
        var numbers: [String] = []
        var position: [String: Int] = [:]
        var documentIndex: [Int] = []
        var year: [Int] = []

        /// Nil when a number is issued twice.
        package init?(_ documents: [InvoiceDocument]) {
            numbers.reserveCapacity(documents.count)
            position.reserveCapacity(documents.count)
            documentIndex.reserveCapacity(documents.count)
            year.reserveCapacity(documents.count)
            for index in documents.indices where documents[index].kind == .invoice {
                guard position.updateValue(numbers.count, forKey: documents[index].number) == nil else { return nil }
                numbers.append(documents[index].number)
                documentIndex.append(index)
                year.append(documents[index].issueDate.year)
            }
        }
    }
}
