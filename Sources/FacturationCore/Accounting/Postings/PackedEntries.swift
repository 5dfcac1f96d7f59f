import Foundation

/// Accounting entries in a few flat arrays: one 36-byte record per entry, one 32-byte record per
/// line, every text in one byte pool, journals, accounts and clients stored once each.
///
/// Why: the FEC of a fiscal year is made from every entry of the year at once (numbering and
/// lettering look at all of them). A million FEC lines are ~420,000 entries; as
/// ``AccountingEntry`` values (an array of lines each, strings for every account, client,
/// label and invoice) they held over 300 MB, packed about 80 MB. ``entry(at:)`` gives back the
/// entry as it was appended (a test checks the round trip), so the FEC is the same byte for byte.
/// The entries, lines and texts grow by fixed-size chunks (``ChunkedArray``, ``ByteTextPool``):
/// a doubling array's copy (old and new buffer alive at once) was the export's peak.
package struct PackedEntries: AccountingEntryTable {
    typealias TextRef = ByteTextPool.Ref

    struct Entry {
        var journal: UInt16
        var day: EntryDay
        var pieceDay: EntryDay
        var pieceRef: TextRef
        var label: TextRef
        var firstLine: UInt32
        var lineCount: UInt32
    }

    struct Line {
        var account: UInt16
        /// Index into `parties`, or -1.
        var auxiliary: Int32
        var invoice: TextRef
        var debitMinor: Int64
        var creditMinor: Int64
    }

    /// A client sub-account: its code and name.
    struct Party: Hashable {
        var number: String
        var label: String
    }

    private var entries = ChunkedArray<Entry>()
    private var lines = ChunkedArray<Line>()
    private var pool = ByteTextPool()
    private var journals: [AccountingSettings.Journal] = []
    private var accounts: [AccountingSettings.Account] = []
    private var parties: [Party] = []
    private var partyIndex: [Party: Int32] = [:]

    package init() {}

    package var count: Int { entries.count }

    /// Appends an entry (its position is the next one).
    package mutating func append(_ entry: AccountingEntry) {
        precondition(lines.count + entry.lines.count < Int(UInt32.max), "too many accounting lines")
        let first = UInt32(lines.count)
        for line in entry.lines {
            var auxiliary: Int32 = -1
            if let party = line.auxiliary { auxiliary = intern(Party(number: party.number, label: party.label)) }
            lines.append(
                Line(
                    account: intern(line.account), auxiliary: auxiliary,
                    invoice: line.invoice.map { pool.append($0) } ?? .none,
                    debitMinor: line.debitMinor, creditMinor: line.creditMinor))
        }
        entries.append(
            Entry(
                journal: intern(entry.journal), day: EntryDay(entry.date), pieceDay: EntryDay(entry.pieceDate),
                pieceRef: pool.append(entry.pieceRef), label: pool.append(entry.label), firstLine: first,
                lineCount: UInt32(entry.lines.count)))
    }

    // MARK: - AccountingEntryTable

    package func day(at index: Int) -> EntryDay { entries[index].day }
    package func date(at index: Int) -> CivilDate { entries[index].day.date }
    package func journalCode(at index: Int) -> String { journals[Int(entries[index].journal)].code }
    package func lineCount(at index: Int) -> Int { Int(entries[index].lineCount) }

    package func compareTexts(_ a: Int, _ b: Int) -> ComparisonResult {
        let order = pool.compare(entries[a].pieceRef, entries[b].pieceRef)
        return order != .orderedSame ? order : pool.compare(entries[a].label, entries[b].label)
    }

    package func forEachInvoiceLine(at index: Int, _ body: (String, Int64) -> Void) {
        let entry = entries[index]
        for position in Int(entry.firstLine)..<Int(entry.firstLine + entry.lineCount) {
            let line = lines[position]
            if !line.invoice.isNone { body(text(line.invoice), line.debitMinor - line.creditMinor) }
        }
    }

    package func entry(at index: Int) -> AccountingEntry {
        let entry = entries[index]
        var made: [AccountingEntry.Line] = []
        made.reserveCapacity(Int(entry.lineCount))
        for position in Int(entry.firstLine)..<Int(entry.firstLine + entry.lineCount) {
            let line = lines[position]
            let party = line.auxiliary >= 0 ? parties[Int(line.auxiliary)] : nil
            made.append(
                AccountingEntry.Line(
                    account: accounts[Int(line.account)], auxiliary: party.map { ($0.number, $0.label) },
                    debitMinor: line.debitMinor, creditMinor: line.creditMinor,
                    invoice: line.invoice.isNone ? nil : text(line.invoice)))
        }
        return AccountingEntry(
            journal: journals[Int(entry.journal)], date: entry.day.date, pieceRef: text(entry.pieceRef),
            pieceDate: entry.pieceDay.date, label: text(entry.label), lines: made)
    }

    // MARK: - Identity

    /// Appends everything a FEC line of the entry at `index` is made of (journal, dates, texts,
    /// accounts, parties, invoices, amounts), each text with its length, so that two entries give
    /// the same bytes only when they give the same lines: the content identity of a closed fiscal
    /// year (``ClosedYearFEC``).
    package func appendIdentity(at index: Int, to bytes: inout [UInt8]) {
        func number(_ value: Int64) { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        func text(_ value: String) {
            number(Int64(value.utf8.count))
            bytes.append(contentsOf: value.utf8)
        }
        func pooled(_ ref: TextRef) {
            guard !ref.isNone else { return number(-1) }
            pool.withUTF8(ref) { raw in
                number(Int64(raw.count))
                bytes.append(contentsOf: raw)
            }
        }
        let entry = entries[index]
        let journal = journals[Int(entry.journal)]
        text(journal.code)
        text(journal.label)
        number(Int64(entry.day.value))
        number(Int64(entry.pieceDay.value))
        pooled(entry.pieceRef)
        pooled(entry.label)
        number(Int64(entry.lineCount))
        for position in Int(entry.firstLine)..<Int(entry.firstLine + entry.lineCount) {
            let line = lines[position]
            let account = accounts[Int(line.account)]
            text(account.number)
            text(account.label)
            if line.auxiliary >= 0 {
                text(parties[Int(line.auxiliary)].number)
                text(parties[Int(line.auxiliary)].label)
            } else {
                number(-1)
            }
            pooled(line.invoice)
            number(line.debitMinor)
            number(line.creditMinor)
        }
    }

    // MARK: - Texts and tables

    private func text(_ ref: TextRef) -> String { pool.string(ref) }

    private mutating func intern(_ party: Party) -> Int32 {
        if let index = partyIndex[party] { return index }
        let index = Int32(parties.count)
        parties.append(party)
        partyIndex[party] = index
        return index
    }

    private mutating func intern(_ account: AccountingSettings.Account) -> UInt16 {
        if let index = accounts.lastIndex(of: account) { return UInt16(index) }
        precondition(accounts.count < Int(UInt16.max), "too many accounts")
        accounts.append(account)
        return UInt16(accounts.count - 1)
    }

    private mutating func intern(_ journal: AccountingSettings.Journal) -> UInt16 {
        if let index = journals.lastIndex(of: journal) { return UInt16(index) }
        precondition(journals.count < Int(UInt16.max), "too many journals")
        journals.append(journal)
        return UInt16(journals.count - 1)
    }
}
