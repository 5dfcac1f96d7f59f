import CCurl
import Foundation

/// Owns one libcurl easy handle, the lists and the error buffer given to it; `deinit` frees them
/// all (`curl_easy_cleanup` first: it may still use them while it closes the connection).
///
/// One handle serves one transfer: ``SMTPTransport`` makes a new one per message, so nothing of a
/// failed transfer (a half-open connection, options) can leak into the next.
final class CurlEasy {
    private let handle: UnsafeMutableRawPointer
    private var lists: [UnsafeMutablePointer<curl_slist>] = []
    /// The contexts of the callbacks, kept alive as long as the handle may call them.
    private var contexts: [AnyObject] = []
    private let errorBuffer: UnsafeMutablePointer<CChar>

    /// `curl_global_init`, exactly once per process, before the first handle.
    private static let globalInit: CURLcode = ccurl_global_init_default()

    init() throws(FacturationError) {
        guard Self.globalInit == CURLE_OK, let handle = curl_easy_init() else {
            throw FacturationError(.installation, "libcurl could not be initialised (curl_easy_init failed)")
        }
        self.handle = handle
        errorBuffer = .allocate(capacity: Int(CURL_ERROR_SIZE))
        errorBuffer.initialize(repeating: 0, count: Int(CURL_ERROR_SIZE))
        try check(ccurl_setopt_pointer(handle, CURLOPT_ERRORBUFFER, errorBuffer), CURLOPT_ERRORBUFFER)
    }

    deinit {
        curl_easy_cleanup(handle)
        for list in lists { curl_slist_free_all(list) }
        errorBuffer.deallocate()
    }

    func set(_ option: CURLoption, _ value: Int) throws(FacturationError) {
        try check(ccurl_setopt_long(handle, option, value), option)
    }

    func set(_ option: CURLoption, _ value: String) throws(FacturationError) {
        try check(ccurl_setopt_string(handle, option, value), option)  // libcurl copies the string
    }

    func set(_ option: CURLoption, largeNumber value: Int64) throws(FacturationError) {
        try check(ccurl_setopt_off_t(handle, option, curl_off_t(value)), option)
    }

    /// A `curl_slist` option (kept alive until `deinit`: libcurl does not copy lists).
    func set(_ option: CURLoption, list items: [String]) throws(FacturationError) {
        var list: UnsafeMutablePointer<curl_slist>?
        for item in items {
            guard let appended = curl_slist_append(list, item) else {
                if let list { curl_slist_free_all(list) }
                throw FacturationError(.unexpected, "libcurl could not allocate a list (out of memory)")
            }
            list = appended
        }
        guard let list else { return }
        lists.append(list)
        try check(ccurl_setopt_pointer(handle, option, list), option)
    }

    /// The read callback; `context` reaches it as its last argument and lives as long as the handle.
    func setReader(_ callback: curl_read_callback, context: AnyObject) throws(FacturationError) {
        contexts.append(context)
        try check(ccurl_setopt_read_function(handle, callback), CURLOPT_READFUNCTION)
        try check(
            ccurl_setopt_pointer(handle, CURLOPT_READDATA, Unmanaged.passUnretained(context).toOpaque()),
            CURLOPT_READDATA)
    }

    /// The debug callback; `context` reaches it as its last argument and lives as long as the
    /// handle (closing the connection in `deinit` still reports the QUIT exchange).
    func setDebug(_ callback: curl_debug_callback, context: AnyObject) throws(FacturationError) {
        contexts.append(context)
        try check(ccurl_setopt_debug_function(handle, callback), CURLOPT_DEBUGFUNCTION)
        try check(
            ccurl_setopt_pointer(handle, CURLOPT_DEBUGDATA, Unmanaged.passUnretained(context).toOpaque()),
            CURLOPT_DEBUGDATA)
        try set(CURLOPT_VERBOSE, 1)  // the debug callback is only called in verbose mode
    }

    /// The HTTP body callback (`CURLOPT_WRITEFUNCTION`); `context` reaches it as its last
    /// argument and lives as long as the handle.
    func setBodyReceiver(_ callback: curl_write_callback, context: AnyObject) throws(FacturationError) {
        contexts.append(context)
        try check(ccurl_http_setopt_body_function(handle, callback), CURLOPT_WRITEFUNCTION)
        try check(
            ccurl_setopt_pointer(handle, CURLOPT_WRITEDATA, Unmanaged.passUnretained(context).toOpaque()),
            CURLOPT_WRITEDATA)
    }

