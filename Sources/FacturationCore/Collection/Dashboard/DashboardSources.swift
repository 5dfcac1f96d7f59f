import Foundation

/// What the dashboard reads besides the run's snapshot: the time ledgers of the months shown
/// (with the ledger reader invoicing uses) and the queues waiting for a person.
package struct DashboardSources {
    package let layout: ArchiveLayout
    package let today: CivilDate

    package init(layout: ArchiveLayout, today: CivilDate) {
        self.layout = layout
        self.today = today
    }

    private static let billable = Array(PipelineConfig.Category.facturable.rawValue.utf8)
    private static let flatFee = Array(PipelineConfig.Category.forfait.rawValue.utf8)

    /// The hours of each month's time ledger (`time-entries/<YYYY-MM>.csv`) by category; entries
    /// that start after `today` (a replay dated in the past) are left out. Closed months come
    /// from ``TimeTotalsCache`` while their ledger has not changed.
    package func time(months: [CivilDate]) throws -> [DashboardFigures.TimeMonth] {
        var cache = TimeTotalsCache.load(layout)
        let before = cache
        let now = Clock.system.now()
        let result = try months.map { month in
            let path = layout.ledger(.timeEntries, month.monthKey)
            let status = Storage.status(path)
            let closed = RecurringSchedule.addMonths(month, 1) <= today
            if closed, let status, let cached = cache.totals(of: month, ledger: status) { return cached }
            let totals = try count(month: month, path: path)
            if closed, let status { cache.remember(totals, ledger: status, now: now) }
            return totals
        }
        if cache != before { try cache.save(layout) }
        return result
    }

    /// Reads one month's ledger.
    private func count(month: CivilDate, path: String) throws -> DashboardFigures.TimeMonth {
        let last = Array(today.description.utf8)
        var totals = DashboardFigures.TimeMonth(month: month)
        try LedgerFile.forEachRow(path: path, header: LedgerKind.timeEntries.columns, form: .stored) { fields in
            // start_local, duration_seconds and category are never formula-guarded (they start with a
            // digit or a capital letter), so the stored bytes are the values.
            let start = fields[TimeEntryColumn.startLocal.index].prefix(10)
            guard start.lexicographicallyPrecedes(last) || start.elementsEqual(last) else { return }
            // As invoicing does: a duration no import accepts today (a ledger written before the
            // bounds) is left out, so the sums stay far from overflowing.
            let seconds = Self.integer(fields[TimeEntryColumn.durationSeconds.index]) ?? 0
            guard ImportBounds.problem(durationSeconds: seconds) == nil else { return }
            let category = fields[TimeEntryColumn.category.index]
            if category.elementsEqual(Self.billable) {
                totals.billableSeconds += seconds
            } else if category.elementsEqual(Self.flatFee) {
                totals.flatFeeSeconds += seconds
            } else {
                totals.internalSeconds += seconds
            }
        }
        return totals
    }

    /// A non-negative decimal integer of at most 15 digits.
    private static func integer(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard !bytes.isEmpty, bytes.count <= 15 else { return nil }
        var value: Int64 = 0
        for byte in bytes {
            guard byte >= 0x30 && byte <= 0x39 else { return nil }
            value = value * 10 + Int64(byte - 0x30)
        }
        return value
    }

    /// The queues of the pipeline: drafts waiting for a decision (since their due day), receipts
    /// no rule matched (since their booking day), rejected files whose reason is still in
    /// `outbox/rejected/` (since the day they were claimed), messages in `outbox/send-failed/`
    /// (since the day they were moved there), and the formal notices of `input`.
    package func queues(snapshot: RunSnapshot, input: DashboardInput) throws -> [DashboardFigures.Queue] {
        let store = InvoiceStore(layout: layout)
        let decided = try store.decisions()
        let drafts = try store.waitingDrafts().filter { decided[$0.id] == nil }.map(\.dueOn)
        var queues: [DashboardFigures.Queue] = [
            .init(.draftsToApprove, since: drafts, today: today),
            .init(.receiptsToReview, since: Self.unmatchedReceiptDays(snapshot, today: today), today: today),
            .init(.rejectedFiles, since: try rejectedDays(), today: today),
        ]
        if layout.pipeline.delivery?.send == true {
            queues.append(.init(.sendFailures, since: try sendFailureDays(), today: today))
        }
        if let reminders = input.remindersAwaitingApproval {
            queues.append(.init(.remindersToApprove, since: reminders, today: today))
        }
        return queues
    }

    /// The booking day of each receipt booked by `today` that no match names, oldest first.
    ///
    /// By index, into a set made to size: copying every receipt (``RunSnapshot/receipts``) and an
    /// array of every match's receipt first was a third of this queue's 12 ms at 10 years.
    static func unmatchedReceiptDays(_ snapshot: RunSnapshot, today: CivilDate) -> [CivilDate] {
        let matches = snapshot.matches, bank = snapshot.bank
        var matched = Set<String>(minimumCapacity: matches.count)
        for index in matches.indices { matched.insert(matches[index].receipt) }
        var days: [CivilDate] = []
        for index in bank.indices
        where bank[index].amountMinor > 0 && bank[index].bookingDate <= today && !matched.contains(bank[index].key) {
            days.append(bank[index].bookingDate)
        }
        return days
    }

    /// `rejected/<YYYY-MM-DD>_<name>_….reason.txt`: the day each rejected file was claimed.
    private func rejectedDays() throws -> [CivilDate] {
        try Storage.listIfPresent(layout.inOutbox("rejected")).filter { $0.hasSuffix(".reason.txt") }.map {
            CivilDate(iso: $0.prefix(10)) ?? today
        }
    }

    /// The day (in the pipeline's time zone) each message of `send-failed/` was moved there.
    private func sendFailureDays() throws -> [CivilDate] {
        let status = try WorkspaceStatus.readMailQueue(layout)
        return status.failed.map { name in
            let path = layout.inOutbox(layout.failedMessageOutbox(name))
            guard let modified = Storage.status(path)?.modified else { return today }
            let seconds = modified / 1_000_000_000
            let offset = Int64(
                layout.pipeline.timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(seconds))))
            let local = seconds + offset
            return CivilDate(daysSinceEpoch: local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
        }
    }
}
