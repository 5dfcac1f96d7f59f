import CCurl
import Foundation

/// One logged-in IMAP session over libcurl: libcurl connects, upgrades to TLS (`imaps://`, or
/// STARTTLS required on `imap://`), checks the certificate and logs in (`CURLOPT_CONNECT_ONLY`); the
/// commands are ours (`curl_easy_send` / `curl_easy_recv`), because libcurl's own IMAP requests fetch
/// with `BODY[]`, which marks messages as read, and return only the first line of a custom `FETCH`.
///
/// Only read-only commands are ever sent: `EXAMINE` (the folder opened read-only, so even the
/// server cannot set `\Seen`), `UID SEARCH`, `UID FETCH … BODY.PEEK[]`, `LOGOUT`.
final class IMAPConnection {
    /// One untagged reply (`* …`): its text, with each literal (`{n}` + n bytes) taken out in order.
    struct Untagged {
        var text: String
        /// The literals kept in memory (an empty array for one streamed or dropped).
        var literals: [[UInt8]]
        /// The size the server announced for each literal, in order, wherever its bytes went.
        var literalSizes: [Int]
    }

    /// Where the bytes of one literal go.
    enum LiteralDestination {
        /// Kept in ``Untagged/literals``: at most ``memoryLimit`` bytes, a larger one is dropped.
        case memory
        /// Handed over in chunks as they arrive (at most one receive buffer each), never held whole:
        /// a message, written to its file.
        case stream((UnsafeRawBufferPointer) throws(FacturationError) -> Void)
        /// Read and dropped.
        case skip
    }

    /// The literals kept in memory: no reply to the commands sent here holds a large one (a
    /// message is streamed, ``LiteralDestination/stream(_:)``); a larger one is read and dropped.
    static let memoryLimit = 1 << 20
    /// What one receive asks libcurl for; with the unread rest, the most `received` holds while a
    /// literal is streamed.
    private static let receiveSize = 256 << 10

    private let curl: CurlEasy
    private let settings: MailFetchSettings
    private var received: [UInt8] = []
    private var position = 0
    private var nextTag = 1
    /// The receive buffer, allocated once.
    private var chunk = [UInt8](repeating: 0, count: receiveSize)

    init(settings: MailFetchSettings) throws(FacturationError) {
        self.settings = settings
        curl = try CurlEasy()
        let scheme = settings.security == .tls ? "imaps" : "imap"
        let host = settings.host.contains(":") ? "[\(settings.host)]" : settings.host
        try curl.set(CURLOPT_URL, "\(scheme)://\(host):\(settings.port)/")
        try curl.set(CURLOPT_CONNECT_ONLY, 1)
        try curl.set(CURLOPT_USE_SSL, Int(CURLUSESSL_ALL.rawValue))
        try curl.set(CURLOPT_SSL_VERIFYPEER, 1)
        try curl.set(CURLOPT_SSL_VERIFYHOST, 2)
        try curl.set(CURLOPT_CONNECTTIMEOUT, Int(settings.connectTimeout.components.seconds))
        try curl.set(CURLOPT_NOSIGNAL, 1)
        if let caFile = settings.caFile { try curl.set(CURLOPT_CAINFO, caFile) }
        try curl.set(CURLOPT_USERNAME, settings.user)
        try curl.set(CURLOPT_PASSWORD, try settings.password().value)
        let code = curl.perform()
        guard code == CURLE_OK else { throw connectionError(code) }
    }

    private var timeoutMilliseconds: Int32 { Int32(clamping: settings.timeout.components.seconds * 1000) }

    /// Sends `command` with a new tag and reads until its tagged reply: the untagged replies, or a
    /// `delivery` error naming the command when the server answers NO or BAD. `literals` says, for
    /// each literal (its announced size, the reply's text before it), where its bytes go.
    func run(
        _ command: String,
        literals destination: (Int, String) throws(FacturationError) -> LiteralDestination = { _, _ in .memory }
    ) throws(FacturationError) -> [Untagged] {
        let tag = "F\(nextTag)"
        nextTag += 1
        let code = curl.send(Array("\(tag) \(command)\r\n".utf8), timeoutMilliseconds: timeoutMilliseconds)
        guard code == CURLE_OK else { throw transferError(code, during: command) }
        var untagged: [Untagged] = []
        while true {
            let reply = try readReply(destination)
            if reply.text.hasPrefix(tag + " ") {
                let status = reply.text.dropFirst(tag.count + 1)
                guard status.uppercased().hasPrefix("OK") else {
                    throw FacturationError(
                        .delivery,
                        "the IMAP server \(settings.shown) refused \(command.split(separator: " ").prefix(2).joined(separator: " ")): "
                            + "\(status.prefix(200)) (check \(MailFetchSettings.key("url")) in \(settings.file))",
                        cause: FetchFailure.settings)
                }
                return untagged
            }
            if reply.text.hasPrefix("* ") { untagged.append(reply) }
            // "+ …" continuation requests are never asked for: no command here sends a literal.
        }
    }

    /// Ends the session politely; a server that already closed it is not a problem.
    func logout() { _ = try? run("LOGOUT") }

    // MARK: - Reading replies

