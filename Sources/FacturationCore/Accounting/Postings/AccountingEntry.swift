/// One balanced accounting entry before numbering: a journal, a date, a document and its lines.
package struct AccountingEntry: Sendable, Equatable {
    package var journal: AccountingSettings.Journal
    package var date: CivilDate
    package var pieceRef: String
    package var pieceDate: CivilDate
    package var label: String
    package var lines: [Line]

    package struct Line: Sendable, Equatable {
        package var account: AccountingSettings.Account
        /// The client's sub-ledger account (code, name) on 411 lines.
        package var auxiliary: (number: String, label: String)?
        package var debitMinor: Int64
        package var creditMinor: Int64
        /// The invoice a 411 line belongs to (lettering when it is settled).
        package var invoice: String?

        package static func == (lhs: Line, rhs: Line) -> Bool {
            lhs.account == rhs.account && lhs.auxiliary?.number == rhs.auxiliary?.number
                && lhs.auxiliary?.label == rhs.auxiliary?.label && lhs.debitMinor == rhs.debitMinor
                && lhs.creditMinor == rhs.creditMinor && lhs.invoice == rhs.invoice
        }
    }

    package var debitMinor: Int64 { lines.reduce(0) { $0 + $1.debitMinor } }
    package var creditMinor: Int64 { lines.reduce(0) { $0 + $1.creditMinor } }
}
