import Foundation
import Testing

/// The README's main job: the demo inbox processed by the real binary.
@Suite("Demo workspace, end to end")
struct DemoRunTests {
    @Test func demoInboxIsNormalizedArchivedAndExplained() throws {
        let workspace = try TestWorkspace()
        try workspace.dropDemoFiles()
        let result = try workspace.run(["run", "--settle", "0"])

        // One demo file is damaged on purpose: exit status 2 ("some files rejected").
        #expect(result.status == 2, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("5 imported, 1 rejected, 0 duplicate"))

        // Normalized ledgers in the outbox, one per month.
        #expect(
            workspace.files(under: "outbox/time-entries") == [
                "outbox/time-entries/2025-07.csv", "outbox/time-entries/2025-08.csv", "outbox/time-entries/2025-09.csv",
            ])
        let july = try workspace.csvRecords("outbox/time-entries/2025-07.csv")
        #expect(july.count == 40)
        let first = try #require(july.first)
        #expect(first["start_local"] == "2025-07-01T09:00:00+02:00")
        #expect(first["start_utc"] == "2025-07-01T07:00:00Z")
        #expect(first["duration_seconds"] == "1800")
        #expect(first["billable_amount_minor"] == "5500")
        #expect(first["billable_amount"] == "55.00")
        #expect(first["client_code"] == "PHARMABEST")
        #expect(first["category"] == "FACTURABLE")
        #expect(july.contains { $0["project_name"] == "Interne - Formation" && $0["category"] == "INTERNE" })
        #expect(july.contains { $0["description"] == "Support utilisateurs, tickets N2" })

        // Every record key is unique, and the ledger is byte-identical to the archived one.
        #expect(Set(july.map { $0["record_key"] ?? "" }).count == july.count)
        #expect(
            try workspace.data("outbox/time-entries/2025-07.csv")
                == workspace.data("archive/ledgers/demo-conseil/time-entries/2025-07.csv"))

        // Bank: the pending GENLOG transfer of the CSV is superseded by its booked version from the API.
        let september = try workspace.csvRecords("outbox/bank-transactions/2025-09.csv")
        let genlog = try #require(september.first { $0["source_txn_id"] == "qonto-demo-0009" })
        #expect(genlog["status"] == "booked")
        #expect(genlog["amount_minor"] == "24000")
        #expect(try workspace.csvRecords("outbox/bank-transactions/pending.csv").isEmpty)
        let july2 = try workspace.csvRecords("outbox/bank-transactions/2025-07.csv")
        #expect(july2.map { $0["amount"] ?? "" } == ["-1250.00", "2040.00", "-89.99", "600.00", "-3120.50"])
        #expect(july2.allSatisfy { $0["account_iban"] == "FR7216958000010123456789012" })

        // Originals archived byte for byte; the inbox is empty again.
        for name in try Repository.demoFiles() {
            let original = try Data(contentsOf: Repository.root.appendingPathComponent("demo/inbox/\(name)"))
            let archived = workspace.files(under: "archive").filter { $0.hasSuffix("/\(name)") }
            #expect(archived.count == 1, "\(name) archived \(archived.count) times")
            if let path = archived.first { #expect(try workspace.data(path) == original) }
        }
        #expect(workspace.files(under: "inbox").isEmpty)
        #expect(workspace.files(under: "work/claims").isEmpty)

        // The damaged file is rejected with a reason that locates every problem.
        let rejected = workspace.files(under: "archive/rejected")
        let reasonPath = try #require(rejected.first { $0.hasSuffix(".reason.txt") })
        #expect(reasonPath.hasSuffix("releve-qonto-modifie-a-la-main.csv.reason.txt"))
        #expect(rejected.contains(String(reasonPath.dropLast(".reason.txt".count))))
        let reason = try workspace.text(reasonPath)
        #expect(
            reason.contains(
                "Line 2, column \"Montant total (TTC)\" (6): \"1 250,00,5\" - the amount has two decimal marks"))
        #expect(reason.contains("Line 3, column \"Date de la valeur (local)\" (3): \"31-09-2025 10:00:00\""))
        #expect(reason.contains("What to do:"))
        #expect(workspace.files(under: "outbox/rejected").count == 1)
    }

    @Test func droppingTheSameFilesAgainRecordsDuplicatesAndChangesNothing() throws {
        let workspace = try TestWorkspace()
        try workspace.dropDemoFiles()
        try workspace.run(["run", "--settle", "0"])
        let ledgerBefore = try workspace.data("archive/ledgers/demo-conseil/time-entries/2025-08.csv")

        // The same content under other names.
        for name in try Repository.demoFiles() where !name.hasPrefix("releve") {
            let data = try Data(contentsOf: Repository.root.appendingPathComponent("demo/inbox/\(name)"))
            try workspace.drop("copy-of-" + name, data)
        }
        let second = try workspace.run(["run", "--settle", "0"])
        #expect(second.status == 0, "stderr: \(second.stderr)")
        #expect(second.stdout.contains("0 imported, 0 rejected, 5 duplicate"))
        #expect(try workspace.data("archive/ledgers/demo-conseil/time-entries/2025-08.csv") == ledgerBefore)
        let notes = workspace.files(under: "archive/duplicates").filter { $0.hasSuffix(".duplicate.txt") }
        #expect(notes.count == 5)
        let note = try workspace.text(
            try #require(notes.first { $0.contains("copy-of-Clockify_Time_Report_Detailed_01_08") }))
        #expect(note.contains("same content"))
        #expect(note.contains("Clockify_Time_Report_Detailed_01_08_2025-31_08_2025.csv"))
    }

    @Test func jsonSummaryAndStatusDescribeTheRun() throws {
        let workspace = try TestWorkspace()
        try workspace.dropDemoFiles()
        let result = try workspace.run(["run", "--settle", "0", "--json"])
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any])
        let files = try #require(summary["files"] as? [[String: Any]])
        #expect(files.count == 6)
        #expect(files.filter { $0["kind"] as? String == "rejected" }.count == 1)

        let status = try workspace.run(["status"])
        #expect(status.status == 0)
        #expect(status.stdout.contains("Rejected files: 1"))
        #expect(status.stdout.contains("releve-qonto-modifie-a-la-main.csv"))
        #expect(status.stdout.contains("Last run:"))
        #expect(status.stdout.contains("5 imported, 1 rejected"))
        #expect(status.stdout.contains("demo-conseil time-entries: 2025-07, 2025-08, 2025-09"))
    }
}
