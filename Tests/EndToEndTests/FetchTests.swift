import FacturationCore
import Foundation
import TestSupport
import Testing

/// `facturation fetch clockify|qonto` through the real binary against `scripts/api_server.py`
/// (HTTPS on loopback, a throwaway CA given by `ca_file`): request shapes, pagination, the files
/// dropped into the inbox and imported by `run`, an expired key, 429 with Retry-After, 503, a
/// connection cut mid-body, a kill at every durable step of a fetch, and `[fetch] before_run`.
@Suite("Fetch from the APIs", .serialized)
struct FetchTests {
    static let now = ["FACTURATION_NOW": "2025-10-02T08:00:00Z"]

    /// A workspace whose pipeline fetches from `server`: Clockify pages of 5 entries from September
    /// 2025, Qonto pages of 3 transactions, one page per file.
    static func workspace(_ server: APIServer, extra: String = "", attempts: Int = 5) throws -> TestWorkspace {
        let fetch = """

            [fetch]
            \(extra)

            [fetch.clockify]
            base_url = "\(server.baseURL)"
            workspace_id = "\(APIServer.workspaceID)"
            key_file = "secrets/clockify"
            ca_file = "\(server.caFile)"
            start = 2025-09-01
            page_size = 5
            attempts = \(attempts)

            [fetch.qonto]
            base_url = "\(server.baseURL)"
            login = "\(APIServer.qontoLogin)"
            iban = "FR72 1695 8000 0101 2345 6789 012"
            key_file = "secrets/qonto"
            ca_file = "\(server.caFile)"
            per_page = 3
            pages_per_file = 1
            attempts = \(attempts)
            """
        let workspace = try TestWorkspace(pipeline: try Repository.demoPipeline().cutAtInvoicing + fetch)
        for (name, key) in [("clockify", APIServer.clockifyKey), ("qonto", APIServer.qontoSecret)] {
            let url = try workspace.drop(name, key + "\n", into: "pipelines/secrets")
            chmod(url.path, 0o600)
        }
        return workspace
    }

    @Test("fetch → files in inbox → run imports them; requests have the documented shapes; fetching again adds no row")
    func fetchAndImport() throws {
        try withAPIServer { server in
            let workspace = try Self.workspace(server)
            let check = try workspace.run(["check"])
            #expect(check.status == 0 && check.stdout.contains("clockify: workspace ws-demo at https://127.0.0.1:"))
            #expect(check.stdout.contains("key from the key file") && check.stdout.contains("fetch.qonto.key_file"))
            #expect(!check.stdout.contains(APIServer.clockifyKey) && !check.stdout.contains(APIServer.qontoSecret))
            let clockify = try workspace.run(["fetch", "clockify"], environment: Self.now)
            #expect(clockify.status == 0, "\(clockify.stderr)")
            let qonto = try workspace.run(["fetch", "qonto"], environment: Self.now)
            #expect(qonto.status == 0, "\(qonto.stderr)")
            #expect(
                workspace.files(under: "inbox").sorted() == [
                    "inbox/clockify-2025-09-20251002T080000Z.json", "inbox/qonto-20251002T080000Z-p1.json",
                    "inbox/qonto-20251002T080000Z-p2.json",
                ])
            try checkRequests(server)
            let fetched =
                try JSONSerialization.jsonObject(
                    with: workspace.data("inbox/clockify-2025-09-20251002T080000Z.json")) as? [String: Any]
            let record = fetched?["facturation_fetch"] as? [String: Any]
            #expect(record?["pages"] as? Int == 4 && record?["entries"] as? Int == 19)
            #expect(
                !(try workspace.text("inbox/clockify-2025-09-20251002T080000Z.json")).contains(APIServer.clockifyKey))

