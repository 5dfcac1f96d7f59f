import CCurl

/// Turns the end of one libcurl SMTP transfer (its result code and the transcript of replies)
/// into an ``SMTPOutcome`` with a reason a person can act on: the server, the reply, the
/// recipient, the key to fix.
///
/// The server's reply decides when there is one (4xx temporary, 5xx permanent, except where the
/// settings are at fault: AUTH, the greeting, MAIL FROM); libcurl's code decides otherwise.
struct SMTPClassifier {
    let settings: SMTPSettings
    let transcript: SMTPTranscript
    let recipients: [String]

    /// `responseCode`: libcurl's last reply code, for the (never seen) case of a success whose
    /// reply line the debug callback did not report.
    func outcome(code: CURLcode, curlMessage: String, responseCode: Int) -> SMTPOutcome {
        if code == CURLE_OK {
            if let final = transcript.finalReply { return .accepted(reply: final.text) }
            return .accepted(reply: "\(responseCode) (libcurl reported success; the reply line was not seen)")
        }
        if let reply = transcript.failingReply { return classify(reply) }
        return classifyWithoutReply(code, curlMessage)
    }

    private var server: String { settings.server }
    private var file: String { settings.file }

    private func classify(_ reply: SMTPTranscript.Reply) -> SMTPOutcome {
        let temporary = reply.code < 500
        switch reply.answering {
        case .authentication,
            _ where reply.code == 530:
            return authenticationRefused(reply)
        case .greeting, .hello, .startTLS, .other, .quit:
            let step: SMTPFailure.Step = reply.answering == .startTLS ? .tls : .connection
            if temporary {
                return .temporary(failure(step, reply, "a temporary refusal; sending again later may succeed"))
            }
            return .misconfigured(
                failure(
                    step, reply,
                    "\(file): check \(SMTPSettings.key("host")), \(SMTPSettings.key("port")) and "
                        + "\(SMTPSettings.key("security")) (this server refuses to talk to us)"))
        case .sender:
            if temporary {
                return .temporary(failure(.sender, reply, "a temporary refusal; sending again later may succeed"))
            }
            if reply.code == 552 {
                return .permanent(failure(.sender, reply, "the message is too large for this server"))
            }
            return .misconfigured(
                failure(
                    .sender, reply,
                    "\(file): the server refuses the sender \(settings.from.address): set "
                        + "\(SMTPSettings.key("from")) to an address this account may send from"))
        case .recipient(let address):
            if temporary {
                return .temporary(
                    failure(.recipient(address), reply, "a temporary refusal; sending again later may succeed"))
            }
            return .permanent(
                failure(
                    .recipient(address), reply,
                    "the recipient \(address) was refused, so the message was sent to no one: correct or remove this "
                        + "address (the client's emails in the pipeline file), then send the document again"))
        case .data, .message:
            let step: SMTPFailure.Step = reply.answering == .data ? .data : .message
            if temporary {
                return .temporary(failure(step, reply, "a temporary refusal; sending again later may succeed"))
            }
            return .permanent(
                failure(step, reply, "the server refused the message for good; sending it again as it is will fail"))
        }
    }

    private func authenticationRefused(_ reply: SMTPTranscript.Reply?) -> SMTPOutcome {
        let what =
            settings.user == nil
            ? "requires a login: set \(SMTPSettings.key("user")) and \(SMTPSettings.key("password_file")) "
                + "(or \(SMTPSettings.key("password_env")))"
            : "refused the user name \(settings.user!) or its password: check \(SMTPSettings.key("user")) and "
                + passwordPlace
        let text = reply.map { " (\($0.text))" } ?? ""
        return .misconfigured(
            SMTPFailure(
                step: .authentication, code: reply?.code, reply: reply?.text,
                reason: "\(file): the SMTP server \(server) \(what)\(text)", mayHaveBeenAccepted: false))
    }

