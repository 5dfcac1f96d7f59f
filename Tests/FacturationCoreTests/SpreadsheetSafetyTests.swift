import Foundation
import Testing

@testable import FacturationCore

/// Formula injection (OWASP "CSV injection"): the guard of ``CSVLineBuilder`` and its exact undo
/// by the readers of our own files; the XLSX reports.
@Suite("Spreadsheet safety")
struct SpreadsheetSafetyTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "facturation-sheets-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    private func line(_ build: (inout CSVLineBuilder) -> Void) -> String {
        var builder = CSVLineBuilder()
        build(&builder)
        builder.endLine()
        return String(decoding: builder.bytes, as: UTF8.self)
    }

    @Test("A text field that a spreadsheet could run gets one leading quote; the others are untouched")
    func guardedFirstBytes() {
        #expect(
            line { $0.field("=HYPERLINK(\"http://x\",\"y\")") } == "\"'=HYPERLINK(\"\"http://x\"\",\"\"y\"\")\"\r\n")
        #expect(line { $0.field("@SUM(1+1)*cmd|' /C calc'!A0") } == "'@SUM(1+1)*cmd|' /C calc'!A0\r\n")
        #expect(line { $0.field("+33 6 12 34 56 78") } == "'+33 6 12 34 56 78\r\n")
        #expect(line { $0.field("- réunion") } == "'- réunion\r\n")
        #expect(line { $0.field("\t=1+1") } == "\"'\t=1+1\"\r\n")
        #expect(line { $0.field("\r=1+1") } == "\"'\r=1+1\"\r\n")
        #expect(line { $0.field("'quoted'") } == "''quoted'\r\n", "the guard itself is guarded, so it round-trips")
        for safe in ["plain", "12.50", "2025-07-01", "a=b", " =1+1", "\u{00A0}=1", "＝1+1", "", "%", "|cmd", "\n=1"] {
            #expect(
                !line { $0.field(safe) }.hasPrefix("'") && !line { $0.field(safe) }.hasPrefix("\"'"),
                "\(safe.debugDescription)")
        }
        // Plain negative decimals are numbers for every spreadsheet: left as they are.
        for number in ["-12.50", "-1", "-0.05", "-1234567"] { #expect(line { $0.field(number) } == number + "\r\n") }
        for formula in ["-", "-1+1", "-12.", "-.5", "-1.2.3", "-1e5", "--1"] {
            #expect(line { $0.field(formula) } == "'" + formula + "\r\n", "\(formula)")
        }
        #expect(line { $0.field("-12,50") } == "\"'-12,50\"\r\n")
        // Typed fields stay plain numbers; a field copied as stored is not guarded twice.
        #expect(
            line {
                $0.decimalField(-1250, scale: 2); $0.field(Int64(-3));
                $0.field(CivilDate(year: 2025, month: 7, day: 1)!)
            }
                == "-12.50,-3,2025-07-01\r\n")
        #expect(
            line { builder in
                var stored = "'=1"
                stored.withUTF8 { builder.storedField(UnsafeRawBufferPointer($0)) }
            } == "'=1\r\n")
    }

    @Test("The first-byte mask is the documented list, and only it")
    func firstByteMask() {
        var expected: UInt64 = 0
        for byte: UInt8 in [0x09, 0x0D, 0x27, 0x2B, 0x2D, 0x3D, 0x40] { expected |= 1 << UInt64(byte - 1) }
        #expect(CSVFormulaGuard.firstBytes == expected)
        for byte in UInt8(0)...UInt8(255) {
            let guarded = [byte, 0x41].withUnsafeBytes { CSVFormulaGuard.needsGuard($0) }
            #expect(guarded == [0x00, 0x09, 0x0D, 0x27, 0x2B, 0x2D, 0x3D, 0x40].contains(byte), "byte \(byte)")
        }
    }

    @Test("Every value written comes back exactly from a ledger, and merging it twice never guards it twice")
    func roundTripThroughLedgerReadersAndMerger() throws {
        let texts = [
            "=1+1", "''", "'", "'=x", "+", "-", "-5", "-5a", "@", "\t", "\r\n=", "=\"a,b\"", "normal", "",
            "'\u{0301}accent", "＝1",
        ]
        var rows: [[String]] = []
        for (index, text) in texts.enumerated() {
            var fields = [String](repeating: "", count: LedgerKind.bankTransactions.columns.count)
            fields[BankColumn.recordKey.index] = "qonto:X:\(index)"
            fields[BankColumn.bookingDate.index] = "2025-07-01"
            fields[BankColumn.amountMinor.index] = "-\(index)"
            fields[BankColumn.counterpartyName.index] = text
            fields[BankColumn.label.index] = "label " + text
            rows.append(fields)
        }
        var builder = CSVLineBuilder()
        for row in rows { builder.line(row) }
        let scratch = folder.appendingPathComponent("scratch.csv").path
        try Data(builder.bytes).write(to: URL(fileURLWithPath: scratch))
        let ledger = folder.appendingPathComponent("2025-07.csv").path
        func merge() throws -> MergeCounts {
            let input = LedgerMerger.Input(kind: .bankTransactions, existing: ledger, incoming: [scratch])
            let output = try OutputFile(directory: folder.path)
            let counts = try LedgerMerger.merge(
                input, into: output, scratch: folder.appendingPathComponent("runs").path)
            try output.commit(to: ledger, collision: .replace)
            return counts
        }
        #expect(try merge().added == texts.count)
        let first = try Data(contentsOf: URL(fileURLWithPath: ledger))
        #expect(try merge().unchanged == texts.count)
        #expect(try Data(contentsOf: URL(fileURLWithPath: ledger)) == first, "merging again gives the same bytes")
        let read = try LedgerFile.readRows(path: ledger, header: LedgerKind.bankTransactions.columns)
            .sorted { Int($0[0].dropFirst(8))! < Int($1[0].dropFirst(8))! }
        #expect(read == rows, "the values come back exactly")
        // What a spreadsheet sees: no field starts with a formula byte.
        var stored: [[String]] = []
        try LedgerFile.forEachRow(path: ledger, header: nil, form: .stored) { fields in
            stored.append(fields.map { String(decoding: $0, as: UTF8.self) })
        }
        for row in stored.dropFirst() {
            for field in row { #expect(!field.hasPrefix("=") && !field.hasPrefix("@") && !field.hasPrefix("+")) }
        }
        #expect(stored.contains { $0.contains("'=1+1") })
    }

    @Test("XLSX: same table, same bytes; a zip with the sheet, strings and a fixed creation date")
    func xlsxIsReproducible() throws {
        var table = ReportTable(
            sheetName: "Essai",
            columns: [
                .init("number", "Numéro"), .init("date", "Date", .date),
                .init("amount", "Montant", .money(currency: "EUR")),
                .init("days", "Jours", .integer),
            ], asOf: CivilDate(year: 2025, month: 9, day: 1)!)
        table.append([.text("=1+1"), .date(CivilDate(year: 2025, month: 7, day: 31)!), .money(-1250), .integer(3)])
        table.append([.empty, .empty, .empty, .empty])
        table.appendFooter([.text("TOTAL"), .empty, .money(-1250), .empty])
        let first = try XLSXReport.bytes(table, scratchDirectory: folder.path, name: "essai.xlsx")
        Thread.sleep(forTimeInterval: 1.1)  // a clock in the file would show now
        let second = try XLSXReport.bytes(table, scratchDirectory: folder.path, name: "essai.xlsx")
        #expect(first == second)
        #expect(first.starts(with: [0x50, 0x4B, 0x03, 0x04]))
        #expect(try FileManager.default.contentsOfDirectory(atPath: folder.path).isEmpty, "no scratch file is left")
        #expect(
            table.csv()
                == Array("number,date,amount,days\r\n'=1+1,2025-07-31,-12.50,3\r\n,,,\r\nTOTAL,,-12.50,\r\n".utf8))
    }
}
