import FacturationCore
import Foundation
import TestSupport
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

    /// `fec --year` reads the records one at a time (packed entries, no run snapshot): its file is
    /// the one made from a run's snapshot (every document held and sorted), byte for byte.
    @Test func theYearlyFECFromTheRecordsIsTheOneOfARunSnapshot() throws {
        let workspace = try Self.demoWorkspace()
        let yearly = try workspace.run(["fec", "--year", "2025", "--date", "2025-10-02"])
        #expect(yearly.status == 0, "\(yearly.stderr)")
        let path = "outbox/fec/812345676FEC20251231.txt"
        let streamed = try workspace.data(path)
        #expect(streamed.count > 1_000)
        let pipeline = try PipelineLoader.load(
            path: workspace.path + "/pipelines/demo-conseil.toml", shownAs: "pipelines/demo-conseil.toml")
        let layout = Workspace(root: workspace.path).layout(for: pipeline, pipelineCount: 1)
        let publisher = FECPublisher(
            layout: layout, snapshot: try RunSnapshot(layout: layout), today: CivilDate(iso: "2025-10-02")!)
        _ = try publisher.yearly(endingIn: 2025)
        #expect(try workspace.data(path) == streamed)
    }

    @Test func monthlyAndYearlyFECPassTheCheckerAndAnIndependentParser() throws {
        let workspace = try Self.demoWorkspace()
        // Each month in its folder, under the legal name: the closing date of the fiscal year (FEC-03).
        #expect(
            workspace.files(under: "outbox/fec/mensuel") == [
                "outbox/fec/mensuel/2025-07/812345676FEC20251231.txt",
                "outbox/fec/mensuel/2025-08/812345676FEC20251231.txt",
                "outbox/fec/mensuel/2025-09/812345676FEC20251231.txt",
            ])
        let yearly = try workspace.run(["fec", "--year", "2025", "--date", "2025-10-02"])
        #expect(yearly.status == 0, "\(yearly.stderr)")
        let period = try workspace.run(["fec", "--from", "2025-08-01", "--to", "2025-08-31", "--date", "2025-10-02"])
        #expect(period.status == 0, "\(period.stderr)")
        #expect(workspace.exists("outbox/fec/periodes/2025-08-01_2025-08-31/812345676FEC20251231.txt"))
        let twoYears = try workspace.run(["fec", "--from", "2025-08-01", "--to", "2026-01-31"])
        #expect(twoYears.status == 1 && twoYears.stderr.contains("spans two fiscal years"), "\(twoYears.stderr)")
        let path = "outbox/fec/812345676FEC20251231.txt"
        // Every file is compliant as it is published, read as an extract of its period from its folder.
        let periodFile = "outbox/fec/periodes/2025-08-01_2025-08-31/812345676FEC20251231.txt"
        for file in workspace.files(under: "outbox/fec/mensuel") + [periodFile, path] {
            let check = try workspace.run(
                ["fec-check", workspace.path + "/" + file, "--year-end", "2025-12-31"],
                workspaceFlag: false)
            #expect(check.status == 0, "\(file): \(check.stdout)")
            #expect(check.stdout.contains("period:") == (file != path), "\(file): \(check.stdout)")
        }
        let text = try workspace.text(path)
        let lines = text.split(separator: "\r\n").map {
            $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init)
        }
        #expect(lines[0].count == 18 && lines[0][0] == "JournalCode")
        // Sales: 411 debit incl. VAT, 706 credit excl. VAT, VAT on receipts (services) on 445740.
        let laaJuly = lines.filter { $0[8] == "F20250704" && $0[0] == "VT" }
        #expect(
            laaJuly.map { [$0[4], $0[11], $0[12]] } == [
                ["411000", "1680,00", "0,00"], ["706000", "0,00", "1400,00"],
                ["445740", "0,00", "280,00"],
            ])
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
        let totals = try ChildProcess(
            python, [Repository.root.appendingPathComponent("scripts/fec_totals.py").path, workspace.path + "/" + path]
        ).run()
        #expect(totals.status == 0, "\(totals.stderr)")
        let output = totals.stdout
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

    /// The fields of every line of a FEC file of the workspace (header left out).
    static func rows(_ workspace: TestWorkspace, _ path: String) throws -> [[String]] {
        try workspace.text(path).split(separator: "\r\n").dropFirst()
            .map { $0.split(separator: "|", omittingEmptySubsequences: false).map(String.init) }
    }

    /// Issue #8 §6: the monthly and yearly files letter the bank-side 411 lines alike; a published month
    /// is rewritten only when late data of that month changes it, in its folder, under the same name.
    @Test func monthlyFilesLetterPaymentsLikeTheYearlyFile() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        try PaymentsTests.runMonths(workspace, ["2025-07-01", "2025-08-01"])
        let july = "outbox/fec/mensuel/2025-07/812345676FEC20251231.txt"
        let julyAtClose = try workspace.text(july)
        try PaymentsTests.runMonths(workspace, ["2025-09-01", "2025-10-01"])
        let september = "outbox/fec/mensuel/2025-09/812345676FEC20251231.txt"
        let septemberAtClose = try workspace.text(september)
        // Late data: a person decides the two waiting receipts (booked in September).
        let unmatched = try workspace.csvRecords("outbox/paiements/encaissements-non-rapproches.csv")
        let rows = unmatched.map { "\($0["receipt"]!),\($0["amount"] == "600.00" ? "F20250805" : "IGNORE"),,Camille," }
        try workspace.drop("decisions.csv", "receipt,invoice,amount,by,comment\n" + rows.joined(separator: "\n") + "\n")
        try PaymentsTests.runMonths(workspace, ["2025-10-02"])
        #expect(try workspace.text(july) == julyAtClose, "a later payment must not rewrite a published month")
        #expect(try workspace.text(september) != septemberAtClose, "the decisions change September")
        #expect(
            try workspace.text(september)
                == workspace.text("archive/accounting/demo-conseil/fec/mensuel/2025-09/812345676FEC20251231.txt"))
        #expect(workspace.files(under: "outbox/fec/mensuel/2025-09") == [september])

        let yearly = try workspace.run(["fec", "--year", "2025", "--date", "2025-10-02"])
        #expect(yearly.status == 0, "\(yearly.stderr)")
        let year = try Self.rows(workspace, "outbox/fec/812345676FEC20251231.txt")
        let august = try Self.rows(workspace, "outbox/fec/mensuel/2025-08/812345676FEC20251231.txt")
        // F20250704 (July) was paid on 12 August: August's file letters the payment like the yearly file.
        let payment = august.filter { $0[0] == "BQ" && $0[4] == "411000" && $0[10].contains("F20250704") }
        #expect(payment.map { [$0[13], $0[14]] } == [["F20250704", "20250812"]])
        // Every bank-side 411 line of every month is the same line, lettering included, in the yearly file.
        var lettered = 0
        for month in ["2025-07", "2025-08", "2025-09"] {
            let lines = try Self.rows(workspace, "outbox/fec/mensuel/\(month)/812345676FEC20251231.txt")
            for line in lines where line[0] == "BQ" && line[4] == "411000" {
                #expect(year.contains(line), "\(month): \(line)")
                if !line[13].isEmpty { lettered += 1 }
            }
        }
        #expect(lettered >= 5)
        // The invoice's own line was published with July before it was paid: lettered in the yearly file only.
        let invoice = { (lines: [[String]]) in
            lines.filter { $0[0] == "VT" && $0[4] == "411000" && $0[8] == "F20250704" }
        }
        #expect(invoice(try Self.rows(workspace, july)).map { [$0[13], $0[14]] } == [["", ""]])
        #expect(invoice(year).map { [$0[13], $0[14]] } == [["F20250704", "20250812"]])

        // A monthly file named after its month end, as they used to be, is reported by fec-check.
        let folder = try FECCheckCommandTests.Folder()
        let misnamed = try folder.write(
            "812345676FEC20250831.txt",
            Array(
                try workspace.data(
                    "outbox/fec/mensuel/2025-08/812345676FEC20251231.txt")))
        let guess = try workspace.run(["fec-check", misnamed], workspaceFlag: false)
        #expect(guess.status == 2 && guess.stdout.contains("FEC-03b"), "\(guess.stdout)")
        let known = try workspace.run(["fec-check", misnamed, "--year-end", "2025-12-31"], workspaceFlag: false)
        #expect(known.status == 1 && known.stdout.contains("FEC-03  "), "\(known.stdout)")
    }

    @Test func anAccountOutsideThePCGClassesIsRefusedInThePipelineFile() throws {
        let text = try Repository.demoPipeline()
            .replacingOccurrences(of: "account = \"651100\"", with: "account = \"951100\"")
        let workspace = try TestWorkspace(pipeline: text)
        let check = try workspace.run(["check"])
        #expect(check.status == 3, "\(check.stdout)\n\(check.stderr)")
        #expect((check.stdout + check.stderr).contains("the first from 1 to 8"), "\(check.stdout)\n\(check.stderr)")
    }

    @Test func reconciliationFindsNoDifferenceOnTheDemoAndFindsAPlantedOne() throws {
        let workspace = try Self.demoWorkspace()
        let clean = try workspace.run(["reconcile", "--date", "2025-10-02"])
        #expect(clean.status == 0, "\(clean.stdout)")
        #expect(clean.stdout.contains("no difference"))
        #expect(try workspace.text("outbox/rapprochement/rapprochement-2025-10-02.csv").contains("no difference"))

        // A workspace from before the month folders also holds mensuel/<SIREN>FEC<month end>.txt: such a
        // file is read only for a month without a folder, so no month counts twice and none is lost.
        let archived = workspace.root.appendingPathComponent("archive/accounting/demo-conseil/fec/mensuel")
        let legacy = archived.appendingPathComponent("812345676FEC20250831.txt")
        try FileManager.default.copyItem(
            at: archived.appendingPathComponent("2025-08/812345676FEC20251231.txt"), to: legacy)
        let both = try workspace.run(["reconcile", "--date", "2025-10-02"])
        #expect(both.status == 0 && both.stdout.contains("no difference"), "\(both.stdout)")
        let moved = workspace.root.appendingPathComponent("august-folder")
        try FileManager.default.moveItem(at: archived.appendingPathComponent("2025-08"), to: moved)
        let legacyOnly = try workspace.run(["reconcile", "--date", "2025-10-02"])
        #expect(legacyOnly.status == 0 && legacyOnly.stdout.contains("no difference"), "\(legacyOnly.stdout)")
        try FileManager.default.moveItem(at: moved, to: archived.appendingPathComponent("2025-08"))
        try FileManager.default.removeItem(at: legacy)

        // Plant one: the published August FEC books F20250805 for 60.00 instead of 600.00.
        let august = "archive/accounting/demo-conseil/fec/mensuel/2025-08/812345676FEC20251231.txt"
        let text = try workspace.text(august)
        let planted = text.replacingOccurrences(
            of: "|F20250805|20250801|Facture F20250805 PharmaBest SARL|600,00|",
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
        #expect(
            pipeline.differences.contains {
                $0.check == "invoice-journal" && $0.reference == "F20250805" && $0.expected == "600.00"
                    && $0.found == "60.00"
            })
        #expect(pipeline.invoicesChecked > 0 && pipeline.receiptsChecked > 0)
    }

    @Test func aClosedMonthWithoutEntriesHasNoFECAndDoesNotFailTheRun() throws {
        let text = try Repository.demoPipeline()
        let withoutContracts =
            String(text[..<text.range(of: "\n[[contracts]]")!.lowerBound]) + "\n"
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
