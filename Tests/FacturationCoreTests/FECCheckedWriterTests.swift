import Foundation
import Testing

@testable import FacturationCore

/// The streamed export (FECBuilder.plan + FECCheckedWriter) against the in-memory one it replaced
/// (FECBuilder.lines + FECWriter.bytes + FECChecker.check(bytes:)): the same bytes and the same
/// report, across several 1 MiB chunks, for a yearly file, an extract, and both formats.
@Suite("FEC streamed export")
struct FECCheckedWriterTests {
    static let year = (start: FECTests.day("20250101"), end: FECTests.day("20251231"))

    /// 6,000 invoices (two lines each) over the year and the payment of most of them (~2.4 MB,
    /// so the writer's buffer is fed to the checker and the file several times); labels with
    /// accents and an en dash (which ISO-8859-15 writes as its ASCII substitute), so the Latin-9 file
    /// differs from the UTF-8 one.
    static var entries: [AccountingEntry] {
        let settings = AccountingSettings()
        var entries: [AccountingEntry] = []
        for index in 0..<6_000 {
            let date = FECTests.day("20250101").adding(days: index % 360)
            let number = "F\(100_000 + index)"
            let total = Int64(10_000 + index * 7)
            let client = "C\(index % 300)"
            entries.append(
                AccountingEntry(
                    journal: settings.sales, date: date, pieceRef: number, pieceDate: date,
                    label: "Facture \(number) – été",
                    lines: [
                        .init(
                            account: settings.clients, auxiliary: (client, "Client \(client) Sàrl"), debitMinor: total,
                            creditMinor: 0, invoice: number),
                        .init(
                            account: settings.revenue, auxiliary: nil, debitMinor: 0, creditMinor: total, invoice: nil),
                    ]))
            guard index % 5 != 0 else { continue }
            let paid = date.adding(days: 3)
            entries.append(
                AccountingEntry(
                    journal: settings.bank, date: paid, pieceRef: "VIR-\(number)", pieceDate: paid,
                    label: "Règlement \(number)",
                    lines: [
                        .init(
                            account: settings.bankAccount, auxiliary: nil, debitMinor: total, creditMinor: 0,
                            invoice: nil),
                        .init(
                            account: settings.clients, auxiliary: (client, "Client \(client) Sàrl"), debitMinor: 0,
                            creditMinor: total, invoice: number),
                    ]))
        }
        return entries
    }

    static func compare(from: CivilDate, to: CivilDate, format: FECFormat) throws {
        let entries = Self.entries
        let options = FECChecker.Options(
            fileName: "123456782FEC20251231.txt", fiscalYearStart: year.start,
            closingDate: year.end, period: from == year.start && to == year.end ? nil : from...to,
            ownExport: true)
        let expected = try FECWriter.bytes(
            FECBuilder.lines(entries, from: from, to: to, fiscalYear: year), format: format)
        let expectedReport = FECChecker.check(bytes: expected, options: options)

        let folder = NSTemporaryDirectory() + "fec-stream-\(UUID().uuidString)"
        try Storage.makeDirectory(folder)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let output = try OutputFile(directory: folder)
        let plan = FECBuilder.plan(entries, from: from, to: to, fiscalYear: year)
        let result = try FECCheckedWriter.write(plan, format: format, options: options, to: output)
        try output.commit(to: Path.join(folder, "fec.txt"))

        #expect(expected.count > 2 * FECCheckedWriter.chunkSize)
        #expect(try Storage.read(Path.join(folder, "fec.txt")) == expected)
        #expect(result.byteCount == Int64(expected.count))
        #expect(plan.lineCount == expectedReport.lines)
        #expect(result.report == expectedReport)
        #expect(result.report.isValid)
    }

    @Test func theYearlyFileIsTheSameStreamed() throws {
        try Self.compare(from: Self.year.start, to: Self.year.end, format: FECFormat())
    }

    /// The plan of packed entries (in small chunks) that it owns alone, as the `fec` command's.
    static func packedPlan(
        _ entries: [AccountingEntry], from: CivilDate, to: CivilDate
    ) -> FECBuilder.Plan<PackedEntries> {
        var packed = PackedEntries(entryShift: 6, lineShift: 7, textShift: 10)
        for entry in entries { packed.append(entry) }
        return FECBuilder.plan(packed, from: from, to: to, fiscalYear: year)
    }

