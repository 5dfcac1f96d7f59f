/// A booked credit on one of the company's bank accounts: money that may pay invoices.
/// It is a ``BankLine`` with a positive amount.
public typealias Receipt = BankLine

extension BankLine {
    /// Every booked credit of the bank ledgers of `layout`, oldest first.
    public static func receipts(in layout: PipelineLayout) throws -> [Receipt] {
        try all(in: layout).filter { $0.amountMinor > 0 }
    }

    /// The same, counting the rows left out (see ``BankLine/LeftOut``).
    public static func receipts(in layout: PipelineLayout, leftOut: inout LeftOut) throws -> [Receipt] {
        try all(in: layout, leftOut: &leftOut).filter { $0.amountMinor > 0 }
    }
}
