import ArgumentParser
import FacturationCore

/// `facturation-bench`: a benchmark session, or (hidden) the `--measure` mode of the measuring children.
///
/// The options keep the names and meanings of the hand-written parser they replace; lists stay comma-separated
/// strings, turned into values by ``benchOptions()`` (also run by `validate()`, so a bad value exits 64 with usage).
struct BenchCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "facturation-bench",
        abstract: "Measures the pipeline on generated Clockify and Qonto exports, invoice months, payments and FECs.",
        discussion: """
            Generates synthetic Clockify and Qonto exports (or, for invoice, a workspace
            with a month of time entries; for match and fec, invoices and bank receipts),
            then measures the pipeline on them, each scenario in its own child process
            (so the peak RSS is per scenario). Prints one line per measurement, then
            Markdown tables for the README.

            Scenarios:
              clockify-normalize  scan (SHA-256, encoding) + sniff + convert one Clockify
                                  CSV into normalized scratch files: read, parse,
                                  convert, write
              qonto-normalize     the same for one Qonto French CSV
              run                 `facturation run --settle 0` on a fresh workspace
                                  holding the Clockify export (adds the ledger merge,
                                  archive, outbox and fsyncs; the binary is taken from
                                  the bench's own build folder), then a Python csv peer
                                  doing the same conversion and the machine's fsynced
                                  write speed (dd), for comparison
              invoice             `facturation run --settle 0 --date 2025-08-01` on a
                                  generated workspace: a pipeline of --clients clients
                                  (half with a monthly contract) and a July time-entries
                                  ledger of --entries entries written directly (no
                                  import); measures the month close: drafts, approval
                                  rules, numbering, Factur-X XML + XSD validation,
                                  records, outbox, Oxygène export. Needs the Factur-X
                                  XSD (vendor/factur-x above the build folder, or
                                  FACTURATION_SCHEMAS)
              match               payment matching in memory: --invoices open invoices
                                  over up to 10,000 clients and as many booked receipts
                                  (60 % mention their invoice in varied forms, 20 % come
                                  from the client and pay one invoice, 10 % pay two
                                  invoices of a client, 10 % from unknown payers); times
                                  building the receivables and matching every receipt in
                                  date order as the payment stage does (each match
                                  applied); prints the count per rule
              idle                `facturation run` with nothing new to do on a workspace of
                                  --years years of history (100 invoices and 100 receipts
                                  a month, built month by month by the real binary): the
                                  median of --repeat runs (at least 3), and the full pass
                                  that follows a change
              fec                 `facturation fec --year 2025` on a workspace whose
                                  records (issued invoices, a bank ledger, one match file
                                  per matched receipt, written by a child process) make a
                                  FEC of --fec-lines lines of sales, bank and VAT entries;
                                  the whole process: reading the records, postings,
                                  numbering, lettering, writing + checking; MB/s = file
                                  bytes / its wall time; the file must be the one the
                                  generator computed in memory, byte for byte

            Build and run (release):
              swift build -c release --scratch-path .build-bench --product facturation
              swift build -c release --scratch-path .build-bench \\
                  --product facturation-bench
              .build-bench/release/facturation-bench --megabytes 50,200
              .build-bench/release/facturation-bench --scenario invoice \\
                  --clients 5000,500 --entries 1000000,100000
              .build-bench/release/facturation-bench --scenario match,fec \\
                  --invoices 100000 --fec-lines 1000000
            """)

    @Option(
        help: ArgumentHelp(
            "Size of each generated file in MB (10^6 bytes), comma-separated for several sizes, "
                + "e.g. 50,200 (default: 50).", valueName: "list"))
    var megabytes: String?

    @Option(help: ArgumentHelp("Number of rows of each generated file instead, e.g. 100000.", valueName: "list"))
    var rows: String?

    @Option(help: ArgumentHelp("invoice: clients in the pipeline (default: 5000).", valueName: "list"))
    var clients: String?

    @Option(
        help: ArgumentHelp(
            "invoice: time entries in the month (default: 1000000); with lists, --clients "
                + "5000,500 --entries 1000000,100000 measures two pairs.", valueName: "list"))
    var entries: String?

    @Option(help: ArgumentHelp("match: open invoices, and receipts (default: 100000).", valueName: "list"))
    var invoices: String?

    @Option(help: ArgumentHelp("fec: lines of the FEC file, at least 100 (default: 1000000).", valueName: "list"))
    var fecLines: String?

    @Option(help: ArgumentHelp("idle: years of history to measure at (default: 1,5,10).", valueName: "list"))
    var years: String?

    @Option(
        help: ArgumentHelp(
            "clockify-normalize, qonto-normalize, run, invoice, match, fec, idle or all (default: all); "
                + "repeat the option or separate names with commas.", valueName: "name"))
    var scenario: [String] = []

    @Option(
        name: .customLong("repeat"),
        help: ArgumentHelp(
            "Measure each scenario n times; the table keeps the median.", valueName: "n"))
    var repeats: Int = 1

    @Option(help: ArgumentHelp("Seed of the data generator.", valueName: "n"))
    var seed: UInt64 = 42

    @Option(
        name: .customLong("dir"),
        help: ArgumentHelp(
            "Where to generate the files (default: a new folder under /tmp).", valueName: "path"))
    var directory: String?

    @Flag(help: "Keep the generated files and workspaces.")
    var keep = false

    /// The children's mode, run by ``ScenarioRunner``: `--measure clockify-normalize|qonto-normalize <file>
    /// <workspace>`, `--measure match <size> <seed> <folder>` or `--measure fec <lines> <seed> <folder>`
    /// (writes the workspace only).
    @Option(help: .private)
    var measure: Scenario?

    @Argument(help: .private)
    var measureArguments: [String] = []

    func validate() throws {
        if measure != nil { return }
        if let first = measureArguments.first { throw ValidationError("Unexpected argument '\(first)'") }
        do {
            _ = try benchOptions()
        } catch {
            throw ValidationError(error.description)
        }
    }

    func run() throws {
        if let measure {
            let status = MeasureChild.run(measure, measureArguments)
            if status != 0 { throw ExitCode(status) }
            return
        }
        let status: Int32
        do {
            status = try BenchSession(options: benchOptions()).run()
        } catch {
            StandardStreams.err("facturation-bench: \(error)\n")
            throw ExitCode.failure
        }
        if status != 0 { throw ExitCode(status) }
    }

    /// The options as values for ``BenchSession``, or the first invalid one.
    func benchOptions() throws(BenchError) -> BenchOptions {
        var options = BenchOptions()
        if megabytes != nil && rows != nil { throw BenchError("use either --megabytes or --rows, not both") }
        if let megabytes {
            options.sizes = try BenchOptions.list(megabytes, "--megabytes") { text in
                Double(text).flatMap { $0 > 0 ? SizeTarget.bytes(Int64($0 * 1e6)) : nil }
            }
        }
        if let rows {
            options.sizes = try BenchOptions.list(rows, "--rows") { BenchOptions.positive($0).map(SizeTarget.rows) }
        }
        let clients =
            try clients.map { text throws(BenchError) in
                try BenchOptions.list(text, "--clients", BenchOptions.positive)
            } ?? [InvoiceWorkload.defaultClients]
        let entries =
            try entries.map { text throws(BenchError) in
                try BenchOptions.list(text, "--entries", BenchOptions.positive)
            } ?? [InvoiceWorkload.defaultEntries]
        options.invoiceWorkloads = try InvoiceWorkload.pairs(clients: clients, entries: entries)
        if let invoices { options.matchInvoices = try BenchOptions.list(invoices, "--invoices", BenchOptions.positive) }
        if let fecLines {
            options.fecLines = try BenchOptions.list(fecLines, "--fec-lines") {
                Int($0).flatMap { $0 >= 100 ? $0 : nil }
            }
        }
        if let years {
            options.years = try BenchOptions.list(years, "--years") {
                Int($0).flatMap { $0 > 0 && $0 <= 50 ? $0 : nil }
            }
        }
        options.scenarios = try BenchOptions.scenarios(scenario)
        guard repeats > 0 else { throw BenchError("--repeat needs a positive whole number") }
        options.repeats = repeats
        options.seed = seed
        options.directory = directory
        options.keep = keep
        return options
    }
}

extension Scenario: ExpressibleByArgument {}

/// `--measure`: one in-process measurement, printed as `key=value` lines for the parent.
enum MeasureChild {
    /// Runs and returns the exit status: 0, 1 when the measurement failed, 64 for wrong arguments.
    static func run(_ scenario: Scenario, _ arguments: [String]) -> Int32 {
        let usage =
            "facturation-bench: usage: --measure clockify-normalize|qonto-normalize <file> <workspace>, "
            + "or --measure match|fec <size> <seed> <folder>\n"
        let values: [String: String]
        do {
            switch scenario {
            case .clockifyNormalize, .qontoNormalize:
                guard arguments.count == 2 else { StandardStreams.err(usage); return 64 }
                values = try NormalizeMeasurement.run(file: arguments[0], workspaceRoot: arguments[1])
            case .match, .fec:
                guard arguments.count == 3, let size = Int(arguments[0]), size > 0,
                    let seed = UInt64(arguments[1])
                else { StandardStreams.err(usage); return 64 }
                values =
                    scenario == .match
                    ? try MatchMeasurement.run(invoices: size, seed: seed, folder: arguments[2])
                    : try FECMeasurement.run(lines: size, seed: seed, folder: arguments[2])
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
