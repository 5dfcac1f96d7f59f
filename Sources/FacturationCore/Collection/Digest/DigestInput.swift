/// What the digest learns from the other collection stages of the same run, in memory (never by
/// reading their files). Each field is nil when its stage did not run or is not wired: the digest
/// then leaves its line out.
///
/// Wired by the run: `remindersSent` and `remindersAwaitingApproval` from the dunning stage's
/// report, `cashAlert` from the forecast stage's (the first day the projected balance goes below
/// the threshold, and that balance).
package struct DigestInput: Sendable {
    /// Reminders sent (queued) by the dunning stage in this run.
    package var remindersSent: Int?
    /// Formal notices waiting for approval in `outbox/to-approve/`.
    package var remindersAwaitingApproval: Int?
    /// The projected balance goes below the threshold on `day`.
    package var cashAlert: (day: CivilDate, balanceMinor: Int64)?

    package init(
        remindersSent: Int? = nil, remindersAwaitingApproval: Int? = nil,
        cashAlert: (day: CivilDate, balanceMinor: Int64)? = nil
    ) {
        self.remindersSent = remindersSent
        self.remindersAwaitingApproval = remindersAwaitingApproval
        self.cashAlert = cashAlert
    }
}
