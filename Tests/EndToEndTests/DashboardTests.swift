import FacturationCore
import Foundation
import TestSupport
import Testing

/// The dashboard through the real binary: the demo replay's page is valid, self-contained HTML
/// (html5lib, strict), renders in headless Chromium, and shows exactly the numbers of the CSV
/// reports beside it, which agree with what other parts of the pipeline wrote independently.
@Suite("Dashboard")
struct DashboardTests {
    static let python = "/usr/bin/python3"
    static let checker = Repository.root.appendingPathComponent("scripts/html_check.py").path

    @Test func demoDashboardIsValidAndShowsTheNumbersOfItsCSVReports() throws {
        let workspace = try DemoReplayTests.replay()
        let page = try workspace.text("outbox/dashboard/index.html")
        let check = try runTool(Self.python, [Self.checker, workspace.path + "/outbox/dashboard/index.html"])
        #expect(check.status == 0, "\(check.output)")
        for (table, csv) in [
            ("t-chiffre-affaires", "chiffre-affaires.csv"), ("t-clients", "clients.csv"), ("t-dso", "dso.csv"),
            ("t-balance-agee", "balance-agee.csv"), ("t-temps-facturable", "temps-facturable.csv"),
        ] {
            let shown = try Self.table(table, in: page).map { $0.map(Self.machineForm) }
            let written = SimpleCSV.parse(try workspace.text("outbox/dashboard/" + csv)).dropFirst()
            #expect(shown == Array(written), "\(table) differs from \(csv)")
            #expect(shown.count >= 9, "\(table) has \(shown.count) rows")
        }
        try Self.expectAgreementWithOtherReports(workspace)
        // The demo's facts, computed by hand from demo/inbox: in August 2025, LAA paid F20250704 (1 680,00)
        // and QUADRIMEX paid two invoices (600,00); in July, PHARMABEST paid F20250706 (600,00) and LAA
        // paid F20250601 and F20250602 of the Oxygène register (2 040,00, matched once the register came:
        // the revenue is facturation's alone, the receipts are all that paid invoices).
        let revenue = SimpleCSV.parse(try workspace.text("outbox/dashboard/chiffre-affaires.csv"))
        #expect(revenue.contains(["2025-07", "4901.60", "5881.92", "2640.00"]))
        #expect(revenue.contains { $0.first == "2025-08" && $0.last == "2280.00" })
        #expect(page.contains("<title>Tableau de bord — Demo Conseil SAS — 03/11/2025</title>"))
        try Self.expectForecastOfTheSameRun(page, workspace)
    }

    /// The curve is the forecast stage's of the same run: today's, the lowest and the last balance
    /// the page states are those of `outbox/tresorerie/`.
    static func expectForecastOfTheSameRun(_ page: String, _ workspace: TestWorkspace) throws {
        func shown(_ row: [String], date: Int, amount: Int) throws -> String {
            let day = try #require(CivilDate(iso: row[date]))
            let minor = try #require(Int64(row[amount].replacingOccurrences(of: ".", with: "")))
            return "le \(DashboardFormat.date(day)) : \(DashboardFormat.euros(minor))"
        }
        let summary = SimpleCSV.parse(try workspace.text("outbox/tresorerie/prevision-resume.csv"))
        let today = try #require(summary.first { $0.first == "balance_today" })
        let lowest = try #require(summary.first { $0.first == "lowest_balance" })
        let last = try #require(SimpleCSV.parse(try workspace.text("outbox/tresorerie/prevision.csv")).last)
        let expected =
            "Solde prévu \(try shown(today, date: 2, amount: 3)) ; au plus bas \(try shown(lowest, date: 2, amount: 3)) ; "
            + "\(try shown(last, date: 0, amount: 3))."
        #expect(page.contains(expected), "the page's forecast is not \(expected)")
        #expect(!page.contains("Pas de prévision."))
    }

