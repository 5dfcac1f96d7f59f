import ArgumentParser
import FacturationCore

/// `facturation watch`: run passes in a loop until SIGTERM or SIGINT.
struct WatchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "watch",
        abstract: "Process the inbox every few seconds until stopped (SIGTERM or Ctrl-C stops cleanly).",
        discussion: "The pipeline files are read again before each pass, so edits apply without a restart.")

    @OptionGroup var global: GlobalOptions

    @Option(help: ArgumentHelp("Seconds between two passes.", valueName: "seconds"))
    var interval: Double = 60

    @Option(help: ArgumentHelp("Seconds a file must stay unchanged before it is taken.", valueName: "seconds"))
    var settle: Double?

    @Flag(help: "Print each pass's summary as JSON.")
    var json = false

    func validate() throws {
        if interval < 0.1 || interval > 86_400 {
            throw ValidationError("--interval must be between 0.1 and 86400 seconds")
        }
    }

    func run() throws {
        SignalFlag.install()
        let workspace = global.resolvedWorkspace
        _ = try global.loadPipelines(workspace)
        let logger = global.makeLogger(label: "facturation.watch")
        logger.notice("Watching \(workspace.inbox) every \(interval) s (SIGTERM or Ctrl-C to stop)")
        while !SignalFlag.isRaised {
            do {
                let pipelines = try PipelineLoader.loadAll(workspace: workspace)
                _ = try PassRunner.run(
                    workspace: workspace, pipelines: pipelines,
                    options: Runner.Options(settleSeconds: settle, clock: try global.clock, throttlesFetch: true),
                    global: global, json: json, printWhenIdle: false, shouldStop: { SignalFlag.isRaised })
            } catch let errors as ConfigErrors {
                logger.error("Configuration error, pass skipped:\n\(errors)")
            } catch let exit as ExitCode where exit.rawValue == ExitStatus.alreadyRunning {
                logger.notice("Another run holds the workspace; trying again after the interval")
            } catch {
                logger.error("Pass failed; trying again after the interval")
            }
            Sleep.seconds(interval) { SignalFlag.isRaised }
        }
        logger.notice("Stopped")
    }
}