            let run = try workspace.run(["run", "--settle", "0"], environment: Self.now)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            let entries = try workspace.csvRecords("archive/ledgers/demo-conseil/time-entries/2025-09.csv")
            let demo = try JSONSerialization.jsonObject(
                with: Data(contentsOf: URL(fileURLWithPath: APIServer.demo("clockify-report-2025-09.json"))))
            let ids = ((demo as? [String: Any])?["timeentries"] as? [[String: Any]] ?? []).compactMap { $0["_id"] }
            #expect(Set(entries.map { $0["record_key"] ?? "" }) == Set(ids.map { "clockify:\($0)" }))
            #expect(try workspace.csvRecords("archive/ledgers/demo-conseil/bank-transactions/2025-09.csv").count == 4)
            let ledgers = try ledgerTexts(workspace)

            // Fetching again re-fetches the last window (the cursor's month, the last updated_at):
            // the overlap is deduplicated, the ledgers do not change.
            let later = ["FACTURATION_NOW": "2025-10-02T09:00:00Z"]
            #expect(try workspace.run(["fetch", "clockify"], environment: later).status == 0)
            #expect(try workspace.run(["fetch", "qonto"], environment: later).status == 0)
            #expect(try workspace.run(["run", "--settle", "0"], environment: later).status == 0)
            #expect(try ledgerTexts(workspace) == ledgers)
        }
    }

    private func checkRequests(_ server: APIServer) throws {
        let requests = try server.requests()
        let posts = requests.filter { $0["method"] as? String == "POST" }
        #expect(posts.allSatisfy { $0["status"] as? Int == 200 && $0["key_ok"] as? Bool == true })
        #expect(posts.allSatisfy { $0["path"] as? String == "/v1/workspaces/ws-demo/reports/detailed" })
        let pages = posts.compactMap { (($0["body"] as? [String: Any])?["detailedFilter"] as? [String: Any])?["page"] }
        #expect(pages.compactMap { $0 as? Int } == [1, 2, 3, 4, 1])  // September in 4 pages, October empty
        let first = posts.first?["body"] as? [String: Any]
        #expect(first?["dateRangeStart"] as? String == "2025-08-31T22:00:00.000Z")
        #expect(first?["dateRangeEnd"] as? String == "2025-09-30T21:59:59.999Z")
        let gets = requests.filter { $0["method"] as? String == "GET" }
        #expect(gets.count == 2 && gets.allSatisfy { $0["status"] as? Int == 200 })
        let query = gets.first?["query"] as? [String: [String]]
        #expect(query?["sort_by"] == ["updated_at:asc"] && query?["iban"] == ["FR7216958000010123456789012"])
    }

    private func ledgerTexts(_ workspace: TestWorkspace) throws -> [String: String] {
        var texts: [String: String] = [:]
        for file in workspace.files(under: "archive/ledgers") {
            texts[file] = try workspace.text(file)
        }
        return texts
    }

    @Test("an expired key: exit 1, the message names the key file, never the key; nothing written")
    func expiredKey() throws {
        var options = APIServer.Options()
        options.expired = true
        try withAPIServer(options) { server in
            let workspace = try Self.workspace(server)
            let result = try workspace.run(["fetch", "clockify"], environment: Self.now)
            #expect(result.status == 1)
            #expect(result.stderr.contains("HTTP 401") && result.stderr.contains("pipelines/secrets/clockify"))
            #expect(result.stderr.contains("fetch.clockify.key_file"))
            #expect(!result.stderr.contains(APIServer.clockifyKey) && !result.stdout.contains(APIServer.clockifyKey))
            #expect(workspace.files(under: "inbox").isEmpty)
            #expect(!workspace.exists("archive/fetch/demo-conseil/clockify.json"))
            #expect(try server.requests().count == 1)  // a refused key is not retried
        }
    }

    @Test("429 with Retry-After, then 503: retried after the wait the server asked for, then fetched")
    func retries() throws {
        var options = APIServer.Options()
        options.rateLimit = 2
        options.unavailable = 1
        options.retryAfter = 1
        try withAPIServer(options) { server in
            let workspace = try Self.workspace(server)
            let started = Date()
            let result = try workspace.run(["fetch", "qonto"], environment: Self.now)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(Date().timeIntervalSince(started) >= 2)  // two Retry-After: 1
            let statuses = try server.requests().compactMap { $0["status"] as? Int }
            #expect(statuses == [429, 429, 503, 200, 200])
            #expect(workspace.files(under: "inbox").count == 2)
        }
    }

    @Test("a connection cut mid-body is retried; cut on every try: exit 1, nothing in the inbox, no cursor")
    func cutMidBody() throws {
        var once = APIServer.Options()
        once.cut = 1
        try withAPIServer(once) { server in
            let workspace = try Self.workspace(server)
            let result = try workspace.run(["fetch", "clockify"], environment: Self.now)
            #expect(result.status == 0, "\(result.stderr)")
            #expect(workspace.files(under: "inbox") == ["inbox/clockify-2025-09-20251002T080000Z.json"])
        }
        var always = APIServer.Options()
        always.cut = 1000
        try withAPIServer(always) { server in
            let workspace = try Self.workspace(server, attempts: 2)
            let result = try workspace.run(["fetch", "clockify"], environment: Self.now)
            #expect(result.status == 1)
            #expect(
                result.stderr.contains("no complete answer") && result.stderr.contains("2 tries"), "\(result.stderr)")
            #expect(workspace.files(under: "inbox").isEmpty)
            #expect(!workspace.exists("archive/fetch/demo-conseil/clockify.json"))
        }
    }

    @Test("a fetch killed after any durable step, then fetched again: the same ledgers as uninterrupted")
    func killDuringFetch() throws {
        try withAPIServer { server in
            let reference = try Self.workspace(server)
            #expect(try reference.run(["fetch", "clockify"], environment: Self.now).status == 0)
            #expect(try reference.run(["fetch", "qonto"], environment: Self.now).status == 0)
            #expect(try reference.run(["run", "--settle", "0"], environment: Self.now).status == 0)
            let expected = try Self.rows(reference)
            #expect(expected.count == 23)
            var killed = 0
            for step in 1...40 {
                let workspace = try Self.workspace(server)
                var environment = Self.now
                environment["FACTURATION_CRASH_AFTER"] = "\(step)"
                let clockify = try workspace.run(["fetch", "clockify"], environment: environment)
                let qonto =
                    clockify.killedBySignal ? nil : try workspace.run(["fetch", "qonto"], environment: environment)
                guard clockify.killedBySignal || qonto?.killedBySignal == true else { break }
                killed += 1
                #expect(try workspace.run(["fetch", "clockify"], environment: Self.now).status == 0)
                #expect(try workspace.run(["fetch", "qonto"], environment: Self.now).status == 0)
                #expect(try workspace.run(["run", "--settle", "0"], environment: Self.now).status == 0)
                let rows = try Self.rows(workspace)
                #expect(rows == expected, "ledgers differ after a kill at step \(step)")
                if rows != expected { break }
            }
            #expect(killed >= 8)
        }
    }

    /// The ledger rows without their provenance (file name and line), sorted.
    static func rows(_ workspace: TestWorkspace) throws -> [String] {
        var rows: [String] = []
        for file in workspace.files(under: "archive/ledgers") where file.hasSuffix(".csv") {
            for record in try workspace.csvRecords(file) {
                rows.append(
                    record.filter { !["source_file", "source_row"].contains($0.key) }.sorted { $0.key < $1.key }
                        .map { "\($0.key)=\($0.value)" }.joined(separator: "|"))
            }
        }
        return rows.sorted()
    }

    @Test("[fetch] before_run: run fetches first and imports; a temporary failure is a warning, a refused key an error")
    func beforeRun() throws {
        try withAPIServer { server in
            let workspace = try Self.workspace(server, extra: "before_run = true")
            let result = try workspace.run(["run", "--settle", "0"], environment: Self.now)
            #expect(result.status == 0, "\(result.stdout)\(result.stderr)")
            #expect(
                result.stdout.contains("fetched    clockify") && result.stdout.contains("imported   clockify-2025-09"))
            #expect(try workspace.csvRecords("archive/ledgers/demo-conseil/time-entries/2025-09.csv").count == 19)
        }
        var always = APIServer.Options()
        always.cut = 1000
        try withAPIServer(always) { server in
            let workspace = try Self.workspace(server, extra: "before_run = true", attempts: 1)
            try workspace.dropDemoFiles()
            let result = try workspace.run(["run", "--settle", "0"], environment: Self.now)
            #expect(result.status == 2, "\(result.stdout)\(result.stderr)")  // the demo's damaged file
            #expect(result.stdout.contains("WARNING    fetch clockify"))
            #expect(workspace.exists("archive/ledgers/demo-conseil/time-entries/2025-08.csv"))
        }
        var expired = APIServer.Options()
        expired.expired = true
        try withAPIServer(expired) { server in
            let workspace = try Self.workspace(server, extra: "before_run = true")
            try workspace.dropDemoFiles()
            let result = try workspace.run(["run", "--settle", "0"], environment: Self.now)
            #expect(result.status == 1)
            #expect(result.stdout.contains("ERROR      fetch clockify") && result.stdout.contains("key_file"))
            #expect(workspace.exists("archive/ledgers/demo-conseil/time-entries/2025-08.csv"))
        }
    }

    @Test("plain http://, a key written in the pipeline file, a key file others can read: refused by check (exit 3)")
    func configurationRefused() throws {
        try withAPIServer { server in
            for (from, to) in [
                (server.baseURL, server.baseURL.replacingOccurrences(of: "https://", with: "http://")),
                ("key_file = \"secrets/clockify\"", "key = \"clockify-test-key\""),
            ] {
                let workspace = try Self.workspace(server)
                let file = "pipelines/demo-conseil.toml"
                let text = try workspace.text(file)
                try workspace.drop(
                    "demo-conseil.toml", text.replacingOccurrences(of: from, with: to), into: "pipelines")
                let result = try workspace.run(["check"])
                #expect(result.status == 3, "\(to): \(result.stdout)\(result.stderr)")
                #expect(!result.stderr.contains("clockify-test-key") && !result.stdout.contains("clockify-test-key"))
            }
            let workspace = try Self.workspace(server)
            chmod(workspace.root.appendingPathComponent("pipelines/secrets/clockify").path, 0o644)
            let result = try workspace.run(["fetch", "clockify"])
            #expect(result.status == 3 && result.stderr.contains("chmod 600"), "\(result.stderr)")
            // A missing ca_file is looked for when fetching (scripts/demo makes its CA when it starts
            // the server): the pipeline loads, the fetch is refused naming the key, nothing is written.
            let missing = try Self.workspace(server)
            let text = try missing.text("pipelines/demo-conseil.toml")
            try missing.drop(
                "demo-conseil.toml", text.replacingOccurrences(of: server.caFile, with: "/nonexistent/ca.pem"),
                into: "pipelines")
            #expect(try missing.run(["check"]).status == 0)
            let refused = try missing.run(["fetch", "clockify"])
            #expect(
                refused.status == 3 && refused.stderr.contains("fetch.clockify.ca_file names /nonexistent/ca.pem"),
                "\(refused.stderr)")
            #expect(missing.files(under: "inbox").isEmpty)
        }
    }
}

