#if canImport(Glibc)
import Glibc
#endif

/// Converts a Clockify detailed report (CSV) into normalized time entries.
///
/// Handles the variants Clockify produces: a "Clockify Time Report" preamble before the header
/// and a TOTAL row after the entries; any column order; US and European dates (decided from
/// the whole file; see ``PipelineConfig/ClockifySettings``); 12- and 24-hour times with or
/// without seconds, read as local times in the pipeline's time zone.
///
/// Rows are handled as raw bytes borrowed from the CSV reader (no String per field): this is
/// the path files of millions of rows take.
struct ClockifyCSVConverter {
    let context: ConversionContext
    /// How a large file is cut into pieces converted on several cores (nil: always one core).
    var pieces: PieceSettings?
    /// The file's name as every row writes it (``PinnedText``).
    private let sourceFile: PinnedText

    init(context: ConversionContext, pieces: PieceSettings? = PieceSettings.production) {
        self.context = context
        self.pieces = pieces
        sourceFile = PinnedText(context.sourceName)
    }

    /// Why a pass stopped early and must be run again with another date order.
    struct RestartWithOrder: Error { let order: PipelineConfig.DateOrder }

    func convert() throws -> ConversionReport {
        let configured = context.pipeline.clockify.dateOrder
        let headText = String(decoding: context.scan.head, as: UTF8.self)
        let looksTwelveHour = headText.contains(" AM") || headText.contains(" PM")
        var order = configured ?? (looksTwelveHour ? .monthFirst : .dayFirst)
        var attempts = 0
        while true {
            attempts += 1
            do {
                return try runPass(order: order, orderIsFixed: configured != nil || attempts > 1)
            } catch let restart as RestartWithOrder {
                try context.output.discard()
                order = restart.order
            }
        }
    }

    // MARK: - One pass over the file

    final class PassState {
        // Exclusivity: see ``ExclusivityNote`` (why the `@exclusivity(unchecked)` properties here are safe and needed).
        @exclusivity(unchecked) var header: [String]?
        /// Position of each column (by `ClockifyColumns.rawValue`), -1 when absent.
        @exclusivity(unchecked) var columns = [Int](repeating: -1, count: ClockifyColumns.allCases.count)
        /// The export's currency (from its rate column's name), and its code as rows write it.
        @exclusivity(unchecked) var currency: Currency? {
            didSet {
                currencyCode.set(currency?.code ?? "")
                minorDigits = currency?.minorDigits ?? 2
            }
        }
        let currencyCode = PinnedText()
        /// The scale of rates and amounts: the currency's minor digits, 2 without one.
        @exclusivity(unchecked) private(set) var minorDigits = 2
        @exclusivity(unchecked) var problems = ProblemList()
        @exclusivity(unchecked) var notes: [String] = []
        @exclusivity(unchecked) var records = 0
        /// Sums for the TOTAL row check; nil once they overflow 64 bits (absurd amounts used to trap).
        @exclusivity(unchecked) var amountTotal: Int64? = 0
        @exclusivity(unchecked) var durationTotal: Int64? = 0
        @exclusivity(unchecked) var footerAmount: Int64?
        @exclusivity(unchecked) var footerDuration: Int64?
        /// A TOTAL row was read (its values, even nil, replace those of an earlier one).
        @exclusivity(unchecked) var sawFooter = false
        /// Set for a piece of a file converted apart (``PieceRows``): rows go there, in order,
        /// and the totals above are kept by the pass that hands them on.
        @exclusivity(unchecked) var pieceRows: PieceRows?
        /// For a piece: its first written row has an empty Type cell (written as "regular" only while
        /// no earlier row had a Type: see ``write(_:startDate:instants:values:)``), and whether any had one.
        @exclusivity(unchecked) var startsWithEmptyType = false
        @exclusivity(unchecked) var sawTypeText = false
        // Date-order evidence over every date of the file.
        @exclusivity(unchecked) var datesInvalidMonthFirst = 0
        @exclusivity(unchecked) var datesInvalidDayFirst = 0
        @exclusivity(unchecked) var ambiguousDates = 0
        @exclusivity(unchecked) var sawTwelveHour = false
        // Reusable buffers.
        let fingerprint = FingerprintBuilder()
        @exclusivity(unchecked) var key = [UInt8](repeating: 0, count: 35)
        /// The entry type rows write (the last Type cell, trimmed and lowercased).
        let entryType = PinnedText("regular")
        @exclusivity(unchecked) var entryTypeSource: [UInt8] = []

        func index(_ column: ClockifyColumns) -> Int { columns[column.rawValue] }

