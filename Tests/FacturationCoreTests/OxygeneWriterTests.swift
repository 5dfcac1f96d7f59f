import CLibxml2
import Foundation
import Testing

@testable import FacturationCore

@Suite("Oxygene import file")
struct OxygeneWriterTests {
    // MARK: - Documents

    @Test func monthlyFlatFeeIsWrittenExactly() throws {
        let bytes = try OxygeneWriter.xml(for: [Fixture.flatFee()])
        #expect(Array(bytes.prefix(3)) == [0xEF, 0xBB, 0xBF])
        let expected = """
            \u{FEFF}<?xml version="1.0" encoding="UTF-8"?>
            <DataSet xmlns="http://tempuri.org/">
            \t<NewDataSet xmlns="http://tempuri.org/data.xsd">
            \t\t<PIECE>
            \t\t\t<CLIENT_CODE>LAA01</CLIENT_CODE>
            \t\t\t<TYPE>F</TYPE>
            \t\t\t<WEB_ID>F20250801</WEB_ID>
            \t\t\t<DESIG>Forfait maintenance mensuel – Août 2025</DESIG>
            \t\t\t<DATE_CREATION>01/08/2025</DATE_CREATION>
            \t\t\t<DATE_LIVRAISON>01/08/2025</DATE_LIVRAISON>
            \t\t\t<TAUX_REMISE>0,00</TAUX_REMISE>
            \t\t\t<TAUX_ESCOMPTE>0,00</TAUX_ESCOMPTE>
            \t\t\t<GCPREG_CODE>VIR</GCPREG_CODE>
            \t\t\t<PORT_HT>0,00</PORT_HT>
            \t\t\t<FRAIS_HT>0,00</FRAIS_HT>
            \t\t\t<ECOTAXE>0</ECOTAXE>
            \t\t\t<NBRE_JOURS>30</NBRE_JOURS>
            \t\t\t<DECALAGE>0</DECALAGE>
            \t\t\t<MONNAIE>EUR</MONNAIE>
            \t\t\t<VALID>1</VALID>
            \t\t\t<ARRETE>F</ARRETE>
            \t\t\t<adresse>
            \t\t\t\t<STYPE>facturation</STYPE>
            \t\t\t\t<NOM>Les Automatismes Appliqués</NOM>
            \t\t\t\t<ADRESSE>Zone Industrielle Nord</ADRESSE>
            \t\t\t\t<ADRESSE2>Bât. B &amp; C</ADRESSE2>
            \t\t\t\t<CP>13100</CP>
            \t\t\t\t<VILLE>Aix-en-Provence</VILLE>
            \t\t\t\t<PAYS>France</PAYS>
            \t\t\t\t<EMAIL>compta@laa.fr</EMAIL>
            \t\t\t</adresse>
            \t\t\t<adresse>
            \t\t\t\t<STYPE>livraison</STYPE>
            \t\t\t\t<NOM>Les Automatismes Appliqués</NOM>
            \t\t\t\t<ADRESSE>Zone Industrielle Nord</ADRESSE>
            \t\t\t\t<ADRESSE2>Bât. B &amp; C</ADRESSE2>
            \t\t\t\t<CP>13100</CP>
            \t\t\t\t<VILLE>Aix-en-Provence</VILLE>
            \t\t\t\t<PAYS>France</PAYS>
            \t\t\t</adresse>
            \t\t\t<LIGNE>
            \t\t\t\t<NUMERO>1</NUMERO>
            \t\t\t\t<ARTICLE_WEB_CODE>MAINT-FORF-M</ARTICLE_WEB_CODE>
            \t\t\t\t<DESIG>Forfait maintenance mensuel – Août 2025</DESIG>
            \t\t\t\t<QTE>1,00</QTE>
            \t\t\t\t<PUHT>450,00</PUHT>
            \t\t\t\t<TAUX_REMISE>0,00</TAUX_REMISE>
            \t\t\t\t<GCPTVA_CODE>NORM</GCPTVA_CODE>
            \t\t\t</LIGNE>
            \t\t</PIECE>
            \t</NewDataSet>
            </DataSet>

            """
        #expect(String(decoding: bytes, as: UTF8.self) == expected)
    }

