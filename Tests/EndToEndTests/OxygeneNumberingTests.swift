import Foundation
import Testing

/// `[invoicing] numbering = "oxygene"` through the real binary: documents are issued under a
/// provisional reference, exported to Oxygène with it as `WEB_ID`, and nothing is made, sent or
/// posted with a legal number until a register export confirms Oxygène's number.
@Suite("Oxygène numbering, end to end", .serialized)
struct OxygeneNumberingTests {
    /// The demo pipeline in the `oxygene` mode, e-mailing from July through a port nobody listens
    /// on (what is due stays queued in `outbox/to-send/`), with `extra` appended.
    static func workspace(extra: String = "") throws -> TestWorkspace {
        var text = try Repository.demoPipeline()
        text = text.replacingOccurrences(of: "[invoicing]\n", with: "[invoicing]\nnumbering = \"oxygene\"\n")
        text += """

            [delivery]
            send = true
            send_from = 2025-07-01

            [delivery.smtp]
            host = "127.0.0.1"
            port = 9
            security = "none"
            from = "factures@conseil-demo.fr"
            connect_timeout = 1
            \(extra)
            """
        return try TestWorkspace(pipeline: text)
    }

    @discardableResult
    static func run(
        _ workspace: TestWorkspace, _ day: String, environment: [String: String] = [:]
    ) throws
        -> CommandResult
    {
        try workspace.run(["run", "--settle", "0", "--date", day], environment: environment)
    }

    /// One issued record: reference or number, Oxygène client code, date, total incl. VAT (cents).
    struct Record {
        var number: String
        var client: String
        var date: String
        var totalMinor: Int
    }

