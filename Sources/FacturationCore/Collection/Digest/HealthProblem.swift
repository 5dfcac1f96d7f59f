/// How urgent what `facturation status --health` found is; its exit status for a monitoring system.
package enum HealthLevel: Int, Sendable, Codable, Comparable {
    case healthy, warning, critical

    package static func < (lhs: Self, rhs: Self) -> Bool { lhs.rawValue < rhs.rawValue }

    /// 0, 10 or 11 (documented in README "Exit status").
    package var exitStatus: Int32 {
        switch self {
        case .healthy: ExitStatus.success
        case .warning: ExitStatus.healthWarning
        case .critical: ExitStatus.healthCritical
        }
    }
}

/// One thing that needs a person, judged from ``DigestFacts`` against the pipeline's `[digest]`
/// settings: the same judgement for the digest and for `status --health`.
package struct HealthProblem: Sendable, Codable, Equatable {
    package enum Kind: String, Sendable, Codable {
        case staleBank = "stale-bank"
        case staleTime = "stale-time"
        case oldApproval = "old-approval"
        case reconciliationDifferences = "reconciliation-differences"
        case sendFailures = "send-failures"
        case cashAlert = "cash-alert"
        case criticalUnpaid = "critical-unpaid"
        case failedRun = "failed-run"
        /// Something a run cannot replace stands in a derived file's or folder's place.
        case derivedPlace = "derived-place"

        package var level: HealthLevel {
            switch self {
            case .staleBank, .staleTime, .oldApproval, .reconciliationDifferences, .derivedPlace: .warning
            case .sendFailures, .cashAlert, .criticalUnpaid, .failedRun: .critical
            }
        }
    }

    package var kind: Kind
    package var level: HealthLevel
    package var pipeline: String
    /// For people (English, like the other command output): what is wrong and what to do.
    package var message: String

    init(_ kind: Kind, _ facts: DigestFacts, _ message: String) {
        self.init(kind, pipeline: facts.pipeline, message)
    }

    init(_ kind: Kind, pipeline: String, _ message: String) {
        self.kind = kind
        level = kind.level
        self.pipeline = pipeline
        self.message = message
    }
}

extension DigestFacts {
    /// What needs a person, most urgent first.
    package func problems(_ settings: DigestSettings) -> [HealthProblem] {
        var found = inputProblems(settings)
        let old = drafts.filter { $0.days > settings.approvalDays }
        if let oldest = old.first {
            found.append(
                .init(
                    .oldApproval, self,
                    "\(old.count) draft(s) waiting for approval for more than \(settings.approvalDays) days "
                        + "(oldest \(oldest.id), \(oldest.days) days): `facturation approve ID` or `reject ID --reason …`"
                ))
        }
        if let reconciliation, reconciliation.differences > 0 {
            found.append(
                .init(
                    .reconciliationDifferences, self,
                    "\(reconciliation.differences) reconciliation difference(s): see \(reconciliation.report)"))
        }
        if !sendFailures.isEmpty {
            found.append(
                .init(
                    .sendFailures, self,
                    "\(sendFailures.count) message(s) not sent (outbox/send-failed/): "
                        + sendFailures.joined(separator: ", ")
                        + "; see each .reason.txt, then `facturation resend NUMBER`"))
        }
        if let cashAlert {
            found.append(
                .init(
                    .cashAlert, self,
                    "cash alert: the projected balance is \(FrenchDates.euros(cashAlert.balanceMinor)) on \(cashAlert.day)"
                ))
        }
        if let worst = criticalUnpaid.first {
            found.append(
                .init(
                    .criticalUnpaid, self,
                    "\(criticalUnpaid.count) invoice(s) overdue by more than \(Self.criticalDays) days "
                        + "(worst \(worst.number), \(worst.client), \(FrenchDates.euros(worst.owedMinor)), \(worst.daysLate) days)"
                ))
        }
        if let failedRun {
            found.append(
                .init(
                    .failedRun, self,
                    "the last run (\(failedRun.startedAt)) failed: "
                        + (failedRun.errors.first ?? "see archive/runs/") + "; fix it and run again"))
        }
        return found.sorted { $0.level > $1.level }
    }

    /// Inputs nobody feeds: the newest bank operation and time entry, against their limits.
    private func inputProblems(_ settings: DigestSettings) -> [HealthProblem] {
        var found: [HealthProblem] = []
        if let bank = newestBankOperation {
            if age(of: bank) > settings.staleDays {
                found.append(
                    .init(
                        .staleBank, self,
                        "the newest bank operation is from \(bank) (\(age(of: bank)) days, limit \(settings.staleDays)): "
                            + "drop a recent bank export into the inbox"))
            }
        } else {
            found.append(
                .init(.staleBank, self, "no bank operation was ever imported: drop a bank export into the inbox"))
        }
        if let time = newestTimeEntry {
            if age(of: time) > settings.timeStaleDays {
                found.append(
                    .init(
                        .staleTime, self,
                        "the newest time entry is from \(time) (\(age(of: time)) days, limit \(settings.timeStaleDays)): "
                            + "drop a recent time export into the inbox"))
            }
        } else {
            found.append(.init(.staleTime, self, "no time entry was ever imported: drop a time export into the inbox"))
        }
        return found
    }
}