extension String {
    /// The demo pipeline without its invoicing sections (the queue alone).
    fileprivate var cutAtInvoicing: String {
        guard let cut = range(of: "\n[invoicing]") else { return self }
        return String(self[..<cut.lowerBound]) + "\n"
    }
}

extension FetchTests {
    /// One Qonto transaction as the API gives it, `status` at `updated`.
    static func transaction(status: String, settled: String?, updated: String) -> String {
        """
        {"id": "late-1", "transaction_id": "qonto-late-1", "amount": 500.0, "amount_cents": 50000, "side": "credit",
         "currency": "EUR", "status": "\(status)", "operation_type": "transfer", "label": "GENLOG",
         "clean_counterparty_name": "GENLOG", "reference": "F20250901",
         "settled_at": \(settled.map { "\"\($0)\"" } ?? "null"), "emitted_at": "2025-09-29T10:00:00.000Z",
         "updated_at": "\(updated)", "note": null}
        """
    }

    @Test("Qonto: a transaction pending at the first fetch and settled later comes again through updated_at")
    func lateSettled() throws {
        let folder = try SMTPSink.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let pending = folder.appendingPathComponent("pending.json")
        let settled = folder.appendingPathComponent("settled.json")
        try
            ("{\"transactions\": ["
            + Self.transaction(
                status: "pending", settled: nil, updated: "2025-09-29T10:00:00.000Z") + "]}").write(
                to: pending, atomically: true, encoding: .utf8)
        try
            ("{\"transactions\": ["
            + Self.transaction(
                status: "completed", settled: "2025-10-01T07:00:00.000Z", updated: "2025-10-01T07:00:00.000Z")
            + "]}").write(to: settled, atomically: true, encoding: .utf8)
        var first = APIServer.Options()
        first.qonto = pending.path
        var second = APIServer.Options()
        second.qonto = settled.path
        let workspace = try withAPIServer(first) { server in
            let workspace = try Self.workspace(server)
            #expect(try workspace.run(["fetch", "qonto"], environment: Self.now).status == 0)
            #expect(try workspace.run(["run", "--settle", "0"], environment: Self.now).status == 0)
            let waiting = try workspace.csvRecords("archive/ledgers/demo-conseil/bank-transactions/pending.csv")
            #expect(waiting.map { $0["status"] } == ["pending"])
            let pipeline = try workspace.text("pipelines/demo-conseil.toml")
            try workspace.drop(
                "demo-conseil.toml",
                pipeline.replacingOccurrences(of: server.baseURL, with: "BASE").replacingOccurrences(
                    of: server.caFile, with: "CA"), into: "pipelines")
            return workspace
        }
        try withAPIServer(second) { server in
            let pipeline = try workspace.text("pipelines/demo-conseil.toml")
            try workspace.drop(
                "demo-conseil.toml",
                pipeline.replacingOccurrences(of: "BASE", with: server.baseURL).replacingOccurrences(
                    of: "\"CA\"", with: "\"\(server.caFile)\""), into: "pipelines")
            let later = ["FACTURATION_NOW": "2025-10-02T09:00:00Z"]
            #expect(try workspace.run(["fetch", "qonto"], environment: later).status == 0)
            let asked = try server.requests().first?["query"] as? [String: [String]]
            #expect(asked?["updated_at_from"] == ["2025-09-29T10:00:00.000Z"])  // the cursor
            #expect(try workspace.run(["run", "--settle", "0"], environment: later).status == 0)
            let booked = try workspace.csvRecords("archive/ledgers/demo-conseil/bank-transactions/2025-10.csv")
            #expect(booked.map { $0["status"] } == ["booked"] && booked.first?["amount_minor"] == "50000")
        }
    }
}

