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
        let folder = Path.join(layout.ledgers, LedgerKind.bankTransactions.rawValue)
        var receipts: [Receipt] = []
        for name in try Storage.listIfPresent(folder).sorted()
        where name.hasSuffix(".csv") && name != LedgerKind.pendingPartition + ".csv" {
            try LedgerFile.forEachRow(path: Path.join(folder, name), header: LedgerKind.bankTransactions.columns) { fields in
                func text(_ column: BankColumn) -> String { String(decoding: fields[column.index], as: UTF8.self) }
                guard text(.direction) == "credit", text(.status) == "booked",
                      let amount = Int64(text(.amountMinor)), amount > 0,
                      let date = CivilDate(iso: text(.bookingDate)) else { return }
                receipts.append(Receipt(
                    key: text(.recordKey), bookingDate: date, amountMinor: amount,
                    counterpartyName: text(.counterpartyName), counterpartyIBAN: text(.counterpartyIBAN),
                    label: text(.label), remittance: text(.remittanceInfo), transactionID: text(.sourceTxnID)))
            }
        }
        return receipts.sorted { ($0.bookingDate, $0.key) < ($1.bookingDate, $1.key) }
    }
}
