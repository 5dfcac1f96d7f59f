import Foundation
import Testing

/// The real-world Clockify exports in `../shared/fixtures/clockify` must all normalize, with
/// durations and amounts equal to what Clockify itself wrote in each row. Skipped cleanly when
/// the shared fixtures are not next to the repository.
@Suite("Conformance with real Clockify exports")
struct ConformanceTests {
    static let pipeline = """
        [company]
        name = "Conformance"
        siren = "812345676"
        time_zone = "Europe/Paris"
        [company.address]
        lines = ["1 rue"]
        postcode = "75001"
        city = "Paris"
        """

    @Test(.enabled(if: Repository.sharedFixtures != nil, "../shared/fixtures is not available"))
    func everyClockifyFixtureNormalizesWithTheExportedDurationsAndAmounts() throws {
        let fixtures = try #require(Repository.sharedFixtures).appendingPathComponent("clockify")
        let names = try FileManager.default.contentsOfDirectory(atPath: fixtures.path).filter { $0.hasSuffix(".csv") }
            .sorted()
        #expect(names.count >= 5)
        for name in names {
            let workspace = try TestWorkspace(pipeline: Self.pipeline, name: "conformance")
            let source = try Data(contentsOf: fixtures.appendingPathComponent(name))
            try workspace.drop(name, source)
            let result = try workspace.run(["run", "--settle", "0"])
            #expect(result.status == 0, "\(name): \(result.stdout) \(result.stderr)")

            // Expected values, read independently from the export itself.
            let rows = SimpleCSV.parse(String(decoding: source, as: UTF8.self))
            let headerIndex = try #require(rows.firstIndex { $0.contains("Start Date") && $0.contains("Duration (h)") })
            let header = rows[headerIndex]
            let amountColumn = try #require(header.firstIndex { $0.hasPrefix("Billable Amount") })
            let durationColumn = try #require(header.firstIndex(of: "Duration (h)"))
            let descriptionColumn = try #require(header.firstIndex(of: "Description"))
            let entries = rows[(headerIndex + 1)...].filter {
                $0.count == header.count && !$0[header.firstIndex(of: "Start Date")!].isEmpty
            }
            var expected: [String: (seconds: Int, cents: Int)] = [:]
            var expectedTotal = (seconds: 0, cents: 0, count: 0)
            for row in entries {
                let parts = row[durationColumn].split(separator: ":").compactMap { Int($0) }
                let seconds = parts[0] * 3600 + parts[1] * 60 + parts[2]
                let cents = Int((Decimal(string: row[amountColumn])! * 100 as NSDecimalNumber).intValue)
                expected[row[descriptionColumn]] = (seconds, cents)
                expectedTotal.seconds += seconds
                expectedTotal.cents += cents
                expectedTotal.count += 1
            }

            var produced: [[String: String]] = []
            for ledger in workspace.files(under: "outbox/time-entries") {
                produced += try workspace.csvRecords(ledger)
            }
            #expect(produced.count == expectedTotal.count, "\(name)")
            #expect(produced.reduce(0) { $0 + Int($1["duration_seconds"]!)! } == expectedTotal.seconds, "\(name)")
            #expect(produced.reduce(0) { $0 + Int($1["billable_amount_minor"]!)! } == expectedTotal.cents, "\(name)")
            for record in produced {
                let description = record["description"] ?? ""
                guard let wanted = expected[description] else { continue }
                #expect(Int(record["duration_seconds"]!) == wanted.seconds, "\(name): \(description)")
                #expect(Int(record["billable_amount_minor"]!) == wanted.cents, "\(name): \(description)")
                // The instants agree with the duration.
                let start = try #require(ISO8601DateFormatter().date(from: record["start_utc"]!))
                let end = try #require(ISO8601DateFormatter().date(from: record["end_utc"]!))
                #expect(abs(end.timeIntervalSince(start) - Double(wanted.seconds)) <= 60, "\(name): \(description)")
            }
        }
    }

    @Test(.enabled(if: Repository.sharedFixtures != nil, "../shared/fixtures is not available"))
    func knownRowsOfTheFixturesHaveTheirExactValues() throws {
        let fixtures = try #require(Repository.sharedFixtures).appendingPathComponent("clockify")
        let workspace = try TestWorkspace(pipeline: Self.pipeline, name: "conformance")
        for name in [
            "Clockify_LAA_Export_Juillet_2025.csv", "clockify_detailed_variant_1.csv",
            "clockify_detailed_variant_2.csv",
        ] {
            try workspace.drop(name, try Data(contentsOf: fixtures.appendingPathComponent(name)))
        }
        try workspace.run(["run", "--settle", "0"])

        // LAA, 8 July 2025 09:00–12:42 Paris time (CEST): 3 h 42, 407.00 EUR at 110.00/h.
        let july = try workspace.csvRecords("outbox/time-entries/2025-07.csv")
        let rds = try #require(
            july.first { $0["description"] == "Configuration RDS 2022 - Environnement multi-utilisateurs" })
        #expect(rds["start_utc"] == "2025-07-08T07:00:00Z")
        #expect(rds["end_local"] == "2025-07-08T12:42:00+02:00")
        #expect(rds["duration_seconds"] == "13320")
        #expect(rds["hourly_rate_minor"] == "11000")
        #expect(rds["billable_amount_minor"] == "40700")
        #expect(rds["currency"] == "EUR")

        // Web-app export: US dates and 12-hour times, one without seconds; 4 March 2024 (CET).
        let march = try workspace.csvRecords("outbox/time-entries/2024-03.csv")
        let work = try #require(march.first { $0["description"] == "Working hard" })
        #expect(work["start_local"] == "2024-03-04T10:23:00+01:00")
        #expect(work["end_utc"] == "2024-03-04T10:23:01Z")
        #expect(work["duration_seconds"] == "3601")
        #expect(work["time_precision"] == "minute")
        #expect(work["task_name"] == "Task 1")
        #expect(work["currency"] == "USD")
        let empty = try #require(march.first { $0["project_name"] == "Project without Client" })
        #expect(empty["duration_seconds"] == "0")
        #expect(empty["tags"] == "Development, Backend")
        #expect(empty["billable"] == "false")

        // Backslashes, quotes and emoji survive byte for byte; invoice columns are kept.
        let october = try workspace.csvRecords("outbox/time-entries/2024-10.csv")
        let special = try #require(october.first)
        #expect(
            special["description"] == #"\\ 🔥 Special characters  ''''''`!@#$%^&*()_+\-=\[\]{};':''\\|,.''<>\/?~ \\\"#)
        #expect(special["invoiced"] == "true")
        #expect(special["invoice_ref"] == "Invoice100")
        #expect(special["billable_amount_minor"] == "50000")
    }
}
