import Foundation

/// Runs `executable` with `arguments`; its exit status and its output (stdout and stderr together).
/// The one way the tests run a checking tool (poppler, qpdf, Python checks); one that has not
/// exited within `limit` is stopped and its output says so (``ChildProcess``).
package func runTool(
    _ executable: String, _ arguments: [String], within limit: Duration = ChildProcess.defaultLimit
) throws -> (status: Int32, output: String) {
    let result = try ChildProcess(executable, arguments, output: .merged).run(within: limit)
    return (result.status, result.stdout + result.stderr)
}