extension FetchTests {
    static let secondIBAN = "FR7630006000011234567890189"

    @Test("Qonto, several accounts: one cursor and one file per account, each file's rows given its IBAN")
    func severalAccounts() throws {
        let folder = try SMTPSink.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let second = folder.appendingPathComponent("second.json")
        try
            ("{\"transactions\": ["
            + Self.transaction(
                status: "completed", settled: "2025-09-30T07:00:00.000Z", updated: "2025-09-30T07:00:00.000Z")
            + "]}").write(to: second, atomically: true, encoding: .utf8)
        var options = APIServer.Options()
        options.accounts = [(Self.secondIBAN, second.path)]
        try withAPIServer(options) { server in
            let workspace = try Self.workspace(server)
            let file = "pipelines/demo-conseil.toml"
            let text = try workspace.text(file)
                .replacingOccurrences(
                    of: "iban = \"FR72 1695 8000 0101 2345 6789 012\"\nkey_file = \"secrets/qonto\"",
                    with: "ibans = [\"FR72 1695 8000 0101 2345 6789 012\", \"FR76 3000 6000 0112 3456 7890 189\"]\n"
                        + "key_file = \"secrets/qonto\""
                )
                .replacingOccurrences(
                    of: "iban = \"FR72 1695 8000 0101 2345 6789 012\"      #",
                    with:
                        "other_ibans = [\"FR76 3000 6000 0112 3456 7890 189\"]\niban = \"FR72 1695 8000 0101 2345 6789 012\" #"
                )
            #expect(text.contains("ibans = [") && text.contains("other_ibans"))
            // An account that is not the company's is refused: the import would reject all its files.
            let foreign = text.replacingOccurrences(
                of: "other_ibans = [\"FR76 3000 6000 0112 3456 7890 189\"]\n", with: "")
            try workspace.drop("demo-conseil.toml", foreign, into: "pipelines")
            let refused = try workspace.run(["check"])
            #expect(refused.status == 3, "\(refused.stdout)\(refused.stderr)")
            #expect(
                (refused.stdout + refused.stderr).contains("\(Self.secondIBAN) is not an account of the company"),
                "\(refused.stdout)\(refused.stderr)")
            try workspace.drop("demo-conseil.toml", text, into: "pipelines")
            let check = try workspace.run(["check"])
            #expect(check.status == 0, "\(check.stdout)\(check.stderr)")
            #expect(
                check.stdout.contains("accounts FR7216958000010123456789012, \(Self.secondIBAN)"), "\(check.stdout)")

