import CCurl
import Foundation

/// One HTTPS request of a producer: the URL, the method, the headers (the key among them) and the
/// JSON body of a POST. Its description never shows the headers, so the key cannot reach a log.
package struct HTTPRequest: Sendable, CustomStringConvertible {
    package enum Method: String, Sendable {
        case get = "GET"
        case post = "POST"
    }

    package var method: Method
    package var url: String
    /// Header lines (`Name: value`); the key is one of them, never printed.
    package var headers: [String]
    package var body: String?

    package var description: String { "\(method.rawValue) \(url)" }
}

/// What the server answered to one attempt.
package struct HTTPResponse: Sendable {
    package var status: Int
    package var body: [UInt8]
    /// The `Retry-After` header as written (seconds or an HTTP date), when the answer has one.
    package var retryAfter: String?
}

/// Why one attempt gave no complete answer (the network, TLS, a cut transfer).
package struct HTTPTransportFailure: Error, Sendable {
    package var code: Int
    package var message: String
    /// The certificate was refused or TLS could not be set up: never retried (the key to fix is `ca_file`).
    package var isCertificateProblem: Bool
}

/// Sends one HTTPS request with libcurl (``CurlEasy``, one handle per attempt): HTTPS only,
/// certificate and host-name checks on (``ca_file`` only replaces the trusted roots), no
/// redirects followed, bounded connect and total times, a bounded body.
package struct HTTPSClient: Sendable {
    package var caFile: String?
    package var connectTimeout: Duration
    package var timeout: Duration
    /// Bodies larger than this are refused (the importers read JSON whole; 512 MB is their limit).
    package var maximumBody: Int = 512 << 20

    package init(caFile: String?, connectTimeout: Duration, timeout: Duration) {
        self.caFile = caFile
        self.connectTimeout = connectTimeout
        self.timeout = timeout
    }

    /// One attempt. Throws ``HTTPTransportFailure`` when no complete answer came, a
    /// `FacturationError` when libcurl itself cannot be used.
    package func send(_ request: HTTPRequest) throws -> HTTPResponse {
        guard request.url.lowercased().hasPrefix("https://") else {
            throw FacturationError(.configuration, "\(request.url) is not an https:// address")
        }
        let curl = try CurlEasy()
        let sink = ResponseSink(limit: maximumBody)
        try configure(curl, request)
        try curl.setBodyReceiver(onBody, context: sink)
        try curl.setHeaderReceiver(onHeader, context: sink)
        let code = curl.perform()
        guard code == CURLE_OK else {
            let message = sink.overLimit ? "the answer is larger than \(maximumBody >> 20) MB" : curl.message(for: code)
            throw HTTPTransportFailure(
                code: Int(code.rawValue), message: message,
                isCertificateProblem: [CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CERTPROBLEM]
                    .contains(code))
        }
        return HTTPResponse(status: curl.responseCode, body: sink.body, retryAfter: sink.retryAfter)
    }

    private func configure(_ curl: CurlEasy, _ request: HTTPRequest) throws(FacturationError) {
        try curl.set(CURLOPT_URL, request.url)
        try curl.set(CURLOPT_PROTOCOLS_STR, "https")
        // CURLOPT_SSL_VERIFYPEER and CURLOPT_SSL_VERIFYHOST are never set: libcurl's defaults
        // check the certificate chain and the host name.
        if let caFile { try curl.set(CURLOPT_CAINFO, caFile) }
        try curl.set(CURLOPT_FOLLOWLOCATION, 0)
        try curl.set(CURLOPT_CONNECTTIMEOUT_MS, Int(connectTimeout.fetchMilliseconds))
        try curl.set(CURLOPT_TIMEOUT_MS, Int(timeout.fetchMilliseconds))
        try curl.set(CURLOPT_MAXFILESIZE_LARGE, largeNumber: Int64(maximumBody))
        try curl.set(CURLOPT_NOSIGNAL, 1)
        try curl.set(CURLOPT_FORBID_REUSE, 1)
        try curl.set(CURLOPT_ACCEPT_ENCODING, "")  // gzip when the server offers it; the body is decoded
        try curl.set(CURLOPT_HTTPHEADER, list: request.headers + ["Accept: application/json"])
        if let body = request.body {
            try curl.set(CURLOPT_POST, 1)
            try curl.set(CURLOPT_COPYPOSTFIELDS, body)
        }
    }
}

/// The body and the `Retry-After` header of the response being received.
private final class ResponseSink {
    let limit: Int
    var body: [UInt8] = []
    var retryAfter: String?
    var overLimit = false

    init(limit: Int) { self.limit = limit }

    /// One header line; a status line (`HTTP/…`) starts a new response (after a 100 Continue).
    func header(_ line: String) {
        if line.hasPrefix("HTTP/") {
            retryAfter = nil
            return
        }
        guard let colon = line.firstIndex(of: ":"),
            line[..<colon].trimmingCharacters(in: .whitespaces).lowercased() == "retry-after"
        else { return }
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespacesAndNewlines)
        retryAfter = value
    }
}

/// `CURLOPT_WRITEFUNCTION`: appends to the ``ResponseSink``; a body over its limit aborts.
private func onBody(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let data, let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    guard sink.body.count + length <= sink.limit else {
        sink.overLimit = true
        return 0
    }
    sink.body.append(contentsOf: UnsafeRawBufferPointer(start: data, count: length))
    return length
}

/// `CURLOPT_HEADERFUNCTION`: one header line to the ``ResponseSink``.
private func onHeader(
    _ data: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let data, let context else { return 0 }
    let sink = Unmanaged<ResponseSink>.fromOpaque(context).takeUnretainedValue()
    let length = size * count
    sink.header(String(decoding: UnsafeRawBufferPointer(start: data, count: length), as: UTF8.self))
    return length
}

extension Duration {
    fileprivate var fetchMilliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
