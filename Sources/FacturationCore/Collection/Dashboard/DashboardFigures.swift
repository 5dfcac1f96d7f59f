/// Every number of the dashboard of one pipeline on one day: computed once, then rendered twice,
/// as the HTML page and as the CSV reports beside it, so the two always agree.
package struct DashboardFigures: Sendable {
    /// One month of revenue.
    package struct Month: Sendable, Equatable {
        /// The first day of the month.
        package var month: CivilDate
        /// Invoices minus credit notes issued that month, excluding and including VAT.
        package var issuedExclVATMinor: Int64 = 0
        package var issuedInclVATMinor: Int64 = 0
        /// Receipts applied to invoices, by the receipt's booking date.
        package var paidMinor: Int64 = 0
    }

    /// One client over the months shown.
    package struct Client: Sendable, Equatable {
        package var code: String
        package var name: String
        /// Invoices minus credit notes issued in the months shown, including VAT.
        package var issuedInclVATMinor: Int64 = 0
        /// Receipts applied to its invoices in the months shown.
        package var paidMinor: Int64 = 0
        /// What its invoices still owe today (whatever their date).
        package var openMinor: Int64 = 0
    }

    /// Days sales outstanding at the end of one month (see ``DashboardCalculator``).
    package struct DSO: Sendable, Equatable {
        package var month: CivilDate
        /// The month's last day, or today for the current month.
        package var asOf: CivilDate
        /// Open receivables (incl. VAT) on `asOf`.
        package var openMinor: Int64
        /// Invoices minus credit notes (incl. VAT) issued in the three months ending on `asOf`.
        package var revenueMinor: Int64
        /// open / revenue × 91, in tenths of a day; nil when there was no revenue.
        package var tenthsOfDays: Int64?
    }

    /// The aged balance: what is open today, by days past the due date.
    package enum AgeBucket: Int, Sendable, CaseIterable {
        case notDue, days1To30, days31To60, days61To90, over90

        /// The bucket of an invoice `daysLate` days past its due date (0 or less: not due).
        package init(daysLate: Int64) {
            switch daysLate {
            case ...0: self = .notDue
            case 1...30: self = .days1To30
            case 31...60: self = .days31To60
            case 61...90: self = .days61To90
            default: self = .over90
            }
        }
    }

    /// One client's line of the aged balance (``AgeBucket`` order).
    package struct AgedRow: Sendable, Equatable {
        package var code: String
        package var name: String
        package var bucketsMinor: [Int64] = Array(repeating: 0, count: AgeBucket.allCases.count)
        package var totalMinor: Int64 { bucketsMinor.reduce(0, +) }
    }

    /// One month of time entries, in seconds, by category.
    package struct TimeMonth: Sendable, Equatable {
        package var month: CivilDate
        /// `FACTURABLE`: billed by the hour.
        package var billableSeconds: Int64 = 0
        /// `FORFAIT`: covered by a flat-fee contract.
        package var flatFeeSeconds: Int64 = 0
        /// `INTERNE` (and anything else): never billed.
        package var internalSeconds: Int64 = 0
        package var totalSeconds: Int64 { billableSeconds + flatFeeSeconds + internalSeconds }
        /// billable / all hours, in tenths of a percent; nil when no time was recorded.
        package var billableRatioPermille: Int64? {
            totalSeconds > 0 ? (billableSeconds * 1000 + totalSeconds / 2) / totalSeconds : nil
        }
    }

    /// The queues waiting for a person.
    package enum QueueKind: String, Sendable, CaseIterable {
        case draftsToApprove = "drafts_to_approve"
        case receiptsToReview = "receipts_to_review"
        case rejectedFiles = "rejected_files"
        case sendFailures = "send_failures"
        case remindersToApprove = "reminders_to_approve"

        /// The French label of the page.
        package var label: String {
            switch self {
            case .draftsToApprove: "Brouillons à approuver"
            case .receiptsToReview: "Encaissements à examiner"
            case .rejectedFiles: "Fichiers rejetés"
            case .sendFailures: "Envois en échec"
            case .remindersToApprove: "Mises en demeure à approuver"
            }
        }

        /// Where a person finds them, relative to the pipeline's outbox.
        package var folder: String {
            switch self {
            case .draftsToApprove, .remindersToApprove: "to-approve/"
            case .receiptsToReview: "review/"
            case .rejectedFiles: "rejected/"
            case .sendFailures: "send-failed/"
            }
        }
    }

    /// One queue: how many wait and since when.
    package struct Queue: Sendable, Equatable {
        package var kind: QueueKind
        package var count: Int
        /// Days since the oldest one waits (0 = today); nil when the queue is empty.
        package var oldestDays: Int64?

        /// A queue of items that wait since `days` (its count and oldest age on `today`; a day
        /// after `today`, as a replay dated in the past sees, counts as today).
        package init(_ kind: QueueKind, since days: [CivilDate], today: CivilDate) {
            self.kind = kind
            count = days.count
            oldestDays = days.min().map { max(0, today.daysSinceEpoch - $0.daysSinceEpoch) }
        }
    }

    package var today: CivilDate
    package var months: [Month] = []
    /// Largest issued amount first, at most `top_clients`.
    package var clients: [Client] = []
    package var dso: [DSO] = []
    /// By client code, then the total.
    package var aged: [AgedRow] = []
    package var agedTotal = AgedRow(code: "", name: "TOTAL")
    /// The part of ``agedTotal`` owed on historical invoices of the Oxygène register (``OxygeneHistory``).
    package var agedFromRegisterMinor: Int64 = 0
    package var time: [TimeMonth] = []
    package var forecast: [DashboardInput.ForecastDay] = []
    package var forecastThresholdMinor: Int64?
    package var queues: [Queue] = []
}
