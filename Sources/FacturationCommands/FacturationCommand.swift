import ArgumentParser
import FacturationCore
import Foundation

/// The `facturation` command: the invoicing pipeline of one or more workspaces.
package struct FacturationCommand: ParsableCommand {
    package static let configuration = CommandConfiguration(
        commandName: "facturation",
        abstract: "Turns Clockify and Qonto exports dropped in inbox/ into normalized ledgers in outbox/.",
        discussion: """
            A workspace is a folder with inbox/, outbox/, archive/ and pipelines/. Drop exports into inbox/, \
            run `facturation run`, collect the results in outbox/. Rejected files are kept in archive/rejected/ \
            with a .reason.txt that says what to fix.

            Exit status: 0 all good; 1 the run could not finish (disk error…; run again once fixed); \
            2 some files were rejected; 3 a pipeline file is invalid (nothing done); \
            4 another run is working on the workspace (nothing done); 64 wrong command line.
            """,
        version: "0.1.0",
        subcommands: [
            RunCommand.self, WatchCommand.self, StatusCommand.self, CheckCommand.self, InitCommand.self,
            ApproveCommand.self, RejectCommand.self, FECCommand.self, FECCheckCommand.self,
            ReconcileCommand.self, PDFCommand.self, SendCommand.self, ResendCommand.self, FetchCommand.self,
        ]
    )

    package init() {}

    /// Runs the command line. A ``FacturationError`` that reaches here is printed with its
    /// message and ends the process with its kind's exit status: commands do not pick exit
    /// statuses by catching error types.
    package static func main() {
        do {
            var command = try parseAsRoot()
            try command.run()
        } catch let error as FacturationError {
            StandardStreams.err("error: \(error.message)\n")
            Foundation.exit(error.exitStatus)
        } catch {
            exit(withError: error)
        }
    }
}
