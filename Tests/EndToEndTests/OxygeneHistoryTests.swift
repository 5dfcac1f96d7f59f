import Foundation
import Testing

/// The Oxygène register's open invoices as historical receivables (`[oxygene] open_since`, issue
/// #12), through the real binary: loaded from the cut-off on, never one of our numbers, matched by
/// the payment stage, reminded only when a person says so, replaced by a newer register.
@Suite("Oxygène register, historical receivables")
struct OxygeneHistoryTests {
    static let header = OxygeneRoundTripTests.header

    /// A register line: `number` like `F 20250610`, amounts in euros as the register writes them.
    static func row(
        _ number: String, _ client: String, _ date: String, _ ht: String, _ ttc: String, paid: String = "0", due: String
    )
        -> String
    {
        "\(number);\(client);\(date);\(ht);\(ttc);0;;0;\(paid);0;\(due);Non;0;0\r\n"
    }

    static let laa = "LAA01 - LES AUTOMATISMES APPLIQUES"

    /// A Qonto export with one receipt from LAA on the company's account.
    static func qontoReceipt(amount: String, reference: String, id: String, day: String) -> String {
        "Statut;Date de la valeur (UTC);Date de la valeur (local);Date de l'opération (UTC);"
            + "Date de l'opération (local);Montant total (TTC);Débit;Crédit;Solde;Devise;Nom du compte;IBAN du compte;"
            + "Nom de la contrepartie;IBAN de la contrepartie;Méthode de paiement;Identifiant de transaction;"
            + "Référence;Note\n"
            + "Exécuté;;\(day) 10:00:00;;\(day) 10:00:00;\(amount);;\(amount);16 080,00;EUR;Compte principal;"
            + "FR7216958000010123456789012;Les Automatismes Appliques;FR7630003000701234567890185;Virement;"
            + "\(id);\(reference);\n"
    }

    /// The rows of `outbox/paiements/etat-factures.csv` by invoice number.
    static func states(_ workspace: TestWorkspace) throws -> [String: [String: String]] {
        Dictionary(
            try workspace.csvRecords("outbox/paiements/etat-factures.csv").map { ($0["number"] ?? "", $0) },
            uniquingKeysWith: { first, _ in first })
    }

    /// One sequence, two writers: a number the register in force holds (made in Oxygène) is taken,
    /// the next document follows it, and the register's invoice stays owed.
    @Test func aNumberTheRegisterHoldsIsNeverIssuedAgain() throws {
        let workspace = try TestWorkspace(pipeline: try Repository.demoPipeline())
        let register = Self.header + Self.row("F 20250701", Self.laa, "30/06/2025", "1000", "1200", due: "1200")
        try workspace.drop("Factures clients.csv", OxygeneRoundTripTests.latin1(register))
        let run = try workspace.run(["run", "--settle", "0", "--date", "2025-07-01"])
        #expect(run.status == 0 || run.status == 2, "\(run.stdout)")
        let numbers = try workspace.csvRecords("outbox/registre-ventes.csv").compactMap { $0["number"] }
        #expect(!numbers.isEmpty && !numbers.contains("F20250701"), "\(numbers)")
        #expect(numbers.min() == "F20250702", "\(numbers)")
        let historical = try Self.states(workspace)["F20250701"]
        #expect(historical?["status"]?.hasSuffix("(registre Oxygène)") == true, "\(historical ?? [:])")
    }

    /// Overpaid register invoices (Reste dû below zero) are named, twenty at most, never loaded.
    @Test func overpaidRegisterInvoicesAreNamedAtMostTwenty() throws {
        let workspace = try TestWorkspace(pipeline: try Repository.demoPipeline())
        let rows = (1...25).map {
            Self.row(String(format: "F 202506%02d", $0), Self.laa, "10/06/2025", "100", "120", paid: "170", due: "-50")
        }
        try workspace.drop("Factures clients.csv", OxygeneRoundTripTests.latin1(Self.header + rows.joined()))
        let run = try workspace.run(["run", "--settle", "0", "--date", "2025-07-01"])
        #expect(run.status == 0 || run.status == 2, "\(run.stdout)")
        #expect(run.stdout.components(separatedBy: "overpaid (Reste dû below zero)").count == 21, "\(run.stdout)")
        #expect(run.stdout.contains("5 more invoice(s) of the register with a Reste dû below zero"), "\(run.stdout)")
        #expect(try Self.states(workspace)["F20250601"] == nil)
    }

