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

    package init(pipeline: String, source: FetchSource) {
        self.pipeline = pipeline
        self.source = source
    }
}

/// Runs the producers of one pipeline: `fetch clockify` and `fetch qonto`, and `run` when
/// `[fetch] before_run = true`. The caller holds the workspace lock.
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
        return sources
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
            try QontoProducer(settings: settings, fetcher: self).run(&report)
        }
    }

    /// Fetches every configured source, each to its end or its first failure (recorded in its
    /// report); a failure of the workspace itself (the disk) is thrown.
    package func fetchAll() throws -> [FetchReport] {
        var reports: [FetchReport] = []
        for source in sources {
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
        _ source: FetchSource, method: HTTPRequest.Method, urls: [String], bodies: [String], entries: Int
    )
        -> String
    {
        var text = "{\"source\":\(JSONText.quoted(source.rawValue)),\"method\":\"\(method.rawValue)\""
        text += ",\"fetchedAt\":\(JSONText.quoted(ISOTimestamp.formatUTC(clock.now().seconds)))"
        text += ",\"pages\":\(max(urls.count, bodies.count)),\"entries\":\(entries)"
        text += ",\"urls\":[" + urls.map(JSONText.quoted).joined(separator: ",") + "]"
        if !bodies.isEmpty { text += ",\"bodies\":[" + bodies.joined(separator: ",") + "]" }
        return text + "}"
    }

    /// `path` relative to the workspace, as people see it.
    func shown(_ path: String) -> String { Path.relative(path, to: layout.workspace.root) }
}
