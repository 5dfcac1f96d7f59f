import FacturationCore
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// One benchmark invocation: for each requested size, generate the two files and measure every
/// file scenario (possibly several times); for each invoice workload, generate a workspace and
/// measure the month close; then print the tables, the goals and the machine facts.
struct BenchSession {
    let options: BenchOptions

    func run() throws -> Int32 {
        let bench = try FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")
        let facturation = Path.join(Path.parent(of: bench), "facturation")
        try checkPrerequisites(facturation: facturation)
        let runner = ScenarioRunner(benchExecutable: bench, facturationExecutable: facturation)
        let base =
            try options.directory.map { path in
                try Storage.makeDirectory(path); return path
            } ?? makeTemporaryFolder()
        defer { if !options.keep && options.directory == nil { try? Storage.removeTree(base) } }
        let facts = MachineFacts.collect()
        StandardStreams.out("facturation-bench on \(facts.summary)\n")
        StandardStreams.out("Working folder \(base), seed \(options.seed)\(options.keep ? ", kept" : "")\n\n")

        let recorder = Recorder(keep: options.keep)
        defer { recorder.removeKeptFolders() }
        try measureFiles(runner, base: base, recorder)
        try measureInvoices(runner, base: base, recorder)
        try measureInMemory(runner, base: base, recorder)
        try measureIdle(facturation: facturation, base: base, recorder)
        printSummary(recorder.measurements, facts: facts)
        if recorder.failures > 0 {
            StandardStreams.out(
                "\(recorder.failures) measurement\(recorder.failures == 1 ? "" : "s") failed (see above).\n")
        }
        return recorder.failures == 0 ? 0 : 1
    }

    /// The `facturation` binary next to this one, and the schemas, when a scenario needs them.
    private func checkPrerequisites(facturation: String) throws {
        let childScenarios = options.scenarios.filter { $0 == .run || $0 == .invoice || $0 == .idle }
        if let first = childScenarios.first, !FileManager.default.isExecutableFile(atPath: facturation) {
            throw BenchError(
                "\(facturation) is missing; the \(first.rawValue) scenario needs it: "
                    + "swift build -c release --scratch-path .build-bench --product facturation")
        }
        if options.scenarios.contains(.invoice) || options.scenarios.contains(.idle) {
            // The child finds the schemas the same way (from its executable, next to this one).
            do {
                _ = try SchemaCatalog.locate()
            } catch {
                throw BenchError("the invoice scenario validates every invoice against the Factur-X XSD: \(error)")
            }
        }
    }

    /// The measurements made so far, the failures, and the folders to remove at the end.
    final class Recorder {
        let keep: Bool
        private(set) var measurements: [Measurement] = []
        private(set) var failures = 0
        // Invoice workspaces are deleted at the end only: ext4 is slow to create files for a few
        // minutes after many were deleted (it skips recently freed inodes), which would slow the
        // next attempt by several seconds.
        private(set) var removeAtEnd: [String] = []

        init(keep: Bool) { self.keep = keep }

        func record(_ scenario: Scenario, in folder: String, _ measure: () throws -> Measurement) {
            do {
                let measurement = try measure()
                StandardStreams.out(Report.line(measurement) + "\n")
                measurements.append(measurement)
            } catch {
                StandardStreams.out("\(scenario.rawValue) FAILED: \(error)\n")
                failures += 1
            }
            if scenario == .invoice {
                removeAtEnd.append(folder)
            } else if !keep {
                try? Storage.removeTree(folder)
            }
        }

        func add(_ more: [Measurement]) { measurements += more }
        func fail(_ scenario: Scenario, _ error: any Error) {
            StandardStreams.out("\(scenario.rawValue) FAILED: \(error)\n")
            failures += 1
        }
        func removeLater(_ folder: String) { removeAtEnd.append(folder) }
        func removeKeptFolders() {
            if !keep { for folder in removeAtEnd { try? Storage.removeTree(folder) } }
        }
    }

    /// The scenarios on the generated Clockify and Qonto exports, for each size.
    private func measureFiles(_ runner: ScenarioRunner, base: String, _ recorder: Recorder) throws {
        let fileScenarios = options.scenarios.filter(\.usesExportFiles)
        for (number, target) in options.sizes.enumerated() where !fileScenarios.isEmpty {
            let folder = Path.join(base, "size-\(number + 1)")
            try Storage.removeTree(folder)  // left by an earlier --keep run in the same --dir
            try Storage.makeDirectory(folder)
            defer { if !options.keep { try? Storage.removeTree(folder) } }
            let (clockify, qonto) = try generate(target, in: folder)
            for scenario in fileScenarios {
                for attempt in 1...options.repeats {
                    let scenarioFolder = Path.join(folder, "\(scenario.rawValue)-\(attempt)")
                    recorder.record(scenario, in: scenarioFolder) {
                        try runner.measure(
                            scenario, clockify: clockify, qonto: qonto,
                            sizeLabel: target.description, folder: scenarioFolder)
                    }
                }
            }
            StandardStreams.out("\n")
        }
    }

    /// The month close, a fresh workspace each time (a month is invoiced only once).
    private func measureInvoices(_ runner: ScenarioRunner, base: String, _ recorder: Recorder) throws {
        guard options.scenarios.contains(.invoice) else { return }
        for (number, workload) in options.invoiceWorkloads.enumerated() {
            for attempt in 1...options.repeats {
                let folder = Path.join(base, "invoice-\(number + 1)-\(attempt)")
                try Storage.removeTree(folder)
                try Storage.makeDirectory(folder)
                recorder.record(.invoice, in: folder) {
                    try runner.measureInvoice(workload, seed: options.seed, folder: folder)
                }
            }
            StandardStreams.out("\n")
        }
    }

