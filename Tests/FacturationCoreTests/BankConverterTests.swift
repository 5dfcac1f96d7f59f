import Foundation
import Testing

@testable import FacturationCore

@Suite("Qonto converters")
struct BankConverterTests {
    static let frenchHeader =
        "Statut;Date de la valeur (UTC);Date de la valeur (local);Date de l’opération (UTC);"
        + "Date de l'opération (local);Montant total (TTC);Débit;Crédit;Devise;IBAN du compte;Nom de la contrepartie;"
        + "IBAN de la contrepartie;Méthode de paiement;Identifiant de transaction;Référence;Note"

    static func french(
        _ status: String, settledUTC: String = "", settledLocal: String, operation: String,
        amount: String, id: String, who: String = "ACME", iban: String = "FR7216958000010123456789012",
        reference: String = ""
    ) -> String {
        [
            status, settledUTC, settledLocal, "", operation, amount, "", "", "EUR", iban, who, "", "Virement", id,
            reference, "",
        ].joined(separator: ";")
    }

    @Test func frenchExportAmountsDatesAndStatuses() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(
            [
                Self.frenchHeader,
                Self.french(
                    "Exécuté", settledLocal: "31-07-2025 23:30:00", operation: "31-07-2025 22:00:00",
                    amount: "-1\u{00A0}292,79", id: "q-1", reference: "Loyer"),
                Self.french(
                    "Exécuté", settledUTC: "01-08-2025 07:00:00", settledLocal: "01-08-2025 09:00:00",
                    operation: "01-08-2025 09:00:00", amount: "2 040,00", id: "q-2"),
                Self.french(
                    "En cours", settledLocal: "", operation: "02-08-2025 10:00:00", amount: "300,00", id: "q-3"),
                Self.french("Refusé", settledLocal: "", operation: "03-08-2025 10:00:00", amount: "-12,00", id: "q-4"),
            ].joined(separator: "\n"), name: "qonto.csv")
        #expect(outcome.rejection == nil, "\(outcome.problems)")
        #expect(outcome.report?.format == .qontoCSVFrench)
        let july = try #require(outcome.rows["2025-07"]?.first)
        #expect(july["record_key"] == "qonto:FR7216958000010123456789012:q-1")
        #expect(july["amount_minor"] == "-129279")
        #expect(july["amount"] == "-1292.79")
        #expect(july["direction"] == "debit")
        #expect(july["booking_date"] == "2025-07-31")
        #expect(july["settled_at_utc"] == "2025-07-31T21:30:00Z")
        #expect(july["remittance_info"] == "Loyer")
        let august = try #require(outcome.rows["2025-08"])
        #expect(august.map { $0["source_txn_id"] } == ["q-2", "q-4"])
        #expect(august[0]["settled_at_utc"] == "2025-08-01T07:00:00Z")
        #expect(august[1]["status"] == "declined")
        #expect(august[1]["booking_date"] == "")
        #expect(august[1]["operation_date"] == "2025-08-03")
        let pending = try #require(outcome.rows["pending"])
        #expect(pending.map { $0["source_txn_id"] } == ["q-3"])
        #expect(pending[0]["status"] == "pending")
    }

    @Test func englishExportWithDebitAndCreditColumnsOnly() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let text = """
            Status,Settlement date (UTC),Operation date (UTC),Total amount (incl. VAT),Debit,Credit,Currency,Account IBAN,Counterparty name,Transaction ID
            settled,2025-09-02 08:00:00,2025-09-02 08:00:00,,,"1,234.50",EUR,FR72 1695 8000 0101 2345 6789 012,Client SA,t-1
            settled,2025-09-03 08:00:00,2025-09-03 08:00:00,-80.00,80.00,,EUR,FR7216958000010123456789012,Supplier,t-2
            """
        let outcome = try harness.convert(text, name: "qonto-en.csv")
        #expect(outcome.rejection == nil, "\(outcome.problems)")
        let rows = try #require(outcome.rows["2025-09"])
        #expect(rows.map { $0["amount_minor"] } == ["123450", "-8000"])
        #expect(rows.map { $0["account_iban"] } == ["FR7216958000010123456789012", "FR7216958000010123456789012"])
        #expect(rows[0]["booking_date"] == "2025-09-02")
    }

    @Test func anExportOfAnotherCompanysAccountIsRejected() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(
            [
                Self.frenchHeader,
                Self.french(
                    "Exécuté", settledLocal: "01-08-2025 09:00:00", operation: "01-08-2025 09:00:00", amount: "10,00",
                    id: "x", iban: "FR7630004000031234567890143"),
            ].joined(separator: "\n"), name: "other.csv")
        let rejection = try #require(outcome.rejection)
        #expect(
            rejection.summary
                == "This export is for the account FR7630004000031234567890143, which is not an account of Test Conseil."
        )
        #expect(rejection.advice.contains("pipelines/test.toml"))
    }

    @Test func pendingRowsWithoutIdAreSkippedAndReported() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(
            [
                Self.frenchHeader,
                Self.french("En cours", settledLocal: "", operation: "02-08-2025 10:00:00", amount: "300,00", id: ""),
                Self.french(
                    "Exécuté", settledLocal: "02-08-2025 10:00:00", operation: "02-08-2025 10:00:00", amount: "5,00",
                    id: ""),
            ].joined(separator: "\n"), name: "noid.csv")
        #expect(outcome.report?.records == 1)
        #expect(
            outcome.report?.notes == [
                "1 pending transaction without a transaction id was not imported: without an id "
                    + "the booked version could not replace it; it will be imported once executed"
            ])
        #expect(outcome.rows["2025-08"]?.first?["record_key"]?.hasPrefix("bank:") == true)
    }

    @Test func badCellsAreListed() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(
            [
                Self.frenchHeader,
                Self.french(
                    "Bizarre", settledLocal: "01-08-2025 09:00:00", operation: "01-08-2025 09:00:00", amount: "1,00",
                    id: "a"),
                Self.french("Exécuté", settledLocal: "", operation: "01-08-2025 09:00:00", amount: "1,00", id: "b"),
                Self.french(
                    "Exécuté", settledLocal: "01-08-2025 09:00:00", operation: "01-08-2025 09:00:00",
                    amount: "1.000,5,0", id: "c"),
            ].joined(separator: "\n"), name: "bad.csv")
        #expect(
            outcome.problems == [
                #"line 2, column "Statut" (1): "Bizarre" - unknown status (expected Exécuté, En cours, Refusé, Annulé or Remboursé)"#,
                #"line 3, column "Date de la valeur (local)" (3): "" - an executed transaction must have a settlement date"#,
                #"line 4, column "Montant total (TTC)" (6): "1.000,5,0" - the amount has two decimal marks (',')"#,
            ])
    }

    @Test func apiJSONIsSignedBySideAndUsesTheCompanyIBAN() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let json = """
            {"transactions": [
              {"transaction_id": "qonto-1", "amount": 12.5, "amount_cents": 1250, "side": "debit", "currency": "EUR",
               "status": "completed", "settled_at": "2025-09-30T22:30:00.000Z", "emitted_at": "2025-09-30T20:00:00.000Z",
               "label": "CB Resto", "reference": null, "operation_type": "card"},
              {"id": "uuid-2", "amount": 99.99, "side": "credit", "currency": "EUR", "status": "pending",
               "settled_at": null, "emitted_at": "2025-10-01T08:00:00Z", "label": "Client", "clean_counterparty_name": "Client SA",
               "transfer": {"counterparty_account_number": "FR76 3000 4000 0312 3456 7890 143"}}
            ], "meta": {"total_count": 2}}
            """
        let outcome = try harness.convert(json, name: "qonto.json")
        #expect(outcome.rejection == nil, "\(outcome.problems)")
        let october = try #require(outcome.rows["2025-10"]?.first)
        #expect(october["amount_minor"] == "-1250")
        #expect(october["booking_date"] == "2025-10-01", "22:30 UTC on 30 September is 1 October in Paris")
        #expect(october["record_key"] == "qonto:FR7216958000010123456789012:qonto-1")
        let pending = try #require(outcome.rows["pending"]?.first)
        #expect(pending["amount_minor"] == "9999")
        #expect(pending["source_txn_id"] == "uuid-2")
        #expect(pending["counterparty_iban"] == "FR7630004000031234567890143")
        #expect(pending["counterparty_name"] == "Client SA")
    }

    @Test func apiJSONProblemsNameTheTransactionAndLine() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let json = """
            {"transactions": [
              {"transaction_id": "a", "amount_cents": 100, "side": "sideways", "currency": "EUR", "status": "completed",
               "settled_at": "2025-09-30T10:00:00Z"},
              {"transaction_id": "b", "amount_cents": 100, "side": "credit", "currency": "EUR", "status": "completed",
               "settled_at": null}
            ]}
            """
        let outcome = try harness.convert(json, name: "bad.json")
        #expect(
            outcome.problems == [
                #"line 2, column "transactions[0].side": "sideways" - expected credit or debit"#,
                #"line 5, column "transactions[1].settled_at": "null" - a completed transaction must have settled_at"#,
            ])
    }
}

