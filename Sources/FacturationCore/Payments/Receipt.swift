/// A booked credit on one of the company's bank accounts: money that may pay invoices.
public struct Receipt: Sendable, Equatable {
    /// The bank ledger's `record_key` (stable across exports).
    public var key: String
    public var bookingDate: CivilDate
    public var amountMinor: Int64
    public var counterpartyName: String
    public var counterpartyIBAN: String
    public var label: String
    public var remittance: String
    public var transactionID: String

    /// Every booked credit of the bank ledgers of `layout`, oldest first.
    public static func all(in layout: PipelineLayout) throws -> [Receipt] {
        try BankLine.all(in: layout).filter { $0.amountMinor > 0 }.map {
            Receipt(key: $0.key, bookingDate: $0.bookingDate, amountMinor: $0.amountMinor,
                    counterpartyName: $0.counterpartyName, counterpartyIBAN: $0.counterpartyIBAN,
                    label: $0.label, remittance: $0.remittance, transactionID: $0.transactionID)
        }
    }
}
