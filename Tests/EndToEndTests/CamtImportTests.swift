import Foundation
import Testing

/// camt.053 statements dropped into the inbox and imported by the real binary.
@Suite("camt.053 statements, end to end")
struct CamtImportTests {
    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: Repository.root.appendingPathComponent("Tests/Fixtures/camt/\(name)"))
    }

    /// The demo pipeline (queue only) with a second account of the company.
    static func workspace() throws -> TestWorkspace {
        var text = try Repository.demoPipeline()
        if let cut = text.range(of: "\n[invoicing]") { text = String(text[..<cut.lowerBound]) + "\n" }
        text = text.replacingOccurrences(
            of: "time_zone = \"Europe/Paris\"",
            with: "other_ibans = [\"FR76 3000 6000 0112 3456 7890 189\"]\ntime_zone = \"Europe/Paris\"")
        return try TestWorkspace(pipeline: text)
    }

    static let september = "archive/ledgers/demo-conseil/bank-transactions/2025-09.csv"

    @Test func statementsAreImportedAndADamagedOneIsRejectedAlone() throws {
        let workspace = try Self.workspace()
        try workspace.drop("releve-septembre.xml", try Self.fixture("camt053-v02-two-statements.xml"))
        try workspace.drop("releve-octobre.xml", try Self.fixture("camt053-v08.xml"))
        let damaged = String(decoding: try Self.fixture("camt053-v08.xml"), as: UTF8.self)
            .replacingOccurrences(of: "<Amt Ccy=\"EUR\">90.00</Amt>", with: "<Amt Ccy=\"EUR\">90.0.0</Amt>")
        try workspace.drop("releve-abime.xml", damaged)
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 2, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("2 imported, 1 rejected"), "\(result.stdout)")

        let september = try workspace.csvRecords(Self.september)
        #expect(september.count == 7)
        #expect(september.allSatisfy { $0["source_format"] == "camt_053" })
        #expect(september.first { $0["source_txn_id"] == "BQ-0003" }?["note"] == "reversal")
        #expect(try workspace.csvRecords("outbox/bank-transactions/2025-09.csv") == september)
        let october = try workspace.csvRecords("archive/ledgers/demo-conseil/bank-transactions/2025-10.csv")
        #expect(
            october.map { $0["record_key"] ?? "" }.sorted() == [
                "qonto:FR7216958000010123456789012:V8-0001-1", "qonto:FR7216958000010123456789012:V8-0001-2",
                "qonto:FR7216958000010123456789012:V8-0002", "qonto:FR7630006000011234567890189:SG-1",
            ])
        let pending = try workspace.csvRecords("archive/ledgers/demo-conseil/bank-transactions/pending.csv")
        #expect(pending.map { $0["source_txn_id"] ?? "" }.sorted() == ["BQ-0004", "V8-0003"])

        let reason = try #require(workspace.files(under: "archive/rejected").first { $0.hasSuffix(".reason.txt") })
        let text = try workspace.text(reason)
        #expect(text.contains("column \"Ntry/Amt\""), "\(text)")
        #expect(text.contains("90.0.0"))
    }

    /// README "Merging and deduplication": a bank row is keyed by the account and the bank's id, so a
    /// statement dropped again, or a later one that overlaps it, adds only what is new.
    @Test func reimportingAnOverlappingStatementAddsOnlyTheNewEntries() throws {
        let workspace = try Self.workspace()
        let original = String(decoding: try Self.fixture("camt053-v02-two-statements.xml"), as: UTF8.self)
        try workspace.drop("releve-1.xml", original)
        _ = try workspace.run(["run", "--settle", "0"])
        let before = try workspace.csvRecords(Self.september)
        // The same operations in a new download (another message id), plus one new entry.
        let newEntry = """
                  <Ntry>
                    <Amt Ccy="EUR">64.00</Amt>
                    <CdtDbtInd>CRDT</CdtDbtInd>
                    <Sts>BOOK</Sts>
                    <BookgDt><Dt>2025-09-20</Dt></BookgDt>
                    <AcctSvcrRef>BQ-0009</AcctSvcrRef>
                  </Ntry>
                </Stmt>
            """
        var overlapping = original.replacingOccurrences(of: "STMT-2025-09<", with: "STMT-2025-09-BIS<")
        let endOfFirstStatement = try #require(overlapping.range(of: "      </Ntry>\n    </Stmt>"))
        overlapping.replaceSubrange(endOfFirstStatement, with: "      </Ntry>\n" + newEntry)
        try workspace.drop("releve-2.xml", overlapping)
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 0, "stderr: \(result.stderr) \(result.stdout)")
        let after = try workspace.csvRecords(Self.september)
        #expect(after.count == before.count + 1)
        #expect(Set(after.map { $0["record_key"] ?? "" }).count == after.count)
        // The first import is kept for the rows already known (provenance columns unchanged).
        #expect(after.filter { $0["source_file"] == "releve-1.xml" }.count == before.count)
        #expect(after.first { $0["source_txn_id"] == "BQ-0009" }?["source_file"] == "releve-2.xml")
    }

    /// The same operation from Qonto and from a camt.053: one row when the bank's id is the same
    /// (same key), two when the ids differ (README: do not feed one account's period in both forms).
    @Test func qontoAndCamtRowsMergeOnlyOnTheSameBankID() throws {
        let workspace = try Self.workspace()
        let header =
            "Statut;Date de la valeur (UTC);Date de la valeur (local);Date de l'opération (UTC);"
            + "Date de l'opération (local);Montant total (TTC);Devise;IBAN du compte;Nom de la contrepartie;"
            + "Identifiant de transaction;Référence\n"
        let qonto =
            header + "Exécuté;;03-09-2025 10:00:00;;03-09-2025 10:00:00;1500,00;EUR;FR7216958000010123456789012;"
            + "Client SA;BQ-0001;Facture F-2025-0012\n"
            + "Exécuté;;04-09-2025 10:00:00;;04-09-2025 10:00:00;-100,00;EUR;FR7216958000010123456789012;"
            + "Fournisseur Un;qonto-uuid-77;Facture 77\n"
        try workspace.drop("qonto.csv", qonto)
        _ = try workspace.run(["run", "--settle", "0"])
        try workspace.drop("releve.xml", try Self.fixture("camt053-v02-two-statements.xml"))
        _ = try workspace.run(["run", "--settle", "0"])
        let september = try workspace.csvRecords(Self.september)
        #expect(september.filter { $0["source_txn_id"] == "BQ-0001" }.count == 1)
        #expect(september.filter { $0["amount_minor"] == "-10000" }.count == 2)
        #expect(september.count == 8)
    }
}
