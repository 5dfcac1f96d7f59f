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
    /// settled invoices of closed years are kept (``ReceivablesYearSummary``). A class, never
    /// changed once made, so that a ``Line`` naming it is one reference (see there).
    package final class Row: ReceivableLine, Sendable {
        package let number: String
        package let clientCode: String
        package let buyerName: String
        package let issueDate: CivilDate
        package let dueDate: CivilDate
        package let totalMinor: Int64
        package let applied: [Applied]
        package let fromRegister: Bool

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
    }

    /// One invoice of ``Receivables/rows``: a live item's document or a settled row, each as it
    /// is kept, and its applied amounts.
    ///
    /// Why not a ``Row`` made of each item, nor an enum of the two (performance code): the payment
    /// stage, the forecast and the dashboard read every invoice's line, DSO once per month shown;
    /// a row of 120 bytes built for each of the 12,000 live items of 10 years was 15 ms of a full
    /// pass, and an enum copied its payload (two references) at each field read, 16 ms more (README,
    /// "Benchmark results"). Here a field is one optional reference away, as an item's is.
    package struct Line: ReceivableLine, Sendable {
        /// The live item's document; nil for a settled row.
        private let storage: DocumentStorage?
        private let row: Row?
        package let applied: [Applied]

        init(_ item: Item) {
            storage = item.storage
            row = nil
            applied = item.applied
        }

        init(_ row: Row) {
            storage = nil
            self.row = row
            applied = row.applied
        }

        package var number: String { row?.number ?? storage!.document.number }
        package var clientCode: String { row?.clientCode ?? storage!.document.clientCode }
        package var buyerName: String { row?.buyerName ?? storage!.document.buyer.name }
        package var issueDate: CivilDate { row?.issueDate ?? storage!.document.issueDate }
        package var dueDate: CivilDate { row?.dueDate ?? storage!.document.dueDate }
        package var totalMinor: Int64 { row?.totalMinor ?? storage!.document.totals.grandTotalMinor }
        package var fromRegister: Bool { row?.fromRegister ?? (storage!.document.origin.type == .register) }
    }
}

extension ReceivablesYear.Invoice: ReceivableLine {
    package var fromRegister: Bool { false }
}
