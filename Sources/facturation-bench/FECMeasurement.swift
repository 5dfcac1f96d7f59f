import FacturationCore

/// The child side of the `fec` scenario: a year of accounting entries in the shapes `Postings`
/// produces, then the three timed steps of an export: (a) `FECBuilder.lines` (numbering,
/// lettering, ordering), (b) `FECWriter.bytes`, (c) `FECChecker.check(bytes:)` with the options
/// the accounting stage uses.
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
        let receipts = try Receipt.all(in: workload.layout)
        let pass = PaymentPass.run(workload, receipts: receipts)
        let bank = try BankLine.all(in: workload.layout)
        let generated = Monotonic.now()

        let postings = Postings(pipeline: workload.pipeline)
        let (allEntries, suspense) = postings.entries(issued: workload.invoices, bank: bank, matches: pass.matches)
        let posted = Monotonic.now()
        let entries = try trim(allEntries, to: target, settings: postings.settings)

        let settings = workload.pipeline.accounting
        let year = settings.fiscalYear(containing: CivilDate(year: 2025, month: 6, day: 30)!)
        let buildStarted = Monotonic.now()
        let lines = FECBuilder.lines(entries, from: year.start, to: year.end, fiscalYear: year)
        let built = Monotonic.now()
        let bytes = try FECWriter.bytes(lines, format: settings.format)
        let written = Monotonic.now()
        let name = FECFormat.fileName(siren: workload.pipeline.company.siren, closingDate: year.end)
        let report = FECChecker.check(bytes: bytes, options: .init(fileName: name, fiscalYearStart: year.start,
                                                                   closingDate: year.end, ownExport: true))
        let checked = Monotonic.now()

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
            "bytes": String(bytes.count),
            "generate_seconds": String(generated - generationStarted),
            "postings_seconds": String(posted - generated),
            "build_seconds": String(built - buildStarted),
            "write_seconds": String(written - built),
            "check_seconds": String(checked - written),
            "seconds": String(checked - built),
            "checked_lines": String(report.lines),
            "checked_entries": String(report.entries),
            "debit_minor": String(report.debitMinor),
            "credit_minor": String(report.creditMinor),
            "valid": String(report.isValid),
            "errors": errors.joined(separator: "; "),
            "warnings": warnings.joined(separator: "; "),
            "peak_rss_bytes": String(ProcessMemory.peakResidentBytes() ?? -1),
        ]
    }

    /// Drops entries from the end until `target` lines are left, filling a gap with one entry.
    private static func trim(_ entries: [AccountingEntry], to target: Int,
                             settings: AccountingSettings) throws -> [AccountingEntry] {
        var entries = entries
        var total = entries.reduce(0) { $0 + $1.lines.count }
        guard total >= target else {
            throw BenchError("the generated workload has \(total) FEC lines, fewer than the \(target) asked")
        }
        // The shape of the filler: a bank entry of an unknown payer (512 debit, 471 credit).
        guard let prototype = entries.last(where: {
            $0.journal == settings.bank && $0.lines.count == 2 && $0.lines[1].account == settings.suspense
        }) else { throw BenchError("the generated workload has no unexplained bank line") }
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
