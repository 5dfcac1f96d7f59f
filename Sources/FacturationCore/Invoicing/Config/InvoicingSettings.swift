/// The `[invoicing]`, `[approval]` and `[[contracts]]` sections of a pipeline file.
package struct InvoicingSettings: Sendable {
    /// Nothing is invoiced for a period that ends before this date (the first month handled by facturation).
    package var start: CivilDate
    package var numbering: NumberingScheme
    /// Who owns the legal numbers (`numbering`): facturation (default) or Oxygène.
    package var numberingMode: NumberingMode = .facturation
    /// When a month's time is invoiced (month close).
    package var timeInvoiceDay: TimeInvoiceDay
    /// How time entries become invoice lines.
    package var groupTimeBy: TimeGrouping
    package var hoursRounding: HoursRounding
    /// Hours in a day, for clients billed by the day.
    package var hoursPerDay: Int
    /// Article codes (Oxygène `ARTICLE_WEB_CODE`) of time-based lines.
    package var hourlyArticle: String
    package var dailyArticle: String
    /// The legal notes printed on every invoice.
    package var latePenaltyText: String
    package var recoveryIndemnityText: String
    package var discountText: String
    /// UNTDID 4461 payment means for transfers (BT-81): 58 SEPA credit transfer.
    package var paymentMeansCode: String
    package var approval: ApprovalRules
    package var contracts: [Contract]
    /// The `[oxygene]` section: the Oxygène VAT codes.
    package var oxygene = OxygeneSettings()

    /// The day a month's time is invoiced: `time_invoice_day = 1…28` (that day of the following
    /// month, 1 by default) or `"last"` (the month's own last day).
    ///
    /// CGI art. 289-I-3 allows one invoice for a month's services, drawn up at the latest at the end
    /// of that month: `"last"` follows it to the letter, for a run on the last day (cron in the
    /// evening; time logged after that run is billed at the next close). The default, the 1st of the
    /// next month, is the old process's habit and bills the whole month's export at once.
    package enum TimeInvoiceDay: Sendable, Equatable {
        case nextMonth(day: Int)
        case lastDayOfMonth

        /// The close of `month` (its first day given).
        package func close(of month: CivilDate) -> CivilDate {
            switch self {
            case .nextMonth(let day):
                let next = RecurringSchedule.addMonths(month, 1)
                return CivilDate(year: next.year, month: next.month, day: day)!
            case .lastDayOfMonth:
                return CivilDate(
                    year: month.year, month: month.month,
                    day: CivilDate.daysInMonth(year: month.year, month: month.month))!
            }
        }
    }

    /// How time entries are grouped into lines.
    package enum TimeGrouping: String, Sendable, CaseIterable {
        case project
        case task
        /// One line per client and month.
        case client
    }

    /// How a line's total hours are rounded before pricing.
    package enum HoursRounding: String, Sendable, CaseIterable {
        /// Exact (to 1/10000 h).
        case none
        case nearestQuarter = "nearest-quarter"
        case upQuarter = "up-quarter"
        case nearestHalf = "nearest-half"
        case upHalf = "up-half"
        case nearestTenth = "nearest-tenth"

        /// Rounds `seconds` to hours according to the rule.
        package func hours(seconds: Int64) throws(ArithmeticOverflow) -> Quantity {
            // Hours in ten-thousandths, half-up.
            let exact =
                try Checked.add(Checked.multiply(seconds, 10_000, "hours worked"), 1_800, "hours worked") / 3_600
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
    package struct ApprovalRules: Sendable {
        /// A recurring invoice equal to its contract is issued without approval.
        package var autoApproveContracts: Bool = true
        /// Total incl. VAT above which a person must approve (minor units); nil = no limit.
        package var approvalAboveMinor: Int64? = 200_000
        /// The first invoice of a client needs approval.
        package var approveNewClients: Bool = true
        /// Total incl. VAT below which the draft is refused as incoherent (minor units).
        package var refuseBelowMinor: Int64? = 1_000
        /// A total more than this percentage away from the client's previous comparable invoice needs approval.
        package var deviationPercent: Int? = 50
    }
}

/// A recurring flat fee (`[[contracts]]`).
package struct Contract: Sendable {
    /// Unique id, used in draft ids and records (default: `<client>-<frequency>`).
    package var id: String
    package var clientCode: String
    package var amountMinor: Int64
    package var frequency: Frequency
    /// Day of the billing month on which the fee is invoiced (1–28).
    package var day: Int
    /// Months (1–12) in which a period starts; monthly: every month.
    package var months: [Int]
    /// Label, followed on the invoice by the period ("Forfait maintenance mensuel – Août 2025").
    package var label: String
    package var article: String
    /// First and last days of the contract (periods starting outside are not billed).
    package var start: CivilDate?
    package var end: CivilDate?
    /// Where it is written (`pipelines/x.toml:42`).
    package var location: String

    package enum Frequency: String, Sendable, CaseIterable {
        case monthly, quarterly, yearly

        /// Length of a period in months.
        package var months: Int {
            switch self {
            case .monthly: 1
            case .quarterly: 3
            case .yearly: 12
            }
        }
    }
}

/// How a client is invoiced (the billing keys of `[[clients]]`).
package struct ClientBilling: Sendable {
    package var legalName: String
    package var siren: String?
    package var vatNumber: String?
    package var address: PipelineConfig.Address?
    /// Where the services are delivered, when different from `address`.
    package var deliveryAddress: PipelineConfig.Address?
    package var emails: [String]
    package var paymentTerms: PaymentTerms
    /// Rates in minor units; a client billed by the day has `dailyRateMinor`.
    package var hourlyRateMinor: Int64?
    package var dailyRateMinor: Int64?
    package var vat: VATTreatment
    /// VAT rate in basis points for standard VAT (2000 = 20 %).
    package var vatRateBasisPoints: Int
    package var oxygeneCode: String?
    /// Oxygène payment method (`VIR`, `CHQ`, `MANDAT`…) and the matching UNTDID 4461 code.
    package var paymentMethod: String
}

/// Payment terms: N days from the invoice date, or N days then end of month.
package struct PaymentTerms: Sendable, Equatable, CustomStringConvertible {
    package var days: Int
    package var endOfMonth: Bool

    /// Parses "30 days", "45 days end of month", "30 jours", "45 jours fin de mois".
    package init?(text: String) {
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

    package init(days: Int, endOfMonth: Bool) {
        self.days = days
        self.endOfMonth = endOfMonth
    }

    /// The due date of an invoice issued on `date`: date + N days, then the month's last day when end of month.
    package func dueDate(issuedOn date: CivilDate) -> CivilDate {
        let due = date.adding(days: days)
        guard endOfMonth else { return due }
        return CivilDate(
            year: due.year, month: due.month, day: CivilDate.daysInMonth(year: due.year, month: due.month))!
    }

    /// As printed on the invoice: "30 jours", "45 jours fin de mois".
    package var description: String { "\(days) jours" + (endOfMonth ? " fin de mois" : "") }
}
