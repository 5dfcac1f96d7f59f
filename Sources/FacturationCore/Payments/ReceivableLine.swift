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

        /// The row of `line`, with `applied`.
        init(_ line: some ReceivableLine, applied: [Applied]) {
            number = line.number
            clientCode = line.clientCode
            buyerName = line.buyerName
            issueDate = line.issueDate
            dueDate = line.dueDate
            totalMinor = line.totalMinor
            self.applied = applied
            fromRegister = line.fromRegister
        }

        init(_ item: Item) { self.init(item, applied: item.applied) }
    }
}

extension ReceivablesYear.Invoice: ReceivableLine {
    /// Its credit notes, then its matches.
    package var applied: [Receivables.Applied] {
        (credits + matches).map { ($0.date, $0.amountMinor, $0.source) }
    }
    package var fromRegister: Bool { false }
}
