/// Numbers, letters and orders accounting entries into FEC lines for a period.
///
/// `EcritureNum` is continuous per journal over the fiscal year (`VT000001`, `VT000002`…), in
/// date order, so a monthly file continues where the previous month stopped and the yearly file
/// has the same numbers. 411 lines of an invoice that is fully settled within the file's lines
/// share a lettering code (the invoice number) dated the day it was settled.
public enum FECBuilder {
    public static func lines(_ entries: [AccountingEntry], from: CivilDate, to: CivilDate,
                             fiscalYear: (start: CivilDate, end: CivilDate)) -> [FECLine] {
        let inYear = entries.filter { $0.date >= fiscalYear.start && $0.date <= min(to, fiscalYear.end) }
        // Numbers per journal, in date order.
        var numbered: [(entry: AccountingEntry, number: String)] = []
        for (code, group) in Dictionary(grouping: inYear, by: \.journal.code) {
            let sorted = group.sorted { ($0.date, $0.pieceRef, $0.label) < ($1.date, $1.pieceRef, $1.label) }
            for (index, entry) in sorted.enumerated() {
                numbered.append((entry, code + CivilDate.pad(index + 1, 6)))
            }
        }
        // Lettering: invoices whose 411 lines balance by the end of the period.
        var balance: [String: Int64] = [:]
        var lastDate: [String: CivilDate] = [:]
        // Only lines of this file count, so a group is lettered when it is complete in the file
        // (a monthly file does not letter a payment whose invoice is in an earlier month).
        for entry in inYear where entry.date >= from {
            for line in entry.lines {
                guard let invoice = line.invoice else { continue }
                balance[invoice, default: 0] += line.debitMinor - line.creditMinor
                lastDate[invoice] = max(lastDate[invoice] ?? entry.date, entry.date)
            }
        }
        var result: [FECLine] = []
        let ordered = numbered.sorted {
            ($0.entry.date, $0.entry.journal.code, $0.number) < ($1.entry.date, $1.entry.journal.code, $1.number)
        }
        for (entry, number) in ordered where entry.date >= from {
            for line in entry.lines {
                var lettering: String?
                var letteringDate: CivilDate?
                if let invoice = line.invoice, balance[invoice] == 0 {
                    lettering = invoice
                    letteringDate = lastDate[invoice]
                }
                result.append(FECLine(
                    journalCode: entry.journal.code, journalLabel: entry.journal.label, entryNumber: number,
                    entryDate: entry.date, accountNumber: line.account.number, accountLabel: line.account.label,
                    auxiliaryNumber: line.auxiliary?.number, auxiliaryLabel: line.auxiliary?.label,
                    pieceRef: entry.pieceRef, pieceDate: entry.pieceDate, label: entry.label,
                    debitMinor: line.debitMinor, creditMinor: line.creditMinor, letteringCode: lettering,
                    letteringDate: letteringDate, validationDate: entry.date, foreignAmountMinor: nil, currency: nil))
            }
        }
        return result
    }
}
