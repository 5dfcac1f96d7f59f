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

    /// Why a pass stopped early and must be run again with another date order.
    private struct RestartWithOrder: Error { let order: PipelineConfig.DateOrder }

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

    private final class PassState {
        // Exclusivity: see ``ExclusivityNote`` (why the `@exclusivity(unchecked)` properties here are safe and needed).
        @exclusivity(unchecked) var header: [String]?
        /// Position of each column (by `ClockifyColumns.rawValue`), -1 when absent.
        @exclusivity(unchecked) var columns = [Int](repeating: -1, count: ClockifyColumns.allCases.count)
        @exclusivity(unchecked) var currency: Currency?
        @exclusivity(unchecked) var problems = ProblemList()
        @exclusivity(unchecked) var notes: [String] = []
        @exclusivity(unchecked) var records = 0
        /// Sums for the TOTAL row check; nil once they overflow 64 bits (absurd amounts used to trap).
        @exclusivity(unchecked) var amountTotal: Int64? = 0
        @exclusivity(unchecked) var durationTotal: Int64? = 0
        @exclusivity(unchecked) var footerAmount: Int64?
        @exclusivity(unchecked) var footerDuration: Int64?
        // Date-order evidence over every date of the file.
        @exclusivity(unchecked) var datesInvalidMonthFirst = 0
        @exclusivity(unchecked) var datesInvalidDayFirst = 0
        @exclusivity(unchecked) var ambiguousDates = 0
        @exclusivity(unchecked) var sawTwelveHour = false
        // Reusable buffers.
        let fingerprint = FingerprintBuilder()
        @exclusivity(unchecked) var key = [UInt8](repeating: 0, count: 35)
        @exclusivity(unchecked) var entryType = "regular"
        @exclusivity(unchecked) var entryTypeSource: [UInt8] = []

        func index(_ column: ClockifyColumns) -> Int { columns[column.rawValue] }
        func has(_ column: ClockifyColumns) -> Bool { columns[column.rawValue] >= 0 }
    }

    private func runPass(order: PipelineConfig.DateOrder, orderIsFixed: Bool) throws -> ConversionReport {
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
        let scale = state.currency?.minorDigits ?? 2
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

    // swiftlint:disable:next function_body_length
    private func handle(
        row: Int, rows: CSVRows, batch: CSVBatch, state: PassState,
        order: PipelineConfig.DateOrder
    ) throws {
        guard let header = state.header else { return }
        let columns = state.columns
        @inline(__always) func field(_ column: ClockifyColumns) -> UnsafeRawBufferPointer {
            rows.field(row, columns[column.rawValue])
        }
        var valid = true
        func problem(_ column: ClockifyColumns?, _ message: String) {
            let index = column.map { columns[$0.rawValue] } ?? -1
            state.problems.add(
                Problem(
                    line: batch.line(row), column: index >= 0 ? header[index] : nil,
                    columnNumber: index >= 0 ? index + 1 : nil,
                    value: column.map { String(decoding: field($0), as: UTF8.self) }, message: message))
            valid = false
        }

        let startDateBytes = field(.startDate), startTimeBytes = field(.startTime)
        if ClockifyCSVConverter.isBlank(startDateBytes) && ClockifyCSVConverter.isBlank(startTimeBytes) {
            // The TOTAL row that closes Clockify's report.
            let cells = batch.strings(row)
            if cells.contains(where: { $0.trimmed.uppercased().hasPrefix("TOTAL") }) {
                readFooter(row: row, rows: rows, state: state)
                return
            }
        }
        if rows.fieldCount(row) != header.count {
            problem(nil, "this row has \(rows.fieldCount(row)) cells but the header has \(header.count)")
            return
        }

        // Dates and times; every date is also evidence for the day/month order.
        let startDateRaw = LocalDateTimeText.parseDate(startDateBytes)
        let endDateRaw = LocalDateTimeText.parseDate(field(.endDate))
        let createdRaw = state.has(.dateOfCreation) ? LocalDateTimeText.parseDate(field(.dateOfCreation)) : nil
        func evidence(_ raw: LocalDateTimeText.RawDate?) {
            guard let raw, raw.shape == .numeric else { return }
            if raw.resolve(.monthFirst) == nil { state.datesInvalidMonthFirst += 1 }
            if raw.resolve(.dayFirst) == nil { state.datesInvalidDayFirst += 1 }
            if raw.isAmbiguous { state.ambiguousDates += 1 }
        }
        evidence(startDateRaw)
        evidence(endDateRaw)
        evidence(createdRaw)
        let startTime = LocalDateTimeText.parseTime(startTimeBytes)
        let endTime = LocalDateTimeText.parseTime(field(.endTime))
        if startTime?.twelveHour == true || endTime?.twelveHour == true { state.sawTwelveHour = true }

        let dateHint = order == .monthFirst ? "MM/DD/YYYY" : "DD/MM/YYYY"
        func date(_ raw: LocalDateTimeText.RawDate?, _ column: ClockifyColumns) -> CivilDate? {
            guard let raw else {
                problem(column, "not a date (expected a date like 2025-07-31 or \(dateHint))")
                return nil
            }
            guard let resolved = raw.resolve(order) else {
                problem(column, "this date does not exist when read as \(raw.shape == .numeric ? dateHint : "a date")")
                return nil
            }
            if let outside = ImportBounds.problem(date: resolved) {
                problem(column, outside)
                return nil
            }
            return resolved
        }
        func time(_ parsed: LocalDateTimeText.Time?, _ column: ClockifyColumns) -> LocalDateTimeText.Time? {
            if parsed == nil { problem(column, "not a time of day (expected 14:05, 14:05:30 or 2:05 PM)") }
            return parsed
        }
        let startDate = date(startDateRaw, .startDate)
        let start = time(startTime, .startTime)
        let endDate = date(endDateRaw, .endDate)
        let end = time(endTime, .endTime)

        // Flags and money.
        var billable: Bool?
        if state.has(.billable) {
            billable = ClockifyCSVConverter.yesNo(field(.billable), emptyMeansNo: false)
            if billable == nil { problem(.billable, "expected Yes or No") }
        }
        var invoiced: Bool?
        if state.has(.invoiced) {
            invoiced = ClockifyCSVConverter.yesNo(field(.invoiced), emptyMeansNo: true)
            if invoiced == nil { problem(.invoiced, "expected Yes or No") }
        }
        let scale = state.currency?.minorDigits ?? 2
        func money(_ column: ClockifyColumns) -> Int64? {
            guard state.has(column) else { return nil }
            let bytes = field(column)
            if ClockifyCSVConverter.isBlank(bytes) { return nil }
            let style: DecimalText.Style =
                ClockifyCSVConverter.contains(bytes, 0x2C) && !ClockifyCSVConverter.contains(bytes, 0x2E)
                ? .commaDecimal : .dotDecimal
            switch DecimalText.minorUnits(bytes: bytes, scale: scale, style: style) {
            case .success(let value):
                if let outside = ImportBounds.problem(amountMinor: value, scale: scale) {
                    problem(column, outside)
                    return nil
                }
                return value
            case .failure(let failure): problem(column, failure.message); return nil
            }
        }
        let rate = money(.rate)
        let amount = money(.amount)
        var duration: Int64?
        if state.has(.durationHours) {
            duration = LocalDateTimeText.parseDuration(field(.durationHours))
            if duration == nil {
                problem(.durationHours, "not a duration (expected hours:minutes:seconds like 01:30:00)")
            }
        }
        guard valid, let startDate, let start, let endDate, let end else { return }

        // Instants.
        let startLocal = startDate.daysSinceEpoch * 86_400 + Int64(start.secondsOfDay)
        let endLocal = endDate.daysSinceEpoch * 86_400 + Int64(end.secondsOfDay)
        let startUTC = context.zone.utc(fromLocal: startLocal)
        let endUTC = context.zone.utc(fromLocal: endLocal)
        let span = endUTC - startUTC
        if span < 0 {
            problem(
                .endTime,
                "the entry ends before it starts (\(startDate) \(String(decoding: startTimeBytes, as: UTF8.self))"
                    + " → \(endDate) \(String(decoding: field(.endTime), as: UTF8.self)))")
            return
        }
        if let duration {
            let tolerance: Int64 = (start.hasSeconds ? 0 : 60) + (end.hasSeconds ? 0 : 60)
            let gap = abs(span - duration)
            let dstShift =
                abs(gap - 3600) <= tolerance
                && startLocal - startUTC != endLocal - endUTC
            if gap > tolerance && !dstShift {
                problem(
                    .durationHours,
                    "the duration does not match the start and end (they are \(Self.hours(span)) "
                        + "apart); check the date format (\(dateHint)) and the time zone (\(context.pipeline.timeZone.identifier))"
                )
                return
            }
        }
        let seconds = duration ?? span
        if let outside = ImportBounds.problem(durationSeconds: seconds) {
            problem(duration == nil ? .endTime : .durationHours, outside)
            return
        }

        // Identity and classification.
        let user = field(.user), email = field(.email)
        let project = field(.project), task = field(.task), description = field(.description)
        let client = field(.client), tags = ClockifyCSVConverter.trimmed(field(.tags))
        let classification = context.classifier.classify(
            EntryClassifier.Fields(
                client: client, project: project, task: task, tags: tags, description: description,
                billable: billable, hasRate: (rate ?? 0) > 0))
        makeKey(
            user: email.isEmpty ? user : email, startUTC: startUTC, endUTC: endUTC,
            project: project, task: task, description: description, state: state)
        if state.has(.type), !field(.type).elementsEqual(state.entryTypeSource) {
            state.entryTypeSource = Array(field(.type))
            state.entryType = String(decoding: field(.type), as: UTF8.self).trimmed.lowercased()
        }

        state.records += 1
        let clean = !batch.mayHoldControlCharacters(row)
        func text(_ bytes: UnsafeRawBufferPointer) -> ByteText { ByteText(bytes: bytes, knownClean: clean) }
        state.durationTotal = Self.adding(seconds, to: state.durationTotal)
        state.amountTotal = Self.adding(amount ?? 0, to: state.amountTotal)
        try state.key.withUnsafeBytes { key in
            let record = TimeEntryRecord(
                key: ByteText(bytes: key, knownClean: true), sourceFormat: .clockifyDetailedCSV,
                sourceFile: context.sourceName, sourceRow: batch.line(row),
                sourceEntryID: ByteText(bytes: UnsafeRawBufferPointer(start: nil, count: 0), knownClean: true),
                userName: text(user), userEmail: text(email), clientName: text(client),
                clientCode: classification.clientCode, projectName: text(project),
                taskName: text(task), description: text(description), tags: text(tags),
                billable: billable, entryType: state.entryType, startLocal: startLocal, endLocal: endLocal,
                startUTC: startUTC, endUTC: endUTC, durationSeconds: seconds,
                secondPrecision: start.hasSeconds && end.hasSeconds, hourlyRateMinor: rate,
                billableAmountMinor: amount, currency: state.currency, category: classification.category,
                invoiced: invoiced, invoiceRef: text(field(.invoiceID)))
            try context.output.append(year: startDate.year, month: startDate.month) { record.write(into: &$0) }
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

    private func detectHeader(row: Int, of batch: CSVBatch, state: PassState) throws {
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
        let scale = state.currency?.minorDigits ?? 2
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
