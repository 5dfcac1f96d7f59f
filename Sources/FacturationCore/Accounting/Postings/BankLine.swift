/// A booked bank transaction as the accounts see it: signed amount, date, reference, texts.
public struct BankLine: Sendable, Equatable {
    public var key: String
    public var bookingDate: CivilDate
    /// Positive for money in, negative for money out.
    public var amountMinor: Int64
    public var counterpartyName: String
    public var counterpartyIBAN: String
    public var label: String
    public var remittance: String
    public var transactionID: String

    /// Every booked transaction of the bank ledgers of `layout`, oldest first.
    public static func all(in layout: PipelineLayout) throws -> [BankLine] {
        var ignored = 0
        return try all(in: layout, outOfBounds: &ignored)
    }

    /// Every booked transaction, counting in `outOfBounds` the rows left out because their amount
    /// or date is beyond what any import accepts today (``ImportBounds``): ledgers written before
    /// imports were bounded may hold them, and they would overflow every sum they enter.
    public static func all(in layout: PipelineLayout, outOfBounds: inout Int) throws -> [BankLine] {
        let folder = Path.join(layout.ledgers, LedgerKind.bankTransactions.rawValue)
        var lines: [BankLine] = []
        var ignored = 0
        for name in try Storage.listIfPresent(folder).sorted()
        where name.hasSuffix(".csv") && name != LedgerKind.pendingPartition + ".csv" {
            try LedgerFile.forEachRow(path: Path.join(folder, name), header: LedgerKind.bankTransactions.columns) { fields in
                func text(_ column: BankColumn) -> String { String(decoding: fields[column.index], as: UTF8.self) }
                guard text(.status) == "booked", let amount = Int64(text(.amountMinor)), amount != 0,
                      let date = CivilDate(iso: text(.bookingDate)) else { return }
                if ImportBounds.problem(amountMinor: amount, scale: 2) != nil || ImportBounds.problem(date: date) != nil {
                    ignored += 1
                    return
                }
                lines.append(BankLine(
                    key: text(.recordKey), bookingDate: date, amountMinor: amount,
                    counterpartyName: text(.counterpartyName), counterpartyIBAN: text(.counterpartyIBAN),
                    label: text(.label), remittance: text(.remittanceInfo), transactionID: text(.sourceTxnID)))
            }
        }
        outOfBounds = ignored
        return lines.sorted { ($0.bookingDate, $0.key) < ($1.bookingDate, $1.key) }
    }

    /// The document reference of the bank operation (its transaction id, else its key).
    public var pieceRef: String {
        let reference = transactionID.isEmpty ? String(key.split(separator: ":").last ?? "") : transactionID
        return String(reference.prefix(40))
    }
}
