import FacturationCore
import Foundation
import Testing

/// The summary of a closed year's receivables (`archive/checkpoints/<pipeline>/creances-annees/`,
/// issue #9 step 1): the same outputs with the summaries kept or deleted, the receivables from
/// them equal to those from the records item by item, the summary read, and a missing, damaged or
/// stale one rebuilt.
///
/// The demo runs of July to December 2025, then January 2026, which closes 2025: a December invoice
/// paid in January, a credit note naming an invoice paid in 2025 (now overpaid: live again), and a
/// second payment of an invoice settled in 2025 (the review form names it, loaded from its row).
@Suite("Closed years, the receivables summary", .serialized)
struct ReceivablesYearSummaryTests {
    static let summary = "archive/checkpoints/demo-conseil/creances-annees/2025.json"
    static let lines = "archive/checkpoints/demo-conseil/creances-annees/2025.tsv"
    static let runs2025 = ["2025-07-01", "2025-08-01", "2025-09-01", "2025-10-01", "2025-11-03", "2025-12-01"]

    /// A Qonto export of receipts from a payer no rule knows (matched by the invoice they name).
    static func qonto(_ receipts: [(day: String, amount: String, reference: String, id: String)]) -> String {
        "Statut;Date de la valeur (UTC);Date de la valeur (local);Date de l'opération (UTC);"
            + "Date de l'opération (local);Montant total (TTC);Débit;Crédit;Solde;Devise;Nom du compte;IBAN du compte;"
            + "Nom de la contrepartie;IBAN de la contrepartie;Méthode de paiement;Identifiant de transaction;"
            + "Référence;Note\n"
            + receipts.map { receipt in
                "Exécuté;;\(receipt.day) 10:00:00;;\(receipt.day) 10:00:00;\(receipt.amount);;\(receipt.amount);"
                    + "20 000,00;EUR;Compte principal;FR7216958000010123456789012;Client Test;;Virement;"
                    + "\(receipt.id);\(receipt.reference);\n"
            }.joined()
    }

    /// `1680.00` as Qonto writes it.
    static func qontoAmount(_ csv: String) -> String { csv.replacingOccurrences(of: ".", with: ",") }

