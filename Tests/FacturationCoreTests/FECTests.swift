import Foundation
import Testing

@testable import FacturationCore

/// The FEC writer and checker, on the worked example of `shared/reference/fec.md` §5 and on small
/// files broken one rule at a time.
struct FECTests {
    // MARK: - The worked example

    /// The example of fec.md §5, exactly as printed there (`Tests/Fixtures/fec-example.txt`, shared
    /// with the end-to-end tests; records end with CRLF).
    static let exampleText = try! String(
        contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("Fixtures/fec-example.txt"), encoding: .utf8
    )
    .replacingOccurrences(of: "\n", with: "\r\n")

    static func day(_ compact: String) -> CivilDate {
        let value = Int(compact)!
        return CivilDate(year: value / 10000, month: value / 100 % 100, day: value % 100)!
    }

    /// The same example as typed lines.
    static var exampleLines: [FECLine] {
        func line(
            _ journal: String, _ journalLabel: String, _ number: String, _ date: String, _ account: String,
            _ accountLabel: String, aux: (String, String)? = nil, _ piece: String, _ label: String,
            debit: Int64, credit: Int64, lettering: (String, String)? = nil, valid: String
        ) -> FECLine {
            FECLine(
                journalCode: journal, journalLabel: journalLabel, entryNumber: number, entryDate: day(date),
                accountNumber: account, accountLabel: accountLabel, auxiliaryNumber: aux?.0, auxiliaryLabel: aux?.1,
                pieceRef: piece, pieceDate: day(date), label: label, debitMinor: debit, creditMinor: credit,
                letteringCode: lettering?.0, letteringDate: lettering.map { day($0.1) }, validationDate: day(valid))
        }
        let opening = "Reprise des soldes 2023", invoice = "Facture F2024-0001 ACME"
        let payment = "Reglement ACME F2024-0001", vat = "TVA exigible F2024-0001"
        let acme = ("C0001", "ACME SARL")
        return [
            line(
                "AN", "A nouveaux", "1", "20240101", "512000", "Banque", "AN2024", opening, debit: 1_000_000, credit: 0,
                valid: "20240105"),
            line(
                "AN", "A nouveaux", "1", "20240101", "101300", "Capital souscrit appele verse", "AN2024", opening,
                debit: 0, credit: 500_000, valid: "20240105"),
            line(
                "AN", "A nouveaux", "1", "20240101", "110000", "Report a nouveau crediteur", "AN2024", opening,
                debit: 0, credit: 500_000, valid: "20240105"),
            line(
                "VT", "Ventes", "2", "20240115", "411000", "Clients", aux: acme, "F2024-0001", invoice,
                debit: 120_000, credit: 0, lettering: ("A", "20240210"), valid: "20240115"),
            line(
                "VT", "Ventes", "2", "20240115", "706000", "Prestations de services", "F2024-0001", invoice,
                debit: 0, credit: 100_000, valid: "20240115"),
            line(
                "VT", "Ventes", "2", "20240115", "445740", "TVA collectee sur encaissements", "F2024-0001", invoice,
                debit: 0, credit: 20_000, valid: "20240115"),
            line(
                "BQ", "Banque", "3", "20240210", "512000", "Banque", "VIR240210", payment, debit: 120_000, credit: 0,
                valid: "20240210"),
            line(
                "BQ", "Banque", "3", "20240210", "411000", "Clients", aux: acme, "VIR240210", payment, debit: 0,
                credit: 120_000,
                lettering: ("A", "20240210"), valid: "20240210"),
            line(
                "OD", "Operations diverses", "4", "20240210", "445740", "TVA collectee sur encaissements", "VIR240210",
                vat,
                debit: 20_000, credit: 0, valid: "20240210"),
            line(
                "OD", "Operations diverses", "4", "20240210", "445710", "TVA collectee", "VIR240210", vat,
                debit: 0, credit: 20_000, valid: "20240210"),
        ]
    }

    static let exampleName = "123456782FEC20241231.txt"

    /// Checks `text` as a file named like the example, on 2025-01-31.
    static func check(_ text: String, name: String? = exampleName, ownExport: Bool = false) -> FECCheckReport {
        check(Array(text.utf8), name: name, ownExport: ownExport)
    }

    static func check(_ bytes: [UInt8], name: String? = exampleName, ownExport: Bool = false) -> FECCheckReport {
        FECChecker.check(
            bytes: bytes,
            options: FECChecker.Options(
                fileName: name, today: CivilDate(year: 2025, month: 1, day: 31), ownExport: ownExport))
    }

    /// The example with `old` replaced by `new` on the given line (1 = header).
    static func example(line: Int, replacing old: String, with new: String) -> String {
        var lines = exampleText.components(separatedBy: "\r\n")
        precondition(lines[line - 1].contains(old), "line \(line) has no '\(old)'")
        lines[line - 1] = lines[line - 1].replacingOccurrences(of: old, with: new)
        return lines.joined(separator: "\r\n")
    }

    /// The lines of a rule's examples.
    static func lines(_ report: FECCheckReport, _ rule: FECRule) -> [Int?] {
        report.finding(rule)?.examples.map(\.line) ?? []
    }

    // MARK: - Writer

    @Test func writerReproducesTheWorkedExampleWithPipes() throws {
        let bytes = try FECWriter.bytes(Self.exampleLines, format: FECFormat(separator: .pipe, encoding: .utf8))
        #expect(String(decoding: bytes, as: UTF8.self) == Self.exampleText)
        #expect(bytes == Array(Self.exampleText.utf8))
    }

