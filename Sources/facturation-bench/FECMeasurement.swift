import FacturationCore

/// The child side of the `fec` scenario: a year of accounting entries in the shapes `Postings`
/// produces, then the three timed steps of an export: (a) `FECBuilder.lines` (numbering,
/// lettering, ordering: `FECBuilder.plan`), (b)+(c) `FECCheckedWriter.write`: the lines encoded
/// and checked in one streamed pass with the options the accounting stage uses, as it exports.
///
/// The entries are not made up: ``PaymentWorkload`` generates invoices and receipts (about one
/// invoice per 6.9 lines), ``PaymentPass`` matches them, and `Postings.entries` turns invoices,
/// bank lines and matches into sales entries (411/706/44574), bank entries (512/411, one 411
/// line per invoice paid; 512/471 for unknown payers) and VAT transfers (44574/44571). Entries
/// are then dropped from the end (the latest bank operations) so that the file has exactly the
/// requested number of lines; a gap of 2 to 5 lines is filled by one bank entry of that many
/// lines (512 against several 471 lines).
enum FECMeasurement {
    /// Average FEC lines per invoice of the payment workload (3 sales + 3.9 bank and VAT).
    static let linesPerInvoice = 6.9

    static func run(lines target: Int, seed: UInt64, folder: String) throws -> [String: String] {
        guard target >= 100 else { throw BenchError("--fec-lines needs at least 100 lines") }
        let generationStarted = Monotonic.now()
        let invoices = Int((Double(target) / linesPerInvoice * 1.01).rounded(.up)) + 10
        let workload = try PaymentWorkload.generate(invoices: invoices, seed: seed, in: folder)
        let receipts = try BankLine.receipts(in: workload.layout)
        // Only the matches are kept (the receivables are freed here, not while Postings runs).
        let matches = PaymentPass.run(workload, receipts: receipts).matches
        let bank = try BankLine.all(in: workload.layout)
        let generated = Monotonic.now()

        let postings = Postings(pipeline: workload.pipeline)
        let (allEntries, suspense) = postings.entries(issued: workload.invoices, bank: bank, matches: matches)
        let posted = Monotonic.now()
        let entries = try trim(allEntries, to: target, settings: postings.settings)

        let settings = workload.pipeline.accounting
        let year = settings.fiscalYear(containing: CivilDate(year: 2025, month: 6, day: 30)!)
        // The export's own peak: the high-water mark is reset once the input is in memory (the
        // generation peaks higher than the export and is not what is measured).
        let generationPeak = ProcessMemory.peakResidentBytes() ?? -1
        let heldBeforeExport = ProcessMemory.residentBytes() ?? -1
        let resetPeak = ProcessMemory.resetPeak()
        let buildStarted = Monotonic.now()
        let plan = FECBuilder.plan(entries, from: year.start, to: year.end, fiscalYear: year)
        let built = Monotonic.now()
        let name = FECFormat.fileName(siren: workload.pipeline.company.siren, closingDate: year.end)
        // Written to a temporary file in the data folder (discarded, as the accounting stage
        // discards a file that fails its check), checked from the same buffers.
        let output = try OutputFile(directory: folder)
        let result = try FECCheckedWriter.write(
            plan, format: settings.format,
            options: .init(
                fileName: name, fiscalYearStart: year.start, closingDate: year.end, ownExport: true), to: output)
        let report = result.report
        let checked = Monotonic.now()
        let exportPeak = ProcessMemory.peakResidentBytes() ?? -1
        let peak = resetPeak ? max(generationPeak, exportPeak) : exportPeak

        // Not timed: the lines equal those of FECBuilder as first written (kept below), on these
        // entries and on a shuffled sample with ties and a period starting mid-year.
        let lines = FECBuilder.lines(entries, from: year.start, to: year.end, fiscalYear: year)
        let streamed = try FECWriter.bytes(lines, format: settings.format)
        let exported = Path.join(folder, name)
        try output.commit(to: exported, collision: .replace)
        let sameBytes = try sameContent(exported, streamed) && Int64(streamed.count) == result.byteCount
        var reference = firstDifference(
            lines, referenceLines(entries, from: year.start, to: year.end, fiscalYear: year))
        if reference == nil {
            var random = SplitMix64(seed: seed)
            var sample = Array(entries.prefix(20_000))
            for copy in 0..<2_000 {
                // Ties: same journal, date, piece and label, other amounts (so their order shows).
                var twin = sample[random.int(in: 0..<sample.count)]
                for line in twin.lines.indices {
                    twin.lines[line].debitMinor *= Int64(2 + copy % 3)
                    twin.lines[line].creditMinor *= Int64(2 + copy % 3)
                }
                sample.append(twin)
            }
            for index in stride(from: sample.count - 1, to: 0, by: -1) {
                sample.swapAt(index, random.int(in: 0..<(index + 1)))
            }
            let from = CivilDate(year: 2025, month: 3, day: 1)!, to = CivilDate(year: 2025, month: 9, day: 30)!
            if let line = firstDifference(
                FECBuilder.lines(sample, from: from, to: to, fiscalYear: year),
                referenceLines(sample, from: from, to: to, fiscalYear: year))
            {
                reference = "sample line \(line)"
            }
        } else {
            reference = "line \(reference!)"
        }
        if reference == nil, !sameBytes { reference = "the streamed bytes differ from FECWriter.bytes" }

        let errors = report.findings.filter { $0.severity == .error }.prefix(5)
            .map { "\($0.rule) \($0.description) (\($0.count)×, first at line \($0.examples.first?.line ?? 0))" }
        let warnings = report.findings.filter { $0.severity != .error }.prefix(5)
            .map { "\($0.rule) \($0.description) (\($0.count)×)" }
        return [
            "lines": String(lines.count),
            "entries": String(entries.count),
            "invoices": String(workload.invoices.count),
            "receipts": String(receipts.count),
            "suspense": String(suspense.count),
            "lettered_lines": String(lines.lazy.filter { $0.letteringCode != nil }.count),
            "bytes": String(result.byteCount),
            "generate_seconds": String(generated - generationStarted),
            "postings_seconds": String(posted - generated),
            "build_seconds": String(built - buildStarted),
            // Written and checked in one streamed pass (FECCheckedWriter): one time for both.
            "write_seconds": String(checked - built),
            "check_seconds": "0",
            "seconds": String(checked - built),
            "checked_lines": String(report.lines),
            "checked_entries": String(report.entries),
            "debit_minor": String(report.debitMinor),
            "credit_minor": String(report.creditMinor),
            "valid": String(report.isValid),
            "errors": errors.joined(separator: "; "),
            "warnings": warnings.joined(separator: "; "),
            "peak_rss_bytes": String(peak),
            "generation_peak_rss_bytes": String(generationPeak),
            "held_before_export_bytes": String(heldBeforeExport),
            "export_peak_rss_bytes": String(resetPeak ? exportPeak : -1),
            "reference": reference ?? "equal",
        ]
    }

