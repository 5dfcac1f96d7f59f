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

    /// One invoice of ``Receivables/rows``: a live item or a settled row, each as it is kept.
    ///
    /// Why not a ``Row`` made of each item (performance code): the payment stage, the forecast
    /// and the dashboard each take every invoice's line; building a row of 120 bytes for each of
    /// the 12,000 live items of 10 years was 15 ms of a full pass (README, "Benchmark results"),
    /// where this costs a reference or two per invoice, as the items' array did before.
    package enum Line: ReceivableLine, Sendable {
        case live(Item)
        case settled(Row)

        package var number: String {
            switch self {
            case .live(let item): item.number
            case .settled(let row): row.number
            }
        }
        package var clientCode: String {
            switch self {
            case .live(let item): item.clientCode
            case .settled(let row): row.clientCode
            }
        }
        package var buyerName: String {
            switch self {
            case .live(let item): item.buyerName
            case .settled(let row): row.buyerName
            }
        }
        package var issueDate: CivilDate {
            switch self {
            case .live(let item): item.issueDate
            case .settled(let row): row.issueDate
            }
        }
        package var dueDate: CivilDate {
            switch self {
            case .live(let item): item.dueDate
            case .settled(let row): row.dueDate
            }
        }
        package var totalMinor: Int64 {
            switch self {
            case .live(let item): item.totalMinor
            case .settled(let row): row.totalMinor
            }
        }
        package var applied: [Applied] {
            switch self {
            case .live(let item): item.applied
            case .settled(let row): row.applied
            }
        }
        package var fromRegister: Bool {
            switch self {
            case .live(let item): item.fromRegister
            case .settled(let row): row.fromRegister
            }
        }
    }
}

extension ReceivablesYear.Invoice: ReceivableLine {
    package var fromRegister: Bool { false }
}
