import FacturationCore
import Foundation
import TestSupport
import Testing

/// `facturation fec-check`, through the real binary; and our FEC totals against an independent
/// parser (fec-parser, PyPI) run from `.venv-fx`.
@Suite("fec-check")
struct FECCheckCommandTests {
    /// The worked example of fec.md §5 (`Tests/Fixtures/fec-example.txt`, shared with the unit tests).
    static let example = try! String(
        contentsOf: Repository.root.appendingPathComponent("Tests/Fixtures/fec-example.txt"),
        encoding: .utf8
    ).replacingOccurrences(of: "\n", with: "\r\n")

    /// A temporary folder, removed with the value.
    final class Folder {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent(
            "fec-e2e-\(UUID().uuidString.prefix(8))")
        init() throws { try FileManager.default.createDirectory(at: url, withIntermediateDirectories: true) }
        deinit { try? FileManager.default.removeItem(at: url) }

        func write(_ name: String, _ bytes: [UInt8]) throws -> String {
            let file = url.appendingPathComponent(name)
            try Data(bytes).write(to: file)
            return file.path
        }

        func write(_ name: String, _ text: String) throws -> String { try write(name, Array(text.utf8)) }
    }

    static func check(_ path: String, _ extra: [String] = []) throws -> CommandResult {
        try Binary.run(["fec-check", path, "--today", "2025-01-31"] + extra)
    }

    @Test func validFileExitsZero() throws {
        let folder = try Folder()
        let path = try folder.write("123456782FEC20241231.txt", Self.example)
        let result = try Self.check(path, ["--accounts"])
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(result.stdout.hasPrefix("123456782FEC20241231.txt: compliant\n"))
        #expect(result.stdout.contains("10 lines, 4 entries, numbering global"))
        #expect(result.stdout.contains("totals:   debit 12600,00, credit 12600,00"))
        #expect(result.stdout.contains("VT  Ventes: 3 lines, 1 entry, debit 1200,00, credit 1200,00"))
        #expect(result.stdout.contains("512000  Banque: debit 11200,00, credit 0,00"))
        #expect(result.stderr.isEmpty)
    }

    @Test func invalidFileExitsOne() throws {
        let folder = try Folder()
        let broken = Self.example.replacingOccurrences(of: "|0,00|1000,00|", with: "|0,00|990,00|")
            .replacingOccurrences(
                of: "|Reglement ACME F2024-0001|1200,00|0,00|", with: "|Reglement ACME F2024-0001|1200.00|0,00|")
        let path = try folder.write("123456782FEC20241231.txt", broken)
        let result = try Self.check(path)
        #expect(result.status == 1)
        #expect(result.stdout.contains("NOT COMPLIANT"))
        #expect(result.stdout.contains("FEC-32  Each entry (JournalCode + EcritureNum) balances"))
        #expect(result.stdout.contains("line 5: 'VT 2' debit 1200,00 ≠ credit 1190,00 (difference 10,00)"))
        #expect(result.stdout.contains("line 8: '1200.00' Debit: '.' is not allowed"))

        let json = try Self.check(path, ["--json"])
        #expect(json.status == 1)
        let report = try JSONDecoder().decode(FECCheckReport.self, from: Data(json.stdout.utf8))
        #expect(report.finding(.unbalancedEntry)?.examples.first?.line == 5)
        #expect(report.finding(.amountFormat)?.examples.first?.line == 8)
        #expect(report.exitStatus == 1 && !report.isValid)
    }

    @Test func warningsOnlyExitTwo() throws {
        let folder = try Folder()
        let text = Self.example.replacingOccurrences(
            of: "BQ|Banque|3|20240210|411000|Clients|",
            with: "BQ|Banque|3|20240210|411000|Clients France|")
        let path = try folder.write("123456782FEC20241231.txt", text)
        let result = try Self.check(path)
        #expect(result.status == 2, "stdout: \(result.stdout)")
        #expect(result.stdout.contains("compliant, with 1 warning"))
        #expect(result.stdout.contains("FEC-42"))
        #expect(result.stdout.contains("line 9: 'Clients France' CompteNum 411000 was labelled 'Clients' on line 5"))
    }

    @Test func thirdPartyVariantsAndExamplesLimit() throws {
        let folder = try Folder()
        // Tab-separated ISO-8859-15 with a bad name and a dot in every zero amount.
        let latin9 = Self.example.replacingOccurrences(of: "|", with: "\t")
            .replacingOccurrences(of: "Operations", with: "Opérations").replacingOccurrences(
                of: "\t0,00\t", with: "\t0.00\t")
        let path = try folder.write("export.txt", latin9.unicodeScalars.map { UInt8($0.value) })
        let result = try Self.check(path, ["--max-examples", "2"])
        #expect(result.status == 1)
        #expect(result.stdout.contains("format:   ISO-8859-15, separator tab, records end with CRLF"))
        #expect(result.stdout.contains("OD  Opérations diverses"))
        #expect(result.stdout.contains("FEC-01  "))
        #expect(result.stdout.contains("FEC-20  Amounts are digits with a comma decimal mark"))
        #expect(result.stdout.contains("… and 8 more"))
        // The same file checked under its legal name.
        let renamed = try Self.check(path, ["--name", "123456782FEC20241231.txt", "--max-examples", "0"])
        #expect(!renamed.stdout.contains("FEC-01 "))
    }

