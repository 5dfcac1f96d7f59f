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

    /// `--measure <scenario> <file> <workspace>` (normalize) or `--measure match|fec <size> <seed>
    /// <folder>`: one in-process measurement, printed as `key=value` lines for the parent.
    private static func measureChild(_ arguments: [String]) -> Int32 {
        let usage = "facturation-bench: usage: --measure clockify-normalize|qonto-normalize <file> <workspace>, "
            + "or --measure match|fec <size> <seed> <folder>\n"
        guard let name = arguments.first, let scenario = Scenario(rawValue: name) else {
            StandardStreams.err(usage)
            return 64
        }
        let values: [String: String]
        do {
            switch scenario {
            case .clockifyNormalize, .qontoNormalize:
                guard arguments.count == 3 else { StandardStreams.err(usage); return 64 }
                values = try NormalizeMeasurement.run(file: arguments[1], workspaceRoot: arguments[2])
            case .match, .fec:
                guard arguments.count == 4, let size = Int(arguments[1]), size > 0,
                      let seed = UInt64(arguments[2]) else { StandardStreams.err(usage); return 64 }
                values = scenario == .match
                    ? try MatchMeasurement.run(invoices: size, seed: seed, folder: arguments[3])
                    : try FECMeasurement.run(lines: size, seed: seed, folder: arguments[3])
            case .run, .invoice, .idle:
                StandardStreams.err(usage)
                return 64
            }
        } catch {
            StandardStreams.err("facturation-bench: \(scenario.rawValue): \(error)\n")
            return 1
        }
        for (key, value) in values.sorted(by: { $0.key < $1.key }) { StandardStreams.out("\(key)=\(value)\n") }
        return 0
    }
}
