/// An issued invoice or credit note: every fact printed on it, frozen when its number was assigned.
///
/// The document is the immutable record kept in `archive/invoices/`; every output (Factur-X CII,
/// Oxygène XML, sales register, annex) is derived from it alone, so it can be rebuilt after a
/// crash or a change of configuration without changing what was issued.
///
/// Copies are cheap (performance code, fenced): the fields live in one immutable box shared by
/// every copy, so copying a document retains one reference instead of the forty-odd strings and
/// arrays it holds (two parties, notes, lines...). `perf` of a full pass at 10 years of history
/// put 13 % of the CPU in copying documents and about 10 % in releasing the copies (the sales
/// register, the dashboard, the receivables, the passes all take documents by value). Reading a
/// field goes through the box (`_read`, no copy); changing one (rare: documents are frozen when
/// issued) copies the fields into a new box, so a copy never sees another's change. The bytes are
/// those of ``Fields``, whose synthesized `Codable` is the record format: encoding and decoding
/// forward to it unchanged. `InvoiceDocumentBoxTests` checks the value semantics and the bytes.
package struct InvoiceDocument: Sendable, Codable, Equatable {
    private var box: Box

    /// The shared, never-changed fields of one or more copies of a document.
    private final class Box: Sendable {
        let fields: Fields
        init(_ fields: Fields) { self.fields = fields }
    }

    /// The stored fields of a document, as its record holds them (the synthesized `Codable` of
    /// these keys is the record format): one value shared by every copy (see ``InvoiceDocument``).
    package struct Fields: Sendable, Codable, Equatable {
        /// Version of this record's layout.
        package var formatVersion: Int = 1
        package var kind: Kind
        /// The legal number (BT-1), e.g. `F20250803` or `F2025-0042`.
        package var number: String
        /// Issue date (BT-2).
        package var issueDate: CivilDate
        /// Payment due date (BT-9).
        package var dueDate: CivilDate
        /// Service period (BG-14); both dates included.
        package var servicePeriod: DateRange?
        /// ISO 4217 currency of every amount (BT-5); only `EUR` is produced today.
        package var currency: String
        package var seller: Party
        package var buyer: Party
        /// Our code for the client (the pipeline's `[[clients]] code`).
        package var clientCode: String
        /// The client's code in Oxygène (`CLIENT_CODE`), when configured.
        package var oxygeneClientCode: String?
        package var payment: PaymentInfo
        package var vatTreatment: VATTreatment
        /// The seller opted to pay VAT on debits ("option pour le paiement de la taxe d'après les débits", BT-8 = 5).
        package var vatOnDebits: Bool
        /// The three notes French law requires (BT-22 with subject codes PMT, PMD, AAB).
        package var legalNotes: LegalNotes
        /// A short title for the whole document (Oxygène `DESIG`), e.g. "Forfait maintenance mensuel – Août 2025".
        package var title: String
        package var lines: [InvoiceLine]
        package var totals: InvoiceTotals
        /// For a credit note: the invoice it corrects (BT-25, BT-26).
        package var precedingInvoice: DocumentReference?
        /// For a credit note: why it was issued.
        package var reason: String?
        /// Where the document comes from (contract and period, time-based month, credit request).
        package var origin: Origin
        /// The `record_key`s of the time entries this invoice bills (or, for a credit note, makes billable again).
        package var recordKeys: [String]
        /// How it came to be issued: automatic approval or a person's decision.
        package var approval: ApprovalNote
        /// Where the services are delivered, when it differs from the buyer's address (BG-15, a 2026 reform mention).
        package var deliveryAddress: PostalAddress?
        /// Only in `numbering = "oxygene"` mode (absent from every record of the other mode):
        /// `provisional` in the record, whose `number` is then the provisional reference (`P202507-001`);
        /// `confirmed` in memory once a register import gave the legal number (``ConfirmedNumbers``).
        package var numbering: NumberState? = nil
    }

    package init(
        formatVersion: Int = 1, kind: Kind, number: String, issueDate: CivilDate, dueDate: CivilDate,
        servicePeriod: DateRange? = nil, currency: String, seller: Party, buyer: Party, clientCode: String,
        oxygeneClientCode: String? = nil, payment: PaymentInfo, vatTreatment: VATTreatment, vatOnDebits: Bool,
        legalNotes: LegalNotes, title: String, lines: [InvoiceLine], totals: InvoiceTotals,
        precedingInvoice: DocumentReference? = nil, reason: String? = nil, origin: Origin, recordKeys: [String],
        approval: ApprovalNote, deliveryAddress: PostalAddress? = nil, numbering: NumberState? = nil
    ) {
        box = Box(
            Fields(
                formatVersion: formatVersion, kind: kind, number: number, issueDate: issueDate, dueDate: dueDate,
                servicePeriod: servicePeriod, currency: currency, seller: seller, buyer: buyer, clientCode: clientCode,
                oxygeneClientCode: oxygeneClientCode, payment: payment, vatTreatment: vatTreatment,
                vatOnDebits: vatOnDebits, legalNotes: legalNotes, title: title, lines: lines, totals: totals,
                precedingInvoice: precedingInvoice, reason: reason, origin: origin, recordKeys: recordKeys,
                approval: approval, deliveryAddress: deliveryAddress, numbering: numbering))
    }

    /// The fields, for a change: a copy of them in a new box, so that no other copy of the document
    /// sees it (every field's `_modify` goes through here; reads go to the box directly).
    private var fields: Fields {
        _read { yield box.fields }
        _modify {
            var fields = box.fields
            defer { box = Box(fields) }
            yield &fields
        }
    }

    /// Version of this record's layout.
    package var formatVersion: Int {
        _read { yield box.fields.formatVersion }
        _modify { yield &fields.formatVersion }
    }
    package var kind: Kind {
        _read { yield box.fields.kind }
        _modify { yield &fields.kind }
    }
    /// The legal number (BT-1), e.g. `F20250803` or `F2025-0042`.
    package var number: String {
        _read { yield box.fields.number }
        _modify { yield &fields.number }
    }
    /// Issue date (BT-2).
    package var issueDate: CivilDate {
        _read { yield box.fields.issueDate }
        _modify { yield &fields.issueDate }
    }
    /// Payment due date (BT-9).
    package var dueDate: CivilDate {
        _read { yield box.fields.dueDate }
        _modify { yield &fields.dueDate }
    }
    /// Service period (BG-14); both dates included.
    package var servicePeriod: DateRange? {
        _read { yield box.fields.servicePeriod }
        _modify { yield &fields.servicePeriod }
    }
    /// ISO 4217 currency of every amount (BT-5); only `EUR` is produced today.
    package var currency: String {
        _read { yield box.fields.currency }
        _modify { yield &fields.currency }
    }
    package var seller: Party {
        _read { yield box.fields.seller }
        _modify { yield &fields.seller }
    }
    package var buyer: Party {
        _read { yield box.fields.buyer }
        _modify { yield &fields.buyer }
    }
    /// Our code for the client (the pipeline's `[[clients]] code`).
    package var clientCode: String {
        _read { yield box.fields.clientCode }
        _modify { yield &fields.clientCode }
    }
    /// The client's code in Oxygène (`CLIENT_CODE`), when configured.
    package var oxygeneClientCode: String? {
        _read { yield box.fields.oxygeneClientCode }
        _modify { yield &fields.oxygeneClientCode }
    }
    package var payment: PaymentInfo {
        _read { yield box.fields.payment }
        _modify { yield &fields.payment }
    }
    package var vatTreatment: VATTreatment {
        _read { yield box.fields.vatTreatment }
        _modify { yield &fields.vatTreatment }
    }
    /// The seller opted to pay VAT on debits ("option pour le paiement de la taxe d'après les débits", BT-8 = 5).
    package var vatOnDebits: Bool {
        _read { yield box.fields.vatOnDebits }
        _modify { yield &fields.vatOnDebits }
    }
    /// The three notes French law requires (BT-22 with subject codes PMT, PMD, AAB).
    package var legalNotes: LegalNotes {
        _read { yield box.fields.legalNotes }
        _modify { yield &fields.legalNotes }
    }
    /// A short title for the whole document (Oxygène `DESIG`), e.g. "Forfait maintenance mensuel – Août 2025".
    package var title: String {
        _read { yield box.fields.title }
        _modify { yield &fields.title }
    }
    package var lines: [InvoiceLine] {
        _read { yield box.fields.lines }
        _modify { yield &fields.lines }
    }
    package var totals: InvoiceTotals {
        _read { yield box.fields.totals }
        _modify { yield &fields.totals }
    }
    /// For a credit note: the invoice it corrects (BT-25, BT-26).
    package var precedingInvoice: DocumentReference? {
        _read { yield box.fields.precedingInvoice }
        _modify { yield &fields.precedingInvoice }
    }
    /// For a credit note: why it was issued.
    package var reason: String? {
        _read { yield box.fields.reason }
        _modify { yield &fields.reason }
    }
    /// Where the document comes from (contract and period, time-based month, credit request).
    package var origin: Origin {
        _read { yield box.fields.origin }
        _modify { yield &fields.origin }
    }
    /// The `record_key`s of the time entries this invoice bills (or, for a credit note, makes billable again).
    package var recordKeys: [String] {
        _read { yield box.fields.recordKeys }
        _modify { yield &fields.recordKeys }
    }
    /// How it came to be issued: automatic approval or a person's decision.
    package var approval: ApprovalNote {
        _read { yield box.fields.approval }
        _modify { yield &fields.approval }
    }
    /// Where the services are delivered, when it differs from the buyer's address (BG-15, a 2026 reform mention).
    package var deliveryAddress: PostalAddress? {
        _read { yield box.fields.deliveryAddress }
        _modify { yield &fields.deliveryAddress }
    }
    /// Only in `numbering = "oxygene"` mode (absent from every record of the other mode):
    /// `provisional` in the record, whose `number` is then the provisional reference (`P202507-001`);
    /// `confirmed` in memory once a register import gave the legal number (``ConfirmedNumbers``).
    package var numbering: NumberState? {
        _read { yield box.fields.numbering }
        _modify { yield &fields.numbering }
    }

    package init(from decoder: any Decoder) throws {
        box = Box(try Fields(from: decoder))
    }

    package func encode(to encoder: any Encoder) throws {
        try box.fields.encode(to: encoder)
    }

    package static func == (lhs: InvoiceDocument, rhs: InvoiceDocument) -> Bool {
        lhs.box === rhs.box || lhs.box.fields == rhs.box.fields
    }

    /// Where a document of the `oxygene` numbering mode stands.
    package enum NumberState: String, Sendable, Codable {
        /// Issued under a provisional reference, awaiting its legal number: no Factur-X, PDF,
        /// e-mail, FEC entry, payment match or reminder.
        case provisional
        /// Numbered by Oxygène (the register import confirmed it): a document like any other.
        case confirmed
    }

    /// Issued under a provisional reference: awaiting its number, unless a confirmation maps the
    /// record to its legal number (never true of a document of ``RunSnapshot/issued``).
    package var isAwaitingNumber: Bool { numbering == .provisional }

    package enum Kind: String, Sendable, Codable {
        case invoice
        case creditNote = "credit-note"

        /// UNTDID 1001 document type code (BT-3): 380 invoice, 381 credit note.
        package var typeCode: String { self == .invoice ? "380" : "381" }
    }

    package struct DateRange: Sendable, Codable, Equatable {
        package var start: CivilDate
        package var end: CivilDate
        package init(start: CivilDate, end: CivilDate) {
            self.start = start
            self.end = end
        }
    }

    /// A seller or buyer as printed on the document.
    package struct Party: Sendable, Codable, Equatable {
        package var name: String
        /// e.g. "SAS" (seller only).
        package var legalForm: String?
        /// Share capital as printed, e.g. "10 000 €" (seller only).
        package var shareCapital: String?
        /// Registry city, printed as "RCS <city>" (seller only).
        package var rcsCity: String?
        package var siren: String?
        package var siret: String?
        package var vatNumber: String?
        package var address: PostalAddress
        package var email: String?
        /// ISO 3166-1 alpha-2 country of the party (also in `address.country`).
        package var countryCode: String { address.country }

        package init(
            name: String, legalForm: String? = nil, shareCapital: String? = nil, rcsCity: String? = nil,
            siren: String? = nil, siret: String? = nil, vatNumber: String? = nil,
            address: PostalAddress, email: String? = nil
        ) {
            self.name = name
            self.legalForm = legalForm
            self.shareCapital = shareCapital
            self.rcsCity = rcsCity
            self.siren = siren
            self.siret = siret
            self.vatNumber = vatNumber
            self.address = address
            self.email = email
        }
    }

    package struct PostalAddress: Sendable, Codable, Equatable {
        /// Street lines, at most three (BT-35…37 / BT-50…52).
        package var lines: [String]
        package var postcode: String
        package var city: String
        /// ISO 3166-1 alpha-2 code, e.g. `FR`.
        package var country: String

        package init(lines: [String], postcode: String, city: String, country: String) {
            self.lines = lines
            self.postcode = postcode
            self.city = city
            self.country = country
        }
    }

    /// How and when the buyer pays.
    package struct PaymentInfo: Sendable, Codable, Equatable {
        /// Terms as printed (BT-20), e.g. "Paiement à 30 jours fin de mois par virement".
        package var termsText: String
        /// Days of the terms (Oxygène `NBRE_JOURS`).
        package var days: Int
        /// "End of month" terms (Oxygène `ARRETE` = `F`).
        package var endOfMonth: Bool
        /// UNTDID 4461 payment means (BT-81): `58` SEPA transfer, `30` transfer, `20` cheque…
        package var meansCode: String
        /// The Oxygène payment method code (`GCPREG_CODE`): `VIR`, `CHQ`, `MANDAT`…
        package var oxygeneMethodCode: String
        /// Seller's IBAN (BT-84) and BIC (BT-86) for transfers.
        package var iban: String?
        package var bic: String?
    }

    /// The mandatory payment notes (French Code de commerce L441-9 and L441-10).
    package struct LegalNotes: Sendable, Codable, Equatable {
        /// PMT: the 40 EUR lump-sum recovery indemnity.
        package var recoveryIndemnity: String
        /// PMD: the late-payment penalty rate.
        package var latePenalty: String
        /// AAB: discount for early payment, or that there is none.
        package var discount: String
    }

    package struct DocumentReference: Sendable, Codable, Equatable {
        package var number: String
        package var issueDate: CivilDate
    }

    /// The source of a document, which also makes it unique: one document per origin.
    /// The same document without the keys of the entries it bills: what is kept in memory once
    /// its record is written (the stages after invoicing never read them).
    package var withoutRecordKeys: InvoiceDocument {
        var copy = self
        copy.recordKeys = []
        return copy
    }

    package struct Origin: Sendable, Codable, Equatable {
        package var type: Kind

        /// What a document bills (its raw value is what the records hold).
        package enum Kind: String, Sendable, Codable, Equatable {
            /// A contract's fee for a period.
            case recurring
            /// The billable time of a closed month.
            case time
            /// A credit note requested from the inbox.
            case creditNote = "credit-note"
            /// A one-off invoice requested from the inbox (`[one_off]`).
            case oneOff = "one-off"
            /// An invoice of the Oxygène register loaded as a historical receivable (``OxygeneHistory``):
            /// never stored, issued, sent, posted or exported by facturation.
            case register = "oxygene-register"
        }
        /// The draft id (stable for the origin): `rec-<contract>-<period>`, `time-<client>-<YYYY-MM>-<hash>`, `cn-<request hash>`, `one-<client>-<hash>`.
        package var draftID: String
        /// The contract id for recurring fees.
        package var contract: String?
        /// `YYYY-MM`, `YYYY-Qn` or `YYYY` for recurring fees; `YYYY-MM` for time-based invoices.
        package var period: String?
    }

    package struct ApprovalNote: Sendable, Codable, Equatable {
        package var decision: Decision

        /// How a document came to be issued (its raw value is what the records hold).
        package enum Decision: String, Sendable, Codable, Equatable {
            /// By an approval rule (the rule is in `by`).
            case automatic
            /// By a person.
            case approved
        }
        /// The rule or the person (`facturation approve --by`).
        package var by: String
        /// When the decision was recorded (UTC, ISO 8601).
        package var at: String
        package var comment: String?
    }
}

