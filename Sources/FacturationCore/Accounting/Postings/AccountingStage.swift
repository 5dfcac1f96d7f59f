/// The accounting step of a run: at each month close, the month's FEC (checked before it is
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
public struct AccountingStage {
    public let workspace: Workspace
    public let layout: PipelineLayout
    var pipeline: PipelineConfig { layout.pipeline }

    public init(workspace: Workspace, layout: PipelineLayout) {
        self.workspace = workspace
        self.layout = layout
    }

    /// What one export produced.
    public struct Export: Sendable, Codable {
        /// Relative to the workspace.
        public var path: String
        public var lines: Int
        public var entries: Int
        public var debit: String
        public var credit: String
        public var check: String
        /// Bank lines on the suspense account (no rule explains them).
        public var suspense: Int
    }

    /// Entries of everything known today.
    func entries(today: CivilDate) throws -> (entries: [AccountingEntry], suspense: [BankLine]) {
        let issued = try InvoiceStore(workspace: workspace, pipeline: pipeline).issued()
        let bank = try BankLine.all(in: layout).filter { $0.bookingDate <= today }
        let matches = Dictionary(try PaymentStore(workspace: workspace, pipeline: pipeline).matches()
            .map { ($0.receipt, $0) }, uniquingKeysWith: { first, _ in first })
        return Postings(pipeline: pipeline).entries(issued: issued, bank: bank, matches: matches)
    }

    /// The FEC of [from, to] (within one fiscal year) written to `outbox/<relativePath>`, after it passed the checker.
    public func export(from: CivilDate, to: CivilDate, today: CivilDate, relativePath: String) throws -> Export {
        let settings = pipeline.accounting
        let year = settings.fiscalYear(containing: from)
        guard from <= to else { throw InvoicingError("the period \(from) – \(to) ends before it starts") }
        guard to <= year.end else {
            throw InvoicingError("the period \(from) – \(to) spans two fiscal years (the year ends on \(year.end)): "
                + "export each year separately")
        }
        let (entries, suspense) = try entries(today: today)
        let plan = FECBuilder.plan(entries, from: from, to: to, fiscalYear: year)
        guard plan.lineCount > 0 else { throw NothingToExport(from: from, to: to) }
        let name = Path.name(of: relativePath)
        let wholeYear = from == year.start && to == year.end
        // Written and checked in one streamed pass (FECCheckedWriter), never held whole in memory;
        // the temporary file is published below only when the check passed.
        let output = try OutputFile(directory: workspace.temporary)
        let report: FECCheckReport
        do {
            report = try FECCheckedWriter.write(plan, format: settings.format, options: .init(
                fileName: name, fiscalYearStart: year.start, closingDate: year.end,
                period: wholeYear ? nil : from...to, ownExport: true), to: output).report
        } catch let error as FECWriter.UnencodableCharacter {
            throw InvoicingError("the FEC cannot be written: \(error)")
        }
        guard report.isValid else {
            let problems = report.findings.filter { $0.severity == .error }.prefix(3)
                .map { "\($0.rule) \($0.description) (\($0.count)×, first at line \($0.examples.first?.line ?? 0))" }
            throw InvoicingError("the FEC \(name) fails its check, so it was not published: "
                + problems.joined(separator: "; ") + ". This is a bug: please report it with the file.")
        }
        let temporary = Path.join(workspace.temporary, "fec-" + name)
        try output.commit(to: temporary, collision: .replace)
        try Outbox(layout: layout).deliverCurrentVersion(of: temporary, to: relativePath)
        let archived = Path.join(workspace.archive, "accounting", pipeline.id, relativePath)
        try Storage.makeDirectory(Path.parent(of: archived))
        try Storage.copy(temporary, to: archived, temporaryDirectory: workspace.temporary, collision: .replace)
        try Storage.removeFile(temporary)
        let inPeriod = suspense.filter { $0.bookingDate >= from && $0.bookingDate <= to }
        return Export(path: Path.relative(Path.join(layout.outbox, relativePath), to: workspace.root),
                      lines: report.lines, entries: report.entries,
                      debit: DecimalText.format(minorUnits: report.debitMinor, scale: 2),
                      credit: DecimalText.format(minorUnits: report.creditMinor, scale: 2),
                      check: report.warningCount == 0 ? "valid" : "valid, \(report.warningCount) warnings",
                      suspense: inPeriod.count)
    }

