/// The producers, first in a run, for the pipelines whose file says `[fetch] before_run = true`:
/// their files land in the inbox before the import stage takes it. A failed fetch never stops
/// the run's other work: a temporary failure (network, 429/5xx) is a warning, the next run asks
/// again; a refused key or wrong settings is an error of the run (exit 1) naming what to fix.
/// Only a failure of the workspace itself (the disk) stops the run, as in every stage.
///
/// Under `watch` (`throttled`), a source is fetched only when its cursor says it was last fetched
/// at least `[fetch] every` ago (default 15 minutes): a pass every minute does not ask the APIs
/// and the mailbox every minute. `run` (cron, systemd) always fetches.
struct FetchStage: Stage {
    let clock: Clock
    var throttled = false

    var name: StageName { .fetch }
    var schedule: Schedule { .everyRun }

    func run(_ context: RunContext, summary: inout RunSummary) throws {
        for pipeline in context.pipelines where pipeline.layout.pipeline.fetch?.beforeRun == true {
            let fetcher = Fetcher(layout: pipeline.layout, clock: clock)
            let every = pipeline.layout.pipeline.fetch?.every ?? FetchSettings.defaultEvery
            let due = fetcher.sources.filter { !throttled || fetcher.isDue($0, every: every) }
            guard !due.isEmpty else { continue }
            let reports = try fetcher.fetchAll(due)
            for report in reports {
                for skipped in report.skipped ?? [] {
                    summary.warnings = (summary.warnings ?? []) + ["fetch mail (\(report.pipeline)): \(skipped)"]
                }
                if let error = report.error {
                    let line = "fetch \(report.source.rawValue) (\(report.pipeline)): \(error)"
                    if report.temporary {
                        summary.warnings = (summary.warnings ?? []) + [line]
                    } else {
                        summary.errors.append(line)
                    }
                }
            }
            summary.fetch = (summary.fetch ?? []) + reports
        }
    }
}
