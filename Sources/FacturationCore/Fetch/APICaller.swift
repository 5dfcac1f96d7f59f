import Foundation

/// Waits between two attempts; injected so that the tests of retries do not wait.
package struct Sleeper: Sendable {
    private let body: @Sendable (Int) -> Void

    package init(_ body: @escaping @Sendable (Int) -> Void) { self.body = body }

    func sleep(seconds: Int) { body(seconds) }

    /// Really waits.
    package static let system = Sleeper { Sleep.seconds(Double($0)) }
}

/// Why a fetch failed, as the cause of its `FacturationError`: a run reports a temporary failure
/// as a warning (the next fetch asks again) and the others as errors (a person must act).
package enum FetchFailure: Error, Sendable {
    /// The server could not be reached, cut the answer, or kept answering 429/5xx.
    case temporary
    /// 401/403: the key must be replaced.
    case keyRefused
    /// The settings are wrong for this server (certificate, ids, an unexpected answer).
    case settings
}

/// When to try a request again, and how long to wait first.
package struct RetryPolicy: Sendable {
    /// Tries in all, the first included.
    package var attempts: Int
    /// The longest wait accepted; a `Retry-After` beyond it ends the tries (the next fetch tries again).
    package var longestWait = 300

    package init(attempts: Int) { self.attempts = attempts }

    /// Whether an answer with this status is tried again: 429 (too many requests) and 5xx.
    package static func isRetried(status: Int) -> Bool { status == 429 || (500...599).contains(status) }

    /// Seconds to wait after attempt `attempt` (1-based): the server's `Retry-After` when it gives
    /// one, else 1, 2, 4, 8… seconds (at most 30).
    package func wait(afterAttempt attempt: Int, retryAfter: String?, now: Int64) -> Int {
        if let retryAfter, let seconds = Self.retryAfterSeconds(retryAfter, now: now) { return seconds }
        return min(30, 1 << min(attempt - 1, 5))
    }

    /// `Retry-After` as seconds: a number of seconds, or an HTTP date (RFC 9110) counted from `now`.
    package static func retryAfterSeconds(_ text: String, now: Int64) -> Int? {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        if let seconds = Int(trimmed) { return max(0, seconds) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "GMT")
        formatter.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = formatter.date(from: trimmed) else { return nil }
        return max(0, Int(Int64(date.timeIntervalSince1970) - now))
    }
}

/// Sends a producer's requests: retries 429, 5xx and network failures as ``RetryPolicy`` says
/// (sleeping through the injected ``Sleeper``), and turns every other outcome into a
/// `FacturationError` of kind `fetch` whose message says what to fix, never showing the key.
struct APICaller {
    let access: APIAccess
    let source: FetchSource
    let clock: Clock
    let sleeper: Sleeper
    /// The key, only to remove it from an error body the server might echo.
    let key: SMTPSecret
    var client: HTTPSClient { access.client }

    /// The body of a 2xx answer to `request`.
    func call(_ request: HTTPRequest) throws -> [UInt8] {
        let policy = RetryPolicy(attempts: access.attempts)
        var attempt = 1
        while true {
            switch try attemptOnce(request) {
            case .success(let body):
                return body
            case .retry(let reason, let retryAfter):
                guard attempt < policy.attempts else {
                    throw failure("\(reason) (\(attempt) tries)", request, advice: Self.tryLater, .temporary)
                }
                let wait = policy.wait(afterAttempt: attempt, retryAfter: retryAfter, now: clock.now().seconds)
                guard wait <= policy.longestWait else {
                    throw failure("\(reason); it asks to wait \(wait) s", request, advice: Self.tryLater, .temporary)
                }
                sleeper.sleep(seconds: wait)
                attempt += 1
            }
        }
    }

    private static let tryLater = "nothing was written for this window; the next fetch asks again"

    private enum Outcome {
        case success([UInt8])
        case retry(String, retryAfter: String?)
    }

    /// One try: a body, a reason to try again, or a final error.
    private func attemptOnce(_ request: HTTPRequest) throws -> Outcome {
        let response: HTTPResponse
        do {
            response = try client.send(request)
        } catch let error as HTTPTransportFailure {
            if error.isCertificateProblem {
                throw failure(
                    "the server's certificate was refused (\(error.message))", request,
                    advice: "check \(access.table).base_url, or give the CA of a private server with "
                        + "\(access.table).ca_file in \(access.file)", .settings)
            }
            return .retry("no complete answer (\(error.message))", retryAfter: nil)
        }
        switch response.status {
        case 200...299:
            return .success(response.body)
        case 401, 403:
            throw failure(
                "the key was refused (HTTP \(response.status))", request,
                advice: "replace the key in \(access.keyShown) with a valid one (expired or revoked keys are "
                    + "refused), then fetch again", .keyRefused)
        case let status where RetryPolicy.isRetried(status: status):
            return .retry("HTTP \(status)", retryAfter: response.retryAfter)
        default:
            throw failure(
                "HTTP \(response.status): \(excerpt(response.body))", request,
                advice: "check \(access.table) in \(access.file) (ids, account, base_url)", .settings)
        }
    }

    private func failure(
        _ what: String, _ request: HTTPRequest, advice: String, _ cause: FetchFailure
    ) -> FacturationError {
        FacturationError(
            .fetch, "\(source.service) (\(request.method.rawValue) \(request.url)): \(what): \(advice)", cause: cause)
    }

    /// The start of an error body, on one line, without the key.
    private func excerpt(_ body: [UInt8]) -> String {
        var text = String(decoding: body.prefix(300), as: UTF8.self)
        text = String(text.unicodeScalars.map { $0.value < 0x20 || $0.value == 0x7F ? " " : Character($0) })
        if !key.value.isEmpty { text = text.replacingOccurrences(of: key.value, with: "<key>") }
        return text.isEmpty ? "(empty answer)" : text
    }
}