    /// Where the password comes from, for messages (never the password).
    private var passwordPlace: String {
        switch settings.passwordSource {
        case .file(let path): return "the password in \(path) (\(SMTPSettings.key("password_file")))"
        case .environment(let name): return "the password in $\(name) (\(SMTPSettings.key("password_env")))"
        case nil: return "the password"
        }
    }

    private func failure(_ step: SMTPFailure.Step, _ reply: SMTPTranscript.Reply, _ advice: String) -> SMTPFailure {
        let what: String
        switch step {
        case .recipient(let address): what = "to the recipient <\(address)>"
        case .sender: what = "to the sender <\(settings.from.address)>"
        case .message: what = "to the message"
        case .data: what = "to DATA"
        case .tls: what = "to STARTTLS"
        case .connection, .authentication: what = "when we connected"
        }
        return SMTPFailure(
            step: step, code: reply.code, reply: reply.text,
            reason: "the SMTP server \(server) answered \"\(reply.text)\" \(what): \(advice)",
            mayHaveBeenAccepted: false)
    }
}

extension SMTPClassifier {
    /// No 4xx/5xx reply: the network, TLS, a timeout, or libcurl's own checks.
    private func classifyWithoutReply(_ code: CURLcode, _ message: String) -> SMTPOutcome {
        func failure(_ step: SMTPFailure.Step, _ reason: String, accepted: Bool = false) -> SMTPFailure {
            SMTPFailure(step: step, code: nil, reply: nil, reason: reason, mayHaveBeenAccepted: accepted)
        }
        switch code {
        case CURLE_LOGIN_DENIED:
            return authenticationRefused(nil)
        case CURLE_SSL_CACERT_BADFILE:
            return .misconfigured(
                failure(
                    .tls,
                    "\(file): \(SMTPSettings.key("ca_file")) (\(settings.caFile ?? "the system's store")) cannot be "
                        + "used (\(message)): give a readable PEM file with the certificate of the server's CA"))
        case CURLE_PEER_FAILED_VERIFICATION, CURLE_SSL_CERTPROBLEM:
            return .misconfigured(
                failure(
                    .tls,
                    "\(file): the certificate of the SMTP server \(server) is not trusted (\(message)): if the server "
                        + "uses a private certificate authority, set \(SMTPSettings.key("ca_file")) to its certificate "
                        + "(PEM); else check \(SMTPSettings.key("host")) (it must be a name on the certificate). "
                        + "Certificate checks are never turned off"))
        case CURLE_USE_SSL_FAILED:
            return .misconfigured(
                failure(
                    .tls,
                    "\(file): the SMTP server \(server) does not offer STARTTLS (\(message)): check "
                        + "\(SMTPSettings.key("port")) and \(SMTPSettings.key("security")) (\"tls\" is port 465)"))
        case CURLE_UNSUPPORTED_PROTOCOL, CURLE_URL_MALFORMAT:
            return .misconfigured(failure(.connection, "\(file): check \(SMTPSettings.key("host")) (\(message))"))
        default:
            if transcript.messageStarted {
                return .temporary(
                    failure(
                        .message,
                        "the connection to the SMTP server \(server) failed after the whole message was sent and "
                            + "before the server's reply (\(message)): the server may have accepted it, so sending "
                            + "it again may deliver it twice (with the same Message-ID)", accepted: true))
            }
            if code == CURLE_SSL_CONNECT_ERROR {
                return .temporary(
                    failure(
                        .tls,
                        "the TLS handshake with the SMTP server \(server) failed (\(message)): sending again later "
                            + "may succeed; if this lasts, check \(SMTPSettings.key("security")) and "
                            + "\(SMTPSettings.key("port")) in \(file) (\"tls\" is implicit TLS, usually port 465; "
                            + "\"starttls\" usually 587)"))
            }
            let what = code == CURLE_OPERATION_TIMEDOUT ? "did not answer in time" : "could not be reached"
            return .temporary(
                failure(
                    .connection,
                    "the SMTP server \(server) \(what) (\(message)): sending again later may succeed; if this "
                        + "lasts, check \(SMTPSettings.key("host")) and \(SMTPSettings.key("port")) in \(file)"))
        }
    }
}
