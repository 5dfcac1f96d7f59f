#if canImport(Glibc)
import Glibc
#endif

/// The totals of the file and of each journal, account and auxiliary account, and FEC-41/42:
/// every journal balances, each code keeps one label.
///
/// Why wrapping sums: Σ |debit| + |credit| over the file bounds every sum kept here and in
/// ``FECEntryTracker`` (file, journal, account, entry, lettering), so when it does not overflow
/// none does. The sums themselves wrap (`&+`, one instruction on the hot path); a file whose
/// amounts add up beyond 64-bit cents gets one finding instead of wrong balances, and never a crash.
struct FECBookTotals {
    /// A journal, account or auxiliary account: its first label and totals.
    struct Named {
        var label: [UInt8]
        var firstLine: Int
        var lines = 0
        var entries = 0
        var debit: Int64 = 0
        var credit: Int64 = 0
        var opening = false
    }

    static let openingJournals: Set<String> = ["AN", "ANO", "RAN", "OUV", "AO", "OUVERTURE"]

    private(set) var totalDebit: Int64 = 0
    private(set) var totalCredit: Int64 = 0
    private var amountMagnitude: Int64 = 0
    private(set) var amountsOverflow = false

    let journalTable = FECKeyTable(capacity: 16, remembersLast: true)
    var journals: [Named] = []
    let accountTable = FECKeyTable(capacity: 256)
    private(set) var accounts: [Named] = []
    private let auxTable = FECKeyTable(capacity: 256)
    private var auxiliaries: [Named] = []

    /// Adds one record; returns the index of its journal (-1 when JournalCode is empty).
    mutating func add(
        _ line: UnsafeRawBufferPointer, _ fields: FECRecordFields, _ values: FECLineValues,
        _ log: FECFindingLog
    ) -> Int {
        let debit = values.debit, credit = values.credit
        totalDebit &+= debit
        totalCredit &+= credit
        // Each amount has at most 16 digits before the mark (FEC-20), so the two magnitudes fit.
        let (magnitude, overflow) = amountMagnitude.addingReportingOverflow(
            Int64(debit.magnitude) &+ Int64(credit.magnitude))
        amountMagnitude = magnitude
        if overflow { amountsOverflow = true }

        var journalIndex = -1
        if let index = Self.named(
            FECField.journalCode, FECField.journalLabel, "JournalCode", journalTable, &journals,
            line, fields, log)
        {
            journals[index].lines += 1
            journals[index].debit &+= debit
            journals[index].credit &+= credit
            journalIndex = index
        }
        if let index = Self.named(
            FECField.account, FECField.accountLabel, "CompteNum", accountTable, &accounts,
            line, fields, log)
        {
            accounts[index].lines += 1
            accounts[index].debit &+= debit
            accounts[index].credit &+= credit
        }
        _ = Self.named(FECField.auxNumber, FECField.auxLabel, "CompAuxNum", auxTable, &auxiliaries, line, fields, log)
        return journalIndex
    }

    /// The index of the code in `keyField` (nil when empty), recording its label the first time
    /// and checking it the following times (FEC-42).
    private static func named(
        _ keyField: Int, _ labelField: Int, _ kind: String, _ table: FECKeyTable,
        _ list: inout [Named], _ line: UnsafeRawBufferPointer, _ fields: FECRecordFields,
        _ log: FECFindingLog
    ) -> Int? {
        let (keyStart, keyEnd) = fields.range(keyField)
        guard keyStart < keyEnd else { return nil }
        let (index, inserted) = table.findOrInsert(UnsafeRawBufferPointer(rebasing: line[keyStart..<keyEnd]))
        let (labelStart, labelEnd) = fields.range(labelField)
        if inserted {
            let opening =
                keyField == FECField.journalCode
                && openingJournals.contains(log.text(line, keyStart, keyEnd).uppercased())
            list.append(Named(label: Array(line[labelStart..<labelEnd]), firstLine: log.lineNumber, opening: opening))
            return index
        }
        let label = UnsafeRawBufferPointer(rebasing: line[labelStart..<labelEnd])
        let same = list[index].label.withUnsafeBytes { stored in
            stored.count == label.count
                && (label.isEmpty || memcmp(stored.baseAddress!, label.baseAddress!, label.count) == 0)
        }
        if !same {
            log.flagHere(
                .labelConsistency, log.text(line, labelStart, labelEnd),
                "\(kind) \(log.text(line, keyStart, keyEnd)) was labelled '\(log.decode(list[index].label))' "
                    + "on line \(list[index].firstLine)")
        }
        return index
    }

    /// FEC-41 at the end of the file: the file and each journal balance.
    func checkTotals(_ log: FECFindingLog) {
        if amountsOverflow {
            log.flag(
                .fileBalance, line: nil, "",
                "the amounts of this file add up beyond 92233720368547758,07, more than "
                    + "64-bit cents hold: no balance could be checked exactly (are some amounts wrong?)")
            return
        }
        if totalDebit != totalCredit {
            log.flag(
                .fileBalance, line: nil, "",
                "the file does not balance: debit \(FECFormat.amountText(totalDebit)), "
                    + "credit \(FECFormat.amountText(totalCredit)) (difference \(FECFormat.amountText(totalDebit &- totalCredit)))"
            )
        }
        for (index, journal) in journals.enumerated() where journal.debit != journal.credit {
            let code = log.decode(Array(journalTable.key(index)))
            log.flag(
                .fileBalance, line: nil, code,
                "journal \(code) does not balance: debit "
                    + "\(FECFormat.amountText(journal.debit)), credit \(FECFormat.amountText(journal.credit))")
        }
    }

    /// The account totals for the report, sorted by number, with the result (classes 6 and 7)
    /// and the balance of VAT on receipts (44574).
    func accountTotals(_ log: FECFindingLog) -> (totals: [FECCheckReport.AccountTotal], result: Int64, vat: Int64) {
        var accountTotals: [(key: [UInt8], total: FECCheckReport.AccountTotal)] = []
        var result: Int64 = 0
        var vat: Int64 = 0
        for (index, account) in accounts.enumerated() {
            let key = Array(accountTable.key(index))
            if let first = key.first, first == 0x36 || first == 0x37 { result &+= account.credit &- account.debit }
            if key.starts(with: [0x34, 0x34, 0x35, 0x37, 0x34]) { vat &+= account.credit &- account.debit }
            accountTotals.append(
                (
                    key,
                    FECCheckReport.AccountTotal(
                        number: log.decode(key), label: log.decode(account.label), lines: account.lines,
                        debitMinor: account.debit, creditMinor: account.credit)
                ))
        }
        accountTotals.sort { $0.key.lexicographicallyPrecedes($1.key) }
        return (accountTotals.map(\.total), result, vat)
    }

    func journalTotals(_ log: FECFindingLog) -> [FECCheckReport.JournalTotal] {
        journals.enumerated().map { index, journal in
            FECCheckReport.JournalTotal(
                code: log.decode(Array(journalTable.key(index))), label: log.decode(journal.label),
                lines: journal.lines, entries: journal.entries,
                debitMinor: journal.debit, creditMinor: journal.credit)
        }
    }
}