    /// Monthly FEC of every closed month since invoicing started (delivered when new or changed),
    /// and `outbox/fec/compte-attente.csv`: the bank lines booked on the suspense account.
    public func monthly(today: CivilDate) throws -> [Export] {
        guard let start = pipeline.invoicing?.start else { return [] }
        let suspense = try entries(today: today).suspense.filter { $0.bookingDate >= start }
        _ = try Outbox(layout: layout).deliverReport(Self.suspenseTable(suspense, today: today),
                                                     to: "fec/compte-attente.csv", xlsx: true,
                                                     temporaryDirectory: workspace.temporary)
        var exports: [Export] = []
        var month = CivilDate(year: start.year, month: start.month, day: 1)!
        while true {
            let end = CivilDate(year: month.year, month: month.month,
                                day: CivilDate.daysInMonth(year: month.year, month: month.month))!
            guard end < today else { break }
            let name = FECFormat.fileName(siren: pipeline.company.siren,
                                          closingDate: pipeline.accounting.fiscalYear(containing: month).end)
            do {
                exports.append(try export(from: month, to: end, today: today,
                                          relativePath: "fec/mensuel/\(month.monthKey)/\(name)"))
            } catch is NothingToExport {
                // A month without any entry has no FEC (an empty file is not a valid FEC).
            }
            month = end.adding(days: 1)
        }
        return exports
    }

    /// The FEC of [from, to], an extract of one fiscal year, in `fec/periodes/<from>_<to>/`, named after
    /// the fiscal year's closing date.
    public func period(from: CivilDate, to: CivilDate, today: CivilDate) throws -> Export {
        guard from <= to else { throw InvoicingError("the period \(from) – \(to) ends before it starts") }
        let end = pipeline.accounting.fiscalYear(containing: from).end
        let name = FECFormat.fileName(siren: pipeline.company.siren, closingDate: end)
        return try export(from: from, to: to, today: today,
                          relativePath: "fec/periodes/\(FECFormat.periodFolder(from...to))/\(name)")
    }

    /// `fec/compte-attente`: the bank lines on the suspense account, for the accountant.
    static func suspenseTable(_ lines: [BankLine], today: CivilDate) -> ReportTable {
        var table = ReportTable(sheetName: "Compte d'attente", columns: [
            .init("booking_date", "Date", .date), .init("amount", "Montant", .money(currency: "EUR")),
            .init("counterparty", "Tiers"), .init("label", "Libellé"), .init("reference", "Référence"),
            .init("piece_ref", "Pièce"), .init("record_key", "Opération"),
        ], asOf: today)
        for line in lines {
            table.append([.date(line.bookingDate), .money(line.amountMinor), ReportTable.text(line.counterpartyName),
                          ReportTable.text(line.label), ReportTable.text(line.remittance), ReportTable.text(line.pieceRef),
                          .text(line.key)])
        }
        return table
    }

    /// The FEC of the fiscal year that ends in `year`, named after its closing date.
    public func yearly(endingIn year: Int, today: CivilDate) throws -> Export {
        let settings = pipeline.accounting
        let end = CivilDate(year: year, month: settings.fiscalYearEndMonth,
                            day: min(settings.fiscalYearEndDay,
                                     CivilDate.daysInMonth(year: year, month: settings.fiscalYearEndMonth)))!
        let fiscal = settings.fiscalYear(containing: end)
        let name = FECFormat.fileName(siren: pipeline.company.siren, closingDate: end)
        return try export(from: fiscal.start, to: end, today: today, relativePath: "fec/" + name)
    }
}

/// A period without any accounting entry: there is no FEC to write.
public struct NothingToExport: Error, CustomStringConvertible, Sendable {
    public var from: CivilDate
    public var to: CivilDate
    public var description: String { "no accounting entry between \(from) and \(to): there is no FEC to write" }
}
