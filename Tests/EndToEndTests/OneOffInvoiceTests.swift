import Foundation
import TestSupport
import Testing

/// One-off invoices (issue #12): a `[one_off]` request dropped into the inbox, or given to
/// `facturation invoice --from`, issues an invoice with the same numbering, approval rules and
/// outputs as the others.
@Suite struct OneOffInvoiceTests {
    /// A fixed price, days at a daily rate and licences at a unit price: 4,500 + 1.5 × 850 + 12 × 25.
    static let audit = """
        [one_off]
        client = "LAA"
        title = "Audit de sécurité du portail"
        reference = "audit-portail-2025"
        period_start = 2025-07-07
        period_end = 2025-07-11
        by = "Camille"

        [[one_off.lines]]
        description = "Audit de sécurité – forfait"
        amount = 4500.00
        article = "AUDIT-FORF"

        [[one_off.lines]]
        description = "Restitution aux équipes"
        days = 1.5
        daily_rate = 850

        [[one_off.lines]]
        description = "Licences du scanner (12 mois)"
        quantity = 12
        unit_price = "25.00"
        unit = "MON"

        """

    @Test func aRequestAboveTheApprovalThresholdWaitsThenIsIssuedWithTheNextNumber() throws {
        let workspace = try TestWorkspace(invoicing: true)
        #expect(try workspace.run(["run", "--settle", "0", "--date", "2025-07-01"]).status == 0)
        let before = try workspace.csvRecords("outbox/registre-ventes.csv")
        try workspace.drop("audit.toml", Self.audit)
        let first = try workspace.run(["run", "--settle", "0", "--date", "2025-07-15"])
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        // 6,075.00 HT, 7,290.00 TTC: above the 2,000 € threshold, a person decides.
        let request = try #require(workspace.files(under: "outbox/to-approve").first { $0.contains("one-LAA-") })
        // Amounts are printed with French (non-breaking) spaces.
        let form = try workspace.text(request).replacingOccurrences(of: "\u{202F}", with: " ")
            .replacingOccurrences(of: "\u{00A0}", with: " ")
        #expect(form.contains("the total incl. VAT (7 290,00 €) is above 2 000,00 €"), "\(form)")
        #expect(form.contains("2. Restitution aux équipes: 1,50 × 850,00 € = 1 275,00 €"), "\(form)")
        #expect(form.contains("requested by Camille"), "\(form)")
        #expect(try workspace.csvRecords("outbox/registre-ventes.csv").count == before.count)
        let id = String(request.split(separator: "/").last!.dropLast(".toml".count))
        #expect(try workspace.run(["approve", id, "--by", "Camille"]).status == 0)

        let second = try workspace.run(["run", "--settle", "0", "--date", "2025-07-16"])
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        let register = try workspace.csvRecords("outbox/registre-ventes.csv")
        let issued = try #require(register.first { !before.map { $0["number"] }.contains($0["number"]) })
        #expect(issued["client_code"] == "LAA" && issued["total_excl_vat"] == "6075.00", "\(issued)")
        #expect(issued["total_incl_vat"] == "7290.00" && issued["issue_date"] == "2025-07-16", "\(issued)")
        // Gapless: the July counter goes on from the invoices of 1 July.
        let july = register.map { $0["number"]! }.filter { $0.hasPrefix("F202507") }.sorted()
        #expect(july.map { Int($0.suffix(2))! } == Array(1...july.count), "\(july)")
        #expect(issued["number"] == july.last)

        let number = issued["number"]!
        let xml = try workspace.text("outbox/invoices/\(number).xml")
        #expect(xml.contains("<ram:BilledQuantity unitCode=\"DAY\">1.5"), "\(xml.prefix(4000))")
        #expect(xml.contains("<ram:BilledQuantity unitCode=\"MON\">12"))
        #expect(xml.contains("AUDIT-FORF") && xml.contains("Licences du scanner (12 mois)"))
        #expect(xml.contains("20250707") && xml.contains("20250711"), "the service period")
        #expect(workspace.exists("outbox/invoices/\(number).pdf"))
        let oxygene = try workspace.files(under: "outbox/oxygene").map { try workspace.text($0) }.joined()
        #expect(oxygene.contains("<WEB_ID>\(number)</WEB_ID>"))
        try Self.expectSchematronsPass(on: [workspace.path + "/outbox/invoices/\(number).xml"])

        // The same reference in another file is not invoiced twice.
        try workspace.drop("audit-encore.toml", Self.audit.replacingOccurrences(of: "Camille", with: "Hugo"))
        let third = try workspace.run(["run", "--settle", "0", "--date", "2025-07-17"])
        #expect(third.status == 0 && third.stdout.contains("already requested"), "\(third.stdout)")
        #expect(try workspace.csvRecords("outbox/registre-ventes.csv").count == register.count)
    }

