/// A reminder as a plain PDF (not Factur-X), drawn with the invoice's builder and fonts
/// (``PDFCanvas``, ``PageFlow``, ``PDFTable``): the company header, the client's address, the
/// title of the level, the table of the invoices reminded, the totals, a short French text per
/// level, and the bank details. From the record alone, so the same record gives the same bytes.
package struct ReminderPDF {
    let reminder: Reminder
    /// Seller, buyer and bank details: those of the latest invoice reminded.
    let invoice: InvoiceDocument

    static let table: PDFTable = {
        var table = PDFTable(
            columns: [
                .init(title: "Facture", x: 0, width: 56, alignment: .left),
                .init(title: "Date", x: 58, width: 56, alignment: .left),
                .init(title: "Échéance", x: 116, width: 56, alignment: .left),
                .init(title: "Total TTC", x: 174, width: 58, alignment: .right),
                .init(title: "Réglé", x: 234, width: 50, alignment: .right),
                .init(title: "Reste dû", x: 286, width: 58, alignment: .right),
                .init(title: "Jours", x: 346, width: 32, alignment: .right),
                .init(title: "Pénalités", x: 380, width: 52, alignment: .right),
                .init(title: "Indemnité", x: 434, width: PageFlow.contentWidth - 434, alignment: .right),
            ], style: TextStyle(size: 7.5))
        table.titleStyle = TextStyle(size: 7.5, bold: true)
        return table
    }()

    /// Writes the PDF to `path` (replaced if present: the caller writes a temporary file).
    package static func write(
        _ reminder: Reminder, invoice: InvoiceDocument, logo: String? = nil, to path: String
    )
        throws
    {
        let pdf = ReminderPDF(reminder: reminder, invoice: invoice)
        let metadata = PDFCanvas.Metadata(
            title: "\(reminder.title) \(reminder.id)", author: invoice.seller.name,
            subject: "\(reminder.title) – \(invoice.buyer.name)", date: reminder.date.description + "T00:00:00Z")
        let canvas = try PDFCanvas(path: path, metadata: metadata)
        var flow = PageFlow(canvas: canvas)
        if let logo {
            let image = try PNGImage(path: logo)
            let size = image.fitting(maxWidth: 160, maxHeight: 48)
            flow.add(.image(image, x: PageFlow.margin, y: flow.y, width: size.width, height: size.height))
            flow.y += size.height + 10
        }
        pdf.header(&flow)
        pdf.invoices(&flow)
        pdf.totals(&flow)
        pdf.text(&flow)
        flow.draw(footer: pdf.footer)
        try canvas.finish()
    }

    /// Seller at the top left, the client's address on the right, then the title and the date.
    func header(_ flow: inout PageFlow) {
        let left = PageFlow.margin
        let right = left + 300
        let seller = invoice.seller
        var height = flow.text(seller.name, x: left, width: 280, style: TextStyle(size: 12, bold: true))
        height += flow.text(InvoicePDF.lines(seller), x: left, dy: height, width: 280, style: InvoicePDF.body)
        if let email = seller.email {
            height += flow.text(email, x: left, dy: height, width: 280, style: InvoicePDF.body)
        }
        var buyer = flow.text(invoice.buyer.name, x: right, width: 210, style: InvoicePDF.bold)
        buyer += flow.text(InvoicePDF.lines(invoice.buyer), x: right, dy: buyer, width: 210, style: InvoicePDF.body)
        flow.y += max(height, buyer) + 24
        let city = seller.address.city
        flow.y +=
            flow.text(
                "\(city.isEmpty ? "" : city + ", le ")\(FrenchDates.slashed(reminder.date))", x: right, width: 210,
                style: InvoicePDF.body) + 12
        flow.y += flow.text(reminder.title, x: left, width: PageFlow.contentWidth, style: InvoicePDF.heading) + 4
        flow.y +=
            flow.text(
                "Réf. \(reminder.id) – client \(reminder.client)", x: left, width: PageFlow.contentWidth,
                style: InvoicePDF.small) + 12
    }

    /// The table of the invoices reminded.
    func invoices(_ flow: inout PageFlow) {
        Self.table.titles(&flow)
        let id = reminder.id
        flow.continuation = { flow in
            flow.y +=
                flow.text("\(id) (suite)", x: PageFlow.margin, width: PageFlow.contentWidth, style: InvoicePDF.small)
                + 6
            Self.table.titles(&flow)
        }
        for line in reminder.invoices {
            Self.table.row(
                [
                    line.number, FrenchDates.slashed(line.issueDate), FrenchDates.slashed(line.dueDate),
                    FrenchDates.euros(line.totalMinor), FrenchDates.euros(line.paidMinor),
                    FrenchDates.euros(line.owedMinor), "\(line.daysLate)",
                    line.penaltyMinor.map(FrenchDates.euros) ?? "—", FrenchDates.euros(line.indemnityMinor),
                ], gap: 4, &flow)
        }
        flow.add(.rule(x: PageFlow.margin, y: flow.y, width: PageFlow.contentWidth, weight: 0.6, gray: 0))
        flow.continuation = nil
    }

    /// Owed, penalties, indemnities and the total, on the right.
    func totals(_ flow: inout PageFlow) {
        let left = PageFlow.margin
        let rows: [(String, String)] = [
            ("Reste dû TTC", FrenchDates.euros(reminder.owedMinor)),
            ("Pénalités de retard", ReminderTemplates.penaltyText(reminder)),
            ("Indemnités forfaitaires", FrenchDates.euros(reminder.indemnitiesMinor)),
            ("Total à régler", ReminderTemplates.totalText(reminder)),
        ]
        let labels = rows.map(\.0).joined(separator: "\n")
        let amounts = rows.map(\.1).joined(separator: "\n")
        let height = max(
            flow.canvas.height(of: labels, width: 170, style: InvoicePDF.bold),
            flow.canvas.height(of: amounts, width: PageFlow.contentWidth - 400, style: InvoicePDF.bold))
        flow.reserve(height + 20)
        flow.y += 10
        flow.text(labels, x: left + 226, width: 170, style: InvoicePDF.bold)
        flow.text(amounts, x: left + 400, width: PageFlow.contentWidth - 400, style: InvoicePDF.bold, alignment: .right)
        flow.y += height + 16
    }

    /// The text of the level, how penalties are computed, the bank details.
    func text(_ flow: inout PageFlow) {
        var paragraphs = [Self.opening(reminder)]
        paragraphs.append(Self.penaltyNote(reminder))
        if let iban = invoice.payment.iban {
            paragraphs.append(
                "Règlement par virement : IBAN \(ReminderTemplates.formattedIBAN(iban))"
                    + (invoice.payment.bic.map { " – BIC \($0)" } ?? "")
                    + ", en rappelant les numéros de factures.")
        }
        paragraphs.append(
            reminder.kind == .formalNotice
                ? "Veuillez agréer, Madame, Monsieur, nos salutations distinguées.\n\n\(invoice.seller.name)"
                : "Si votre règlement est en cours, merci de ne pas tenir compte de ce courrier.\n\n"
                    + invoice.seller.name)
        for paragraph in paragraphs {
            let height = flow.canvas.height(of: paragraph, width: PageFlow.contentWidth, style: InvoicePDF.body)
            flow.reserve(height)
            flow.text(paragraph, x: PageFlow.margin, width: PageFlow.contentWidth, style: InvoicePDF.body)
            flow.y += height + 8
        }
    }

    static func opening(_ reminder: Reminder) -> String {
        let count = reminder.invoices.count
        let them =
            count == 1 ? "la facture ci-dessus reste impayée" : "les \(count) factures ci-dessus restent impayées"
        switch (reminder.kind, reminder.level) {
        case (.formalNotice, _):
            return "Madame, Monsieur,\n\nMalgré nos relances, \(them) à ce jour. Par la présente, nous vous mettons "
                + "en demeure de nous régler la somme de \(ReminderTemplates.totalText(reminder)) dans un délai de "
                + "huit jours à compter de la réception de ce courrier. À défaut, nous engagerons sans autre avis "
                + "une procédure de recouvrement judiciaire, dont les frais resteront à votre charge."
        case (_, 1):
            return
                "Madame, Monsieur,\n\nSauf erreur ou omission de notre part, \(them) à ce jour. Nous vous remercions "
                + "de bien vouloir procéder à son règlement dans les meilleurs délais."
        default:
            return "Madame, Monsieur,\n\nMalgré notre précédente relance, \(them) à ce jour. Nous vous demandons de "
                + "procéder à son règlement sans délai."
        }
    }

    /// How the amounts are computed (Code de commerce L441-10, D441-5).
    static func penaltyNote(_ reminder: Reminder) -> String {
        var note =
            "Pénalités de retard (art. L441-10 du Code de commerce) : reste dû TTC × taux annuel × jours de retard / 365"
        let rates = Set(reminder.invoices.compactMap(\.rate)).sorted()
        if !rates.isEmpty {
            note += ", au taux de " + rates.map(percent).joined(separator: ", ")
        }
        if reminder.penaltyUnknown { note += "; au taux indiqué sur la facture pour les montants non chiffrés" }
        note +=
            ". Indemnité forfaitaire pour frais de recouvrement de \(FrenchDates.euros(reminder.invoices.first?.indemnityMinor ?? 0)) "
            + "par facture (art. D441-5 du Code de commerce)."
        return note
    }

    /// `9,48 %` from thousandths of a percent.
    package static func percent(_ rate: Int64) -> String {
        var text = DecimalText.format(minorUnits: rate, scale: 3, decimalMark: ",")
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(",") { text.removeLast() }
        return text + " %"
    }

    /// The seller's legal identity and the page number (the reference is under the title).
    func footer(page: Int, of count: Int) -> [PDFItem] {
        let y = PDFCanvas.pageHeight - 52
        let seller = invoice.seller
        let legal = [seller.name, seller.siret.map { "SIRET \($0)" }, seller.vatNumber.map { "TVA \($0)" }]
            .compactMap { $0 }.joined(separator: " – ")
        return [
            .rule(x: PageFlow.margin, y: y - 6, width: PageFlow.contentWidth, weight: 0.3, gray: 0.6),
            .text(
                legal, x: PageFlow.margin, y: y, width: PageFlow.contentWidth - 70, style: InvoicePDF.small,
                alignment: .left),
            .text(
                "page \(page)/\(count)", x: PDFCanvas.pageWidth - PageFlow.margin - 60, y: y,
                width: 60, style: InvoicePDF.small, alignment: .right),
        ]
    }
}
