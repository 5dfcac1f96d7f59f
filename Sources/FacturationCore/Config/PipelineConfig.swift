import Foundation

/// One company's pipeline, as loaded and validated from `pipelines/<id>.toml`.
public struct PipelineConfig: Sendable {
    /// The pipeline's id: its file name without `.toml`.
    public var id: String
    /// The file it was loaded from (absolute path).
    public var file: String
    public var company: Company
    /// IANA time zone in which local times (Clockify CSV) are read and dates are decided.
    public var timeZone: TimeZone
    /// The company's accounting currency (used when an export does not name one).
    public var currency: Currency
    public var inbox: InboxSettings
    public var clockify: ClockifySettings
    public var clients: [Client]
    public var categoryRules: [CategoryRule]
    /// Invoice generation (`[invoicing]`, `[approval]`, `[[contracts]]`); nil when the file has no `[invoicing]`.
    public var invoicing: InvoicingSettings?
    /// Journals, accounts and FEC format (`[accounting]`, French defaults).
    public var accounting = AccountingSettings()

    /// The seller.
    public struct Company: Sendable {
        public var name: String
        public var siren: String
        public var vatNumber: String?
        public var iban: String?
        /// Other bank accounts of the company (IBANs) whose exports may be dropped.
        public var otherIBANs: [String]
        public var address: Address
        /// Legal mentions (Code de commerce R123-237) and contact, printed on invoices.
        public var legalForm: String?
        public var shareCapital: String?
        public var rcsCity: String?
        public var siret: String?
        public var bic: String?
        public var email: String?
        /// The company opted to pay VAT on debits (printed, and BT-8 = 5).
        public var vatOnDebits: Bool = false
        /// The company is under the VAT "franchise en base" (CGI art. 293 B): no VAT on any invoice.
        public var vatFranchise: Bool = false
    }

    /// A postal address.
    public struct Address: Sendable {
        public var lines: [String]
        public var postcode: String
        public var city: String
        public var country: String
    }

    /// How the inbox is watched.
    public struct InboxSettings: Sendable {
        /// Seconds a file's size and mtime must stay unchanged before it is taken.
        public var settleSeconds: Double
    }

    /// How Clockify CSV exports are read.
    public struct ClockifySettings: Sendable {
        /// Day/month order of dates, when it cannot be told from the file.
        public var dateOrder: DateOrder?
    }

    /// Day/month order of numeric dates.
    public enum DateOrder: String, Sendable {
        case monthFirst = "MM/DD/YYYY"
        case dayFirst = "DD/MM/YYYY"
    }

    /// A client of the company, as known to Clockify and to the bank.
    public struct Client: Sendable {
        public var code: String
        public var name: String
        /// Other names under which the client appears in Clockify (client or project names).
        public var aliases: [String]
        /// How the client is invoiced; nil when the client has no billing keys (it cannot be invoiced).
        public var billing: ClientBilling?
        /// Bank accounts and names the client pays from (to recognise its transfers).
        public var payerIBANs: [String] = []
        public var payerNames: [String] = []
    }

    /// A time-entry category.
    public enum Category: String, Sendable, CaseIterable {
        /// Covered by a flat-fee contract: not billed by the hour.
        case forfait = "FORFAIT"
        /// Billable by the hour.
        case facturable = "FACTURABLE"
        /// Internal time: never billed.
        case interne = "INTERNE"
    }

    /// A categorisation rule: when every given pattern matches, the entry gets `category`.
    public struct CategoryRule: Sendable {
        public var category: Category
        public var client: GlobPattern?
        public var project: GlobPattern?
        public var task: GlobPattern?
        public var tag: GlobPattern?
        public var description: GlobPattern?
        public var billable: Bool?
        /// Where the rule is written, for messages (`pipelines/x.toml:42`).
        public var location: String
    }

    /// All the IBANs of the company's own accounts (normalised: uppercase, no spaces).
    public var ownIBANs: [String] { ([company.iban].compactMap { $0 } + company.otherIBANs) }
}