    /// The aged balance equals the payment stage's (`paiements/balance-agee.csv`, computed apart),
    /// and the hours equal the sums of the time ledgers delivered to `outbox/time-entries/`.
    static func expectAgreementWithOtherReports(_ workspace: TestWorkspace) throws {
        let ours = SimpleCSV.parse(try workspace.text("outbox/dashboard/balance-agee.csv"))
        let payments = SimpleCSV.parse(try workspace.text("outbox/paiements/balance-agee.csv"))
        #expect(ours == payments)
        let time = SimpleCSV.parse(try workspace.text("outbox/dashboard/temps-facturable.csv"))
        for row in time.dropFirst() where row[4] != "0.00" {
            let ledger = SimpleCSV.parse(try workspace.text("outbox/time-entries/\(row[0]).csv"))
            let header = ledger[0]
            let category = header.firstIndex(of: "category")!, duration = header.firstIndex(of: "duration_seconds")!
            var seconds: [String: Int] = [:]
            for entry in ledger.dropFirst() { seconds[entry[category], default: 0] += Int(entry[duration])! }
            func hours(_ value: Int) -> String { String(format: "%.2f", Double((value * 100 + 1_800) / 3_600) / 100) }
            #expect(row[1] == hours(seconds["FACTURABLE"] ?? 0), "\(row)")
            #expect(row[2] == hours(seconds["FORFAIT"] ?? 0), "\(row)")
            #expect(row[4] == hours(seconds.values.reduce(0, +)), "\(row)")
        }
    }

