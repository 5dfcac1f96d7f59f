/// An issued invoice or credit note: every fact printed on it, frozen when its number was assigned.
///
/// The document is the immutable record kept in `archive/invoices/`; every output (Factur-X CII,
/// Oxygène XML, sales register, annex) is derived from it alone, so it can be rebuilt after a
/// crash or a change of configuration without changing what was issued.
public struct InvoiceDocument: Sendable, Codable, Equatable {
    /// Version of this record's layout.
    public var formatVersion: Int = 1
    public var kind: Kind
    /// The legal number (BT-1), e.g. `F20250803` or `F2025-0042`.
    public var number: String
    /// Issue date (BT-2).
    public var issueDate: CivilDate
    /// Payment due date (BT-9).
    public var dueDate: CivilDate
    /// Service period (BG-14); both dates included.
    public var servicePeriod: DateRange?
    /// ISO 4217 currency of every amount (BT-5); only `EUR` is produced today.
    public var currency: String
    public var seller: Party
    public var buyer: Party
    /// Our code for the client (the pipeline's `[[clients]] code`).
    public var clientCode: String
    /// The client's code in Oxygène (`CLIENT_CODE`), when configured.
    public var oxygeneClientCode: String?
    public var payment: PaymentInfo
    public var vatTreatment: VATTreatment
    /// The seller opted to pay VAT on debits ("option pour le paiement de la taxe d'après les débits", BT-8 = 5).
    public var vatOnDebits: Bool
    /// The three notes French law requires (BT-22 with subject codes PMT, PMD, AAB).
    public var legalNotes: LegalNotes
    /// A short title for the whole document (Oxygène `DESIG`), e.g. "Forfait maintenance mensuel – Août 2025".
    public var title: String
    public var lines: [InvoiceLine]
    public var totals: InvoiceTotals
    /// For a credit note: the invoice it corrects (BT-25, BT-26).
    public var precedingInvoice: DocumentReference?
    /// For a credit note: why it was issued.
    public var reason: String?
    /// Where the document comes from (contract and period, time-based month, credit request).
    public var origin: Origin
    /// The `record_key`s of the time entries this invoice bills (or, for a credit note, makes billable again).
    public var recordKeys: [String]
    /// How it came to be issued: automatic approval or a person's decision.
    public var approval: ApprovalNote
    /// Where the services are delivered, when it differs from the buyer's address (BG-15, a 2026 reform mention).
    public var deliveryAddress: PostalAddress?

    public enum Kind: String, Sendable, Codable {
        case invoice
        case creditNote = "credit-note"

        /// UNTDID 1001 document type code (BT-3): 380 invoice, 381 credit note.
        public var typeCode: String { self == .invoice ? "380" : "381" }
    }

    public struct DateRange: Sendable, Codable, Equatable {
        public var start: CivilDate
        public var end: CivilDate
        public init(start: CivilDate, end: CivilDate) {
            self.start = start
            self.end = end
        }
    }

    /// A seller or buyer as printed on the document.
    public struct Party: Sendable, Codable, Equatable {
        public var name: String
        /// e.g. "SAS" (seller only).
        public var legalForm: String?
        /// Share capital as printed, e.g. "10 000 €" (seller only).
        public var shareCapital: String?
        /// Registry city, printed as "RCS <city>" (seller only).
        public var rcsCity: String?
        public var siren: String?
        public var siret: String?
        public var vatNumber: String?
        public var address: PostalAddress
        public var email: String?
        /// ISO 3166-1 alpha-2 country of the party (also in `address.country`).
        public var countryCode: String { address.country }

