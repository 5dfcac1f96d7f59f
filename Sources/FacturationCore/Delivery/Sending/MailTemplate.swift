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

        package var fileName: String { rawValue + ".txt" }

        package init(_ document: InvoiceDocument) {
            switch (document.kind, document.origin.type) {
            case (.creditNote, _), (_, .creditNote): self = .creditNote
            case (_, .time): self = .time
            case (_, .recurring): self = .recurring
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

    /// A piece of a template: text as written, or a placeholder.
    enum Part: Sendable, Equatable {
        case text(String)
        case value(Placeholder)
    }

    let subject: [Part]
    let body: [Part]

    /// Reads a template; `file` names it in messages. Throws a `configuration` error naming the
    /// file, the line and the fix.
    package init(text: String, file: String) throws(FacturationError) {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(
            separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, let subject = Self.subjectLine(first) else {
            throw FacturationError(
                .configuration, "\(file), line 1: the first line must be the subject, like \"Objet : Facture {numero}\""
            )
        }
        guard lines.count >= 3, lines[1].trimmingCharacters(in: .whitespaces).isEmpty else {
            throw FacturationError(
                .configuration, "\(file), line 2: leave an empty line between the subject and the body")
        }
        self.subject = try Self.parts(subject, file: file, line: 1)
        var body: [Part] = []
        for (index, line) in lines.dropFirst(2).enumerated() {
            if index > 0 { body.append(.text("\n")) }
            body += try Self.parts(String(line), file: file, line: index + 3)
        }
        self.body = body
    }

    /// The subject line without its `Objet :` / `Subject:` label.
    private static func subjectLine(_ line: Substring) -> String? {
        for label in ["Objet :", "Objet:", "Subject:"] where line.hasPrefix(label) {
            let subject = line.dropFirst(label.count).trimmingCharacters(in: .whitespaces)
            return subject.isEmpty ? nil : subject
        }
        return nil
    }

    private static func parts(_ line: String, file: String, line number: Int) throws(FacturationError) -> [Part] {
        var parts: [Part] = []
        var text = ""
        var rest = Substring(line)
        while let character = rest.first {
            if rest.hasPrefix("{{") || rest.hasPrefix("}}") {
                text.append(character)
                rest = rest.dropFirst(2)
            } else if character == "{" {
                guard let close = rest.firstIndex(of: "}"),
                    let placeholder = Placeholder(rawValue: String(rest[rest.index(after: rest.startIndex)..<close]))
                else {
                    let known = Placeholder.allCases.map { "{\($0.rawValue)}" }.joined(separator: ", ")
                    throw FacturationError(
                        .configuration,
                        "\(file), line \(number): \(rest.prefix(30)) is not a known value; use one of \(known) "
                            + "(write {{ for a brace)")
                }
                if !text.isEmpty { parts.append(.text(text)) }
                text = ""
                parts.append(.value(placeholder))
                rest = rest[rest.index(after: close)...]
            } else {
                text.append(character)
                rest = rest.dropFirst()
            }
        }
        if !text.isEmpty { parts.append(.text(text)) }
        return parts
    }

    /// The subject and body for `document`.
    package func render(_ document: InvoiceDocument) -> (subject: String, body: String) {
        let values = Self.values(of: document)
        func fill(_ parts: [Part]) -> String {
            parts.map { part in
                switch part {
                case .text(let text): return text
                case .value(let placeholder): return values[placeholder] ?? ""
                }
            }.joined()
        }
        return (fill(subject), fill(body))
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