    static func records(_ workspace: TestWorkspace) throws -> [Record] {
        try workspace.issuedRecords(pipeline: "demo-conseil").values.map { line in
            let object = try #require(try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any])
            let totals = try #require(object["totals"] as? [String: Any])
            return Record(
                number: try #require(object["number"] as? String),
                client: try #require(object["oxygeneClientCode"] as? String),
                date: try #require(object["issueDate"] as? String),
                totalMinor: try #require(totals["grandTotalMinor"] as? Int))
        }.sorted { $0.number < $1.number }
    }

    /// The register export Oxygène would give after importing `pieces` as `numbers` (ISO-8859-1, `;`, CRLF).
    static func register(_ pieces: [(record: Record, number: String)]) -> Data {
        var text = OxygeneRoundTripTests.header
        for (record, number) in pieces {
            let parts = record.date.split(separator: "-")
            let ttc = "\(record.totalMinor / 100),\(String(format: "%02d", record.totalMinor % 100))"
            text +=
                "\(number.prefix(1)) \(number.dropFirst());\(record.client) - CLIENT;\(parts[2])/\(parts[1])/\(parts[0]);"
                + "0;\(ttc);0;;0;0;0;\(ttc);Non;0;0\r\n"
        }
        text += "F 20100401;IN4001 - INQUARTO Consulting;11/04/2010;6436,5;7698,05;0;;0;0;0;7698,05;Non;0;0\r\n"
        return OxygeneRoundTripTests.latin1(text)
    }

    /// Every file under `folder` whose text contains `text`.
    static func files(_ workspace: TestWorkspace, under folder: String, containing text: String) -> [String] {
        workspace.files(under: folder).filter { ((try? workspace.text($0)) ?? "").contains(text) }
    }

    @Test func nothingLeavesBeforeTheRegisterConfirmsTheNumber() throws {
        let workspace = try Self.workspace()
        let first = try Self.run(workspace, "2025-07-01")
        #expect(first.status == 0 || first.status == 2, "\(first.stdout)\(first.stderr)")
        let july = try Self.records(workspace)
        try #require(july.count >= 3, "\(first.stdout)")
        #expect(july.allSatisfy { $0.number.hasPrefix("P202507-") }, "\(july.map(\.number))")
        #expect(july.map(\.number) == (1...july.count).map { String(format: "P202507-%03d", $0) })
        #expect(first.stdout.contains("provisional reference, awaiting Oxygène's number"), "\(first.stdout)")
        // Exported to Oxygène with the reference as WEB_ID; nothing else made or queued.
        let oxygene = try #require(workspace.files(under: "outbox/oxygene").first { $0.hasSuffix(".xml") })
        #expect(try workspace.text(oxygene).contains("<WEB_ID>P202507-001</WEB_ID>"))
        #expect(!workspace.files(under: "outbox/invoices").contains { $0.hasSuffix(".xml") || $0.hasSuffix(".pdf") })
        #expect(!workspace.files(under: "archive/invoicing/demo-conseil/documents").contains { $0.hasSuffix(".xml") })
        #expect(!workspace.files(under: "outbox/to-send").contains { $0.hasSuffix(".eml") })
        #expect(!workspace.exists("outbox/registre-ventes.csv"))

        // August: July's month close writes its FEC, without a sales entry for the provisional documents.
        let close = try Self.run(workspace, "2025-08-01")
        #expect(close.status == 0 || close.status == 2, "\(close.stdout)\(close.stderr)")
        #expect(Self.files(workspace, under: "outbox", containing: "P202507-").allSatisfy { $0.contains("oxygene") })
        #expect(Self.files(workspace, under: "outbox/fec", containing: "|VT|").isEmpty)
        #expect(!workspace.files(under: "outbox/to-send").contains { $0.hasSuffix(".eml") })

        // Oxygène numbered July's pieces F20250741…: the register export confirms them.
        let numbered = july.enumerated().map { ($0.element, "F202507\(41 + $0.offset)") }
        try workspace.drop("Factures clients.csv", Self.register(numbered))
        let confirmed = try Self.run(workspace, "2025-08-02")
        #expect(confirmed.status == 0 || confirmed.status == 2, "\(confirmed.stdout)\(confirmed.stderr)")
        #expect(confirmed.stdout.contains("P202507-001 → F20250741"), "\(confirmed.stdout)")
        for (record, number) in numbered {
            let confirmation = "archive/invoicing/demo-conseil/confirmed/\(record.number).json"
            #expect(try workspace.text(confirmation).contains("\"number\" : \"\(number)\""))
            let xml = try workspace.text("outbox/invoices/\(number).xml")
            #expect(xml.contains("<ram:ID>\(number)</ram:ID>"), "\(number)")
            #expect(!xml.contains("P202507"))
            #expect(workspace.exists("outbox/to-send/\(number).eml"), "\(number) is not queued")
        }
        try OneOffInvoiceTests.expectSchematronsPass(
            on: numbered.map { workspace.path + "/outbox/invoices/\($0.1).xml" })
        let register = try workspace.csvRecords("outbox/registre-ventes.csv").map { $0["number"] ?? "" }
        #expect(register.sorted() == numbered.map(\.1).sorted(), "August's are still provisional: \(register)")
        // August's documents still wait: not sent, not in the register, reported.
        #expect(!workspace.files(under: "outbox/to-send").contains { $0.contains("P202508") })
        #expect(confirmed.stdout.contains("still await their number"), "\(confirmed.stdout)")
        let rows = try workspace.csvRecords("outbox/oxygene/confirmation.csv")
        #expect(rows.filter { $0["statut"] == "confirmed" }.count == numbered.count, "\(rows)")
        #expect(rows.contains { $0["numero"] == "P202508-001" && $0["statut"] == "awaiting" }, "\(rows)")

        // The next run posts July's confirmed sales in the FEC under their legal numbers.
        let later = try Self.run(workspace, "2025-09-01")
        #expect(later.status == 0 || later.status == 2, "\(later.stdout)\(later.stderr)")
        let fec = Self.files(workspace, under: "outbox/fec", containing: "F20250741")
        #expect(!fec.isEmpty, "\(workspace.files(under: "outbox/fec"))")
        #expect(Self.files(workspace, under: "outbox/fec", containing: "P2025").isEmpty)
        // The pieces that run issued are listed already (awaiting), not from the next run on.
        let listed = try workspace.csvRecords("outbox/oxygene/confirmation.csv")
        let new = listed.filter { $0["detail"]?.hasPrefix("issued in this run") == true }.compactMap { $0["numero"] }
        let before = Set(rows.compactMap { $0["numero"] })
        #expect(!new.isEmpty && new.allSatisfy { !before.contains($0) && $0.hasPrefix("P2025") }, "\(listed)")
    }

    /// A second LAA contract with the same amount: two identical pieces of one day.
    static let twin = """

        [[contracts]]
        client = "LAA"
        amount = 1400.00
        frequency = "monthly"
        label = "Forfait hébergement mensuel"
        id = "LAA-hebergement"
        """

    @Test func identicalPiecesWaitForARequestThatNamesThePair() throws {
        let workspace = try Self.workspace(extra: Self.twin)
        let first = try Self.run(workspace, "2025-07-01")
        #expect(first.status == 0 || first.status == 2, "\(first.stdout)\(first.stderr)")
        let july = try Self.records(workspace)
        let laa = july.filter { $0.client == "LAA01" }
        try #require(laa.count == 2 && laa[0].totalMinor == laa[1].totalMinor, "\(july)")
        let numbered = july.enumerated().map { ($0.element, "F202507\(41 + $0.offset)") }
        try workspace.drop("Factures clients.csv", Self.register(numbered))
        let second = try Self.run(workspace, "2025-07-02")
        #expect(second.stdout.contains("\(laa[0].number) not confirmed"), "\(second.stdout)")
        #expect(second.stdout.contains("[confirmation]"), "\(second.stdout)")
        for record in laa {
            #expect(!workspace.exists("archive/invoicing/demo-conseil/confirmed/\(record.number).json"))
        }
        let others = july.filter { $0.client != "LAA01" }
        #expect(others.allSatisfy { workspace.exists("archive/invoicing/demo-conseil/confirmed/\($0.number).json") })
        let rows = try workspace.csvRecords("outbox/oxygene/confirmation.csv")
        #expect(rows.filter { $0["statut"] == "ambiguous" }.map { $0["numero"] ?? "" }.sorted() == laa.map(\.number))
        // The pair is ours although unconfirmed: its register numbers (open, after the demo's
        // open_since) are never owed as historical invoices meanwhile.
        let laaNumbers = numbered.filter { $0.0.client == "LAA01" }.map(\.1)
        let owed = try workspace.csvRecords("outbox/paiements/etat-factures.csv").compactMap { $0["number"] }
        #expect(!owed.isEmpty && laaNumbers.allSatisfy { !owed.contains($0) }, "\(owed)")

        // The person says which is which: the second LAA piece is the first LAA number.
        try workspace.drop(
            "pairing.toml",
            "[confirmation]\nprovisional = \"\(laa[1].number)\"\nnumber = \"F \(laaNumbers[0].dropFirst())\"\nby = \"Camille\"\n"
        )
        let third = try Self.run(workspace, "2025-07-03")
        #expect(third.status == 0 || third.status == 2, "\(third.stdout)\(third.stderr)")
        let pairs = try laa.map { record in
            try workspace.text("archive/invoicing/demo-conseil/confirmed/\(record.number).json")
        }
        #expect(pairs[1].contains("\"number\" : \"\(laaNumbers[0])\"") && pairs[1].contains("\"request\""))
        #expect(pairs[0].contains("\"number\" : \"\(laaNumbers[1])\"") && pairs[0].contains("\"automatic\""))
        #expect(workspace.exists("outbox/invoices/\(laaNumbers[0]).xml"))
        #expect(workspace.exists("outbox/invoices/\(laaNumbers[1]).xml"))
    }

    @Test func aRegisterNumberOfAnotherPieceIsRefused() throws {
        let workspace = try Self.workspace()
        try Self.run(workspace, "2025-07-01")
        let july = try Self.records(workspace)
        try #require(july.count >= 2)
        // A request pairs the first piece with the second's number: refused, with the reason.
        let numbered = july.enumerated().map { ($0.element, "F202507\(41 + $0.offset)") }
        try workspace.drop("Factures clients.csv", Self.register(numbered))
        try workspace.drop(
            "pairing.toml", "[confirmation]\nprovisional = \"\(july[0].number)\"\nnumber = \"F20250742\"\nby = \"C\"\n")
        let result = try Self.run(workspace, "2025-07-02")
        #expect(result.status == 1, "\(result.stdout)")
        #expect(
            result.stdout.contains("\(july[0].number) not confirmed: the request names F20250742"), "\(result.stdout)")
        #expect(!workspace.exists("archive/invoicing/demo-conseil/confirmed/\(july[0].number).json"))
        #expect(workspace.exists("archive/invoicing/demo-conseil/confirmed/\(july[1].number).json"))
    }

