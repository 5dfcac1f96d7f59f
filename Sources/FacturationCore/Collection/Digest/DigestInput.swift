/// What the digest learns from the other collection stages of the same run, in memory (never by
/// reading their files). Each field is nil when its stage did not run or is not wired: the digest
/// then leaves its line out.
///
/// Taken from the run (``init(run:)``): `remindersSent` and `remindersAwaitingApproval` from the
/// dunning stage's report, `cashAlert` from the forecast stage's (the first day the projected
/// balance goes below the threshold, and that balance).
package struct DigestInput: Sendable {
    /// Reminders sent (queued) by the dunning stage in this run.
    package var remindersSent: Int?
    /// Formal notices waiting for approval in `outbox/to-approve/`.
    package var remindersAwaitingApproval: Int?
    /// The projected balance goes below the threshold on `day`.
    package var cashAlert: (day: CivilDate, balanceMinor: Int64)?
    /// The replies the reply stage classified in this run (nil when it classified none).
    package var replies: [ReplyReport.Line]?

    package init(
        remindersSent: Int? = nil, remindersAwaitingApproval: Int? = nil,
        cashAlert: (day: CivilDate, balanceMinor: Int64)? = nil
    ) {
        self.remindersSent = remindersSent
        self.remindersAwaitingApproval = remindersAwaitingApproval
        self.cashAlert = cashAlert
    }

    /// What the dunning and forecast stages of `run` found (nil fields for a stage that did not run).
    /// The formal notices waiting are all those still undecided, not only this run's: the dunning
    /// stage's report counts them all.
    package init(run: PipelineRun) {
        if let dunning = run.dunning {
            remindersSent = dunning.sent.count + dunning.approved.count
            remindersAwaitingApproval = dunning.awaitingApproval.count
        }
        if let replies = run.replies, !replies.replies.isEmpty { self.replies = replies.replies }
        if let forecast = run.forecast, let day = forecast.firstDayBelow,
            let balance = forecast.days.first(where: { $0.date == day })?.balanceMinor
                ?? (day == forecast.today ? forecast.openingBalanceMinor : nil)
        {
            cashAlert = (day: day, balanceMinor: balance)
        }
    }
}
