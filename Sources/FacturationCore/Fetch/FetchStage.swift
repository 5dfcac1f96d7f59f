/// The producers, first in a run, for the pipelines whose file says `[fetch] before_run = true`:
/// their files land in the inbox before the import stage takes it. A failed fetch never stops
/// the run's other work: a temporary failure (network, 429/5xx) is a warning, the next run asks
/// again; a refused key or wrong settings is an error of the run (exit 1) naming what to fix.
/// Only a failure of the workspace itself (the disk) stops the run, as in every stage.
struct FetchStage: Stage {
    let clock: Clock

    var name: StageName { .fetch }
    var schedule: Schedule { .everyRun }

    func run(_ context: RunContext, summary: inout RunSummary) throws {
        for pipeline in context.pipelines where pipeline.layout.pipeline.fetch?.beforeRun == true {
            let reports = try Fetcher(layout: pipeline.layout, clock: clock).fetchAll()
            for report in reports {
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
