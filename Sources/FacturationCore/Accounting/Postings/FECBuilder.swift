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
package enum FECBuilder {
    package static func lines<Entries: AccountingEntryTable>(
        _ entries: Entries, from: CivilDate, to: CivilDate,
        fiscalYear: (start: CivilDate, end: CivilDate), positions: [Int]? = nil
    ) -> [FECLine] {
        let plan = plan(entries, from: from, to: to, fiscalYear: fiscalYear, positions: positions)
        var result: [FECLine] = []
        result.reserveCapacity(plan.lineCount)
        plan.forEachLine { result.append($0) }
        return result
    }

    /// The numbered, lettered and ordered file as positions into `entries`, without its lines:
    /// ``Plan/forEachLine(_:)`` makes them one at a time, so a writer can stream a yearly file
    /// (a million lines are ~330 MB as `FECLine` values, ~165 MB as bytes) in constant memory.
    ///
    /// `positions` (ascending) limits the entries looked at, e.g. to those of one fiscal year.
    package static func plan<Entries: AccountingEntryTable>(
        _ entries: Entries, from: CivilDate, to: CivilDate,
        fiscalYear: (start: CivilDate, end: CivilDate), positions: [Int]? = nil
    ) -> Plan<Entries> {
        let first = EntryDay(fiscalYear.start), last = EntryDay(min(to, fiscalYear.end)), start = EntryDay(from)
        // Positions of the entries of the fiscal year up to `to`, in the order given.
        func isInYear(_ index: Int) -> Bool {
            let day = entries.day(at: index)
            return day >= first && day <= last
        }
        let inYear = positions.map { $0.filter(isInYear) } ?? (0..<entries.count).filter(isInYear)
        // The lettering groups are made on another core while the entries are numbered and sorted:
        // each only reads the entries (a third of the plan's time each for 1,000,000 lines).
        let groups = Pending { letteringGroups(entries, inYear) }
        let numbering = Numbering(entries, inYear)
        let inFile = inYear.filter { entries.day(at: $0) >= start }
        let ordered = inFile.sorted { a, b in
            let dayA = entries.day(at: a), dayB = entries.day(at: b)
            if dayA != dayB { return dayA < dayB }
            if numbering.journalRanks[a] != numbering.journalRanks[b] {
                return numbering.journalRanks[a] < numbering.journalRanks[b]
            }
            return numbering.compareAsText
                ? numbering.number(a) < numbering.number(b)
                : numbering.sequences[a] < numbering.sequences[b]
        }
        return Plan(
            entries: entries, ordered: ordered, numbering: numbering, groups: groups.wait(),
            lineCount: inFile.reduce(0) { $0 + entries.lineCount(at: $1) })
    }

    /// A FEC ready to be written: see ``plan(_:from:to:fiscalYear:positions:)``.
    package struct Plan<Entries: AccountingEntryTable> {
        private(set) var entries: Entries
        /// Positions of the file's entries, in file order.
        let ordered: [Int]
        let numbering: Numbering
        private(set) var groups: [String: (balance: Int64, lastDay: EntryDay)]
        /// Lines of the file (header excluded).
        package let lineCount: Int

        /// Calls `body` with each line of the file, in order.
        package func forEachLine<E: Error>(_ body: (FECLine) throws(E) -> Void) throws(E) {
            for index in ordered { try lines(of: index, body) }
        }

        /// The lines of ``forEachLine(_:)``, encoded into `encoder` by the entries' table
        /// (``AccountingEntryTable/encodeLines(at:number:lettered:into:line:lineDone:)``; `lineDone`
        /// is called after each line), freeing the storage of each entry once its lines are made
        /// (``AccountingEntryTable/release(at:)``): the plan cannot be read again, and its entries
        /// are freed only where the plan is their one owner (the caller let go of its own copy).
        package mutating func drainEncoded(into encoder: FECLineEncoder, lineDone: () throws -> Void) throws {
            let lettered = LetteredInvoices(groups)
            groups = [:]  // `lettered` is their one owner
            entries.prepareRelease(of: ordered)
            var line = 2
            for index in ordered {
                try entries.encodeLines(
                    at: index, number: numbering.entryNumber(index), lettered: lettered, into: encoder, line: &line,
                    lineDone: lineDone)
                entries.release(at: index)
            }
        }

        private func lines<E: Error>(of index: Int, _ body: (FECLine) throws(E) -> Void) throws(E) {
            let entry = entries.entry(at: index)
            let number = numbering.number(index)
            for line in entry.lines {
                var lettering: String?
                var letteringDate: CivilDate?
                if let invoice = line.invoice, let group = groups[invoice], group.balance == 0 {
                    lettering = invoice
                    letteringDate = group.lastDay.date
                }
                try body(
                    FECBuilder.line(
                        of: entry, line, number: number, lettering: lettering,
                        letteringDate: letteringDate))
            }
        }
    }

    /// EcritureNum per journal, in date order: a journal rank and a sequence per entry position
    /// (the text `VT000042` is made when a line is written, not kept for every entry).
    struct Numbering {
        private(set) var codes: [String] = []
        private(set) var sequences: [Int32]
        private(set) var journalRanks: [Int32]
        /// Numbers past 999999 have more digits: compared as text then, as they always were.
        private(set) var compareAsText = false

        init<Entries: AccountingEntryTable>(_ entries: Entries, _ inYear: [Int]) {
            var byCode: [String: [Int]] = [:]
            for index in inYear { byCode[entries.journalCode(at: index), default: []].append(index) }
            sequences = [Int32](repeating: 0, count: entries.count)
            journalRanks = [Int32](repeating: 0, count: entries.count)
            codes = byCode.keys.sorted()
            // The journals are sorted each on a core (they only read the entries): the plan ran on
            // one core, its longest part this sort (1,000,000 lines: three journals of ~140,000).
            let (order, journals) = (codes, byCode)
            let journalsSorted = Parallel.map(order.count) { rank in
                journals[order[rank]]!.sorted { a, b in
                    let dayA = entries.day(at: a), dayB = entries.day(at: b)
                    if dayA != dayB { return dayA < dayB }
                    switch entries.compareTexts(a, b) {
                    case .orderedAscending: return true
                    case .orderedDescending: return false
                    case .orderedSame: return a < b
                    }
                }
            }
            for (rank, sorted) in journalsSorted.enumerated() {
                if sorted.count > 999_999 { compareAsText = true }
                for (offset, index) in sorted.enumerated() {
                    sequences[index] = Int32(offset + 1)
                    journalRanks[index] = Int32(rank)
                }
            }
        }

        /// The EcritureNum of the entry at `index` (of the fiscal year).
        func number(_ index: Int) -> String { entryNumber(index).text }

        func entryNumber(_ index: Int) -> EntryNumber {
            EntryNumber(code: codes[Int(journalRanks[index])], sequence: Int(sequences[index]))
        }
    }

    /// An EcritureNum: the journal's code, then the sequence on at least six digits.
    package struct EntryNumber {
        let code: String
        let sequence: Int

        var text: String { code + CivilDate.pad(sequence, 6) }
    }

    /// The invoices whose 411 lines are lettered (balance zero), and the day of their lettering,
    /// found from a line's invoice as bytes (``AccountingEntryTable/encodeLines(at:number:lettered:into:line:lineDone:)``).
    ///
    /// The groups are looked up by `String`, as ``Plan/forEachLine(_:)`` does (their equality is
    /// canonical equivalence, not bytes). Measured: a byte-keyed ``FECKeyTable`` of the lettered
    /// invoices cost the encoding thread more than the `String`s (its three arrays missed the
    /// cache on each of 500,000 lookups), so there is none.
    package final class LetteredInvoices {
        private let groups: [String: (balance: Int64, lastDay: EntryDay)]

        init(_ groups: [String: (balance: Int64, lastDay: EntryDay)]) { self.groups = groups }

        /// The lettering day of the invoice whose text is `utf8`, nil when it is not lettered.
        func day(_ utf8: UnsafeRawBufferPointer) -> EntryDay? {
            let group = groups[String(decoding: utf8, as: UTF8.self)]
            return group?.balance == 0 ? group?.lastDay : nil
        }
    }

    /// The 411 balance of each invoice over the given entries, and the date of its last line (the
    /// settlement day when the balance is zero).
    ///
    /// The caller passes every entry of the fiscal year up to the end of the file's period, so a
    /// monthly file letters a payment whose invoice was booked in an earlier month, like the yearly
    /// file does, and never a line settled only after its period.
    static func letteringGroups<Entries: AccountingEntryTable>(
        _ entries: Entries,
        _ indices: [Int]
    ) -> [String: (balance: Int64, lastDay: EntryDay)] {
        var groups: [String: (balance: Int64, lastDay: EntryDay)] = [:]
        for index in indices {
            let day = entries.day(at: index)
            entries.forEachInvoiceLine(at: index) { invoice, amount in
                if let group = groups.index(forKey: invoice) {
                    groups.values[group].balance += amount
                    groups.values[group].lastDay = max(groups.values[group].lastDay, day)
                } else {
                    groups[invoice] = (amount, day)
                }
            }
        }
        return groups
    }

    /// The FEC line of one line of a numbered entry (validated the day of the entry, in euros).
    package static func line(
        of entry: AccountingEntry, _ line: AccountingEntry.Line, number: String,
        lettering: String?, letteringDate: CivilDate?
    ) -> FECLine {
        FECLine(
            journalCode: entry.journal.code, journalLabel: entry.journal.label, entryNumber: number,
            entryDate: entry.date, accountNumber: line.account.number, accountLabel: line.account.label,
            auxiliaryNumber: line.auxiliary?.number, auxiliaryLabel: line.auxiliary?.label,
            pieceRef: entry.pieceRef, pieceDate: entry.pieceDate, label: entry.label,
            debitMinor: line.debitMinor, creditMinor: line.creditMinor, letteringCode: lettering,
            letteringDate: letteringDate, validationDate: entry.date, foreignAmountMinor: nil, currency: nil)
    }
}