        /// Adds a written row to the totals the TOTAL row is checked against.
        func addToTotals(seconds: Int64, amount: Int64) {
            durationTotal = ClockifyCSVConverter.adding(seconds, to: durationTotal)
            amountTotal = ClockifyCSVConverter.adding(amount, to: amountTotal)
        }
        func has(_ column: ClockifyColumns) -> Bool { columns[column.rawValue] >= 0 }
    }

    private func runPass(order: PipelineConfig.DateOrder, orderIsFixed: Bool) throws -> ConversionReport {
        if let plan = piecePlan() {
            do {
                return try runPiecesPass(plan: plan, order: order, orderIsFixed: orderIsFixed)
            } catch is PiecesFailed {
                // The one-core pass below decides what this file is (and words its rejection).
                try context.output.discard()
            }
        }
        // A file whose digest is still computed (no pieces, or they gave up): known first.
        if context.alreadyImported?(true) == true { throw ConversionStopped() }
        return try runOneCorePass(order: order, orderIsFixed: orderIsFixed)
    }

    private func runOneCorePass(order: PipelineConfig.DateOrder, orderIsFixed: Bool) throws -> ConversionReport {
        let state = PassState()
        let driver = ConversionDriver(context: context, format: .clockifyDetailedCSV)
        try driver.readCSV(
            syntaxAdvice:
                "Export the report again from Clockify without editing it, or fix the quoting on the line shown.",
            header: { row, batch in
                try detectHeader(row: row, of: batch, state: state)
                return state.header != nil
            },
            row: { row, rows, batch in try handle(row: row, rows: rows, batch: batch, state: state, order: order) })
        guard state.header != nil else {
            throw Rejection(
                format: .clockifyDetailedCSV, summary: "No header row with the Clockify columns was found.",
                advice: "Export the report again from Clockify (Reports > Detailed > Export > CSV).")
        }
        return try finishPass(state: state, driver: driver, order: order, orderIsFixed: orderIsFixed)
    }

    /// What ends a pass, one-core or in pieces: the date order, the problems, the notes.
    func finishPass(
        state: PassState, driver: ConversionDriver, order: PipelineConfig.DateOrder, orderIsFixed: Bool
    ) throws -> ConversionReport {
        try decideOrder(state: state, used: order, orderIsFixed: orderIsFixed)
        try driver.rejectIfAny(
            state.problems, ConversionDriver.Wording(unit: "row", units: "rows", document: "Clockify report"),
            advice: "Correct these rows in Clockify and export the report again (or fix the cells shown), "
                + "then drop the corrected file into inbox/.")
        addFooterNotes(state)
        return try driver.finish(records: state.records, notes: state.notes)
    }

    private func decideOrder(state: PassState, used: PipelineConfig.DateOrder, orderIsFixed: Bool) throws {
        let monthFirstPossible = state.datesInvalidMonthFirst == 0
        let dayFirstPossible = state.datesInvalidDayFirst == 0
        if !orderIsFixed {
            if used == .dayFirst, !dayFirstPossible, monthFirstPossible { throw RestartWithOrder(order: .monthFirst) }
            if used == .monthFirst, !monthFirstPossible, dayFirstPossible { throw RestartWithOrder(order: .dayFirst) }
        }
        let configured = context.pipeline.clockify.dateOrder != nil
        if monthFirstPossible, dayFirstPossible, state.ambiguousDates > 0, !configured, !state.sawTwelveHour {
            throw Rejection(
                format: .clockifyDetailedCSV,
                summary: "The dates of this file (\(state.ambiguousDates) like 03/04/2025) can be read as day/month "
                    + "or as month/day, and nothing in the file tells which.",
                advice: "Say which one your Clockify profile uses in \(context.pipeline.file): under [clockify], set "
                    + "date_format = \"DD/MM/YYYY\" (or \"MM/DD/YYYY\"), then drop the file into inbox/ again.")
        }
    }

    /// `total + value`, or nil when the total is unknown or the sum overflows 64 bits.
    static func adding(_ value: Int64, to total: Int64?) -> Int64? {
        guard let total else { return nil }
        let (sum, overflow) = total.addingReportingOverflow(value)
        return overflow ? nil : sum
    }

    private func addFooterNotes(_ state: PassState) {
        let scale = state.minorDigits
        if let footer = state.footerAmount, let total = state.amountTotal, footer != total {
            state.notes.append(
                "the TOTAL row says \(DecimalText.format(minorUnits: footer, scale: scale)) but the "
                    + "entries add up to \(DecimalText.format(minorUnits: total, scale: scale)); "
                    + "the entries were imported as they are")
        }
        if let footer = state.footerDuration, let total = state.durationTotal, footer != total {
            state.notes.append(
                "the TOTAL row says \(Self.hours(footer)) but the entries add up to "
                    + "\(Self.hours(total)); the entries were imported as they are")
        }
    }

