import Foundation
import Testing

/// Receipts matched to invoices month by month, an ambiguous receipt decided by a person, states and reports.
@Suite("Payments, end to end", .serialized)
struct PaymentsTests {
    static func runMonths(_ workspace: TestWorkspace, _ days: [String]) throws {
        for day in days {
            let result = try workspace.run(["run", "--settle", "0", "--date", day])
            #expect(result.status == 0 || result.status == 2, "\(day): \(result.stdout)\n\(result.stderr)")
        }
    }

    static func states(_ workspace: TestWorkspace) throws -> [String: [String: String]] {
        Dictionary(
            uniqueKeysWithValues: try workspace.csvRecords("outbox/paiements/etat-factures.csv").map {
                ($0["number"]!, $0)
            })
    }

    @Test func receiptsAreMatchedByEachRuleAndAPersonDecidesTheAmbiguousOne() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        try Self.runMonths(workspace, ["2025-07-01", "2025-08-01", "2025-09-01", "2025-10-01"])

        // Each rule made at least one match (the rule is recorded with the evidence).
        let matches = try workspace.files(under: "archive/payments/demo-conseil/matches").map { try workspace.text($0) }
        for rule in ["\"reference\"", "\"reference-partial\"", "\"client-several\""] {
            #expect(matches.contains { $0.contains("\"rule\" : \(rule)") }, "no match by \(rule)")
        }
        var states = try Self.states(workspace)
        #expect(states["F20250706"]?["status"] == "payée")  // reference "Facture F20250706"
        #expect(states["F20250704"]?["status"] == "payée")  // reference "FACT F2025-0704"
        #expect(states["F20250708"]?["status"] == "payée")  // QUADRIMEX July + August, no reference
        #expect(states["F20250807"]?["status"] == "payée")
        #expect(states["F20250803"]?["status"] == "partiellement payée, en retard")  // "F 2025 0803", 1,400 of 1,680
        #expect(states["F20250803"]?["open"] == "280.00")
        #expect(states["F20250709"]?["status"] == "en retard")  // SEXTANT never pays
        #expect(states["F20250709"]?["days_late"] == "62")

        // The ambiguous PHARMABEST transfer and the old LAA payment wait with their candidates.
        let unmatched = try workspace.csvRecords("outbox/paiements/encaissements-non-rapproches.csv")
        #expect(unmatched.count == 2)
        let pharmabest = try #require(unmatched.first { $0["amount"] == "600.00" })
        #expect(pharmabest["candidates"] == "F20250805 F20250905")
        let form = try workspace.text("outbox/" + pharmabest["decision_form"]!)
        #expect(form.hasPrefix("receipt,invoice,amount,by,comment"))

        // A person decides: the August invoice, and the LAA payment of June invoices is not ours to match.
        let laa = try #require(unmatched.first { $0["amount"] == "2040.00" })
        try workspace.drop(
            "decisions.csv",
            """
            receipt,invoice,amount,by,comment
            \(pharmabest["receipt"]!),F20250805,,Camille,confirmed by phone
            \(laa["receipt"]!),IGNORE,,Camille,June invoices of the old system
            """)
        let decided = try workspace.run(["run", "--settle", "0", "--date", "2025-10-02"])
        #expect(decided.status == 0, "\(decided.stdout)")
        #expect(decided.stdout.contains("2 payment decisions recorded"))
        states = try Self.states(workspace)
        #expect(states["F20250805"]?["status"] == "payée")
        #expect(states["F20250905"]?["status"] != "payée")
        #expect(try workspace.csvRecords("outbox/paiements/encaissements-non-rapproches.csv").isEmpty)
        #expect(workspace.files(under: "outbox/review").isEmpty)

