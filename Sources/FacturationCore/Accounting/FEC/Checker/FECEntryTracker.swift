#if canImport(Glibc)
import Glibc
#endif

/// The entries of the file (JournalCode + EcritureNum) and the lettering groups, as records come:
/// FEC-32 to FEC-35, FEC-40 (opening entries first) and FEC-43, and what the numbering rules
/// (``FECNumberingRules``) read at the end.
///
/// Why one small accumulator per entry: a yearly FEC has hundreds of thousands of entries whose
/// lines must be checked together (balance, dates), but never held; each entry keeps its first
/// line, counts, sums, dates and two flags (32 bytes), its key in a ``FECKeyTable`` arena.
struct FECEntryTracker {
    struct Entry {
        var firstLine: Int
        var lines: Int32 = 0
        var debit: Int64 = 0
        var credit: Int64 = 0
        var entryDate: Int32 = 0
        var validDate: Int32 = 0
        var journal: Int32
        /// 1: a line on 120/129; 2: a line on class 6 or 7.
        var flags: UInt8 = 0
    }

    /// Keys are `JournalCode 0x1F EcritureNum`.
    let entryTable: FECKeyTable
    private(set) var entries: [Entry] = []
    private var currentEntry = -1
    private let currentKey = ByteBuffer(capacity: 64)
    private var firstNonOpeningLine = 0
    /// Keys are `CompteNum 0x1F CompAuxNum 0x1F EcritureLet`.
    private let letteringTable: FECKeyTable
    private var letteringSums: [Int64] = []
    private var letteringFirstLines: [Int] = []
    private let scratch = ByteBuffer(capacity: 256)

    /// Tables made for the `expected` size when it is known (our own export), else small.
    ///
    /// Why (performance code, fenced): grown by doubling, the tables of a FEC of 1,000,000 lines
    /// (421,899 entries) were copied about twenty times, each copy into memory the process had not
    /// touched yet: `perf record -e page-faults` put 15,600 of the checker's 32,000 page faults in
    /// those copies. Sized once, they are written once. A size that turns out short only grows
    /// again, as before; nothing a table holds depends on its capacity (`FECCheckedWriterTests`).
    init(expected: FECChecker.Options.ExpectedSize? = nil) {
        let entryCount = max(expected?.entries ?? 0, 4096)
        let groups = max(expected?.letteringGroups ?? 0, 256)
        // A key of ours: a journal code, the separator and a number (`VT` 0x1F `VT2025-000001`).
        entryTable = FECKeyTable(capacity: entryCount, keyBytes: entryCount * 16)
        letteringTable = FECKeyTable(capacity: groups, keyBytes: groups * 32)
        guard let expected else { return }
        entries.reserveCapacity(expected.entries)
        letteringSums.reserveCapacity(expected.letteringGroups)
        letteringFirstLines.reserveCapacity(expected.letteringGroups)
    }

    mutating func add(
        _ line: UnsafeRawBufferPointer, _ fields: FECRecordFields, _ values: FECLineValues,
        journal: Int, books: inout FECBookTotals, _ log: FECFindingLog
    ) {
        let (journalStart, journalEnd) = fields.range(FECField.journalCode)
        let (numberStart, numberEnd) = fields.range(FECField.entryNumber)
        scratch.removeAll()
        scratch.append(UnsafeRawBufferPointer(rebasing: line[journalStart..<journalEnd]))
        scratch.append(0x1F)
        scratch.append(UnsafeRawBufferPointer(rebasing: line[numberStart..<numberEnd]))
        let key = scratch.bytes
        // Lines of one entry follow each other: the table is searched only when the key changes.
        if currentEntry < 0 || key.count != currentKey.count
            || memcmp(key.baseAddress!, currentKey.base, key.count) != 0
        {
            let shown = { log.text(line, journalStart, journalEnd) + " " + log.text(line, numberStart, numberEnd) }
            startEntry(key, journal: journal, books: &books, shown: shown, log)
        }
        addLine(to: currentEntry, line, fields, values, log)
        addLettering(line, fields, values, log)
    }

    /// Finds or opens the entry of `key` (FEC-35 when it was seen before, FEC-40 for an opening
    /// entry after others).
    private mutating func startEntry(
        _ key: UnsafeRawBufferPointer, journal: Int, books: inout FECBookTotals,
        shown: () -> String, _ log: FECFindingLog
    ) {
        let (index, inserted) = entryTable.findOrInsert(key)
        if inserted {
            entries.append(Entry(firstLine: log.lineNumber, journal: Int32(journal)))
            if journal >= 0 {
                books.journals[journal].entries += 1
                if books.journals[journal].opening {
                    if firstNonOpeningLine != 0 {
                        log.flagHere(
                            .openingFirst, shown(),
                            "opening entry after other entries (line \(firstNonOpeningLine)): opening entries come first"
                        )
                    }
                } else if firstNonOpeningLine == 0 {
                    firstNonOpeningLine = log.lineNumber
                }
            }
        } else {
            log.flagHere(
                .entryNotContiguous, shown(),
                "this entry started on line \(entries[index].firstLine) and resumes here after other entries")
        }
        currentKey.removeAll()
        currentKey.append(key)
        currentEntry = index
    }

