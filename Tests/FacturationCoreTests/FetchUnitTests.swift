import Foundation
import Synchronization
import TestSupport
import Testing

@testable import FacturationCore

/// The fenced splice of fetched answers, the Retry-After rule, and retries through the injected
/// sleeper (against `scripts/api_server.py`, so nothing really waits).
@Suite("Fetch: splice, retry policy, injected sleeper")
struct FetchUnitTests {
    @Test("FetchedFile: every page's entries, in order, byte for byte; the record added; the result parses")
    func splice() throws {
        let first = Array(
            "{\n  \"totals\": [],\n  \"timeentries\": [\n    {\"_id\": \"a\", \"d\": \"x]}\\\"\"},\n    {\"_id\": \"b\"}\n  ]\n}\n"
                .utf8)
        let second = Array("{\"timeentries\":[{\"_id\":\"c\",\"n\":[1,{\"k\":2}]}],\"totals\":[1]}".utf8)
        let empty = Array("{\"timeentries\": [ ]}".utf8)
        var file = try #require(FetchedFile(first: first, member: "timeentries"))
        #expect(file.add(answer: first) && file.add(answer: second) && file.add(answer: empty))
        let bytes = file.bytes(record: "{\"pages\":3}")
        let root = try JSONParser.parse(bytes)
        let ids = (root["timeentries"]?.array ?? []).compactMap { $0["_id"]?.string }
        #expect(ids == ["a", "b", "c"])
        #expect(root["facturation_fetch"]?["pages"]?.numberText == "3")
        #expect(root["totals"]?.array?.isEmpty == true)  // the first page's other members, as they were
        let text = String(decoding: bytes, as: UTF8.self)
        #expect(text.contains("{\"_id\": \"a\", \"d\": \"x]}\\\"\"},\n    {\"_id\": \"b\"}"))  // entries untouched
        #expect(text.hasPrefix("{\n  \"totals\": [],\n  \"timeentries\": [{\"_id\": \"a\""))
        #expect(FetchedFile(first: Array("{\"other\":[]}".utf8), member: "timeentries") == nil)
        #expect(FetchedFile(first: Array("{\"timeentries\":{}}".utf8), member: "timeentries") == nil)
    }

    @Test("Retry-After: seconds or an HTTP date; otherwise 1, 2, 4… seconds, at most 30")
    func retryPolicy() {
        let now: Int64 = 1_759_392_000  // 2025-10-02T08:00:00Z
        #expect(RetryPolicy.retryAfterSeconds("7", now: now) == 7)
        #expect(RetryPolicy.retryAfterSeconds("Thu, 02 Oct 2025 08:00:30 GMT", now: now) == 30)
        #expect(RetryPolicy.retryAfterSeconds("soon", now: now) == nil)
        let policy = RetryPolicy(attempts: 5)
        #expect((1...7).map { policy.wait(afterAttempt: $0, retryAfter: nil, now: now) } == [1, 2, 4, 8, 16, 30, 30])
        #expect(policy.wait(afterAttempt: 1, retryAfter: "3", now: now) == 3)
        #expect(RetryPolicy.isRetried(status: 429) && RetryPolicy.isRetried(status: 503))
        #expect(!RetryPolicy.isRetried(status: 401) && !RetryPolicy.isRetried(status: 404))
    }

    @Test("429 with Retry-After: 9 twice, then 503: the sleeper is asked for 9, 9 and 4 s; nothing waits")
    func injectedSleeper() throws {
        var options = APIServer.Options()
        options.rateLimit = 2
        options.retryAfter = 9
        options.unavailable = 1
        try withAPIServer(options) { server in
            let folder = try SMTPSink.temporaryFolder()
            defer { try? FileManager.default.removeItem(at: folder) }
            let keyFile = try TestSupport.passwordFile(APIServer.qontoSecret, in: folder)
            var access = APIAccess(
                baseURL: server.baseURL, keySource: .file(keyFile), table: "fetch.qonto", file: "pipelines/p.toml")
            access.caFile = server.caFile
            let waits = Mutex<[Int]>([])
            let sleeper = Sleeper { seconds in waits.withLock { $0.append(seconds) } }
            let caller = APICaller(
                access: access, source: .qonto, clock: .fixed(1_759_392_000), sleeper: sleeper, key: try access.key())
            let request = HTTPRequest(
                method: .get,
                url: server.baseURL
                    + "/v2/transactions?iban=FR7216958000010123456789012&sort_by=updated_at%3Aasc&current_page=1&per_page=2",
                headers: ["Authorization: \(APIServer.qontoLogin):\(APIServer.qontoSecret)"], body: nil)
            let started = Date()
            let body = try caller.call(request)
            #expect(Date().timeIntervalSince(started) < 8)
            #expect(waits.withLock { $0 } == [9, 9, 4])  // Retry-After twice, then the backoff's third step
            #expect(try JSONParser.parse(body)["transactions"]?.array?.count == 2)
        }
    }
}
