import Foundation
import Testing

/// The Oxygène register export dropped into the inbox: sniffed from its content, archived, and used
/// to confirm the numbers of the exported pieces (through the real binary).
@Suite("Oxygène round trip, end to end")
struct OxygeneRoundTripTests {
    /// `text` in ISO-8859-1, as Oxygène writes the register.
    static func latin1(_ text: String) -> Data { Data(text.unicodeScalars.map { UInt8(truncatingIfNeeded: $0.value) }) }

    static let header =
        "Numéro;Client;Date;Total HT;Total TTC;Acompte TTC;TTC origine;Mt acompte;MT Réglé;MT Perte;Reste dû;"
        + "Comptabilisée;Acompte HT;TVA / Acompte\r\n"

    /// A `facturation`-mode workspace whose July pieces were exported; then a register where
    /// Oxygène kept the first number, gave the second its own (F20259901) and lacks the third, and
    /// the run of 2 July that reads it. The workspace, the exported numbers, that run.
    static func renumberedRegister() throws -> (workspace: TestWorkspace, pieces: [String], second: CommandResult) {
        let workspace = try TestWorkspace(pipeline: try Repository.demoPipeline())
        let first = try workspace.run(["run", "--settle", "0", "--date", "2025-07-01"])
        #expect(first.status == 0 || first.status == 2, "\(first.stdout)")
        let sales = try workspace.csvRecords("outbox/registre-ventes.csv")
        let exported = try workspace.text(
            try #require(workspace.files(under: "outbox/oxygene").first { $0.hasSuffix(".xml") }))
        let pieces = exported.components(separatedBy: "<PIECE>").dropFirst().map { piece in
            func value(_ name: String) -> String {
                guard let start = piece.range(of: "<\(name)>"), let end = piece.range(of: "</\(name)>") else {
                    return ""
                }
                return String(piece[start.upperBound..<end.lowerBound])
            }
            return (number: value("WEB_ID"), client: value("CLIENT_CODE"), date: value("DATE_CREATION"))
        }
        try #require(pieces.count >= 3)
        // Oxygène kept our first number, gave the second its own, and does not have the third.
        var text = Self.header
        for (index, piece) in pieces.enumerated() where index != 2 {
            let ttc = try #require(sales.first { $0["number"] == piece.number }?["total_incl_vat"])
            let number = index == 1 ? "F 20259901" : "F " + piece.number.dropFirst()
            text +=
                "\(number);\(piece.client) - CLIENT;\(piece.date);0;\(ttc.replacingOccurrences(of: ".", with: ","))"
                + ";0;;0;0;0;0;Non;0;0\r\n"
        }
        text += "F 20100401;IN4001 - INQUARTO Consulting;11/04/2010;6436,5;7698,05;0;;0;0;0;7698,05;Non;0;0\r\n"
        try workspace.drop("Factures clients.csv", Self.latin1(text))

        let second = try workspace.run(["run", "--settle", "0", "--date", "2025-07-02"])
        return (workspace, pieces.map(\.number), second)
    }

    @Test func theRegisterConfirmsTheExportedNumbers() throws {
        let (workspace, pieces, second) = try Self.renumberedRegister()
        #expect(second.stdout.contains("1 exported piece(s) numbered differently by Oxygène"), "\(second.stdout)")
        #expect(second.stdout.contains("1 exported piece(s) not found"), "\(second.stdout)")
        #expect(workspace.files(under: "archive").contains { $0.hasSuffix("Factures clients.csv") })
        #expect(workspace.files(under: "archive").contains { $0.contains("oxygene-register/") })
        let rows = try workspace.csvRecords("outbox/oxygene/confirmation.csv")
        #expect(rows.count == pieces.count)
        #expect(rows[0]["statut"] == "confirmed" && rows[0]["numero_oxygene"] == pieces[0])
        #expect(rows[1]["statut"] == "different" && rows[1]["numero_oxygene"] == "F20259901")
        #expect(rows[2]["statut"] == "missing" && rows[2]["numero_oxygene"] == "")
        #expect(rows.dropFirst(3).allSatisfy { $0["statut"] == "confirmed" }, "\(rows)")
    }

    /// Switching to `numbering = "oxygene"`, as `different` rows call for: the pieces numbered
    /// before keep their rows (and warnings) in `confirmation.csv`, above the provisional
    /// documents'; the switch's first run used to write the file with its header only.
    @Test func aSwitchToTheOxygeneModeKeepsTheRowsOfThePiecesNumberedBefore() throws {
        let (workspace, pieces, second) = try Self.renumberedRegister()
        #expect(second.status == 0 || second.status == 2, "\(second.stdout)")
        let before = try workspace.csvRecords("outbox/oxygene/confirmation.csv")
        let pipeline = workspace.root.appendingPathComponent("pipelines/demo-conseil.toml")
        let text = try String(contentsOf: pipeline, encoding: .utf8)
        try text.replacingOccurrences(of: "[invoicing]\n", with: "[invoicing]\nnumbering = \"oxygene\"\n")
            .write(to: pipeline, atomically: true, encoding: .utf8)
        let switched = try workspace.run(["run", "--settle", "0", "--date", "2025-07-03"])
        #expect(switched.status == 0 || switched.status == 2, "\(switched.stdout)\(switched.stderr)")
        #expect(switched.stdout.contains("1 exported piece(s) numbered differently by Oxygène"), "\(switched.stdout)")
        let rows = try workspace.csvRecords("outbox/oxygene/confirmation.csv")
        #expect(rows.count >= pieces.count && Array(rows.prefix(pieces.count)) == before, "\(rows)")
        #expect(rows.dropFirst(pieces.count).allSatisfy { $0["numero"]?.hasPrefix("P2025") == true }, "\(rows)")
    }

    /// A register with nothing of ours to confirm (nothing issued yet): `confirmation.csv` is its
    /// header alone in both modes, the truth (no piece to check), and not written again by the
    /// next run. Absent, the file would leave a person unsure the register was read.
    @Test(arguments: ["facturation", "oxygene"])
    func aRegisterWithNothingToConfirmGivesTheHeaderAlone(mode: String) throws {
        let pipeline = try Repository.demoPipeline().replacingOccurrences(
            of: "[invoicing]\n", with: "[invoicing]\nnumbering = \"\(mode)\"\n")
        let workspace = try TestWorkspace(pipeline: pipeline)
        try workspace.drop(
            "Factures clients.csv",
            Self.latin1(
                Self.header
                    + "F 20100401;IN4001 - INQUARTO Consulting;11/04/2010;6436,5;7698,05;0;;0;0;0;7698,05;Non;0;0\r\n"))
        let first = try workspace.run(["run", "--settle", "0", "--date", "2025-06-10"])
        #expect(first.status == 0, "\(first.stdout)")
        #expect(workspace.files(under: "archive/invoicing/demo-conseil").allSatisfy { !$0.contains("/issued") })
        let path = workspace.root.appendingPathComponent("outbox/oxygene/confirmation.csv").path
        #expect(try workspace.text("outbox/oxygene/confirmation.csv") == "numero,numero_oxygene,statut,detail\r\n")
        let written = try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date
        let next = try workspace.run(["run", "--settle", "0", "--date", "2025-06-11"])
        #expect(next.status == 0, "\(next.stdout)")
        #expect(try FileManager.default.attributesOfItem(atPath: path)[.modificationDate] as? Date == written)
    }

    @Test func aDamagedRegisterIsRejectedWithItsLine() throws {
        let workspace = try TestWorkspace(pipeline: try Repository.demoPipeline())
        try workspace.drop(
            "Factures clients.csv",
            Self.latin1(Self.header + "F 20250701;LAA01 - LAA;31/02/2025;100;120;0;;0;0;0;120;Non;0;0\r\n"))
        let result = try workspace.run(["run", "--settle", "0", "--date", "2025-07-01"])
        #expect(result.status == 2, "\(result.stdout)")
        let reason = try #require(workspace.files(under: "archive/rejected").first { $0.hasSuffix(".reason.txt") })
        let text = try workspace.text(reason)
        #expect(text.contains("line 2: Date \"31/02/2025\""), "\(text)")
        #expect(!workspace.files(under: "archive").contains { $0.contains("oxygene-register/") })
    }
}