    @Test func timeBasedInvoiceHasOneLignePerLineWithFractionalHours() throws {
        let parsed = try ParsedXML(OxygeneWriter.xml(for: [Fixture.timeBased()]))
        #expect(parsed.strings("//d:PIECE/d:TYPE") == ["F"])
        #expect(parsed.strings("//d:PIECE/d:WEB_ID") == ["F20250803"])
        #expect(parsed.strings("//d:PIECE/d:DESIG") == ["Prestations informatiques – Juillet 2025"])
        #expect(parsed.strings("//d:PIECE/d:DATE_CREATION") == ["31/07/2025"])
        #expect(parsed.strings("//d:PIECE/d:DATE_LIVRAISON") == ["31/07/2025"])
        #expect(parsed.strings("//d:PIECE/d:GCPREG_CODE") == ["CHQ"])
        #expect(parsed.strings("//d:PIECE/d:NBRE_JOURS") == ["45"])
        // Not end-of-month terms: no ARRETE at all.
        #expect(parsed.strings("//d:PIECE/d:ARRETE").isEmpty)
        #expect(parsed.strings("//d:LIGNE/d:NUMERO") == ["1", "2"])
        #expect(parsed.strings("//d:LIGNE/d:ARTICLE_WEB_CODE") == ["PREST-ING-H", "PREST-SQL-H"])
        #expect(
            parsed.strings("//d:LIGNE/d:DESIG") == [
                "Ingénierie système – Juillet 2025", "Prestations SQL Server – Juillet 2025",
            ])
        #expect(parsed.strings("//d:LIGNE/d:QTE") == ["7,25", "0,125"])
        #expect(parsed.strings("//d:LIGNE/d:PUHT") == ["100,00", "110,50"])
        #expect(parsed.strings("//d:LIGNE/d:TAUX_REMISE") == ["0,00", "0,00"])
        #expect(parsed.strings("//d:LIGNE/d:GCPTVA_CODE") == ["NORM", "NORM"])
        #expect(
            parsed.childNames("//d:LIGNE[1]") == [
                "NUMERO", "ARTICLE_WEB_CODE", "DESIG", "QTE", "PUHT", "TAUX_REMISE", "GCPTVA_CODE",
            ])
    }

    @Test func creditNoteIsTypeAWithTheIssueDateAsDeliveryDate() throws {
        let parsed = try ParsedXML(OxygeneWriter.xml(for: [Fixture.creditNote()]))
        #expect(parsed.strings("//d:PIECE/d:TYPE") == ["A"])
        #expect(parsed.strings("//d:PIECE/d:WEB_ID") == ["A20250805"])
        #expect(parsed.strings("//d:PIECE/d:DATE_CREATION") == ["12/08/2025"])
        // No service period on the credit note: the issue date is used.
        #expect(parsed.strings("//d:PIECE/d:DATE_LIVRAISON") == ["12/08/2025"])
        #expect(parsed.strings("//d:LIGNE/d:QTE") == ["2,00"])
        #expect(parsed.strings("//d:LIGNE/d:PUHT") == ["100,00"])
        #expect(OxygeneWriter.pieceType(.creditNote) == "A")
        #expect(OxygeneWriter.pieceType(.invoice) == "F")
    }

    @Test func longTitleIsCutOnAWordBoundaryKeepingItsPeriod() throws {
        // 54 characters: the label is shortened, the period after " – " is kept whole.
        let quarterly = "Forfait conseil trimestriel – Juillet à septembre 2025"
        let parsed = try ParsedXML(OxygeneWriter.xml(for: [Fixture.flatFee(title: quarterly)]))
        #expect(parsed.strings("//d:PIECE/d:DESIG") == ["Forfait conseil – Juillet à septembre 2025"])
        // The line's DESIG is not cut.
        #expect(parsed.strings("//d:LIGNE/d:DESIG") == ["Forfait maintenance mensuel – Août 2025"])

        // Fifty characters or fewer: unchanged, whatever the words.
        let fifty = String(repeating: "a", count: 47) + "de\u{301}é"
        #expect(OxygeneWriter.title(OxygeneWriter.clean(fifty)) == String(repeating: "a", count: 47) + "déé")
        // No period: cut before the word that does not fit, never inside it.
        let french = "Maintenance évolutive et corrective du système d’information du client"
        #expect(OxygeneWriter.title(french) == "Maintenance évolutive et corrective du système")
        // A period too long to keep leaves a plain word cut.
        let longPeriod = "Audit – " + String(repeating: "période ", count: 8)
        #expect(OxygeneWriter.title(longPeriod) == "Audit – période période période période période")
        // One word longer than the limit: cut on a character boundary (the only way to fit).
        #expect(OxygeneWriter.title(String(repeating: "x", count: 60)) == String(repeating: "x", count: 50))
        #expect(OxygeneWriter.wordPrefix("abc defgh", toScalars: 6) == "abc")
        #expect(OxygeneWriter.wordPrefix("abc – def", toScalars: 6) == "abc")
        #expect(OxygeneWriter.wordPrefix("abc def", toScalars: 7) == "abc def")
        #expect(OxygeneWriter.wordPrefix("abcdefgh ij", toScalars: 4) == "")
        for title in [quarterly, french, longPeriod, String(repeating: "é ", count: 40)] {
            #expect(OxygeneWriter.title(title).unicodeScalars.count <= OxygeneWriter.titleLimit)
        }
        // A cut that ends on a space drops it; a grapheme of two scalars is never split.
        #expect(OxygeneWriter.truncated("abc def", toScalars: 4) == "abc")
        #expect(OxygeneWriter.truncated("ab🇫🇷", toScalars: 3) == "ab")
        #expect(OxygeneWriter.clean("Ligne 1\nLigne\t2 ") == "Ligne 1 Ligne 2")
        #expect(OxygeneWriter.clean("  Plain ASCII ") == "Plain ASCII")
        #expect(OxygeneWriter.clean("Plain") == "Plain")
        #expect(OxygeneWriter.clean("Cafe\u{301} ") == "Café")
    }

    @Test func deliveryDateIsNeverAfterTheIssueDate() throws {
        // A fee billed on the 1st for the month it covers: delivered on the issue date, not the 31st.
        let fee = try ParsedXML(OxygeneWriter.xml(for: [Fixture.flatFee()]))
        #expect(fee.strings("//d:PIECE/d:DATE_CREATION") == ["01/08/2025"])
        #expect(fee.strings("//d:PIECE/d:DATE_LIVRAISON") == ["01/08/2025"])
        // A month billed after its close: its last day, as in the Factur-X BT-72.
        var late = Fixture.timeBased()
        late.issueDate = CivilDate(iso: "2025-08-01")!
        let time = try ParsedXML(OxygeneWriter.xml(for: [late]))
        #expect(time.strings("//d:PIECE/d:DATE_LIVRAISON") == ["31/07/2025"])
        #expect(CIIWriter.actualDeliveryDate(late) == CivilDate(iso: "2025-07-31"))
    }

    @Test func everyPieceHasABillingAndADeliveryAddress() throws {
        var withDelivery = Fixture.timeBased()
        withDelivery.deliveryAddress = .init(
            lines: ["Site de Vitrolles", "Bâtiment 3"], postcode: "13127", city: "Vitrolles", country: "FR")
        let parsed = try ParsedXML(OxygeneWriter.xml(for: [Fixture.flatFee(secondLine: nil), withDelivery]))
        #expect(
            parsed.strings("//d:PIECE/d:adresse/d:STYPE") == ["facturation", "livraison", "facturation", "livraison"])
        // The copy has no e-mail (as in the July 2025 file); the client's delivery address is used when set.
        #expect(parsed.childNames("//d:PIECE[1]/d:adresse[2]") == ["STYPE", "NOM", "ADRESSE", "CP", "VILLE", "PAYS"])
        #expect(parsed.strings("//d:PIECE[2]/d:adresse[2]/d:VILLE") == ["Vitrolles"])
        #expect(parsed.strings("//d:PIECE[2]/d:adresse[2]/d:ADRESSE2") == ["Bâtiment 3"])
        #expect(parsed.strings("//d:PIECE[2]/d:adresse[2]/d:NOM") == ["Un Air d'Ici"])
    }

    @Test func outsideEUClientGetsForeignCountryAndExemptVATCode() throws {
        let parsed = try ParsedXML(OxygeneWriter.xml(for: [Fixture.outsideEU()]))
        #expect(parsed.strings("//d:PIECE/d:CLIENT_CODE") == ["ACMEUS01"])
        #expect(parsed.strings("//d:adresse/d:NOM") == ["Acme Corp.", "Acme Corp."])
        #expect(parsed.strings("//d:adresse/d:ADRESSE") == ["350 Fifth Avenue", "350 Fifth Avenue"])
        // The third street line is kept, after the second.
        #expect(
            parsed.strings("//d:adresse/d:ADRESSE2") == [
                "Suite 2100, Attn: Accounts payable", "Suite 2100, Attn: Accounts payable",
            ])
        #expect(parsed.strings("//d:adresse/d:CP") == ["10118", "10118"])
        #expect(parsed.strings("//d:adresse/d:VILLE") == ["New York", "New York"])
        #expect(parsed.strings("//d:adresse/d:PAYS") == ["États-Unis", "États-Unis"])
        #expect(parsed.strings("//d:adresse/d:EMAIL").isEmpty)
        #expect(parsed.strings("//d:LIGNE/d:GCPTVA_CODE") == ["EXO"])
        #expect(parsed.strings("//d:PIECE/d:MONNAIE") == ["EUR"])
    }

    @Test func piecesFollowTheOrderOfTheDocuments() throws {
        let documents = [Fixture.timeBased(), Fixture.flatFee(), Fixture.creditNote(), Fixture.outsideEU()]
        let parsed = try ParsedXML(OxygeneWriter.xml(for: documents))
        #expect(parsed.strings("//d:PIECE/d:WEB_ID") == ["F20250803", "F20250801", "A20250805", "F20250806"])
        #expect(parsed.strings("//d:PIECE/d:TYPE") == ["F", "F", "A", "F"])
        #expect(parsed.strings("/r:DataSet/d:NewDataSet/d:PIECE/d:LIGNE/d:NUMERO") == ["1", "2", "1", "1", "1"])
    }

    @Test(arguments: [
        ("FR", "France"), ("BE", "Belgique"), ("CH", "Suisse"), ("MA", "Maroc"), ("GB", "Royaume-Uni"),
        ("DE", "Allemagne"), ("LU", "Luxembourg"), ("ES", "Espagne"), ("IT", "Italie"), ("US", "États-Unis"),
        ("fr", "France"), ("JP", "JP"),
    ])
    func countryNames(code: String, name: String) {
        #expect(OxygeneWriter.countryName(code) == name)
    }

    // MARK: - Errors

    @Test func missingClientCodeNamesTheClientAndTheSetting() throws {
        var document = Fixture.timeBased()
        document.oxygeneClientCode = nil
        let error = #expect(throws: OxygeneExportError.self) {
            try OxygeneWriter.xml(for: [Fixture.flatFee(), document])
        }
        #expect(error == .missingClientCode(client: "uai", name: "Un Air d'Ici"))
        let message = try #require(error).description
        #expect(message.contains("uai"))
        #expect(message.contains("Un Air d'Ici"))
        #expect(message.contains("oxygene_code"))
        #expect(message.contains("[[clients]]"))

        document.oxygeneClientCode = "  "
        #expect(throws: OxygeneExportError.missingClientCode(client: "uai", name: "Un Air d'Ici")) {
            try OxygeneWriter.xml(for: [document])
        }
    }

    @Test func reducedVATRateWithoutCodeIsRefusedRatherThanBookedAsNORM() {
        var document = Fixture.timeBased()
        document.lines[1].vatRateBasisPoints = 1000
        #expect(
            OxygeneWriter.problem(of: document, settings: .init())
                == .unsupportedVATRate(document: "F20250803", rateBasisPoints: 1000))
        #expect(throws: OxygeneExportError.unsupportedVATRate(document: "F20250803", rateBasisPoints: 1000)) {
            try OxygeneWriter.xml(for: [document])
        }
        let message = OxygeneExportError.unsupportedVATRate(document: "F20250803", rateBasisPoints: 550).description
        #expect(message.hasPrefix("F20250803 has VAT at 5,50\u{A0}%"))
        #expect(message.contains("\"5.5\" = \"…\""))
        #expect(message.contains("[oxygene.vat_codes]"))
        #expect(OxygeneWriter.problem(of: Fixture.flatFee(), settings: .init()) == nil)
    }

    @Test func eachLineGetsTheCodeOfItsRate() throws {
        var settings = OxygeneSettings()
        settings.vatCodeByRate[1000] = "RED"
        settings.vatCodeByRate[550] = "RED55"
        settings.vatCodeByTreatment[.outsideEU] = "MA"
        var document = Fixture.timeBased()
        document.lines[1].vatRateBasisPoints = 1000
        let parsed = try ParsedXML(OxygeneWriter.xml(for: [document, Fixture.outsideEU()], settings: settings))
        #expect(parsed.strings("//d:LIGNE/d:GCPTVA_CODE") == ["NORM", "RED", "MA"])
        #expect(settings.vatCode(treatment: .standard, rateBasisPoints: 210) == nil)
        #expect(settings.vatCode(treatment: .franchise, rateBasisPoints: 0) == "EXO")
        #expect(
            OxygeneSettings.frenchRates.map(OxygeneSettings.rateKey) == ["20", "10", "5.5", "2.1", "0"])
    }

    @Test func emptyBatchIsRefused() {
        #expect(throws: OxygeneExportError.noDocuments) { try OxygeneWriter.xml(for: []) }
    }

    /// A code Oxygène cannot hold makes the writer's own validation fail: it really runs.
    @Test func outputIsValidatedBeforeItIsReturned() throws {
        var document = Fixture.flatFee()
        document.payment.oxygeneMethodCode = "VIR BNP"
        let error = try #require(#expect(throws: OxygeneExportError.self) { try OxygeneWriter.xml(for: [document]) })
        guard case .invalidOutput(let problems) = error else {
            Issue.record("unexpected error \(error)")
            return
        }
        #expect(problems.contains { $0.contains("GCPREG_CODE") })
    }

    // MARK: - Schema

    @Test(arguments: [
        ("<DATE_CREATION>01/08/2025</DATE_CREATION>", "<DATE_CREATION>2025-08-01</DATE_CREATION>", "DATE_CREATION"),
        (
            "<DATE_LIVRAISON>01/08/2025</DATE_LIVRAISON>", "<DATE_LIVRAISON>32/08/2025</DATE_LIVRAISON>",
            "DATE_LIVRAISON"
        ),
        ("<PUHT>450,00</PUHT>", "<PUHT>450.00</PUHT>", "PUHT"),
        ("<QTE>1,00</QTE>", "<QTE>1</QTE>", "QTE"),
        ("<QTE>1,00</QTE>", "<QTE>1,00000</QTE>", "QTE"),
        ("<TYPE>F</TYPE>", "<TYPE>X</TYPE>", "TYPE"),
        ("<STYPE>facturation</STYPE>", "<STYPE>billing</STYPE>", "STYPE"),
        ("<ARRETE>F</ARRETE>", "<ARRETE>J</ARRETE>", "ARRETE"),
        (
            "<DESIG>Forfait maintenance mensuel – Août 2025</DESIG>\n\t\t\t<DATE_CREATION>",
            "<DESIG>\(String(repeating: "x", count: 51))</DESIG>\n\t\t\t<DATE_CREATION>", "DESIG"
        ),
        // Element order: TYPE before CLIENT_CODE, as in the vendor's second piece.
        (
            "<CLIENT_CODE>LAA01</CLIENT_CODE>\n\t\t\t<TYPE>F</TYPE>",
            "<TYPE>F</TYPE>\n\t\t\t<CLIENT_CODE>LAA01</CLIENT_CODE>", "TYPE"
        ),
        ("<GCPTVA_CODE>NORM</GCPTVA_CODE>", "", "GCPTVA_CODE"),
        ("<NewDataSet xmlns=\"http://tempuri.org/data.xsd\">", "<NewDataSet>", "NewDataSet"),
    ])
    func schemaRejectsABrokenFile(valid: String, broken: String, element: String) throws {
        let good = String(decoding: try OxygeneWriter.xml(for: [Fixture.flatFee()]), as: UTF8.self)
        #expect(good.contains(valid))
        let bad = good.replacingOccurrences(of: valid, with: broken)
        let validator = try OxygeneSchema.validator()
        #expect(validator.problems(in: Array(good.utf8)).isEmpty)
        let problems = validator.problems(in: Array(bad.utf8))
        #expect(!problems.isEmpty)
        #expect(problems.contains { $0.contains(element) }, "\(problems)")
        // The streamed validation (the one the writer uses) gives the same verdict and names the element.
        #expect(validator.streamedProblems(in: Array(good.utf8)).isEmpty)
        let streamed = validator.streamedProblems(in: Array(bad.utf8))
        #expect(streamed.contains { $0.contains(element) }, "\(streamed)")
    }

    @Test func schemaAcceptsArreteWhereTheVendorSamplePutsIt() throws {
        let good = String(decoding: try OxygeneWriter.xml(for: [Fixture.flatFee()]), as: UTF8.self)
        let moved =
            good
            .replacingOccurrences(of: "\t\t\t<ARRETE>F</ARRETE>\n", with: "")
            .replacingOccurrences(of: "<DECALAGE>", with: "<ARRETE>F</ARRETE><DECALAGE>")
        #expect(moved != good)
        #expect(try OxygeneSchema.validator().problems(in: Array(moved.utf8)) == [])
        let twice = good.replacingOccurrences(of: "<DECALAGE>", with: "<ARRETE>F</ARRETE><DECALAGE>")
        #expect(try !OxygeneSchema.validator().problems(in: Array(twice.utf8)).isEmpty)
    }

    @Test func schemaRejectsTheSameWebIDTwice() throws {
        let good = String(
            decoding: try OxygeneWriter.xml(for: [Fixture.flatFee(), Fixture.timeBased()]), as: UTF8.self)
        let bad = good.replacingOccurrences(of: "<WEB_ID>F20250803</WEB_ID>", with: "<WEB_ID>F20250801</WEB_ID>")
        let problems = try OxygeneSchema.validator().problems(in: Array(bad.utf8))
        #expect(problems.contains { $0.contains("UniqueWebID") || $0.contains("Duplicate") }, "\(problems)")
        let streamed = try OxygeneSchema.validator().streamedProblems(in: Array(bad.utf8))
        #expect(streamed.contains { $0.contains("UniqueWebID") || $0.contains("Duplicate") }, "\(streamed)")
    }

    /// The streamed validation reports a document that is not well-formed by one parse error, as
    /// the tree does (in the reader's words), and stays usable for the next document.
    @Test func streamedValidationReportsAParseErrorAsTheTreeDoes() throws {
        let good = String(decoding: try OxygeneWriter.xml(for: [Fixture.flatFee()]), as: UTF8.self)
        let validator = try OxygeneSchema.validator()
        for broken in [
            good.replacingOccurrences(of: "</DESIG>", with: "</DESIGNATION>"),
            String(good.prefix(good.count / 2)),
            good.replacingOccurrences(of: "<QTE>1,00</QTE>", with: "<QTE>1 & 2</QTE>"),
        ] {
            let tree = validator.problems(in: Array(broken.utf8))
            #expect(tree.count == 1, "\(tree)")
            let streamed = validator.streamedProblems(in: Array(broken.utf8))
            #expect(streamed.count == 1, "\(streamed)")
        }
        #expect(validator.streamedProblems(in: Array(good.utf8)).isEmpty)
    }

    @Test func schemaCanBeWrittenNextToAnExport() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("oxygene-xsd-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let main = try OxygeneSchema.write(to: folder)
        #expect(main.lastPathComponent == OxygeneSchema.fileName)
        #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(OxygeneSchema.dataFileName).path))
        let validator = try XMLSchemaValidator(schemaPath: main.path)
        #expect(validator.problems(in: try OxygeneWriter.xml(for: [Fixture.outsideEU()])).isEmpty)
    }

    // MARK: - Conformance with the real files

    /// The file the company imported for July 2025 must validate with our schema, and our pieces must
    /// have its element names in its order.
    @Test func conformsToTheJuly2025ImportFile() throws {
        let folder = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("shared/fixtures/oxygene")
        let file = folder.appendingPathComponent("FACTURES_JUILLET_2025_STANDARD.xml")
        // The shared fixtures are not shipped with the package: nothing to compare without them.
        guard FileManager.default.fileExists(atPath: file.path) else { return }
        let real = try [UInt8](Data(contentsOf: file))
        #expect(try OxygeneSchema.validator().problems(in: real) == [])

        let theirs = try ParsedXML(real)
        let ours = try ParsedXML(OxygeneWriter.xml(for: [Fixture.flatFee(email: "compta@laa.fr", secondLine: nil)]))
        // Every element of the piece, both addresses included, in their order.
        let pieceChildren = "/r:DataSet/d:NewDataSet/d:PIECE[1]/*"
        #expect(ours.names(pieceChildren) == theirs.names(pieceChildren))
        let delivery = "/r:DataSet/d:NewDataSet/d:PIECE[1]/d:adresse[d:STYPE='livraison']/*"
        #expect(ours.names(delivery) == theirs.names(delivery))
        // Their delivery date is their creation date on every piece; ours is never after it.
        #expect(theirs.strings("//d:PIECE/d:DATE_LIVRAISON") == theirs.strings("//d:PIECE/d:DATE_CREATION"))
        #expect(ours.strings("//d:PIECE/d:DATE_LIVRAISON") == ours.strings("//d:PIECE/d:DATE_CREATION"))
        // Their piece titles fit our limit: nothing they imported would have been cut.
        #expect(theirs.strings("//d:PIECE/d:DESIG").allSatisfy { $0.unicodeScalars.count <= OxygeneWriter.titleLimit })
        // The model has no telephone number, so we never write TEL.
        let billing = "/r:DataSet/d:NewDataSet/d:PIECE[1]/d:adresse[d:STYPE='facturation']/*"
        #expect(ours.names(billing) == theirs.names(billing).filter { $0 != "TEL" })
        let line = "/r:DataSet/d:NewDataSet/d:PIECE[1]/d:LIGNE[1]/*"
        #expect(ours.names(line) == theirs.names(line))
    }
}

