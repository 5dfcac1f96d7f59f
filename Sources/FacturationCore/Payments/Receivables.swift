/// What each client owes: issued invoices, what was applied to them (receipts, credit notes), and what stays open.
public struct Receivables: Sendable {
    public struct Item: Sendable {
        public var document: InvoiceDocument
        /// Amounts applied, with their date and source (receipt key or credit note number).
        public var applied: [(date: CivilDate, amountMinor: Int64, source: String)] = []
        public var totalMinor: Int64 { document.totals.grandTotalMinor }
        public var paidMinor: Int64 { applied.reduce(0) { $0 + $1.amountMinor } }
        public var openMinor: Int64 { totalMinor - paidMinor }
        /// The day the last payment settled it, when fully paid.
        public var settledOn: CivilDate? { openMinor <= 0 ? applied.map(\.date).max() : nil }
    }

    /// Invoices by number (credit notes are applied to the invoice they correct).
    public private(set) var items: [String: Item] = [:]
    /// Invoice numbers in issue order.
    public private(set) var order: [String] = []

    public init(issued: [InvoiceDocument]) {
        for document in issued where document.kind == .invoice {
            items[document.number] = Item(document: document)
            order.append(document.number)
        }
        for note in issued where note.kind == .creditNote {
            guard let invoice = note.precedingInvoice?.number, items[invoice] != nil else { continue }
            items[invoice]?.applied.append((note.issueDate, note.totals.grandTotalMinor, note.number))
        }
    }

    /// Applies a match's allocations.
    public mutating func apply(_ match: PaymentMatch) {
        for allocation in match.allocations where items[allocation.invoice] != nil {
            items[allocation.invoice]?.applied.append((match.bookingDate, allocation.amountMinor, match.receipt))
        }
    }

    /// Open invoices (something left to pay) issued on or before `date`, oldest first.
    public func open(on date: CivilDate, client: String? = nil) -> [Item] {
        order.compactMap { items[$0] }.filter {
            $0.openMinor > 0 && $0.document.issueDate <= date && (client == nil || $0.document.clientCode == client)
        }
    }
}
