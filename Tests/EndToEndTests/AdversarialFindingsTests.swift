import FacturationCore
import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// What an independent adversarial check of issue #8's hardening found, each through the binary.
@Suite("Adversarial findings", .serialized)
struct AdversarialFindingsTests {
    static let demo: String = {
        (try? Repository.demoPipeline())
            ?? ""
    }()

    static let clockifyHeader =
        "Project,Client,Description,Task,User,Email,Tags,Billable,Start Date,Start Time,End Date,"
        + "End Time,Duration (h),Duration (decimal),Billable Rate (EUR),Billable Amount (EUR)\n"

    /// Clockify's rate is in its workspace's currency: a rate in yen is never billed as euros.
    @Test func aClockifyRateInAnotherCurrencyIsNotBilledAsEuros() throws {
        let pipeline = Self.demo.replacingOccurrences(
            of: "hourly_rate = 100\npayment_terms = \"30 days\"\noxygene_code = \"GEN01\"",
            with: "payment_terms = \"30 days\"\noxygene_code = \"GEN01\"")
        #expect(pipeline != Self.demo)
        let workspace = try TestWorkspace(pipeline: pipeline)
        try workspace.drop(
            "jpy.csv",
            Self.clockifyHeader.replacingOccurrences(of: "EUR", with: "JPY")
                + "Genlog - Dev,Genlog,yen,,U,u@x.fr,,Yes,2025-07-01,09:00:00,2025-07-01,10:00:00,01:00:00,1.00,15000,15000\n"
        )
        let result = try workspace.run(["run", "--settle", "0", "--date", "2025-08-01"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(
            result.stdout.contains(
                "client GENLOG has billable time but no rate (its Clockify rates are in JPY, "
                    + "the invoices in EUR)"), "\(result.stdout)")
        #expect(!(try workspace.issuedRecords(pipeline: "demo-conseil").values.contains { $0.contains("time-GENLOG") }))
    }

    /// A receipt in another currency than the invoices' is not applied to them.
    @Test func aReceiptInAnotherCurrencyPaysNoInvoice() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        try workspace.run(["run", "--settle", "0", "--date", "2025-08-01"])
        let register = try workspace.csvRecords("outbox/registre-ventes.csv")
        let invoice = try #require(register.first { $0["issue_date"] == "2025-08-01" && $0["type"] == "facture" })
        let number = try #require(invoice["number"])
        let total = try #require(invoice["total_incl_vat"]).replacingOccurrences(of: ".", with: ",")
        try workspace.drop(
            "qonto-usd.csv",
            HostileValueTests.qontoHeader
                + "Exécuté;;05-08-2025 10:00:00;;05-08-2025 10:00:00;\(total);;\(total);0,00;USD;Compte principal;"
                + "FR7216958000010123456789012;Client;;Virement;usd-1;\(number);\n")
        let result = try workspace.run(["run", "--settle", "0", "--date", "2025-08-06"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("1 booked bank transaction is in USD"), "\(result.stdout)")
        let states = try workspace.csvRecords("outbox/paiements/etat-factures.csv")
        #expect(states.first { $0["number"] == number }?["paid"] == "0.00")
    }

    /// With an ISO-8859-15 FEC, a typographic apostrophe in a bank label is written as "'" instead of
    /// failing the FEC on every run.
    @Test func aLatin9FECWritesTextsItHasNoBytesFor() throws {
        let pipeline = Self.demo.replacingOccurrences(
            of: "fec_encoding = \"UTF-8\"", with: "fec_encoding = \"ISO-8859-15\"")
        let workspace = try TestWorkspace(pipeline: pipeline)
        try workspace.drop(
            "qonto-juillet.csv",
            HostileValueTests.qontoHeader
                + "Exécuté;;10-07-2025 10:00:00;;10-07-2025 10:00:00;-12,50;12,50;;0,00;EUR;Compte;"
                + "FR7216958000010123456789012;L’Atelier du Pain 🥐;;Carte;apos-1;Croissants;\n")
        for day in ["2025-08-01", "2025-09-01"] {
            let result = try workspace.run(["run", "--settle", "0", "--date", day])
            #expect(result.status == 0, "\(day): \(result.stdout)\n\(result.stderr)")
        }
        let fec = try #require(workspace.files(under: "outbox/fec/mensuel").first { $0.contains("2025-07") })
        let bytes = try workspace.data(fec)
        #expect(
            String(decoding: bytes, as: UTF8.self).contains("L'Atelier du Pain ?"),
            "written as Latin-9 with substitutes")
        let check = try workspace.run(["fec-check", workspace.path + "/" + fec], workspaceFlag: false)
        #expect(check.status == 0, "\(check.stdout)")
    }

    /// A folder where an outbox copy goes is someone's: the update is delivered beside it.
    @Test func aFolderWhereAnOutboxCopyGoesStopsNothing() throws {
        let workspace = try TestWorkspace()
        try workspace.drop("a.csv", QueueProtocolTests.clockifyCSV)
        #expect(try workspace.run(["run", "--settle", "0"]).status == 0)
        try FileManager.default.removeItem(atPath: workspace.path + "/outbox/time-entries/2025-07.csv")
        try FileManager.default.createDirectory(
            atPath: workspace.path + "/outbox/time-entries/2025-07.csv",
            withIntermediateDirectories: false)
        try workspace.drop("b.csv", QueueProtocolTests.clockifyCSV.replacingOccurrences(of: "Audit", with: "Revue"))
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("was changed by someone"), "\(result.stdout)")
        #expect(workspace.files(under: "outbox/time-entries").contains { $0.contains("2025-07.updated-") })
    }

