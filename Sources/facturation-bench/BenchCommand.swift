#if canImport(Glibc)
import Glibc
#endif
import FacturationCore

/// Dispatches the command line: the hidden `--measure` mode of the measuring children, `--help`,
/// or a benchmark session.
enum BenchCommand {
    /// Runs and returns the exit status: 0, 1 when a measurement failed, 64 for a usage error.
    static func main(arguments: [String]) -> Int32 {
        if arguments.first == "--measure" { return measureChild(Array(arguments.dropFirst())) }
        let options: BenchOptions
        do {
            options = try BenchOptions.parse(arguments)
        } catch {
            StandardStreams.err("facturation-bench: \(error)\n")
            return 64
        }
        if options.showHelp {
            StandardStreams.out(BenchOptions.usage + "\n")
            return 0
        }
        do {
            return try BenchSession(options: options).run()
        } catch {
            StandardStreams.err("facturation-bench: \(error)\n")
            return 1
        }
    }

    /// `--measure <scenario> <file> <workspace>`: one in-process measurement, printed as
    /// `key=value` lines for the parent.
    private static func measureChild(_ arguments: [String]) -> Int32 {
        guard arguments.count == 3, let scenario = Scenario(rawValue: arguments[0]),
              scenario == .clockifyNormalize || scenario == .qontoNormalize else {
            StandardStreams.err("facturation-bench: usage: --measure clockify-normalize|qonto-normalize <file> <workspace>\n")
            return 64
        }
        do {
            let values = try NormalizeMeasurement.run(file: arguments[1], workspaceRoot: arguments[2])
            for (key, value) in values.sorted(by: { $0.key < $1.key }) { StandardStreams.out("\(key)=\(value)\n") }
            return 0
        } catch {
            StandardStreams.err("facturation-bench: \(scenario.rawValue): \(error)\n")
            return 1
        }
    }
}
