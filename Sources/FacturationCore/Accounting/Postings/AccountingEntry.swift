/// One balanced accounting entry before numbering: a journal, a date, a document and its lines.
public struct AccountingEntry: Sendable, Equatable {
    public var journal: AccountingSettings.Journal
    public var date: CivilDate
    public var pieceRef: String
    public var pieceDate: CivilDate
    public var label: String
    public var lines: [Line]

    public struct Line: Sendable, Equatable {
        public var account: AccountingSettings.Account
        /// The client's sub-ledger account (code, name) on 411 lines.
        public var auxiliary: (number: String, label: String)?
        public var debitMinor: Int64
        public var creditMinor: Int64
        /// The invoice a 411 line belongs to (lettering when it is settled).
        public var invoice: String?

        public static func == (lhs: Line, rhs: Line) -> Bool {
            lhs.account == rhs.account && lhs.auxiliary?.number == rhs.auxiliary?.number
                && lhs.auxiliary?.label == rhs.auxiliary?.label && lhs.debitMinor == rhs.debitMinor
                && lhs.creditMinor == rhs.creditMinor && lhs.invoice == rhs.invoice
        }
    }

    public var debitMinor: Int64 { lines.reduce(0) { $0 + $1.debitMinor } }
    public var creditMinor: Int64 { lines.reduce(0) { $0 + $1.creditMinor } }
}
