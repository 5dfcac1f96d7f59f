/// Converts a Clockify detailed report (CSV) into normalized time entries.
///
/// Handles the variants Clockify produces: a "Clockify Time Report" preamble before the header
/// and a TOTAL row after the entries; any column order; US and European dates (decided from
/// the whole file; see ``PipelineConfig/ClockifySettings``); 12- and 24-hour times with or
/// without seconds, read as local times in the pipeline's time zone.
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
        var header: [String]?
        var columns: [ClockifyColumns: Int] = [:]
        var currency: Currency?
        var problems = ProblemList()
        var notes: [String] = []
        var records = 0
        var amountTotal: Int64 = 0
        var durationTotal: Int64 = 0
        var footerAmount: Int64?
        var footerDuration: Int64?
        // Date-order evidence over every date of the file.
        var datesInvalidMonthFirst = 0
        var datesInvalidDayFirst = 0
        var ambiguousDates = 0
        var sawTwelveHour = false
    }

    private func runPass(order: PipelineConfig.DateOrder, orderIsFixed: Bool) throws -> ConversionReport {
        let state = PassState()
        let reader = try DecodingReader(path: context.path, encoding: context.scan.encoding ?? .utf8)
        let csv = CSVReader(delimiter: context.detection.delimiter)
        do {
            try csv.read({ try reader.next() }) { batch in
                for row in 0..<batch.rowCount {
                    try handle(row: row, of: batch, state: state, order: order)
                }
                context.progress?(reader.bytesRead, reader.totalBytes)
            }
        } catch let error as CSVSyntaxError {
            var problems = ProblemList()
            problems.add(Problem(line: error.line, columnNumber: error.column, message: error.message))
            throw Rejection(format: .clockifyDetailedCSV, summary: "The file is not valid CSV.", problems: problems,
                            advice: "Export the report again from Clockify without editing it, "
                                + "or fix the quoting on the line shown.")
        }
        guard state.header != nil else {
            throw Rejection(format: .clockifyDetailedCSV, summary: "No header row with the Clockify columns was found.",
                            advice: "Export the report again from Clockify (Reports > Detailed > Export > CSV).")
        }
        try decideOrder(state: state, used: order, orderIsFixed: orderIsFixed)
        if !state.problems.isEmpty {
            let rows = state.problems.rowsWithProblems
            throw Rejection(
                format: .clockifyDetailedCSV,
                summary: "\(rows) row\(rows == 1 ? "" : "s") of this Clockify report cannot be read "
                    + "(\(state.problems.total) problem\(state.problems.total == 1 ? "" : "s")). "
                    + "Nothing from this file was imported.",
                problems: state.problems,
                advice: "Correct these rows in Clockify and export the report again (or fix the cells shown), "
                    + "then drop the corrected file into inbox/.")
        }
        try context.output.finish()
        addFooterNotes(state)
        return ConversionReport(format: .clockifyDetailedCSV, records: state.records,
                                partitions: context.output.rowCounts, notes: state.notes)
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

    private func addFooterNotes(_ state: PassState) {
        let scale = state.currency?.minorDigits ?? 2
        if let footer = state.footerAmount, footer != state.amountTotal {
            state.notes.append("the TOTAL row says \(DecimalText.format(minorUnits: footer, scale: scale)) but the "
                + "entries add up to \(DecimalText.format(minorUnits: state.amountTotal, scale: scale)); "
                + "the entries were imported as they are")
        }
        if let footer = state.footerDuration, footer != state.durationTotal {
            state.notes.append("the TOTAL row says \(Self.hours(footer)) but the entries add up to "
                + "\(Self.hours(state.durationTotal)); the entries were imported as they are")
        }
    }

    static func hours(_ seconds: Int64) -> String {
        "\(seconds / 3600):\(CivilDate.pad(Int(seconds / 60 % 60), 2)):\(CivilDate.pad(Int(seconds % 60), 2))"
    }

    // MARK: - Rows

    private func handle(row: Int, of batch: CSVBatch, state: PassState, order: PipelineConfig.DateOrder) throws {
        guard let header = state.header else {
            try detectHeader(row: row, of: batch, state: state)
            return
        }
        let line = batch.line(row)
        let columns = state.columns
        func has(_ column: ClockifyColumns) -> Bool { columns[column] != nil }
        func text(_ column: ClockifyColumns) -> String {
            guard let index = columns[column] else { return "" }
            return batch.string(row, index)
        }
        func problem(_ column: ClockifyColumns?, _ message: String) {
            let index = column.flatMap { columns[$0] }
            state.problems.add(Problem(
                line: line, column: index.map { header[$0] }, columnNumber: index.map { $0 + 1 },
                value: column.map(text), message: message))
        }

        // The TOTAL row that closes Clockify's report.
        if text(.startDate).trimmed.isEmpty && text(.startTime).trimmed.isEmpty {
            let cells = batch.strings(row)
            if cells.contains(where: { $0.trimmed.uppercased().hasPrefix("TOTAL") }) {
                readFooter(row: row, of: batch, state: state)
                return
            }
        }
        if batch.fieldCount(row) != header.count {
            problem(nil, "this row has \(batch.fieldCount(row)) cells but the header has \(header.count)")
            return
        }

        // Dates and times.
        let startDateRaw = columns[.startDate].flatMap { batch.withField(row, $0, LocalDateTimeText.parseDate) }
        let endDateRaw = columns[.endDate].flatMap { batch.withField(row, $0, LocalDateTimeText.parseDate) }
        let createdRaw = columns[.dateOfCreation].flatMap { batch.withField(row, $0, LocalDateTimeText.parseDate) }
        for raw in [startDateRaw, endDateRaw, createdRaw].compactMap({ $0 }) {
            if raw.resolve(.monthFirst) == nil { state.datesInvalidMonthFirst += 1 }
            if raw.resolve(.dayFirst) == nil { state.datesInvalidDayFirst += 1 }
            if raw.isAmbiguous { state.ambiguousDates += 1 }
        }
        let startTime = columns[.startTime].flatMap { batch.withField(row, $0, LocalDateTimeText.parseTime) }
        let endTime = columns[.endTime].flatMap { batch.withField(row, $0, LocalDateTimeText.parseTime) }
        if startTime?.twelveHour == true || endTime?.twelveHour == true { state.sawTwelveHour = true }

        let dateHint = order == .monthFirst ? "MM/DD/YYYY" : "DD/MM/YYYY"
        var valid = true
        func date(_ raw: LocalDateTimeText.RawDate?, _ column: ClockifyColumns) -> CivilDate? {
            guard let raw else {
                problem(column, "not a date (expected a date like 2025-07-31 or \(dateHint))")
                valid = false
                return nil
            }
            guard let resolved = raw.resolve(order) else {
                problem(column, "this date does not exist when read as \(raw.shape == .numeric ? dateHint : "a date")")
                valid = false
                return nil
            }
            return resolved
        }
        func time(_ parsed: LocalDateTimeText.Time?, _ column: ClockifyColumns) -> LocalDateTimeText.Time? {
            if parsed == nil {
                problem(column, "not a time of day (expected 14:05, 14:05:30 or 2:05 PM)")
                valid = false
            }
            return parsed
        }
        let startDate = date(startDateRaw, .startDate)
        let start = time(startTime, .startTime)
        let endDate = date(endDateRaw, .endDate)
        let end = time(endTime, .endTime)

        // Flags and money.
        var billable: Bool?
        if has(.billable) {
            switch HeaderName.fold(text(.billable)) {
            case "yes", "ja", "oui", "true", "1": billable = true
            case "no", "nein", "non", "false", "0": billable = false
            default: problem(.billable, "expected Yes or No"); valid = false
            }
        }
        var invoiced: Bool?
        if has(.invoiced) {
            switch HeaderName.fold(text(.invoiced)) {
            case "yes", "ja", "oui", "true", "1": invoiced = true
            case "no", "nein", "non", "false", "0", "": invoiced = false
            default: problem(.invoiced, "expected Yes or No"); valid = false
            }
        }
        let scale = state.currency?.minorDigits ?? 2
        func money(_ column: ClockifyColumns) -> Int64? {
            guard let index = columns[column] else { return nil }
            return batch.withField(row, index) { bytes -> Int64? in
                if bytes.allSatisfy({ $0 == 0x20 }) { return nil }
                let style: DecimalText.Style = bytes.contains(0x2C) && !bytes.contains(0x2E) ? .commaDecimal : .dotDecimal
                switch DecimalText.minorUnits(bytes: bytes, scale: scale, style: style) {
                case .success(let value): return value
                case .failure(let failure):
                    problem(column, failure.message)
                    valid = false
                    return nil
                }
            }
        }
        let rate = money(.rate)
        let amount = money(.amount)
        var duration: Int64?
        if let index = columns[.durationHours] {
            duration = batch.withField(row, index, LocalDateTimeText.parseDuration)
            if duration == nil {
                problem(.durationHours, "not a duration (expected hours:minutes:seconds like 01:30:00)")
                valid = false
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
            problem(.endTime, "the entry ends before it starts (\(startDate) \(text(.startTime)) → \(endDate) \(text(.endTime)))")
            return
        }
        let precision = start.hasSeconds && end.hasSeconds ? "second" : "minute"
        if let duration {
            let tolerance: Int64 = (start.hasSeconds ? 0 : 60) + (end.hasSeconds ? 0 : 60)
            let gap = abs(span - duration)
            let dstShift = abs(gap - 3600) <= tolerance && context.zone.offset(atUTC: startUTC) != context.zone.offset(atUTC: endUTC)
            if gap > tolerance && !dstShift {
                problem(.durationHours, "the duration does not match the start and end (they are \(Self.hours(span)) apart); "
                    + "check the date format (\(dateHint)) and the time zone (\(context.pipeline.timeZone))")
                return
            }
        }
        let seconds = duration ?? span

        // Identity and classification.
        let user = text(.user), email = text(.email), project = text(.project), task = text(.task)
        let description = text(.description), client = text(.client), tagsText = text(.tags)
        let tags = tagsText.isEmpty ? [] : tagsText.split(separator: ",").map { $0.trimmed }.filter { !$0.isEmpty }
        let clientCode = context.classifier.clientCode(clientName: client, projectName: project)
        let category = context.classifier.category(
            clientName: client, clientCode: clientCode, projectName: project, taskName: task, tags: tags,
            description: description, billable: billable, hasRate: (rate ?? 0) > 0)
        let key = TimeEntryKey.fingerprint(
            user: email.isEmpty ? user : email, startUTC: startUTC, endUTC: endUTC,
            project: project, task: task, description: description)
        let entryType = has(.type) ? HeaderName.fold(text(.type)) : "regular"

        state.records += 1
        state.durationTotal += seconds
        state.amountTotal += amount ?? 0
        let record = TimeEntryRecord(
            key: key, sourceFormat: .clockifyDetailedCSV, sourceFile: context.sourceName, sourceRow: line,
            sourceEntryID: "", userName: user, userEmail: email, clientName: client, clientCode: clientCode,
            projectName: project, taskName: task, description: description, tags: tags, billable: billable,
            entryType: entryType, startLocal: startLocal, endLocal: endLocal, startUTC: startUTC, endUTC: endUTC,
            durationSeconds: seconds, timePrecision: precision, hourlyRateMinor: rate, billableAmountMinor: amount,
            currency: state.currency, category: category, invoiced: invoiced, invoiceRef: text(.invoiceID))
        try context.output.append(partition: startDate.monthKey) { record.write(into: &$0) }
    }

    private func detectHeader(row: Int, of batch: CSVBatch, state: PassState) throws {
        let cells = batch.strings(row)
        let mapped = ClockifyColumns.map(header: cells)
        let required: [ClockifyColumns] = [.startDate, .startTime, .endDate, .endTime]
        guard required.allSatisfy({ mapped.columns[$0] != nil }) else { return }
        if let conflict = mapped.conflict {
            throw Rejection(format: .clockifyDetailedCSV,
                            summary: "The rate and amount columns name two currencies (\(conflict)).",
                            advice: "Export the report again from Clockify without editing its header.")
        }
        if mapped.columns[.user] == nil && mapped.columns[.email] == nil {
            throw Rejection(format: .clockifyDetailedCSV,
                            summary: "The report has neither a User nor an Email column, so entries cannot be told apart.",
                            advice: "Export the Detailed report with the User column shown.")
        }
        if let code = mapped.currency {
            guard let currency = Currency(code: code) else {
                throw Rejection(format: .clockifyDetailedCSV,
                                summary: "The currency \"\(code)\" in the rate column is not an ISO 4217 code.",
                                advice: "Export the report again from Clockify without editing its header.")
            }
            state.currency = currency
        }
        state.header = cells
        state.columns = mapped.columns
    }

    private func readFooter(row: Int, of batch: CSVBatch, state: PassState) {
        let scale = state.currency?.minorDigits ?? 2
        if let index = state.columns[.amount] {
            state.footerAmount = batch.withField(row, index) { bytes in
                try? DecimalText.minorUnits(bytes: bytes, scale: scale, style: .dotDecimal).get()
            }
        }
        if let index = state.columns[.durationHours] {
            state.footerDuration = batch.withField(row, index, LocalDateTimeText.parseDuration)
        }
    }
}