    /// Switching back to `numbering = "facturation"` while documents await their number would give
    /// the company two owners of one sequence and leave those documents out of every output: the
    /// invoicing stage issues nothing and names them, until the mode is set back.
    /// A newer register that no longer holds a confirmed number as it was confirmed (another total)
    /// is reported; the confirmation stands.
    @Test func aNewerRegisterThatContradictsAConfirmationIsReported() throws {
        let workspace = try Self.workspace()
        try Self.run(workspace, "2025-07-01")
        let july = try Self.records(workspace)
        try #require(!july.isEmpty)
        let numbered = july.enumerated().map { ($0.element, "F202507\(41 + $0.offset)") }
        try workspace.drop("Factures clients.csv", Self.register(numbered))
        let confirmed = try Self.run(workspace, "2025-07-02")
        #expect(confirmed.stdout.contains("P202507-001 → F20250741"), "\(confirmed.stdout)")
        #expect(!confirmed.stdout.contains("no longer match"), "\(confirmed.stdout)")
        var changed = numbered
        changed[0].0.totalMinor += 100
        try workspace.drop("Factures clients 2.csv", Self.register(changed))
        let contradicted = try Self.run(workspace, "2025-07-03")
        #expect(
            contradicted.stdout.contains("replaces the register imported before (")
                && contradicted.stdout.contains("documents): the newest export is the one in force"),
            "\(contradicted.stdout)")
        #expect(
            contradicted.stdout.contains("1 confirmed number(s) no longer match it: F20250741 (P202507-001)"),
            "\(contradicted.stdout)")
        #expect(workspace.exists("archive/invoicing/demo-conseil/confirmed/P202507-001.json"))
    }

    /// A register entry that is a piece but under another client's code is named (not paired).
    @Test func aPieceEnteredUnderAnotherClientIsNamed() throws {
        let workspace = try Self.workspace()
        try Self.run(workspace, "2025-07-01")
        var numbered = try Self.records(workspace).sorted { $0.number < $1.number }.enumerated().map {
            ($0.element, "F202507\(41 + $0.offset)")
        }
        try #require(!numbered.isEmpty)
        let reference = numbered[0].0.number
        numbered[0].0.client = "ZZZ01"
        // A hostile register: 50 more entries alike under other codes give one warning, not 51.
        let alike = (0..<50).map { (numbered[0].0, String(format: "F20259%04d", $0)) }
        try workspace.drop("Factures clients.csv", Self.register(numbered + alike))
        let run = try Self.run(workspace, "2025-07-02")
        #expect(
            run.stdout.contains("\(reference) may be F20250741 (line 2, client ZZZ01), ")
                && run.stdout.contains(" and 48 more of the Oxygène register"), "\(run.stdout)")
        #expect(run.stdout.components(separatedBy: "\(reference) may be").count == 2, "\(run.stdout)")
        #expect(!workspace.exists("archive/invoicing/demo-conseil/confirmed/\(reference).json"))
    }

    /// A draft waiting for approval cites the client's previous invoice under its legal number once
    /// Oxygène confirmed it, not under the reference it was issued with.
    @Test func anApprovalNoteCitesTheConfirmedNumber() throws {
        let workspace = try Self.workspace()
        try workspace.dropDemoFiles()
        try Self.run(workspace, "2025-07-01")
        try Self.run(workspace, "2025-08-01")
        let issued = try Self.records(workspace).sorted { $0.number < $1.number }
        let numbered = issued.enumerated().map { ($0.element, String(format: "F2025%04d", 701 + $0.offset)) }
        try workspace.drop("Factures clients.csv", Self.register(numbered))
        let confirmed = try Self.run(workspace, "2025-08-02")
        #expect(confirmed.stdout.contains("P202508-001 → "), "\(confirmed.stdout)")
        let september = try Self.run(workspace, "2025-09-01")
        #expect(september.stdout.contains("previous comparable invoice F2025"), "\(september.stdout)")
        #expect(!september.stdout.contains("previous comparable invoice P2025"), "\(september.stdout)")
    }

    @Test func switchingBackWhileDocumentsAwaitIssuesNothingAndNamesThem() throws {
        let workspace = try Self.workspace()
        try Self.run(workspace, "2025-07-01")
        let awaiting = try Self.records(workspace).map(\.number)
        #expect(!awaiting.isEmpty && awaiting.allSatisfy { $0.hasPrefix("P2025") }, "\(awaiting)")
        let path = "pipelines/demo-conseil.toml"
        try workspace.drop(
            "demo-conseil.toml",
            try workspace.text(path).replacingOccurrences(of: "numbering = \"oxygene\"\n", with: ""),
            into: "pipelines")
        let switched = try Self.run(workspace, "2025-08-01")
        #expect(switched.status == 1, "\(switched.stdout)")
        #expect(
            switched.stdout.contains("still await their number from Oxygène (\(awaiting.first!)"),
            "\(switched.stdout)")
        #expect(try Self.records(workspace).map(\.number) == awaiting, "nothing issued while they wait")
    }

    @Test func aConfirmationRequestWithNothingToConfirmIsRejectedWithAReason() throws {
        // The facturation mode numbers its own documents.
        let own = try TestWorkspace(pipeline: try Repository.demoPipeline())
        try own.drop("pairing.toml", "[confirmation]\nprovisional = \"P202507-001\"\nnumber = \"F20250741\"\n")
        let refused = try Self.run(own, "2025-07-01")
        #expect(refused.status == 2, "\(refused.stdout)")
        let reason = try #require(own.files(under: "archive/rejected").first { $0.hasSuffix(".reason.txt") })
        let text = try own.text(reason)
        #expect(text.contains("numbering = \"facturation\""), "\(text)")
        // The oxygene mode: a reference it never issued.
        let workspace = try Self.workspace()
        try Self.run(workspace, "2025-07-01")
        try workspace.drop("pairing.toml", "[confirmation]\nprovisional = \"P202507-999\"\nnumber = \"F 20250741\"\n")
        let unknown = try Self.run(workspace, "2025-07-02")
        #expect(unknown.status == 2, "\(unknown.stdout)")
        let why = try #require(workspace.files(under: "archive/rejected").first { $0.hasSuffix(".reason.txt") })
        let whyText = try workspace.text(why)
        #expect(whyText.contains("no provisional document P202507-999"), "\(whyText)")
    }

    /// What a confirmation run leaves: the files of the outbox and of the confirmations, and the
    /// bytes of every delivered Factur-X XML.
    static func outcome(_ workspace: TestWorkspace) throws -> [String] {
        var lines = workspace.files(under: "outbox").filter { !$0.contains("/synthese/") && !$0.contains("digest") }
        lines += workspace.files(under: "archive/invoicing/demo-conseil/confirmed")
        for xml in workspace.files(under: "outbox/invoices") where xml.hasSuffix(".xml") {
            lines.append(xml + " " + (try workspace.text(xml)).count.description)
        }
        return lines.sorted()
    }

    @Test func aRunKilledAroundTheConfirmationEndsLikeAnUninterruptedOne() throws {
        func prepared() throws -> TestWorkspace {
            let workspace = try Self.workspace()
            try Self.run(workspace, "2025-07-01")
            let numbered = try Self.records(workspace).enumerated().map { ($0.element, "F202507\(41 + $0.offset)") }
            try workspace.drop("Factures clients.csv", Self.register(numbered))
            return workspace
        }
        let reference = try prepared()
        let traced = try Self.run(reference, "2025-07-02", environment: ["FACTURATION_CRASH_TRACE": "1"])
        let steps = traced.stderr.split(separator: "\n").filter { $0.hasPrefix("crash-point ") }
        let commits = steps.indices.filter { steps[$0].contains("/confirmed/") }
        try #require(!commits.isEmpty, "no confirmation was recorded: \(traced.stdout)")
        let expected = try Self.outcome(reference)
        #expect(expected.contains { $0.hasPrefix("outbox/invoices/F20250741.xml") })
        // Before the first commit, right after it, between two, after the last one, and after the XML.
        let points = Set([
            commits[0], commits[0] + 1, commits[commits.count / 2] + 1, commits.last! + 1, commits.last! + 2,
        ])
        for point in points.sorted() {
            let workspace = try prepared()
            let crashed = try Self.run(workspace, "2025-07-02", environment: ["FACTURATION_CRASH_AFTER": "\(point)"])
            #expect(crashed.killedBySignal, "step \(point) did not crash")
            let recovered = try Self.run(workspace, "2025-07-02")
            #expect(recovered.status == 0 || recovered.status == 2, "\(recovered.stderr)")
            let outcome = try Self.outcome(workspace)
            #expect(outcome == expected, "after a kill at step \(point): \(outcome.difference(from: expected))")
        }
    }
}