    static func hours(_ seconds: Int64) -> String {
        "\(seconds / 3600):\(CivilDate.pad(Int(seconds / 60 % 60), 2)):\(CivilDate.pad(Int(seconds % 60), 2))"
    }

    // MARK: - Rows

    func handle(
        row: Int, rows: CSVRows, batch: CSVBatch, state: PassState,
        order: PipelineConfig.DateOrder
    ) throws {
        guard let header = state.header else { return }
        var reader = RowReader(row: row, rows: rows, batch: batch, state: state, header: header, columns: state.columns)
        if reader.isTotalRow() {
            readFooter(row: row, rows: rows, state: state)
            return
        }
        if rows.fieldCount(row) != header.count {
            reader.problem(nil, "this row has \(rows.fieldCount(row)) cells but the header has \(header.count)")
            return
        }
        // Every problem of the row is reported, so each column is read before anything is rejected.
        let times = reader.times(order: order)
        let values = reader.values()
        guard reader.valid, let startDate = times.startDate, let start = times.start, let endDate = times.endDate,
            let end = times.end
        else { return }
        guard
            let instants = reader.instants(
                start: (startDate, start), end: (endDate, end), duration: values.duration, order: order,
                context: context)
        else { return }
        try write(reader, startDate: startDate, instants: instants, values: values)
    }

    /// The normalized record of a valid row.
    private func write(
        _ reader: RowReader, startDate: CivilDate, instants: RowReader.Instants, values: RowReader.Values
    )
        throws
    {
        let state = reader.state
        let user = reader.field(.user), email = reader.field(.email)
        let project = reader.field(.project), task = reader.field(.task), description = reader.field(.description)
        let client = reader.field(.client), tags = ClockifyCSVConverter.trimmed(reader.field(.tags))
        let classification = context.classifier.classify(
            EntryClassifier.Fields(
                client: client, project: project, task: task, tags: tags, description: description,
                billable: values.billable, hasRate: (values.rate ?? 0) > 0))
        makeKey(
            user: email.isEmpty ? user : email, startUTC: instants.startUTC, endUTC: instants.endUTC,
            project: project, task: task, description: description, state: state)
        if state.pieceRows != nil, state.has(.type) {
            // The cache below writes "regular" for empty cells until a first Type is seen, then "":
            // a piece cannot know that alone (``ClockifyCSVConverter/hand(_:to:pool:)`` checks it).
            let empty = reader.field(.type).isEmpty
            if state.records == 0 { state.startsWithEmptyType = empty }
            if !empty { state.sawTypeText = true }
        }
        if state.has(.type), !reader.field(.type).elementsEqual(state.entryTypeSource) {
            state.entryTypeSource = Array(reader.field(.type))
            state.entryType.set(String(decoding: reader.field(.type), as: UTF8.self).trimmed.lowercased())
        }
        state.records += 1
        let clean = !reader.batch.mayHoldControlCharacters(reader.row)
        func text(_ bytes: UnsafeRawBufferPointer) -> ByteText { ByteText(bytes: bytes, knownClean: clean) }
        let pieceRows = state.pieceRows
        if pieceRows == nil { state.addToTotals(seconds: instants.seconds, amount: values.amount ?? 0) }
        try state.key.withUnsafeBytes { key in
            let record = TimeEntryRecord(
                key: ByteText(bytes: key, knownClean: true), sourceFormat: .clockifyDetailedCSV,
                sourceFile: sourceFile.text, sourceRow: reader.batch.line(reader.row),
                sourceEntryID: .empty,
                userName: text(user), userEmail: text(email), clientName: text(client),
                clientCode: classification.clientCode, projectName: text(project),
                taskName: text(task), description: text(description), tags: text(tags),
                billable: values.billable, entryType: state.entryType.text, startLocal: instants.startLocal,
                endLocal: instants.endLocal, startUTC: instants.startUTC, endUTC: instants.endUTC,
                durationSeconds: instants.seconds, secondPrecision: instants.secondPrecision,
                hourlyRateMinor: values.rate, billableAmountMinor: values.amount, currencyCode: state.currencyCode.text,
                minorDigits: state.minorDigits,
                category: classification.category, invoiced: values.invoiced,
                invoiceRef: text(reader.field(.invoiceID)))
            if let pieceRows {
                pieceRows.append(
                    year: startDate.year, month: startDate.month, seconds: instants.seconds,
                    amount: values.amount ?? 0
                ) { record.write(into: &$0) }
            } else {
                try context.output.append(year: startDate.year, month: startDate.month) { record.write(into: &$0) }
            }
        }
    }

