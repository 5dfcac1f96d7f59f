/// A booked credit on one of the company's bank accounts: money that may pay invoices.
/// It is a ``BankLine`` with a positive amount.
public typealias Receipt = BankLine

extension BankLine {
    /// Every booked credit of the bank ledgers of `layout`, oldest first.
    public static func receipts(in layout: PipelineLayout) throws -> [Receipt] {
        try all(in: layout).filter { $0.amountMinor > 0 }
    }

    /// The same, counting the rows left out as beyond the import bounds (see ``all(in:outOfBounds:)``).
    public static func receipts(in layout: PipelineLayout, outOfBounds: inout Int) throws -> [Receipt] {
        try all(in: layout, outOfBounds: &outOfBounds).filter { $0.amountMinor > 0 }
    }
}