            let fetched = try workspace.run(["fetch", "qonto"], environment: Self.now)
            #expect(fetched.status == 0, "\(fetched.stdout)\(fetched.stderr)")
            // The output names each account's cursor.
            #expect(
                fetched.stdout.contains("cursor FR7216958000010123456789012 ")
                    && fetched.stdout.contains("; \(Self.secondIBAN) 2025-09-30T07:00:00.000Z"), "\(fetched.stdout)")
            #expect(
                workspace.files(under: "inbox").sorted() == [
                    "inbox/qonto-FR7216958000010123456789012-20251002T080000Z-p1.json",
                    "inbox/qonto-FR7216958000010123456789012-20251002T080000Z-p2.json",
                    "inbox/qonto-\(Self.secondIBAN)-20251002T080000Z-p1.json",
                ])
            let asked = try server.requests().compactMap { ($0["query"] as? [String: [String]])?["iban"]?.first }
            #expect(asked == ["FR7216958000010123456789012", "FR7216958000010123456789012", Self.secondIBAN])
            let record =
                (try JSONSerialization.jsonObject(
                    with: workspace.data("inbox/qonto-\(Self.secondIBAN)-20251002T080000Z-p1.json")) as? [String: Any])?[
                    "facturation_fetch"] as? [String: Any]
            #expect(record?["iban"] as? String == Self.secondIBAN)
            #expect(workspace.exists("archive/fetch/demo-conseil/qonto-FR7216958000010123456789012.json"))
            #expect(
                try workspace.text("archive/fetch/demo-conseil/qonto-\(Self.secondIBAN).json").contains(
                    "2025-09-30T07:00:00.000Z"))

            let run = try workspace.run(["run", "--settle", "0"], environment: Self.now)
            #expect(run.status == 0, "\(run.stdout)\(run.stderr)")
            let september = try workspace.csvRecords("archive/ledgers/demo-conseil/bank-transactions/2025-09.csv")
            #expect(september.count == 5, "\(september)")
            let accounts = Dictionary(grouping: september) { $0["account_iban"] ?? "" }.mapValues(\.count)
            #expect(accounts == ["FR7216958000010123456789012": 4, Self.secondIBAN: 1], "\(accounts)")

            // Each account asks again from its own cursor.
            let later = ["FACTURATION_NOW": "2025-10-02T09:00:00Z"]
            #expect(try workspace.run(["fetch", "qonto"], environment: later).status == 0)
            let again = try server.requests().suffix(2).compactMap { $0["query"] as? [String: [String]] }
            #expect(again.last?["iban"] == [Self.secondIBAN])
            #expect(again.last?["updated_at_from"] == ["2025-09-30T07:00:00.000Z"])
        }
    }
}