    /// A file cut in the middle of a line and completed while the run holds it is put back, not
    /// rejected on its first half.
    @Test func aFileCompletedWhileItIsReadIsPutBackNotRejected() throws {
        let workspace = try TestWorkspace()
        let full = QueueProtocolTests.clockifyCSV
        let cut = full.index(full.startIndex, offsetBy: full.count - 40)
        try workspace.drop("partial.csv", String(full[..<cut]))
        let result = try workspace.runPaused(at: "after-scan", claimedFile: "partial.csv") {
            try TestWorkspace.append(String(full[cut...]), to: $0)
        }
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("put back   partial.csv"), "\(result.stdout)")
        #expect(workspace.files(under: "archive/rejected").isEmpty)
        let next = try workspace.run(["run", "--settle", "0"])
        #expect(next.stdout.contains("imported   partial.csv: 1 time entry"), "\(next.stdout)")
    }

    /// A shared inbox with the sticky bit: the service user may not move a colleague's file. It
    /// stays, reported, and the other files and invoicing go on.
    @Test(.enabled(if: getuid() == 0, "needs two users: root drops the file, nobody runs"))
    func aFileTheServiceUserMayNotMoveStopsNothing() throws {
        let workspace = try TestWorkspace()
        try workspace.drop("mine.csv", QueueProtocolTests.clockifyCSV)
        let colleague = try workspace.drop(
            "colleague.csv", QueueProtocolTests.clockifyCSV.replacingOccurrences(of: "Audit", with: "Revue"))
        let result = try UnprivilegedRun.run(workspace, ["run", "--settle", "0"]) { root in
            #expect(chown(root + "/inbox", 0, 0) == 0 && chmod(root + "/inbox", 0o1777) == 0)
            #expect(chown(colleague.path, 0, 0) == 0)
        }
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("imported   mine.csv"), "\(result.stdout)")
        #expect(
            result.stdout.contains("colleague.csv: the user running facturation may not move this file"),
            "\(result.stdout)")
        #expect(workspace.exists("inbox/colleague.csv"))
        #expect(workspace.files(under: "work/claims").isEmpty)
    }
}
