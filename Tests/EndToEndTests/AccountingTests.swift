import FacturationCore
import Foundation
import Testing

/// FEC exports (monthly at month close, yearly on demand) and the three-way reconciliation.
@Suite("Accounting, end to end", .serialized)
struct AccountingTests {
    /// The demo driven from July to October 2025, with the two waiting receipts decided.
    static func demoWorkspace() throws -> TestWorkspace {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        try PaymentsTests.runMonths(workspace, ["2025-07-01", "2025-08-01", "2025-09-01", "2025-10-01"])
        let unmatched = try workspace.csvRecords("outbox/paiements/encaissements-non-rapproches.csv")
        let rows = unmatched.map { "\($0["receipt"]!),\($0["amount"] == "600.00" ? "F20250805" : "IGNORE"),,Camille," }
        try workspace.drop("decisions.csv", "receipt,invoice,amount,by,comment\n" + rows.joined(separator: "\n") + "\n")
        try PaymentsTests.runMonths(workspace, ["2025-10-02"])
        return workspace
    }

    @Test func monthlyAndYearlyFECPassTheCheckerAndAnIndependentParser() throws {
        let workspace = try Self.demoWorkspace()
        #expect(workspace.files(under: "outbox/fec/mensuel") == [
            "outbox/fec/mensuel/812345676FEC20250731.txt", "outbox/fec/mensuel/812345676FEC20250831.txt",
            "outbox/fec/mensuel/812345676FEC20250930.txt",
        ])
        let yearly = try workspace.run(["fec", "--year", "2025", "--date", "2025-10-02"])
        #expect(yearly.status == 0, "\(yearly.stderr)")
        let period = try workspace.run(["fec", "--from", "2025-08-01", "--to", "2025-08-31", "--date", "2025-10-02"])
        #expect(period.status == 0, "\(period.stderr)")
        #expect(workspace.exists("outbox/fec/periodes/2025-08-01_2025-08-31/812345676FEC20250831.txt"))
        let twoYears = try workspace.run(["fec", "--from", "2025-08-01", "--to", "2026-01-31"])
        #expect(twoYears.status == 1 && twoYears.stderr.contains("spans two fiscal years"), "\(twoYears.stderr)")
        let path = "outbox/fec/812345676FEC20251231.txt"
        for file in workspace.files(under: "outbox/fec/mensuel") + [path] {
            let check = try workspace.run(["fec-check", workspace.path + "/" + file], workspaceFlag: false)
            #expect(check.status == 0, "\(file): \(check.stdout)")
        }
        let text = try workspace.text(path)
        let lines = text.split(separator: "\r\n").map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
        #expect(lines[0].count == 18 && lines[0][0] == "JournalCode")
        // Sales: 411 debit incl. VAT, 706 credit excl. VAT, VAT on receipts (services) on 445740.
        let laaJuly = lines.filter { $0[8] == "F20250704" && $0[0] == "VT" }
        #expect(laaJuly.map { [$0[4], $0[11], $0[12]] } == [["411000", "1680,00", "0,00"], ["706000", "0,00", "1400,00"],
                                                           ["445740", "0,00", "280,00"]])
        // Paid in full on 12 August: the invoice's 411 lines are lettered with its number, dated that day.
        let lettered = lines.filter { $0[4] == "411000" && $0[13] == "F20250704" }
        #expect(lettered.count == 2 && lettered.allSatisfy { $0[14] == "20250812" })
        // The VAT of what was received moved from 445740 to 445710 (OD journal), 280.00 for F20250704.
        #expect(lines.contains { $0[0] == "OD" && $0[4] == "445710" && $0[12] == "280,00" })
        // Rent, URSSAF and the software subscription follow the [[accounting.rules]] of the demo pipeline.
        #expect(lines.contains { $0[4] == "613200" } && lines.contains { $0[4] == "431000" })
        // What no rule explains waits on 471 and is listed for the accountant: the ignored LAA transfer.
        let suspense = try workspace.csvRecords("outbox/fec/compte-attente.csv")
        #expect(suspense.map { $0["amount"] } == ["2040.00"])
        #expect(lines.filter { $0[4] == "471000" }.map { $0[12] } == ["2040,00"])
        // EcritureNum continuous per journal.
        for journal in ["VT", "BQ", "OD"] {
            let numbers = Set(lines.dropFirst().filter { $0[0] == journal }.map { Int($0[2].dropFirst(2))! }).sorted()
            #expect(numbers == Array(1...numbers.count), "\(journal) numbering has gaps")
        }

        // An independent parser (fec-parser from PyPI) gives the same totals per account as our checker.
        let python = Repository.root.appendingPathComponent(".venv-fx/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("\(python) is missing: run scripts/setup-validation-venv before the tests")
            return
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [Repository.root.appendingPathComponent("scripts/fec_totals.py").path, workspace.path + "/" + path]
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let output = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0)
        var ours: [String: (Decimal, Decimal)] = [:]
        for line in lines.dropFirst() {
            let debit = Decimal(string: line[11].replacingOccurrences(of: ",", with: "."))!
            let credit = Decimal(string: line[12].replacingOccurrences(of: ",", with: "."))!
            let sum = ours[line[4]] ?? (0, 0)
            ours[line[4]] = (sum.0 + debit, sum.1 + credit)
        }
        let theirs = output.split(separator: "\n").map { $0.split(separator: "\t").map(String.init) }
        #expect(theirs.count == ours.count)
        for row in theirs {
            let mine = ours[row[0]]
            #expect(mine?.0 == Decimal(string: row[1]) && mine?.1 == Decimal(string: row[2]), "account \(row[0])")
        }
    }

    @Test func reconciliationFindsNoDifferenceOnTheDemoAndFindsAPlantedOne() throws {
        let workspace = try Self.demoWorkspace()
        let clean = try workspace.run(["reconcile", "--date", "2025-10-02"])
        #expect(clean.status == 0, "\(clean.stdout)")
        #expect(clean.stdout.contains("no difference"))
        #expect(try workspace.text("outbox/rapprochement/rapprochement-2025-10-02.csv").contains("no difference"))

        // Plant one: the published August FEC books F20250805 for 60.00 instead of 600.00.
        let august = "archive/accounting/demo-conseil/fec/mensuel/812345676FEC20250831.txt"
        let text = try workspace.text(august)
        let planted = text.replacingOccurrences(of: "|F20250805|20250801|Facture F20250805 PharmaBest SARL|600,00|",
                                                with: "|F20250805|20250801|Facture F20250805 PharmaBest SARL|60,00|")
        #expect(planted != text)
        try planted.write(toFile: workspace.path + "/" + august, atomically: true, encoding: .utf8)
        let found = try workspace.run(["reconcile", "--date", "2025-10-03"])
        #expect(found.status == 1)
        #expect(found.stdout.contains("invoice-journal F20250805: expected 600.00, found 60.00"), "\(found.stdout)")
        #expect(found.stdout.contains("client-balance PHARMABEST"))
        let report = try workspace.csvRecords("outbox/rapprochement/rapprochement-2025-10-03.csv")
        #expect(report.count == 2)

        // The same differences for scripts: --json, per pipeline, still exit 1.
        let json = try workspace.run(["reconcile", "--date", "2025-10-03", "--json"])
        #expect(json.status == 1)
        let decoded = try JSONDecoder().decode([String: Reconciliation.Report].self, from: Data(json.stdout.utf8))
        let pipeline = try #require(decoded["demo-conseil"], "\(json.stdout)")
        #expect(pipeline.differences.count == 2)
        #expect(pipeline.differences.contains {
            $0.check == "invoice-journal" && $0.reference == "F20250805" && $0.expected == "600.00" && $0.found == "60.00"
        })
        #expect(pipeline.invoicesChecked > 0 && pipeline.receiptsChecked > 0)
    }

    @Test func aClosedMonthWithoutEntriesHasNoFECAndDoesNotFailTheRun() throws {
        let text = try String(contentsOf: Repository.root.appendingPathComponent("pipelines/demo-conseil.toml"), encoding: .utf8)
        let withoutContracts = String(text[..<text.range(of: "\n[[contracts]]")!.lowerBound]) + "\n"
            + String(text[text.range(of: "\n[accounting]")!.lowerBound...])
        let workspace = try TestWorkspace(pipeline: withoutContracts)
        let result = try workspace.run(["run", "--settle", "0", "--date", "2025-09-02"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(workspace.files(under: "outbox/fec").filter { $0.hasSuffix(".txt") }.isEmpty)
        let year = try workspace.run(["fec", "--year", "2025", "--date", "2025-09-02"])
        #expect(year.status == 1 && year.stderr.contains("there is no FEC to write"), "\(year.stderr)")
    }

    @Test func aMondayRunReconciles() throws {
        let workspace = try Self.demoWorkspace()
        let monday = try workspace.run(["run", "--settle", "0", "--date", "2025-10-06"])
        #expect(monday.stdout.contains("Reconciliation until 2025-09-30"), "\(monday.stdout)")
        #expect(workspace.exists("outbox/rapprochement/rapprochement-2025-10-06.csv"))
    }
}