    @Test func chromiumRendersTheDemoDashboard() throws {
        let workspace = try DemoReplayTests.replay()
        let browser = try #require(
            ["/usr/bin/chromium-headless-shell", "/usr/bin/chromium"].first {
                FileManager.default.isExecutableFile(atPath: $0)
            }, "no headless Chromium: run scripts/setup-deps (Debian chromium-headless-shell)")
        let shot = workspace.path + "/dashboard.png"
        let render = try runTool(
            browser,
            [
                "--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--screenshot=\(shot)",
                "--window-size=1280,4300", "file://" + workspace.path + "/outbox/dashboard/index.html",
            ])
        #expect(render.status == 0, "\(render.output)")
        let check = try runTool(Self.python, [Self.checker, "--png", shot, "1280", "4300"])
        #expect(check.status == 0, "\(check.output)")
        if ProcessInfo.processInfo.environment["FACTURATION_UPDATE_SCREENSHOT"] == "1" {
            let target = Repository.root.appendingPathComponent("docs/dashboard.png")
            try? FileManager.default.removeItem(at: target)
            try FileManager.default.copyItem(at: URL(fileURLWithPath: shot), to: target)
        }
    }

    @Test func theCheckerRejectsScriptsExternalReferencesInvalidPagesAndBlankImages() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("dash-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let head = "<!DOCTYPE html>\n<html lang=\"fr\"><head><meta charset=\"utf-8\"><title>t</title>"
        let style = "<style>@media print { p { color: black } }</style></head><body>"
        let pages = [
            "script": head + style + "<p>x</p><script>alert(1)</script></body></html>",
            "image": head + style + "<p><img src=\"https://example.org/a.png\" alt=\"\"></p></body></html>",
            "link": head + "<link rel=\"stylesheet\" href=\"//cdn.example.org/a.css\">" + style + "</body></html>",
            "invalid": head + style + "<p><b>x</p></i></body></html>",
            "unprintable": head + "</head><body><p>x</p></body></html>",
        ]
        for (name, html) in pages {
            let path = folder.appendingPathComponent(name + ".html").path
            try html.write(toFile: path, atomically: true, encoding: .utf8)
            #expect(try runTool(Self.python, [Self.checker, path]).status == 1, "\(name)")
        }
        let good = folder.appendingPathComponent("good.html").path
        try (head + style + "<p>x</p></body></html>").write(toFile: good, atomically: true, encoding: .utf8)
        #expect(try runTool(Self.python, [Self.checker, good]).status == 0)
        // A white 1280×2000 image is blank; the wrong size is refused.
        let blank = folder.appendingPathComponent("blank.png").path
        let make =
            "import zlib,struct\nw,h=1280,2000\nraw=b''.join(b'\\x00'+b'\\xff'*w*3 for _ in range(h))\n"
            + "c=lambda k,d: struct.pack('>I',len(d))+k+d+struct.pack('>I',zlib.crc32(k+d))\n"
            + "open('\(blank)','wb').write(b'\\x89PNG\\r\\n\\x1a\\n'+c(b'IHDR',struct.pack('>IIBBBBB',w,h,8,2,0,0,0))"
            + "+c(b'IDAT',zlib.compress(raw))+c(b'IEND',b''))\n"
        #expect(try runTool(Self.python, ["-c", make]).status == 0)
        #expect(try runTool(Self.python, [Self.checker, "--png", blank, "1280", "2000"]).status == 1)
        #expect(try runTool(Self.python, [Self.checker, "--png", blank, "1280", "1000"]).status == 1)
    }

    @Test func aClientNameWithMarkupIsShownAsTextAndTheSectionIsConfigurable() throws {
        var pipeline = try Repository.demoPipeline()
        pipeline = pipeline.replacingOccurrences(
            of: "legal_name = \"Buquet SAS\"", with: "legal_name = \"Buquet <script>alert('x')</script> & Cie\"")
        let workspace = try TestWorkspace(pipeline: pipeline + "\n[dashboard]\nmonths = 4\ntop_clients = 3\n")
        try workspace.dropDemoFiles()
        let run = try workspace.run(["run", "--settle", "0", "--date", "2025-09-01"])
        #expect(run.status == 2, "\(run.stderr)")
        let page = try workspace.text("outbox/dashboard/index.html")
        #expect(page.contains("Buquet &lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; Cie"))
        #expect(!page.contains("<script"))
        let check = try runTool(Self.python, [Self.checker, workspace.path + "/outbox/dashboard/index.html"])
        #expect(check.status == 0, "\(check.output)")
        #expect(SimpleCSV.parse(try workspace.text("outbox/dashboard/chiffre-affaires.csv")).count == 1 + 4)
        #expect(SimpleCSV.parse(try workspace.text("outbox/dashboard/clients.csv")).count == 1 + 3)

        let off = try TestWorkspace(pipeline: try Repository.demoPipeline() + "\n[dashboard]\nenabled = false\n")
        try off.dropDemoFiles()
        #expect(try off.run(["run", "--settle", "0", "--date", "2025-09-01"]).status == 2)
        #expect(off.files(under: "outbox/dashboard").isEmpty)

        let typo = try TestWorkspace(pipeline: try Repository.demoPipeline() + "\n[dashboard]\nmonth = 6\n")
        let refused = try typo.run(["check"])
        #expect(refused.status == 3)
        #expect(refused.stderr.contains("demo-conseil.toml:") && refused.stderr.contains("unknown key dashboard.month"))
    }

    // MARK: - Reading the page

    /// The body rows of the table `id` (and its footer), each cell's text with entities decoded.
    static func table(_ id: String, in page: String) throws -> [[String]] {
        let start = try #require(page.range(of: "<table id=\"\(id)\">"), "no table \(id)")
        let end = try #require(page.range(of: "</table>", range: start.upperBound..<page.endIndex))
        let body = page[start.upperBound..<end.lowerBound]
        guard let tbody = body.range(of: "<tbody>") else { return [] }
        let rows = body[tbody.upperBound...].components(separatedBy: "<tr>").dropFirst()
        let cell = try NSRegularExpression(pattern: "<t[dh][^>]*>(.*?)</t[dh]>")
        var result: [[String]] = []
        for row in rows {
            var cells: [String] = []
            for match in cell.matches(in: row, range: NSRange(row.startIndex..., in: row)) {
                guard let range = Range(match.range(at: 1), in: row) else { continue }
                cells.append(decodeEntities(String(row[range])))
            }
            // The footer's first cell spans the code and name columns of the CSV.
            result.append(cells.first == "Total" ? ["TOTAL", ""] + cells.dropFirst() : cells)
        }
        return result
    }

    static func decodeEntities(_ text: String) -> String {
        var text = text.replacingOccurrences(of: "&lt;", with: "<")
        text = text.replacingOccurrences(of: "&gt;", with: ">")
        text = text.replacingOccurrences(of: "&quot;", with: "\"")
        text = text.replacingOccurrences(of: "&#39;", with: "'")
        return text.replacingOccurrences(of: "&amp;", with: "&")
    }

    static let months = [
        "Janvier", "Février", "Mars", "Avril", "Mai", "Juin", "Juillet", "Août", "Septembre", "Octobre", "Novembre",
        "Décembre",
    ]

    /// A cell as people read it, in the CSV's form: `12 345,67 €` → `12345.67`, `Août 2025` →
    /// `2025-08`, `31/08/2025` → `2025-08-31`, `62,5 %` → `62.5`, `—` → empty.
    static func machineForm(_ cell: String) -> String {
        let words = cell.split(separator: " ")
        if words.count == 2, let month = months.firstIndex(of: String(words[0])) {
            return "\(words[1])-" + (month < 9 ? "0" : "") + "\(month + 1)"
        }
        let parts = cell.split(separator: "/")
        if parts.count == 3, parts.allSatisfy({ Int($0) != nil }) { return "\(parts[2])-\(parts[1])-\(parts[0])" }
        if cell == "—" { return "" }
        var text = cell
        for unit in ["\u{A0}€", " €", "\u{A0}h", "\u{A0}%", "\u{A0}j"] where text.hasSuffix(unit) {
            text = String(text.dropLast(unit.count))
        }
        let number = text.replacingOccurrences(of: "\u{202F}", with: "").replacingOccurrences(of: ",", with: ".")
        return number.allSatisfy({ $0.isNumber || $0 == "." || $0 == "-" }) && !number.isEmpty ? number : cell
    }
}