@Suite("Clockify JSON converter")
struct ClockifyJSONConverterTests {
    @Test func reportsAPIEntriesKeepTheirIds() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let json = """
            {"totals": [], "timeentries": [
              {"_id": "abc123", "description": "Workshop", "userName": "Luke", "userEmail": "luke@example.com",
               "projectName": "LAA - INFRA", "clientName": "LAA", "taskName": "Consulting", "billable": true,
               "timeInterval": {"start": "2025-08-28T15:48:00+10:00", "end": "2025-08-28T18:42:00+10:00", "duration": 10440},
               "rate": 4500, "amount": 13050, "type": "REGULAR", "tags": [{"name": "onsite"}]}
            ]}
            """
        let entry = try #require(try harness.convert(json, name: "report.json").allRows.first)
        #expect(entry["record_key"] == "clockify:abc123")
        #expect(entry["start_utc"] == "2025-08-28T05:48:00Z")
        #expect(entry["start_local"] == "2025-08-28T07:48:00+02:00")
        #expect(entry["duration_seconds"] == "10440")
        #expect(entry["billable_amount_minor"] == "13050")
        #expect(entry["hourly_rate"] == "45.00")
        #expect(entry["tags"] == "onsite")
        #expect(entry["entry_type"] == "regular")
    }

    @Test func timeEntriesAPIWithISODurationsAndARunningTimer() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let json = """
            [
              {"id": "e1", "description": "Dev", "billable": true, "type": "REGULAR",
               "timeInterval": {"start": "2025-08-01T07:00:00Z", "end": "2025-08-01T09:54:00Z", "duration": "PT2H54M"},
               "hourlyRate": {"amount": 10000, "currency": "EUR"},
               "project": {"name": "PharmaBest - M365", "clientName": "PharmaBest"}, "task": {"name": "Setup"}},
              {"id": "e2", "description": "Running", "billable": true,
               "timeInterval": {"start": "2025-08-01T10:00:00Z", "end": null, "duration": null}}
            ]
            """
        let outcome = try harness.convert(json, name: "entries.json")
        let entry = try #require(outcome.allRows.first)
        #expect(outcome.allRows.count == 1)
        #expect(entry["duration_seconds"] == "10440")
        #expect(entry["billable_amount_minor"] == "29000", "rate × duration, rounded half-up to the cent")
        #expect(entry["task_name"] == "Setup")
        #expect(
            outcome.report?.notes == [
                "1 running timer (no end yet) skipped: it will be imported from a later export, once stopped"
            ])
        #expect(ClockifyJSONConverter.isoDuration("P1DT2H3M4.5S") == 93_784)
        #expect(ClockifyJSONConverter.isoDuration("PT0S") == 0)
        #expect(ClockifyJSONConverter.isoDuration("2H") == nil)
    }

    @Test func invalidJSONIsRejectedWithItsPosition() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert("{\"timeentries\": [\n  {\"_id\": \"a\",}\n]}", name: "broken.json")
        let rejection = try #require(outcome.rejection)
        #expect(rejection.summary == "The file is not valid JSON.")
        #expect(rejection.problems.listed.first?.line == 2)
    }
}
