/// What the readers that list every invoice read of one (invoice states, aged balances, payment
/// delays, DSO): a live ``Receivables/Item`` or a settled ``Receivables/Row`` of a closed year.
package protocol ReceivableLine {
    var number: String { get }
    var clientCode: String { get }
    var buyerName: String { get }
    var issueDate: CivilDate { get }
    var dueDate: CivilDate { get }
    var totalMinor: Int64 { get }
    /// Every credit note (in issue order), then every match (oldest first).
    var applied: [Receivables.Applied] { get }
    /// A historical invoice of the Oxygène register (``OxygeneHistory``), not one facturation issued.
    var fromRegister: Bool { get }
}

extension ReceivableLine {
    package var paidMinor: Int64 { applied.reduce(0) { $0 + $1.amountMinor } }
    package var openMinor: Int64 { totalMinor - paidMinor }
    /// The day the last payment settled it, when fully paid.
    package var settledOn: CivilDate? { openMinor <= 0 ? applied.map(\.date).max() : nil }
}

extension Receivables {
    /// An invoice as the readers that list every invoice print it, without its document: how the
    /// settled invoices of closed years are kept (``ReceivablesYearSummary``).
    package struct Row: ReceivableLine, Sendable {
        package var number: String
        package var clientCode: String
        package var buyerName: String
        package var issueDate: CivilDate
        package var dueDate: CivilDate
        package var totalMinor: Int64
        package var applied: [Applied]
        package var fromRegister: Bool

        init(_ item: Item) {
            number = item.number
            clientCode = item.clientCode
            buyerName = item.buyerName
            issueDate = item.issueDate
            dueDate = item.dueDate
            totalMinor = item.totalMinor
            applied = item.applied
            fromRegister = item.fromRegister
        }

        init(_ invoice: ReceivablesYear.Invoice, applied: [Applied]) {
            number = invoice.number
            clientCode = invoice.clientCode
            buyerName = invoice.buyerName
            issueDate = invoice.issueDate
            dueDate = invoice.dueDate
            totalMinor = invoice.totalMinor
            self.applied = applied
            fromRegister = false
        }
    }
}
