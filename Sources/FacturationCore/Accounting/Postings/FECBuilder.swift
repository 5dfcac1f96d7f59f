/// Numbers, letters and orders accounting entries into FEC lines for a period.
///
/// `EcritureNum` is continuous per journal over the fiscal year (`VT000001`, `VT000002`…), in
/// date order, so a monthly file continues where the previous month stopped and the yearly file
/// has the same numbers. 411 lines of an invoice that is fully settled within the file's lines
/// share a lettering code (the invoice number) dated the day it was settled.
///
/// Entries are sorted by position (never copied until their lines are written): within a
/// journal by date, piece reference, label, then the order given; in the file by date, journal
/// code and number.
public enum FECBuilder {
    public static func lines(_ entries: [AccountingEntry], from: CivilDate, to: CivilDate,
                             fiscalYear: (start: CivilDate, end: CivilDate)) -> [FECLine] {
        let last = min(to, fiscalYear.end)
        // Positions of the entries of the fiscal year up to `to`, in the order given.
        let inYear = entries.indices.filter { entries[$0].date >= fiscalYear.start && entries[$0].date <= last }

        // Numbers per journal, in date order.
        var journals: [String: [Int]] = [:]
        for index in inYear { journals[entries[index].journal.code, default: []].append(index) }
        var numbers = [String](repeating: "", count: entries.count)
        var sequences = [Int](repeating: 0, count: entries.count)
        var journalRanks = [Int](repeating: 0, count: entries.count)
        // Numbers past 999999 have more digits: compared as text then, as they always were.
        var compareNumbersAsText = false
        let codes = journals.keys.sorted()
        for (rank, code) in codes.enumerated() {
            let sorted = journals[code]!.sorted { a, b in
                if entries[a].date != entries[b].date { return entries[a].date < entries[b].date }
                if entries[a].pieceRef != entries[b].pieceRef { return entries[a].pieceRef < entries[b].pieceRef }
                if entries[a].label != entries[b].label { return entries[a].label < entries[b].label }
                return a < b
            }
            if sorted.count > 999_999 { compareNumbersAsText = true }
            for (offset, index) in sorted.enumerated() {
                numbers[index] = code + CivilDate.pad(offset + 1, 6)
                sequences[index] = offset + 1
                journalRanks[index] = rank
            }
        }

        // Lettering: invoices whose 411 lines balance by the end of the period.
        // Only lines of this file count, so a group is lettered when it is complete in the file
        // (a monthly file does not letter a payment whose invoice is in an earlier month).
        var groups: [String: (balance: Int64, lastDate: CivilDate)] = [:]
        let inFile = inYear.filter { entries[$0].date >= from }
        var lineCount = 0
        for index in inFile {
            let date = entries[index].date
            lineCount += entries[index].lines.count
            for line in entries[index].lines {
                guard let invoice = line.invoice else { continue }
                let amount = line.debitMinor - line.creditMinor
                if let group = groups.index(forKey: invoice) {
                    groups.values[group].balance += amount
                    groups.values[group].lastDate = max(groups.values[group].lastDate, date)
                } else {
                    groups[invoice] = (amount, date)
                }
            }
        }

        let ordered = inFile.sorted { a, b in
            if entries[a].date != entries[b].date { return entries[a].date < entries[b].date }
            if journalRanks[a] != journalRanks[b] { return journalRanks[a] < journalRanks[b] }
            return compareNumbersAsText ? numbers[a] < numbers[b] : sequences[a] < sequences[b]
        }
        var result: [FECLine] = []
        result.reserveCapacity(lineCount)
        for index in ordered {
            let entry = entries[index]
            for line in entry.lines {
                var lettering: String?
                var letteringDate: CivilDate?
                if let invoice = line.invoice, let group = groups[invoice], group.balance == 0 {
                    lettering = invoice
                    letteringDate = group.lastDate
                }
                result.append(FECBuilder.line(of: entry, line, number: numbers[index], lettering: lettering,
                                              letteringDate: letteringDate))
            }
        }
        return result
    }

    /// The FEC line of one line of a numbered entry (validated the day of the entry, in euros).
    public static func line(of entry: AccountingEntry, _ line: AccountingEntry.Line, number: String,
                            lettering: String?, letteringDate: CivilDate?) -> FECLine {
        FECLine(
            journalCode: entry.journal.code, journalLabel: entry.journal.label, entryNumber: number,
            entryDate: entry.date, accountNumber: line.account.number, accountLabel: line.account.label,
            auxiliaryNumber: line.auxiliary?.number, auxiliaryLabel: line.auxiliary?.label,
            pieceRef: entry.pieceRef, pieceDate: entry.pieceDate, label: entry.label,
            debitMinor: line.debitMinor, creditMinor: line.creditMinor, letteringCode: lettering,
            letteringDate: letteringDate, validationDate: entry.date, foreignAmountMinor: nil, currency: nil)
    }
}
