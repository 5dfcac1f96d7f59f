import Foundation

/// What a person should know about one pipeline on one day: computed once, from the run's
/// snapshot of the archive, the outbox queues and the other stages' inputs, then rendered as the
/// daily digest (``DigestText``) and judged by the health check (``HealthProblem``).
package struct DigestFacts: Sendable, Codable {
    /// Documents issued since the last digest.
    package struct Issued: Sendable, Codable, Equatable {
        package var invoices = 0
        package var invoicesTotalMinor: Int64 = 0
        package var creditNotes = 0
        package var creditNotesTotalMinor: Int64 = 0

        package init(
            invoices: Int = 0, invoicesTotalMinor: Int64 = 0, creditNotes: Int = 0, creditNotesTotalMinor: Int64 = 0
        ) {
            self.invoices = invoices
            self.invoicesTotalMinor = invoicesTotalMinor
            self.creditNotes = creditNotes
            self.creditNotesTotalMinor = creditNotesTotalMinor
        }
    }

    /// A draft waiting for a decision in `outbox/to-approve/`, since the day it became due.
    package struct Draft: Sendable, Codable, Equatable {
        package var id: String
        package var client: String
        package var waitingSince: CivilDate
        package var days: Int

        package init(id: String, client: String, waitingSince: CivilDate, days: Int) {
            self.id = id
            self.client = client
            self.waitingSince = waitingSince
            self.days = days
        }
    }

    /// An invoice overdue by more than ``DigestFacts/criticalDays`` days.
    package struct Unpaid: Sendable, Codable, Equatable {
        package var number: String
        package var client: String
        package var owedMinor: Int64
        package var daysLate: Int
        /// True for a historical invoice of the Oxygène register (``OxygeneHistory``); absent otherwise.
        package var fromRegister: Bool?

        package init(number: String, client: String, owedMinor: Int64, daysLate: Int) {
            self.number = number
            self.client = client
            self.owedMinor = owedMinor
            self.daysLate = daysLate
        }
    }

    /// The last reconciliation report in the outbox.
    package struct ReconciliationResult: Sendable, Codable, Equatable {
        package var report: String
        package var differences: Int

        package init(report: String, differences: Int) {
            self.report = report
            self.differences = differences
        }
    }

    /// The projected balance goes below the forecast's threshold on `day`.
    package struct CashAlert: Sendable, Codable, Equatable {
        package var day: CivilDate
        package var balanceMinor: Int64

        package init(day: CivilDate, balanceMinor: Int64) {
            self.day = day
            self.balanceMinor = balanceMinor
        }
    }

    /// The last run of the workspace, when it failed (exit status 1): health only.
    package struct FailedRun: Sendable, Codable, Equatable {
        package var startedAt: String
        package var errors: [String]

        package init(startedAt: String, errors: [String]) {
            self.startedAt = startedAt
            self.errors = errors
        }
    }

    /// Overdue by more than this many days: a critical unpaid invoice.
    package static let criticalDays = 60

    package var pipeline: String
    package var company: String
    package var day: CivilDate
    /// The day of the last digest; nil for the first (everything counts).
    package var since: CivilDate?
    package var issued = Issued()
    package var drafts: [Draft] = []
    /// Receipts waiting for a person's decision (forms in `outbox/review/`).
    package var receiptsToReview = 0
    /// Files rejected since the last digest, as they were named in the inbox.
    package var rejected: [String] = []
    package var remindersSent: Int?
    package var remindersAwaitingApproval: Int?
    /// Replies classified by this run's reply stage (nil: none; the line is left out).
    package var replies: [ReplyReport.Line]?
    /// Most overdue first.
    package var criticalUnpaid: [Unpaid] = []
    package var reconciliation: ReconciliationResult?
    /// Messages in `outbox/send-failed/`.
    package var sendFailures: [String] = []
    package var cashAlert: CashAlert?
    /// The newest booking date in the bank ledgers (not after `day`).
    package var newestBankOperation: CivilDate?
    /// The newest start date in the time-entry ledgers (not after `day`).
    package var newestTimeEntry: CivilDate?
    package var failedRun: FailedRun?

    package init(pipeline: String, company: String, day: CivilDate) {
        self.pipeline = pipeline
        self.company = company
        self.day = day
    }

    /// Days from `date` to the digest's day.
    package func age(of date: CivilDate) -> Int { Int(day.daysSinceEpoch - date.daysSinceEpoch) }
}

