import Foundation
import Logging

/// One pass of the pipeline over a workspace: the ``stages`` in order, each when it is due, then a
/// summary recorded in `archive/runs/`.
package final class Runner {
    package struct Options: Sendable {
        /// The run's "today" (for scheduled stages); nil = the date on `clock`.
        package var today: CivilDate?
        /// Overrides every pipeline's `inbox.settle_seconds` (tests, `--settle`).
        package var settleSeconds: Double?
        /// Where "now" comes from (``Clock/fromEnvironment()`` in the commands).
        package var clock: Clock
        /// `watch`: `[fetch] before_run` fetches each source at most once per `[fetch] every`.
        package var throttlesFetch: Bool
        /// `run`: the process exits after this pass, so the pass's state (``RunContext``: the
        /// snapshot of every document, the receivables) is left for the exit to free (see
        /// ``Runner/runOnce()``). Never set for `watch` or a test that runs many passes.
        package var endsProcess: Bool

        package init(
            today: CivilDate? = nil, settleSeconds: Double? = nil, clock: Clock = .system, throttlesFetch: Bool = false,
            endsProcess: Bool = false
        ) {
            self.today = today
            self.settleSeconds = settleSeconds
            self.clock = clock
            self.throttlesFetch = throttlesFetch
            self.endsProcess = endsProcess
        }
    }

    package let workspace: Workspace
    package let pipelines: [PipelineConfig]
    package let options: Options
    package var logger: Logger
    /// Called with (file name, bytes done, bytes total) while a large file is read.
    package var progress: ((String, Int64, Int64) -> Void)?
    /// Checked between files and between stages: when it returns true the run stops there.
    package var shouldStop: () -> Bool = { false }

    package init(workspace: Workspace, pipelines: [PipelineConfig], options: Options, logger: Logger) {
        self.workspace = workspace
        self.pipelines = pipelines
        self.options = options
        self.logger = logger
    }

    /// The stages of a run, in order. Adding a stage = one type + one line here.
    private func stages(layouts: [ArchiveLayout]) -> [any Stage] {
        // The producers only when a pipeline asks for them: other runs keep their summaries as they were.
        let fetch: [any Stage] =
            pipelines.contains { $0.fetch?.beforeRun == true }
            ? [FetchStage(clock: options.clock, throttled: options.throttlesFetch)] : []
        return fetch + [
            ImportStage(
                workspace: workspace, layouts: layouts, clock: options.clock,
                settleSeconds: options.settleSeconds, progress: progress, logger: logger),
            InvoicingStage(),
            DocumentStage(),
            PaymentStage(),
            // Before dunning, so that a reply disputing an invoice holds its reminders in the same run.
            ReplyStage(),
            DunningStage(),
            AccountingStage(),
            ReconciliationStage(),
            ForecastStage(),
            DigestStage(),
            // After dunning and the digest, so that reminders and the digest are sent in the same run.
            SendStage(),
            DashboardStage(),
        ]
    }

    /// The time zone of the run's summary and "today": the first pipeline's.
    private var localClock: LocalClock {
        LocalClock(clock: options.clock, timeZone: pipelines.first?.timeZone ?? TimeZone(identifier: "UTC")!)
    }

    /// Runs one pass. Throws a ``FacturationError`` of kind `alreadyRunning` when the lock is held; any other error thrown
    /// (disk, damaged ledger) stops the pass, with every unfinished file left in `work/`.
    package func runOnce() throws -> RunSummary {
        let today = options.today ?? localClock.today()
        var summary = RunSummary(
            workspace: workspace.root, startedAt: localClock.nowISO(), today: today.description,
            pipelines: pipelines.map(\.id))
        for folder in [workspace.inbox, workspace.work, workspace.archive, workspace.outbox] {
            try Storage.makeDirectory(folder)
        }
        try workspace.checkSameFileSystem()
        guard let lock = try WorkspaceLock(path: workspace.lockFile) else {
            throw FacturationError.alreadyRunning(
                lockFile: workspace.lockFile, holder: WorkspaceLock.holder(path: workspace.lockFile))
        }
        defer { withExtendedLifetime(lock) {} }
        try Storage.makeDirectory(workspace.claims)
        try Storage.removeTree(workspace.temporary)
        try Storage.makeDirectory(workspace.temporary)

        let layouts = workspace.layouts(for: pipelines)
        defer { warnOfDerivedPlacesLeftAlone(layouts) }
        let context = RunContext(
            workspace: workspace, layouts: layouts, today: today, clock: options.clock,
            logger: logger, shouldStop: shouldStop)
        let completed = try run(stages(layouts: layouts), context: context, summary: &summary)
        if completed && summary.exitCode != ExitStatus.failure {
            for pipeline in context.pipelines where !pipeline.unchanged {
                try RunStamp.record(pipeline.layout, today: today)
            }
        }
        summary.finishedAt = localClock.nowISO()
        let leftAlone = takeDerivedPlacesLeftAlone(layouts)
        if !leftAlone.isEmpty { summary.warnings = (summary.warnings ?? []) + leftAlone }
        do {
            try record(summary)
        } catch {
            for warning in leftAlone { logger.warning("\(warning)") }  // no summary: said as the error path says it
            throw error
        }
        if options.endsProcess { Self.leaveForExit(context) }
        return summary
    }

    /// What stands in a derived place and was left alone (README "Nothing in a derived file's
    /// place stops a run"), said once per run: the run went on by reading the records instead, and
    /// every later run will, until someone removes it. A run that ends says it in its summary's
    /// warnings (printed with `-q` too, in `--json` and in the run's record, like the others); one
    /// that stops with an error has no summary, and logs it (`warnOfDerivedPlacesLeftAlone(_:)`).
    private func takeDerivedPlacesLeftAlone(_ layouts: [ArchiveLayout]) -> [String] {
        layouts.flatMap { layout in
            Storage.takeDerivedPlacesLeftAlone(under: layout.checkpoints).map { path in
                // Left alone: a folder where a file goes, or what is not a folder where one goes.
                DerivedPlace(path, Storage.isDirectory(path) ? .file : .folder).warning(relativeTo: workspace.root)
            }
        }
    }

    /// Logs what a run that stopped with an error left alone (see ``takeDerivedPlacesLeftAlone(_:)``);
    /// nothing after a run that ended, which took them into its summary.
    private func warnOfDerivedPlacesLeftAlone(_ layouts: [ArchiveLayout]) {
        for warning in takeDerivedPlacesLeftAlone(layouts) { logger.warning("\(warning)") }
    }

    /// Keeps the pass's state alive until the process exits, which frees it at once.
    ///
    /// Why (performance code, fenced): releasing the snapshot object by object (every document,
    /// every receivable) was 4 % of the CPU of a full pass at 10 years (README, "Benchmark
    /// results"). Safe because it runs after everything the pass writes is committed (each file
    /// synced and renamed by ``Storage``, the run record last), and because nothing the context
    /// holds acts when freed: no open file, temporary file or lock (those belong to the stages and
    /// to ``runOnce()``, and are released as before); only memory, which the exit returns whole.
    /// Only for `run`, one pass per process (``Options/endsProcess``): `watch` would grow by one
    /// state per pass.
    ///
    /// Said at `-vv` (debug), so that a test through the binary sees which passes leave their state.
    private static func leaveForExit(_ context: RunContext) {
        _ = Unmanaged.passRetained(context)
        context.logger.debug("Pass state left for the process exit to free")
    }

    /// Runs the stages that are due; returns false when the run was asked to stop before the end.
    private func run(_ stages: [any Stage], context: RunContext, summary: inout RunSummary) throws -> Bool {
        var records: [StageRecord] = []
        defer { summary.stages = records }
        for stage in stages {
            if stage.name != .import && context.shouldStop() {
                // A stopped run leaves the later stages to the next one.
                return false
            }
            guard stage.schedule.isDue(on: context.today) else {
                records.append(StageRecord(stage: stage.name, state: .notDue))
                continue
            }
            if stage is any PipelineStage, context.pipelines.allSatisfy(\.unchanged) {
                records.append(StageRecord(stage: stage.name, state: .unchanged))
                continue
            }
            let started = Self.monotonicSeconds()
            try stage.run(context, summary: &summary)
            var record = StageRecord(stage: stage.name, state: .ran)
            record.seconds = ((Self.monotonicSeconds() - started) * 1000).rounded() / 1000
            records.append(record)
            if stage.name == .import { try noteUnchangedPipelines(context, records: &records) }
        }
        return true
    }

    /// After the import: the pipelines where nothing the later stages read has changed since
    /// their last complete run skip them (``RunStamp``).
    private func noteUnchangedPipelines(_ context: RunContext, records: inout [StageRecord]) throws {
        for pipeline in context.pipelines {
            guard try RunStamp.isUnchanged(pipeline.layout, today: context.today) else { continue }
            pipeline.unchanged = true
            records.append(StageRecord(stage: nil, pipeline: pipeline.pipeline.id, state: .unchanged))
            logger.debug("Nothing new since the last run", metadata: ["pipeline": "\(pipeline.pipeline.id)"])
        }
    }

    /// Seconds on the monotonic clock (stage durations in the summary; not a date, so not the injected clock).
    private static func monotonicSeconds() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }

    private func record(_ summary: RunSummary) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(summary)
        let folder = Path.join(workspace.runs, String(summary.startedAt.prefix(10)))
        try Storage.makeDirectory(folder)
        let name = summary.startedAt.replacingOccurrences(of: ":", with: "") + ".json"
        try Storage.write(
            Array(data) + [0x0A], to: Path.join(folder, name), temporaryDirectory: workspace.temporary,
            collision: .replace)
    }
}

/// What became of one stage in a run (the run summary lists them).
package struct StageRecord: Sendable, Codable, Equatable {
    package enum State: String, Sendable, Codable {
        case ran
        /// Its schedule did not call for it today.
        case notDue = "not-due"
        /// Nothing new for this pipeline since its last complete run: its later stages were skipped.
        case unchanged
    }

    /// nil for a record about a whole pipeline.
    package var stage: String?
    package var pipeline: String?
    package var state: State
    /// How long it took, when it ran (wall clock, to the millisecond).
    package var seconds: Double?

    init(stage: StageName?, pipeline: String? = nil, state: State) {
        self.stage = stage?.rawValue
        self.pipeline = pipeline
        self.state = state
    }
}