        public init(name: String, legalForm: String? = nil, shareCapital: String? = nil, rcsCity: String? = nil,
                    siren: String? = nil, siret: String? = nil, vatNumber: String? = nil,
                    address: PostalAddress, email: String? = nil) {
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

    public struct PostalAddress: Sendable, Codable, Equatable {
        /// Street lines, at most three (BT-35…37 / BT-50…52).
        public var lines: [String]
        public var postcode: String
        public var city: String
        /// ISO 3166-1 alpha-2 code, e.g. `FR`.
        public var country: String

        public init(lines: [String], postcode: String, city: String, country: String) {
            self.lines = lines
            self.postcode = postcode
            self.city = city
            self.country = country
        }
    }

    /// How and when the buyer pays.
    public struct PaymentInfo: Sendable, Codable, Equatable {
        /// Terms as printed (BT-20), e.g. "Paiement à 30 jours fin de mois par virement".
        public var termsText: String
        /// Days of the terms (Oxygène `NBRE_JOURS`).
        public var days: Int
        /// "End of month" terms (Oxygène `ARRETE` = `F`).
        public var endOfMonth: Bool
        /// UNTDID 4461 payment means (BT-81): `58` SEPA transfer, `30` transfer, `20` cheque…
        public var meansCode: String
        /// The Oxygène payment method code (`GCPREG_CODE`): `VIR`, `CHQ`, `MANDAT`…
        public var oxygeneMethodCode: String
        /// Seller's IBAN (BT-84) and BIC (BT-86) for transfers.
        public var iban: String?
        public var bic: String?
    }

    /// The mandatory payment notes (French Code de commerce L441-9 and L441-10).
    public struct LegalNotes: Sendable, Codable, Equatable {
        /// PMT: the 40 EUR lump-sum recovery indemnity.
        public var recoveryIndemnity: String
        /// PMD: the late-payment penalty rate.
        public var latePenalty: String
        /// AAB: discount for early payment, or that there is none.
        public var discount: String
    }

    public struct DocumentReference: Sendable, Codable, Equatable {
        public var number: String
        public var issueDate: CivilDate
    }

    /// The source of a document, which also makes it unique: one document per origin.
    /// The same document without the keys of the entries it bills: what is kept in memory once
    /// its record is written (the stages after invoicing never read them).
    package var withoutRecordKeys: InvoiceDocument {
        var copy = self
        copy.recordKeys = []
        return copy
    }

    public struct Origin: Sendable, Codable, Equatable {
        public var type: Kind

        /// What a document bills (its raw value is what the records hold).
        public enum Kind: String, Sendable, Codable, Equatable {
            /// A contract's fee for a period.
            case recurring
            /// The billable time of a closed month.
            case time
            /// A credit note requested from the inbox.
            case creditNote = "credit-note"
        }
        /// The draft id (stable for the origin): `rec-<contract>-<period>`, `time-<client>-<YYYY-MM>-<hash>`, `cn-<request hash>`.
        public var draftID: String
        /// The contract id for recurring fees.
        public var contract: String?
        /// `YYYY-MM`, `YYYY-Qn` or `YYYY` for recurring fees; `YYYY-MM` for time-based invoices.
        public var period: String?
    }

    public struct ApprovalNote: Sendable, Codable, Equatable {
        public var decision: Decision

        /// How a document came to be issued (its raw value is what the records hold).
        public enum Decision: String, Sendable, Codable, Equatable {
            /// By an approval rule (the rule is in `by`).
            case automatic
            /// By a person.
            case approved
        }
        /// The rule or the person (`facturation approve --by`).
        public var by: String
        /// When the decision was recorded (UTC, ISO 8601).
        public var at: String
        public var comment: String?
    }
}

/// One invoice line (BG-25).
public struct InvoiceLine: Sendable, Codable, Equatable {
    /// 1-based line number (BT-126).
    public var number: Int
    /// Our article code, also Oxygène's `ARTICLE_WEB_CODE` (e.g. `MAINT-FORF-M`, `PREST-ING-H`).
    public var articleCode: String
    /// Description (BT-153), e.g. "Forfait maintenance mensuel – Août 2025".
    public var description: String
    /// Invoiced quantity (BT-129).
    public var quantity: Quantity
    /// UN/ECE Rec. 20 unit (BT-130): `HUR` hour, `DAY` day, `C62` unit, `MON` month.
    public var unitCode: String
    /// Net unit price excl. VAT in minor units (BT-146).
    public var unitPriceMinor: Int64
    /// Line net amount excl. VAT in minor units (BT-131) = quantity × price, rounded half-up to the cent.
    public var netAmountMinor: Int64
    /// VAT category of the line (BT-151) and rate in basis points (BT-152, 2000 = 20 %).
    public var vatCategory: String
    public var vatRateBasisPoints: Int
    /// Service period of this line (BG-26), when it differs from the document's.
    public var period: InvoiceDocument.DateRange?
    /// Number of time entries billed on this line (0 for a flat fee).
    public var entryCount: Int
}
