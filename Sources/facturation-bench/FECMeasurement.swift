import FacturationCore

/// The generating child of the `fec` scenario: a workspace whose records (issued invoices, a bank
/// ledger, payment matches) hold a fiscal year that makes a FEC of exactly `--fec-lines` lines;
/// the parent then measures `facturation fec --year 2025` on it, in a process of its own (see
/// ``ScenarioRunner/measureFEC(lines:seed:folder:)``), so the peak RSS is what a real export holds.
///
/// The entries are not made up: ``PaymentWorkload`` generates invoices and receipts (about one
/// invoice per 6.9 lines), ``PaymentPass`` matches them, and `Postings.entries` turns invoices,
/// bank lines and matches into sales entries (411/706/44574), bank entries (512/411, one 411
/// line per invoice paid; 512/471 for unknown payers) and VAT transfers (44574/44571). The latest
/// receipts are dropped until the file has at most the requested number of lines, then receipts
/// of unknown payers (2 lines each) fill the gap. This child also computes the expected file in
/// memory (`FECBuilder.lines` + `FECWriter.bytes`, checked against the first FECBuilder), so the
/// parent can require the exported file to be byte for byte that one. None of this is timed.
enum FECMeasurement {
    /// Average FEC lines per invoice of the payment workload (3 sales + 3.9 bank and VAT).
    static let linesPerInvoice = 6.9
    /// The day the parent exports on: every 2025 bank line is booked by then.
    static let exportDate = "2026-01-15"
    /// The fiscal year exported (calendar year 2025).
    static let year = 2025

    static func run(lines target: Int, seed: UInt64, folder: String) throws -> [String: String] {
        guard target >= 100 else { throw BenchError("--fec-lines needs at least 100 lines") }
        let generationStarted = Monotonic.now()
        let invoices = Int((Double(target) / linesPerInvoice * 1.01).rounded(.up)) + 10
        let workload = try PaymentWorkload.generate(invoices: invoices, seed: seed, in: folder)
        let receipts = try BankLine.receipts(in: workload.layout)
        // Only the matches are kept (the receivables are freed here, not while Postings runs).
        var matches = PaymentPass.run(workload, receipts: receipts).matches
        let postings = Postings(pipeline: workload.pipeline)
        var bank = try BankLine.all(in: workload.layout)
        guard bank.count == workload.receipts.count else {
            throw BenchError("\(workload.receipts.count) receipts written, \(bank.count) read back")
        }
        let first = postings.entries(issued: workload.invoices, bank: bank, matches: matches).entries
        var random = SplitMix64(seed: seed &+ 1)
        let kept = try trim(
            first, receipts: workload.receipts, sales: workload.invoices.count, bank: postings.settings.bank,
            to: target, &random)
        _ = try PaymentWorkload.writeLedger(kept, layout: workload.layout)
        bank = try BankLine.all(in: workload.layout)
        let keys = Set(kept.map(\.key))
        matches = matches.filter { keys.contains($0.key) }
        let (entries, suspense) = postings.entries(issued: workload.invoices, bank: bank, matches: matches)

        let settings = workload.pipeline.accounting
        let fiscalYear = settings.fiscalYear(containing: CivilDate(year: year, month: 6, day: 30)!)
        let lines = FECBuilder.lines(entries, from: fiscalYear.start, to: fiscalYear.end, fiscalYear: fiscalYear)
        guard lines.count == target else {
            throw BenchError("the generated workspace makes \(lines.count) FEC lines instead of \(target)")
        }
        let expected = try FECWriter.bytes(lines, format: settings.format)
        let reference = referenceCheck(entries, lines, fiscalYear: fiscalYear, seed: seed)

        try writeRecords(workload, matches: Array(matches.values))
        return [
            "lines": String(lines.count),
            "entries": String(entries.count),
            "invoices": String(workload.invoices.count),
            "receipts": String(kept.count),
            "matches": String(matches.count),
            "suspense": String(suspense.count),
            "lettered_lines": String(lines.lazy.filter { $0.letteringCode != nil }.count),
            "bytes": String(expected.count),
            "sha256": expected.withUnsafeBytes { SHA256Hasher.hex($0) },
            "generate_seconds": String(Monotonic.now() - generationStarted),
            "generation_peak_rss_bytes": String(ProcessMemory.peakResidentBytes() ?? -1),
            "reference": reference ?? "equal",
        ]
    }

