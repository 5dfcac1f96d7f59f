/// `facturation fetch clockify`: the detailed report of the Clockify Reports API
/// (`POST {base}/v1/workspaces/{id}/reports/detailed`, header `X-Api-Key`), one inbox file per
/// month, its pages requested until a short one.
///
/// Without `--from/--to`, the months from the cursor's (fetched again: it may have grown since)
/// to the current one, the cursor moved after each month's file is in the inbox; with them, those
/// days, cut into months, and the cursor left alone.
struct ClockifyProducer {
    let settings: ClockifyFetchSettings
    let fetcher: Fetcher
    let days: ClosedRange<CivilDate>?

    private var zone: ZoneConverter { ZoneConverter(timeZone: fetcher.layout.pipeline.timeZone) }
    private var url: String {
        "\(settings.access.baseURL)/v1/workspaces/\(settings.workspaceID)/reports/detailed"
    }

    func run(_ report: inout FetchReport) throws {
        let key = try settings.access.key()
        let caller = fetcher.caller(settings.access, .clockify, key: key)
        for period in try periods() {
            let (bytes, pages, entries) = try fetchPeriod(period, caller: caller, key: key)
            report.pages += pages
            report.entries += entries
            if let bytes {
                let name = "clockify-\(Self.label(period))-\(fetcher.stamp).json"
                let dropped = try InboxDrop.drop(bytes, name: name, layout: fetcher.layout)
                report.files.append(fetcher.shown(Path.join(fetcher.layout.inbox, dropped)))
            }
            if days == nil {
                let month = String(period.lowerBound.description.prefix(7))
                let cursor = FetchCursor(
                    source: .clockify, position: month, fetchedAt: ISOTimestamp.formatUTC(fetcher.clock.now().seconds))
                try cursor.save(layout: fetcher.layout)
                report.position = month
            }
        }
    }

    /// The periods to fetch: whole months (or the requested days cut at month ends), oldest first.
    func periods() throws -> [ClosedRange<CivilDate>] {
        let today = zone.localDate(utc: fetcher.clock.now().seconds)
        var first = days?.lowerBound ?? today
        var last = days?.upperBound ?? Self.monthEnd(today)
        if days == nil {
            let cursor = try FetchCursor.load(.clockify, layout: fetcher.layout)
            let fromCursor = cursor.flatMap { CivilDate(iso: $0.position + "-01") }
            first = min(fromCursor ?? settings.start ?? today, today)
            last = Self.monthEnd(today)
        }
        var periods: [ClosedRange<CivilDate>] = []
        var start = days == nil ? Self.monthStart(first) : first
        while start <= last, periods.count < 1200 {
            let end = min(Self.monthEnd(start), last)
            periods.append(start...end)
            start = end.adding(days: 1)
        }
        return periods
    }

    /// Every page of one period: the file's bytes (nil when the period has no entry), pages, entries.
    private func fetchPeriod(
        _ period: ClosedRange<CivilDate>, caller: APICaller, key: SMTPSecret
    ) throws -> ([UInt8]?, Int, Int) {
        var file: FetchedFile?
        var bodies: [String] = []
        var entries = 0
        for page in 1...100_000 {
            let body = requestBody(period, page: page)
            let request = HTTPRequest(
                method: .post, url: url, headers: ["X-Api-Key: \(key.value)", "Content-Type: application/json"],
                body: body)
            let answer = try caller.call(request)
            let root = try fetcher.parse(answer, .clockify, request, list: "timeentries")
            let count = root["timeentries"]?.array?.count ?? 0
            guard var current = file ?? FetchedFile(first: answer, member: "timeentries"),
                current.add(answer: answer)
            else {
                throw FacturationError(.unexpected, "Clockify: the answer to \(request) could not be spliced")
            }
            file = current
            bodies.append(body)
            entries += count
            CrashInjection.step("fetched clockify \(Self.label(period)) page \(page)")
            if count < settings.pageSize { break }
        }
        guard entries > 0, let file else { return (nil, bodies.count, 0) }
        let record = fetcher.record(.clockify, method: .post, urls: [url], bodies: bodies, entries: entries)
        return (file.bytes(record: record), bodies.count, entries)
    }

    /// The JSON body of one page: the period as UTC instants of the pipeline's local midnights.
    func requestBody(_ period: ClosedRange<CivilDate>, page: Int) -> String {
        let start = zone.utc(fromLocal: period.lowerBound.daysSinceEpoch * 86_400)
        let end = zone.utc(fromLocal: period.upperBound.adding(days: 1).daysSinceEpoch * 86_400) - 1
        let startText = ISOTimestamp.format(start) + ".000Z"
        let endText = ISOTimestamp.format(end) + ".999Z"
        return "{\"dateRangeStart\":\"\(startText)\",\"dateRangeEnd\":\"\(endText)\",\"exportType\":\"JSON\","
            + "\"amountShown\":\"EARNED\",\"detailedFilter\":{\"page\":\(page),\"pageSize\":\(settings.pageSize),"
            + "\"sortColumn\":\"DATE\",\"sortOrder\":\"ASCENDING\"}}"
    }

    /// `2025-09` for a whole month, else `2025-09-01_2025-09-15`.
    static func label(_ period: ClosedRange<CivilDate>) -> String {
        if period.lowerBound.day == 1, period.upperBound == monthEnd(period.lowerBound) {
            return String(period.lowerBound.description.prefix(7))
        }
        return "\(period.lowerBound)_\(period.upperBound)"
    }

    static func monthStart(_ day: CivilDate) -> CivilDate { CivilDate(year: day.year, month: day.month, day: 1)! }

    static func monthEnd(_ day: CivilDate) -> CivilDate {
        CivilDate(year: day.year, month: day.month, day: CivilDate.daysInMonth(year: day.year, month: day.month))!
    }
}
