import CCurl
import Foundation

/// Sends messages over SMTP with libcurl, as ``SMTPSettings`` say: `smtp://` with STARTTLS
/// required, or `smtps://` (implicit TLS); AUTH when a user is set; the system's trusted roots
/// or `ca_file`, certificate and host-name checks always on; bounded connect and transfer times.
///
/// Each ``send(_:)`` is one connection (one easy handle): a handful of invoices a day do not need
/// connection reuse, and a failure cannot leave state behind for the next message. Dot-stuffing
/// (a line starting with "." sent as "..") is libcurl's job: the message bytes go as they are.
package final class SMTPTransport {
    package let settings: SMTPSettings
    private let password: SMTPSecret?

    /// Reads the password now (from its file or variable).
    ///
    /// - Throws: a `configuration` error naming the password file or variable.
    package init(settings: SMTPSettings) throws(FacturationError) {
        self.settings = settings
        password = try settings.password()
    }

    /// Sends a queued message to its envelope recipients (To, Cc and Bcc), without its Bcc header.
    package func send(_ mail: QueuedMail) throws(FacturationError) -> SMTPOutcome {
        try send(mail.transmissionBytes, to: mail.recipients)
    }

    /// Sends `bytes` (an RFC 5322 message with CRLF line endings) to `recipients`, from the
    /// settings' `from` address.
    ///
    /// - Throws: a `delivery` error when there is no recipient or one is not an address, an
    ///   `installation` error when libcurl itself cannot be used; everything the server or the
    ///   network does is an ``SMTPOutcome``.
    package func send(_ bytes: [UInt8], to recipients: [String]) throws(FacturationError) -> SMTPOutcome {
        guard !recipients.isEmpty else { throw FacturationError(.delivery, "a message needs at least one recipient") }
        for recipient in recipients {
            if let problem = MailAddress.problem(with: recipient) {
                throw FacturationError(
                    .delivery, "the recipient \(recipient.debugDescription) is not an address: it \(problem)")
            }
        }
        let curl = try CurlEasy()
        let transcript = SMTPTranscript()
        try configure(curl, recipients: recipients, size: bytes.count)
        try curl.setDebug(onDebug, context: transcript)
        try curl.setReader(onRead, context: UploadSource(bytes))
        let code = curl.perform()
        let classifier = SMTPClassifier(settings: settings, transcript: transcript, recipients: recipients)
        return classifier.outcome(code: code, curlMessage: curl.message(for: code), responseCode: curl.responseCode)
    }

    private func configure(_ curl: CurlEasy, recipients: [String], size: Int) throws(FacturationError) {
        let scheme = settings.security == .tls ? "smtps" : "smtp"
        try curl.set(CURLOPT_URL, "\(scheme)://\(settings.server)")
        try curl.set(CURLOPT_PROTOCOLS_STR, "smtp,smtps")
        let tls = settings.security == .none ? CURLUSESSL_NONE : CURLUSESSL_ALL
        try curl.set(CURLOPT_USE_SSL, Int(tls.rawValue))
        if let caFile = settings.caFile { try curl.set(CURLOPT_CAINFO, caFile) }
        // CURLOPT_SSL_VERIFYPEER and CURLOPT_SSL_VERIFYHOST are never set: libcurl's defaults
        // check the certificate chain and the host name.
        if let user = settings.user, let password {
            try curl.set(CURLOPT_USERNAME, user)
            try curl.set(CURLOPT_PASSWORD, password.value)
        }
        try curl.set(CURLOPT_MAIL_FROM, "<\(settings.from.address)>")
        try curl.set(CURLOPT_MAIL_RCPT, list: recipients.map { "<\($0)>" })
        try curl.set(CURLOPT_UPLOAD, 1)
        try curl.set(CURLOPT_INFILESIZE_LARGE, largeNumber: Int64(size))
        try curl.set(CURLOPT_CONNECTTIMEOUT_MS, Int(settings.connectTimeout.milliseconds))
        try curl.set(CURLOPT_TIMEOUT_MS, Int(settings.timeout.milliseconds))
        try curl.set(CURLOPT_NOSIGNAL, 1)
        try curl.set(CURLOPT_FORBID_REUSE, 1)
    }
}

@available(*, unavailable)
extension SMTPTransport: Sendable {}

/// The message bytes libcurl reads through ``onRead``.
private final class UploadSource {
    let bytes: [UInt8]
    var offset = 0

    init(_ bytes: [UInt8]) { self.bytes = bytes }
}

/// `CURLOPT_READFUNCTION`: copies the next bytes of the ``UploadSource`` in `context`.
private func onRead(
    _ buffer: UnsafeMutablePointer<CChar>?, _ size: Int, _ count: Int, _ context: UnsafeMutableRawPointer?
) -> Int {
    guard let buffer, let context else { return Int(CURL_READFUNC_ABORT) }
    let source = Unmanaged<UploadSource>.fromOpaque(context).takeUnretainedValue()
    let length = min(size * count, source.bytes.count - source.offset)
    source.bytes.withUnsafeBytes { all in
        UnsafeMutableRawPointer(buffer).copyMemory(from: all.baseAddress! + source.offset, byteCount: length)
    }
    source.offset += length
    return length
}

/// `CURLOPT_DEBUGFUNCTION`: the SMTP lines in and out go to the ``SMTPTranscript`` in `context`;
/// TLS records and the message's own bytes are ignored.
private func onDebug(
    _ handle: UnsafeMutableRawPointer?, _ type: curl_infotype, _ data: UnsafeMutablePointer<CChar>?, _ size: Int,
    _ context: UnsafeMutableRawPointer?
) -> Int32 {
    guard let data, let context else { return 0 }
    let transcript = Unmanaged<SMTPTranscript>.fromOpaque(context).takeUnretainedValue()
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    switch type {
    case CURLINFO_HEADER_IN: transcript.received(bytes)
    case CURLINFO_HEADER_OUT: transcript.sent(bytes)
    default: break
    }
    return 0
}

extension Duration {
    fileprivate var milliseconds: Int64 {
        components.seconds * 1000 + components.attoseconds / 1_000_000_000_000_000
    }
}
