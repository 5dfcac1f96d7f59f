/// `facturation status --health`: the digest's facts of every pipeline as they are now, judged,
/// without writing anything or taking the lock (like `status`).
package struct HealthReport: Sendable, Codable {
    package var workspace: String
    /// One per pipeline, in the order of `pipelines/`.
    package var facts: [DigestFacts] = []
    /// Most urgent first.
    package var problems: [HealthProblem] = []

    /// The worst level found.
    package var level: HealthLevel { problems.map(\.level).max() ?? .healthy }

    /// Reads the facts of each pipeline on the clock's day (in its time zone). The cash alert is
    /// the one of the newest digest (the forecast runs in a run, not here); a failed last run is
    /// the workspace's, reported with the first pipeline. Not judged from the facts (the digest
    /// does not say it): what a run cannot replace in a derived place.
    package static func read(workspace: Workspace, pipelines: [PipelineConfig], clock: Clock) throws -> HealthReport {
        var report = HealthReport(workspace: workspace.root)
        let lastRun = try WorkspaceStatus.lastRun(workspace)
        var blocked: Set<String> = []
        for (index, layout) in workspace.layouts(for: pipelines).enumerated() {
            let today = LocalClock(clock: clock, timeZone: layout.pipeline.timeZone).today()
            var damaged: [String] = []  // Said by the next run, which writes the record again.
            let last = try DigestRecord.latest(layout, before: today.adding(days: 1), damaged: &damaged)
            var input = DigestInput()
            input.cashAlert = last?.cashAlert.map { (day: $0.day, balanceMinor: $0.balanceMinor) }
            var facts = try DigestFacts.compute(
                layout: layout, snapshot: layout.pipeline.invoicing != nil ? try RunSnapshot(layout: layout) : nil,
                today: today, input: input, last: last)
            if index == 0, let lastRun, lastRun.exitCode == ExitStatus.failure {
                let errors =
                    lastRun.errors + lastRun.invoicing.flatMap(\.errors) + (lastRun.documents ?? []).flatMap(\.errors)
                    + (lastRun.sending ?? []).flatMap(\.errors)
                facts.failedRun = DigestFacts.FailedRun(startedAt: lastRun.startedAt, errors: errors)
            }
            report.problems += facts.problems(layout.pipeline.digest)
            // The folder of every pipeline's checkpoints is each one's: said once.
            report.problems += layout.derivedPlaces().filter { $0.isBlocked && blocked.insert($0.path).inserted }.map {
                HealthProblem(.derivedPlace, pipeline: layout.pipeline.id, $0.warning(relativeTo: workspace.root))
            }
            report.facts.append(facts)
        }
        report.problems.sort { $0.level > $1.level }
        return report
    }
}
