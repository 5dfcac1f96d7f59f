import ArgumentParser
import FacturationCore
import Foundation
import Logging

/// Options every command accepts: which workspace, and how much to log.
struct GlobalOptions: ParsableArguments {
    @Option(
        name: [.short, .long],
        help: ArgumentHelp(
            "The workspace folder (default: $FACTURATION_WORKSPACE, else the current folder).", valueName: "dir"))
    var workspace: String?

    @Flag(name: .shortAndLong, help: "Log more on stderr (-v: each file, -vv: details).")
    var verbose: Int

    @Flag(name: .shortAndLong, help: "Log only errors on stderr.")
    var quiet = false

    /// The workspace chosen by the option, the environment, or the current folder.
    var resolvedWorkspace: Workspace {
        if let workspace { return Workspace(root: workspace) }
        if let fromEnvironment = ProcessInfo.processInfo.environment["FACTURATION_WORKSPACE"], !fromEnvironment.isEmpty
        {
            return Workspace(root: fromEnvironment)
        }
        return Workspace(root: ".")
    }

    /// The process's clock: the system's, or the instant `FACTURATION_NOW` fixes (tests, replays).
    var clock: Clock {
        get throws { try Clock.fromEnvironment() }
    }

    /// A logger writing to stderr at the level the flags ask for.
    func makeLogger(label: String) -> Logger {
        var logger = Logger(label: label) { StreamLogHandler.standardError(label: $0) }
        logger.logLevel = quiet ? .error : verbose >= 2 ? .debug : verbose == 1 ? .info : .notice
        return logger
    }

    /// Loads the pipelines, or prints the configuration errors and exits with status 3.
    func loadPipelines(_ workspace: Workspace) throws -> [PipelineConfig] {
        do throws(ConfigErrors) {
            return try PipelineLoader.loadAll(workspace: workspace)
        } catch {
            StandardStreams.err(
                "Configuration error (nothing was done):\n"
                    + error.errors.map { "  \($0)" }
                    .joined(separator: "\n") + "\n")
            throw ExitCode(ExitStatus.configurationError)
        }
    }

    /// Runs `body` holding the workspace lock, with an empty `work/tmp`; exits with status 4
    /// when a run holds the lock.
    func withWorkspaceLock<T>(_ workspace: Workspace, _ body: () throws -> T) throws -> T {
        try Storage.makeDirectory(workspace.work)
        guard let lock = try WorkspaceLock(path: workspace.lockFile) else {
            throw FacturationError.alreadyRunning(
                lockFile: workspace.lockFile,
                holder: WorkspaceLock.holder(path: workspace.lockFile))
        }
        defer { withExtendedLifetime(lock) {} }
        try Storage.removeTree(workspace.temporary)
        try Storage.makeDirectory(workspace.temporary)
        return try body()
    }
}
