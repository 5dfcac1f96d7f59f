import ArgumentParser
import FacturationCore

/// `facturation init DIR`: create a fresh workspace with a commented example pipeline.
struct InitCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "init",
        abstract: "Create a workspace (inbox/, outbox/, archive/, pipelines/) with an example pipeline file.")

    @Argument(help: ArgumentHelp("The folder to create (or complete).", valueName: "dir"))
    var directory: String

    func run() throws {
        do {
            let written = try WorkspaceTemplate.create(at: directory)
            let workspace = Workspace(root: directory)
            var out = "Created the workspace \(workspace.root):\n"
            for path in written { out += "  \(Path.relative(path, to: workspace.root))\n" }
            out +=
                "Next: edit pipelines/company.toml, check it with `facturation check --workspace \(directory)`, "
                + "drop exports into inbox/ and run `facturation run --workspace \(directory)`.\n"
            StandardStreams.out(out)
        } catch {
            StandardStreams.err("facturation init: \(error)\n")
            throw ExitCode(ExitStatus.failure)
        }
    }
}
