/// What became of one message handed to the SMTP server.
///
/// Recipients are all or nothing: libcurl stops at the first recipient the server refuses
/// (`CURLOPT_MAIL_RCPT_ALLOWFAILS` is left off), before the message is sent, so a message is
/// either accepted for every recipient or sent to none. An invoice that reached the accountant in
/// copy but not the client's billing address must not be recorded as sent, and a partial success
/// retried would send twice to the recipients that were accepted.
package enum SMTPOutcome: Sendable, Equatable {
    /// The server took responsibility for the message; `reply` is its final reply line to the
    /// message (`250 2.0.0 Ok: queued as 4F2A1`), the proof to record.
    case accepted(reply: String)
    /// Sending again later may succeed: a 4xx reply, the server down or unreachable, a timeout, a
    /// TLS handshake that failed, the connection cut. See ``SMTPFailure/mayHaveBeenAccepted``.
    case temporary(SMTPFailure)
    /// The server refused this message for good (a 5xx reply: an unknown recipient, a message too
    /// large): sending it again as it is will fail again; a person must act.
    case permanent(SMTPFailure)
    /// The settings are wrong (credentials refused, a certificate not trusted, no STARTTLS, the
    /// sender address refused): no message can be sent until they are fixed; the message is not
    /// at fault. ``SMTPFailure/error`` is a `configuration` error naming the key to fix.
    case misconfigured(SMTPFailure)
}

/// Why a message was not accepted, for people and for the queue's decisions.
package struct SMTPFailure: Sendable, Equatable {
    /// Where the transfer stopped.
    package enum Step: Sendable, Equatable {
        /// Reaching the server: DNS, TCP connection, the greeting, EHLO.
        case connection
        /// STARTTLS or the TLS handshake, certificate checks included.
        case tls
        case authentication
        /// MAIL FROM.
        case sender
        /// RCPT TO of this address.
        case recipient(String)
        /// DATA, before the message was sent.
        case data
        /// After the whole message was sent, before or at the server's final reply.
        case message
    }

    package let step: Step
    /// The SMTP reply code, nil when there was no reply (connection, TLS, timeout).
    package let code: Int?
    /// The server's reply, nil when there was none.
    package let reply: String?
    /// For people: which server, what happened, which recipient, what to do.
    package let reason: String
    /// Whether the server may have accepted the message although no reply said so: the whole
    /// message was sent and the connection failed before the final reply. Sending it again may
    /// deliver it twice (with the same Message-ID, so the duplicate is recognisable).
    package let mayHaveBeenAccepted: Bool

    /// The failure as a ``FacturationError``: `configuration` for a misconfiguration, else `delivery`.
    package func error(misconfigured: Bool) -> FacturationError {
        FacturationError(misconfigured ? .configuration : .delivery, reason)
    }
}

extension SMTPOutcome {
    /// The failure, nil when the message was accepted.
    package var failure: SMTPFailure? {
        switch self {
        case .accepted: return nil
        case .temporary(let failure), .permanent(let failure), .misconfigured(let failure): return failure
        }
    }

    /// The outcome as an error (nil when accepted): a misconfiguration is a `configuration` error,
    /// any other failure a `delivery` error.
    package var error: FacturationError? {
        guard let failure else { return nil }
        if case .misconfigured = self { return failure.error(misconfigured: true) }
        return failure.error(misconfigured: false)
    }
}
