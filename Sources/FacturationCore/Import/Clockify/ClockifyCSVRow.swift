extension ClockifyCSVConverter {
    /// One data row of a Clockify CSV as it is read: its fields (bytes borrowed from the CSV
    /// reader) and the problems found in it, each naming its line, column and value.
    ///
    /// Why a struct of its own: the row is the converter's hot path (millions of rows); its parts
    /// (dates and times, flags and money, instants) are small methods inlined into one loop.
    struct RowReader {
        let row: Int
        let rows: CSVRows
        let batch: CSVBatch
        let state: PassState
        let header: [String]
        /// Position of each column (by `ClockifyColumns.rawValue`), -1 when absent.
        let columns: [Int]
        /// False once a problem was found.
        var valid = true

        /// The dates and times of the row (nil where they do not read).
        struct Times {
            var startDate: CivilDate?
            var start: LocalDateTimeText.Time?
            var endDate: CivilDate?
            var end: LocalDateTimeText.Time?
        }

        /// The flags and amounts of the row (nil where absent or invalid).
        struct Values {
            var billable: Bool?
            var invoiced: Bool?
            var rate: Int64?
            var amount: Int64?
            var duration: Int64?
        }

        /// Where the entry sits in time: local and UTC seconds, and its duration.
        struct Instants {
            var startLocal: Int64
            var endLocal: Int64
            var startUTC: Int64
            var endUTC: Int64
            var seconds: Int64
            var secondPrecision: Bool
        }

        @inline(__always) func field(_ column: ClockifyColumns) -> UnsafeRawBufferPointer {
            rows.field(row, columns[column.rawValue])
        }

        mutating func problem(_ column: ClockifyColumns?, _ message: String) {
            let index = column.map { columns[$0.rawValue] } ?? -1
            state.problems.add(
                Problem(
                    line: batch.line(row), column: index >= 0 ? header[index] : nil,
                    columnNumber: index >= 0 ? index + 1 : nil,
                    value: column.map { String(decoding: field($0), as: UTF8.self) }, message: message))
            valid = false
        }

        /// The TOTAL row that closes Clockify's report (no start date or time, a cell starting with TOTAL).
        func isTotalRow() -> Bool {
            guard ClockifyCSVConverter.isBlank(field(.startDate)), ClockifyCSVConverter.isBlank(field(.startTime))
            else { return false }
            return batch.strings(row).contains { $0.trimmed.uppercased().hasPrefix("TOTAL") }
        }

        /// Dates and times; every date is also evidence for the day/month order of the file.
        mutating func times(order: PipelineConfig.DateOrder) -> Times {
            let startDateRaw = LocalDateTimeText.parseDate(field(.startDate))
            let endDateRaw = LocalDateTimeText.parseDate(field(.endDate))
            let createdRaw = state.has(.dateOfCreation) ? LocalDateTimeText.parseDate(field(.dateOfCreation)) : nil
            evidence(startDateRaw)
            evidence(endDateRaw)
            evidence(createdRaw)
            let startTime = LocalDateTimeText.parseTime(field(.startTime))
            let endTime = LocalDateTimeText.parseTime(field(.endTime))
            if startTime?.twelveHour == true || endTime?.twelveHour == true { state.sawTwelveHour = true }
            var times = Times()
            times.startDate = date(startDateRaw, .startDate, order: order)
            times.start = time(startTime, .startTime)
            times.endDate = date(endDateRaw, .endDate, order: order)
            times.end = time(endTime, .endTime)
            return times
        }

        private func evidence(_ raw: LocalDateTimeText.RawDate?) {
            guard let raw, raw.shape == .numeric else { return }
            if raw.resolve(.monthFirst) == nil { state.datesInvalidMonthFirst += 1 }
            if raw.resolve(.dayFirst) == nil { state.datesInvalidDayFirst += 1 }
            if raw.isAmbiguous { state.ambiguousDates += 1 }
        }

        static func dateHint(_ order: PipelineConfig.DateOrder) -> String {
            order == .monthFirst ? "MM/DD/YYYY" : "DD/MM/YYYY"
        }

        private mutating func date(
            _ raw: LocalDateTimeText.RawDate?, _ column: ClockifyColumns, order: PipelineConfig.DateOrder
        ) -> CivilDate? {
            let hint = Self.dateHint(order)
            guard let raw else {
                problem(column, "not a date (expected a date like 2025-07-31 or \(hint))")
                return nil
            }
            guard let resolved = raw.resolve(order) else {
                problem(column, "this date does not exist when read as \(raw.shape == .numeric ? hint : "a date")")
                return nil
            }
            if let outside = ImportBounds.problem(date: resolved) {
                problem(column, outside)
                return nil
            }
            return resolved
        }

        private mutating func time(
            _ parsed: LocalDateTimeText.Time?, _ column: ClockifyColumns
        )
            -> LocalDateTimeText.Time?
        {
            if parsed == nil { problem(column, "not a time of day (expected 14:05, 14:05:30 or 2:05 PM)") }
            return parsed
        }

        /// Flags, money and the duration column.
        mutating func values() -> Values {
            var values = Values()
            if state.has(.billable) {
                values.billable = ClockifyCSVConverter.yesNo(field(.billable), emptyMeansNo: false)
                if values.billable == nil { problem(.billable, "expected Yes or No") }
            }
            if state.has(.invoiced) {
                values.invoiced = ClockifyCSVConverter.yesNo(field(.invoiced), emptyMeansNo: true)
                if values.invoiced == nil { problem(.invoiced, "expected Yes or No") }
            }
            values.rate = money(.rate)
            values.amount = money(.amount)
            if state.has(.durationHours) {
                values.duration = LocalDateTimeText.parseDuration(field(.durationHours))
                if values.duration == nil {
                    problem(.durationHours, "not a duration (expected hours:minutes:seconds like 01:30:00)")
                }
            }
            return values
        }

        private mutating func money(_ column: ClockifyColumns) -> Int64? {
            guard state.has(column) else { return nil }
            let bytes = field(column)
            if ClockifyCSVConverter.isBlank(bytes) { return nil }
            let scale = state.minorDigits
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
            case .failure(let failure):
                problem(column, failure.message)
                return nil
            }
        }

        /// Local and UTC instants; nil (with the problem) when the entry ends before it starts, its
        /// duration does not match its times (beyond a minute's rounding or a DST shift), or is out of bounds.
        mutating func instants(
            start: (date: CivilDate, time: LocalDateTimeText.Time),
            end: (date: CivilDate, time: LocalDateTimeText.Time),
            duration: Int64?, order: PipelineConfig.DateOrder, context: ConversionContext
        ) -> Instants? {
            let startLocal = start.date.daysSinceEpoch * 86_400 + Int64(start.time.secondsOfDay)
            let endLocal = end.date.daysSinceEpoch * 86_400 + Int64(end.time.secondsOfDay)
            let startUTC = context.zone.utc(fromLocal: startLocal)
            let endUTC = context.zone.utc(fromLocal: endLocal)
            let span = endUTC - startUTC
            if span < 0 {
                problem(
                    .endTime,
                    "the entry ends before it starts (\(start.date) \(String(decoding: field(.startTime), as: UTF8.self))"
                        + " → \(end.date) \(String(decoding: field(.endTime), as: UTF8.self)))")
                return nil
            }
            if let duration {
                let tolerance: Int64 = (start.time.hasSeconds ? 0 : 60) + (end.time.hasSeconds ? 0 : 60)
                let gap = abs(span - duration)
                let dstShift = abs(gap - 3600) <= tolerance && startLocal - startUTC != endLocal - endUTC
                if gap > tolerance && !dstShift {
                    problem(
                        .durationHours,
                        "the duration does not match the start and end (they are \(ClockifyCSVConverter.hours(span)) "
                            + "apart); check the date format (\(Self.dateHint(order))) and the time zone "
                            + "(\(context.pipeline.timeZone.identifier))")
                    return nil
                }
            }
            let seconds = duration ?? span
            if let outside = ImportBounds.problem(durationSeconds: seconds) {
                problem(duration == nil ? .endTime : .durationHours, outside)
                return nil
            }
            return Instants(
                startLocal: startLocal, endLocal: endLocal, startUTC: startUTC, endUTC: endUTC, seconds: seconds,
                secondPrecision: start.time.hasSeconds && end.time.hasSeconds)
        }
    }
}