    /// FEC-34 (one EcritureDate and one ValidDate per entry), the entry's sums and flags.
    private mutating func addLine(
        to index: Int, _ line: UnsafeRawBufferPointer, _ fields: FECRecordFields,
        _ values: FECLineValues, _ log: FECFindingLog
    ) {
        var entry = entries[index]
        let entryDate = values.entryDate, validDate = values.validDate
        if entry.lines == 0 {
            entry.entryDate = entryDate
            entry.validDate = validDate
        } else {
            if entryDate != 0, entry.entryDate != 0, entryDate != entry.entryDate {
                log.flagHere(
                    .entryDates, String(entryDate),
                    "EcritureDate differs from the entry's first line (line \(entry.firstLine): \(entry.entryDate))")
            }
            if validDate != 0, entry.validDate != 0, validDate != entry.validDate {
                log.flagHere(
                    .entryDates, String(validDate),
                    "ValidDate differs from the entry's first line (line \(entry.firstLine): \(entry.validDate))")
            }
            if entry.entryDate == 0 { entry.entryDate = entryDate }
            if entry.validDate == 0 { entry.validDate = validDate }
        }
        entry.lines += 1
        entry.debit &+= values.debit
        entry.credit &+= values.credit
        let (accountStart, accountEnd) = fields.range(FECField.account)
        if accountEnd - accountStart >= 3, line[accountStart] == 0x31, line[accountStart + 1] == 0x32,
            line[accountStart + 2] == 0x30 || line[accountStart + 2] == 0x39
        {
            entry.flags |= 1
        }
        if accountStart < accountEnd, line[accountStart] == 0x36 || line[accountStart] == 0x37 { entry.flags |= 2 }
        entries[index] = entry
    }

    /// Adds a lettered line to its group's sum (FEC-43 at the end).
    private mutating func addLettering(
        _ line: UnsafeRawBufferPointer, _ fields: FECRecordFields, _ values: FECLineValues,
        _ log: FECFindingLog
    ) {
        let (letStart, letEnd) = fields.range(FECField.lettering)
        guard letStart < letEnd else { return }
        let (accountStart, accountEnd) = fields.range(FECField.account)
        let (auxStart, auxEnd) = fields.range(FECField.auxNumber)
        scratch.removeAll()
        scratch.append(UnsafeRawBufferPointer(rebasing: line[accountStart..<accountEnd]))
        scratch.append(0x1F)
        scratch.append(UnsafeRawBufferPointer(rebasing: line[auxStart..<auxEnd]))
        scratch.append(0x1F)
        scratch.append(UnsafeRawBufferPointer(rebasing: line[letStart..<letEnd]))
        let (index, inserted) = letteringTable.findOrInsert(scratch.bytes)
        if inserted {
            letteringSums.append(0)
            letteringFirstLines.append(log.lineNumber)
        }
        letteringSums[index] &+= values.debit &- values.credit
    }

    /// FEC-32, 33, 44 per entry and FEC-43 per lettering group, at the end of the file. An extract
    /// (`extract`: a monthly FEC) letters a payment whose invoice is in an earlier month's file,
    /// so its groups are not checked.
    func checkEntries(amountsOverflow: Bool, extract: Bool, _ log: FECFindingLog) {
        for (index, entry) in entries.enumerated() {
            let name = entryName(index, log)
            if entry.debit != entry.credit, !amountsOverflow {
                log.flag(
                    .unbalancedEntry, line: entry.firstLine, name,
                    "debit \(FECFormat.amountText(entry.debit)) ≠ credit \(FECFormat.amountText(entry.credit)) "
                        + "(difference \(FECFormat.amountText(entry.debit &- entry.credit)))")
            }
            if entry.lines == 1 {
                log.flag(.singleLineEntry, line: entry.firstLine, name, "the entry has a single line")
            }
            if entry.flags == 3 {
                log.flag(
                    .closingEntry, line: entry.firstLine, name,
                    "the entry moves class 6/7 amounts to 120/129: closing entries must not be in the FEC")
            }
        }
        for (index, sum) in letteringSums.enumerated() where sum != 0 && !extract && !amountsOverflow {
            let key = letteringTable.key(index)
            let parts = key.split(separator: 0x1F, omittingEmptySubsequences: false).map { log.decode(Array($0)) }
            let shown =
                parts.count == 3 ? "\(parts[0])\(parts[1].isEmpty ? "" : " / " + parts[1]) lettering \(parts[2])" : ""
            log.flag(
                .letteringBalance, line: letteringFirstLines[index], shown,
                "the lettered lines net to \(FECFormat.amountText(sum)), not zero (partial lettering? or an "
                    + "extract of the year whose other lines are in an earlier period: give its --period)")
        }
    }

    /// EcritureNum of an entry (its key after the separator).
    func entryNumber(_ index: Int) -> UnsafeRawBufferPointer {
        let key = entryTable.key(index)
        let separatorIndex = key.firstIndex(of: 0x1F) ?? -1
        return UnsafeRawBufferPointer(rebasing: key[(separatorIndex + 1)...])
    }

    /// `JournalCode EcritureNum`, as findings show an entry.
    func entryName(_ index: Int, _ log: FECFindingLog) -> String {
        let key = entryTable.key(index)
        let separatorIndex = key.firstIndex(of: 0x1F) ?? 0
        return log.decode(UnsafeRawBufferPointer(rebasing: key[..<separatorIndex])) + " "
            + log.decode(UnsafeRawBufferPointer(rebasing: key[(separatorIndex + 1)...]))
    }
}
