/// The subject and body of the e-mails that carry documents, from text files a person edits
/// (`pipelines/mail/*.txt`; built-in French defaults for the files that are not there).
///
/// A template file is a first line `Objet : …`, an empty line, then the body. `{name}` is replaced
/// by the document's value (``Placeholder``); `{{` and `}}` write a brace. Every placeholder is
/// checked when the pipeline file is loaded, so a typo is reported with its file and line rather
/// than sent to a client.
package struct MailTemplate: Sendable, Equatable {
    /// Which e-mail a template writes (the old process had one per kind of invoice).
    package enum Kind: String, Sendable, CaseIterable {
        /// A contract's fee (`facture-forfait.txt`).
        case recurring = "facture-forfait"
        /// The time of a closed month, with its annex (`facture-temps.txt`).
        case time = "facture-temps"
        /// A credit note (`avoir.txt`).
        case creditNote = "avoir"
        /// A one-off invoice requested from the inbox (`facture-ponctuelle.txt`).
        case oneOff = "facture-ponctuelle"

        package var fileName: String { rawValue + ".txt" }

        package init(_ document: InvoiceDocument) {
            switch (document.kind, document.origin.type) {
            case (.creditNote, _), (_, .creditNote): self = .creditNote
            case (_, .time): self = .time
            case (_, .recurring): self = .recurring
            case (_, .oneOff): self = .oneOff
            // Never sent (``OxygeneHistory``): the nearest template, for completeness.
            case (_, .register): self = .oneOff
            }
        }
    }

    /// The values a template may use.
    package enum Placeholder: String, Sendable, CaseIterable {
        case client, numero, date, echeance, periode, societe, iban, bic
        case montantHT = "montant_ht"
        case montantTTC = "montant_ttc"
        case factureOrigine = "facture_origine"
    }

    let text: TemplateText<Placeholder>

    /// Reads a template; `file` names it in messages. Throws a `configuration` error naming the
    /// file, the line and the fix.
    package init(text: String, file: String) throws(FacturationError) {
        self.text = try TemplateText(text: text, file: file)
    }

    /// The subject and body for `document`.
    package func render(_ document: InvoiceDocument) -> (subject: String, body: String) {
        text.render(Self.values(of: document))
    }

    static func values(of document: InvoiceDocument) -> [Placeholder: String] {
        var values: [Placeholder: String] = [
            .client: document.buyer.name, .numero: document.number, .date: FrenchDates.slashed(document.issueDate),
            .echeance: FrenchDates.slashed(document.dueDate), .societe: document.seller.name,
            .iban: document.payment.iban ?? "", .bic: document.payment.bic ?? "",
            .montantHT: FrenchDates.euros(document.totals.taxBasisTotalMinor),
            .montantTTC: FrenchDates.euros(document.totals.grandTotalMinor),
            .factureOrigine: document.precedingInvoice?.number ?? "",
        ]
        values[.periode] = document.servicePeriod.map(Self.period) ?? FrenchDates.slashed(document.issueDate)
        return values
    }

    /// "juillet 2025" for a calendar month, else "du 01/07/2025 au 15/07/2025".
    static func period(_ range: InvoiceDocument.DateRange) -> String {
        let wholeMonth =
            range.start.day == 1 && range.start.year == range.end.year && range.start.month == range.end.month
            && CivilDate(year: range.end.year, month: range.end.month, day: range.end.day + 1) == nil
        if wholeMonth { return FrenchDates.monthName(range.start.month, capitalized: false) + " \(range.start.year)" }
        return "du \(FrenchDates.slashed(range.start)) au \(FrenchDates.slashed(range.end))"
    }
}