/// One invoice line (BG-25).
package struct InvoiceLine: Sendable, Codable, Equatable {
    /// 1-based line number (BT-126).
    package var number: Int
    /// Our article code, also Oxygène's `ARTICLE_WEB_CODE` (e.g. `MAINT-FORF-M`, `PREST-ING-H`).
    package var articleCode: String
    /// Description (BT-153), e.g. "Forfait maintenance mensuel – Août 2025".
    package var description: String
    /// Invoiced quantity (BT-129).
    package var quantity: Quantity
    /// UN/ECE Rec. 20 unit (BT-130): `HUR` hour, `DAY` day, `C62` unit, `MON` month.
    package var unitCode: String
    /// Net unit price excl. VAT in minor units (BT-146).
    package var unitPriceMinor: Int64
    /// Line net amount excl. VAT in minor units (BT-131) = quantity × price, rounded half-up to the cent.
    package var netAmountMinor: Int64
    /// VAT category of the line (BT-151) and rate in basis points (BT-152, 2000 = 20 %).
    package var vatCategory: String
    package var vatRateBasisPoints: Int
    /// Service period of this line (BG-26), when it differs from the document's.
    package var period: InvoiceDocument.DateRange?
    /// Number of time entries billed on this line (0 for a flat fee).
    package var entryCount: Int
}