// MARK: - Test documents

private enum Fixture {
    static let seller = InvoiceDocument.Party(
        name: "Syaga Consulting", legalForm: "SAS", shareCapital: "10 000 €", rcsCity: "Aix-en-Provence",
        siren: "812345676", siret: "81234567600017", vatNumber: "FR12812345676",
        address: .init(lines: ["1 rue de la République"], postcode: "13100", city: "Aix-en-Provence", country: "FR"),
        email: "facturation@syaga.fr")

    static let notes = InvoiceDocument.LegalNotes(
        recoveryIndemnity: "Indemnité forfaitaire pour frais de recouvrement : 40 €",
        latePenalty: "Pénalités de retard : trois fois le taux d'intérêt légal",
        discount: "Pas d'escompte pour paiement anticipé")

    static func day(_ iso: String) -> CivilDate { CivilDate(iso: iso)! }

    static func payment(days: Int, endOfMonth: Bool, method: String) -> InvoiceDocument.PaymentInfo {
        InvoiceDocument.PaymentInfo(
            termsText: "Paiement à \(days) jours\(endOfMonth ? " fin de mois" : "")",
            days: days, endOfMonth: endOfMonth, meansCode: method == "VIR" ? "58" : "20",
            oxygeneMethodCode: method, iban: "FR7630006000011234567890189", bic: "AGRIFRPP")
    }

