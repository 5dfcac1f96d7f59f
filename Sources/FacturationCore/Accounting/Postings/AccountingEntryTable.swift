import Foundation

/// What ``FECBuilder`` reads of a list of accounting entries, by position: an array of
/// ``AccountingEntry``, or ``PackedEntries`` (the same entries in a few flat arrays, so that a
/// yearly FEC of a million lines does not hold a million small objects).
package protocol AccountingEntryTable {
    var count: Int { get }
    /// The entry's date, as a key that sorts like it.
    func day(at index: Int) -> EntryDay
    func date(at index: Int) -> CivilDate
    func journalCode(at index: Int) -> String
    /// The order of two entries' piece references, then labels, as `String` compares them.
    func compareTexts(_ a: Int, _ b: Int) -> ComparisonResult
    func lineCount(at index: Int) -> Int
    /// Calls `body` with the invoice and the amount (debit − credit) of each line that has an invoice.
    func forEachInvoiceLine(at index: Int, _ body: (String, Int64) -> Void)
    /// The entry itself (made on demand by a packed table).
    func entry(at index: Int) -> AccountingEntry
    /// Appends the FEC lines of the entry at `index` to `encoder`, numbered `number` and lettered
    /// from `lettered`: the bytes of ``FECBuilder/line(of:_:number:lettering:letteringDate:)``.
    /// `line` is the file's line number of the first (it is advanced past the entry's), and
    /// `lineDone` is called after each line.
    func encodeLines(
        at index: Int, number: FECBuilder.EntryNumber, lettered: FECBuilder.LetteredInvoices,
        into encoder: FECLineEncoder, line: inout Int, lineDone: () throws -> Void
    ) throws
    /// Prepares ``release(at:)``: the entries at `positions` (each once) are the only ones read
    /// from now on, each for the last time before its ``release(at:)``.
    mutating func prepareRelease(of positions: [Int])
    /// The entry at `index` will not be read again: a packed table frees the storage of the
    /// entries, lines and texts that nothing still to be read shares.
    mutating func release(at index: Int)
}

extension AccountingEntryTable {
    /// Nothing to prepare for a table that frees nothing.
    package mutating func prepareRelease(of positions: [Int]) {}
    /// Frees nothing (an array of entries is freed whole by its owner).
    package mutating func release(at index: Int) {}

    /// The entry made (``entry(at:)``), then its ``FECLine``s encoded.
    package func encodeLines(
        at index: Int, number: FECBuilder.EntryNumber, lettered: FECBuilder.LetteredInvoices,
        into encoder: FECLineEncoder, line: inout Int, lineDone: () throws -> Void
    ) throws {
        let entry = entry(at: index)
        let text = number.text
        for entryLine in entry.lines {
            var lettering: String?
            var letteringDate: CivilDate?
            if var invoice = entryLine.invoice, let day = invoice.withUTF8({ lettered.day(UnsafeRawBufferPointer($0)) })
            {
                lettering = invoice
                letteringDate = day.date
            }
            try encoder.append(
                FECBuilder.line(
                    of: entry, entryLine, number: text, lettering: lettering, letteringDate: letteringDate),
                number: line)
            line += 1
            try lineDone()
        }
    }
}

/// A day as one integer that sorts like the date (year, month and day in bits): entries are
/// sorted by it many times, and it is 4 bytes where a ``CivilDate`` is 24.
package struct EntryDay: Comparable, Hashable, Sendable {
    package let value: UInt32

    package init(_ date: CivilDate) {
        value = UInt32(date.year) << 9 | UInt32(date.month) << 5 | UInt32(date.day)
    }

    package var date: CivilDate {
        CivilDate(year: Int(value >> 9), month: Int(value >> 5 & 0xF), day: Int(value & 0x1F))!
    }

    package static func < (lhs: EntryDay, rhs: EntryDay) -> Bool { lhs.value < rhs.value }
}

extension Array: AccountingEntryTable where Element == AccountingEntry {
    package func day(at index: Int) -> EntryDay { EntryDay(self[index].date) }
    package func date(at index: Int) -> CivilDate { self[index].date }
    package func journalCode(at index: Int) -> String { self[index].journal.code }

    package func compareTexts(_ a: Int, _ b: Int) -> ComparisonResult {
        let first = self[a], second = self[b]
        if first.pieceRef != second.pieceRef {
            return first.pieceRef < second.pieceRef ? .orderedAscending : .orderedDescending
        }
        if first.label != second.label { return first.label < second.label ? .orderedAscending : .orderedDescending }
        return .orderedSame
    }

    package func lineCount(at index: Int) -> Int { self[index].lines.count }

    package func forEachInvoiceLine(at index: Int, _ body: (String, Int64) -> Void) {
        for line in self[index].lines {
            if let invoice = line.invoice { body(invoice, line.debitMinor - line.creditMinor) }
        }
    }

    package func entry(at index: Int) -> AccountingEntry { self[index] }
}