    /// The records, as the invoicing and payment stages leave them: one issued batch per 1,000
    /// invoices (fsynced, few), one match file per receipt (not fsynced: 100,000+ small files).
    private static func writeRecords(_ workload: PaymentWorkload, matches: [PaymentMatch]) throws {
        let store = InvoiceStore(layout: workload.layout)
        for start in stride(from: 0, to: workload.invoices.count, by: 1_000) {
            try store.recordIssued(Array(workload.invoices[start..<min(start + 1_000, workload.invoices.count)]))
        }
        let payments = PaymentStore(layout: workload.layout)
        try Storage.makeDirectory(workload.layout.matches)
        for match in matches {
            let file = try BinaryFileOutput(path: payments.path(of: match.receipt))
            try PaymentStore.encoded(match).withUnsafeBytes { try file.write($0) }
            _ = try file.close()
        }
    }

    /// nil when `lines` equal those of the first FECBuilder (``referenceLines``), also on a
    /// shuffled sample with ties and a period starting mid-year; else where they differ.
    private static func referenceCheck(
        _ entries: [AccountingEntry], _ lines: [FECLine],
        fiscalYear year: (start: CivilDate, end: CivilDate), seed: UInt64
    ) -> String? {
        let reference = referenceLines(entries, from: year.start, to: year.end, fiscalYear: year)
        if let line = firstDifference(lines, reference) {
            return "line \(line)"
        }
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
        return firstDifference(
            FECBuilder.lines(sample, from: from, to: to, fiscalYear: year),
            referenceLines(sample, from: from, to: to, fiscalYear: year)
        ).map { "sample line \($0)" }
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

    /// The receipts to keep (with fillers) so that the FEC has exactly `target` lines: `entries`
    /// are the `sales` sales entries, then per receipt (in ledger order) its bank entry and its VAT
    /// transfer, if any.
    private static func trim(
        _ entries: [AccountingEntry], receipts: [BenchReceipt], sales: Int, bank: AccountingSettings.Journal,
        to target: Int, _ random: inout SplitMix64
    ) throws -> [BenchReceipt] {
        var sizes: [Int] = []
        for entry in entries[sales...] {
            if entry.journal == bank || sizes.isEmpty {
                sizes.append(entry.lines.count)
            } else {
                sizes[sizes.count - 1] += entry.lines.count
            }
        }
        guard sizes.count == receipts.count else {
            throw BenchError("\(sizes.count) bank entries for \(receipts.count) receipts")
        }
        var total = entries[..<sales].reduce(0) { $0 + $1.lines.count } + sizes.reduce(0, +)
        guard total >= target else {
            throw BenchError("the generated workload has \(total) FEC lines, fewer than the \(target) asked")
        }
        var keep = [Bool](repeating: true, count: sizes.count)
        var last = sizes.count
        while total > target {
            last -= 1
            keep[last] = false
            total -= sizes[last]
        }
        if (target - total) % 2 == 1 {
            guard let odd = (0..<last).last(where: { sizes[$0] % 2 == 1 }) else {
                throw BenchError("no receipt of an odd number of lines to drop")
            }
            keep[odd] = false
            total -= sizes[odd]
        }
        var kept = receipts.indices.filter { keep[$0] }.map { receipts[$0] }
        for filler in 0..<((target - total) / 2) {
            var receipt = PaymentWorkload.unknownReceipt(900_000 + filler, &random)
            receipt.key = "qonto:f111" + PaymentWorkload.padded(filler, 20)
            kept.append(receipt)
        }
        return kept.sorted { ($0.date, $0.key) < ($1.date, $1.key) }
    }
}