        // Aged receivables add up to the open invoices; supporting documents are named after the operation.
        let aged = try workspace.csvRecords("outbox/paiements/balance-agee.csv")
        let total = try #require(aged.last)
        let open = states.values.reduce(Decimal(0)) { $0 + Decimal(string: $1["open"]!)! }
        #expect(total["client_code"] == "TOTAL" && Decimal(string: total["total"]!) == open)
        #expect(Decimal(string: try #require(aged.first { $0["client_code"] == "SEXTANT" })["days_61_90"]!)! > 0)
        let documents = workspace.files(under: "outbox/justificatifs")
        #expect(documents.contains("outbox/justificatifs/2025-09/2025-09-05_600.00_PHARMABEST-SAS_F20250805.xml"))
        #expect(
            try workspace.text("outbox/justificatifs/2025-09/2025-09-05_600.00_PHARMABEST-SAS_F20250805.xml")
                .contains("<ram:ID>F20250805</ram:ID>"))

        // A decision on a receipt already matched is refused with the line, and changes nothing.
        try workspace.drop(
            "again.csv", "receipt,invoice,amount,by,comment\n\(pharmabest["receipt"]!),F20250905,,Hugo,\n")
        let refused = try workspace.run(["run", "--settle", "0", "--date", "2025-10-02"])
        #expect(refused.status == 2)
        let reason = try #require(
            workspace.files(under: "archive/rejected").first { $0.hasSuffix("again.csv.reason.txt") })
        #expect(try workspace.text(reason).contains("Line 2, column \"receipt\" (1)"))
        #expect(try Self.states(workspace)["F20250905"]?["status"] != "payée")
    }

    /// A payer's IBAN learnt from a match recorded in an earlier run recognises its later transfers:
    /// the learning from the recorded matches, prepared only when a receipt needs matching
    /// (`PaymentPass.Learnt`), still comes before the first one. PHARMABEST's July transfer is
    /// matched by its reference on 1 August; on the 25th, a transfer from the same IBAN under an
    /// unknown name and without a reference pays the only open invoice of its amount.
    @Test func anIBANLearntFromAnEarlierRunsMatchRecognisesTheNextTransfer() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        try Self.runMonths(workspace, ["2025-07-01", "2025-08-01"])
        #expect(workspace.files(under: "archive/payments/demo-conseil/matches").count == 1)
        let demo = Repository.root.appendingPathComponent("demo/inbox/qonto-transactions-juillet-aout-2025.csv")
        let header = try String(contentsOf: demo, encoding: .utf8).split(separator: "\n")[0]
        let transfer =
            "Exécuté;;22-08-2025 10:00:00;;22-08-2025 10:00:00;1 650,00;;1 650,00;;EUR;Compte principal;"
            + "FR7216958000010123456789012;TRESORERIE GROUPE PB;FR76 3000 4000 0398 7654 3210 107;Virement;"
            + "qonto-test-0100;VIREMENT SEPA;"
        try workspace.drop("qonto-groupe.csv", header + "\n" + transfer + "\n")
        try Self.runMonths(workspace, ["2025-08-25"])
        let match = try #require(
            workspace.files(under: "archive/payments/demo-conseil/matches").map { try workspace.text($0) }
                .first { $0.contains("qonto-test-0100") })
        #expect(match.contains("\"rule\" : \"client-amount\""))
        #expect(match.contains("payer IBAN FR7630004000039876543210107 is client PHARMABEST"))
        #expect(try Self.states(workspace)["F20250811"]?["status"] == "payée")
    }

    /// A supporting document's delivery marker (`archive/deliveries/<pipeline>/justificatifs/…​.done`)
    /// is what says it was delivered, also in a month recorded complete (every document marked): a
    /// document a person removed from the outbox is not delivered again while its marker exists, it
    /// is once the marker is removed, and a receipt matched later in a month whose documents were all
    /// delivered gets its own.
    @Test func aSupportingDocumentIsDeliveredAgainOnlyWithoutItsMarker() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        try Self.runMonths(workspace, ["2025-07-01", "2025-08-01", "2025-09-01", "2025-10-01"])
        let delivered = workspace.files(under: "outbox/justificatifs")
        let taken = try #require(delivered.first { $0.hasPrefix("outbox/justificatifs/2025-08/") })
        let bytes = try workspace.data(taken)
        let marker =
            "archive/deliveries/demo-conseil/justificatifs/" + taken.dropFirst("outbox/justificatifs/".count) + ".done"
        #expect(workspace.exists(marker))
        // The marker folders older than the racy window: the next run records the months complete
        // (SupportingDocumentsCheckpoint), and the runs below go through that record.
        Thread.sleep(forTimeInterval: 2.5)
        try Self.runMonths(workspace, ["2025-10-02"])
        let checkpoint = try workspace.text("archive/checkpoints/demo-conseil/justificatifs.json")
        #expect(checkpoint.contains("\"2025-08\"") && checkpoint.contains("\"2025-09\""))

        try FileManager.default.removeItem(atPath: workspace.path + "/" + taken)
        try Self.runMonths(workspace, ["2025-10-02"])
        #expect(workspace.files(under: "outbox/justificatifs") == delivered.filter { $0 != taken })

        try FileManager.default.removeItem(atPath: workspace.path + "/" + marker)
        try Self.runMonths(workspace, ["2025-10-02"])
        #expect(workspace.files(under: "outbox/justificatifs") == delivered)
        #expect(try workspace.data(taken) == bytes)
        #expect(workspace.exists(marker))

        // The PHARMABEST transfer of 5 September, decided in October: September's other documents
        // were all delivered.
        let pharmabest = try #require(
            try workspace.csvRecords("outbox/paiements/encaissements-non-rapproches.csv").first {
                $0["amount"] == "600.00"
            })
        let september = delivered.filter { $0.hasPrefix("outbox/justificatifs/2025-09/") }
        #expect(!september.isEmpty)
        try workspace.drop(
            "decisions.csv", "receipt,invoice,amount,by,comment\n\(pharmabest["receipt"]!),F20250805,,Camille,\n")
        try Self.runMonths(workspace, ["2025-10-02"])
        let name = "outbox/justificatifs/2025-09/2025-09-05_600.00_PHARMABEST-SAS_F20250805.xml"
        #expect(workspace.files(under: "outbox/justificatifs").sorted() == (delivered + [name]).sorted())

        // A damaged record is derived data: every month is looked at again, and it is written anew.
        try workspace.drop("justificatifs.json", "{\"version\": 1, \"mon", into: "archive/checkpoints/demo-conseil")
        try FileManager.default.removeItem(atPath: workspace.path + "/" + taken)
        try FileManager.default.removeItem(atPath: workspace.path + "/" + marker)
        try Self.runMonths(workspace, ["2025-10-02"])
        #expect(try workspace.data(taken) == bytes)
        #expect(try workspace.text("archive/checkpoints/demo-conseil/justificatifs.json").contains("\"2025-07\""))
    }
}
