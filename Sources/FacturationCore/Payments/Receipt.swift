/// A booked credit on one of the company's bank accounts: money that may pay invoices.
/// It is a ``BankLine`` with a positive amount.
package typealias Receipt = BankLine

extension BankLine {
    /// Every booked credit of the bank ledgers of `layout`, oldest first.
    package static func receipts(in layout: ArchiveLayout) throws -> [Receipt] {
        try all(in: layout).filter { $0.amountMinor > 0 }
    }

    /// The same, counting the rows left out (see ``BankLine/LeftOut``).
    package static func receipts(in layout: ArchiveLayout, leftOut: inout LeftOut) throws -> [Receipt] {
        try all(in: layout, leftOut: &leftOut).filter { $0.amountMinor > 0 }
    }
}
