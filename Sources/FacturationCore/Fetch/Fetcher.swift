/// What one producer did for one pipeline (the `fetch` command's output, the run summary).
package struct FetchReport: Sendable, Codable {
    package var pipeline: String
    package var source: FetchSource
    /// The files dropped into the inbox, relative to the workspace.
    package var files: [String] = []
    package var pages = 0
    /// Time entries or transactions in those files.
    package var entries = 0
    /// The cursor after the fetch (nil when it was not moved).
    package var position: String?
    /// Why the fetch stopped before its end (the files above are in the inbox all the same).
    package var error: String?
    /// Whether that failure is temporary (a warning in a run) rather than one a person must fix.
    package var temporary = false
    /// What was not copied, and why (`fetch mail`: a message above the size limit).
    package var skipped: [String]?

    package init(pipeline: String, source: FetchSource) {
        self.pipeline = pipeline
        self.source = source
    }
}

/// Runs the producers of one pipeline: `fetch clockify` and `fetch qonto`, and `run` when
/// `[fetch] before_run = true` (then `[fetch.mail]` too). The caller holds the workspace lock.
package struct Fetcher {
    package let layout: ArchiveLayout
    package let clock: Clock
    package var sleeper: Sleeper = .system

    package init(layout: ArchiveLayout, clock: Clock, sleeper: Sleeper = .system) {
        self.layout = layout
        self.clock = clock
        self.sleeper = sleeper
    }

    /// The sources the pipeline file configures.
    package var sources: [FetchSource] {
        var sources: [FetchSource] = []
        if layout.pipeline.fetch?.clockify != nil { sources.append(.clockify) }
        if layout.pipeline.fetch?.qonto != nil { sources.append(.qonto) }
        if layout.pipeline.fetchMail != nil { sources.append(.mail) }
        return sources
    }

    /// Whether `source` is due under `watch`: never fetched, or last fetched (its cursor's
    /// `fetchedAt`) at least `every` ago. A cursor that cannot be read is due: the fetch names it.
    package func isDue(_ source: FetchSource, every: Duration) -> Bool {
        let now = clock.now().seconds
        return lastFetched(source).contains { last in
            guard let last else { return true }
            return now < last || now - last >= every.components.seconds
        }
    }

    /// When `source` was last fetched (UTC seconds), from its cursors (one per Qonto account); nil
    /// for a cursor that is missing or cannot be read.
    private func lastFetched(_ source: FetchSource) -> [Int64?] {
        let texts: [String?]
        switch source {
        case .mail: texts = [(try? MailFetchCursor.load(layout.mailFetchCursor))??.fetchedAt]
        case .clockify: texts = [(try? FetchCursor.load(source, layout: layout))??.fetchedAt]
        case .qonto:
            let accounts = layout.pipeline.fetch?.qonto?.accounts ?? []
            texts = accounts.map { account in
                let name = accounts.count > 1 ? account.value : nil
                return (try? FetchCursor.load(source, account: name, layout: layout))??.fetchedAt
            }
        }
        return texts.map { $0.flatMap { ISOTimestamp.parse($0)?.utc } }
    }

    /// Fetches `source` (Clockify: `days`, else from the cursor to the current month). What was
    /// dropped before a failure is in `report`; the failure is thrown.
    package func fetch(
        _ source: FetchSource, days: ClosedRange<CivilDate>? = nil, report: inout FetchReport
    ) throws {
        switch source {
        case .clockify:
            guard let settings = layout.pipeline.fetch?.clockify else { throw notConfigured(source) }
            try ClockifyProducer(settings: settings, fetcher: self, days: days).run(&report)
        case .qonto:
            guard let settings = layout.pipeline.fetch?.qonto else { throw notConfigured(source) }
            for account in settings.accounts {
                try QontoProducer(settings: settings, account: account, fetcher: self).run(&report)
            }
        case .mail:
            guard let settings = layout.pipeline.fetchMail else { throw notConfigured(source) }
            let mail = try MailFetcher(layout: layout, settings: settings, clock: clock).fetch()
            report.files = mail.written
            report.entries = mail.written.count
            report.position = mail.lastUID.map { "UID \($0)" }
            if !mail.skipped.isEmpty { report.skipped = mail.skipped }
        }
    }

    /// Fetches `sources` (default: every configured source), each to its end or its first failure
    /// (recorded in its report); a failure of the workspace itself (the disk) is thrown.
    package func fetchAll(_ sources: [FetchSource]? = nil) throws -> [FetchReport] {
        var reports: [FetchReport] = []
        for source in sources ?? self.sources {
            var report = FetchReport(pipeline: layout.pipeline.id, source: source)
            do {
                try fetch(source, report: &report)
            } catch {
                let failure = FacturationError(wrapping: error)
                if failure.kind == .workspace { throw failure }
                report.error = failure.message
                report.temporary = (failure.cause as? FetchFailure) == .temporary
            }
            reports.append(report)
        }
        return reports
    }

    private func notConfigured(_ source: FetchSource) -> FacturationError {
        FacturationError(
            .configuration,
            "\(layout.pipeline.file) has no [fetch.\(source.rawValue)] table: add it to fetch from "
                + source.service)
    }

    /// `20251205T093000Z`: the fetch time in inbox file names.
    var stamp: String {
        ISOTimestamp.formatUTC(clock.now().seconds).filter { $0 != "-" && $0 != ":" }
    }

    /// The call helper of one source.
    func caller(_ access: APIAccess, _ source: FetchSource, key: SMTPSecret) -> APICaller {
        APICaller(access: access, source: source, clock: clock, sleeper: sleeper, key: key)
    }

    /// Parses an answer, or throws naming what the server sent instead of JSON.
    func parse(_ answer: [UInt8], _ source: FetchSource, _ request: HTTPRequest, list: String) throws -> JSONNode {
        let root: JSONNode
        do throws(JSONError) {
            root = try JSONParser.parse(answer)
        } catch {
            throw FacturationError(
                .fetch, "\(source.service) (\(request)): the answer is not JSON (\(error)); the next fetch asks again",
                cause: FetchFailure.temporary)
        }
        guard root[list]?.array != nil else {
            throw FacturationError(
                .fetch, "\(source.service) (\(request)): the answer has no \"\(list)\" list: check base_url",
                cause: FetchFailure.settings)
        }
        return root
    }

    /// The `facturation_fetch` member: what was asked, when, in how many pages; never the key.
    func record(
        _ source: FetchSource, method: HTTPRequest.Method, urls: [String], bodies: [String], entries: Int,
        extra: [(String, String)] = []
    )
        -> String
    {
        var text = "{\"source\":\(JSONText.quoted(source.rawValue)),\"method\":\"\(method.rawValue)\""
        for (name, value) in extra { text += ",\(JSONText.quoted(name)):\(JSONText.quoted(value))" }
        text += ",\"fetchedAt\":\(JSONText.quoted(ISOTimestamp.formatUTC(clock.now().seconds)))"
        text += ",\"pages\":\(max(urls.count, bodies.count)),\"entries\":\(entries)"
        text += ",\"urls\":[" + urls.map(JSONText.quoted).joined(separator: ",") + "]"
        if !bodies.isEmpty { text += ",\"bodies\":[" + bodies.joined(separator: ",") + "]" }
        return text + "}"
    }

    /// `path` relative to the workspace, as people see it.
    func shown(_ path: String) -> String { Path.relative(path, to: layout.workspace.root) }
}
