import FacturationCore
import Foundation
import Testing

/// Issue #8, section 5: a run never deletes a person's file, and a run killed while it replaces
/// an outbox copy never leaves a false "changed by someone" behind.
@Suite("Outbox state", .serialized)
struct OutboxStateTests {
    @Test func filesAPersonPutsInTheReviewFolderAreNeverDeleted() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.drop("mes-notes.csv", "receipt,invoice\nà voir avec Camille,\n", into: "outbox/review")
        try workspace.drop(
            "2025-07-07_2040.00_1a2b3c4d.updated-9f8e7d6c.csv", "receipt,invoice\n", into: "outbox/review")
        for day in ["2025-08-01", "2025-09-01"] {
            let result = try workspace.run(["run", "--settle", "0", "--date", day])
            #expect(result.status == 0, "\(day): \(result.stdout)\n\(result.stderr)")
        }
        #expect(try workspace.text("outbox/review/mes-notes.csv") == "receipt,invoice\nà voir avec Camille,\n")
        #expect(workspace.exists("outbox/review/2025-07-07_2040.00_1a2b3c4d.updated-9f8e7d6c.csv"))
    }

    @Test func aReviewFormIsWithdrawnOnlyWhileNobodyChangedIt() throws {
        // The demo's bank exports leave receipts waiting for a person on 1 September. Two of them are
        // decided (IGNORE); the form of one was edited in the outbox meanwhile, the other was not.
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        for day in ["2025-08-01", "2025-09-01"] { try workspace.run(["run", "--settle", "0", "--date", day]) }
        let forms = workspace.files(under: "outbox/review").filter { !$0.contains(".updated-") }.sorted()
        try #require(forms.count >= 2, "the demo left fewer than two review forms: \(forms)")
        let (edited, untouched) = (forms[0], forms[1])
        try workspace.drop(
            Path.name(of: edited), try workspace.text(edited) + "note,,,,relu par Camille\n",
            into: "outbox/review")
        for (index, form) in [edited, untouched].enumerated() {
            let ignore = try #require(
                try workspace.text(form).split(separator: "\r\n").first { $0.contains(",IGNORE,") })
            try workspace.drop(
                "decision-\(index).csv",
                "receipt,invoice,amount,by,comment\n"
                    + ignore.replacingOccurrences(of: ",IGNORE,,,", with: ",IGNORE,,Camille,") + "\n")
        }
        let result = try workspace.run(["run", "--settle", "0", "--date", "2025-09-02"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(!workspace.exists(untouched), "the pipeline's own form of a decided receipt is withdrawn")
        #expect(workspace.exists(edited), "the form a person edited stays")
        #expect(try workspace.text(edited).contains("relu par Camille"))
    }

    /// A review form saved by a French spreadsheet comes back with `;` between the fields, and with
    /// a byte-order mark ("CSV UTF-8") or in Windows-1252 ("CSV"): it is read as a decision, not
    /// rejected as an unknown format.
    @Test(arguments: ["utf8-bom", "windows-1252"])
    func aDecisionSavedByAFrenchSpreadsheetIsRead(encoding: String) throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        for day in ["2025-08-01", "2025-09-01"] { try workspace.run(["run", "--settle", "0", "--date", day]) }
        let form = try #require(workspace.files(under: "outbox/review").first { !$0.contains(".updated-") })
        let ignore = try #require(try workspace.text(form).split(separator: "\r\n").first { $0.contains(",IGNORE,") })
        let fields = SimpleCSV.parse(String(ignore) + "\n")[0]
        let saved =
            "receipt;invoice;amount;by;comment\r\n"
            + [fields[0], "IGNORE", "", "Camille", "remboursé au fournisseur; pas un client"]
            .map { $0.contains(";") ? "\"\($0)\"" : $0 }.joined(separator: ";") + "\r\n"
        let bytes =
            encoding == "utf8-bom"
            ? Data("\u{FEFF}".utf8) + Data(saved.utf8)
            : try #require(saved.data(using: .windowsCP1252))
        try workspace.drop("decision-excel.csv", bytes)
        let result = try workspace.run(["run", "--settle", "0", "--date", "2025-09-02"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("request    decision-excel.csv"), "\(result.stdout)")
        #expect(!workspace.exists(form), "the receipt is decided, its form withdrawn")
    }

    /// A run killed right after it replaced an outbox copy, before the new version was recorded,
    /// used to see its own copy as edited by someone on every later run. The payment state files
    /// change with the day, so the run after the kill delivers yet another version.
    @Test func aKillWhileAnOutboxCopyIsReplacedLeavesNoFalseWarning() throws {
        let prepared = try TestWorkspace(invoicing: true)
        try prepared.dropDemoFiles()
        try prepared.run(["run", "--settle", "0", "--date", "2025-08-01"])
        let traced = try copy(of: prepared).run(
            ["run", "--settle", "0", "--date", "2025-08-20"],
            environment: ["FACTURATION_CRASH_TRACE": "1"])
        let points = traced.stderr.split(separator: "\n").filter { $0.hasPrefix("crash-point ") }
        let replacements = points.enumerated().filter { $0.element.contains("outbox/paiements/") }.map { $0.offset + 1 }
        #expect(!replacements.isEmpty, "the run replaced no payment file: \(points)")
        for step in replacements {
            let workspace = try copy(of: prepared)
            let crashed = try workspace.run(
                ["run", "--settle", "0", "--date", "2025-08-20"],
                environment: ["FACTURATION_CRASH_AFTER": "\(step)"])
            #expect(crashed.killedBySignal, "step \(step) did not crash")
            let next = try workspace.run(["run", "--settle", "0", "--date", "2025-09-01"])
            #expect(next.status == 0, "step \(step): \(next.stdout)\n\(next.stderr)")
            #expect(!next.stdout.contains("changed by someone"), "step \(step): \(next.stdout)")
            #expect(workspace.files(under: "outbox/paiements").allSatisfy { !$0.contains(".updated-") })
        }
    }

    private func copy(of workspace: TestWorkspace) throws -> TestWorkspace {
        let copy = try TestWorkspace()
        try FileManager.default.removeItem(at: copy.root)
        try FileManager.default.copyItem(at: workspace.root, to: copy.root)
        return copy
    }

    /// A ledger copy deleted from the outbox comes back the next time its month is imported, even
    /// when the import changes nothing (README, "What never stops the pipeline", item 15).
    @Test func aDeletedOutboxCopyIsDeliveredAgainWhenItsMonthIsImported() throws {
        let workspace = try TestWorkspace()
        try workspace.drop("a.csv", QueueProtocolTests.clockifyCSV)
        #expect(try workspace.run(["run", "--settle", "0"]).status == 0)
        let copy = "outbox/time-entries/2025-07.csv"
        let delivered = try workspace.text(copy)
        try FileManager.default.removeItem(atPath: workspace.path + "/" + copy)
        // The same entries in another file (not a duplicate: other bytes): nothing new in the ledger.
        try workspace.drop("a-again.csv", QueueProtocolTests.clockifyCSV + "\n")
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(try workspace.text(copy) == delivered)
    }

    @Test func theUpdatedCopyOfAnEditedFileKeepsItsExtension() {
        #expect(
            Outbox.updatedName("time-entries/2025-07.csv", hash: "1a2b3c4d5e")
                == "time-entries/2025-07.updated-1a2b3c4d.csv")
        #expect(
            Outbox.updatedName("fec/mensuel/2025-07/123456789FEC20251231.txt", hash: "abcdef0123")
                == "fec/mensuel/2025-07/123456789FEC20251231.updated-abcdef01.txt")
        #expect(
            Outbox.updatedName("registre-ventes.xlsx", hash: "0011223344") == "registre-ventes.updated-00112233.xlsx")
        #expect(Outbox.updatedName("README", hash: "0011223344") == "README.updated-00112233")
    }
}