    /// The `fec` command's way: the plan is the packed entries' only owner and frees them as it
    /// writes (small chunks, so that many are freed on the way); the bytes and the report are
    /// those of the entries written and checked in memory.
    @Test func packedEntriesFreedAsWrittenMakeTheSameFile() throws {
        let entries = Self.entries
        for (from, to, format) in [
            (Self.year.start, Self.year.end, FECFormat()),
            (FECTests.day("20250301"), FECTests.day("20251130"), FECFormat(separator: .tab, encoding: .iso8859_15)),
        ] {
            let options = FECChecker.Options(
                fileName: "123456782FEC20251231.txt", fiscalYearStart: Self.year.start,
                closingDate: Self.year.end, period: from == Self.year.start && to == Self.year.end ? nil : from...to,
                ownExport: true)
            let expected = try FECWriter.bytes(
                FECBuilder.lines(entries, from: from, to: to, fiscalYear: Self.year), format: format)
            let plan = Self.packedPlan(entries, from: from, to: to)
            let folder = NSTemporaryDirectory() + "fec-drain-\(UUID().uuidString)"
            try Storage.makeDirectory(folder)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let output = try OutputFile(directory: folder)
            let result = try FECCheckedWriter.write(plan, format: format, options: options, to: output)
            try output.commit(to: Path.join(folder, "fec.txt"))
            #expect(expected.count > 2 * FECCheckedWriter.chunkSize)
            #expect(try Storage.read(Path.join(folder, "fec.txt")) == expected)
            #expect(result.report == FECChecker.check(bytes: expected, options: options))
            #expect(result.report.isValid)
        }
    }

    @Test func anExtractInLatin9WithTabsIsTheSameStreamed() throws {
        try Self.compare(
            from: FECTests.day("20250301"), to: FECTests.day("20251130"),
            format: FECFormat(separator: .tab, encoding: .iso8859_15))
    }