    /// The fingerprint key (see ``RecordKey``): SHA-256 of user (lowercased), start and end to
    /// the minute, project, task and description (white space collapsed), joined by 0x1F.
    private func makeKey(
        user: UnsafeRawBufferPointer, startUTC: Int64, endUTC: Int64, project: UnsafeRawBufferPointer,
        task: UnsafeRawBufferPointer, description: UnsafeRawBufferPointer, state: PassState
    ) {
        let fingerprint = state.fingerprint
        fingerprint.start()
        fingerprint.appendLowercasedTrimmed(user)
        fingerprint.append(startUTC >= 0 ? startUTC / 60 : (startUTC - 59) / 60)
        fingerprint.append(endUTC >= 0 ? endUTC / 60 : (endUTC - 59) / 60)
        fingerprint.appendCollapsingSpaces(project)
        fingerprint.appendCollapsingSpaces(task)
        fingerprint.appendCollapsingSpaces(description)
        state.key.withUnsafeMutableBytes { fingerprint.write(.timeEntry, into: $0) }
    }

    func detectHeader(row: Int, of batch: CSVBatch, state: PassState) throws {
        let cells = batch.strings(row)
        let mapped = ClockifyColumns.map(header: cells)
        let required: [ClockifyColumns] = [.startDate, .startTime, .endDate, .endTime]
        guard required.allSatisfy({ mapped.columns[$0] != nil }) else { return }
        if let conflict = mapped.conflict {
            throw Rejection(
                format: .clockifyDetailedCSV,
                summary: "The rate and amount columns name two currencies (\(conflict)).",
                advice: "Export the report again from Clockify without editing its header.")
        }
        if mapped.columns[.user] == nil && mapped.columns[.email] == nil {
            throw Rejection(
                format: .clockifyDetailedCSV,
                summary: "The report has neither a User nor an Email column, so entries cannot be told apart.",
                advice: "Export the Detailed report with the User column shown.")
        }
        if let code = mapped.currency {
            guard let currency = Currency(code: code) else {
                throw Rejection(
                    format: .clockifyDetailedCSV,
                    summary: "The currency \"\(code)\" in the rate column is not an ISO 4217 code.",
                    advice: "Export the report again from Clockify without editing its header.")
            }
            state.currency = currency
        }
        state.header = cells
        for (column, index) in mapped.columns { state.columns[column.rawValue] = index }
    }

    private func readFooter(row: Int, rows: CSVRows, state: PassState) {
        state.sawFooter = true
        let scale = state.minorDigits
        if state.has(.amount) {
            state.footerAmount = try? DecimalText.minorUnits(
                bytes: rows.field(row, state.index(.amount)), scale: scale, style: .dotDecimal
            ).get()
        }
        if state.has(.durationHours) {
            state.footerDuration = LocalDateTimeText.parseDuration(rows.field(row, state.index(.durationHours)))
        }
    }

    // MARK: - Byte helpers

    static func contains(_ bytes: UnsafeRawBufferPointer, _ byte: UInt8) -> Bool {
        guard let base = bytes.baseAddress else { return false }
        return memchr(base, Int32(byte), bytes.count) != nil
    }

    static func isBlank(_ bytes: UnsafeRawBufferPointer) -> Bool {
        bytes.allSatisfy { $0 == 0x20 || $0 == 0x09 }
    }

    static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0, end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    /// Yes/No in English, German or French (any case), true/false, 1/0.
    static func yesNo(_ bytes: UnsafeRawBufferPointer, emptyMeansNo: Bool) -> Bool? {
        let value = trimmed(bytes)
        if value.isEmpty { return emptyMeansNo ? false : nil }
        func equals(_ word: StaticString) -> Bool {
            guard value.count == word.utf8CodeUnitCount else { return false }
            for index in 0..<value.count {
                let byte = value[index]
                if (byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte) != word.utf8Start[index] { return false }
            }
            return true
        }
        if equals("yes") || equals("ja") || equals("oui") || equals("true") || equals("1") { return true }
        if equals("no") || equals("nein") || equals("non") || equals("false") || equals("0") { return false }
        return nil
    }

    /// Appends text with runs of white space collapsed to one space and the ends trimmed
    /// (the fingerprint's rule, ``FingerprintBuilder``).
    static func appendCollapsingSpaces(_ text: UnsafeRawBufferPointer, to buffer: ByteBuffer) {
        FingerprintBuilder.appendCollapsingSpaces(text, to: buffer)
    }
}
