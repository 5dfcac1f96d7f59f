/// Checks any FEC flat file (ours or a third party's) against the rules of ``FECRule`` (the validator
/// checklist of `shared/reference/fec.md` §10) and produces a ``FECCheckReport``.
///
/// Reading is a single pass over the bytes, fed in chunks of any size (``feed(_:)`` then ``finish()``,
/// or ``check(path:options:)``). Memory stays bounded except for what the rules need: one small
/// accumulator per entry (balance, dates, numbering), one label per journal, account and auxiliary
/// account, one sum per lettering group.
///
/// What is auto-detected:
/// - the encoding: UTF-8 (a byte-order mark is tolerated with a warning), else ISO-8859-15 from the
///   first line that is not UTF-8 on; a file that mixes both is an error;
/// - the separator, on the header: a tab when splitting by tab gives at least 9 fields, else `|`
///   likewise (as Test Compta Demat does); `,` and `;` are refused, and nothing else is checked then;
/// - the header: names compared without case (a case difference is a warning), the Montant/Sens
///   variant, the regime columns 19–22 and extra columns; fields are then found by name, so a file
///   with misplaced columns is still checked line by line;
/// - the numbering scheme: per journal when the same EcritureNum appears in two journals, else global;
///   continuity is checked on the trailing digits of EcritureNum within each prefix (`VT2024-0001`).
///
/// Line numbers count every physical line, the header being line 1.
///
/// The rules live in small parts, each with its own state, in the order a line meets them:
/// ``FECLineSplitter`` (physical lines), ``FECEncodingDetector``, ``FECHeaderParser`` (the layout),
/// ``FECRecordFields`` (fields of a record), ``FECLineRules`` and ``FECAmountRules`` (one record),
/// ``FECBookTotals`` (journals, accounts, file balance), ``FECEntryTracker`` (entries, lettering),
/// then at the end ``FECNumberingRules`` and ``FECNameRules``. They share one ``FECFindingLog``.
package final class FECChecker {
    /// What the file is checked against, beyond its own content.
    package struct Options: Sendable {
        /// The file's name (a path is fine): the name rules FEC-01 to FEC-03 apply to it, and its closing
        /// date bounds EcritureDate (FEC-30). nil: not checked.
        package var fileName: String?
        /// How many examples to keep per rule.
        package var maxExamples: Int
        /// The first day of the fiscal year. nil: the 12 months ending on the closing date are assumed,
        /// and an earlier EcritureDate is only a warning (FEC-30b).
        package var fiscalYearStart: CivilDate?
        /// The closing date of the fiscal year, when it is known: the date in the file name must be this one
        /// (FEC-03), and it bounds EcritureDate (FEC-30). nil: the name's date is taken as the closing date,
        /// and only its plausibility is checked (FEC-03b).
        package var closingDate: CivilDate?
        /// The days the file covers when it is an extract of the fiscal year (a monthly FEC): EcritureDate
        /// must lie within them (FEC-30); the name still carries the fiscal year's closing date, so the
        /// period must lie within the fiscal year ending then (FEC-03); lettering groups may continue
        /// outside the extract, so FEC-43 is not checked. nil: the file is the whole fiscal year.
        package var period: ClosedRange<CivilDate>?
        /// The day of the check: a later ValidDate is an error (FEC-31b). nil: not checked.
        package var today: CivilDate?
        /// The file is one of our own exports: lines out of ValidDate order are an error, not a warning
        /// (FEC-39).
        package var ownExport: Bool
        /// The size of the file, when the writer knows it (our own export: its plan): the tables
        /// of entries and lettering groups are made that large at the start.
        package var expected: ExpectedSize?

        /// See ``expected``.
        package struct ExpectedSize: Sendable {
            package var entries: Int
            package var letteringGroups: Int

            package init(entries: Int, letteringGroups: Int) {
                self.entries = entries
                self.letteringGroups = letteringGroups
            }
        }

        package init(
            fileName: String? = nil, maxExamples: Int = 10, fiscalYearStart: CivilDate? = nil,
            closingDate: CivilDate? = nil, period: ClosedRange<CivilDate>? = nil, today: CivilDate? = nil,
            ownExport: Bool = false
        ) {
            self.fileName = fileName
            self.maxExamples = maxExamples
            self.fiscalYearStart = fiscalYearStart
            self.closingDate = closingDate
            self.period = period
            self.today = today
            self.ownExport = ownExport
        }
    }

    /// Checks the file at `path`, read in chunks of 1 MiB. The name rules apply to `options.fileName`,
    /// or to the path's last component when it is nil.
    package static func check(path: String, options: Options = Options()) throws(StorageError) -> FECCheckReport {
        var options = options
        if options.fileName == nil { options.fileName = Path.name(of: path) }
        let checker = FECChecker(options: options)
        let file = try InputFile(path: path)
        var chunk = [UInt8](repeating: 0, count: 1 << 20)
        while true {
            let count = try file.read(into: &chunk)
            if count == 0 { break }
            chunk.withUnsafeBytes { checker.feed(UnsafeRawBufferPointer(rebasing: $0[0..<count])) }
        }
        return checker.finish()
    }

    /// Checks a file held in memory.
    package static func check(bytes: [UInt8], options: Options = Options()) -> FECCheckReport {
        let checker = FECChecker(options: options)
        bytes.withUnsafeBytes { checker.feed($0) }
        return checker.finish()
    }

    // MARK: - State

    private let options: Options
    private let log: FECFindingLog
    private var splitter = FECLineSplitter()
    private var encoding = FECEncodingDetector()
    private let fields = FECRecordFields()
    private var lineRules: FECLineRules
    private var books = FECBookTotals()
    private var tracker: FECEntryTracker
    private var done = false
    private var report: FECCheckReport?
    private var firstEnding: FECLineSplitter.LineEnding?
    private var headerDone = false
    /// Non-blank records after the header.
    private var lineCount = 0
    /// The closing date the file name gives, when only the name gives it (FEC-03b is then checked).
    private let closingFromNameOnly: CivilDate?

    package init(options: Options = Options()) {
        self.options = options
        log = FECFindingLog(maxExamples: options.maxExamples)
        var closingDate = options.closingDate
        var nameFindings: [FECNameRules.Finding] = []
        var nameDate: CivilDate?
        if let path = options.fileName {
            let (date, findings) = FECNameRules.checkName(Path.name(of: path))
            nameFindings = findings
            nameDate = date
            if closingDate == nil { closingDate = date }
        }
        nameFindings += FECNameRules.checkClosingDate(nameDate, options: options)
        closingFromNameOnly = options.closingDate == nil && options.period == nil ? nameDate : nil
        lineRules = FECLineRules(bounds: Self.bounds(options, closingDate: closingDate))
        tracker = FECEntryTracker(expected: options.expected)
        for (rule, value, message) in nameFindings { log.flag(rule, line: nil, value, message) }
    }

    private static func bounds(_ options: Options, closingDate: CivilDate?) -> FECLineRules.Bounds {
        var bounds = FECLineRules.Bounds()
        bounds.closing = closingDate.map(FECValueParser.compact) ?? 0
        bounds.start = options.fiscalYearStart.map(FECValueParser.compact) ?? 0
        bounds.periodStart = options.period.map { FECValueParser.compact($0.lowerBound) } ?? 0
        bounds.periodEnd = options.period.map { FECValueParser.compact($0.upperBound) } ?? 0
        if let closingDate, options.fiscalYearStart == nil {
            let day = min(closingDate.day, CivilDate.daysInMonth(year: closingDate.year - 1, month: closingDate.month))
            let yearBefore = CivilDate(year: closingDate.year - 1, month: closingDate.month, day: day) ?? closingDate
            bounds.assumedStart = FECValueParser.compact(yearBefore.adding(days: 1))
        }
        bounds.today = options.today.map(FECValueParser.compact) ?? 0
        return bounds
    }

    // MARK: - Input

    /// Reads the next bytes of the file (any chunk size; lines may straddle chunks).
    package func feed(_ bytes: UnsafeRawBufferPointer) {
        precondition(!done, "FECChecker fed after finish()")
        splitter.feed(bytes, final: false) { processLine($0, $1, $2) }
    }

    /// Ends the file: checks the last line, the entries, the numbering and the totals.
    package func finish() -> FECCheckReport {
        if let report { return report }
        done = true
        splitter.feed(UnsafeRawBufferPointer(start: nil, count: 0), final: true) { processLine($0, $1, $2) }
        if !headerDone {
            log.flag(
                .header, line: nil, "",
                "the file is empty: its first line must be the header "
                    + FECFormat.columnNames.joined(separator: "|"))
        }
        if lineCount == 0 {
            log.flag(.noEntries, line: nil, "", "the file has no entry line")
        }
        tracker.checkEntries(amountsOverflow: books.amountsOverflow, extract: options.period != nil, log)
        let perJournal = FECNumberingRules(tracker: tracker, books: books, log: log).check()
        books.checkTotals(log)
        FECNameRules.checkPlausibility(of: closingFromNameOnly, earliestEntryDate: lineRules.earliestEntryDate, log)
        let built = buildReport(perJournalNumbering: perJournal)
        report = built
        return built
    }

    // MARK: - Lines

    private func processLine(_ base: UnsafePointer<UInt8>, _ length: Int, _ ending: FECLineSplitter.LineEnding?) {
        log.lineNumber += 1
        var start = base
        var count = length
        if log.lineNumber == 1, count >= 3, base[0] == 0xEF, base[1] == 0xBB, base[2] == 0xBF {
            encoding.byteOrderMark = true
            start += 3
            count -= 3
            log.flag(
                .byteOrderMark, line: 1, "",
                "the file starts with a UTF-8 byte-order mark (EF BB BF): tolerated, better without")
        }
        let line = UnsafeRawBufferPointer(start: start, count: count)
        checkEnding(ending)
        guard headerDone else { return readHeader(line) }
        if fields.layout.unusable {
            // Without a legal separator nothing is checked; lines are only counted.
            if !line.isEmpty { lineCount += 1 }
            return
        }
        encoding.check(line, log)
        var blank = true
        for byte in line where byte != 0x20 && byte != 0x09 {
            blank = false
            break
        }
        if blank {
            log.flagHere(.blankLine, "", "blank line: remove it (only the last line may end with a line break)")
            return
        }
        lineCount += 1
        checkRecord(line)
    }

    /// FEC-06: every line ends like the first.
    private func checkEnding(_ ending: FECLineSplitter.LineEnding?) {
        guard let ending else { return }
        guard let firstEnding else {
            firstEnding = ending
            return
        }
        if ending != firstEnding {
            log.flagHere(
                .lineEnding, ending.rawValue,
                "this line ends with \(ending.rawValue) while line 1 ends with \(firstEnding.rawValue)")
        }
    }

    private func readHeader(_ line: UnsafeRawBufferPointer) {
        headerDone = true
        if (line.count >= 2 && (line[0] == 0xFF && line[1] == 0xFE || line[0] == 0xFE && line[1] == 0xFF))
            || line.contains(0)
        {
            // UTF-16 (every other byte is NUL for Latin text): nothing can be read field by field.
            var layout = FECColumnLayout()
            layout.unusable = true
            fields.use(layout)
            log.flag(
                .encoding, line: 1, "",
                "the file is UTF-16 (or another 16-bit encoding): the law allows only "
                    + "ASCII, ISO-8859-15 or UTF-8; re-export it in UTF-8 (nothing else was checked)")
            return
        }
        encoding.check(line, log)
        fields.use(FECHeaderParser.parse(line, log))
    }

    /// One record through the rules, in order: its fields, the line's own rules, then the
    /// journal/account totals and its entry.
    private func checkRecord(_ line: UnsafeRawBufferPointer) {
        guard fields.split(line, log) else { return }
        let values = lineRules.check(line, fields, log)
        let journal = books.add(line, fields, values, log)
        tracker.add(line, fields, values, journal: journal, books: &books, log)
    }

    // MARK: - Report

    private func buildReport(perJournalNumbering: Bool) -> FECCheckReport {
        var findings: [FECCheckReport.Finding] = []
        var errors = 0
        var warnings = 0
        for (index, rule) in FECRule.allCases.enumerated() where log.tallies[index].count > 0 {
            let tally = log.tallies[index]
            let severity: FECRule.Severity = rule == .lineOrder && options.ownExport ? .error : rule.severity
            findings.append(
                FECCheckReport.Finding(
                    rule: rule.id, severity: severity, description: rule.summary,
                    count: tally.count, examples: tally.examples))
            if severity == .error { errors += tally.count } else { warnings += tally.count }
        }
        let (accounts, result, vat) = books.accountTotals(log)
        let layout = fields.layout
        let entries = tracker.entries
        return FECCheckReport(
            fileName: options.fileName.map { Path.name(of: $0) },
            period: options.period.map { "\($0.lowerBound) to \($0.upperBound)" }, encoding: encoding.name,
            separator: layout.unusable || !headerDone ? nil : layout.separator == 0x09 ? "tab" : "|",
            lineEnding: firstEnding?.rawValue, columns: layout.columns,
            amountColumns: layout.montantSens ? "Montant/Sens" : "Debit/Credit",
            numbering: entries.isEmpty ? nil : perJournalNumbering ? "per journal" : "global",
            lines: lineCount, entries: entries.count, debitMinor: books.totalDebit, creditMinor: books.totalCredit,
            resultMinor: result, vatOnReceiptsBalanceMinor: vat, journals: books.journalTotals(log),
            accounts: accounts, findings: findings, errorCount: errors, warningCount: warnings)
    }
}
