/// Decides, for one run day, which reminders are due (README, "Reminders (relances)"):
///
/// - an open invoice's level is the highest whose number of days after the due date has passed;
/// - it is reminded at that level if it never was (nor at a higher one); the lower levels never
///   sent are recorded as skipped, so a run that missed days never sends three letters at once;
/// - each level at most once per invoice, forever; an invoice paid in full, fully credited, held,
///   owing less than `min_amount` or due before `from` is not reminded;
/// - one reminder per client and level, listing all of that client's invoices due at that level.
package struct DunningPlanner {
    package let settings: DunningSettings
    package let today: CivilDate
    /// The levels each invoice already had (sent, waiting for approval, refused, or skipped).
    package var done: [String: Set<Int>] = [:]
    /// Invoices and clients whose reminders are suspended, with the reason.
    package var heldInvoices: [String: String] = [:]
    package var heldClients: [String: String] = [:]
    /// Documents that could not be sent before a day (`numbering = "oxygene"`: the day Oxygène's
    /// number was confirmed), by number: no reminder before the client has had its payment terms
    /// from that day, whatever the due date printed on the invoice.
    package var sendableFrom: [String: CivilDate] = [:]

    package init(settings: DunningSettings, today: CivilDate) {
        self.settings = settings
        self.today = today
    }

    package struct Plan: Sendable {
        package var reminders: [Reminder] = []
        /// "F20250801 (LAA): on hold: …" for each invoice that would be reminded but is held.
        package var held: [String] = []
    }

    /// The day reminders count from: the due date, or for a document that could not be sent before
    /// a later day, that day plus its payment terms (due date − issue date).
    func reminderDueDate(of document: InvoiceDocument) -> CivilDate {
        guard let sendable = sendableFrom[document.number], sendable > document.issueDate else {
            return document.dueDate
        }
        let terms = Int(document.dueDate.daysSinceEpoch - document.issueDate.daysSinceEpoch)
        return max(document.dueDate, sendable.adding(days: terms))
    }

    /// The level (1-based) an invoice due on `dueDate` has reached today, if any.
    package func level(dueDate: CivilDate) -> Int? {
        let days = Int(today.daysSinceEpoch - dueDate.daysSinceEpoch)
        return settings.levels.lastIndex { days >= $0 }.map { $0 + 1 }
    }

    package func plan(_ items: [Receivables.Item]) throws -> Plan {
        var plan = Plan()
        var groups: [Group: [Reminder.Line]] = [:]
        for item in items where item.document.kind == .invoice && item.openMinor > 0 {
            let document = item.document
            if let from = settings.from, document.dueDate < from { continue }
            guard item.openMinor >= settings.minAmountMinor, let level = level(dueDate: reminderDueDate(of: document))
            else {
                continue
            }
            let done = done[document.number] ?? []
            if (done.max() ?? 0) >= level { continue }
            if let reason = heldInvoices[document.number] ?? heldClients[document.clientCode] {
                plan.held.append("\(document.number) (\(document.clientCode)): \(reason)")
                continue
            }
            var line = try Self.line(item, today: today, settings: settings)
            line.skippedLevels = (1..<level).filter { !done.contains($0) }
            groups[Group(client: document.clientCode, level: level), default: []].append(line)
        }
        for group in groups.keys.sorted() {
            let (client, level) = (group.client, group.level)
            let lines = groups[group]!.sorted { ($0.dueDate, $0.number) < ($1.dueDate, $1.number) }
            let formal = level == settings.formalNoticeLevel
            let total = try Checked.sum(
                lines.flatMap { [$0.owedMinor, $0.penaltyMinor ?? 0, $0.indemnityMinor] }, "total of a reminder")
            plan.reminders.append(
                Reminder(
                    id: Reminder.id(client: client, date: today, level: level), client: client, level: level,
                    levelDays: settings.levels[level - 1], kind: formal ? .formalNotice : .reminder, date: today,
                    invoices: lines, totalMinor: total, status: formal ? .awaitingApproval : .sent))
        }
        return plan
    }

    /// Why `reminder` (an approved formal notice) must wait: a hold on its client or one of its invoices.
    package func holdReason(_ reminder: Reminder) -> String? {
        heldClients[reminder.client] ?? reminder.invoices.lazy.compactMap { heldInvoices[$0.number] }.first
    }

    /// One reminder: a client and a level.
    struct Group: Hashable, Comparable {
        let client: String
        let level: Int
        static func < (lhs: Group, rhs: Group) -> Bool { (lhs.client, lhs.level) < (rhs.client, rhs.level) }
    }

    /// The amounts of one invoice on `today`.
    static func line(_ item: Receivables.Item, today: CivilDate, settings: DunningSettings) throws -> Reminder.Line {
        let document = item.document
        let days = Int(today.daysSinceEpoch - document.dueDate.daysSinceEpoch)
        let rate = DunningAmounts.rate(of: document, settings: settings)
        let penalty = try rate.map {
            try DunningAmounts.penalty(owedMinor: item.openMinor, rate: $0.rate, daysLate: days)
        }
        return Reminder.Line(
            number: document.number, issueDate: document.issueDate, dueDate: document.dueDate,
            totalMinor: item.totalMinor, paidMinor: item.paidMinor, owedMinor: item.openMinor, daysLate: days,
            rate: rate?.rate, rateSource: rate?.source, penaltyMinor: penalty, indemnityMinor: settings.indemnityMinor,
            skippedLevels: [])
    }
}