extension DigestFacts {
    /// The facts of `layout`'s pipeline on `today`, counting from `last` (the previous digest).
    /// `snapshot` is the run's, for a pipeline that invoices (nil otherwise: nothing is read for it).
    package static func compute(
        layout: ArchiveLayout, snapshot: RunSnapshot?, today: CivilDate, input: DigestInput, last: DigestRecord?
    ) throws -> DigestFacts {
        var facts = DigestFacts(pipeline: layout.pipeline.id, company: layout.pipeline.company.name, day: today)
        facts.since = last?.day
        facts.issued = issued(snapshot?.issued ?? [], today: today, last: last)
        facts.remindersSent = input.remindersSent
        facts.remindersAwaitingApproval = input.remindersAwaitingApproval
        facts.replies = input.replies
        facts.cashAlert = input.cashAlert.map { CashAlert(day: $0.day, balanceMinor: $0.balanceMinor) }
        if let snapshot, layout.pipeline.invoicing != nil {
            facts.drafts = try drafts(layout, today: today)
            facts.criticalUnpaid = try criticalUnpaid(snapshot, today: today)
        }
        facts.receiptsToReview = try Storage.listIfPresent(layout.inOutbox(layout.reviewOutbox))
            .filter { $0.hasSuffix(".csv") && !$0.contains(".updated-") }.count
        facts.rejected = try rejected(layout, since: last.flatMap { milliseconds(ofISO: $0.at) })
        facts.reconciliation = try reconciliation(layout, today: today)
        facts.sendFailures = try Storage.listIfPresent(layout.inOutbox(layout.sendFailedOutbox))
            .filter { $0.hasSuffix(".eml") }.map { String($0.dropLast(4)) }.sorted()
        facts.newestBankOperation = try LedgerTail.newestDate(
            .bankTransactions, column: BankColumn.bookingDate.index, layout: layout, today: today)
        facts.newestTimeEntry = try LedgerTail.newestDate(
            .timeEntries, column: TimeEntryColumn.startLocal.index, layout: layout, today: today)
        return facts
    }

    /// Documents issued after the last digest's day, and those of that day it did not count.
    static func issued(_ documents: [InvoiceDocument], today: CivilDate, last: DigestRecord?) -> Issued {
        let counted = Set(last?.issuedOnDay ?? [])
        var issued = Issued()
        for document in documents where document.issueDate <= today {
            if let last,
                document.issueDate < last.day || (document.issueDate == last.day && counted.contains(document.number))
            {
                continue
            }
            let total = document.totals.grandTotalMinor
            switch document.kind {
            case .invoice:
                issued.invoices += 1
                issued.invoicesTotalMinor += total
            case .creditNote:
                issued.creditNotes += 1
                issued.creditNotesTotalMinor += total
            }
        }
        return issued
    }

    /// The drafts waiting for a decision, oldest first.
    static func drafts(_ layout: ArchiveLayout, today: CivilDate) throws -> [Draft] {
        let store = InvoiceStore(layout: layout)
        let decided = try store.decisions()
        return try store.waitingDrafts().filter { decided[$0.id] == nil }.map {
            Draft(
                id: $0.id, client: $0.clientCode, waitingSince: $0.dueOn,
                days: max(0, Int(today.daysSinceEpoch - $0.dueOn.daysSinceEpoch)))
        }
    }

    /// Invoices overdue by more than ``criticalDays`` days on `today`, with what they still owe.
    static func criticalUnpaid(_ snapshot: RunSnapshot, today: CivilDate) throws -> [Unpaid] {
        let receivables = try snapshot.receivables(asOf: today)
        return receivables.open(on: today).compactMap { item -> Unpaid? in
            let late = Int(today.daysSinceEpoch - item.document.dueDate.daysSinceEpoch)
            guard late > criticalDays else { return nil }
            var unpaid = Unpaid(
                number: item.document.number, client: item.document.clientCode, owedMinor: item.openMinor,
                daysLate: late)
            if item.fromRegister { unpaid.fromRegister = true }
            return unpaid
        }.sorted { ($1.daysLate, $0.number) < ($0.daysLate, $1.number) }
    }
}