    /// One reply line, each of its literals sent where `destination` says.
    private func readReply(
        _ destination: (Int, String) throws(FacturationError) -> LiteralDestination
    ) throws(FacturationError) -> Untagged {
        var text: [UInt8] = []
        var reply = Untagged(text: "", literals: [], literalSizes: [])
        while true {
            let line = try readLine()
            text += line
            guard let size = Self.literalSize(line) else { break }
            reply.literalSizes.append(size)
            switch try destination(size, String(decoding: text, as: UTF8.self)) {
            case .memory where size <= Self.memoryLimit: reply.literals.append(try readBytes(size))
            case .memory, .skip:
                try skip(size)
                reply.literals.append([])
            case .stream(let consume):
                try stream(size, into: consume)
                reply.literals.append([])
            }
        }
        reply.text = String(decoding: text, as: UTF8.self)
        return reply
    }

    /// The size announced at the end of `line` (`{123}` or `{123+}`), if any.
    static func literalSize(_ line: [UInt8]) -> Int? {
        guard line.last == UInt8(ascii: "}"), let open = line.lastIndex(of: UInt8(ascii: "{")) else { return nil }
        var digits = line[(open + 1)..<(line.count - 1)]
        if digits.last == UInt8(ascii: "+") { digits = digits.dropLast() }
        guard !digits.isEmpty, digits.count <= 12, digits.allSatisfy({ (0x30...0x39).contains($0) }) else {
            return nil
        }
        return Int(String(decoding: digits, as: UTF8.self))
    }

    /// The next line, without its CRLF.
    private func readLine() throws(FacturationError) -> [UInt8] {
        while true {
            if let end = received[position...].firstIndex(of: 0x0A) {
                var line = Array(received[position..<end])
                if line.last == 0x0D { line.removeLast() }
                position = end + 1
                return line
            }
            guard received.count - position < 1 << 20 else {
                throw FacturationError(
                    .delivery, "the IMAP server \(settings.shown) sent a line longer than 1 MB",
                    cause: FetchFailure.temporary)
            }
            try fill()
        }
    }

    private func readBytes(_ count: Int) throws(FacturationError) -> [UInt8] {
        while received.count - position < count { try fill() }
        let bytes = Array(received[position..<(position + count)])
        position += count
        return bytes
    }

    private func skip(_ count: Int) throws(FacturationError) {
        try stream(count) { _ throws(FacturationError) in }
    }

    /// Hands the next `count` bytes to `consume` as they arrive: `received` holds at most one
    /// receive's worth of them (the bounded buffer that keeps a 50 MB message out of memory).
    private func stream(
        _ count: Int, into consume: (UnsafeRawBufferPointer) throws(FacturationError) -> Void
    ) throws(FacturationError) {
        var left = count
        while left > 0 {
            if received.count == position { try fill() }
            let step = min(left, received.count - position)
            let start = position
            var failure: FacturationError?
            received.withUnsafeBytes { all in
                do throws(FacturationError) {
                    try consume(UnsafeRawBufferPointer(rebasing: all[start..<(start + step)]))
                } catch {
                    failure = error
                }
            }
            if let failure { throw failure }
            position += step
            left -= step
        }
    }

    /// Reads what the server sent next (compacting what was consumed).
    private func fill() throws(FacturationError) {
        if position > 0 {
            received.removeFirst(position)
            position = 0
        }
        let (code, count) = chunk.withUnsafeMutableBytes {
            curl.receive(into: $0, timeoutMilliseconds: timeoutMilliseconds)
        }
        guard code == CURLE_OK else { throw transferError(code, during: "a reply") }
        guard count > 0 else {
            throw FacturationError(
                .delivery, "the IMAP server \(settings.shown) closed the connection mid-reply",
                cause: FetchFailure.temporary)
        }
        received += chunk[0..<count]
    }

    // MARK: - Errors

    private func transferError(_ code: CURLcode, during what: String) -> FacturationError {
        let verb = what.split(separator: " ").prefix(2).joined(separator: " ")
        return FacturationError(
            .delivery,
            "the IMAP server \(settings.shown) could not be read during \(verb): \(curl.message(for: code)) "
                + "(nothing is lost: the next fetch starts again after the last message written)",
            cause: FetchFailure.temporary)
    }

    /// Settings the server refuses (login, certificate, no STARTTLS) name the key to fix; like SMTP's,
    /// they are a `delivery` failure (exit 1), not an invalid pipeline file.
    private func connectionError(_ code: CURLcode) -> FacturationError {
        let file = settings.file
        let detail = curl.message(for: code)
        switch code {
        case CURLE_LOGIN_DENIED:
            let key = MailFetchSettings.key(
                { if case .file = settings.passwordSource { "password_file" } else { "password_env" } }())
            return FacturationError(
                .delivery,
                "\(file): the IMAP server \(settings.shown) refused the login of \(MailFetchSettings.key("user")) = "
                    + "\"\(settings.user)\": check the user and the password named by \(key)",
                cause: FetchFailure.keyRefused)
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CACERT_BADFILE, CURLE_SSL_CONNECT_ERROR:
            return FacturationError(
                .delivery,
                "\(file): the TLS connection to \(settings.shown) failed (\(detail)): check the server name in "
                    + "\(MailFetchSettings.key("url")) and, for a private CA, \(MailFetchSettings.key("ca_file"))",
                cause: FetchFailure.settings)
        case CURLE_USE_SSL_FAILED:
            return FacturationError(
                .delivery,
                "\(file): the IMAP server \(settings.shown) does not offer STARTTLS, which is required: use an "
                    + "imaps:// address in \(MailFetchSettings.key("url"))",
                cause: FetchFailure.settings)
        default:
            return FacturationError(
                .delivery,
                "the IMAP server \(settings.shown) cannot be reached (\(detail)); nothing was fetched, the next "
                    + "fetch tries again",
                cause: FetchFailure.temporary)
        }
    }
}

@available(*, unavailable)
extension IMAPConnection: Sendable {}
