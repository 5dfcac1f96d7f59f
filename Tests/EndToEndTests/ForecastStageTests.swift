import Foundation
import Testing

/// The forecast stage through the real binary on the demo workspace.
@Suite("Cash-flow forecast, end to end")
struct ForecastStageTests {
    /// The demo pipeline with its `[forecast]` section replaced by `forecast`.
    static func pipeline(forecast: String) throws -> String {
        let demo = try Repository.demoPipeline()
        let cut = try #require(demo.range(of: "\n# Cash-flow forecast"), "the demo pipeline has a [forecast] section")
        return String(demo[..<cut.lowerBound]) + "\n" + forecast
    }

    static func summary(_ workspace: TestWorkspace) throws -> [String: String] {
        var values: [String: String] = [:]
        for row in try workspace.csvRecords("outbox/tresorerie/prevision-resume.csv") {
            values[row["indicator"] ?? ""] = (row["date"] ?? "") + " " + (row["amount"] ?? "")
        }
        return values
    }

    @Test func theDemoGetsItsForecastChartAndRecurringExpenses() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        var result = try workspace.run(["run", "--settle", "0", "--date", "2025-08-21"])
        #expect(result.status == 2, "\(result.stderr)")  // the demo's damaged file
        // The balance is the one the Qonto export printed in its "Solde" column after its
        // last line booked by then (20 August): the opening balance moved by the ledger lines.
        #expect(try Self.summary(workspace)["balance_today"] == "2025-08-21 14209.51")
        #expect(result.stdout.contains("Forecast: balance 14\u{202F}209,51 € today"), "\(result.stdout)")

        result = try workspace.run(["run", "--settle", "0", "--date", "2025-10-01"])
        #expect(result.status == 0, "\(result.stderr)")
        let daily = try workspace.csvRecords("outbox/tresorerie/prevision.csv")
        #expect(daily.count == 90 && daily.first?["date"] == "2025-10-02" && daily.last?["date"] == "2025-12-30")
        #expect(Set(daily.first?.keys.map { $0 } ?? []) == ["date", "receipts", "payments", "balance"])
        let summary = try Self.summary(workspace)
        #expect(summary["balance_today"] == "2025-10-01 15199.51")
        #expect(summary["balance_90"] == "2025-12-30 " + (daily.last?["balance"] ?? ""))
        let expenses = try workspace.csvRecords("outbox/tresorerie/depenses-recurrentes.csv")
        #expect(expenses.map { $0["counterparty"] ?? "" } == ["Loyer Bureaux Marseille"], "\(expenses)")
        #expect(expenses.first?["amount"] == "1250.00" && expenses.first?["source"] == "détectée")
        let flows = try workspace.csvRecords("outbox/tresorerie/flux-prevus.csv")
        #expect(flows.contains { $0["label"] == "Loyer Bureaux Marseille" && $0["date"] == "2025-10-02" })
        // November's flat fees are not issued yet: expected from their contracts, VAT included.
        #expect(flows.contains { $0["label"] == "LAA-monthly 2025-11" && $0["amount"] == "1680.00" }, "\(flows)")
        let svg = try workspace.text("outbox/tresorerie/prevision.svg")
        #expect(svg.hasPrefix("<svg xmlns=\"http://www.w3.org/2000/svg\"") && svg.contains("<polyline"))
        for name in ["prevision", "prevision-resume", "flux-prevus", "depenses-recurrentes"] {
            #expect(workspace.exists("outbox/tresorerie/\(name).xlsx"), "\(name).xlsx")
        }
        #expect(!result.stdout.contains("cash alert"), "\(result.stdout)")
    }

    @Test func theAlertIsAWarningOfTheRunAndAWrongDetectionCanBeIgnored() throws {
        let workspace = try TestWorkspace(
            pipeline: try Self.pipeline(
                forecast: """
                    [forecast]
                    opening_balance = 15000.00
                    opening_date = 2025-06-30
                    alert_below = 30000.00

                    [[forecast.ignore]]
                    match = "loyer"

                    [[forecast.expenses]]
                    label = "Salaire gérant"
                    amount = 4000.00
                    day = 28

                    """))
        try workspace.dropDemoFiles()
        _ = try workspace.run(["run", "--settle", "0", "--date", "2025-09-01"])
        let result = try workspace.run(["run", "--settle", "0", "--date", "2025-10-01", "--json"])
        #expect(result.status == 0, "\(result.stderr)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let report = try #require((json["forecast"] as? [[String: Any]])?.first)
        let below = try #require(report["firstDayBelow"] as? String, "\(report)")
        #expect(below == "2025-10-01", "today's balance is already below: \(report)")
        #expect(
            (report["warnings"] as? [String])?.first?.hasPrefix("cash alert: the projected balance goes below 30")
                == true)
        #expect(try Self.summary(workspace)["first_day_below"] == "2025-10-01 ")
        let text = try workspace.run(["run", "--settle", "0", "--date", "2025-10-02"])
        #expect(text.stdout.contains("WARNING    cash alert"), "\(text.stdout)")
        let expenses = try workspace.csvRecords("outbox/tresorerie/depenses-recurrentes.csv")
        #expect(
            expenses.map { $0["source"] ?? "" } == [
                "ignorée ([[forecast.ignore]])", "pipeline ([[forecast.expenses]])",
            ])
        let flows = try workspace.csvRecords("outbox/tresorerie/flux-prevus.csv")
        #expect(!flows.contains { $0["label"] == "Loyer Bureaux Marseille" })
        #expect(
            flows.filter { $0["label"] == "Salaire gérant" }.map { $0["date"] ?? "" } == [
                "2025-10-28", "2025-11-28", "2025-12-28",
            ])
    }

    @Test func aMistakeInTheForecastSectionStopsTheRunWithItsLine() throws {
        let workspace = try TestWorkspace(pipeline: try Self.pipeline(forecast: "[forecast]\nalert_bellow = 5000\n"))
        let result = try workspace.run(["check"])
        #expect(result.status == 3)
        #expect(
            (result.stdout + result.stderr).contains("unknown key forecast.alert_bellow; did you mean alert_below?"))
    }
}
