/// The readable invoice: an issued document (invoice or credit note) laid out on A4 pages in
/// French, from its record alone, so the same record always gives the same PDF.
///
/// Seller and buyer blocks, number, dates and service period, the lines (long descriptions wrap;
/// many lines flow onto further pages under repeated column titles), VAT per rate, totals, and
/// the mentions: payment terms and bank details, penalties and the recovery indemnity (invoices
/// only: a credit note states what it cancels), exemption wording, VAT on debits. Every page has
/// the seller's legal footer and "Page n/N".
///
/// ``writeFacturX(_:xml:to:)`` packages it as a Factur-X PDF/A-3 (``FacturXPackager``).
package struct InvoicePDF {
    let document: InvoiceDocument

    static let body = TextStyle(size: 8.5)
    static let small = TextStyle(size: 7, gray: 0.3)
    static let bold = TextStyle(size: 8.5, bold: true)
    static let heading = TextStyle(size: 16, bold: true)

    /// Writes the PDF of `document` to `path` (replaced if present: the caller writes a temporary file).
    /// A time-based invoice's `annex` (its time entries) follows on pages of its own.
    /// `logo`: the company's PNG (`company.logo`), drawn above the seller block.
    package static func write(
        _ document: InvoiceDocument, annex: [InvoiceDraft.AnnexEntry] = [], logo: String? = nil, to path: String
    ) throws {
        let pdf = InvoicePDF(document: document)
        let image = try logo.map(PNGImage.init(path:))
        let canvas = try PDFCanvas(path: path, metadata: pdf.metadata)
        var flow = PageFlow(canvas: canvas)
        if let image { pdf.logo(image, &flow) }
        pdf.header(&flow)
        pdf.parties(&flow)
        InvoiceLinesTable(document: document).add(to: &flow)
        flow.continuation = nil
        pdf.totals(&flow)
        pdf.mentions(&flow)
        if !annex.isEmpty { InvoiceAnnexTable(number: document.number, entries: annex).add(to: &flow) }
        flow.draw(footer: pdf.footer)
        try canvas.finish()
    }

    /// Writes the Factur-X PDF/A-3 of `document` (and its annex) to `path`: drawn to `path` + `.visual`, then
    /// packaged with `xml` (its CII XML, as issued) embedded; the drawn file is removed.
    package static func writeFacturX(
        _ document: InvoiceDocument, annex: [InvoiceDraft.AnnexEntry] = [], logo: String? = nil, xml: [UInt8],
        to path: String
    ) throws {
        let visual = path + ".visual"
        try write(document, annex: annex, logo: logo, to: visual)
        defer { try? Storage.removeFile(visual) }
        let metadata = InvoicePDF(document: document).metadata
        try FacturXPackager.package(
            visual: visual, xml: xml,
            info: .init(
                title: metadata.title, author: metadata.author, subject: metadata.subject, date: metadata.date),
            to: path)
    }

    var isCredit: Bool { document.kind == .creditNote }

    var metadata: PDFCanvas.Metadata {
        .init(
            title: (isCredit ? "Avoir " : "Facture ") + document.number, author: document.seller.name,
            subject: document.title, date: document.issueDate.description + "T00:00:00Z")
    }

    // MARK: - Blocks

    /// The logo at the top left, at most 160 × 48 points.
    func logo(_ image: PNGImage, _ flow: inout PageFlow) {
        let size = image.fitting(maxWidth: 160, maxHeight: 48)
        flow.add(.image(image, x: PageFlow.margin, y: flow.y, width: size.width, height: size.height))
        flow.y += size.height + 10
    }

    /// Seller on the left, the document's identity on the right.
    func header(_ flow: inout PageFlow) {
        let left = PageFlow.margin
        let right = left + 300
        let seller = document.seller
        var height = flow.text(seller.name, x: left, width: 280, style: TextStyle(size: 12, bold: true))
        height += flow.text(
            Self.lines(seller) + "\n" + Self.identifiers(seller), x: left, dy: height, width: 280, style: Self.body)
        var info = [
            "N° \(document.number)", "Date : \(FrenchDates.slashed(document.issueDate))",
        ]
        if !isCredit { info.append("Échéance : \(FrenchDates.slashed(document.dueDate))") }
        if let period = document.servicePeriod {
            info.append("Période : du \(FrenchDates.slashed(period.start)) au \(FrenchDates.slashed(period.end))")
        }
        if let preceding = document.precedingInvoice {
            info.append("Facture d'origine : \(preceding.number) du \(FrenchDates.slashed(preceding.issueDate))")
        }
        var title = flow.text(
            isCredit ? "AVOIR" : "FACTURE", x: right, width: PageFlow.contentWidth - 300, style: Self.heading)
        title += 4
        title += flow.text(
            info.joined(separator: "\n"), x: right, dy: title, width: PageFlow.contentWidth - 300, style: Self.body)
        flow.y += max(height, title) + 18
    }

    /// The buyer (billing address) on the right; the place of service when it differs, on the left.
    func parties(_ flow: inout PageFlow) {
        let left = PageFlow.margin
        let right = left + 300
        let buyer = document.buyer
        var height = flow.text("Facturé à", x: right, width: 210, style: Self.small)
        height += flow.text(buyer.name, x: right, dy: height, width: 210, style: Self.bold)
        height += flow.text(
            Self.lines(buyer) + "\n" + Self.identifiers(buyer), x: right, dy: height, width: 210, style: Self.body)
        var delivery = 0.0
        if let address = document.deliveryAddress {
            delivery = flow.text("Lieu d'exécution", x: left, width: 250, style: Self.small)
            delivery += flow.text(Self.lines(address), x: left, dy: delivery, width: 250, style: Self.body)
        }
        flow.y += max(height, delivery) + 16
        flow.y += flow.text(document.title, x: left, width: PageFlow.contentWidth, style: Self.bold) + 8
    }

    /// VAT per rate on the left, totals on the right.
    func totals(_ flow: inout PageFlow) {
        let left = PageFlow.margin
        let totals = document.totals
        let vatRows = totals.vatBreakdown.map { group in
            "TVA \(Self.rate(group.rateBasisPoints)) sur \(FrenchDates.euros(group.basisMinor)) : "
                + FrenchDates.euros(group.taxMinor)
        }
        var rows = [
            ("Total HT", totals.taxBasisTotalMinor), ("Total TVA", totals.taxTotalMinor),
            ("Total TTC", totals.grandTotalMinor),
        ]
        rows.append((isCredit ? "Montant de l'avoir" : "Net à payer", totals.duePayableMinor))
        let labels = rows.map(\.0).joined(separator: "\n")
        let amounts = rows.map { FrenchDates.euros($0.1) }.joined(separator: "\n")
        let height = max(flow.canvas.height(of: labels, width: 120, style: Self.bold), 14.0 * Double(vatRows.count))
        flow.reserve(height + 20)
        flow.y += 10
        flow.add(.rule(x: left + 300, y: flow.y - 4, width: PageFlow.contentWidth - 300, weight: 0.6, gray: 0))
        flow.text(vatRows.joined(separator: "\n"), x: left, width: 280, style: Self.body)
        flow.text(labels, x: left + 300, width: 120, style: Self.bold)
        flow.text(amounts, x: left + 420, width: PageFlow.contentWidth - 420, style: Self.bold, alignment: .right)
        flow.y += height + 16
    }

    /// Exemption wording, payment terms and bank details, legal notes.
    func mentions(_ flow: inout PageFlow) {
        var paragraphs = document.totals.vatBreakdown.compactMap(\.exemptionReason)
        if document.vatOnDebits { paragraphs.append("TVA acquittée sur les débits.") }
        if let reason = document.reason { paragraphs.append("Motif : \(reason)") }
        paragraphs.append(document.payment.termsText)
        if !isCredit, let iban = document.payment.iban {
            paragraphs.append("IBAN : \(iban)" + (document.payment.bic.map { " – BIC : \($0)" } ?? ""))
        }
        if !isCredit {
            paragraphs += [document.legalNotes.latePenalty, document.legalNotes.recoveryIndemnity]
        }
        paragraphs.append(document.legalNotes.discount)
        for paragraph in paragraphs where !paragraph.isEmpty {
            let height = flow.canvas.height(of: paragraph, width: PageFlow.contentWidth, style: Self.body)
            flow.reserve(height)
            flow.text(paragraph, x: PageFlow.margin, width: PageFlow.contentWidth, style: Self.body)
            flow.y += height + 4
        }
    }

    /// The seller's legal identity and the page number.
    func footer(page: Int, of count: Int) -> [PDFItem] {
        let seller = document.seller
        let legal = [
            seller.name,
            seller.legalForm.map { form in form + (seller.shareCapital.map { " au capital de \($0)" } ?? "") },
            seller.rcsCity.map { "RCS \($0)" }, seller.siret.map { "SIRET \($0)" },
            seller.vatNumber.map { "TVA \($0)" },
        ]
        .compactMap { $0 }.joined(separator: " – ")
        let y = PDFCanvas.pageHeight - 52
        return [
            .rule(x: PageFlow.margin, y: y - 6, width: PageFlow.contentWidth, weight: 0.3, gray: 0.6),
            .text(
                legal, x: PageFlow.margin, y: y, width: PageFlow.contentWidth - 170, style: Self.small, alignment: .left
            ),
            .text(
                "\(document.number) – page \(page)/\(count)", x: PDFCanvas.pageWidth - PageFlow.margin - 160, y: y,
                width: 160, style: Self.small, alignment: .right),
        ]
    }

    // MARK: - Wording

    static func lines(_ party: InvoiceDocument.Party) -> String { lines(party.address) }

    static func lines(_ address: InvoiceDocument.PostalAddress) -> String {
        (address.lines + ["\(address.postcode) \(address.city)"] + (address.country == "FR" ? [] : [address.country]))
            .joined(separator: "\n")
    }

    static func identifiers(_ party: InvoiceDocument.Party) -> String {
        [party.siren.map { "SIREN \($0)" }, party.vatNumber.map { "TVA intracommunautaire \($0)" }]
            .compactMap { $0 }.joined(separator: "\n")
    }

    /// `20 %`, `5,5 %`.
    static func rate(_ basisPoints: Int) -> String {
        let whole = basisPoints / 100
        let fraction = basisPoints % 100
        guard fraction != 0 else { return "\(whole) %" }
        let decimals = fraction % 10 == 0 ? "\(fraction / 10)" : CivilDate.pad(fraction, 2)
        return "\(whole),\(decimals) %"
    }
}
