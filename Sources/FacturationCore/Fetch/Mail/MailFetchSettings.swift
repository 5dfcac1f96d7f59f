import Foundation

/// Where `facturation fetch mail` reads the replies: the `[fetch.mail]` table of a pipeline file.
///
/// ```toml
/// [fetch.mail]
/// url = "imaps://imap.example.fr/INBOX"   # imaps:// (TLS, port 993) or imap:// (STARTTLS required, port 143)
/// user = "factures@example.fr"
/// password_file = "secrets/imap"          # chmod 600, beside the pipeline file; or password_env = "NAME"
/// # ca_file = "certs/ca.pem"              # a private CA; default: the system's store
/// # connect_timeout = 10, timeout = 60    # seconds
/// ```
///
/// The password is never in the pipeline file, never logged, never in an error message; certificate
/// and host-name checks are always on (`ca_file` only replaces the trusted roots).
package struct MailFetchSettings: Sendable {
    package enum Security: String, Sendable {
        /// `imaps://`: TLS from the first byte.
        case tls
        /// `imap://`: STARTTLS, required before the login.
        case starttls
    }

    package var host: String
    package var port: Int
    package var security: Security
    /// The folder read (`INBOX` by default), as the IMAP server names it.
    package var mailbox: String
    package var user: String
    package var passwordSource: SMTPSettings.PasswordSource
    package var caFile: String?
    package var connectTimeout: Duration
    /// The longest wait for one reply of the server (a large message may take several).
    package var timeout: Duration
    /// The pipeline file, as shown in messages.
    package var file: String

    /// `host:port/mailbox`, for messages.
    package var shown: String { "\(host.contains(":") ? "[\(host)]" : host):\(port)/\(mailbox)" }

    static func key(_ name: String) -> String { "fetch.mail.\(name)" }

    /// The password, read now from its file or variable (a `configuration` error naming the key otherwise).
    func password() throws(FacturationError) -> SMTPSecret {
        switch passwordSource {
        case .file(let path):
            return SMTPSecret(
                try SMTPSettings.readPasswordFile(path, key: Self.key("password_file"), pipelineFile: file))
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw FacturationError(
                    .configuration,
                    "\(file): \(Self.key("password_env")) names the environment variable \(name), which is not set "
                        + "(or empty): set it in the environment of the command")
            }
            return SMTPSecret(value)
        }
    }

    /// The parts of an `imaps://host[:port][/mailbox]` or `imap://…` URL, or why it is not one.
    enum ParsedURL {
        case valid(Security, host: String, port: Int, mailbox: String)
        case invalid(String)
    }

    static func parse(url: String) -> ParsedURL {
        let security: Security
        let rest: Substring
        if url.lowercased().hasPrefix("imaps://") {
            security = .tls
            rest = url.dropFirst("imaps://".count)
        } else if url.lowercased().hasPrefix("imap://") {
            security = .starttls
            rest = url.dropFirst("imap://".count)
        } else {
            return .invalid("must start with imaps:// (TLS) or imap:// (STARTTLS), like imaps://imap.example.fr/INBOX")
        }
        let authority = rest.prefix { $0 != "/" }
        let path = rest.dropFirst(authority.count).drop { $0 == "/" }
        guard !authority.contains("@"), !authority.isEmpty else {
            return .invalid(
                "must name the server without a user (give it with user = \"…\"), like imaps://imap.example.fr/INBOX")
        }
        var host = String(authority)
        var port = security == .tls ? 993 : 143
        if let colon = authority.lastIndex(of: ":"), !authority.hasSuffix("]") {
            guard let number = Int(authority[authority.index(after: colon)...]), (1...65_535).contains(number) else {
                return .invalid("has a port that is not a number from 1 to 65535")
            }
            port = number
            host = String(authority[..<colon])
        }
        host = host.trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        let mailbox = path.removingPercentEncoding ?? String(path)
        guard !mailbox.contains(where: { $0 == "\r" || $0 == "\n" || $0 == "\0" || $0 == ";" || $0 == "?" }) else {
            return .invalid("names a folder with a character that is not allowed here (; ? or a line break)")
        }
        return .valid(security, host: host, port: port, mailbox: mailbox.isEmpty ? "INBOX" : mailbox)
    }
}

extension PipelineLoader {
    /// The `[fetch.mail]` table of `fetch` (the `[fetch]` table), or nil when absent or wrong (the
    /// mistakes are recorded with their lines). Reads only `mail`: the other producers read their own keys.
    static func readFetchMail(_ fetch: TableReader?, folder: String) -> MailFetchSettings? {
        guard let table = fetch?.subtable("mail") else { return nil }
        defer { table.finish() }
        if table.contains("password") {
            table.fail(
                key: "password",
                "the password must not be written in the pipeline file: name a file only the service user can read "
                    + "with password_file = \"…\" (chmod 600), or an environment variable with password_env = \"…\"")
        }
        let url = table.string("url", required: true)
        var parts: (MailFetchSettings.Security, String, Int, String)?
        if let url {
            switch MailFetchSettings.parse(url: url) {
            case .valid(let security, let host, let port, let mailbox): parts = (security, host, port, mailbox)
            case .invalid(let problem): table.fail(key: "url", problem)
            }
        }
        let user = table.string("user", required: true)
        let source = readPasswordSource(table, folder: folder)
        if source == nil {
            table.fail(key: "user", "a password is needed: add password_file = \"…\" or password_env = \"…\"")
        }
        let caFile = readCAFile(table, folder: folder)
        let connectTimeout = table.integer("connect_timeout", in: 1...120) ?? 10
        let timeout = table.integer("timeout", in: 1...600) ?? 60
        guard let (security, host, port, mailbox) = parts, let user, let source else { return nil }
        return MailFetchSettings(
            host: host, port: port, security: security, mailbox: mailbox, user: user, passwordSource: source,
            caFile: caFile, connectTimeout: .seconds(connectTimeout), timeout: .seconds(timeout), file: table.file)
    }
}