    @Test func aSmallRequestIsIssuedInTheSameRunByTheCommand() throws {
        let workspace = try TestWorkspace(invoicing: true)
        #expect(try workspace.run(["run", "--settle", "0", "--date", "2025-07-01"]).status == 0)
        let file = workspace.root.appendingPathComponent("formation.toml")
        try """
        [one_off]
        client = "PETRAS"
        title = "Formation Clockify"
        date = 2025-07-18

        [[one_off.lines]]
        description = "Formation d'une demi-journée"
        amount = 450
        """.write(to: file, atomically: true, encoding: .utf8)
        let result = try workspace.run(["invoice", "--from", file.path, "--date", "2025-07-18"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let issued = try #require(
            try workspace.csvRecords("outbox/registre-ventes.csv").first { $0["issue_date"] == "2025-07-18" })
        #expect(issued["client_code"] == "PETRAS" && issued["total_excl_vat"] == "450.00", "\(issued)")
        #expect(workspace.files(under: "archive/files").contains { $0.hasSuffix("formation.toml") })
        // The request's own record names who asked and the inbox file it came from.
        let records = try workspace.issuedRecords(pipeline: "demo-conseil")
        #expect(records.values.contains { $0.contains(#""type":"one-off""#) }, "\(records.keys)")
    }

    @Test func aRequestWithMistakesIsRejectedWithItsLinesOrRefusedByTheCommand() throws {
        let workspace = try TestWorkspace(invoicing: true)
        #expect(try workspace.run(["run", "--settle", "0", "--date", "2025-07-01"]).status == 0)
        try workspace.drop(
            "inconnu.toml",
            "[one_off]\nclient = \"NOBODY\"\ntitle = \"x\"\n[[one_off.lines]]\ndescription = \"y\"\namount = 100\n")
        try workspace.drop(
            "jours.toml",
            "[one_off]\nclient = \"LAA\"\ntitle = \"x\"\n[[one_off.lines]]\ndescription = \"y\"\ndays = 2\n")
        try workspace.drop(
            "deux-prix.toml",
            "[one_off]\nclient = \"LAA\"\ntitle = \"x\"\n[[one_off.lines]]\ndescription = \"y\"\namount = 100\ndays = 2\n"
        )
        try workspace.drop("sans-ligne.toml", "[one_off]\nclient = \"LAA\"\ntitle = \"x\"\n")
        try workspace.drop(
            "decimales.toml",
            "[one_off]\nclient = \"LAA\"\ntitle = \"x\"\n[[one_off.lines]]\ndescription = \"y\"\nquantity = 1.00001\nunit_price = 3\n"
        )
        let result = try workspace.run(["run", "--settle", "0", "--date", "2025-07-02"])
        #expect(result.status == 2, "\(result.stdout)")
        let reasons = workspace.files(under: "archive/rejected").filter { $0.hasSuffix(".reason.txt") }
        #expect(reasons.count == 5, "\(reasons)")
        let text = try reasons.map { try workspace.text($0) }.joined(separator: "\n")
        #expect(text.contains("pipeline demo-conseil has no client NOBODY"), "\(text)")
        #expect(text.contains("line 1 counts days, but client LAA has no daily rate"))
        #expect(text.contains("give only one of amount, days"))
        #expect(text.contains("add at least one [[one_off.lines]]"))
        #expect(text.contains("one_off.lines[1].quantity must be a number above 0"))
        #expect(text.contains("Line 6 - one_off.lines[1].quantity"), "the line of the bad quantity")
        // A total beyond what one document may hold says so in the request's own terms.
        let huge = (1...3).map { _ in "[[one_off.lines]]\ndescription = \"l\"\namount = 999999999\n" }.joined()
        try workspace.drop("enorme.toml", "[one_off]\nclient = \"LAA\"\ntitle = \"x\"\n" + huge)
        #expect(try workspace.run(["run", "--settle", "0", "--date", "2025-07-03"]).status == 2)
        let enorme = try workspace.files(under: "archive/rejected").filter { $0.hasSuffix("enorme.toml.reason.txt") }
            .map { try workspace.text($0) }.joined()
        #expect(enorme.contains("too large to be computed exactly (a total of"), "\(enorme)")
        #expect(enorme.contains("split it into several invoices") && !enorme.contains("time entries"), "\(enorme)")

        // The command checks the file before dropping it: nothing reaches the inbox.
        let file = workspace.root.appendingPathComponent("faux.toml")
        try "[one_off]\nclient = \"LAA\"\n".write(to: file, atomically: true, encoding: .utf8)
        let refused = try workspace.run(["invoice", "--from", file.path])
        #expect(refused.status == 2 && refused.stderr.contains("one_off.title"), "\(refused.stderr)")
        #expect(workspace.files(under: "inbox").isEmpty)
    }

    @Test func aRequestBelowTheRefusalThresholdIsRefusedAndLeavesNoDraft() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.drop(
            "petit.toml",
            "[one_off]\nclient = \"LAA\"\ntitle = \"Frais\"\n[[one_off.lines]]\ndescription = \"Port\"\namount = 4.5\n")
        let result = try workspace.run(["run", "--settle", "0", "--date", "2025-07-01"])
        #expect(result.stdout.contains("below"), "\(result.stdout)")
        #expect(!workspace.files(under: "archive").contains { $0.contains("/drafts/one-") })
        let again = try workspace.run(["run", "--settle", "0", "--date", "2025-07-02"])
        #expect(!again.stdout.contains("one-LAA"), "a refused request is not evaluated again: \(again.stdout)")
    }

    static func expectSchematronsPass(on xmls: [String]) throws {
        let python = Repository.root.appendingPathComponent(".venv-fx/bin/python").path
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("\(python) is missing: run scripts/setup-validation-venv before the tests")
            return
        }
        let script = Repository.root.appendingPathComponent("scripts/svrl_check.py").path
        let result = try runTool(python, [script] + xmls)
        #expect(result.status == 0, "schematron errors:\n\(result.output.suffix(3000))")
    }
}
