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
    /// What ``release(at:)`` has still to see per chunk, set by ``prepareRelease(of:)``.
    private var pending: PendingReads?

    package init() {}

    /// Chunks of 2^`entryShift` entries, 2^`lineShift` lines and 2^`textShift` bytes of texts
    /// (tests use small ones, so that entries span many chunks).
    package init(entryShift: Int, lineShift: Int, textShift: Int) {
        entries = ChunkedArray(chunkShift: entryShift)
        lines = ChunkedArray(chunkShift: lineShift)
        pool = ByteTextPool(chunkShift: textShift)
    }

    /// Chunks of entries, lines and texts not freed by ``release(at:)``.
    package var heldChunks: Int { entries.heldChunks + lines.heldChunks + pool.heldChunks }

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

    /// Encodes the entry's lines from the packed texts and tables, without making the entry, its
    /// lines or their strings (see ``FECLineEncoder/appendPair(_:_:number:_:)`` why): the fields
    /// of ``FECBuilder/line(of:_:number:lettering:letteringDate:)``, in its order, each text
    /// sanitised from the same bytes its `String` has (`FECCheckedWriterTests`).
    package func encodeLines(
        at index: Int, number: FECBuilder.EntryNumber, lettered: FECBuilder.LetteredInvoices,
        into encoder: FECLineEncoder, line lineNumber: inout Int, lineDone: () throws -> Void
    ) throws {
        let entry = entries[index]
        for position in Int(entry.firstLine)..<Int(entry.firstLine + entry.lineCount) {
            let line = lines[position]
            let current = lineNumber
            try encoder.appendLine { () throws(FECWriter.UnencodableCharacter) in
                let journal = Int(entry.journal), account = Int(line.account)
                try encoder.appendPair(.journal, journal, number: current) {
                    (journals[journal].code, journals[journal].label)
                }
                try encoder.entryNumber(number, current)
                encoder.date(entry.day)
                try encoder.appendPair(.account, account, number: current) {
                    (accounts[account].number, accounts[account].label)
                }
                if line.auxiliary >= 0 {
                    let party = Int(line.auxiliary)
                    try encoder.appendPair(.auxiliary, party, number: current) {
                        (parties[party].number, parties[party].label)
                    }
                } else {
                    encoder.empty()
                    encoder.empty()
                }
                try field(entry.pieceRef, 8, current, encoder)
                encoder.date(entry.pieceDay)
                try field(entry.label, 10, current, encoder)
                encoder.amount(line.debitMinor)
                encoder.amount(line.creditMinor)
                try lettering(line.invoice, lettered, current, encoder)
                encoder.date(entry.day)  // ValidDate: the day of the entry
                encoder.empty()  // Montantdevise
                encoder.empty()  // Idevise
            }
            lineNumber += 1
            try lineDone()
        }
    }

    private func field(
        _ ref: TextRef, _ column: Int, _ number: Int, _ encoder: FECLineEncoder
    ) throws(FECWriter.UnencodableCharacter) {
        let failure = pool.withUTF8(ref) { utf8 -> FECWriter.UnencodableCharacter? in
            do throws(FECWriter.UnencodableCharacter) {
                try encoder.field(utf8, column, number)
                return nil
            } catch { return error }
        }
        if let failure { throw failure }
    }

    /// EcritureLet and DateLet: the invoice and its settlement day when its group is lettered.
    private func lettering(
        _ invoice: TextRef, _ lettered: FECBuilder.LetteredInvoices, _ number: Int, _ encoder: FECLineEncoder
    ) throws(FECWriter.UnencodableCharacter) {
        guard !invoice.isNone, let day = pool.withUTF8(invoice, { lettered.day($0) }) else {
            encoder.empty()
            encoder.empty()
            return
        }
        try field(invoice, 13, number, encoder)
        encoder.date(day)
    }

    // MARK: - Release as written

    /// Per chunk of the entries, the lines and the texts: how many reads of it are still to come.
    ///
    /// Why: the yearly FEC is checked while it is written (``FECCheckedWriter``), so the checker's
    /// tables grow while the entries (about 80 MB for a million lines) are still held. The file
    /// reads each entry once, in date order, which is nearly the order they were appended in (the
    /// sales, then the bank lines, each by date): a chunk whose every entry, line and text was read
    /// is freed then, and the checker's growth reuses the memory. Only positions counted here are
    /// read afterwards; reading any other of a freed chunk stops the program (never wrong bytes).
    struct PendingReads {
        var entries: [Int32]
        var lines: [Int32]
        var texts: [Int32]
        /// Chunks freed since the free pages were last given back (``FreePages``).
        var freedSinceTrim = 0
    }

    /// Chunks (about 1 MiB each) freed between two ``FreePages/release()``: the checker's tables
    /// reuse freed chunks only where they lie side by side; the pages of the others go back to
    /// the system, so that they do not count twice in the peak.
    static let chunksPerTrim = 8

    package mutating func prepareRelease(of positions: [Int]) {
        var reads = PendingReads(
            entries: Array(repeating: 0, count: self.entries.chunk(of: max(0, count - 1)) + 1),
            lines: Array(repeating: 0, count: lines.chunk(of: max(0, lines.count - 1)) + 1), texts: [])
        for index in positions {
            forEachChunk(at: index) { kind, chunk in
                switch kind {
                case .entry: reads.entries[chunk] += 1
                case .line: reads.lines[chunk] += 1
                case .text:
                    if chunk >= reads.texts.count {
                        reads.texts += Array(repeating: 0, count: chunk + 1 - reads.texts.count)
                    }
                    reads.texts[chunk] += 1
                }
            }
        }
        pending = reads
    }

    package mutating func release(at index: Int) {
        guard var reads = pending else { return }
        pending = nil  // `reads` is then the only owner of the counts: no copy when they change
        var freed: [(ChunkKind, Int)] = []
        forEachChunk(at: index) { kind, chunk in
            func done(_ count: inout Int32) {
                count -= 1
                if count == 0 { freed.append((kind, chunk)) }
            }
            switch kind {
            case .entry: done(&reads.entries[chunk])
            case .line: done(&reads.lines[chunk])
            case .text: done(&reads.texts[chunk])
            }
        }
        guard !freed.isEmpty else {
            pending = reads
            return
        }
        for (kind, chunk) in freed {
            switch kind {
            case .entry: entries.freeChunk(chunk)
            case .line: lines.freeChunk(chunk)
            case .text: pool.freeChunk(chunk)
            }
        }
        reads.freedSinceTrim += freed.count
        if reads.freedSinceTrim >= Self.chunksPerTrim {
            reads.freedSinceTrim = 0
            FreePages.release()
        }
        pending = reads
    }

    enum ChunkKind { case entry, line, text }

    /// Calls `body` with the chunk of the entry at `index`, of each of its lines, and of each of
    /// its texts (piece reference, label, the lines' invoices), once per use.
    private func forEachChunk(at index: Int, _ body: (ChunkKind, Int) -> Void) {
        let entry = entries[index]
        body(.entry, entries.chunk(of: index))
        if let chunk = pool.chunk(of: entry.pieceRef) { body(.text, chunk) }
        if let chunk = pool.chunk(of: entry.label) { body(.text, chunk) }
        for position in Int(entry.firstLine)..<Int(entry.firstLine + entry.lineCount) {
            body(.line, lines.chunk(of: position))
            if let chunk = pool.chunk(of: lines[position].invoice) { body(.text, chunk) }
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
