/// Numbers, letters and orders accounting entries into FEC lines for a period.
///
/// `EcritureNum` is continuous per journal over the fiscal year (`VT000001`, `VT000002`…), in
/// date order, so a monthly file continues where the previous month stopped and the yearly file
/// has the same numbers.
///
/// Lettering: the 411 lines of an invoice whose 411 balance is zero at the end of the file's period
/// (counting every line of the fiscal year up to then, not only the file's) share a lettering code,
/// the invoice number, dated the day it was settled. So a payment line is lettered in the monthly
/// file of the month it is booked, exactly as in the yearly file; the invoice's own line, already
/// published in an earlier month's file, is lettered in the yearly file (a published month is
/// never rewritten for a later payment). Lines of an earlier fiscal year are not counted: the
/// yearly file holds no opening entries, so a group could not net to zero in it.
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

        let groups = letteringGroups(entries, inYear)
        let inFile = inYear.filter { entries[$0].date >= from }
        let lineCount = inFile.reduce(0) { $0 + entries[$1].lines.count }

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

    /// The 411 balance of each invoice over the given entries, and the date of its last line (the
    /// settlement day when the balance is zero).
    ///
    /// The caller passes every entry of the fiscal year up to the end of the file's period, so a
    /// monthly file letters a payment whose invoice was booked in an earlier month, like the yearly
    /// file does, and never a line settled only after its period.
    static func letteringGroups(_ entries: [AccountingEntry],
                                _ indices: [Int]) -> [String: (balance: Int64, lastDate: CivilDate)] {
        var groups: [String: (balance: Int64, lastDate: CivilDate)] = [:]
        for index in indices {
            let date = entries[index].date
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
        return groups
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
