import Foundation
import Testing

@testable import FacturationCore

@Suite("Clockify CSV converter")
struct ClockifyCSVConverterTests {
    static let header =
        #""Project","Client","Description","Task","User","Group","Email","Tags","Billable","Start Date","Start Time","End Date","End Time","Duration (h)","Duration (decimal)","Billable Rate (EUR)","Billable Amount (EUR)""#

    /// One quoted row with the usual columns.
    static func row(
        project: String = "LAA - INFRA", client: String = "LAA", description: String = "Audit",
        tags: String = "", billable: String = "Yes", start: (String, String), end: (String, String),
        duration: String, rate: String = "110.00", amount: String = "110.00"
    ) -> String {
        [
            project, client, description, "", "Camille Martin", "", "camille@demo.fr", tags, billable,
            start.0, start.1, end.0, end.1, duration, "0.00", rate, amount,
        ]
        .map { "\"" + $0.replacingOccurrences(of: "\"", with: "\"\"") + "\"" }.joined(separator: ",")
    }

    @Test func europeanDatesAreReadInThePipelineTimeZone() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(
            [
                Self.header,
                Self.row(
                    start: ("15/07/2025", "09:00:00"), end: ("15/07/2025", "10:30:00"), duration: "01:30:00",
                    amount: "165.00"),
            ].joined(separator: "\n") + "\n")
        #expect(outcome.rejection == nil)
        let entry = try #require(outcome.rows["2025-07"]?.first)
        #expect(entry["start_local"] == "2025-07-15T09:00:00+02:00")
        #expect(entry["end_utc"] == "2025-07-15T08:30:00Z")
        #expect(entry["duration_seconds"] == "5400")
        #expect(entry["billable_amount_minor"] == "16500")
        #expect(entry["hourly_rate"] == "110.00")
        #expect(entry["currency"] == "EUR")
        #expect(entry["time_precision"] == "second")
        #expect(entry["record_key"]?.hasPrefix("te:") == true)
        #expect(entry["record_key"]?.count == 35)
    }

    @Test func usDatesAreRecognisedFromALaterUnambiguousDate() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        // 24-hour times, so the file starts as day/month; 03/25/2024 proves month/day: the file is re-read.
        let outcome = try harness.convert(
            [
                Self.header,
                Self.row(
                    description: "first", start: ("03/04/2024", "09:00:00"), end: ("03/04/2024", "10:00:00"),
                    duration: "01:00:00"),
                Self.row(
                    description: "second", start: ("03/25/2024", "09:00:00"), end: ("03/25/2024", "10:00:00"),
                    duration: "01:00:00"),
            ].joined(separator: "\n"))
        #expect(outcome.rejection == nil, "\(outcome.problems)")
        let march = try #require(outcome.rows["2024-03"])
        #expect(march.map { $0["start_local"] } == ["2024-03-04T09:00:00+01:00", "2024-03-25T09:00:00+01:00"])
        #expect(outcome.rows["2024-04"] == nil)
    }

    @Test func ambiguousDatesAreRejectedUnlessTheFormatIsConfigured() throws {
        let lines = [
            Self.header,
            Self.row(start: ("03/04/2025", "09:00:00"), end: ("03/04/2025", "10:00:00"), duration: "01:00:00"),
        ]
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let rejected = try harness.convert(lines.joined(separator: "\n"))
        let rejection = try #require(rejected.rejection)
        #expect(rejection.summary.contains("can be read as day/month or as month/day"))
        #expect(rejection.advice.contains("date_format = \"DD/MM/YYYY\""))
        #expect(rejection.advice.contains("pipelines/test.toml"))

        let configured = try ConversionHarness(pipeline: "[clockify]\ndate_format = \"DD/MM/YYYY\"\n")
        defer { configured.cleanUp() }
        let accepted = try configured.convert(lines.joined(separator: "\n"))
        #expect(accepted.rows["2025-04"]?.first?["start_local"] == "2025-04-03T09:00:00+02:00")
    }

    @Test func twelveHourTimesWithAmbiguousDatesAreReadAsUSDates() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(
            [
                Self.header,
                Self.row(start: ("03/04/2025", "9:05 AM"), end: ("03/04/2025", "12:10:30 PM"), duration: "03:05:30"),
            ].joined(separator: "\n"))
        let entry = try #require(outcome.rows["2025-03"]?.first)
        #expect(entry["start_local"] == "2025-03-04T09:05:00+01:00")
        #expect(entry["end_local"] == "2025-03-04T12:10:30+01:00")
        #expect(entry["time_precision"] == "minute")
        #expect(entry["duration_seconds"] == "11130")
    }

    @Test func entriesAcrossDaylightSavingChangesKeepTheirRealDuration() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(
            [
                Self.header,
                // Spring forward: 01:30 CET to 03:30 CEST is one real hour.
                Self.row(
                    description: "spring", start: ("30/03/2025", "01:30:00"), end: ("30/03/2025", "03:30:00"),
                    duration: "01:00:00"),
                // Fall back: 02:30 happens twice; the earlier (CEST) one is taken.
                Self.row(
                    description: "autumn", start: ("26/10/2025", "02:30:00"), end: ("26/10/2025", "04:00:00"),
                    duration: "02:30:00"),
            ].joined(separator: "\n"))
        #expect(outcome.rejection == nil, "\(outcome.problems)")
        let spring = try #require(outcome.rows["2025-03"]?.first)
        #expect(spring["start_local"] == "2025-03-30T01:30:00+01:00")
        #expect(spring["end_local"] == "2025-03-30T03:30:00+02:00")
        #expect(spring["start_utc"] == "2025-03-30T00:30:00Z")
        #expect(spring["end_utc"] == "2025-03-30T01:30:00Z")
        #expect(spring["duration_seconds"] == "3600")
        let autumn = try #require(outcome.rows["2025-10"]?.first)
        #expect(autumn["start_utc"] == "2025-10-26T00:30:00Z")
        #expect(autumn["end_utc"] == "2025-10-26T03:00:00Z")
        #expect(autumn["duration_seconds"] == "9000")
    }

    @Test func aDurationThatContradictsStartAndEndIsAProblem() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(
            [
                Self.header,
                Self.row(start: ("15/07/2025", "09:00:00"), end: ("15/07/2025", "10:00:00"), duration: "02:00:00"),
            ].joined(separator: "\n"))
        #expect(
            outcome.problems == [
                #"line 2, column "Duration (h)" (14): "02:00:00" - the duration does not match the start and end (they are 1:00:00 apart); check the date format (DD/MM/YYYY) and the time zone (Europe/Paris)"#
            ])
    }

    @Test func everyBadRowIsListedWithItsLineAndNothingIsWritten() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(
            [
                Self.header,
                Self.row(
                    description: "multi\nline", start: ("15/07/2025", "09:00:00"), end: ("15/07/2025", "10:00:00"),
                    duration: "01:00:00"),
                Self.row(start: ("15/07/2025", "25:00"), end: ("15/07/2025", "10:00:00"), duration: "01:00:00"),
                Self.row(
                    billable: "Peut-être", start: ("16/07/2025", "09:00:00"), end: ("16/07/2025", "10:00:00"),
                    duration: "01:00:00"),
                Self.row(start: ("16/07/2025", "09:00:00"), end: ("16/07/2025", "08:00:00"), duration: "01:00:00"),
                "\"only\",\"three\",\"cells\"",
            ].joined(separator: "\n"))
        let rejection = try #require(outcome.rejection)
        #expect(rejection.summary.hasPrefix("4 rows of this Clockify report cannot be read (4 problems)"))
        #expect(
            outcome.problems == [
                #"line 4, column "Start Time" (11): "25:00" - not a time of day (expected 14:05, 14:05:30 or 2:05 PM)"#,
                #"line 5, column "Billable" (9): "Peut-être" - expected Yes or No"#,
                #"line 6, column "End Time" (13): "08:00:00" - the entry ends before it starts (2025-07-16 09:00:00 → 2025-07-16 08:00:00)"#,
                "line 7 - this row has 3 cells but the header has 17",
            ])
        #expect(outcome.rows.isEmpty)
    }

    @Test func preambleAndTotalRowOfTheReportExportAreHandled() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let text = """
            Clockify Time Report\r
            \r
            Workspace:,Demo\r
            Period:,July 2025\r
            \r
            Project,Client,Description,Task,User,Email,Tags,Billable,Start Date,Start Time,End Date,End Time,Duration (h),Duration (decimal),Billable Rate (EUR),Billable Amount (EUR)\r
            LAA - INFRA,LAA,Audit,,Camille,c@d.fr,,Yes,2025-07-01,09:00:00,2025-07-01,10:00:00,01:00:00,1.00,110.00,110.00\r
            LAA - INFRA,LAA,Suite,,Camille,c@d.fr,,Yes,2025-07-02,09:00:00,2025-07-02,09:30:00,00:30:00,0.50,110.00,55.00\r
            \r
            ,,,,,,,TOTAL:,,,,,01:40:00,1.67,,170.00\r

            """
        let outcome = try harness.convert(text)
        #expect(outcome.report?.records == 2)
        #expect(outcome.rows["2025-07"]?.map { $0["source_row"] } == ["7", "8"])
        #expect(
            outcome.report?.notes == [
                "the TOTAL row says 170.00 but the entries add up to 165.00; the entries were imported as they are",
                "the TOTAL row says 1:40:00 but the entries add up to 1:30:00; the entries were imported as they are",
            ])
    }

    @Test func windows1252AndUTF16ExportsAreDecoded() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let text = [
            Self.header,
            Self.row(
                description: "Étude préalable €", start: ("15/07/2025", "09:00:00"), end: ("15/07/2025", "10:00:00"),
                duration: "01:00:00"),
        ].joined(separator: "\r\n")
        let latin = try #require(text.data(using: .windowsCP1252))
        #expect(try harness.convert(latin, name: "latin.csv").allRows.first?["description"] == "Étude préalable €")
        var utf16 = Data([0xFF, 0xFE])
        utf16.append(try #require(text.data(using: .utf16LittleEndian)))
        #expect(try harness.convert(utf16, name: "utf16.csv").allRows.first?["description"] == "Étude préalable €")
    }

    @Test func germanExportWithJaNein() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let text = """
            "Projekt","Kunde","Beschreibung","Aufgabe","Benutzer","Gruppe","Email","Tags","Abrechenbar","Startdatum","Startzeit","Enddatum","Endzeit","Dauer (h)","Dauer (dezimal)","Abrechenbarer Tarif (CHF)","Rechnungsbetrag (CHF)"
            "Beratung","Muster AG","Workshop","","Anna","","anna@example.ch","","Ja","15.07.2025","09:00","15.07.2025","11:00","02:00:00","2.00","150.00","300.00"
            """
        let entry = try #require(try harness.convert(text).allRows.first)
        #expect(entry["billable"] == "true")
        #expect(entry["currency"] == "CHF")
        #expect(entry["start_local"] == "2025-07-15T09:00:00+02:00")
        #expect(entry["billable_amount"] == "300.00")
    }

    @Test func theSameEntryExportedWithAndWithoutSecondsHasOneKey() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let withSeconds = try harness.convert(
            [
                Self.header,
                Self.row(start: ("15/07/2025", "09:00:40"), end: ("15/07/2025", "10:00:20"), duration: "00:59:40"),
            ].joined(separator: "\n"), name: "a.csv")
        let withoutSeconds = try harness.convert(
            [
                Self.header,
                Self.row(start: ("15/07/2025", "09:00"), end: ("15/07/2025", "10:00"), duration: "00:59:40"),
            ].joined(separator: "\n"), name: "b.csv")
        let first = try #require(withSeconds.allRows.first?["record_key"])
        #expect(withoutSeconds.allRows.first?["record_key"] == first)
        let otherText = try harness.convert(
            [
                Self.header,
                Self.row(
                    description: "Audit  ", start: ("15/07/2025", "09:00"), end: ("15/07/2025", "10:00"),
                    duration: "00:59:40"),
            ].joined(separator: "\n"), name: "c.csv")
        #expect(otherText.allRows.first?["record_key"] == first, "white space at the end does not change identity")
    }

    @Test func categoriesFollowTheRulesInOrderThenTheBillableFlag() throws {
        let harness = try ConversionHarness(
            pipeline: """
                [clockify]
                date_format = "DD/MM/YYYY"

                [[clients]]
                code = "LAA"
                name = "Les Automatismes Appliqués"
                aliases = ["LAA"]

                [[clients]]
                code = "PHARMA"
                name = "PharmaBest"

                [[rules]]
                project = "Interne*"
                category = "INTERNE"

                [[rules]]
                client = "LAA"
                description = "*maintenance*"
                category = "FORFAIT"

                [[rules]]
                tag = "forfait"
                category = "FORFAIT"

                """)
        defer { harness.cleanUp() }
        let outcome = try harness.convert(
            [
                Self.header,
                Self.row(
                    project: "Interne - R&D", client: "", description: "Maintenance serveurs", billable: "Yes",
                    start: ("01/07/2025", "09:00"), end: ("01/07/2025", "10:00"), duration: "01:00:00"),
                Self.row(
                    project: "LAA - Support", client: "", description: "MAINTENANCE préventive",
                    start: ("01/07/2025", "11:00"), end: ("01/07/2025", "12:00"), duration: "01:00:00"),
                Self.row(
                    project: "Divers", client: "PharmaBest", description: "Teams", tags: "Forfait, M365",
                    start: ("01/07/2025", "13:00"), end: ("01/07/2025", "14:00"), duration: "01:00:00"),
                Self.row(
                    project: "Divers", client: "PharmaBest", description: "Teams", billable: "No",
                    start: ("01/07/2025", "15:00"), end: ("01/07/2025", "16:00"), duration: "01:00:00"),
                Self.row(
                    project: "Divers", client: "Inconnu SA", description: "Devis",
                    start: ("01/07/2025", "17:00"), end: ("01/07/2025", "18:00"), duration: "01:00:00"),
            ].joined(separator: "\n"))
        let rows = try #require(outcome.rows["2025-07"])
        #expect(rows.map { $0["category"] } == ["INTERNE", "FORFAIT", "FORFAIT", "INTERNE", "FACTURABLE"])
        #expect(rows.map { $0["client_code"] } == ["", "LAA", "PHARMA", "PHARMA", ""])
        #expect(rows[2]["tags"] == "Forfait, M365")
    }

    @Test func withoutABillableColumnTheRateDecides() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let text = """
            Project,Description,User,Start Date,Start Time,End Date,End Time,Duration (h),Billable Rate (EUR),Billable Amount (EUR)
            A,paid,Camille,2025-07-01,09:00,2025-07-01,10:00,01:00:00,100.00,100.00
            B,free,Camille,2025-07-01,10:00,2025-07-01,11:00,01:00:00,0.00,0.00
            """
        let rows = try #require(try harness.convert(text).rows["2025-07"])
        #expect(rows.map { $0["category"] } == ["FACTURABLE", "INTERNE"])
        #expect(rows.map { $0["billable"] } == ["", ""])
    }
}

@Suite("Record key text")
struct RecordKeyTextTests {
    @Test(arguments: [
        ("Atelier cadrage", "Atelier cadrage"), ("a  b", "a b"), (" a", "a"), ("a ", "a"), ("a\tb", "a b"),
        ("a\n\nb ", "a b"), ("  ", ""), ("", ""), ("é  ✓", "é ✓"), ("x", "x"),
    ])
    func whiteSpaceIsCollapsedAndTrimmed(input: String, expected: String) {
        let buffer = ByteBuffer(capacity: 64)
        Array(input.utf8).withUnsafeBytes { ClockifyCSVConverter.appendCollapsingSpaces($0, to: buffer) }
        #expect(String(decoding: buffer.bytes, as: UTF8.self) == expected)
    }
}
