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
}
