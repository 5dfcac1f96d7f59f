/// The `[invoicing]`, `[approval]` and `[[contracts]]` sections of a pipeline file.
public struct InvoicingSettings: Sendable {
    /// Nothing is invoiced for a period that ends before this date (the first month handled by facturation).
    public var start: CivilDate
    public var numbering: NumberingScheme
    /// Day of the following month on which a month's time is invoiced (month close); 1 = the 1st.
    public var timeInvoiceDay: Int
    /// How time entries become invoice lines.
    public var groupTimeBy: TimeGrouping
    public var hoursRounding: HoursRounding
    /// Hours in a day, for clients billed by the day.
    public var hoursPerDay: Int
    /// Article codes (Oxygène `ARTICLE_WEB_CODE`) of time-based lines.
    public var hourlyArticle: String
    public var dailyArticle: String
    /// The legal notes printed on every invoice.
    public var latePenaltyText: String
    public var recoveryIndemnityText: String
    public var discountText: String
    /// UNTDID 4461 payment means for transfers (BT-81): 58 SEPA credit transfer.
    public var paymentMeansCode: String
    public var approval: ApprovalRules
    public var contracts: [Contract]

    /// How time entries are grouped into lines.
    public enum TimeGrouping: String, Sendable, CaseIterable {
        case project
        case task
        /// One line per client and month.
        case client
    }

    /// How a line's total hours are rounded before pricing.
    public enum HoursRounding: String, Sendable, CaseIterable {
        /// Exact (to 1/10000 h).
        case none
        case nearestQuarter = "nearest-quarter"
        case upQuarter = "up-quarter"
        case nearestHalf = "nearest-half"
        case upHalf = "up-half"
        case nearestTenth = "nearest-tenth"

        /// Rounds `seconds` to hours according to the rule.
        public func hours(seconds: Int64) throws(ArithmeticOverflow) -> Quantity {
            // Hours in ten-thousandths, half-up.
            let exact = try Checked.add(Checked.multiply(seconds, 10_000, "hours worked"), 1_800, "hours worked") / 3_600
            func round(step: Int64, up: Bool) -> Quantity {
                let value = up ? (exact + step - 1) / step * step : (exact + step / 2) / step * step
                return Quantity(tenThousandths: value)
            }
            switch self {
            case .none: return Quantity(tenThousandths: exact)
            case .nearestQuarter: return round(step: 2_500, up: false)
            case .upQuarter: return round(step: 2_500, up: true)
            case .nearestHalf: return round(step: 5_000, up: false)
            case .upHalf: return round(step: 5_000, up: true)
            case .nearestTenth: return round(step: 1_000, up: false)
            }
        }
    }

    /// The approval rules (see README "Approval"); evaluated in the documented order.
    public struct ApprovalRules: Sendable {
        /// A recurring invoice equal to its contract is issued without approval.
        public var autoApproveContracts: Bool = true
        /// Total incl. VAT above which a person must approve (minor units); nil = no limit.
        public var approvalAboveMinor: Int64? = 200_000
        /// The first invoice of a client needs approval.
        public var approveNewClients: Bool = true
        /// Total incl. VAT below which the draft is refused as incoherent (minor units).
        public var refuseBelowMinor: Int64? = 1_000
        /// A total more than this percentage away from the client's previous comparable invoice needs approval.
        public var deviationPercent: Int? = 50
    }
}

/// A recurring flat fee (`[[contracts]]`).
public struct Contract: Sendable {
    /// Unique id, used in draft ids and records (default: `<client>-<frequency>`).
    public var id: String
    public var clientCode: String
    public var amountMinor: Int64
    public var frequency: Frequency
    /// Day of the billing month on which the fee is invoiced (1–28).
    public var day: Int
    /// Months (1–12) in which a period starts; monthly: every month.
    public var months: [Int]
    /// Label, followed on the invoice by the period ("Forfait maintenance mensuel – Août 2025").
    public var label: String
    public var article: String
    /// First and last days of the contract (periods starting outside are not billed).
    public var start: CivilDate?
    public var end: CivilDate?
    /// Where it is written (`pipelines/x.toml:42`).
    public var location: String

    public enum Frequency: String, Sendable, CaseIterable {
        case monthly, quarterly, yearly

        /// Length of a period in months.
        public var months: Int {
            switch self {
            case .monthly: 1
            case .quarterly: 3
            case .yearly: 12
            }
        }
    }
}

/// How a client is invoiced (the billing keys of `[[clients]]`).
public struct ClientBilling: Sendable {
    public var legalName: String
    public var siren: String?
    public var vatNumber: String?
    public var address: PipelineConfig.Address?
    /// Where the services are delivered, when different from `address`.
    public var deliveryAddress: PipelineConfig.Address?
    public var emails: [String]
    public var paymentTerms: PaymentTerms
    /// Rates in minor units; a client billed by the day has `dailyRateMinor`.
    public var hourlyRateMinor: Int64?
    public var dailyRateMinor: Int64?
    public var vat: VATTreatment
    /// VAT rate in basis points for standard VAT (2000 = 20 %).
    public var vatRateBasisPoints: Int
    public var oxygeneCode: String?
    /// Oxygène payment method (`VIR`, `CHQ`, `MANDAT`…) and the matching UNTDID 4461 code.
    public var paymentMethod: String
}

/// Payment terms: N days from the invoice date, or N days then end of month.
public struct PaymentTerms: Sendable, Equatable, CustomStringConvertible {
    public var days: Int
    public var endOfMonth: Bool

    /// Parses "30 days", "45 days end of month", "30 jours", "45 jours fin de mois".
    public init?(text: String) {
        let words = text.lowercased().split(whereSeparator: { $0 == " " || $0 == "\u{00A0}" })
        guard let first = words.first, let days = Int(first), (0...120).contains(days) else { return nil }
        let rest = words.dropFirst().joined(separator: " ")
        switch rest {
        case "", "days", "day", "jours", "jour", "j": endOfMonth = false
        case "days end of month", "jours fin de mois", "j fin de mois", "days eom": endOfMonth = true
        default: return nil
        }
        self.days = days
    }

    public init(days: Int, endOfMonth: Bool) {
        self.days = days
        self.endOfMonth = endOfMonth
    }

    /// The due date of an invoice issued on `date`: date + N days, then the month's last day when end of month.
    public func dueDate(issuedOn date: CivilDate) -> CivilDate {
        let due = date.adding(days: days)
        guard endOfMonth else { return due }
        return CivilDate(year: due.year, month: due.month, day: CivilDate.daysInMonth(year: due.year, month: due.month))!
    }

    /// As printed on the invoice: "30 jours", "45 jours fin de mois".
    public var description: String { "\(days) jours" + (endOfMonth ? " fin de mois" : "") }
}