    /// `match` and `fec`, on data generated by a child process.
    private func measureInMemory(_ runner: ScenarioRunner, base: String, _ recorder: Recorder) throws {
        for scenario in options.scenarios where scenario.isInMemory {
            let sizes = scenario == .match ? options.matchInvoices : options.fecLines
            for (number, size) in sizes.enumerated() {
                for attempt in 1...options.repeats {
                    let folder = Path.join(base, "\(scenario.rawValue)-\(number + 1)-\(attempt)")
                    try Storage.removeTree(folder)
                    try Storage.makeDirectory(folder)
                    recorder.record(scenario, in: folder) {
                        scenario == .fec
                            ? try runner.measureFEC(lines: size, seed: options.seed, folder: folder)
                            : try runner.measureInMemory(scenario, size: size, seed: options.seed, folder: folder)
                    }
                }
            }
            StandardStreams.out("\n")
        }
    }

    /// A run with nothing new, on a history built month by month.
    private func measureIdle(facturation: String, base: String, _ recorder: Recorder) throws {
        guard options.scenarios.contains(.idle) else { return }
        let folder = Path.join(base, "history")
        try Storage.removeTree(folder)
        recorder.removeLater(folder)
        do {
            recorder.add(
                try HistoryMeasurement(facturation: facturation, root: folder)
                    .run(years: options.years, repeats: options.repeats))
        } catch {
            recorder.fail(.idle, error)
        }
        StandardStreams.out("\n")
    }

    /// The table, what each row measures, and the goals.
    private func printSummary(_ measurements: [Measurement], facts: MachineFacts) {
        StandardStreams.out(Report.table(measurements) + "\n")
        let floor = Report.megabytes(ProcessMemory.peakResidentBytes() ?? 0)
        StandardStreams.out(
            """
            Machine: \(facts.summary).
            MB = 10^6 bytes. The input files were just written and synced, so they are in the page
            cache: this measures CPU and memory, not the disk. Normalize rows: in-process time of scan + sniff +
            convert; peak RSS = VmHWM of the measuring child. run rows: the Clockify file alone in a fresh
            workspace; wall time of the whole `facturation run --settle 0` process, then the Python
            standard-library peer on the same file and `dd bs=8M count=128 conv=fsync` in the same folder;
            peak RSS from wait4 (Linux never reports less than the
            spawner's own peak, here \(floor) MB). invoice rows: wall time of the whole
            `facturation run --date \(InvoiceWorkspace.runDate)` process on a generated workspace (July's
            time-based invoices and August's fees; every invoice is written, validated against the
            Factur-X XSD, recorded and delivered to the outbox as 2 to 4 fsynced files plus its
            batch's record, so the file system's cost of creating and syncing files counts: --dir on
            a tmpfs shows the CPU part; the generated workspace is synced to disk before the run; on
            ext4 a run within minutes of deleting many files is slower, as ext4 skips the inodes
            freed in the last minutes when it creates files).
            match rows: in-process time of the measuring child on data it generated in memory
            (not timed); match seconds = building the receivables, the invoice-number list,
            reference finder and payer identifier + matching every receipt; peak RSS = the child's VmHWM
            (it holds the generated data too). fec rows: wall time of the whole `facturation fec --year
            \(FECMeasurement.year)` process on a workspace whose records (issued invoices, bank ledger,
            match files) were written by another process and synced; MB/s = FEC bytes / those seconds;
            peak RSS from wait4 (see above).


            """)
        StandardStreams.out(Report.goals(measurements))
    }

    /// Writes the Clockify and Qonto files of one size.
    private func generate(_ target: SizeTarget, in folder: String) throws -> (GeneratedFile, GeneratedFile) {
        var started = Monotonic.now()
        var clockifyGenerator = ClockifyGenerator(target: target, seed: options.seed)
        let clockify = try clockifyGenerator.write(
            to: Path.join(folder, "Clockify_Time_Report_Detailed_01_01_2025-31_12_2025.csv"))
        StandardStreams.out(
            "Generated \(Path.name(of: clockify.path)): \(Report.megabytes(clockify.bytes)) MB, "
                + "\(clockify.rows) rows in \(Report.fixed(Monotonic.now() - started, 1)) s\n")
        started = Monotonic.now()
        var qontoGenerator = QontoGenerator(target: target, seed: options.seed, accountIBAN: BenchWorkspace.companyIBAN)
        let qonto = try qontoGenerator.write(to: Path.join(folder, "qonto-transactions-2025.csv"))
        StandardStreams.out(
            "Generated \(Path.name(of: qonto.path)): \(Report.megabytes(qonto.bytes)) MB, "
                + "\(qonto.rows) rows in \(Report.fixed(Monotonic.now() - started, 1)) s\n")
        // Exports arrive in the inbox before a run: on disk (and still in the page cache) when it
        // starts, so the measurement does not pay for writing back what the generator wrote.
        sync()
        return (clockify, qonto)
    }

    private func makeTemporaryFolder() throws(BenchError) -> String {
        var template = Array("/tmp/facturation-bench-XXXXXX".utf8CString)
        guard mkdtemp(&template) != nil else {
            throw BenchError("cannot create a folder under /tmp: \(String(cString: strerror(errno)))")
        }
        return String(decoding: template.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
    }
}
