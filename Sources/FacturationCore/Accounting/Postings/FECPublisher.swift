import CSupport
import Foundation

/// The accounting stage: for each pipeline with an `[invoicing]` section, the FEC of every closed
/// month (``FECPublisher/monthly()``).
package struct AccountingStage: PipelineStage {
    package var name: StageName { .accounting }
    package var schedule: Schedule { .everyRun }

    package init() {}

    package func applies(to pipeline: PipelineConfig) -> Bool { pipeline.invoicing != nil }

    package func run(_ run: PipelineRun, summary: inout RunSummary) throws {
        let publisher = try FECPublisher(monthlyOf: run.layout, snapshot: try run.snapshot(), today: run.today)
        do {
            let (exports, warnings) = try publisher.monthly()
            summary.fec += exports
            summary.warnings = (summary.warnings ?? []) + warnings
        } catch let error as FacturationError where error.kind == .accounting {
            summary.errors.append(error.message)
        }
    }
}

/// The FEC files of one pipeline: at each month close, the month's FEC (checked before it is
/// published), and on demand the FEC of a fiscal year or any period.
///
/// FEC files are derived from the issued invoices, the bank ledgers and the payment matches;
/// a month's file is delivered again (as its new version) when late data changes it.
///
/// Every file has the legal name `<SIREN>FEC<closing date of the fiscal year>.txt` (§IX): the
/// fiscal year's in `fec/`, a month's in `fec/mensuel/<YYYY-MM>/`, a period's in
/// `fec/periodes/<from>_<to>/`. The folder says which part of the year an extract covers, so
/// extracts never collide with each other or with the yearly file, and `fec-check` reads the
/// period back from the folder name.
package struct FECPublisher {
    package let layout: ArchiveLayout
    /// The entries of everything known on `today`, derived once (packed: a yearly FEC may have
    /// millions of lines).
    let books: Books
    /// Made for one export (the `fec` command): once the file's plan is made, it is the entries'
    /// only owner, and frees them as the file is written while the checker's tables grow.
    private let singleExport: Bool
    /// The closed years' identities, hashed from the records as they were posted or noted; or,
    /// for a publisher made for ``monthly()`` alone, the closed years as found before posting.
    private let closed: ClosedYearsFound?

    enum ClosedYearsFound {
        case identities(ClosedYearFEC.Inputs)
        case years(ClosedYears)
    }

    /// The entries and the bank lines on the suspense account; the entries can be freed.
    final class Books {
        private(set) var entries: PackedEntries
        let suspense: [BankLine]
        private(set) var released = false

        init(entries: PackedEntries, suspense: [BankLine]) {
            self.entries = entries
            self.suspense = suspense
        }

        /// Lets go of the entries (nothing can be exported afterwards): a plan made from them is
        /// then their only owner and frees them as it writes (``FECBuilder/Plan/drainEncoded(into:lineDone:)``).
        func release() {
            entries = PackedEntries()
            released = true
            FECPublisher.releaseFreedMemory()
        }
    }
    let today: CivilDate
    var pipeline: PipelineConfig { layout.pipeline }
    var temporary: String { layout.temporary }

    /// Every year posted: the publisher can export any period.
    package init(layout: ArchiveLayout, snapshot: RunSnapshot, today: CivilDate) {
        self.layout = layout
        self.today = today
        let (made, identities) = YearPostings.everyYear(snapshot, layout: layout, today: today)
        books = Books(entries: made.entries, suspense: made.pass.suspense)
        closed = .identities(identities)
        singleExport = false
    }

    /// For the accounting stage, which only publishes the monthly files (``monthly()``): posts the
    /// open years and the closed years whose files are rendered again (``YearPostings``); the
    /// other closed years are only noted. Nothing else can be exported from it.
    package init(monthlyOf layout: ArchiveLayout, snapshot: RunSnapshot, today: CivilDate) throws {
        self.layout = layout
        self.today = today
        let (made, years) = try YearPostings.forMonthly(snapshot, layout: layout, today: today)
        books = Books(entries: made.entries, suspense: made.pass.suspense)
        closed = .years(years)
        singleExport = false
    }

    /// For a command outside a run: reads the archive itself, one record at a time, keeping only
    /// the entries (packed) and what receipts need of each invoice. The entries are the run's (the
    /// order of the sales entries differs, which nothing depends on: no two have the same number).
    ///
    /// A receipt's match is read from its own file (``PaymentStore/match(for:)``) when its bank
    /// line is posted, so no match is held: the files are those ``PaymentStore/record(_:)`` writes,
    /// named after their receipt.
    ///
    /// Made once per process (the `fec` command): the process's threads share one heap from here on
    /// (``FreePages/useOneHeap()``).
    package init(layout: ArchiveLayout, today: CivilDate) throws {
        FreePages.useOneHeap()
        self.layout = layout
        self.today = today
        var pass = Postings.Pass(Postings(pipeline: layout.pipeline))
        var entries = PackedEntries()
        // The bank ledgers are read on another core while the issued records are posted: neither
        // needs the other, and read after them (0.3 CPU-s for 1,000,000 lines) they were the only
        // work running. An error of the issued records is still the one thrown first.
        let ledgers = Pending {
            var leftOut = BankLine.LeftOut()
            return Result { try BankLine.packed(in: layout, leftOut: &leftOut) }
        }
        defer { _ = ledgers.wait() }
        // Only what the postings read is made of each record (IssuedSale: see why there).
        try InvoiceStore(layout: layout).forEachIssued { (sale: IssuedSale) in entries.append(pass.post(sale)) }
        Self.releaseFreedMemory()
        let bankLines = try ledgers.wait().get()
        let payments = PaymentStore(layout: layout)
        // The next batch's match files are read while a batch is posted (see ReadAhead why).
        var batches = ReadAhead<BankLine, PaymentMatch?>(size: Self.linesAtOnce) { lines in
            try payments.matches(for: lines.map { $0.amountMinor > 0 && $0.bookingDate <= today ? $0.key : nil })
        }
        func post(_ line: BankLine, _ match: PaymentMatch?) {
            let allocations = match.flatMap { $0.receipt == line.key ? $0.allocations : nil }
            Self.post(line, allocations: allocations, today: today, into: &entries, &pass)
        }
        try bankLines.forEachLine { try batches.append($0, post) }
        try batches.finish(post)
        books = Books(entries: entries, suspense: pass.suspense)
        singleExport = true
        closed = nil
        Self.releaseFreedMemory()
    }

    /// Gives the memory freed while the records were read back to the system.
    ///
    /// Why: reading a year of records makes and frees millions of small objects (decoded
    /// documents and matches, bank lines' strings); glibc keeps the freed pages in its heap, where
    /// the next phase's large arrays (the bank lines, the checker's tables) cannot reuse them, so
    /// they would count in its peak. `malloc_trim` returns them: after the invoices are read,
    /// after the bank lines are posted, and when the entries are freed before the check.
    static func releaseFreedMemory() { FreePages.release() }

    /// Bank lines whose match files are read at once. Their match files (one small file per matched
    /// receipt, 133,191 for a FEC of 1,000,000 lines) are read on every core
    /// (``PaymentStore/matches(for:)``): opening and reading them one by one left a core idle.
    /// Only money in booked by `today` pays invoices (Postings.Pass looks at no other line's match).
    static let linesAtOnce = 1_024

    /// The entries of a bank line booked by `today` (lines come in booking order).
    private static func post(
        _ line: BankLine, allocations: [PaymentMatch.Allocation]?, today: CivilDate,
        into entries: inout PackedEntries, _ pass: inout Postings.Pass
    ) {
        guard line.bookingDate <= today else { return }
        let (entry, transfer) = pass.post(line, allocations: allocations)
        entries.append(entry)
        if let transfer { entries.append(transfer) }
    }

    /// What one export produced.
    package struct Export: Sendable, Codable {
        /// Relative to the workspace.
        package var path: String
        package var lines: Int
        package var entries: Int
        package var debit: String
        package var credit: String
        package var check: String
        /// Bank lines on the suspense account (no rule explains them).
        package var suspense: Int
    }

    /// The FEC of [from, to] (within one fiscal year) written to `outbox/<relativePath>`, after it passed the checker.
    package func export(from: CivilDate, to: CivilDate, relativePath: String) throws -> Export {
        let year = pipeline.accounting.fiscalYear(containing: from)
        guard from <= to else {
            throw FacturationError(.accounting, "the period \(from) – \(to) ends before it starts")
        }
        guard to <= year.end else {
            throw FacturationError(
                .accounting,
                "the period \(from) – \(to) spans two fiscal years (the year ends on \(year.end)): "
                    + "export each year separately")
        }
        precondition(!books.released, "a publisher made for one export exported twice")
        // Streamed (FECCheckedWriter), never held whole in memory (a yearly file may have millions
        // of lines), checked as it is written; the file is published only when valid. Its SHA-256
        // and its outbox copy are made from the same buffers as it is written (no read-back).
        let name = Path.name(of: relativePath)
        let output = try OutputFile(directory: temporary)
        let outboxCopy = try OutputFile(directory: temporary)
        output.hashAndCopy(to: outboxCopy)
        let report: FECCheckReport
        let scratch = Path.join(temporary, "fec-" + name)
        do {
            report = try write(
                from: from, to: to, year: year, into: output, checking: checkOptions(name, from: from, to: to))
            try requireValid(report, name: name)
            try output.commit(to: scratch, collision: .replace)
        } catch let error as FECWriter.UnencodableCharacter {
            throw FacturationError(.accounting, "the FEC cannot be written: \(error)", cause: error)
        } catch let error as StorageError {
            // The disk refused a write (full, a quota, a file-size limit), on the writing thread or
            // when the last buffer went out: the file was not committed, so nothing was published.
            throw FacturationError(
                .workspace,
                "the FEC \(name) could not be written (\(error)); nothing was published. Make room on the "
                    + "workspace's disk (or raise the file-size limit), then run again",
                cause: error)
        }
        let prepared = output.writtenSHA256().map { Outbox.PreparedCopy(file: outboxCopy, sha256: $0) }
        return try deliver(scratch, prepared: prepared, report: report, from: from, to: to, relativePath: relativePath)
    }

    /// Writes the FEC of [from, to] into `output`, checked in the same pass (its report). The plan
    /// (numbering, lettering, order) lives only here; for a single export it becomes the entries'
    /// only owner (``Books/release()``), so they are freed as they are written.
    private func write(
        from: CivilDate, to: CivilDate, year: (start: CivilDate, end: CivilDate), into output: OutputFile,
        checking options: FECChecker.Options
    ) throws -> FECCheckReport {
        let plan = FECBuilder.plan(books.entries, from: from, to: to, fiscalYear: year)
        guard plan.lineCount > 0 else { throw FacturationError.nothingToExport(from: from, to: to) }
        if singleExport { books.release() }
        let format = pipeline.accounting.format
        var options = options
        options.expected = .init(entries: plan.ordered.count, letteringGroups: plan.groups.count)
        return try FECCheckedWriter.write(consume plan, format: format, options: options, to: output).report
    }

    /// The bytes of a month's FEC, from the entries at `positions` (those of its fiscal year
    /// suffice): small enough to hold, so that they can be compared with the month's checkpoint
    /// before anything is checked.
    private func render(from: CivilDate, to: CivilDate, positions: [Int]) throws -> [UInt8] {
        let year = pipeline.accounting.fiscalYear(containing: from)
        let lines = FECBuilder.lines(books.entries, from: from, to: to, fiscalYear: year, positions: positions)
        guard !lines.isEmpty else { throw FacturationError.nothingToExport(from: from, to: to) }
        do {
            return try FECWriter.bytes(lines, format: pipeline.accounting.format)
        } catch {
            throw FacturationError(.accounting, "the FEC cannot be written: \(error)", cause: error)
        }
    }

    /// The checker's options for the file `name` covering [from, to].
    private func checkOptions(_ name: String, from: CivilDate, to: CivilDate) -> FECChecker.Options {
        let year = pipeline.accounting.fiscalYear(containing: from)
        let wholeYear = from == year.start && to == year.end
        return .init(
            fileName: name, fiscalYearStart: year.start, closingDate: year.end,
            period: wholeYear ? nil : from...to, ownExport: true)
    }

    /// A FEC of our own that fails its check is never published: that is a bug.
    private func requireValid(_ report: FECCheckReport, name: String) throws {
        guard !report.isValid else { return }
        let problems = report.findings.filter { $0.severity == .error }.prefix(3)
            .map { "\($0.rule) \($0.description) (\($0.count)×, first at line \($0.examples.first?.line ?? 0))" }
        throw FacturationError(
            .accounting,
            "the FEC \(name) fails its check, so it was not published: "
                + problems.joined(separator: "; ") + ". This is a bug: please report it with the file.")
    }

    /// Checks a month's FEC, then ``deliver(_:report:from:to:relativePath:)``s it.
    private func publish(_ bytes: [UInt8], from: CivilDate, to: CivilDate, relativePath: String) throws -> Export {
        let name = Path.name(of: relativePath)
        let report = FECChecker.check(bytes: bytes, options: checkOptions(name, from: from, to: to))
        try requireValid(report, name: name)
        let scratch = Path.join(temporary, "fec-" + name)
        try Storage.write(bytes, to: scratch, temporaryDirectory: temporary, collision: .replace)
        return try deliver(scratch, report: report, from: from, to: to, relativePath: relativePath)
    }

    /// Delivers the checked FEC at `scratch` to `outbox/<relativePath>` (from `prepared`, its copy
    /// written beside it, when given), then archives it as published: `scratch` itself is moved
    /// there (it was synced when committed), instead of copied then deleted.
    private func deliver(
        _ scratch: String, prepared: Outbox.PreparedCopy? = nil, report: FECCheckReport, from: CivilDate,
        to: CivilDate, relativePath: String
    ) throws -> Export {
        try Outbox(layout: layout).deliverCurrentVersion(of: scratch, to: relativePath, prepared: prepared)
        let archived = layout.publishedFEC(relativePath)
        try Storage.makeDirectory(Path.parent(of: archived))
        do {
            try Storage.move(scratch, to: archived, collision: .replace)
        } catch {
            // The archive on another file system than work/ (a mount): copied, as it always was.
            guard error.code == EXDEV else { throw error }
            try Storage.copy(scratch, to: archived, temporaryDirectory: temporary, collision: .replace)
            try Storage.removeFile(scratch)
        }
        let inPeriod = books.suspense.filter { $0.bookingDate >= from && $0.bookingDate <= to }
        return Export(
            path: layout.shown(relativePath),
            lines: report.lines, entries: report.entries,
            debit: DecimalText.format(minorUnits: report.debitMinor, scale: 2),
            credit: DecimalText.format(minorUnits: report.creditMinor, scale: 2),
            check: report.warningCount == 0 ? "valid" : "valid, \(report.warningCount) warnings",
            suspense: inPeriod.count)
    }

    /// Monthly FEC of every closed month since invoicing started (delivered when new or changed),
    /// and `outbox/fec/compte-attente.csv`: the bank lines booked on the suspense account.
    ///
    /// A month whose file comes out byte for byte as its checkpoint says it was published (and
    /// still is, in the outbox and the archive) is not checked and delivered again: a run pays
    /// for the months that changed, not for all of history.
    package func monthly() throws -> (exports: [Export], warnings: [String]) {
        guard let start = pipeline.invoicing?.start, let firstMonth = pipeline.firstMonth else { return ([], []) }
        let years: ClosedYears
        switch closed {
        case .years(let found): years = found
        case .identities(let identities):
            years = try ClosedYears(
                identities, checkpoints: ClosedYears.checkpoints(layout, firstMonth: firstMonth, today: today),
                sources: nil, layout: layout)
        case nil: years = ClosedYears()
        }
        let suspense = books.suspense.filter { $0.bookingDate >= start }
        let warnings = try Outbox(layout: layout).deliverReport(
            Self.suspenseTable(suspense, today: today),
            to: "fec/compte-attente.csv", xlsx: true,
            temporaryDirectory: temporary)
        let byYear = Dictionary(grouping: 0..<books.entries.count) {
            pipeline.accounting.fiscalYear(containing: books.entries.date(at: $0)).end
        }
        var exports: [Export] = []
        var month = firstMonth
        var year: YearWalk?
        while true {
            let end = CivilDate(
                year: month.year, month: month.month,
                day: CivilDate.daysInMonth(year: month.year, month: month.month))!
            guard end < today else { break }
            let closing = pipeline.accounting.fiscalYear(containing: month).end
            if year?.closing != closing {
                try year?.finish(layout)
                year = startYear(closing: closing, years: years)
            }
            let name = FECFormat.fileName(siren: pipeline.company.siren, closingDate: closing)
            let relativePath = "fec/mensuel/\(month.monthKey)/\(name)"
            if let known = year?.knownMonth(month) {
                // A closed year whose inputs are those of its checkpoint, and a month still
                // published as it says (``ClosedYears``): as published (nil: the month has no FEC).
                if let known { exports.append(known.export) }
                month = end.adding(days: 1)
                continue
            }
            do {
                let bytes = try render(from: month, to: end, positions: byYear[closing] ?? [])
                let (export, digest) = try publishIfChanged(bytes, from: month, to: end, relativePath: relativePath)
                exports.append(export)
                year?.recorded.append(
                    .init(
                        month: month.monthKey, relativePath: relativePath, size: Int64(bytes.count), sha256: digest,
                        export: export))
            } catch let error as FacturationError where error.kind == .nothingToExport {
                _ = error
                // A month without any entry has no FEC (an empty file is not a valid FEC).
            }
            month = end.adding(days: 1)
        }
        try year?.finish(layout)
        return (exports, warnings)
    }

    /// ``publish(_:from:to:relativePath:)`` unless the checkpoint of `relativePath` says these
    /// very bytes were published and nothing changed them since.
    /// Returns the export and the SHA-256 of `bytes`.
    private func publishIfChanged(
        _ bytes: [UInt8], from: CivilDate, to: CivilDate,
        relativePath: String
    ) throws -> (export: Export, sha256: String) {
        let digest = bytes.withUnsafeBytes { SHA256Hasher.hex($0) }
        let checkpoint = FECCheckpoint.path(relativePath, in: layout)
        if let known = FECCheckpoint.read(checkpoint), known.sha256 == digest,
            Storage.status(layout.publishedFEC(relativePath))?.size == Int64(bytes.count),
            try Outbox(layout: layout).isUnchangedDelivery(relativePath)
        {
            return (known.export, digest)
        }
        let export = try publish(bytes, from: from, to: to, relativePath: relativePath)
        try FECCheckpoint.write(.init(sha256: digest, export: export), to: checkpoint, temporary: temporary)
        return (export, digest)
    }

    /// The FEC of [from, to], an extract of one fiscal year, in `fec/periodes/<from>_<to>/`, named after
    /// the fiscal year's closing date.
    package func period(from: CivilDate, to: CivilDate) throws -> Export {
        guard from <= to else {
            throw FacturationError(.accounting, "the period \(from) – \(to) ends before it starts")
        }
        let end = pipeline.accounting.fiscalYear(containing: from).end
        let name = FECFormat.fileName(siren: pipeline.company.siren, closingDate: end)
        return try export(from: from, to: to, relativePath: "fec/periodes/\(FECFormat.periodFolder(from...to))/\(name)")
    }

    /// `fec/compte-attente`: the bank lines on the suspense account, for the accountant.
    static func suspenseTable(_ lines: [BankLine], today: CivilDate) -> ReportTable {
        var table = ReportTable(
            sheetName: "Compte d'attente",
            columns: [
                .init("booking_date", "Date", .date), .init("amount", "Montant", .money(currency: "EUR")),
                .init("counterparty", "Tiers"), .init("label", "Libellé"), .init("reference", "Référence"),
                .init("piece_ref", "Pièce"), .init("record_key", "Opération"),
            ], asOf: today)
        for line in lines {
            table.append([
                .date(line.bookingDate), .money(line.amountMinor), ReportTable.text(line.counterpartyName),
                ReportTable.text(line.label), ReportTable.text(line.remittance), ReportTable.text(line.pieceRef),
                .text(line.key),
            ])
        }
        return table
    }

    /// The FEC of the fiscal year that ends in `year`, named after its closing date.
    package func yearly(endingIn year: Int) throws -> Export {
        let settings = pipeline.accounting
        let end = CivilDate(
            year: year, month: settings.fiscalYearEndMonth,
            day: min(
                settings.fiscalYearEndDay,
                CivilDate.daysInMonth(year: year, month: settings.fiscalYearEndMonth)))!
        let fiscal = settings.fiscalYear(containing: end)
        let name = FECFormat.fileName(siren: pipeline.company.siren, closingDate: end)
        return try export(from: fiscal.start, to: end, relativePath: "fec/" + name)
    }
}

/// What the last publication of a monthly FEC was: derived data under `archive/checkpoints/`,
/// rebuilt by publishing again when it is missing or damaged (the published file and the records
/// stay the truth).
struct FECCheckpoint: Codable {
    /// SHA-256 of the published bytes.
    var sha256: String
    var export: FECPublisher.Export

    static func path(_ relativePath: String, in layout: ArchiveLayout) -> String {
        layout.publishedFECCheckpoint(relativePath)
    }

    /// nil when missing or damaged: the month is published again.
    static func read(_ path: String) -> FECCheckpoint? {
        guard Storage.exists(path) else { return nil }
        return try? FacturationError.decode(FECCheckpoint.self, at: path, limit: 1 << 20)
    }

    static func write(_ checkpoint: FECCheckpoint, to path: String, temporary: String) throws {
        try Storage.replaceJSON(checkpoint, at: path, temporaryDirectory: temporary)
    }
}

extension PipelineConfig {
    /// The first day of the month invoicing starts in: the first month with a monthly FEC.
    var firstMonth: CivilDate? {
        invoicing.map { CivilDate(year: $0.start.year, month: $0.start.month, day: 1)! }
    }
}