    /// A line priced in cents with `quantity` as dot text (`"7.25"`).
    static func line(
        _ number: Int, _ article: String, _ description: String, _ quantity: String, _ priceMinor: Int64,
        unit: String = "HUR", vat: VATTreatment
    ) -> InvoiceLine {
        let quantity = Quantity(quantity)!
        return InvoiceLine(
            number: number, articleCode: article, description: description, quantity: quantity, unitCode: unit,
            unitPriceMinor: priceMinor,
            netAmountMinor: try! InvoiceTotals.lineNet(quantity: quantity, unitPriceMinor: priceMinor),
            vatCategory: vat.categoryCode, vatRateBasisPoints: vat == .standard ? 2000 : 0,
            period: nil, entryCount: unit == "HUR" ? 3 : 0)
    }

    static func document(
        kind: InvoiceDocument.Kind = .invoice, number: String, issue: String, period: (String, String)?,
        buyer: InvoiceDocument.Party, clientCode: String, oxygeneCode: String?, title: String,
        payment: InvoiceDocument.PaymentInfo, vat: VATTreatment, lines: [InvoiceLine], origin: InvoiceDocument.Origin,
        preceding: InvoiceDocument.DocumentReference? = nil, reason: String? = nil
    ) -> InvoiceDocument {
        let issueDate = day(issue)
        return InvoiceDocument(
            kind: kind, number: number, issueDate: issueDate, dueDate: issueDate.adding(days: payment.days),
            servicePeriod: period.map { .init(start: day($0.0), end: day($0.1)) }, currency: "EUR",
            seller: seller, buyer: buyer, clientCode: clientCode, oxygeneClientCode: oxygeneCode, payment: payment,
            vatTreatment: vat, vatOnDebits: false, legalNotes: notes, title: title, lines: lines,
            totals: try! InvoiceTotals.compute(lines: lines) { _ in (vat.exemptionReason, vat.exemptionCode) },
            precedingInvoice: preceding, reason: reason, origin: origin, recordKeys: [],
            approval: .init(decision: .automatic, by: "rule:recurring", at: "2025-08-01T06:00:00Z", comment: nil))
    }