    /// The checker's tables made for the size the writer expects (``FECChecker/Options/expected``):
    /// the same report whether the size is unknown, short (the tables grow) or right, for a valid
    /// file and for one with findings on its entries and lettering groups.
    @Test func theExpectedSizeChangesNoReport() throws {
        let entries = Self.entries
        let valid = try FECWriter.bytes(
            FECBuilder.lines(entries, from: Self.year.start, to: Self.year.end, fiscalYear: Self.year),
            format: FECFormat())
        let lines = valid.split(separator: 0x0A)
        let separator = lines[0].contains(0x09) ? UInt8(0x09) : UInt8(ascii: "|")
        // A lettered record (EcritureLet, field 14) again at the end: an entry resumed and
        // unbalanced, its lettering group too.
        let lettered = try #require(
            lines.dropFirst().first { $0.split(separator: separator, omittingEmptySubsequences: false)[13].count > 0 })
        let damaged = valid + lettered + [0x0A]
        let options = FECChecker.Options(
            fileName: "123456782FEC20251231.txt", fiscalYearStart: Self.year.start, closingDate: Self.year.end,
            ownExport: true)
        for bytes in [valid, damaged] {
            let unknown = FECChecker.check(bytes: bytes, options: options)
            for size in [(1, 1), (entries.count / 3, 10), (entries.count, 6_000), (100_000, 100_000)] {
                var sized = options
                sized.expected = FECChecker.Options.ExpectedSize(entries: size.0, letteringGroups: size.1)
                #expect(FECChecker.check(bytes: bytes, options: sized) == unknown, "\(size)")
            }
            #expect(unknown.isValid == (bytes == valid))
            #expect(unknown.findings.contains { $0.rule == FECRule.letteringBalance.rawValue } == (bytes == damaged))
        }
    }

    /// The numbering scheme among thousands of entries (``FECNumberingRules`` keeps its own set
    /// of the numbers): global while each EcritureNum is one journal's, per journal once an
    /// entry of the bank journal takes a number of the sales journal.
    @Test func aNumberOfTwoJournalsIsFoundAmongThousands() throws {
        let valid = try FECWriter.bytes(
            FECBuilder.lines(Self.entries, from: Self.year.start, to: Self.year.end, fiscalYear: Self.year),
            format: FECFormat())
        let options = FECChecker.Options(
            fileName: "123456782FEC20251231.txt", fiscalYearStart: Self.year.start, closingDate: Self.year.end,
            ownExport: true)
        let global = FECChecker.check(bytes: valid, options: options)
        #expect(global.numbering == "global" && global.entries > 10_000)
        let lines = String(decoding: valid, as: UTF8.self).components(separatedBy: "\r\n").filter { !$0.isEmpty }
        let shared = lines.suffix(2).map { line in
            var fields = line.components(separatedBy: "|")
            (fields[0], fields[1], fields[2]) = ("BQ", "Banque", "VT004321")
            return fields.joined(separator: "|") + "\r\n"
        }
        let perJournal = FECChecker.check(bytes: valid + Array(shared.joined().utf8), options: options)
        #expect(perJournal.numbering == "per journal")
    }

    /// Entries whose texts the writer changes: separators, tabs, line breaks, C0 and C1 controls,
    /// leading and trailing spaces, characters ISO-8859-15 has no byte for, a journal code with a
    /// space and a `|`; the six `invoices` lettered but the last (never paid).
    static func oddEntries(invoices: [String]) -> [AccountingEntry] {
        let settings = AccountingSettings()
        let journals = [
            AccountingSettings.Journal(code: " V|T ", label: "Ventes\t été\r\n"), settings.bank,
            AccountingSettings.Journal(code: "OD", label: "  Opérations  diverses → "),
        ]
        let accounts = [
            settings.clients, AccountingSettings.Account(number: "706000", label: "Prestations | \u{85}services "),
        ]
        let texts = [
            "", " ", "Facture\tn°|1 ", "  €uro ☃ ‘x’ \u{7F}", "Réglé\r\nlà\u{1}", "plain text", "é" + "\u{301}",
        ]
        var entries: [AccountingEntry] = []
        for index in 0..<3_000 {
            let date = FECTests.day("20250101").adding(days: index % 365)
            let invoice = invoices[index % invoices.count]
            // F3 is left unpaid: never lettered. The others net to zero.
            let amount = Int64(index % invoices.count == 5 ? 1_000 + index : 500)
            let debit = (index / invoices.count) % 2 == 0
            let client = (texts[index % texts.count] + "C\(index % 40)", texts[(index / 7) % texts.count] + " Client")
            entries.append(
                AccountingEntry(
                    journal: journals[index % journals.count], date: date, pieceRef: texts[(index + 1) % texts.count],
                    pieceDate: date.adding(days: -(index % 3)), label: texts[(index + 2) % texts.count] + "\(index)",
                    lines: [
                        .init(
                            account: accounts[0], auxiliary: client, debitMinor: debit ? amount : 0,
                            creditMinor: debit ? 0 : amount, invoice: invoice),
                        .init(
                            account: accounts[1], auxiliary: nil, debitMinor: debit ? 0 : amount,
                            creditMinor: debit ? amount : 0, invoice: nil),
                    ]))
        }
        return entries
    }

    /// The `fec` command's encoding from packed entries (their bytes, no `String` or `FECLine` per
    /// line: ``PackedEntries/encodeLines(at:number:lettered:into:line:lineDone:)``) writes the
    /// bytes of the lines made from the same entries, in both formats, for texts the writer
    /// sanitises and invoices lettered as strings compare: `K` and the Kelvin sign are one
    /// lettering group, whether its first invoice (its key) is the ASCII one or not.
    @Test func packedEntriesEncodeOddTextsAsTheirLines() throws {
        for (invoices, format) in [
            (["F1", "FK1", "F\u{212A}1", "F|4", "F 2 ", "F3"], FECFormat()),
            (["F1", "F\u{212A}1", "FK1", "F-é", "F 2 ", "F3"], FECFormat()),
            (["F1", "FK1", "F\u{212A}1", "F-é", "F 2 ", "F3"], FECFormat(separator: .tab, encoding: .iso8859_15)),
        ] {
            let entries = Self.oddEntries(invoices: invoices)
            let expected = try FECWriter.bytes(
                FECBuilder.lines(entries, from: Self.year.start, to: Self.year.end, fiscalYear: Self.year),
                format: format)
            let folder = NSTemporaryDirectory() + "fec-odd-\(UUID().uuidString)"
            try Storage.makeDirectory(folder)
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let output = try OutputFile(directory: folder)
            let options = FECChecker.Options(
                fileName: "123456782FEC20251231.txt", fiscalYearStart: Self.year.start, closingDate: Self.year.end,
                ownExport: true)
            _ = try FECCheckedWriter.write(
                Self.packedPlan(entries, from: Self.year.start, to: Self.year.end), format: format, options: options,
                to: output)
            try output.commit(to: Path.join(folder, "fec.txt"))
            let written = try Storage.read(Path.join(folder, "fec.txt"))
            #expect(written == expected)
            // Lettered lines are there (every group but F3's nets to zero), F3's are not.
            let text = String(decoding: written, as: UTF8.self)
            #expect(text.contains("F1") && !text.contains("F3\(format.separator == .tab ? "\t" : "|")2025"))
        }
    }
}
