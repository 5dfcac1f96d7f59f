/// One reminder as archived in `archive/dunning/<pipeline>/reminders/<YYYY>/<id>.json`: written
/// once, when the run decides it, and never changed (a later approval or refusal of a formal
/// notice is a decision file of its own). Everything a reminder states is kept here — amounts,
/// days late and the rate used — so a change of the pipeline file never changes an archived one.
package struct Reminder: Sendable, Codable, Equatable {
    package var formatVersion: Int = 1
    /// `relance-<client>-<YYYY-MM-DD>-n<level>`: a file name, a message name and an approval id.
    package var id: String
    package var client: String
    /// 1-based; the last level of `[dunning] levels` is the formal notice.
    package var level: Int
    /// The number of days after the due date of that level.
    package var levelDays: Int
    package var kind: Kind
    /// The run's day.
    package var date: CivilDate
    package var invoices: [Line]
    /// The amount owed plus penalties and indemnities (nil parts count as zero).
    package var totalMinor: Int64
    /// The state when it was decided: sent, or waiting for approval (a formal notice).
    package var status: Status

    package enum Kind: String, Sendable, Codable, Equatable {
        case reminder
        case formalNotice = "formal-notice"
    }

    package enum Status: String, Sendable, Codable, Equatable {
        case sent
        case awaitingApproval = "awaiting-approval"
        case approved
        case refused
    }

    /// One invoice of a reminder.
    package struct Line: Sendable, Codable, Equatable {
        package var number: String
        package var issueDate: CivilDate
        package var dueDate: CivilDate
        package var totalMinor: Int64
        /// Received and credited so far.
        package var paidMinor: Int64
        package var owedMinor: Int64
        package var daysLate: Int
        /// The annual late-payment rate in thousandths of a percent; nil when it is not known
        /// (the invoice prints no rate and `[dunning] legal_interest_rate` is not given).
        package var rate: Int64?
        /// Where the rate comes from: the invoice's own note, or 3 × the legal rate.
        package var rateSource: RateSource?
        package var penaltyMinor: Int64?
        package var indemnityMinor: Int64
        /// Lower levels that were due but never sent for this invoice (a run that missed days).
        package var skippedLevels: [Int]
    }

    package enum RateSource: String, Sendable, Codable, Equatable {
        case invoice
        case legalRateTimesThree = "3x-legal-rate"
    }

    package var owedMinor: Int64 { invoices.reduce(0) { $0 &+ $1.owedMinor } }
    package var penaltiesMinor: Int64 { invoices.reduce(0) { $0 &+ ($1.penaltyMinor ?? 0) } }
    package var indemnitiesMinor: Int64 { invoices.reduce(0) { $0 &+ $1.indemnityMinor } }
    /// True when a penalty could not be computed for some invoice (no known rate).
    package var penaltyUnknown: Bool { invoices.contains { $0.penaltyMinor == nil } }

    package static func id(client: String, date: CivilDate, level: Int) -> String {
        "relance-\(client)-\(date)-n\(level)"
    }

    /// "Relance", "Deuxième relance", …, "Mise en demeure de payer".
    package var title: String { Self.title(level: level, kind: kind) }

    package static func title(level: Int, kind: Kind) -> String {
        if kind == .formalNotice { return "Mise en demeure de payer" }
        let ordinals = ["", "Deuxième", "Troisième", "Quatrième", "Cinquième"]
        if level <= 1 { return "Relance" }
        return level < ordinals.count ? "\(ordinals[level - 1]) relance" : "Relance n° \(level)"
    }
}

/// The decision of a person on a formal notice (`archive/dunning/<pipeline>/decisions/<id>.json`).
package struct ReminderDecision: Sendable, Codable, Equatable {
    package var id: String
    package var approved: Bool
    package var by: String
    package var at: String
    package var comment: String?
    /// `command` or `inbox:<hash>` (a request file processed again after a crash finds its own decision).
    package var source: String
}

/// A hold on reminders, from a request file (`[dunning_hold]`), or its lifting; kept in
/// `archive/dunning/<pipeline>/holds/`. The holds in force are the events replayed in order.
package struct ReminderHold: Sendable, Codable, Equatable {
    package var invoice: String?
    package var client: String?
    package var reason: String
    package var by: String
    package var lift: Bool
    package var at: String
    package var source: String
}