    static func flatFee(
        title: String = "Forfait maintenance mensuel – Août 2025", email: String? = "compta@laa.fr",
        secondLine: String? = "Bât. B & C"
    ) -> InvoiceDocument {
        let buyer = InvoiceDocument.Party(
            name: "Les Automatismes Appliqués", siren: "401234567", vatNumber: "FR55401234567",
            address: .init(
                lines: ["Zone Industrielle Nord"] + (secondLine.map { [$0] } ?? []),
                postcode: "13100", city: "Aix-en-Provence", country: "FR"),
            email: email)
        return document(
            number: "F20250801", issue: "2025-08-01", period: ("2025-08-01", "2025-08-31"), buyer: buyer,
            clientCode: "laa", oxygeneCode: "LAA01", title: title,
            payment: payment(days: 30, endOfMonth: true, method: "VIR"), vat: .standard,
            lines: [
                line(
                    1, "MAINT-FORF-M", "Forfait maintenance mensuel – Août 2025", "1", 45_000, unit: "MON",
                    vat: .standard)
            ],
            origin: .init(type: .recurring, draftID: "rec-laa-maint-2025-08", contract: "laa-maint", period: "2025-08"))
    }

    static func timeBased() -> InvoiceDocument {
        let buyer = InvoiceDocument.Party(
            name: "Un Air d'Ici",
            address: .init(lines: ["Tour Défense", "Étage 42"], postcode: "92000", city: "Nanterre", country: "FR"),
            email: "factures@uai.fr")
        return document(
            number: "F20250803", issue: "2025-07-31", period: ("2025-07-01", "2025-07-31"), buyer: buyer,
            clientCode: "uai", oxygeneCode: "1AIR01", title: "Prestations informatiques – Juillet 2025",
            payment: payment(days: 45, endOfMonth: false, method: "CHQ"), vat: .standard,
            lines: [
                line(1, "PREST-ING-H", "Ingénierie système – Juillet 2025", "7.25", 10_000, vat: .standard),
                line(2, "PREST-SQL-H", "Prestations SQL Server – Juillet 2025", "0.1250", 11_050, vat: .standard),
            ],
            origin: .init(type: .time, draftID: "time-uai-2025-07-ab12", contract: nil, period: "2025-07"))
    }