    /// The HTTP header-line callback (`CURLOPT_HEADERFUNCTION`), like ``setBodyReceiver(_:context:)``.
    func setHeaderReceiver(_ callback: curl_write_callback, context: AnyObject) throws(FacturationError) {
        contexts.append(context)
        try check(ccurl_http_setopt_header_function(handle, callback), CURLOPT_HEADERFUNCTION)
        try check(
            ccurl_setopt_pointer(handle, CURLOPT_HEADERDATA, Unmanaged.passUnretained(context).toOpaque()),
            CURLOPT_HEADERDATA)
    }

    func perform() -> CURLcode { curl_easy_perform(handle) }

    /// The last reply code libcurl saw (0 when none).
    var responseCode: Int {
        var code = 0
        _ = ccurl_getinfo_long(handle, CURLINFO_RESPONSE_CODE, &code)
        return code
    }

    /// libcurl's detailed message for the last failure, else its generic text for `code`.
    func message(for code: CURLcode) -> String {
        let detail = String(cString: errorBuffer)
        return detail.isEmpty ? String(cString: curl_easy_strerror(code)) : detail
    }

    // MARK: - Connect-only use (IMAP: libcurl connects, upgrades to TLS and logs in; we speak the commands)

    /// Sends all of `bytes` on a connect-only handle (`curl_easy_send`), waiting while the socket is
    /// full; `CURLE_OPERATION_TIMEDOUT` when it stays full for `timeoutMilliseconds`.
    func send(_ bytes: [UInt8], timeoutMilliseconds: Int32) -> CURLcode {
        var offset = 0
        while offset < bytes.count {
            var sent = 0
            let code = bytes[offset...].withUnsafeBytes { curl_easy_send(handle, $0.baseAddress, $0.count, &sent) }
            if code == CURLE_AGAIN {
                guard waitForSocket(events: POLLOUT, timeoutMilliseconds: timeoutMilliseconds) else {
                    return CURLE_OPERATION_TIMEDOUT
                }
                continue
            }
            guard code == CURLE_OK else { return code }
            offset += sent
        }
        return CURLE_OK
    }

    /// Receives what is available into `buffer` (`curl_easy_recv`), waiting up to `timeoutMilliseconds`
    /// for something to arrive: `CURLE_OK` and the count (0 = the server closed the connection), or the
    /// libcurl code of the failure.
    func receive(into buffer: UnsafeMutableRawBufferPointer, timeoutMilliseconds: Int32) -> (CURLcode, Int) {
        while true {
            var received = 0
            let code = curl_easy_recv(handle, buffer.baseAddress, buffer.count, &received)
            if code == CURLE_AGAIN {
                guard waitForSocket(events: POLLIN, timeoutMilliseconds: timeoutMilliseconds) else {
                    return (CURLE_OPERATION_TIMEDOUT, 0)
                }
                continue
            }
            return (code, received)
        }
    }

    /// Waits (`poll`) until the connection's socket is ready for `events`; false on a timeout or no socket.
    private func waitForSocket(events: Int32, timeoutMilliseconds: Int32) -> Bool {
        var socket: curl_socket_t = -1
        guard ccurl_getinfo_socket(handle, CURLINFO_ACTIVESOCKET, &socket) == CURLE_OK, socket >= 0 else {
            return false
        }
        var descriptor = pollfd(fd: socket, events: Int16(events), revents: 0)
        return poll(&descriptor, 1, timeoutMilliseconds) > 0
    }

    private func check(_ code: CURLcode, _ option: CURLoption) throws(FacturationError) {
        guard code == CURLE_OK else {
            throw FacturationError(
                .installation,
                "this libcurl refuses option \(option.rawValue) (\(String(cString: curl_easy_strerror(code)))): "
                    + "install libcurl 7.85 or later with SMTP and OpenSSL (Debian: libcurl4)")
        }
    }
}

@available(*, unavailable)
extension CurlEasy: Sendable {}