    @Test func writerReproducesTheWorkedExampleWithTabs() throws {
        let bytes = try FECWriter.bytes(Self.exampleLines, format: FECFormat(separator: .tab, encoding: .iso8859_15))
        #expect(bytes == Array(Self.exampleText.replacingOccurrences(of: "|", with: "\t").utf8))
    }

    @Test func writerStreamWritesTheSameBytes() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("fec-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let output = try OutputFile(directory: folder.path)
        let stream = FECWriter.Stream(output: output, format: FECFormat())
        for line in Self.exampleLines { try stream.append(line) }
        try stream.finish()
        let destination = folder.appendingPathComponent(Self.exampleName).path
        try output.commit(to: destination)
        #expect(stream.lineCount == 10)
        #expect(try Storage.read(destination) == Array(Self.exampleText.utf8))
    }

    @Test func writerFormatsAmountsDatesAndEmptyFields() throws {
        var line = Self.exampleLines[0]
        line.debitMinor = 123_456_789_012
        line.creditMinor = -5
        line.foreignAmountMinor = 7
        line.currency = "USD"
        line.letteringCode = nil
        line.entryDate = CivilDate(year: 2024, month: 2, day: 9)!
        let text = String(decoding: try FECWriter.bytes([line], format: FECFormat()), as: UTF8.self)
        let fields = text.components(separatedBy: "\r\n")[1].components(separatedBy: "|")
        #expect(fields.count == 18)
        #expect(fields[3] == "20240209")
        #expect(fields[11] == "1234567890,12")
        #expect(fields[12] == "-0,05")
        #expect(fields[13] == "" && fields[14] == "")
        #expect(fields[16] == "0,07" && fields[17] == "USD")
        #expect(text.hasSuffix("\r\n") && !text.hasSuffix("\r\n\r\n"))
    }

    @Test func writerSanitisesText() throws {
        var line = Self.exampleLines[0]
        line.label = "  Facture|ACME\tSARL\r\nligne 2\u{7}  "
        line.accountLabel = "\t|Banque|\n"
        line.auxiliaryNumber = "  "
        let bytes = try FECWriter.bytes([line], format: FECFormat(separator: .tab))
        let record = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")[1]
        let fields = record.components(separatedBy: "\t")
        #expect(fields.count == 18)
        #expect(fields[10] == "Facture ACME SARL  ligne 2")
        #expect(fields[5] == "Banque")
        #expect(fields[6] == "")
        #expect(!record.contains("|"))
    }

    /// The sanitising rule written plainly: control characters (C0, DEL, C1) and `|` become
    /// spaces, then spaces are trimmed at both ends; everything else is kept (UTF-8).
    static func sanitisedByRule(_ text: String) -> String {
        let mapped = text.unicodeScalars.map { scalar -> String in
            let value = scalar.value
            return value < 0x20 || value == 0x7C || (value >= 0x7F && value < 0xA0) ? " " : String(scalar)
        }.joined()
        return String(mapped.drop { $0 == " " }.reversed().drop { $0 == " " }.reversed())
    }

    @Test("Texts of random printable runs, controls, pipes, spaces and non-ASCII are sanitised as the rule says")
    func writerSanitisesRandomTextsAsTheRuleSays() throws {
        var random = SplitMix64(seed: 1_206)
        let alphabet = [
            "a", "Z", "0", " ", "  ", "|", "\t", "\r\n", "\u{7F}", "\u{85}", "é", "€", "😀", "Facture ACME", "~",
        ]
        for _ in 0..<2_000 {
            var line = Self.exampleLines[0]
            line.label = (0..<random.below(12)).map { _ in random.pick(alphabet) }.joined()
            let bytes = try FECWriter.bytes([line], format: FECFormat(separator: .tab))
            let record = String(decoding: bytes, as: UTF8.self).components(separatedBy: "\r\n")[1]
            let fields = record.components(separatedBy: "\t")
            #expect(fields.count == 18)
            #expect(fields[10] == Self.sanitisedByRule(line.label), "\(line.label.debugDescription)")
        }
    }