    static func creditNote() -> InvoiceDocument {
        var document = document(
            kind: .creditNote, number: "A20250805", issue: "2025-08-12", period: nil, buyer: timeBased().buyer,
            clientCode: "uai", oxygeneCode: "1AIR01", title: "Avoir sur facture F20250803",
            payment: payment(days: 45, endOfMonth: false, method: "CHQ"), vat: .standard,
            lines: [line(1, "PREST-ING-H", "Heures facturées deux fois le 15/07", "2", 10_000, vat: .standard)],
            origin: .init(type: .creditNote, draftID: "cn-5f3a", contract: nil, period: nil),
            preceding: .init(number: "F20250803", issueDate: day("2025-07-31")), reason: "Heures facturées deux fois")
        document.recordKeys = ["clockify:abc"]
        return document
    }

    static func outsideEU() -> InvoiceDocument {
        let buyer = InvoiceDocument.Party(
            name: "Acme Corp.",
            address: .init(
                lines: ["350 Fifth Avenue", "Suite 2100", "Attn: Accounts payable"],
                postcode: "10118", city: "New York", country: "US"))
        return document(
            number: "F20250806", issue: "2025-08-31", period: ("2025-08-01", "2025-08-31"), buyer: buyer,
            clientCode: "acme", oxygeneCode: "ACMEUS01", title: "Support infrastructure – Août 2025",
            payment: payment(days: 30, endOfMonth: false, method: "VIR"), vat: .outsideEU,
            lines: [line(1, "PREST-ING-H", "Support infrastructure – Août 2025", "12.5", 12_000, vat: .outsideEU)],
            origin: .init(type: .time, draftID: "time-acme-2025-08-cd34", contract: nil, period: "2025-08"))
    }
}

