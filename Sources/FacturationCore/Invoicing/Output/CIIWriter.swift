import Foundation

/// Renders an issued invoice or credit note as a Factur-X / EN 16931 CII D16B XML document (`factur-x.xml`).
///
/// The output follows the Factur-X 1.09 EN16931 ("Comfort") profile, guideline `urn:cen.eu:en16931:2017`, plus the data
/// of the French e-invoicing reform: BT-23 `S1` (services), the notes `BAR` (`B2B`, or `B2BINT` for a buyer outside
/// France), `PMT`, `PMD` and `AAB`, seller and buyer SIREN (`schemeID="0002"`), electronic addresses (`0225` = SIREN, or
/// `EM` = e-mail for a buyer without SIREN) and BT-8 `5` on the standard-rated VAT groups when the seller opted for VAT on
/// debits. Every amount is copied from the document (`InvoiceTotals` already rounds the EN 16931 way); nothing is
/// recomputed here, so the XML always says what the archived document says.
///
/// Contract: the output is meant to pass the Factur-X EN16931 XSD, the Factur-X 1.09.2 schematron (which includes the
/// CEN EN 16931 rules) and the French CTC "BR-FR" schematron; `CIIWriterTests` checks this on standard, reverse-charge,
/// outside-EU, franchise, credit-note and VAT-on-debits documents. Facts those rules require but the document lacks
/// (see `missingFacts(in:)`) are reported up front as a `CIIWriterError` listing all of them, never as an invalid
/// e-invoice. Amounts are written as the document holds them: a credit note is expected to carry positive amounts.
/// The output is deterministic (same document, same bytes): UTF-8, two-space indentation, ending with a newline.
package enum CIIWriter {
    /// BT-24: the EN 16931 profile of Factur-X.
    package static let guidelineID = "urn:cen.eu:en16931:2017"
    /// BT-23, French "cadre de facturation": services (`S`), plain invoice (`1`).
    package static let businessProcess = "S1"

    static let namespaces: [(String, String)] = [
        ("xmlns:rsm", "urn:un:unece:uncefact:data:standard:CrossIndustryInvoice:100"),
        ("xmlns:ram", "urn:un:unece:uncefact:data:standard:ReusableAggregateBusinessInformationEntity:100"),
        ("xmlns:qdt", "urn:un:unece:uncefact:data:standard:QualifiedDataType:100"),
        ("xmlns:udt", "urn:un:unece:uncefact:data:standard:UnqualifiedDataType:100"),
    ]

    /// The CII XML of `document`.
    ///
    /// - Throws: `CIIWriterError` when the document lacks a fact the EN 16931 or French rules require (a valid number,
    ///   the three legal notes, seller SIREN, buyer SIREN in France or else an e-mail address, buyer VAT number for
    ///   reverse charge, the invoice a credit note corrects, an IBAN for a transfer…); `XMLWriterError` when libxml2
    ///   fails.
    package static func xml(for document: InvoiceDocument) throws -> [UInt8] {
        let problems = missingFacts(in: document)
        if !problems.isEmpty {
            throw FacturationError(
                .document, "cannot write the Factur-X XML of \(document.number): " + problems.joined(separator: "; "))
        }

        let writer = XMLWriter(indent: true)
        writer.start("rsm:CrossIndustryInvoice")
        for (name, uri) in namespaces { writer.attribute(name, uri) }

        writer.start("rsm:ExchangedDocumentContext")
        writer.start("ram:BusinessProcessSpecifiedDocumentContextParameter")
        writer.element("ram:ID", businessProcess)
        writer.end()
        writer.start("ram:GuidelineSpecifiedDocumentContextParameter")
        writer.element("ram:ID", guidelineID)
        writer.end()
        writer.end()

        writeHeader(document, to: writer)

        writer.start("rsm:SupplyChainTradeTransaction")
        for line in document.lines { writeLine(line, to: writer) }
        writeAgreement(document, to: writer)
        writeDelivery(document, to: writer)
        writeSettlement(document, to: writer)
        writer.end()

        writer.end()
        return try writer.finish()
    }

    /// What `xml(for:)` would refuse `document` for, one sentence per missing fact (empty when it can be rendered).
    package static func missingFacts(in document: InvoiceDocument) -> [String] {
        var problems: [String] = []
        if !isValidNumber(document.number) {
            problems.append("its number must have 1 to 35 characters among A-Z a-z 0-9 + - _ / (BT-1, BR-FR-01/02)")
        }
        if document.currency != "EUR" {
            problems.append(
                "its currency is \(document.currency): only EUR is supported (BR-FR-CO-12 would need BT-6 "
                    + "and BT-111)")
        }
        if document.lines.isEmpty { problems.append("it has no lines") }
        let notes = document.legalNotes
        if nonEmpty(notes.recoveryIndemnity) == nil || nonEmpty(notes.latePenalty) == nil
            || nonEmpty(notes.discount) == nil
        {
            problems.append("a legal note is empty (PMT, PMD and AAB are required by BR-FR-05)")
        }
        if !isNineDigits(document.seller.siren) {
            problems.append("the seller has no 9-digit SIREN (BT-30, required by BR-FR-10)")
        }
        let buyer = document.buyer
        if buyer.countryCode == "FR", !isNineDigits(buyer.siren) {
            problems.append("the buyer is in France but has no 9-digit SIREN (BT-47, required in B2B by BR-FR-11)")
        }
        if buyerElectronicAddress(buyer) == nil {
            problems.append(
                "the buyer has neither a SIREN nor an e-mail address for its electronic address "
                    + "(BT-49, required by BR-FR-12)")
        }
        let categories = Set(document.lines.map(\.vatCategory))
        if categories.contains("AE"), nonEmpty(buyer.vatNumber) == nil {
            problems.append("reverse charge needs the buyer's VAT number (BT-48, BR-AE-02)")
        }
        if categories.contains("AE") || categories.contains("G"), nonEmpty(document.seller.vatNumber) == nil {
            problems.append("categories AE and G need the seller's VAT number (BT-31, BR-AE-02 / BR-G-02)")
        }
        if document.kind == .creditNote, document.precedingInvoice == nil {
            problems.append("a credit note must reference the invoice it corrects (BT-25, BR-FR-CO-05)")
        }
        if let preceding = document.precedingInvoice, !isValidNumber(preceding.number) {
            problems.append(
                "the corrected invoice's number must have 1 to 35 characters among A-Z a-z 0-9 + - _ / "
                    + "(BT-25, BR-FR-01/02)")
        }
        if ["30", "58"].contains(document.payment.meansCode), nonEmpty(document.payment.iban) == nil {
            problems.append(
                "payment means \(document.payment.meansCode) (credit transfer) needs the seller's IBAN "
                    + "(BT-84, BR-61)")
        }
        return problems
    }

    // MARK: - Document header

    private static func writeHeader(_ document: InvoiceDocument, to writer: XMLWriter) {
        writer.start("rsm:ExchangedDocument")
        writer.element("ram:ID", document.number)
        writer.element("ram:TypeCode", document.kind.typeCode)
        writeDateTime("ram:IssueDateTime", document.issueDate, to: writer)
        let treatment = document.buyer.countryCode == "FR" ? "B2B" : "B2BINT"
        writeNote(treatment, subject: "BAR", to: writer)
        writeNote(document.legalNotes.recoveryIndemnity, subject: "PMT", to: writer)
        writeNote(document.legalNotes.latePenalty, subject: "PMD", to: writer)
        writeNote(document.legalNotes.discount, subject: "AAB", to: writer)
        if document.kind == .creditNote, let reason = nonEmpty(document.reason) {
            writeNote(reason, subject: "ACD", to: writer)  // UNTDID 4451 ACD: reason
        }
        writer.end()
    }

    private static func writeNote(_ content: String, subject: String, to writer: XMLWriter) {
        writer.start("ram:IncludedNote")
        writer.element("ram:Content", content)
        writer.element("ram:SubjectCode", subject)
        writer.end()
    }

    // MARK: - Lines (BG-25)

    private static func writeLine(_ line: InvoiceLine, to writer: XMLWriter) {
        writer.start("ram:IncludedSupplyChainTradeLineItem")
        writer.start("ram:AssociatedDocumentLineDocument")
        writer.element("ram:LineID", String(line.number))
        writer.end()

        writer.start("ram:SpecifiedTradeProduct")
        writer.optionalElement("ram:SellerAssignedID", line.articleCode)  // BT-155
        writer.element("ram:Name", line.description)  // BT-153
        writer.end()

        writer.start("ram:SpecifiedLineTradeAgreement")
        writer.start("ram:NetPriceProductTradePrice")
        writer.element("ram:ChargeAmount", amount(line.unitPriceMinor))  // BT-146
        writer.end()
        writer.end()

        writer.start("ram:SpecifiedLineTradeDelivery")
        writer.element(
            "ram:BilledQuantity", line.quantity.description,  // BT-129, BT-130
            attributes: [("unitCode", line.unitCode)])
        writer.end()

        writer.start("ram:SpecifiedLineTradeSettlement")
        writer.start("ram:ApplicableTradeTax")
        writer.element("ram:TypeCode", "VAT")
        writer.element("ram:CategoryCode", line.vatCategory)  // BT-151
        writer.element("ram:RateApplicablePercent", percent(line.vatRateBasisPoints))  // BT-152
        writer.end()
        if let period = line.period { writePeriod(period, to: writer) }  // BG-26
        writer.start("ram:SpecifiedTradeSettlementLineMonetarySummation")
        writer.element("ram:LineTotalAmount", amount(line.netAmountMinor))  // BT-131
        writer.end()
        writer.end()

        writer.end()
    }

    // MARK: - Parties (BG-4, BG-7)

    private static func writeAgreement(_ document: InvoiceDocument, to writer: XMLWriter) {
        writer.start("ram:ApplicableHeaderTradeAgreement")
        writeParty(
            "ram:SellerTradeParty", document.seller, description: sellerDescription(document.seller),
            electronicAddress: sellerElectronicAddress(document.seller),
            taxRegistrations: sellerTaxRegistrations(document.seller), to: writer)
        var buyerRegistrations: [(String, String)] = []
        if let vat = nonEmpty(document.buyer.vatNumber) { buyerRegistrations.append(("VA", compact(vat))) }
        writeParty(
            "ram:BuyerTradeParty", document.buyer, description: nil,
            electronicAddress: buyerElectronicAddress(document.buyer),
            taxRegistrations: buyerRegistrations, to: writer)
        writer.end()
    }

    private static func writeParty(
        _ element: String, _ party: InvoiceDocument.Party, description: String?,
        electronicAddress: (scheme: String, value: String)?,
        taxRegistrations: [(scheme: String, value: String)], to writer: XMLWriter
    ) {
        writer.start(element)
        if let siret = nonEmpty(party.siret) {  // BT-29 / BT-46 (SIRET)
            writer.element("ram:GlobalID", compact(siret), attributes: [("schemeID", "0009")])
        }
        writer.element("ram:Name", party.name)  // BT-27 / BT-44
        writer.optionalElement("ram:Description", description)  // BT-33
        if let siren = nonEmpty(party.siren) {  // BT-30 / BT-47
            writer.start("ram:SpecifiedLegalOrganization")
            writer.element("ram:ID", compact(siren), attributes: [("schemeID", "0002")])
            writer.end()
        }
        writeAddress(party.address, to: writer)
        if let address = electronicAddress {  // BT-34 / BT-49
            writer.start("ram:URIUniversalCommunication")
            writer.element("ram:URIID", address.value, attributes: [("schemeID", address.scheme)])
            writer.end()
        }
        for registration in taxRegistrations {  // BT-31, BT-32 / BT-48
            writer.start("ram:SpecifiedTaxRegistration")
            writer.element("ram:ID", registration.value, attributes: [("schemeID", registration.scheme)])
            writer.end()
        }
        writer.end()
    }

    private static func writeAddress(_ address: InvoiceDocument.PostalAddress, to writer: XMLWriter) {
        let lines = address.lines.compactMap { nonEmpty($0) }
        writer.start("ram:PostalTradeAddress")
        writer.optionalElement("ram:PostcodeCode", nonEmpty(address.postcode))
        if lines.count > 0 { writer.element("ram:LineOne", lines[0]) }
        if lines.count > 1 { writer.element("ram:LineTwo", lines[1]) }
        if lines.count > 2 { writer.element("ram:LineThree", lines[2...].joined(separator: ", ")) }
        writer.optionalElement("ram:CityName", nonEmpty(address.city))
        writer.element("ram:CountryID", address.country)
        writer.end()
    }

    /// BT-33: "SAS au capital de 10 000 €, RCS Marseille" (the parts that are known), nil when none is.
    static func sellerDescription(_ seller: InvoiceDocument.Party) -> String? {
        let form = nonEmpty(seller.legalForm)
        let capital = nonEmpty(seller.shareCapital)
        var parts: [String] = []
        switch (form, capital) {
        case (let form?, let capital?): parts.append("\(form) au capital de \(capital)")
        case (let form?, nil): parts.append(form)
        case (nil, let capital?): parts.append("Capital de \(capital)")
        case (nil, nil): break
        }
        if let city = nonEmpty(seller.rcsCity) { parts.append("RCS \(city)") }
        return parts.isEmpty ? nil : parts.joined(separator: ", ")
    }

    /// BT-34: the French routing address `0225` = SIREN.
    static func sellerElectronicAddress(_ seller: InvoiceDocument.Party) -> (scheme: String, value: String)? {
        nonEmpty(seller.siren).map { ("0225", compact($0)) }
    }

    /// BT-49: `0225` = SIREN when the buyer has one (required in B2B by BR-FR-21), else `EM` = its e-mail address.
    static func buyerElectronicAddress(_ buyer: InvoiceDocument.Party) -> (scheme: String, value: String)? {
        if let siren = nonEmpty(buyer.siren) { return ("0225", compact(siren)) }
        if let email = nonEmpty(buyer.email) { return ("EM", email) }
        return nil
    }

    /// BT-31 `VA` = VAT number; without one, BT-32 `FC` = SIREN so that the VAT category rules (BR-S-02, BR-E-02…),
    /// which accept either, are met by a seller under the "franchise en base".
    static func sellerTaxRegistrations(_ seller: InvoiceDocument.Party) -> [(scheme: String, value: String)] {
        if let vat = nonEmpty(seller.vatNumber) { return [("VA", compact(vat))] }
        if let siren = nonEmpty(seller.siren) { return [("FC", compact(siren))] }
        return []
    }

    // MARK: - Delivery (BG-13)

    private static func writeDelivery(_ document: InvoiceDocument, to writer: XMLWriter) {
        writer.start("ram:ApplicableHeaderTradeDelivery")
        if let delivery = document.deliveryAddress {  // BG-13, BG-15
            writer.start("ram:ShipToTradeParty")
            writer.element("ram:Name", document.buyer.name)
            writeAddress(delivery, to: writer)
            writer.end()
        }
        if let delivered = actualDeliveryDate(document) {
            writer.start("ram:ActualDeliverySupplyChainEvent")  // BT-72
            writeDateTime("ram:OccurrenceDateTime", delivered, to: writer)
            writer.end()
        }
        writer.end()
    }

    /// BT-72, the date the service was actually delivered: the end of the service period when it is
    /// not after the issue date (a month invoiced after its close), the issue date when there is no
    /// period, and nothing when the period ends after the issue (a fee invoiced at the start of the
    /// month it covers): the invoicing period (BG-14) then says what is billed, and a delivery date
    /// in the future would be false.
    static func actualDeliveryDate(_ document: InvoiceDocument) -> CivilDate? {
        guard let period = document.servicePeriod else { return document.issueDate }
        return period.end <= document.issueDate ? period.end : nil
    }

    // MARK: - Settlement (BG-16, BG-20…BG-23)

    private static func writeSettlement(_ document: InvoiceDocument, to writer: XMLWriter) {
        let totals = document.totals
        writer.start("ram:ApplicableHeaderTradeSettlement")
        writer.element("ram:PaymentReference", document.number)  // BT-83
        writer.element("ram:InvoiceCurrencyCode", document.currency)  // BT-5

        writer.start("ram:SpecifiedTradeSettlementPaymentMeans")  // BG-16
        writer.element("ram:TypeCode", document.payment.meansCode)  // BT-81
        if let iban = nonEmpty(document.payment.iban) {
            writer.start("ram:PayeePartyCreditorFinancialAccount")
            writer.element("ram:IBANID", compact(iban))  // BT-84
            writer.end()
        }
        if let bic = nonEmpty(document.payment.bic) {
            writer.start("ram:PayeeSpecifiedCreditorFinancialInstitution")
            writer.element("ram:BICID", compact(bic))  // BT-86
            writer.end()
        }
        writer.end()

        for group in totals.vatBreakdown { writeVATGroup(group, document: document, to: writer) }

        if let period = document.servicePeriod { writePeriod(period, to: writer) }  // BG-14

        writer.start("ram:SpecifiedTradePaymentTerms")
        writer.optionalElement("ram:Description", nonEmpty(document.payment.termsText))  // BT-20
        if document.kind == .invoice {  // a credit note has no due date (see InvoiceBuilder.creditTerms)
            writeDateTime("ram:DueDateDateTime", document.dueDate, to: writer)  // BT-9
        }
        writer.end()

        writer.start("ram:SpecifiedTradeSettlementHeaderMonetarySummation")
        writer.element("ram:LineTotalAmount", amount(totals.lineTotalMinor))  // BT-106
        writer.element("ram:TaxBasisTotalAmount", amount(totals.taxBasisTotalMinor))  // BT-109
        writer.element(
            "ram:TaxTotalAmount", amount(totals.taxTotalMinor),  // BT-110
            attributes: [("currencyID", document.currency)])
        writer.element("ram:GrandTotalAmount", amount(totals.grandTotalMinor))  // BT-112
        writer.element("ram:DuePayableAmount", amount(totals.duePayableMinor))  // BT-115
        writer.end()

        if let preceding = document.precedingInvoice {  // BG-3
            writer.start("ram:InvoiceReferencedDocument")
            writer.element("ram:IssuerAssignedID", preceding.number)  // BT-25
            writer.start("ram:FormattedIssueDateTime")  // BT-26
            writer.element("qdt:DateTimeString", dateText(preceding.issueDate), attributes: [("format", "102")])
            writer.end()
            writer.end()
        }
        writer.end()
    }

    private static func writeVATGroup(
        _ group: InvoiceTotals.VATGroup, document: InvoiceDocument,
        to writer: XMLWriter
    ) {
        let treatment = document.vatTreatment
        let matchesTreatment = group.category == treatment.categoryCode
        let reason = nonEmpty(group.exemptionReason) ?? (matchesTreatment ? treatment.exemptionReason : nil)
        let code = nonEmpty(group.exemptionCode) ?? (matchesTreatment ? treatment.exemptionCode : nil)
        let standard = group.category == "S"
        writer.start("ram:ApplicableTradeTax")
        writer.element("ram:CalculatedAmount", amount(group.taxMinor))  // BT-117
        writer.element("ram:TypeCode", "VAT")
        if !standard { writer.optionalElement("ram:ExemptionReason", reason) }  // BT-120
        writer.element("ram:BasisAmount", amount(group.basisMinor))  // BT-116
        writer.element("ram:CategoryCode", group.category)  // BT-118
        if !standard { writer.optionalElement("ram:ExemptionReasonCode", code) }  // BT-121
        if document.vatOnDebits, standard { writer.element("ram:DueDateTypeCode", "5") }  // BT-8: VAT on debits
        writer.element("ram:RateApplicablePercent", percent(group.rateBasisPoints))  // BT-119
        writer.end()
    }

    // MARK: - Values

    private static func writePeriod(_ period: InvoiceDocument.DateRange, to writer: XMLWriter) {
        writer.start("ram:BillingSpecifiedPeriod")
        writeDateTime("ram:StartDateTime", period.start, to: writer)
        writeDateTime("ram:EndDateTime", period.end, to: writer)
        writer.end()
    }

    private static func writeDateTime(_ element: String, _ date: CivilDate, to writer: XMLWriter) {
        writer.start(element)
        writer.element("udt:DateTimeString", dateText(date), attributes: [("format", "102")])
        writer.end()
    }

    /// `YYYYMMDD` (UNTDID 2379 format 102).
    static func dateText(_ date: CivilDate) -> String {
        date.description.replacingOccurrences(of: "-", with: "")
    }

    /// Minor units as plain text with two decimals: `147550` is `1475.50`.
    static func amount(_ minorUnits: Int64) -> String {
        DecimalText.format(minorUnits: minorUnits, scale: 2)
    }

    /// A rate in basis points as a percentage without useless zeros: 2000 is `20`, 550 is `5.5`, 0 is `0`.
    static func percent(_ basisPoints: Int) -> String {
        var text = DecimalText.format(minorUnits: Int64(basisPoints), scale: 2)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text
    }

    /// An identifier without the separators people type in it (`FR72 1695 …`, `BE 0456.789.034`), upper-cased.
    private static func compact(_ text: String) -> String {
        String(text.filter { !$0.isWhitespace && $0 != "." && $0 != "-" }).uppercased()
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text else { return nil }
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        return trimmed.isEmpty ? nil : trimmed
    }

    /// BR-FR-01/02: at most 35 characters, only `A-Z a-z 0-9 + - _ /`.
    private static func isValidNumber(_ number: String) -> Bool {
        (1...35).contains(number.count)
            && number.unicodeScalars.allSatisfy { scalar in
                scalar.isASCII
                    && (("A"..."Z").contains(scalar) || ("a"..."z").contains(scalar)
                        || ("0"..."9").contains(scalar) || "+-_/".unicodeScalars.contains(scalar))
            }
    }

    private static func isNineDigits(_ text: String?) -> Bool {
        guard let text = nonEmpty(text).map(compact) else { return false }
        return text.count == 9 && text.allSatisfy { $0.isASCII && $0.isNumber }
    }
}
