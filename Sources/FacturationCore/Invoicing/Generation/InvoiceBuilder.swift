/// Turns a draft into the document issued under a number, with the seller's and buyer's
/// details and the legal mentions of the pipeline file as they are at issue time.
package struct InvoiceBuilder {
    package let pipeline: PipelineConfig
    package let settings: InvoicingSettings

    private let clients: [String: PipelineConfig.Client]

    package init(pipeline: PipelineConfig, settings: InvoicingSettings) {
        self.pipeline = pipeline
        self.settings = settings
        clients = Dictionary(pipeline.clients.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
    }

    /// The client's billing details, or an error naming the key to add.
    package func billing(of code: String) throws -> (PipelineConfig.Client, ClientBilling, PipelineConfig.Address) {
        guard let client = clients[code] else {
            throw FacturationError(
                .invoicing, "client \(code) is no longer in \(pipeline.file): restore its [[clients]] entry")
        }
        guard let billing = client.billing, let address = billing.address else {
            throw FacturationError(
                .invoicing,
                "client \(code) has no billing address: add address = { lines = [\"…\"], "
                    + "postcode = \"…\", city = \"…\" } to its [[clients]] entry in \(pipeline.file)")
        }
        return (client, billing, address)
    }

    /// The totals a draft will have (for approval rules and summaries).
    ///
    /// A document is bounded like any imported amount (``ImportBounds``): payments, the aged
    /// balance and the FEC add documents up, and those sums must fit.
    package static func totals(of lines: [InvoiceLine]) throws(ArithmeticOverflow) -> InvoiceTotals {
        let totals = try InvoiceTotals.compute(lines: lines) { category in
            let treatment = VATTreatment.allCases.first { $0.categoryCode == category }
            return (treatment?.exemptionReason, treatment?.exemptionCode)
        }
        if ImportBounds.problem(amountMinor: totals.grandTotalMinor, scale: 2) != nil {
            throw ArithmeticOverflow(
                operation: "a total of \(FrenchDates.euros(totals.grandTotalMinor)), beyond the "
                    + "1 000 000 000,00 that facturation issues in one document")
        }
        return totals
    }

    package func document(
        from draft: InvoiceDraft, number: String, issueDate: CivilDate,
        approval: InvoiceDocument.ApprovalNote
    ) throws -> InvoiceDocument {
        let (client, billing, address) = try billing(of: draft.clientCode)
        let company = pipeline.company
        let seller = InvoiceDocument.Party(
            name: company.name, legalForm: company.legalForm, shareCapital: company.shareCapital,
            rcsCity: company.rcsCity, siren: company.siren, siret: company.siret, vatNumber: company.vatNumber,
            address: .init(
                lines: company.address.lines, postcode: company.address.postcode,
                city: company.address.city, country: company.address.country),
            email: company.email)
        let buyer = InvoiceDocument.Party(
            name: billing.legalName, siren: billing.siren, vatNumber: billing.vatNumber,
            address: .init(
                lines: address.lines, postcode: address.postcode, city: address.city, country: address.country),
            email: billing.emails.first)
        let terms = billing.paymentTerms
        let (means, meansText) = paymentMeans(billing.paymentMethod)
        let isCredit = draft.kind == .creditNote
        // A credit note owes the client money at once: no due date, no terms of payment.
        let dueDate = isCredit ? issueDate : terms.dueDate(issuedOn: issueDate)
        let termsText =
            isCredit
            ? Self.creditTerms(cancelling: draft.precedingInvoice)
            : "Paiement à \(terms) \(meansText), échéance le \(FrenchDates.slashed(dueDate))"
        return InvoiceDocument(
            kind: draft.kind, number: number, issueDate: issueDate, dueDate: dueDate,
            servicePeriod: draft.servicePeriod, currency: pipeline.currency.code, seller: seller, buyer: buyer,
            clientCode: client.code, oxygeneClientCode: billing.oxygeneCode,
            payment: .init(
                termsText: termsText, days: terms.days, endOfMonth: terms.endOfMonth, meansCode: means,
                oxygeneMethodCode: billing.paymentMethod,
                iban: ["58", "30"].contains(means) ? company.iban : nil,
                bic: ["58", "30"].contains(means) ? company.bic : nil),
            vatTreatment: billing.vat, vatOnDebits: company.vatOnDebits,
            legalNotes: isCredit
                ? Self.creditNotes(discount: settings.discountText)
                : .init(
                    recoveryIndemnity: settings.recoveryIndemnityText, latePenalty: settings.latePenaltyText,
                    discount: settings.discountText),
            title: draft.title, lines: draft.lines, totals: try Self.totals(of: draft.lines),
            precedingInvoice: draft.precedingInvoice, reason: draft.reason, origin: draft.origin,
            recordKeys: draft.recordKeys, approval: approval,
            deliveryAddress: billing.deliveryAddress.map {
                .init(lines: $0.lines, postcode: $0.postcode, city: $0.city, country: $0.country)
            })
    }

    /// BT-20 of a credit note: what it cancels and how the amount comes back to the client (deducted
    /// from what is still owed, or refunded when the invoice was already paid), never a due date.
    static func creditTerms(cancelling invoice: InvoiceDocument.DocumentReference?) -> String {
        let cancelled =
            invoice.map { "Avoir sur la facture \($0.number) du \(FrenchDates.slashed($0.issueDate))" } ?? "Avoir"
        return cancelled + " : montant à déduire de la somme due, ou remboursé par virement si elle est déjà réglée"
    }

    /// The notes PMT, PMD and AAB of a credit note. The French rules (BR-FR-05) require the three
    /// subject codes on every document, credit notes included, but penalties and the recovery
    /// indemnity apply to a late payment, which a credit note cannot have: they say so.
    static func creditNotes(discount: String) -> InvoiceDocument.LegalNotes {
        .init(
            recoveryIndemnity: "Indemnité forfaitaire pour frais de recouvrement : sans objet (avoir)",
            latePenalty: "Pénalités de retard : sans objet (avoir)", discount: discount)
    }

    /// UNTDID 4461 code and French wording of an Oxygène payment method.
    private func paymentMeans(_ method: String) -> (String, String) {
        switch method {
        case "CHQ": ("20", "par chèque")
        case "CB": ("48", "par carte bancaire")
        case "PRLV", "PRE": ("59", "par prélèvement SEPA")
        case "MANDAT": ("30", "par mandat administratif (virement)")
        default: (settings.paymentMeansCode, "par virement")
        }
    }
}
