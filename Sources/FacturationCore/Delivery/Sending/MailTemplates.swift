/// The three templates of a pipeline: the files of its templates folder (`pipelines/mail/` by
/// default), and the built-in text below for any file that is not there.
package struct MailTemplates: Sendable {
    private let templates: [MailTemplate.Kind: MailTemplate]

    /// Reads `folder`'s templates; a file that does not read is a `configuration` error naming it.
    package static func load(folder: String) throws(FacturationError) -> MailTemplates {
        var templates: [MailTemplate.Kind: MailTemplate] = [:]
        for kind in MailTemplate.Kind.allCases {
            let path = Path.join(folder, kind.fileName)
            if Storage.exists(path) {
                let text: String
                do { text = try Storage.readText(path, limit: 1 << 20) } catch {
                    throw FacturationError(.configuration, "\(path) cannot be read: \(error)", cause: error)
                }
                templates[kind] = try MailTemplate(text: text, file: path)
            } else {
                templates[kind] = try MailTemplate(text: defaults[kind]!, file: "the built-in \(kind.fileName)")
            }
        }
        return MailTemplates(templates: templates)
    }

    package func template(for document: InvoiceDocument) -> MailTemplate { templates[MailTemplate.Kind(document)]! }

    /// The built-in templates (also written by `facturation init` into `pipelines/mail/`).
    package static let defaults: [MailTemplate.Kind: String] = [
        .recurring: """
        Objet : Facture {numero} – {societe} – {periode}

        Bonjour,

        Veuillez trouver ci-joint notre facture {numero} du {date} ({periode}).

        Montant HT : {montant_ht}
        Montant TTC : {montant_ttc}
        Échéance : {echeance}

        Règlement par virement (IBAN {iban}, BIC {bic}), en rappelant le numéro de la facture.

        Le PDF joint est une facture Factur-X : il contient aussi les données de la facture pour votre logiciel.

        Avec nos remerciements,
        {societe}

        """,
        .time: """
        Objet : Facture {numero} – {societe} – prestations de {periode}

        Bonjour,

        Veuillez trouver ci-joint notre facture {numero} du {date} pour les prestations réalisées ({periode}).
        Le détail des temps passés figure en annexe, dans le même PDF.

        Montant HT : {montant_ht}
        Montant TTC : {montant_ttc}
        Échéance : {echeance}

        Règlement par virement (IBAN {iban}, BIC {bic}), en rappelant le numéro de la facture.

        Avec nos remerciements,
        {societe}

        """,
        .oneOff: """
        Objet : Facture {numero} – {societe}

        Bonjour,

        Veuillez trouver ci-joint notre facture {numero} du {date}.

        Montant HT : {montant_ht}
        Montant TTC : {montant_ttc}
        Échéance : {echeance}

        Règlement par virement (IBAN {iban}, BIC {bic}), en rappelant le numéro de la facture.

        Le PDF joint est une facture Factur-X : il contient aussi les données de la facture pour votre logiciel.

        Avec nos remerciements,
        {societe}

        """,
        .creditNote: """
        Objet : Avoir {numero} sur la facture {facture_origine} – {societe}

        Bonjour,

        Veuillez trouver ci-joint notre avoir {numero} du {date}, qui porte sur la facture {facture_origine}.

        Montant de l'avoir : {montant_ttc} TTC ({montant_ht} HT), à déduire de la facture {facture_origine} ;
        si elle est déjà réglée, ce montant vous sera remboursé.

        Avec nos salutations,
        {societe}

        """,
    ]
}