    @Test func writerEncodesLatin9() throws {
        var line = Self.exampleLines[0]
        line.label = "Acompte 10 € Œuvre déjà payée"
        line.accountLabel = "Crédit Ÿ"
        let bytes = try FECWriter.bytes([line], format: FECFormat(encoding: .iso8859_15))
        let record = Array(bytes.split(separator: 0x0A)[1])
        let label = Array(record.split(separator: 0x7C, omittingEmptySubsequences: false)[10])
        #expect(
            label == Array("Acompte 10 ".utf8) + [0xA4] + Array(" ".utf8) + [0xBC] + Array("uvre d".utf8)
                + [0xE9] + Array("j".utf8) + [0xE0] + Array(" pay".utf8) + [0xE9, 0x65])
        #expect(Latin9.byte(for: 0x20AC) == 0xA4)
        #expect(Latin9.byte(for: 0xA4) == nil)  // ¤ exists in Latin-1, not in Latin-9
        #expect(Latin9.decode([0xA4, 0xBD, 0xE9]) == "€œé")
        // The checker reads it back as ISO-8859-15.
        let report = Self.check(bytes)
        #expect(report.encoding == "ISO-8859-15")
        #expect(report.accounts.first { $0.number == "512000" }?.label == "Crédit Ÿ")
    }

    /// A character Latin-9 lacks used to fail the FEC on every run (the text is in the archive for
    /// good): it is written as its closest ASCII form, or '?'.
    @Test func writerSubstitutesACharacterLatin9Lacks() throws {
        var lines = Self.exampleLines
        lines[1].label = "L’Atelier – report → 2025 “bis”…"
        let bytes = try FECWriter.bytes(lines, format: FECFormat(encoding: .iso8859_15))
        let record = bytes.split(separator: 0x0A)[2]
        let label = Array(record.split(separator: 0x7C, omittingEmptySubsequences: false)[10])
        #expect(label == Array("L'Atelier - report ? 2025 \"bis\"...".utf8))
        #expect(Self.check(bytes).errorCount == 0)
        // UTF-8 has no such limit.
        #expect(try FECWriter.bytes(lines, format: FECFormat(encoding: .utf8)).count > 0)
    }

    @Test func fileName() {
        #expect(
            FECFormat.fileName(siren: "123456782", closingDate: CivilDate(year: 2024, month: 12, day: 31)!)
                == "123456782FEC20241231.txt")
        #expect(FECFormat(separator: .tab).headerLine.hasPrefix("JournalCode\tJournalLib\t"))
    }

    // MARK: - Checker: the valid example

    @Test func workedExamplePasses() throws {
        let report = Self.check(Self.exampleText)
        #expect(report.findings == [], "\(report.text())")
        #expect(report.errorCount == 0 && report.warningCount == 0 && report.exitStatus == 0)
        #expect(report.lines == 10 && report.entries == 4)
        #expect(report.encoding == "ASCII" && report.separator == "|" && report.lineEnding == "CRLF")
        #expect(report.numbering == "global")
        #expect(report.debitMinor == 1_260_000 && report.creditMinor == 1_260_000)
        #expect(report.resultMinor == 100_000)
        #expect(report.vatOnReceiptsBalanceMinor == 0)
        #expect(report.journals.map(\.code) == ["AN", "VT", "BQ", "OD"])
        #expect(
            report.journals[1]
                == FECCheckReport.JournalTotal(
                    code: "VT", label: "Ventes", lines: 3, entries: 1,
                    debitMinor: 120_000, creditMinor: 120_000))
        #expect(
            report.accounts.map(\.number) == ["101300", "110000", "411000", "445710", "445740", "512000", "706000"])
        #expect(report.accounts.first { $0.number == "512000" }?.debitMinor == 1_120_000)
    }

    @Test func tabSeparatedLFAndBOMVariantsPass() {
        let tab = Self.check(Self.exampleText.replacingOccurrences(of: "|", with: "\t"))
        #expect(tab.errorCount == 0 && tab.warningCount == 0 && tab.separator == "tab")
        let lf = Self.check(Self.exampleText.replacingOccurrences(of: "\r\n", with: "\n"))
        #expect(lf.findings == [] && lf.lineEnding == "LF")
        let noFinalBreak = Self.check(Array(Self.exampleText.utf8.dropLast(2)))
        #expect(noFinalBreak.findings == [] && noFinalBreak.lines == 10)
        let bom = Self.check([0xEF, 0xBB, 0xBF] + Array(Self.exampleText.utf8))
        #expect(bom.errorCount == 0 && bom.count(.byteOrderMark) == 1 && bom.encoding == "UTF-8 with BOM")
        #expect(bom.exitStatus == 2)
    }

    @Test func reportDoesNotDependOnChunking() {
        let bytes =
            Array(Self.example(line: 5, replacing: "|0,00|A|", with: "|3,00|A|").utf8)
            + Array("\r\r\nXX|broken\n".utf8)
        let whole = Self.check(bytes)
        for size in [1, 2, 3, 7, 64] {
            let checker = FECChecker(
                options: FECChecker.Options(
                    fileName: Self.exampleName, today: CivilDate(year: 2025, month: 1, day: 31)))
            var offset = 0
            while offset < bytes.count {
                let end = min(bytes.count, offset + size)
                bytes[offset..<end].withUnsafeBytes { checker.feed($0) }
                offset = end
            }
            #expect(checker.finish() == whole, "chunks of \(size)")
        }
        // "\r" (an empty line ended by CR), "\r\n" (an empty line), then "XX|broken\n" ended by LF.
        #expect(Self.lines(whole, .blankLine) == [12, 13])
        #expect(Self.lines(whole, .lineEnding) == [12, 14])
        #expect(Self.lines(whole, .fieldCount) == [14])
        #expect(Self.lines(whole, .bothSides) == [5])
    }

    @Test func montantSensVariantPasses() {
        var lines = Self.exampleText.components(separatedBy: "\r\n")
        lines[0] = lines[0].replacingOccurrences(of: "|Debit|Credit|", with: "|Montant|Sens|")
        for index in 1..<lines.count where !lines[index].isEmpty {
            var fields = lines[index].components(separatedBy: "|")
            let isDebit = fields[11] != "0,00"
            fields[11] = isDebit ? fields[11] : fields[12]
            fields[12] = isDebit ? "D" : (index % 2 == 0 ? "C" : "-1")
            lines[index] = fields.joined(separator: "|")
        }
        let report = Self.check(lines.joined(separator: "\r\n"))
        #expect(report.findings == [], "\(report.text())")
        #expect(report.amountColumns == "Montant/Sens" && report.debitMinor == 1_260_000)
        let lower = Self.check(lines.joined(separator: "\r\n").replacingOccurrences(of: "|D|", with: "|d|"))
        #expect(lower.errorCount == 0 && lower.count(.sensCase) == 4)
        let wrong = Self.check(
            lines.joined(separator: "\r\n").replacingOccurrences(of: "|1200,00|D|", with: "|1200,00|X|"))
        #expect(Self.lines(wrong, .sens) == [5, 8])
    }

    // MARK: - Checker: one broken rule at a time

    @Test func unbalancedEntry() {
        let report = Self.check(Self.example(line: 6, replacing: "|0,00|1000,00|", with: "|0,00|999,99|"))
        let finding = try! #require(report.finding(.unbalancedEntry))
        #expect(finding.rule == "FEC-32" && finding.severity == .error && finding.count == 1)
        #expect(finding.examples[0].line == 5)
        #expect(finding.examples[0].value == "VT 2")
        #expect(finding.examples[0].message.contains("difference 0,01"))
        #expect(report.count(.fileBalance) == 2)  // the file and journal VT
        #expect(report.exitStatus == 1)
    }

    @Test func bothSidesSet() {
        let report = Self.check(Self.example(line: 8, replacing: "|1200,00|0,00|", with: "|1200,00|1200,00|"))
        #expect(report.finding(.bothSides)?.rule == "FEC-21")
        #expect(Self.lines(report, .bothSides) == [8])
        let zero = Self.check(Self.example(line: 8, replacing: "|1200,00|0,00|", with: "|0,00|0,00|"))
        #expect(Self.lines(zero, .zeroLine) == [8] && zero.finding(.zeroLine)?.severity == .warning)
    }

    @Test func badDates() {
        let report = Self.check(Self.example(line: 3, replacing: "|20240101|101300", with: "|20240231|101300"))
        #expect(report.finding(.date)?.rule == "FEC-18")
        #expect(
            report.finding(.date)?.examples.first
                == FECCheckReport.Example(
                    line: 3, value: "20240231", message: "EcritureDate is not a date written AAAAMMJJ (e.g. 20241231)"))
        let iso = Self.check(Self.example(line: 11, replacing: "|20240210||", with: "|2024-02-10||"))
        #expect(Self.lines(iso, .date) == [11])
    }

    @Test func commaOrSemicolonSeparatorIsRefused() {
        let report = Self.check(Self.exampleText.replacingOccurrences(of: "|", with: ","))
        let finding = try! #require(report.finding(.separator))
        #expect(finding.rule == "FEC-08" && finding.examples[0].line == 1 && finding.examples[0].value == ",")
        #expect(report.separator == nil && report.columns.count == 18 && report.exitStatus == 1)
        let semicolon = Self.check(Self.exampleText.replacingOccurrences(of: "|", with: ";"))
        #expect(semicolon.finding(.separator)?.examples.first?.value == ";")
        // One line with the other separator.
        let mixed = Self.check(Self.example(line: 4, replacing: "|", with: "\t"))
        #expect(Self.lines(mixed, .separator) == [4])
    }

    @Test func gapInEcritureNum() {
        let text = Self.example(line: 10, replacing: "|4|", with: "|5|")
        let report = Self.check(
            Self.example(line: 11, replacing: "|4|", with: "|5|").replacingOccurrences(
                of: Self.exampleText.components(separatedBy: "\r\n")[9], with: text.components(separatedBy: "\r\n")[9]))
        let finding = try! #require(report.finding(.numberingGap))
        #expect(finding.rule == "FEC-37" && finding.count == 1)
        #expect(finding.examples[0].line == 10 && finding.examples[0].value == "OD 5")
        #expect(finding.examples[0].message.contains("1 number missing (4)"))
        #expect(report.count(.unbalancedEntry) == 0)
    }

    @Test func perJournalNumbering() {
        // Each journal numbered from 1: the same EcritureNum appears in several journals.
        let text = Self.exampleText.replacingOccurrences(of: "|Ventes|2|", with: "|Ventes|1|")
            .replacingOccurrences(of: "|Banque|3|", with: "|Banque|1|")
            .replacingOccurrences(of: "|Operations diverses|4|", with: "|Operations diverses|1|")
        let report = Self.check(text)
        #expect(report.numbering == "per journal")
        #expect(report.findings == [], "\(report.text())")
        let gap = Self.check(text.replacingOccurrences(of: "|Operations diverses|1|", with: "|Operations diverses|2|"))
        #expect(gap.count(.numberingGap) == 0)  // a journal may start anywhere
    }

    @Test func twoLabelsForOneAccount() {
        let report = Self.check(Self.example(line: 9, replacing: "|Clients|", with: "|Clients France|"))
        let finding = try! #require(report.finding(.labelConsistency))
        #expect(finding.rule == "FEC-42" && finding.severity == .warning)
        #expect(finding.examples[0].line == 9 && finding.examples[0].value == "Clients France")
        #expect(finding.examples[0].message == "CompteNum 411000 was labelled 'Clients' on line 5")
        #expect(report.errorCount == 0 && report.exitStatus == 2)
        let journal = Self.check(Self.example(line: 9, replacing: "BQ|Banque|", with: "BQ|Banque Postale|"))
        #expect(journal.finding(.labelConsistency)?.examples.first?.message.hasPrefix("JournalCode BQ") == true)
    }

    @Test func missingPieceRef() {
        let report = Self.check(Self.example(line: 7, replacing: "|F2024-0001|", with: "||"))
        let finding = try! #require(report.finding(.requiredField))
        #expect(finding.rule == "FEC-15" && finding.count == 1)
        #expect(finding.examples[0].line == 7 && finding.examples[0].message == "PieceRef is empty (mandatory)")
        let placeholder = Self.check(Self.example(line: 7, replacing: "|F2024-0001|", with: "|-|"))
        #expect(Self.lines(placeholder, .placeholder) == [7] && placeholder.errorCount == 0)
    }

    @Test func badHeader() {
        let report = Self.check(Self.example(line: 1, replacing: "|CompteNum|", with: "|Compte|"))
        let finding = try! #require(report.finding(.header))
        #expect(finding.rule == "FEC-09" && finding.examples[0].line == 1 && finding.examples[0].value == "Compte")
        #expect(finding.examples[0].message == "column 5 must be CompteNum (not found)")
        let swapped = Self.check(Self.example(line: 1, replacing: "Debit|Credit", with: "Credit|Debit"))
        #expect(swapped.count(.header) == 2)
        // Fields are found by name: the amounts are still read right.
        #expect(swapped.debitMinor == 1_260_000 && swapped.count(.unbalancedEntry) == 0)
        let caseOnly = Self.check(Self.example(line: 1, replacing: "|Montantdevise|", with: "|MontantDevise|"))
        #expect(caseOnly.errorCount == 0 && Self.lines(caseOnly, .headerCase) == [1])
        let missing = Self.check(Self.exampleText.components(separatedBy: "\r\n").dropFirst().joined(separator: "\r\n"))
        #expect(missing.finding(.header)?.examples.first?.message.hasPrefix("the first line is not the header") == true)
        let extra = Self.check(
            Self.example(line: 1, replacing: "|Idevise", with: "|Idevise|NatOp")
                .replacingOccurrences(of: "||\r\n", with: "|||\r\n"))
        #expect(Self.lines(extra, .regimeColumns) == [1])
        let empty = Self.check("")
        #expect(empty.count(.header) == 1 && empty.count(.noEntries) == 1)
    }

    @Test func fieldCountAndControlCharacters() {
        let pipeInLabel = Self.check(
            Self.example(line: 6, replacing: "Prestations de services", with: "Prestations | services"))
        #expect(Self.lines(pipeInLabel, .fieldCount) == [6])
        let tabInLabel = Self.check(
            Self.example(line: 6, replacing: "Prestations de services", with: "Prestations\tservices"))
        #expect(Self.lines(tabInLabel, .separatorInValue) == [6])
        let nul = Self.check(Self.example(line: 6, replacing: "Prestations de services", with: "Prestations\u{0}"))
        #expect(Self.lines(nul, .controlCharacter) == [6])
        let spaces = Self.check(
            Self.example(line: 6, replacing: "|Prestations de services|", with: "| Prestations de services |"))
        #expect(Self.lines(spaces, .outerSpaces) == [6] && spaces.errorCount == 0)
        #expect(spaces.count(.labelConsistency) == 0)
        let blank = Self.check(Self.example(line: 6, replacing: "VT|Ventes", with: "\r\nVT|Ventes"))
        #expect(Self.lines(blank, .blankLine) == [6] && blank.lines == 10)
    }

    @Test func amounts() {
        let dot = Self.check(Self.example(line: 8, replacing: "|1200,00|", with: "|1200.00|"))
        #expect(Self.lines(dot, .amountFormat) == [8])
        #expect(dot.finding(.amountFormat)?.examples.first?.message.contains("'.' is not allowed") == true)
        let thousands = Self.check(Self.example(line: 8, replacing: "|1200,00|", with: "|1 200,00|"))
        #expect(Self.lines(thousands, .amountFormat) == [8])
        let trailingSign = Self.check(Self.example(line: 8, replacing: "|1200,00|0,00|", with: "|0,00|1200,00-|"))
        #expect(Self.lines(trailingSign, .negativeAmount) == [8] && trailingSign.count(.unbalancedEntry) == 0)
        let decimals = Self.check(Self.example(line: 8, replacing: "|1200,00|", with: "|1199,996|"))
        #expect(Self.lines(decimals, .decimals) == [8] && decimals.count(.unbalancedEntry) == 0)
        #expect(decimals.finding(.decimals)?.severity == .error && decimals.exitStatus == 1)
        // A third decimal is reported even when it is a zero: the amount is not written to the cent.
        let zeros = Self.check(Self.example(line: 8, replacing: "|1200,00|", with: "|1200,000|"))
        #expect(Self.lines(zeros, .decimals) == [8] && zeros.count(.unbalancedEntry) == 0 && zeros.exitStatus == 1)
        // Montantdevise is in its own currency, which may have 3 decimals (Kuwaiti dinar).
        let dinar = Self.check(Self.example(line: 8, replacing: "|20240210||", with: "|20240210|1,234|KWD"))
        #expect(dinar.findings == [], "\(dinar.text())")
        let plain = Self.check(Self.example(line: 8, replacing: "|1200,00|", with: "|1200|"))
        #expect(plain.findings == [])
    }

    @Test func entryRules() {
        let dates = Self.check(Self.example(line: 6, replacing: "|20240115|706000", with: "|20240116|706000"))
        #expect(Self.lines(dates, .entryDates) == [6])
        var lines = Self.exampleText.components(separatedBy: "\r\n")
        lines.swapAt(6, 7)  // VT 2's last line after BQ 3's first
        let split = Self.check(lines.joined(separator: "\r\n"))
        #expect(Self.lines(split, .entryNotContiguous) == [8, 9])  // VT resumes on 8, BQ on 9
        #expect(split.count(.unbalancedEntry) == 0)
        #expect(split.finding(.entryNotContiguous)?.severity == .error && split.exitStatus == 1)
        let lettering = Self.check(Self.example(line: 9, replacing: "|A|20240210|", with: "|B|20240210|"))
        #expect(Self.lines(lettering, .letteringBalance) == [5, 9])
        let aux = Self.check(Self.example(line: 9, replacing: "|ACME SARL|", with: "||"))
        #expect(Self.lines(aux, .auxiliaryPair) == [9])
        let dateLet = Self.check(Self.example(line: 9, replacing: "|A|20240210|", with: "||20240210|"))
        #expect(Self.lines(dateLet, .letteringDateAlone) == [9])
    }

    @Test func orderAndYear() {
        var lines = Self.exampleText.components(separatedBy: "\r\n")
        let od = Array(lines[9...10])
        lines.removeSubrange(9...10)
        lines.insert(contentsOf: od, at: 4)  // OD 4 (10 Feb) before VT 2 (15 Jan)
        let text = lines.joined(separator: "\r\n")
        let third = Self.check(text)
        #expect(Self.lines(third, .lineOrder) == [7])
        #expect(third.finding(.lineOrder)?.severity == .warning)
        #expect(third.count(.numberingOrder) == 0)  // numbers still follow the validation dates
        let own = Self.check(text, ownExport: true)
        #expect(own.finding(.lineOrder)?.severity == .error && own.exitStatus == 1)

        // Entry 4 validated on 15 Jan, entry 3 on 10 Feb: numbers do not follow validation.
        let renumbered = Self.check(
            Self.exampleText.replacingOccurrences(of: "|Ventes|2|", with: "|Ventes|4|")
                .replacingOccurrences(of: "|Operations diverses|4|", with: "|Operations diverses|2|"))
        #expect(Self.lines(renumbered, .numberingOrder) == [5])
        #expect(
            renumbered.finding(.numberingOrder)?.examples.first?.message
                == "validated on 20240115, before BQ 3 (20240210) which has a lower number")
        #expect(renumbered.count(.numberingGap) == 0 && renumbered.count(.lineOrder) == 0)

        let late = Self.check(Self.exampleText, name: "123456782FEC20240131.txt")
        #expect(late.count(.dateOutsideYear) == 4)  // BQ and OD are dated 10 Feb
        let future = Self.check(Self.example(line: 11, replacing: "|20240210||", with: "|20250210||"))
        #expect(Self.lines(future, .validationInFuture) == [11])
        let opening = Self.check(Self.exampleText.replacingOccurrences(of: "VT|Ventes|", with: "AN|A nouveaux|"))
        #expect(opening.count(.openingFirst) == 0)
        var moved = Self.exampleText.components(separatedBy: "\r\n")
        let an = Array(moved[1...3])
        moved.removeSubrange(1...3)
        moved.insert(contentsOf: an, at: 4)
        #expect(Self.lines(Self.check(moved.joined(separator: "\r\n")), .openingFirst).contains(5))
    }

    @Test func fileNameRules() {
        #expect(Self.check(Self.exampleText, name: "/some/folder/123456782FEC20241231.txt").findings == [])
        #expect(Self.check(Self.exampleText, name: "123456782FEC20241231_2.txt").findings == [])
        let siren = Self.check(Self.exampleText, name: "123456789FEC20241231.txt")
        #expect(siren.finding(.sirenKey)?.examples.first?.line == nil && siren.exitStatus == 1)
        #expect(Self.check(Self.exampleText, name: "export.txt").count(.fileName) == 1)
        #expect(Self.check(Self.exampleText, name: "123456782FEC20241331.txt").count(.closingDate) == 1)
        #expect(Self.check(Self.exampleText, name: "123456782FEC20241231.dat").count(.fileExtension) == 1)
        #expect(Self.check(Self.exampleText, name: nil).findings == [])
    }

    @Test func encodings() {
        let accented = Self.exampleText.replacingOccurrences(of: "Operations diverses", with: "Opérations diverses")
            .replacingOccurrences(of: "TVA collectee|", with: "TVA collectée €|")
        let utf8 = Self.check(accented)
        #expect(utf8.encoding == "UTF-8" && utf8.findings == [])
        let latin9 = Self.check(accented.unicodeScalars.map { Latin9.byte(for: $0.value)! })
        #expect(latin9.encoding == "ISO-8859-15" && latin9.findings == [])
        #expect(latin9.journals.last?.label == "Opérations diverses")
        #expect(latin9.accounts.first { $0.number == "445710" }?.label == "TVA collectée €")
        // Windows-1252's € (0x80) is not a character in ISO-8859-15.
        let windows = Self.check(accented.unicodeScalars.map { $0.value == 0x20AC ? 0x80 : UInt8($0.value) })
        #expect(Self.lines(windows, .encoding) == [11])
        // UTF-16 is refused as a whole.
        let utf16 = Self.check([0xFF, 0xFE] + Self.exampleText.utf16.flatMap { [UInt8($0 & 0xFF), UInt8($0 >> 8)] })
        #expect(Self.lines(utf16, .encoding) == [1] && utf16.separator == nil && utf16.exitStatus == 1)
        // UTF-8 up to line 10 (which has an 'é'), then Latin-9: mixed.
        let parts = accented.components(separatedBy: "\r\n")
        let mixed = Self.check(
            Array((parts[0..<10].joined(separator: "\r\n") + "\r\n").utf8)
                + parts[10...].joined(separator: "\r\n").unicodeScalars.map { Latin9.byte(for: $0.value)! })
        #expect(Self.lines(mixed, .encoding) == [11])
        #expect(mixed.finding(.encoding)?.examples.first?.message.contains("mixes encodings") == true)
    }

    // MARK: - Issue #8 §6: the name's date, extracts, severities

    static func check(_ text: String, name: String?, options: (inout FECChecker.Options) -> Void) -> FECCheckReport {
        var settings = FECChecker.Options(fileName: name, today: CivilDate(year: 2025, month: 1, day: 31))
        options(&settings)
        return FECChecker.check(bytes: Array(text.utf8), options: settings)
    }

    @Test func theNameCarriesTheFiscalYearsClosingDate() {
        let december = Self.day("20241231")
        // Known closing date: the name must carry it.
        #expect(Self.check(Self.exampleText, name: Self.exampleName) { $0.closingDate = december }.findings == [])
        let wrong = Self.check(Self.exampleText, name: "123456782FEC20240630.txt") { $0.closingDate = december }
        #expect(wrong.finding(.closingDate)?.severity == .error && wrong.exitStatus == 1)
        #expect(wrong.finding(.closingDate)?.examples.first?.message.contains("(…FEC20241231)") == true)
        // A fiscal year starting on 1 January 2024 cannot close in 2026, nor before it starts.
        let far = Self.check(Self.exampleText, name: "123456782FEC20261231.txt") {
            $0.fiscalYearStart = Self.day("20240101")
        }
        #expect(far.count(.closingDate) == 1)
        let longFirstYear = Self.check(Self.exampleText, name: "123456782FEC20251231.txt") {
            $0.fiscalYearStart = Self.day("20240101")
        }
        #expect(longFirstYear.count(.closingDate) == 0)
        // An extract must lie within the fiscal year its name closes.
        let beyond = Self.check(Self.exampleText, name: "123456782FEC20240630.txt") {
            $0.period = Self.day("20240101")...Self.day("20240731")
        }
        #expect(beyond.count(.closingDate) == 1)
    }

    @Test func onlyTheNameGivesTheClosingDate_itMustLookLikeAYearEnd() {
        // Not a month end: a warning (the law allows it, practice does not).
        let midMonth = Self.check(Self.exampleText, name: "123456782FEC20241230.txt")
        #expect(midMonth.finding(.closingDateUnusual)?.severity == .warning && midMonth.errorCount == 0)
        #expect(
            midMonth.finding(.closingDateUnusual)?.examples.first?.message.contains("not the last day of a month")
                == true)
        // Every entry in the month the name closes: a monthly extract named after its own last day.
        var lines = Self.exampleText.components(separatedBy: "\r\n")
        lines = [lines[0]] + lines[7...10] + [""]
        let february = lines.joined(separator: "\r\n").replacingOccurrences(of: "|A|20240210|", with: "|||")
        let monthly = Self.check(february, name: "123456782FEC20240229.txt")
        #expect(monthly.count(.closingDateUnusual) == 1 && monthly.errorCount == 0, "\(monthly.text())")
        #expect(
            monthly.finding(.closingDateUnusual)?.examples.first?.message.contains("every entry is dated in") == true)
        // The same file named after the fiscal year's closing date, or with the closing date given: nothing.
        #expect(Self.check(february, name: Self.exampleName).findings == [])
        #expect(
            Self.check(february, name: "123456782FEC20240229.txt") { $0.closingDate = Self.day("20240229") }.findings
                == [])
        // A whole year's file is not a monthly extract.
        #expect(Self.check(Self.exampleText, name: "123456782FEC20240229.txt").count(.closingDateUnusual) == 0)
    }

    @Test func anExtractKeepsToItsPeriodAndMayLetterAcrossIt() {
        // February of the example: the BQ line is lettered with the January invoice.
        var lines = Self.exampleText.components(separatedBy: "\r\n")
        lines = [lines[0]] + lines[7...10] + [""]
        let february = lines.joined(separator: "\r\n")
        let whole = Self.check(february, name: Self.exampleName)
        #expect(Self.lines(whole, .letteringBalance) == [3])
        let extract = Self.check(february, name: Self.exampleName) {
            $0.period = Self.day("20240201")...Self.day("20240229")
        }
        #expect(extract.findings == [], "\(extract.text())")
        #expect(
            extract.period == "2024-02-01 to 2024-02-29"
                && extract.text().contains("period:   2024-02-01 to 2024-02-29"))
        // Entries outside the extract's period are errors.
        let january = Self.check(Self.exampleText, name: Self.exampleName) {
            $0.period = Self.day("20240101")...Self.day("20240131")
        }
        #expect(Self.lines(january, .dateOutsideYear) == [8, 9, 10, 11] && january.exitStatus == 1)
    }

    @Test func periodFolderNames() {
        #expect(FECFormat.period(folderName: "2025-07") == Self.day("20250701")...Self.day("20250731"))
        #expect(FECFormat.period(folderName: "2024-02") == Self.day("20240201")...Self.day("20240229"))
        #expect(FECFormat.period(folderName: "2025-08-01_2025-09-15") == Self.day("20250801")...Self.day("20250915"))
        #expect(FECFormat.periodFolder(Self.day("20250801")...Self.day("20250915")) == "2025-08-01_2025-09-15")
        for name in [
            "2025-13", "2025-7", "fec", "mensuel", "2025-09-15_2025-08-01", "2025-08-01_2025-09-31", ".", "2025-07-01",
        ] {
            #expect(FECFormat.period(folderName: name) == nil, "\(name)")
        }
    }

    @Test func accountClassIsAnError() {
        for account in ["901300", "001300", "AB1300", "10"] {
            let report = Self.check(Self.example(line: 3, replacing: "|101300|", with: "|\(account)|"))
            #expect(Self.lines(report, .accountNumber) == [3], "\(account)")
            #expect(report.finding(.accountNumber)?.severity == .error && report.exitStatus == 1, "\(account)")
        }
        #expect(Self.check(Self.example(line: 3, replacing: "|101300|", with: "|801300|")).findings == [])
    }

    // MARK: - Lettering of monthly and yearly files (FECBuilder)

    /// An invoice of 1,200.00 on 4 July paid on 12 August; one of 1,000.00 on 10 July paid 400.00 on
    /// 20 August and 600.00 on 5 September.
    static var letteringEntries: [AccountingEntry] {
        let settings = AccountingSettings()
        func sale(_ number: String, _ date: String, _ total: Int64) -> AccountingEntry {
            AccountingEntry(
                journal: settings.sales, date: day(date), pieceRef: number, pieceDate: day(date),
                label: "Facture \(number)",
                lines: [
                    .init(
                        account: settings.clients, auxiliary: ("C1", "Client"), debitMinor: total,
                        creditMinor: 0, invoice: number),
                    .init(account: settings.revenue, auxiliary: nil, debitMinor: 0, creditMinor: total, invoice: nil),
                ])
        }
        func payment(_ number: String, _ date: String, _ amount: Int64) -> AccountingEntry {
            AccountingEntry(
                journal: settings.bank, date: day(date), pieceRef: "VIR-\(date)", pieceDate: day(date),
                label: "Règlement \(number)",
                lines: [
                    .init(
                        account: settings.bankAccount, auxiliary: nil, debitMinor: amount, creditMinor: 0, invoice: nil),
                    .init(
                        account: settings.clients, auxiliary: ("C1", "Client"), debitMinor: 0,
                        creditMinor: amount, invoice: number),
                ])
        }
        return [
            sale("F1", "20250704", 120_000), sale("F2", "20250710", 100_000), payment("F1", "20250812", 120_000),
            payment("F2", "20250820", 40_000), payment("F2", "20250905", 60_000),
        ]
    }

    /// The (PieceRef, EcritureLet, DateLet) of the 411 lines of a period's file.
    static func lettering(from: String, to: String) -> [[String]] {
        let year = (start: day("20250101"), end: day("20251231"))
        return FECBuilder.lines(letteringEntries, from: day(from), to: day(to), fiscalYear: year)
            .filter { $0.accountNumber == "411000" }
            .map { [$0.pieceRef, $0.letteringCode ?? "", $0.letteringDate.map(FECFormat.compactDate) ?? ""] }
    }

    @Test func aPaymentIsLetteredInTheMonthItIsBookedAsInTheYearlyFile() {
        let year = Self.lettering(from: "20250101", to: "20251231")
        #expect(
            year == [
                ["F1", "F1", "20250812"], ["F2", "F2", "20250905"], ["VIR-20250812", "F1", "20250812"],
                ["VIR-20250820", "F2", "20250905"], ["VIR-20250905", "F2", "20250905"],
            ])
        // July was published before any payment: its invoice lines are lettered in the yearly file only.
        #expect(Self.lettering(from: "20250701", to: "20250731") == [["F1", "", ""], ["F2", "", ""]])
        // August letters the payment of F1 as the yearly file does; F2 is not settled by 31 August.
        #expect(
            Self.lettering(from: "20250801", to: "20250831") == [
                ["VIR-20250812", "F1", "20250812"],
                ["VIR-20250820", "", ""],
            ])
        // September settles F2: its payment line is lettered like in the yearly file.
        #expect(Self.lettering(from: "20250901", to: "20250930") == [["VIR-20250905", "F2", "20250905"]])
        for month in [("20250801", "20250831"), ("20250901", "20250930")] {
            for line in Self.lettering(from: month.0, to: month.1) where !line[1].isEmpty {
                #expect(year.contains(line), "\(line)")
            }
        }
    }

    // MARK: - JSON

    @Test func jsonShape() throws {
        let report = Self.check(Self.example(line: 6, replacing: "|0,00|1000,00|", with: "|0,00|999,99|"))
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data = try encoder.encode(report)
        #expect(try JSONDecoder().decode(FECCheckReport.self, from: data) == report)
        let object = try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
        #expect(
            Set(object.keys) == [
                "fileName", "encoding", "separator", "lineEnding", "columns", "amountColumns", "numbering", "lines",
                "entries",
                "debitMinor", "creditMinor", "resultMinor", "vatOnReceiptsBalanceMinor", "journals", "accounts",
                "findings",
                "errorCount", "warningCount",
            ])
        let findings = try #require(object["findings"] as? [[String: Any]])
        let first = try #require(findings.first { $0["rule"] as? String == "FEC-32" })
        #expect(first["severity"] as? String == "error")
        #expect(first["count"] as? Int == 1)
        let example = try #require((first["examples"] as? [[String: Any]])?.first)
        #expect(example["line"] as? Int == 5 && example["value"] as? String == "VT 2")
        let fileLevel = try #require(findings.first { $0["rule"] as? String == "FEC-41" })
        #expect((fileLevel["examples"] as? [[String: Any]])?.first?["line"] == nil)
        #expect(object["errorCount"] as? Int == 3)
    }

    @Test func rulesAreListedOnce() {
        let ids = FECRule.allCases.map(\.id)
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.hasPrefix("FEC-") && !FECRule(rawValue: $0)!.summary.isEmpty })
        #expect(FECRule.unbalancedEntry.severity == .error && FECRule.labelConsistency.severity == .warning)
    }

    @Test func maxExamplesIsHonoured() {
        let text = Self.exampleText.replacingOccurrences(of: "|0,00|", with: "|0.00|")
        let report = FECChecker.check(bytes: Array(text.utf8), options: FECChecker.Options(maxExamples: 2))
        #expect(report.finding(.amountFormat)?.count == 10)
        #expect(report.finding(.amountFormat)?.examples.count == 2)
        #expect(report.text().contains("… and 8 more"))
    }
}