// MARK: - XPath

/// A parsed document queried with libxml2 XPath. The shim does not expose `xmlXPathRegisterNs`, so
/// the prefixes `r:` (`DataSet` namespace) and `d:` (data namespace) written in queries are rewritten
/// to `*[local-name()='…']`; namespaces themselves are checked by the exact-output test.
private final class ParsedXML {
    private let document: xmlDocPtr

    init(_ bytes: [UInt8]) throws {
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let parsed: xmlDocPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                xmlReadMemory($0, Int32(buffer.count), "test.xml", nil, options)
            }
        }
        document = try #require(parsed, "not well-formed XML")
    }

    deinit { xmlFreeDoc(document) }

    /// The text of every node `xpath` selects, in document order.
    func strings(_ xpath: String) -> [String] {
        nodes(xpath).map { node in
            guard let content = xmlNodeGetContent(node) else { return "" }
            defer { free(content) }
            return String(cString: content)
        }
    }

    /// The local names of the elements `xpath` selects.
    func names(_ xpath: String) -> [String] {
        nodes(xpath).map { String(cString: $0.pointee.name) }
    }

    /// The local names of the child elements of the first node `xpath` selects.
    func childNames(_ xpath: String) -> [String] { names("(\(xpath))[1]/*") }

    private func nodes(_ xpath: String) -> [xmlNodePtr] {
        guard let context = xmlXPathNewContext(document) else { return [] }
        defer { xmlXPathFreeContext(context) }
        let query = xpath.replacingOccurrences(
            of: #"\b[rd]:([A-Za-z_][A-Za-z0-9_]*)"#, with: "*[local-name()='$1']", options: .regularExpression)
        guard let result = xmlXPathEvalExpression(query, context) else { return [] }
        defer { xmlXPathFreeObject(result) }
        guard let set = result.pointee.nodesetval, let table = set.pointee.nodeTab else { return [] }
        return (0..<Int(set.pointee.nodeNr)).compactMap { table[$0] }
    }
}
