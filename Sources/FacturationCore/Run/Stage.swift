import Logging

/// One step of a run. The run calls the stages of ``Runner/stages`` in that order, each when its
/// ``schedule`` says it is due; a stage reads what it needs from the ``RunContext`` (never another
/// stage's files) and writes its own report into the run summary.
///
/// Adding a stage = one type conforming to ``Stage`` (usually ``PipelineStage``) + one line in
/// ``Runner/stages``.
package protocol Stage {
    var name: StageName { get }
    var schedule: Schedule { get }
    func run(_ context: RunContext, summary: inout RunSummary) throws
}

/// A stage that works on each pipeline in turn, on that pipeline's ``PipelineRun``.
package protocol PipelineStage: Stage {
    /// Whether `pipeline` has this stage at all (e.g. invoicing needs an `[invoicing]` section).
    func applies(to pipeline: PipelineConfig) -> Bool
    func run(_ run: PipelineRun, summary: inout RunSummary) throws
}

extension PipelineStage {
    package func run(_ context: RunContext, summary: inout RunSummary) throws {
        for pipeline in context.pipelines where applies(to: pipeline.layout.pipeline) {
            if pipeline.unchanged {
                continue
            }
            try run(pipeline, summary: &summary)
        }
    }
}

/// The stages, by name (logs, the run summary).
package enum StageName: String, Sendable, Codable {
    case `import`, invoicing, documents, payments, replies, dunning, accounting, reconciliation, forecast, digest,
        sending
    case dashboard
    /// The producers (`[fetch] before_run = true`), before the import.
    case fetch
}

/// When a stage has work to do.
package enum Schedule: Sendable, Equatable {
    /// On every run: files, approvals and decisions arrive at any time, and late data changes a
    /// closed month's FEC. (Month-close work — time-based invoices, the month's FEC — is decided
    /// inside those stages from the run's date, so a run that missed the 1st still does it.)
    case everyRun
    /// On runs dated on this day of the week.
    case weekly(Weekday)

    package func isDue(on day: CivilDate) -> Bool {
        switch self {
        case .everyRun: return true
        case .weekly(let weekday): return day.weekday == weekday
        }
    }
}

package enum Weekday: Int, Sendable, Equatable {
    case monday, tuesday, wednesday, thursday, friday, saturday, sunday
}

extension CivilDate {
    /// 1970-01-01 was a Thursday.
    package var weekday: Weekday {
        let index = ((daysSinceEpoch % 7) + 7 + 3) % 7
        return Weekday(rawValue: Int(index))!
    }
}
