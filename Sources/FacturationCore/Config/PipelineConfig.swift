import Foundation

/// One company's pipeline, as loaded and validated from `pipelines/<id>.toml`.
package struct PipelineConfig: Sendable {
    /// The pipeline's id: its file name without `.toml`.
    package var id: String
    /// The file it was loaded from (absolute path).
    package var file: String
    package var company: Company
    /// IANA time zone in which local times (Clockify CSV) are read and dates are decided.
    package var timeZone: TimeZone
    /// The company's accounting currency (used when an export does not name one).
    package var currency: Currency
    package var inbox: InboxSettings
    package var clockify: ClockifySettings
    package var clients: [Client]
    package var categoryRules: [CategoryRule]
    /// Invoice generation (`[invoicing]`, `[approval]`, `[[contracts]]`); nil when the file has no `[invoicing]`.
    package var invoicing: InvoicingSettings?
    /// Journals, accounts and FEC format (`[accounting]`, French defaults).
    package var accounting = AccountingSettings()
    /// E-mailing of issued documents (`[delivery]`); nil when the file has none.
    package var delivery: DeliverySettings?
    /// Reminders of unpaid invoices (`[dunning]`); nil when the file has none (no reminders).
    package var dunning: DunningSettings?
    /// The cash-flow forecast (`[forecast]`); nil when the file has none (defaults then apply).
    package var forecast: ForecastSettings?
    /// The daily digest and the health check (`[digest]`, defaults when absent).
    package var digest = DigestSettings()
    /// The HTML dashboard and its CSV reports (`[dashboard]`, on by default).
    package var dashboard = DashboardSettings()
    /// The producers (`[fetch]`: Clockify and Qonto APIs); nil when the file has none.
    package var fetch: FetchSettings?
    /// The mailbox `facturation fetch mail` reads the replies from (`[fetch.mail]`); nil when absent.
    package var fetchMail: MailFetchSettings?

    /// The seller.
    package struct Company: Sendable {
        package var name: String
        package var siren: String
        package var vatNumber: String?
        package var iban: String?
        /// Other bank accounts of the company (IBANs) whose exports may be dropped.
        package var otherIBANs: [String]
        /// All the IBANs of the company's own accounts (normalised: uppercase, no spaces).
        package var ownIBANs: [String] { [iban].compactMap { $0 } + otherIBANs }
        package var address: Address
        /// Legal mentions (Code de commerce R123-237) and contact, printed on invoices.
        package var legalForm: String?
        package var shareCapital: String?
        package var rcsCity: String?
        package var siret: String?
        package var bic: String?
        package var email: String?
        /// The company opted to pay VAT on debits (printed, and BT-8 = 5).
        package var vatOnDebits: Bool = false
        /// The company is under the VAT "franchise en base" (CGI art. 293 B): no VAT on any invoice.
        package var vatFranchise: Bool = false
        /// The logo printed on invoices: a PNG file (`company.logo`, relative to the pipeline file's folder).
        package var logo: String?
    }

    /// A postal address.
    package struct Address: Sendable {
        package var lines: [String]
        package var postcode: String
        package var city: String
        package var country: String
    }

    /// How the inbox is watched.
    package struct InboxSettings: Sendable {
        /// Seconds a file's size and mtime must stay unchanged before it is taken.
        package var settleSeconds: Double
    }

    /// How Clockify CSV exports are read.
    package struct ClockifySettings: Sendable {
        /// Day/month order of dates, when it cannot be told from the file.
        package var dateOrder: DateOrder?
    }

    /// Day/month order of numeric dates.
    package enum DateOrder: String, Sendable {
        case monthFirst = "MM/DD/YYYY"
        case dayFirst = "DD/MM/YYYY"
    }

    /// A client of the company, as known to Clockify and to the bank.
    package struct Client: Sendable {
        package var code: String
        package var name: String
        /// Other names under which the client appears in Clockify (client or project names).
        package var aliases: [String]
        /// How the client is invoiced; nil when the client has no billing keys (it cannot be invoiced).
        package var billing: ClientBilling?
        /// Bank accounts and names the client pays from (to recognise its transfers).
        package var payerIBANs: [String] = []
        package var payerNames: [String] = []
        /// `reminders = false`: the client is never reminded of an unpaid invoice (`[dunning]`).
        package var reminders: Bool = true
    }

    /// A time-entry category.
    package enum Category: String, Sendable, CaseIterable {
        /// Covered by a flat-fee contract: not billed by the hour.
        case forfait = "FORFAIT"
        /// Billable by the hour.
        case facturable = "FACTURABLE"
        /// Internal time: never billed.
        case interne = "INTERNE"

        /// The raw value as a static word, written in every time entry's `category` column
        /// (``CSVLineBuilder/plainField(_:)``: no String per row; issue #9).
        package var word: StaticString {
            switch self {
            case .forfait: "FORFAIT"
            case .facturable: "FACTURABLE"
            case .interne: "INTERNE"
            }
        }
    }

    /// A categorisation rule: when every given pattern matches, the entry gets `category`.
    package struct CategoryRule: Sendable {
        package var category: Category
        package var client: GlobPattern?
        package var project: GlobPattern?
        package var task: GlobPattern?
        package var tag: GlobPattern?
        package var description: GlobPattern?
        package var billable: Bool?
        /// Where the rule is written, for messages (`pipelines/x.toml:42`).
        package var location: String
    }

    /// All the IBANs of the company's own accounts (normalised: uppercase, no spaces).
    package var ownIBANs: [String] { company.ownIBANs }
}
