/// The e-mails that carry reminders: `relance-1.txt` (the first level), `relance-2.txt` (the
/// levels between) and `mise-en-demeure.txt` (the last), in the pipeline's templates folder
/// (`pipelines/mail/` by default), with the built-in French text below for a file that is not there.
package struct ReminderTemplates: Sendable {
    package enum Kind: String, Sendable, CaseIterable {
        case first = "relance-1"
        case further = "relance-2"
        case formalNotice = "mise-en-demeure"

        package var fileName: String { rawValue + ".txt" }

        package init(_ reminder: Reminder) {
            self = reminder.kind == .formalNotice ? .formalNotice : reminder.level <= 1 ? .first : .further
        }
    }

    /// The values a reminder template may use.
    package enum Placeholder: String, Sendable, CaseIterable, Hashable {
        case client, niveau, factures, penalites, indemnite, total, date, societe, iban, bic
        case montantDu = "montant_du"
    }

    private let templates: [Kind: TemplateText<Placeholder>]

    /// Reads `folder`'s reminder templates; a file that does not read is a `configuration` error naming it.
    package static func load(folder: String) throws(FacturationError) -> ReminderTemplates {
        var templates: [Kind: TemplateText<Placeholder>] = [:]
        for kind in Kind.allCases {
            let path = Path.join(folder, kind.fileName)
            if Storage.exists(path) {
                let text: String
                do { text = try Storage.readText(path, limit: 1 << 20) } catch {
                    throw FacturationError(.configuration, "\(path) cannot be read: \(error)", cause: error)
                }
                templates[kind] = try TemplateText(text: text, file: path)
            } else {
                templates[kind] = try TemplateText(text: defaults[kind]!, file: "the built-in \(kind.fileName)")
            }
        }
        return ReminderTemplates(templates: templates)
    }

    package func template(for reminder: Reminder) -> TemplateText<Placeholder> { templates[Kind(reminder)]! }

    /// The built-in templates.
    package static let defaults: [Kind: String] = [
        .first: """
        Objet : {niveau} – facture(s) impayée(s) – {societe}

        Bonjour,

        Sauf erreur de notre part, les factures suivantes restent impayées à ce jour ({date}) :

        {factures}

        Montant restant dû : {montant_du}
        Pénalités de retard : {penalites}
        Indemnité forfaitaire pour frais de recouvrement : {indemnite}
        Total : {total}

        Nous vous remercions de bien vouloir procéder au règlement par virement (IBAN {iban}, BIC {bic}),
        en rappelant les numéros de factures. Si votre paiement est en cours, merci de ne pas tenir compte
        de ce message. Le détail figure dans le PDF joint.

        Avec nos salutations,
        {societe}

        """,
        .further: """
        Objet : {niveau} – facture(s) impayée(s) – {societe}

        Bonjour,

        Malgré notre précédente relance, les factures suivantes restent impayées à ce jour ({date}) :

        {factures}

        Montant restant dû : {montant_du}
        Pénalités de retard : {penalites}
        Indemnité forfaitaire pour frais de recouvrement : {indemnite}
        Total : {total}

        Nous vous demandons de régler ces sommes sans délai par virement (IBAN {iban}, BIC {bic}).
        Le détail figure dans le PDF joint.

        Avec nos salutations,
        {societe}

        """,
        .formalNotice: """
        Objet : Mise en demeure de payer – {societe}

        Madame, Monsieur,

        Malgré nos relances, les factures suivantes restent impayées à ce jour ({date}) :

        {factures}

        Montant restant dû : {montant_du}
        Pénalités de retard : {penalites}
        Indemnité forfaitaire pour frais de recouvrement (art. L441-10 et D441-5 du Code de commerce) : {indemnite}
        Total : {total}

        Par la présente, nous vous mettons en demeure de nous régler la somme de {total} sous huit jours
        par virement (IBAN {iban}, BIC {bic}). À défaut, nous engagerons une procédure de recouvrement.
        La mise en demeure figure dans le PDF joint.

        {societe}

        """,
    ]

    /// The values of `reminder`, for `company`.
    package static func values(
        of reminder: Reminder, company: PipelineConfig.Company, clientName: String
    )
        -> [Placeholder: String]
    {
        let invoices = reminder.invoices.map { line in
            "- \(line.number) du \(FrenchDates.slashed(line.issueDate)), échue le \(FrenchDates.slashed(line.dueDate)) "
                + "(\(line.daysLate) jours de retard) : \(FrenchDates.euros(line.owedMinor)) restant dû"
        }
        return [
            .client: clientName, .niveau: reminder.title, .factures: invoices.joined(separator: "\n"),
            .montantDu: FrenchDates.euros(reminder.owedMinor), .penalites: penaltyText(reminder),
            .indemnite: FrenchDates.euros(reminder.indemnitiesMinor), .total: totalText(reminder),
            .date: FrenchDates.slashed(reminder.date), .societe: company.name,
            .iban: company.iban.map(formattedIBAN) ?? "", .bic: company.bic ?? "",
        ]
    }

    /// "12,34 €", or the wording used when no rate is known.
    static func penaltyText(_ reminder: Reminder) -> String {
        reminder.penaltyUnknown
            ? "au taux indiqué sur la facture"
                + (reminder.penaltiesMinor > 0
                    ? " (dont \(FrenchDates.euros(reminder.penaltiesMinor)) calculés)" : "")
            : FrenchDates.euros(reminder.penaltiesMinor)
    }

    static func totalText(_ reminder: Reminder) -> String {
        FrenchDates.euros(reminder.totalMinor) + (reminder.penaltyUnknown ? " hors pénalités de retard" : "")
    }

    /// `FR76 3000 …` in groups of four.
    static func formattedIBAN(_ iban: String) -> String {
        var groups: [String] = []
        var rest = Substring(iban.filter { $0 != " " })
        while !rest.isEmpty {
            groups.append(String(rest.prefix(4)))
            rest = rest.dropFirst(4)
        }
        return groups.joined(separator: " ")
    }
}
