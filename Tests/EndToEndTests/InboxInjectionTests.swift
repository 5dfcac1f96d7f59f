import FacturationCore
import Foundation
import Testing

/// Text from exports and pipeline files that tries to pass for something else: a CSV field that
/// holds a request's table header, names that would break out of the approval form's comments,
/// client codes that would become paths. Through the real binary.
@Suite("Inbox injection, end to end")
struct InboxInjectionTests {
    /// The demo pipeline up to its clients: company, inbox and Clockify settings (French dates).
    static func companySections() throws -> String {
        let demo = try Repository.demoPipeline()
        let cut = try #require(demo.range(of: "\n[[clients]]"))
        return String(demo[..<cut.lowerBound]) + "\n"
    }

    @Test func aCSVWhoseQuotedFieldHoldsARequestHeaderIsImportedAsTheClockifyExportItIs() throws {
        let workspace = try TestWorkspace()
        try workspace.drop(
            "clockify.csv",
            """
            "Project","Client","Description","Task","User","Group","Email","Tags","Billable","Start Date","Start Time","End Date","End Time","Duration (h)","Duration (decimal)","Billable Rate (EUR)","Billable Amount (EUR)"
            "LAA - INFRA","Les Automatismes Appliqués","Compte rendu:
            [approval]
            draft = ""time-LAA-2025-07-0000000000""
            [credit_note]
            fin","","Camille Martin","","camille@demo.fr","","Yes","15/07/2025","09:00:00","15/07/2025","10:30:00","01:30:00","1.50","110.00","165.00"

            """)
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("imported   clockify.csv: 1 time entry"), "\(result.stdout)")
        let rows = try workspace.csvRecords("outbox/time-entries/2025-07.csv")
        #expect(rows.count == 1)
        #expect(rows.first?["source_format"] == "clockify_detailed_csv")
        #expect(rows.first?["description"]?.contains("[approval]") == true)
        #expect(workspace.files(under: "archive/rejected").isEmpty)
    }

    /// A Clockify project and client name holding line breaks, CR and TOML that tries to add an
    /// `[approval]` table, and a configured legal name with quotes and TOML (a pipeline file may not
    /// hold line breaks at all: `check` refuses them, see below): the form still parses to one `[approval]` table
    /// with the expected keys, and dropping it back approves the draft.
    @Test func hostileNamesCannotBreakOutOfTheApprovalForm() throws {
        let pipeline =
            try Self.companySections() + #"""
                [[clients]]
                code = "EVIL"
                name = "Evil Corp"
                aliases = ["EVIL"]
                legal_name = "Evil Corp SA [approval] draft = \"injected\" # decision = \"reject\""
                siren = "552081317"
                vat_number = "FR03552081317"
                address = { lines = ["1 rue du Port"], postcode = "13002", city = "Marseille" }
                hourly_rate = 100
                oxygene_code = "EVIL01"

                [invoicing]
                start = 2025-07-01

                """#
        let workspace = try TestWorkspace(pipeline: pipeline)
        try workspace.drop(
            "clockify.csv",
            "\"Project\",\"Client\",\"Description\",\"User\",\"Email\",\"Billable\",\"Start Date\","
                + "\"Start Time\",\"End Date\",\"End Time\",\"Duration (h)\"\r\n"
                + "\"EVIL - Audit\n[approval]\ndecision = \"\"reject\"\"\r\n[credit_note]\",\"Evil\r\n[approval]\",\"Revue\","
                + "\"Camille\",\"c@demo.fr\",\"Yes\",\"15/07/2025\",\"09:00:00\",\"15/07/2025\",\"10:30:00\",\"01:30:00\"\r\n"
        )
        let first = try workspace.run(["run", "--settle", "0", "--date", "2025-08-01"])
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        let formPath = try #require(
            workspace.files(under: "outbox/to-approve").first { $0.contains("time-EVIL-2025-07") },
            "\(first.stdout)")
        let form = try workspace.text(formPath)
        let draftID = String(formPath.split(separator: "/").last!.dropLast(".toml".count))

        // Exactly one [approval] table, with exactly the keys of the form, and the draft's id.
        let root = try TOMLParser.parse(form)
        #expect(root.keys == ["approval"], "\(form)")
        guard case .table(let approval)? = root["approval"]?.kind else {
            Issue.record("no [approval] table in\n\(form)")
            return
        }
        #expect(approval.keys == ["pipeline", "draft", "decision", "by", "reason"])
        #expect(approval["draft"]?.kind == .string(draftID))
        #expect(approval["decision"]?.kind == .string("approve"))
        #expect(approval["pipeline"]?.kind == .string("demo-conseil"))
        // The names are still there for the reader, on their comment lines.
        #expect(form.contains("Evil Corp SA [approval] draft = \"injected\" # decision = \"reject\""), "\(form)")
        #expect(form.contains("[approval] decision = \"reject\""))
        #expect(form.components(separatedBy: "\n").filter { $0.hasPrefix("[") } == ["[approval]"])

        // Dropped back with a name, it approves the draft: the next run issues the invoice.
        try workspace.drop("approval.toml", form.replacingOccurrences(of: "by = \"\"", with: "by = \"Camille\""))
        let second = try workspace.run(["run", "--settle", "0", "--date", "2025-08-02"])
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(workspace.files(under: "archive/rejected").isEmpty, "\(second.stdout)")
        let register = try workspace.csvRecords("outbox/registre-ventes.csv")
        #expect(register.map { $0["client_code"] } == ["EVIL"])
        #expect(register.first?["total_excl_vat"] == "150.00")
        #expect(!workspace.exists(formPath))
    }

    /// Codes that would become paths or formulas are refused by `check` (and by `run`, which
    /// loads the pipelines the same way) with the file and line, exit 3.
    @Test(arguments: ["../../x", "A/B", "..", "X Y", "=CMD()", String(repeating: "A", count: 300)])
    func checkRefusesClientCodesOutsideThePattern(code: String) throws {
        let base = try Self.companySections()
        let pipeline = base + "[[clients]]\nname = \"Client sans contrat\"\ncode = \"\(code)\"\n"
        let line = base.components(separatedBy: "\n").count + 2
        let workspace = try TestWorkspace(pipeline: pipeline)
        let check = try workspace.run(["check"])
        #expect(check.status == 3, "\(check.stdout)\n\(check.stderr)")
        #expect(check.stderr.contains("pipelines/demo-conseil.toml:\(line): clients[1].code: "), "\(check.stderr)")
        #expect(check.stderr.contains("is not a valid client code"))
        #expect(check.stderr.contains(Identifiers.clientCodePattern))
        let run = try workspace.run(["run", "--settle", "0"])
        #expect(run.status == 3, "\(run.stderr)")
        #expect(run.stderr.contains("pipelines/demo-conseil.toml:\(line): clients[1].code: "))
    }

    /// `check` trapped on an arithmetic overflow when it summed a contract of 92 million billion euros.
    @Test func checkReportsAnAbsurdAmountInsteadOfTrapping() throws {
        let demo = try Repository.demoPipeline()
        let pipeline = demo.replacingOccurrences(of: "amount = 1400.00", with: "amount = 92233720368547758.07")
        let line = try #require(pipeline.components(separatedBy: "\n").firstIndex { $0.hasPrefix("amount = 922") }) + 1
        let workspace = try TestWorkspace(pipeline: pipeline)
        let check = try workspace.run(["check"])
        #expect(check.status == 3, "\(check.stdout)\n\(check.stderr)")
        #expect(!check.killedBySignal)
        #expect(
            check.stderr.contains(
                "pipelines/demo-conseil.toml:\(line): contracts[1].amount must be at most 1000000000"),
            "\(check.stderr)")
    }

    @Test func aLowercaseCodeIsRefusedWithItsCapitalisedForm() throws {
        let pipeline = try Self.companySections() + "[[clients]]\nname = \"Acme\"\ncode = \"acme-01\"\n"
        let workspace = try TestWorkspace(pipeline: pipeline)
        let check = try workspace.run(["check"])
        #expect(check.status == 3)
        #expect(check.stderr.contains("write \"ACME-01\""), "\(check.stderr)")
    }

    /// A number pattern with '/' was accepted, then made folders of every invoice's files and
    /// stopped every run: `check` refuses it with its line.
    @Test func checkRefusesASlashInTheInvoiceNumberPattern() throws {
        let demo = try Repository.demoPipeline()
        let pipeline = demo.replacingOccurrences(
            of: "invoice_number = \"F{YYYY}{MM}{SEQ:2}\"",
            with: "invoice_number = \"F/{YYYY}/{SEQ:4}\"")
        let workspace = try TestWorkspace(pipeline: pipeline)
        let check = try workspace.run(["check"])
        #expect(check.status == 3, "\(check.stdout)\n\(check.stderr)")
        #expect(check.stderr.contains("invoice_number") && check.stderr.contains("use - or _"), "\(check.stderr)")
    }

    /// Names of a pipeline file end up on one-line fields of invoices, forms and reports: a line
    /// break or another control character in one is refused with its line.
    @Test func checkRefusesControlCharactersInPipelineTexts() throws {
        let demo = try Repository.demoPipeline()
        let pipeline = demo.replacingOccurrences(
            of: "legal_name = \"PharmaBest SARL\"",
            with: "legal_name = \"PharmaBest\\r\\nSARL\\u0085\"")
        let line = try #require(pipeline.components(separatedBy: "\n").firstIndex { $0.contains("PharmaBest\\r") }) + 1
        let workspace = try TestWorkspace(pipeline: pipeline)
        let check = try workspace.run(["check"])
        #expect(check.status == 3, "\(check.stdout)\n\(check.stderr)")
        #expect(
            check.stderr.contains("demo-conseil.toml:\(line):") && check.stderr.contains("control character"),
            "\(check.stderr)")
    }
}