    /// Whether the file at `path` holds exactly `bytes` (read in chunks: Storage.read is bounded).
    private static func sameContent(_ path: String, _ bytes: [UInt8]) throws -> Bool {
        let file = try InputFile(path: path)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        var offset = 0
        while true {
            let count = try file.read(into: &chunk)
            if count == 0 { return offset == bytes.count }
            guard offset + count <= bytes.count, bytes[offset..<(offset + count)].elementsEqual(chunk[0..<count]) else {
                return false
            }
            offset += count
        }
    }

    /// The first line (1-based) where two lists differ, or nil.
    private static func firstDifference(_ a: [FECLine], _ b: [FECLine]) -> String? {
        for index in 0..<min(a.count, b.count) where a[index] != b[index] { return String(index + 1) }
        return a.count == b.count ? nil : "\(min(a.count, b.count) + 1) (\(a.count) lines instead of \(b.count))"
    }

    /// `FECBuilder.lines` as it was first written (before it sorted positions instead of entries):
    /// the reference its output is compared with. Lettering counts every line of the fiscal year up
    /// to `to`, as FECBuilder does since issue #8 (a payment is lettered in its month's file).
    static func referenceLines(
        _ entries: [AccountingEntry], from: CivilDate, to: CivilDate,
        fiscalYear: (start: CivilDate, end: CivilDate)
    ) -> [FECLine] {
        let inYear = entries.filter { $0.date >= fiscalYear.start && $0.date <= min(to, fiscalYear.end) }
        var numbered: [(entry: AccountingEntry, number: String)] = []
        for (code, group) in Dictionary(grouping: inYear, by: \.journal.code) {
            let sorted = group.sorted { ($0.date, $0.pieceRef, $0.label) < ($1.date, $1.pieceRef, $1.label) }
            for (index, entry) in sorted.enumerated() {
                numbered.append((entry, code + PaymentWorkload.padded(index + 1, 6)))
            }
        }
        var balance: [String: Int64] = [:]
        var lastDate: [String: CivilDate] = [:]
        for entry in inYear {
            for line in entry.lines {
                guard let invoice = line.invoice else { continue }
                balance[invoice, default: 0] += line.debitMinor - line.creditMinor
                lastDate[invoice] = max(lastDate[invoice] ?? entry.date, entry.date)
            }
        }
        var result: [FECLine] = []
        let ordered = numbered.sorted {
            ($0.entry.date, $0.entry.journal.code, $0.number) < ($1.entry.date, $1.entry.journal.code, $1.number)
        }
        for (entry, number) in ordered where entry.date >= from {
            for line in entry.lines {
                var lettering: String?
                var letteringDate: CivilDate?
                if let invoice = line.invoice, balance[invoice] == 0 {
                    lettering = invoice
                    letteringDate = lastDate[invoice]
                }
                result.append(
                    FECBuilder.line(
                        of: entry, line, number: number, lettering: lettering,
                        letteringDate: letteringDate))
            }
        }
        return result
    }

    /// Drops entries from the end until `target` lines are left, filling a gap with one entry.
    private static func trim(
        _ entries: [AccountingEntry], to target: Int,
        settings: AccountingSettings
    ) throws -> [AccountingEntry] {
        var entries = entries
        var total = entries.reduce(0) { $0 + $1.lines.count }
        guard total >= target else {
            throw BenchError("the generated workload has \(total) FEC lines, fewer than the \(target) asked")
        }
        // The shape of the filler: a bank entry of an unknown payer (512 debit, 471 credit).
        guard
            let prototype = entries.last(where: {
                $0.journal == settings.bank && $0.lines.count == 2 && $0.lines[1].account == settings.suspense
            })
        else { throw BenchError("the generated workload has no unexplained bank line") }
        while total > target { total -= entries.removeLast().lines.count }
        if target - total == 1 { total -= entries.removeLast().lines.count }
        let gap = target - total
        if gap >= 2 {
            var filler = prototype
            filler.pieceRef += "G"
            filler.label = "Virements groupés non identifiés"
            var debit = prototype.lines[0], credit = prototype.lines[1]
            debit.debitMinor = Int64(gap - 1) * 10_000
            credit.creditMinor = 10_000
            filler.lines = [debit] + Array(repeating: credit, count: gap - 1)
            entries.append(filler)
        }
        return entries
    }
}