    /// Issue #8 §6: rules 17, 23 and 35 are errors (exit 1), where they used to be warnings (exit 2).
    @Test func accountClassDecimalsAndSplitEntriesAreErrors() throws {
        let folder = try Folder()
        let lines = Self.example.components(separatedBy: "\r\n")
        func exitStatus(of text: String, _ rule: String) throws -> Int32 {
            let path = try folder.write("123456782FEC20241231.txt", text)
            let result = try Self.check(path)
            let errors = result.stdout.components(separatedBy: "\nWarnings:\n")[0]
            #expect(errors.contains("Errors:\n") && errors.contains("  \(rule)  "), "\(result.stdout)")
            return result.status
        }
        // Rule 17: a CompteNum outside the PCG's classes 1 to 8.
        #expect(try exitStatus(of: Self.example.replacingOccurrences(of: "|101300|", with: "|901300|"), "FEC-17") == 1)
        // Rule 23: a third decimal, even a zero.
        #expect(
            try exitStatus(
                of: Self.example.replacingOccurrences(of: "|0,00|1200,00|A|", with: "|0,00|1200,000|A|"),
                "FEC-23") == 1)
        // Rule 35: the last line of VT 2 after the first line of BQ 3.
        var split = lines
        split.swapAt(6, 7)
        #expect(try exitStatus(of: split.joined(separator: "\r\n"), "FEC-35") == 1)
        let rules = try Binary.run(["fec-check", "--rules"])
        for rule in ["FEC-03", "FEC-17", "FEC-23", "FEC-35"] {
            #expect(rules.stdout.contains("\(rule)  error   "), "\(rule): \(rules.stdout)")
        }
        #expect(rules.stdout.contains("FEC-03b warning "))
    }

    /// Issue #8 §6, rule 3: the name's date is the fiscal year's closing date, also for an extract,
    /// whose period is read from its folder (`mensuel/2024-01/`) or given with `--period`.
    @Test func theNamesDateIsTheFiscalYearEnd() throws {
        let folder = try Folder()
        let path = try folder.write("123456782FEC20241231.txt", Self.example)
        #expect(try Self.check(path, ["--year-end", "2024-12-31"]).status == 0)
        let otherYearEnd = try Self.check(path, ["--year-end", "2025-06-30"])
        #expect(otherYearEnd.status == 1 && otherYearEnd.stdout.contains("FEC-03  "), "\(otherYearEnd.stdout)")
        #expect(otherYearEnd.stdout.contains("is not the fiscal year's closing date 20250630"))
        // Named after the last day of a month that holds every entry: a monthly extract misnamed.
        let february = ([lines(Self.example)[0]] + lines(Self.example)[7...10] + [""]).joined(separator: "\r\n")
            .replacingOccurrences(of: "|A|20240210|", with: "|||")
        let misnamed = try Self.check(try folder.write("123456782FEC20240229.txt", february))
        #expect(misnamed.status == 2 && misnamed.stdout.contains("FEC-03b  "), "\(misnamed.stdout)")
        // In a month folder: an extract of that month; entries of another month are errors.
        try FileManager.default.createDirectory(
            at: folder.url.appendingPathComponent("2024-01"), withIntermediateDirectories: true)
        let january = try folder.write("2024-01/123456782FEC20241231.txt", Self.example)
        let extract = try Self.check(january)
        #expect(
            extract.status == 1 && extract.stdout.contains("period:   2024-01-01 to 2024-01-31"), "\(extract.stdout)")
        #expect(extract.stdout.contains("FEC-30  ") && extract.stdout.contains("outside the period the file covers"))
        // --period says which part of the year the file covers; lettering may continue outside it.
        #expect(try Self.check(january, ["--period", "2024-01-01_2024-02-29"]).status == 0)
        let lettered = try folder.write(
            "123456782FEC20241231.txt",
            ([lines(Self.example)[0]] + lines(Self.example)[7...10] + [""]).joined(separator: "\r\n"))
        #expect(try Self.check(lettered).status == 2)  // FEC-43: the invoice's line is not in the file
        #expect(try Self.check(lettered, ["--period", "2024-02"]).status == 0)
    }

    private func lines(_ text: String) -> [String] { text.components(separatedBy: "\r\n") }

    @Test func usageErrors() throws {
        let missing = try Binary.run(["fec-check", "/nonexistent/123456782FEC20241231.txt"])
        #expect(missing.status == 64)
        #expect(missing.stderr.contains("no such file"))
        let folder = try Folder()
        let path = try folder.write("123456782FEC20241231.txt", Self.example)
        #expect(try Binary.run(["fec-check", path, "--max-examples", "-1"]).status == 64)
        #expect(try Binary.run(["fec-check", path, "--year-start", "2024-13-01"]).status == 64)
        #expect(try Binary.run(["fec-check", path, "--year-end", "20241231"]).status == 64)
        #expect(try Binary.run(["fec-check", path, "--period", "2024-12-31_2024-01-01"]).status == 64)
        #expect(try Binary.run(["fec-check"]).status == 64)
        let rules = try Binary.run(["fec-check", "--rules"])
        #expect(rules.status == 0)
        #expect(rules.stdout.contains("FEC-32  error   Each entry (JournalCode + EcritureNum) balances"))
        #expect(rules.stdout.contains("FEC-42  warning Each JournalCode, CompteNum and CompAuxNum has a single label"))
    }

    // MARK: - Independent parse

    /// A year of synthetic postings (sales, purchases, bank) with accents, third parties and lettering.
    static func syntheticLines() -> [FECLine] {
        var seed: UInt64 = 0x2024_FEC
        func random(_ range: ClosedRange<Int64>) -> Int64 {
            seed = seed &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return range.lowerBound + Int64((seed >> 33) % UInt64(range.upperBound - range.lowerBound + 1))
        }
        let clients = [("C001", "Société Générale d'Études"), ("C002", "Ærø Œuvres SARL"), ("C003", "Müller & Fils")]
        let suppliers = [("F001", "Électricité de France"), ("F002", "Fournitures Bürö")]
        var lines: [FECLine] = []
        var number = 0
        let start = CivilDate(year: 2024, month: 1, day: 1)!
        for day in stride(from: 0, to: 360, by: 3) {
            let date = start.adding(days: day)
            func add(
                _ journal: (String, String), _ entries: [(String, String, (String, String)?, Int64, Int64)],
                piece: String, label: String, lettering: String? = nil
            ) {
                number += 1
                for (account, accountLabel, aux, debit, credit) in entries {
                    lines.append(
                        FECLine(
                            journalCode: journal.0, journalLabel: journal.1, entryNumber: String(number),
                            entryDate: date,
                            accountNumber: account, accountLabel: accountLabel, auxiliaryNumber: aux?.0,
                            auxiliaryLabel: aux?.1,
                            pieceRef: piece, pieceDate: date, label: label, debitMinor: debit, creditMinor: credit,
                            letteringCode: aux == nil ? nil : lettering,
                            letteringDate: aux == nil || lettering == nil ? nil : date,
                            validationDate: date))
                }
            }
            let client = clients[Int(random(0...2))]
            let net = random(1_000...2_000_000)
            let vat = net / 5
            add(
                ("VT", "Ventes"),
                [
                    ("411000", "Clients", client, net + vat, 0),
                    ("706000", "Prestations de services", nil, 0, net),
                    ("445740", "TVA collectée sur encaissements", nil, 0, vat),
                ],
                piece: "F2024-\(number)", label: "Facture \(client.1) n° \(number)", lettering: "L\(day)")
            if day % 2 == 0 {
                let supplier = suppliers[Int(random(0...1))]
                let cost = random(100...500_000)
                add(
                    ("AC", "Achats"),
                    [
                        ("606100", "Électricité", nil, cost, 0),
                        ("445660", "TVA déductible", nil, cost / 5, 0),
                        ("401000", "Fournisseurs", supplier, 0, cost + cost / 5),
                    ],
                    piece: "A\(number)", label: "Facture \(supplier.1)")
            }
            add(
                ("BQ", "Banque Crédit Coopératif"),
                [
                    ("512000", "Banque", nil, net + vat, 0),
                    ("411000", "Clients", client, 0, net + vat),
                ],
                piece: "VIR\(number)", label: "Règlement \(client.1)", lettering: "L\(day)")
        }
        return lines
    }

    @Test func totalsPerAccountMatchFecParser() throws {
        let python = Repository.root.appendingPathComponent(".venv-fx/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record(
                "\(python) is missing: run scripts/setup-validation-venv (it installs fec-parser) before the tests")
            return
        }
        let folder = try Folder()
        let lines = Self.syntheticLines()
        for format in [FECFormat(separator: .pipe, encoding: .utf8), FECFormat(separator: .tab, encoding: .iso8859_15)]
        {
            let path = try folder.write("123456782FEC20241231.txt", try FECWriter.bytes(lines, format: format))
            let ours = try FECChecker.check(
                path: path,
                options: FECChecker.Options(
                    today: CivilDate(year: 2025, month: 1, day: 31), ownExport: true))
            #expect(ours.findings == [], "\(format): \(ours.text())")
            #expect(ours.lines == lines.count)
            #expect(ours.encoding == (format.encoding == .utf8 ? "UTF-8" : "ISO-8859-15"))

            let totals = try ChildProcess(
                python, [Repository.root.appendingPathComponent("scripts/fec_totals.py").path, path]
            ).run()
            let stdout = totals.stdout
            #expect(totals.status == 0, "fec_totals.py failed on \(format): \(totals.stderr)")

            func dotted(_ minor: Int64) -> String { DecimalText.format(minorUnits: minor, scale: 2) }
            let expected = ours.accounts.map { "\($0.number)\t\(dotted($0.debitMinor))\t\(dotted($0.creditMinor))" }
            #expect(stdout.split(separator: "\n").map(String.init) == expected, "\(format)")
            #expect(expected.count == 7)
        }
    }
}
