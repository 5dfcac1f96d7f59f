/// `facturation fetch qonto`: the transactions of one account (``account``) from the Qonto API
/// (`GET {base}/v2/transactions`, header `Authorization: login:secret-key`), by `updated_at`.
///
/// It asks for every transaction updated since the cursor (`updated_at_from`, sorted by
/// `updated_at`), so a transaction that settles or changes after an earlier fetch comes again,
/// and follows `meta.next_page`. Every `pages_per_file` pages become one inbox file, after which
/// the cursor moves to the largest `updated_at` in it: a fetch killed at any point asks again
/// from there (the transactions updated exactly then come twice; the ledger keeps one row).
///
/// With several accounts (`ibans = […]`), each has its own cursor (`qonto-<IBAN>.json`) and its
/// own files (`qonto-<IBAN>-<time>-p<page>.json`); every file records its IBAN in
/// `facturation_fetch.iban`, which the importer gives its rows (Qonto's transactions carry none).
struct QontoProducer {
    let settings: QontoFetchSettings
    let account: QontoFetchSettings.Account
    let fetcher: Fetcher

    /// The account's part of the cursor's and the files' names: nil with a single account (the
    /// names of a single account are those it always had).
    private var accountPart: String? { settings.accounts.count > 1 ? account.value : nil }

    /// The transactions of the batch being gathered.
    private struct Batch {
        var file: FetchedFile?
        var urls: [String] = []
        var entries = 0
        var firstPage = 1
        /// The largest `updated_at` seen (instant, text as Qonto wrote it).
        var latest: (Int64, String)?
    }

    func run(_ report: inout FetchReport) throws {
        let key = try settings.access.key()
        let caller = fetcher.caller(settings.access, .qonto, key: key)
        let saved = try FetchCursor.load(.qonto, account: accountPart, layout: fetcher.layout)?.position
        let from = saved.flatMap { $0.isEmpty ? nil : $0 } ?? startText()
        var batch = Batch()
        var page = 1
        var moved = false
        while true {
            let request = HTTPRequest(
                method: .get, url: url(from: from, page: page),
                headers: ["Authorization: \(settings.login):\(key.value)"], body: nil)
            let answer = try caller.call(request)
            let root = try fetcher.parse(answer, .qonto, request, list: "transactions")
            try add(answer, root: root, request: request, to: &batch)
            report.pages += 1
            CrashInjection.step("fetched qonto page \(page)")
            let next = JSONInput.integer(root["meta"]?["next_page"]).map { Int($0) }
            if batch.urls.count >= settings.pagesPerFile || next == nil {
                moved = try flush(&batch, report: &report) || moved
                batch = Batch(firstPage: (next ?? page + 1))
            }
            guard let next, next > page, page < 100_000 else { break }
            page = next
        }
        // Nothing new: the cursor stays, with the time of this fetch (`watch` goes by it).
        if !moved { try saveCursor(from ?? "") }
    }

    private func saveCursor(_ position: String) throws {
        let cursor = FetchCursor(
            source: .qonto, account: accountPart, position: position,
            fetchedAt: ISOTimestamp.formatUTC(fetcher.clock.now().seconds))
        try cursor.save(layout: fetcher.layout)
    }

    private func add(_ answer: [UInt8], root: JSONNode, request: HTTPRequest, to batch: inout Batch) throws {
        guard var file = batch.file ?? FetchedFile(first: answer, member: "transactions"), file.add(answer: answer)
        else {
            throw FacturationError(.unexpected, "Qonto: the answer to \(request) could not be spliced")
        }
        batch.file = file
        batch.urls.append(request.url)
        for transaction in root["transactions"]?.array ?? [] {
            batch.entries += 1
            guard let text = transaction["updated_at"]?.string, let instant = ISOTimestamp.parse(text)?.utc else {
                continue
            }
            if batch.latest.map({ instant > $0.0 }) ?? true { batch.latest = (instant, text) }
        }
    }

    /// Drops the batch's file (when it has transactions), then moves the cursor; whether it moved.
    private func flush(_ batch: inout Batch, report: inout FetchReport) throws -> Bool {
        guard batch.entries > 0, let file = batch.file else { return false }
        var extra: [(String, String)] = []
        switch account {
        case .iban(let iban): extra.append(("iban", iban))
        case .bankAccountID(let id): extra.append(("bank_account_id", id))
        }
        let record = fetcher.record(
            .qonto, method: .get, urls: batch.urls, bodies: [], entries: batch.entries, extra: extra)
        let name = "qonto-" + (accountPart.map { "\($0)-" } ?? "") + "\(fetcher.stamp)-p\(batch.firstPage).json"
        let dropped = try InboxDrop.drop(file.bytes(record: record), name: name, layout: fetcher.layout)
        report.files.append(fetcher.shown(Path.join(fetcher.layout.inbox, dropped)))
        report.entries += batch.entries
        guard let latest = batch.latest else { return false }
        try saveCursor(latest.1)
        // With several accounts, one entry per account: this account's replaces its earlier batch's.
        let entry = (accountPart.map { "\($0) " } ?? "") + latest.1
        var entries = (report.position?.components(separatedBy: "; ") ?? []).filter { earlier in
            accountPart.map { !earlier.hasPrefix($0 + " ") } ?? false
        }
        entries.append(entry)
        report.position = entries.joined(separator: "; ")
        return true
    }

    /// `updated_at_from` of the first fetch: local midnight of `start`, in UTC; nil without `start`.
    private func startText() -> String? {
        guard let start = settings.start else { return nil }
        let zone = ZoneConverter(timeZone: fetcher.layout.pipeline.timeZone)
        return ISOTimestamp.formatUTC(zone.utc(fromLocal: start.daysSinceEpoch * 86_400))
    }

    func url(from: String?, page: Int) -> String {
        var query: [(String, String)] = []
        switch account {
        case .iban(let iban): query.append(("iban", iban))
        case .bankAccountID(let id): query.append(("bank_account_id", id))
        }
        if let from { query.append(("updated_at_from", from)) }
        query += [("sort_by", "updated_at:asc"), ("current_page", "\(page)"), ("per_page", "\(settings.perPage)")]
        let encoded = query.map { "\($0.0)=\(Self.percentEncoded($0.1))" }.joined(separator: "&")
        return "\(settings.access.baseURL)/v2/transactions?\(encoded)"
    }

    /// RFC 3986: every byte but the unreserved characters as `%XX`.
    static func percentEncoded(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if byte < 0x80,
                scalar.properties.isAlphabetic || ("0"..."9").contains(scalar) || "-._~".unicodeScalars.contains(scalar)
            {
                out.unicodeScalars.append(scalar)
            } else {
                out += "%" + (byte < 16 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        }
        return out
    }
}