    /// The demo to December 2025, then January 2026 (see the suite); returns the December invoice.
    @discardableResult
    static func history(
        _ workspace: TestWorkspace, environment: [String: String] = [:], beforeEach: (TestWorkspace) throws -> Void
    ) throws -> String {
        try runs(workspace, runs2025, environment: environment, beforeEach: beforeEach)
        let december = try #require(
            try PaymentsTests.states(workspace).values.filter {
                $0["issue_date"] == "2025-12-01" && $0["status"] == "émise"
            }.min { $0["number"]! < $1["number"]! })
        try workspace.drop(
            "qonto-janvier-2026.csv",
            qonto([
                ("08-01-2026", qontoAmount(december["open"]!), "Facture \(december["number"]!)", "qonto-test-0101"),
                ("09-01-2026", "600,00", "Facture F20250706", "qonto-test-0102"),
            ]))
        // F20250704: paid in July 2025.
        try workspace.drop(
            "avoir.toml", "[credit_note]\ninvoice = \"F20250704\"\nreason = \"erreur\"\nby = \"Camille\"\n")
        try runs(
            workspace, ["2026-01-12", "2026-01-13", "2026-02-02"], environment: environment, beforeEach: beforeEach)
        return december["number"]!
    }

    static func runs(
        _ workspace: TestWorkspace, _ days: [String], environment: [String: String],
        beforeEach: (TestWorkspace) throws -> Void
    ) throws {
        for day in days {
            try beforeEach(workspace)
            let result = try workspace.run(["run", "--settle", "0", "--date", day], environment: environment)
            #expect(result.status == 0 || result.status == 2, "\(day): \(result.stderr)")
        }
    }

    static func workspace() throws -> TestWorkspace {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        return workspace
    }

    static func layout(_ workspace: TestWorkspace) throws -> ArchiveLayout {
        let pipeline = try PipelineLoader.load(
            path: workspace.path + "/pipelines/demo-conseil.toml", shownAs: "pipelines/demo-conseil.toml")
        return Workspace(root: workspace.path).layout(for: pipeline, pipelineCount: 1)
    }

    /// Each position's invoice with everything applied in order, the rows, and the open invoices.
    static func described(_ receivables: Receivables) -> [String] {
        func line(_ item: some ReceivableLine) -> String {
            let applied = item.applied.map { "\($0.date) \($0.amountMinor) \($0.source)" }.joined(separator: "; ")
            return "\(item.number) \(item.clientCode) \(item.buyerName) \(item.issueDate) \(item.dueDate) "
                + "\(item.totalMinor) owes \(item.openMinor) [\(applied)]"
        }
        let today = CivilDate(iso: "2026-02-02")!
        return receivables.order.map { line(receivables.item($0)!) } + receivables.rows.map(line)
            + ["open " + receivables.open(on: today).map(\.document.number).joined(separator: ",")]
    }

    @Test func theOutputsAreTheSameWithTheSummariesKeptOrDeletedAndTheReceivablesAreTheRecords() throws {
        let kept = try Self.workspace()
        let december = try Self.history(kept, beforeEach: { _ in })
        let states = try PaymentsTests.states(kept)
        #expect(states[december]?["status"] == "payée" && states[december]?["settled_on"] == "2026-01-08")
        let credited = try #require(states["F20250704"])
        #expect(credited["open"] == "-" + credited["total_incl_vat"]!, "paid, then credited: overpaid")
        #expect(credited["applied"]?.hasPrefix("2026-01-12 ") == true, "the credit note first")
        // F20250706 was paid in July 2025: the second payment waits, its form reads the settled invoice.
        let review = try #require(
            try kept.csvRecords("outbox/paiements/encaissements-non-rapproches.csv").first {
                $0["candidates"] == "F20250706"
            })
        let form = try kept.text("outbox/" + review["decision_form"]!)
        #expect(form.contains("owes 0.00"), "\(form)")
        #expect(try kept.text(Self.lines).contains("I\tF20250706\t"))

        let deleted = try Self.workspace()
        try Self.history(deleted, beforeEach: IssuedYearSummaryTests.removeCheckpoints)
        try DemoReplayTests.expectSameOutputs(kept, as: deleted)
        // Every reader (invoice states, aged balance, payment delays, forecast, dashboard, dunning)
        // gives the bytes it gives with every year's receivables from the records.
        let records = try Self.workspace()
        try Self.history(records, environment: ["FACTURATION_RECEIVABLES_FROM_RECORDS": "1"], beforeEach: { _ in })
        #expect(!FileManager.default.fileExists(atPath: records.root.appendingPathComponent(Self.summary).path))
        try DemoReplayTests.expectSameOutputs(kept, as: records)

        // Item by item, the receivables of the run (2025 from its summary) are those of the records.
        let layout = try Self.layout(kept)
        let fromSummaries = try RunSnapshot(layout: layout, openYear: 2026).receivables()
        let fromRecords = try RunSnapshot(layout: layout).receivables()
        #expect(fromSummaries.liveItems.count < fromSummaries.order.count, "settled rows of 2025")
        #expect(Self.described(fromSummaries) == Self.described(fromRecords))
    }

    static func summaryJSON(_ workspace: TestWorkspace) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: try workspace.data(summary)) as? [String: Any] ?? [:]
    }

    /// Writes `lines` as 2025's line file, with the summary naming it.
    static func plant(_ text: String, in workspace: TestWorkspace) throws {
        try Data(text.utf8).write(to: workspace.root.appendingPathComponent(lines))
        var json = try summaryJSON(workspace)
        json["linesSHA256"] = SHA256Hasher.hex(text)
        try JSONSerialization.data(withJSONObject: json).write(to: workspace.root.appendingPathComponent(summary))
    }

    @Test func theSummaryIsReadAndAMissingDamagedOrStaleOneIsRebuilt() throws {
        let workspace = try Self.workspace()
        try Self.history(workspace, beforeEach: { _ in })
        let original = (json: try workspace.data(Self.summary), lines: try workspace.text(Self.lines))
        // Read: a settled invoice's buyer renamed in the line file is what the invoice states show
        // (F20250708: QUADRIMEX paid it in 2025).
        let settled = try #require(original.lines.split(separator: "\n").first { $0.hasPrefix("I\tF20250708\t") })
        var fields = settled.split(separator: "\t", omittingEmptySubsequences: false)
        fields[3] = "PLANTED"
        try Self.plant(
            original.lines.replacingOccurrences(of: settled, with: fields.joined(separator: "\t")), in: workspace)
        try ClosedYearFECTests.runs(workspace, ["2026-02-03"])
        #expect(try PaymentsTests.states(workspace)["F20250708"]?["client_name"] == "PLANTED", "the summary is read")

        let json = workspace.root.appendingPathComponent(Self.summary)
        let linesURL = workspace.root.appendingPathComponent(Self.lines)
        let damages: [(String, () throws -> Void)] = [
            ("deleted", { try FileManager.default.removeItem(at: json) }),
            ("lines deleted", { try FileManager.default.removeItem(at: linesURL) }),
            (
                "lines truncated",
                {
                    let kept = original.lines.split(separator: "\n").prefix(3).joined(separator: "\n") + "\n"
                    try Data(kept.utf8).write(to: linesURL)
                }
            ),
            (
                "lines edited",
                {
                    let edited = try workspace.text(Self.lines).replacingOccurrences(of: "PLANTED", with: "PLANTEX")
                    try Data(edited.utf8).write(to: linesURL)
                }
            ),
            ("truncated", { try Data(original.json.prefix(40)).write(to: json) }),
            ("garbage", { try Data("\u{0}\u{1}not json at all".utf8).write(to: json) }),
            ("lines garbage", { try Self.plant("I\tnot a line\n", in: workspace) }),
            ("another version", { try Self.edited(workspace) { $0["version"] = 99 } }),
            ("another year", { try Self.edited(workspace) { $0["year"] = 2024 } }),
            ("stale", { try Self.edited(workspace) { $0["inputs"] = String(repeating: "0", count: 64) } }),
        ]
        for (index, (damage, apply)) in damages.enumerated() {
            try Self.plant(
                original.lines.replacingOccurrences(of: settled, with: fields.joined(separator: "\t")), in: workspace)
            try apply()
            try ClosedYearFECTests.runs(workspace, ["2026-02-\(String(format: "%02d", 4 + index))"])
            #expect(try workspace.text(Self.lines) == original.lines, "\(damage)")
            #expect(
                try PaymentsTests.states(workspace)["F20250708"]?["client_name"]?.hasPrefix("PLANTE") == false,
                "\(damage)")
        }
    }

    static func edited(_ workspace: TestWorkspace, _ change: (inout [String: Any]) -> Void) throws {
        var json = try summaryJSON(workspace)
        change(&json)
        try JSONSerialization.data(withJSONObject: json).write(to: workspace.root.appendingPathComponent(summary))
    }

    @Test func aLateMatchBookedInTheClosedYearMakesTheSummaryStale() throws {
        let workspace = try Self.workspace()
        try Self.history(workspace, beforeEach: { _ in })
        let before = try Self.summaryJSON(workspace)
        // SEXTANT never paid F20250709: a bank line of 20 December 2025, imported in February.
        let open = try #require(try PaymentsTests.states(workspace)["F20250709"]?["open"])
        try workspace.drop(
            "qonto-decembre.csv",
            Self.qonto([("20-12-2025", Self.qontoAmount(open), "Facture F20250709", "qonto-test-0201")]))
        try ClosedYearFECTests.runs(workspace, ["2026-02-03", "2026-02-04"])
        #expect(try Self.summaryJSON(workspace)["inputs"] as? String != before["inputs"] as? String)
        let row = try #require(
            try workspace.text(Self.lines).split(separator: "\n").first { $0.hasPrefix("I\tF20250709\t") })
        #expect(row.contains("2025-12-20\t"), "the late match is in 2025's summary")
        #expect(try PaymentsTests.states(workspace)["F20250709"]?["status"] == "payée")
    }

    @Test func aBatchIssuedAfterTheInvoicingPassReadTheClosedYearsLeavesNoStaleKey() throws {
        // The snapshot keys the receivables' summaries by the record folders' identities taken
        // with its documents (computed once a run); a batch issued since changes its own year's
        // folder only, whose identity it forgets. Here 2025's records change (a record's time, as a
        // restored copy would) after the snapshot took them, before a batch of 2026 is noted: the
        // summary of the documents taken is keyed as they were taken (keyed by what is there now,
        // it would pair a change with the documents from before it), and the next run's snapshot,
        // which takes the records as changed, writes it again.
        let workspace = try Self.workspace()
        try Self.history(workspace, beforeEach: { _ in })
        let layout = try Self.layout(workspace)
        // Keyed by this process's binary first (the runs' binary is another).
        _ = try RunSnapshot(layout: layout, openYear: 2026).receivables()
        let before = try Self.summaryJSON(workspace)["inputs"] as? String
        let snapshot = try RunSnapshot(layout: layout, openYear: 2026)
        _ = try snapshot.invoicingHistory(openFrom: 2026)
        let folder = layout.issued + "/2025"
        let record = try #require(try FileManager.default.contentsOfDirectory(atPath: folder).sorted().first)
        try FileManager.default.setAttributes(
            [.modificationDate: Date(timeIntervalSince1970: 1_700_000_000)], ofItemAtPath: folder + "/" + record)
        var batch = try #require(snapshot.issued.last { $0.kind == .invoice && $0.issueDate.year == 2026 })
        batch.number = "F-TEST-1"
        snapshot.didIssue([batch])
        _ = try snapshot.receivables()
        #expect(try Self.summaryJSON(workspace)["inputs"] as? String == before, "keyed as the records were taken")
        _ = try RunSnapshot(layout: layout, openYear: 2026).receivables()
        let after = try Self.summaryJSON(workspace)["inputs"] as? String
        #expect(after != before, "rewritten with the folder's new identity")
        // A new run's snapshot finds it current: not written again.
        _ = try RunSnapshot(layout: layout, openYear: 2026).receivables()
        #expect(try Self.summaryJSON(workspace)["inputs"] as? String == after)
    }

    @Test func aRecordAddedByARunDatedInTheClosedYearMakesTheSummaryStale() throws {
        // Only a run dated in the closed year, before any document of the new one, adds a record to
        // it: the demo to December, 2025's summary written (as a run of 2026 would, here by the
        // snapshot of this process, whose binary keys it), then a run of 2025-12-15 issues a
        // credit note.
        let workspace = try Self.workspace()
        try ClosedYearFECTests.runs(workspace, Self.runs2025)
        let layout = try Self.layout(workspace)
        _ = try RunSnapshot(layout: layout, openYear: 2026).receivables()
        let before = try Self.summaryJSON(workspace)
        try workspace.drop(
            "avoir2.toml", "[credit_note]\ninvoice = \"F20250705\"\nreason = \"erreur\"\nby = \"Camille\"\n")
        try ClosedYearFECTests.runs(workspace, ["2025-12-15"])
        let receivables = try RunSnapshot(layout: layout, openYear: 2026).receivables()
        #expect(try Self.summaryJSON(workspace)["inputs"] as? String != before["inputs"] as? String)
        let row = try #require(
            try workspace.text(Self.lines).split(separator: "\n").first { $0.hasPrefix("I\tF20250705\t") })
        #expect(row.contains("\t2025-12-15\t"), "the credit note is in 2025's summary")
        #expect(Self.described(receivables) == Self.described(try RunSnapshot(layout: layout).receivables()))
    }
}