/// The hours of closed months are kept in `archive/checkpoints/<p>/dashboard-time.json`
/// (``TimeTotalsCache``): used while the ledger keeps its identity, counted again when it changes.
@Suite("Dashboard hours cache")
struct DashboardTimeCacheTests {
    @Test func closedMonthsAreCountedOnceAndAgainWhenTheirLedgerChanges() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        let cache = "archive/checkpoints/demo-conseil/dashboard-time.json"
        let ledger = workspace.root.appendingPathComponent("archive/ledgers/demo-conseil/time-entries/2025-07.csv")
        func hoursOfJuly() throws -> [String] {
            try #require(
                SimpleCSV.parse(try workspace.text("outbox/dashboard/temps-facturable.csv")).first {
                    $0[0] == "2025-07"
                })
        }
        func age(_ seconds: Double) throws {
            try FileManager.default.setAttributes(
                [.modificationDate: Date(timeIntervalSinceNow: -seconds)], ofItemAtPath: ledger.path)
        }
        #expect(try workspace.run(["run", "--settle", "0", "--date", "2025-08-01"]).status == 2)
        let truth = try hoursOfJuly()
        #expect(truth == ["2025-07", "37.50", "26.00", "22.75", "86.25", "43.5"])
        // The ledger gets another identity (its change time is now); once that is 2 s old, July is kept.
        try age(3_600)
        Thread.sleep(forTimeInterval: 2.1)
        #expect(try workspace.run(["run", "--settle", "0", "--date", "2025-08-02"]).status == 0)
        let kept = try JSONSerialization.jsonObject(with: try workspace.data(cache)) as? [String: Any]
        let months = try #require(kept?["months"] as? [String: [String: Any]])
        #expect(months.keys.sorted() == ["2025-07"])
        #expect(months["2025-07"]?["billableSeconds"] as? Int == 135_000)

        // Trusted while the ledger keeps its identity (a changed figure shows it is not read again)…
        var text = try workspace.text(cache)
        text = text.replacingOccurrences(of: "\"billableSeconds\":135000", with: "\"billableSeconds\":36000")
        try text.write(toFile: workspace.path + "/" + cache, atomically: true, encoding: .utf8)
        #expect(try workspace.run(["run", "--settle", "0", "--date", "2025-08-03"]).status == 0)
        #expect(try hoursOfJuly()[1] == "10.00")
        // …and counted again from the ledger as soon as it changes.
        try age(1_800)
        #expect(try workspace.run(["run", "--settle", "0", "--date", "2025-08-04"]).status == 0)
        #expect(try hoursOfJuly() == truth)
    }
}