    @Test func anOpenSinceAfterTodayIsSaid() throws {
        let workspace = try TestWorkspace(pipeline: try Repository.demoPipeline())
        let run = try workspace.run(["run", "--settle", "0", "--date", "2025-05-15"])
        #expect(run.status == 0 || run.status == 2, "\(run.stdout)")
        #expect(run.stdout.contains("open_since = 2025-06-01 is after today"), "\(run.stdout)")
        let later = try workspace.run(["run", "--settle", "0", "--date", "2025-06-01"])
        #expect(!later.stdout.contains("is after today"), "\(later.stdout)")
    }

    @Test func openInvoicesFromTheCutOffAreReceivablesNeverOursAndRemindedOnlyWhenAsked() throws {
        let workspace = try TestWorkspace(pipeline: try Repository.demoPipeline())
        let first = try workspace.run(["run", "--settle", "0", "--date", "2025-07-01"])
        #expect(first.status == 0 || first.status == 2, "\(first.stdout)")
        let ours = try #require(try workspace.csvRecords("outbox/registre-ventes.csv").first)
        let number = try #require(ours["number"]), ttc = try #require(ours["total_incl_vat"])
        let xml = try #require(workspace.files(under: "outbox/oxygene").first { $0.hasSuffix(".xml") })
        let code = try #require(
            try workspace.text(xml).components(separatedBy: "<CLIENT_CODE>").dropFirst().first?
                .components(separatedBy: "<").first)
        let ourTTC = ttc.replacingOccurrences(of: ".", with: ",")
        let register =
            Self.header
            // Ours, still open in Oxygène: owed once, as our invoice.
            + Self.row("F " + number.dropFirst(), "\(code) - X", "01/07/2025", "0", ourTTC, due: ourTTC)
            + Self.row("F 20250320", Self.laa, "20/03/2025", "750", "900", due: "900")  // before open_since
            + Self.row("F 20250610", Self.laa, "10/06/2025", "1000", "1200", due: "1200")
            + Self.row("A 20250611", Self.laa, "11/06/2025", "-100", "-120", due: "-120")
            + Self.row("F 20250612", "ZZZ01 - INCONNU", "12/06/2025", "100", "120", due: "120")
        try workspace.drop("Factures clients.csv", OxygeneRoundTripTests.latin1(register))
        let second = try workspace.run(["run", "--settle", "0", "--date", "2025-07-02"])
        #expect(second.status == 0, "\(second.stdout)")
        #expect(
            second.stdout.contains(
                "1 open invoice(s) of 1 Oxygène client(s) not loaded, no client of the pipeline has their oxygene_code: ZZZ01 (1)"
            ), "\(second.stdout)")
        var states = try Self.states(workspace)
        let historical = try #require(states["F20250610"])
        #expect(historical["total_incl_vat"] == "1200.00" && historical["paid"] == "120.00")
        #expect(
            historical["open"] == "1080.00" && historical["status"] == "partiellement payée (registre Oxygène)",
            "\(historical)")
        #expect(historical["applied"] == "2025-06-11 120.00 A20250611", "\(historical)")
        #expect(states["F20250320"] == nil && states["F20250612"] == nil)
        #expect(states[number]?["status"] == "émise", "\(states[number] ?? [:])")
        let rows = try workspace.csvRecords("outbox/paiements/etat-factures.csv")
        #expect(rows.filter { $0["number"] == number }.count == 1)
        // LAA's aged balance: its July invoice of ours and the 1 080,00 of the register.
        let laa = try #require(
            try workspace.csvRecords("outbox/paiements/balance-agee.csv").first { $0["client_code"] == "LAA" })
        let ourLAA = rows.filter { $0["client_code"] == "LAA" && $0["number"] != "F20250610" }
        #expect(ourLAA.count == 1 && ourLAA.allSatisfy { $0["status"] == "émise" }, "\(ourLAA)")
        let ourOpen = try #require(ourLAA.first?["open"].flatMap { Decimal(string: $0) })
        #expect(laa["total"].flatMap { Decimal(string: $0) } == ourOpen + 1080, "\(laa)")

        // 36 days past its due date: no reminder while remind = false…
        let quiet = try workspace.run(["run", "--settle", "0", "--date", "2025-08-15"])
        #expect(!quiet.stdout.contains("F20250610"), "\(quiet.stdout)")
        states = try Self.states(workspace)
        #expect(states["F20250610"]?["status"] == "partiellement payée, en retard (registre Oxygène)")
        // …and one when a person says so.
        let pipeline = workspace.root.appendingPathComponent("pipelines/demo-conseil.toml")
        let text = try String(contentsOf: pipeline, encoding: .utf8)
        #expect(text.contains("remind = false"))
        try text.replacingOccurrences(of: "remind = false", with: "remind = true").write(
            to: pipeline, atomically: true, encoding: .utf8)
        let reminded = try workspace.run(["run", "--settle", "0", "--date", "2025-08-16"])
        #expect(
            reminded.stdout.split(separator: "\n").contains {
                $0.contains("relance-LAA-2025-08-16") && $0.contains("F20250610")
            },
            "\(reminded.stdout)")
    }

    @Test func aReceiptPaysAHistoricalInvoiceAndANewerRegisterReplacesTheOlder() throws {
        let workspace = try TestWorkspace(pipeline: try Repository.demoPipeline())
        try workspace.drop(
            "Factures clients.csv",
            OxygeneRoundTripTests.latin1(
                Self.header + Self.row("F 20250610", Self.laa, "10/06/2025", "1000", "1200", due: "1200")
                    + Self.row("A 20250611", Self.laa, "11/06/2025", "-100", "-120", due: "-120")
                    + Self.row("F 20250615", "PHAR01 - PHARMABEST", "15/06/2025", "250", "300", due: "300")))
        try workspace.drop(
            "qonto.csv",
            Self.qontoReceipt(amount: "1 080,00", reference: "Facture F2025 0610", id: "q-1", day: "05-07-2025"))
        let paid = try workspace.run(["run", "--settle", "0", "--date", "2025-07-06"])
        #expect(paid.stdout.contains("→ F20250610 (reference)"), "\(paid.stdout)")
        var states = try Self.states(workspace)
        #expect(states["F20250610"]?["open"] == "0.00" && states["F20250610"]?["status"] == "payée (registre Oxygène)")
        #expect(states["F20250615"]?["open"] == "300.00")
        // Nothing of ours to show for it: no supporting document, no FEC sale.
        #expect(!workspace.files(under: "outbox/justificatifs").contains { $0.contains("F20250610") })
        let matchFiles = workspace.files(under: "archive/payments")
        #expect(try matchFiles.contains { try workspace.text($0).contains("F20250610") })

        // Oxygène now shows F20250610 paid and F20250615 still open, and has a new open invoice.
        try workspace.drop(
            "Factures clients (2).csv",
            OxygeneRoundTripTests.latin1(
                Self.header + Self.row("F 20250610", Self.laa, "10/06/2025", "1000", "1200", paid: "1200", due: "0")
                    + Self.row("F 20250615", "PHAR01 - PHARMABEST", "15/06/2025", "250", "300", due: "300")
                    + Self.row("F 20250620", "BUQ01 - BUQUET SAS", "20/06/2025", "500", "600", due: "600")))
        let replaced = try workspace.run(["run", "--settle", "0", "--date", "2025-07-07"])
        #expect(replaced.status == 0, "\(replaced.stdout)")
        states = try Self.states(workspace)
        #expect(states["F20250610"] == nil, "paid in Oxygène: no longer a receivable")
        #expect(states["F20250615"]?["open"] == "300.00" && states["F20250620"]?["open"] == "600.00")
        // The receipt stays matched (its record is the truth): not to review, not matched again.
        #expect(try matchFiles.contains { try workspace.text($0).contains("F20250610") })
        #expect(try workspace.csvRecords("outbox/paiements/encaissements-non-rapproches.csv").isEmpty)
        #expect(!replaced.stdout.contains("1 080,00 €"), "\(replaced.stdout)")
    }
}
