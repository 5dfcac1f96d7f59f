import Foundation
import Testing

@testable import FacturationCore

@Suite("Oxygene register")
struct OxygeneRegisterTests {
    static let header =
        "Numéro;Client;Date;Total HT;Total TTC;Acompte TTC;TTC origine;Mt acompte;MT Réglé;MT Perte;Reste dû;"
        + "Comptabilisée;Acompte HT;TVA / Acompte\r\n"

    static func latin1(_ text: String) -> [UInt8] { FuzzSeeds.latin1(text) }

    static func entries(_ text: String) throws -> [OxygeneRegisterEntry] {
        try OxygeneRegisterReader.read(latin1(text)).get()
    }

    // MARK: - Reader

    @Test func readsNumbersClientsDatesAndExactAmounts() throws {
        let entries = try Self.entries(
            Self.header
                + "F 20100401;IN4001 - INQUARTO Consulting;11/04/2010;6436,5;7698,05;0;;0;0;0;7698,05;Non;0;0\r\n"
                + "A 20250732;LAA01 - LES AUTOMATISMES APPLIQUES;01/07/2025;-250;-300;0;;0;0;0;-300;Non;0;0\r\n"
                + "F 20130701;LEO01 - LÉONARD - ARCHITECTURE;31/07/2013;3230;3863,08;0;;0;3863,08;0;0;Non;0;0\r\n")
        #expect(entries.map(\.number) == ["F20100401", "A20250732", "F20130701"])
        #expect(entries.map(\.kind) == [.invoice, .creditNote, .invoice])
        #expect(entries.map(\.clientCode) == ["IN4001", "LAA01", "LEO01"])
        // The name keeps a later " - " and its accented letters (one ISO-8859-1 byte each).
        #expect(entries[2].clientName == "LÉONARD - ARCHITECTURE")
        #expect(
            entries.map(\.date) == [
                CivilDate(iso: "2010-04-11"), CivilDate(iso: "2025-07-01"), CivilDate(iso: "2013-07-31"),
            ])
        #expect(entries.map(\.totalExclVATMinor) == [643_650, -25_000, 323_000])
        #expect(entries.map(\.totalInclVATMinor) == [769_805, -30_000, 386_308])
        #expect(entries.map(\.paidMinor) == [0, 0, 386_308])
        #expect(entries.map(\.remainingMinor) == [769_805, -30_000, 0])
        #expect(entries.map(\.line) == [2, 3, 4])
    }

    @Test func anOverpaidOrOverOwingInvoiceIsSetAsideNotLoadedOrSkipped() throws {
        let entries = try Self.entries(
            Self.header
                + "F 20250101;IN4001 - INQUARTO;10/01/2025;100;120;0;;0;170;0;-50;Non;0;0\r\n"
                + "F 20250102;IN4001 - INQUARTO;11/01/2025;100;120;0;;0;0;0;130;Non;0;0\r\n"
                + "F 20250103;IN4001 - INQUARTO;12/01/2025;100;120;0;;0;20;0;100;Non;0;0\r\n"
                + "F 20250104;IN4001 - INQUARTO;13/01/2025;100;120;0;;0;120;0;0;Non;0;0\r\n")
        let selected = OxygeneHistory.select(entries, cutoff: try #require(CivilDate(iso: "2025-01-01")), ours: [])
        #expect(selected.inconsistent.map(\.number) == ["F20250101", "F20250102"])
        #expect(selected.invoices.map(\.number) == ["F20250103"])
        #expect(selected.credits.isEmpty)
    }

    @Test func readsUTF8QuotedFieldsAndLF() throws {
        let text =
            "\u{FEFF}Numéro;Client;Date;Total HT;Total TTC\n\"F 7\";\"PH01 - PHARMA; \"\"BEST\"\"\";31/12/2024;1 000,00;1 200,00\n\n"
        let entries = try OxygeneRegisterReader.read(Array(text.utf8)).get()
        #expect(entries.count == 1)
        #expect(entries[0].number == "F7")
        #expect(entries[0].clientName == "PHARMA; \"BEST\"")
        #expect(entries[0].totalInclVATMinor == 120_000)
        #expect(entries[0].remainingMinor == 0)
    }

    @Test func problemsAreLocatedAndTheFileRefusedWhole() throws {
        let text =
            Self.header
            + "F 1;LAA01 - LAA;01/07/2025;100;120;0;;0;0;0;120;Non;0;0\r\n"
            + "X 2;LAA01 - LAA;01/07/2025;100;120;0;;0;0;0;120;Non;0;0\r\n"
            + "F 3;LAA01;01/07/2025;100;120;0;;0;0;0;120;Non;0;0\r\n"
            + "F 4;LAA01 - LAA;31/02/2025;100;120;0;;0;0;0;120;Non;0;0\r\n"
            + "F 5;LAA01 - LAA;01/07/2025;100;120,005;0;;0;0;0;120;Non;0;0\r\n"
            + "F 6;LAA01 - LAA;01/07/2025;-100;-120;0;;0;0;0;120;Non;0;0\r\n"
            + "F 1;LAA01 - LAA;01/07/2025;100;120;0;;0;0;0;120;Non;0;0\r\n"
            + "F 8;LAA01 - LAA;01/07/2025\r\n"
        guard case .failure(let refused) = OxygeneRegisterReader.read(Self.latin1(text)) else {
            Issue.record("a damaged register was read")
            return
        }
        let problems = refused.list
        #expect(problems.map(\.line) == [3, 4, 5, 6, 7, 8, 9])
        #expect(problems[0].message.contains("\"X 2\""))
        #expect(problems[1].message.contains("CODE - NAME"))
        #expect(problems[2].message.contains("31/02/2025"))
        #expect(problems[3].message.contains("Total TTC"))
        #expect(problems[4].message.contains("credit note negative"))
        #expect(problems[5].message.contains("F1 is already on line 2"))
        #expect(problems[6].message.contains("columns"))
        #expect(problems[0].description.hasPrefix("line 3: "))
    }

    @Test func onlyTheRegisterHeaderIsRecognised() {
        #expect(OxygeneRegisterReader.isHeader("Numéro;Client;Date;Total HT;Total TTC;Acompte TTC\r"))
        #expect(OxygeneRegisterReader.isHeader("\u{FEFF}Numéro;Client;Date;Total HT;Total TTC"))
        #expect(!OxygeneRegisterReader.isHeader("Numero;Client;Date;Total HT;Total TTC"))
        #expect(!OxygeneRegisterReader.isHeader("Client;Numéro;Date;Total HT;Total TTC"))
        #expect(!OxygeneRegisterReader.isHeader("Date de l'opération;Libellé;Montant"))
        guard case .failure(let problems) = OxygeneRegisterReader.read(Array("a;b\n".utf8)) else {
            Issue.record("not a register, yet read")
            return
        }
        #expect(problems.list.first?.line == 1)
    }

    // MARK: - Confirmation

    static func entry(
        _ number: String, _ client: String, _ date: String, _ ttc: Int64, line: Int = 2
    )
        -> OxygeneRegisterEntry
    {
        OxygeneRegisterEntry(
            number: number, kind: number.hasPrefix("A") ? .creditNote : .invoice, clientCode: client,
            clientName: client,
            date: CivilDate(iso: date)!, totalExclVATMinor: ttc * 10 / 12, totalInclVATMinor: ttc, paidMinor: 0,
            remainingMinor: ttc, line: line)
    }

    static func piece(_ number: String, _ client: String, _ date: String, _ ttc: Int64) -> OxygeneConfirmation.Piece {
        .init(
            number: number, kind: number.hasPrefix("A") ? .creditNote : .invoice, clientCode: client,
            date: CivilDate(iso: date)!, totalInclVATMinor: ttc)
    }

    @Test func confirmsFindsOxygeneNumbersAndReportsTheMissing() {
        let register = [
            Self.entry("F20250801", "LAA01", "2025-08-01", 54_000, line: 2),
            // Oxygène numbered our F20250802 and F20250803 (same client, day and amount) itself.
            Self.entry("F20250911", "PH01", "2025-08-01", 92_400, line: 3),
            Self.entry("F20250910", "PH01", "2025-08-01", 92_400, line: 4),
            Self.entry("A20250812", "PH01", "2025-08-12", -12_000, line: 5),
            // Our number, but another amount.
            Self.entry("F20250805", "BUQ01", "2025-08-01", 450_000, line: 6),
        ]
        let rows = OxygeneConfirmation.confirm(
            [
                Self.piece("F20250801", "LAA01", "2025-08-01", 54_000),
                Self.piece("F20250802", "PH01", "2025-08-01", 92_400),
                Self.piece("F20250803", "PH01", "2025-08-01", 92_400),
                Self.piece("A20250804", "PH01", "2025-08-12", -12_000),
                Self.piece("F20250805", "BUQ01", "2025-08-01", 540_000),
                Self.piece("F20250806", "PH01", "2025-08-01", 92_400),
            ], register: register)
        #expect(rows.map(\.status) == [.confirmed, .different, .different, .different, .different, .missing])
        #expect(rows.map(\.oxygeneNumber) == ["F20250801", "F20250910", "F20250911", "A20250812", "F20250805", nil])
        #expect(rows[4].detail.contains("TTC 4"), "\(rows[4].detail)")
        #expect(rows[5].detail.contains("not in the register"))
        let csv = String(
            decoding: OxygeneConfirmation.table(rows, asOf: CivilDate(iso: "2025-09-01")!).csv(), as: UTF8.self)
        #expect(csv.hasPrefix("numero,numero_oxygene,statut,detail"), "\(csv)")
        #expect(csv.contains("F20250801,F20250801,confirmed,"), "\(csv)")
        #expect(csv.contains("F20250802,F20250910,different,Oxygène numbered it F20250910 (register line 4)"), "\(csv)")
    }

    // MARK: - Conformance with the real register

    /// The company's register export reads whole and exactly (its sums computed apart, in decimal).
    @Test func readsTheRealRegisterExactly() throws {
        let file = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/fixtures/oxygene/Factures clients.csv")
        // The shared fixtures are not shipped with the package: nothing to compare without them.
        guard FileManager.default.fileExists(atPath: file.path) else { return }
        let entries = try OxygeneRegisterReader.read([UInt8](Data(contentsOf: file))).get()
        #expect(entries.count == 1836)
        #expect(entries.filter { $0.kind == .creditNote }.count == 158)
        #expect(entries.reduce(0) { $0 + $1.totalExclVATMinor } == 182_261_492)
        #expect(entries.reduce(0) { $0 + $1.totalInclVATMinor } == 217_551_191)
        #expect(entries.reduce(0) { $0 + $1.remainingMinor } == 152_533_402)
        #expect(Set(entries.map(\.clientCode)).count == 54)
        let july = try #require(entries.first { $0.number == "F20250746" })
        #expect(july.clientCode == "LAA01" && july.clientName == "LES AUTOMATISMES APPLIQUES")
        #expect(july.date == CivilDate(iso: "2025-07-31") && july.totalInclVATMinor == 672_000)
    }

    /// What `[oxygene] open_since` would load of the company's register: the counts and sums of the
    /// open invoices and of the credit notes with credit left, computed apart (Python `decimal` on the
    /// file) for three cut-offs. The 1,402 documents showing an amount due (README) are the 1,249
    /// invoices and 153 credit notes from 2010 on.
    @Test func theRealRegisterLoadsExactlyWhatTheCutOffSays() throws {
        let file = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/fixtures/oxygene/Factures clients.csv")
        guard FileManager.default.fileExists(atPath: file.path) else { return }
        let entries = try OxygeneRegisterReader.read([UInt8](Data(contentsOf: file))).get()
        let expected: [(String, Int, Int64, Int, Int64, Int)] = [
            ("2025-01-01", 144, 17_821_996, 20, -1_926_200, 18),
            ("2024-01-01", 300, 36_674_604, 55, -5_625_824, 20),
            ("2010-01-01", 1249, 192_134_518, 153, -39_601_116, 52),
        ]
        for (cutoff, invoices, owed, credits, credit, clients) in expected {
            let selected = OxygeneHistory.select(entries, cutoff: try #require(CivilDate(iso: cutoff)), ours: [])
            #expect(selected.invoices.count == invoices, "\(cutoff)")
            #expect(selected.invoices.reduce(0) { $0 + $1.remainingMinor } == owed, "\(cutoff)")
            #expect(selected.credits.count == credits, "\(cutoff)")
            #expect(selected.credits.reduce(0) { $0 + $1.remainingMinor } == credit, "\(cutoff)")
            #expect(selected.inconsistent.isEmpty, "\(cutoff)")
            #expect(Set(selected.invoices.map(\.clientCode)).count == clients, "\(cutoff)")
        }
        // Our numbers are never loaded: the July 2025 invoice of LAA, as if facturation had issued it.
        let ours = OxygeneHistory.select(
            entries, cutoff: try #require(CivilDate(iso: "2025-01-01")), ours: ["F20250746"])
        #expect(ours.invoices.count == 143 && !ours.invoices.contains { $0.number == "F20250746" })
    }
}
