import Foundation

/// How a pipeline sends e-mail: the `[delivery.smtp]` table of its pipeline file.
///
/// ```toml
/// [delivery.smtp]
/// host = "smtp.example.fr"
/// port = 587                          # default: 587 (starttls), 465 (tls), 25 (none)
/// security = "starttls"               # "starttls", "tls" (implicit, smtps) or "none" (loopback only)
/// user = "factures@example.fr"        # AUTH user; no AUTH when absent
/// password_file = "secrets/smtp"      # relative to this file's folder, chmod 600
/// # password_env = "FACTURATION_SMTP_PASSWORD"   # or an environment variable
/// from = "factures@example.fr"        # the envelope sender and the From header
/// from_name = "Exemple SARL"          # optional display name
/// connect_timeout = 10                # seconds (1…120)
/// timeout = 60                        # seconds for a whole message (1…600)
/// # ca_file = "certs/ca.pem"          # a private CA; default: the system's store
/// ```
///
/// The password is never in the pipeline file, never logged, never in an error message.
/// Certificate and host-name checks are always on; `ca_file` only replaces the trusted roots.
package struct SMTPSettings: Sendable {
    package enum Security: String, Sendable, CaseIterable {
        /// `smtp://`, then STARTTLS, required before anything else is said.
        case starttls
        /// `smtps://`: TLS from the first byte (implicit TLS).
        case tls
        /// No encryption: refused unless the host is the loopback (tests, a local relay).
        case none

        var defaultPort: Int {
            switch self {
            case .starttls: return 587
            case .tls: return 465
            case .none: return 25
            }
        }
    }

    /// Where the password is read when a message is sent (never stored in the settings).
    package typealias PasswordSource = SecretSource

    package var host: String
    package var port: Int
    package var security: Security
    package var user: String?
    package var passwordSource: PasswordSource?
    package var from: MailAddress
    package var connectTimeout: Duration
    package var timeout: Duration
    /// An absolute path to PEM certificates trusted instead of the system's store.
    package var caFile: String?
    /// The pipeline file, as shown in messages.
    package var file: String

    package init(
        host: String, port: Int? = nil, security: Security, user: String? = nil,
        passwordSource: PasswordSource? = nil, from: MailAddress, connectTimeout: Duration = .seconds(10),
        timeout: Duration = .seconds(60), caFile: String? = nil, file: String
    ) {
        self.host = host
        self.port = port ?? security.defaultPort
        self.security = security
        self.user = user
        self.passwordSource = passwordSource
        self.from = from
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.caFile = caFile
        self.file = file
    }

    /// `host:port`, for messages (an IPv6 address in brackets).
    package var server: String { "\(host.contains(":") ? "[\(host)]" : host):\(port)" }

    /// Whether `host` is the loopback, the only place `security = "none"` may talk to.
    package static func isLoopback(_ host: String) -> Bool {
        ["127.0.0.1", "::1", "localhost"].contains(host.lowercased())
    }

    /// The key of the table, for messages (`delivery.smtp.user`).
    static func key(_ name: String) -> String { "delivery.smtp.\(name)" }

    /// The password, read now from its file or variable; nil without a password source.
    ///
    /// - Throws: a `configuration` error naming the file or the variable, never the password.
    package func password() throws(FacturationError) -> SMTPSecret? {
        switch passwordSource {
        case nil: return nil
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw FacturationError(
                    .configuration,
                    "\(file): \(Self.key("password_env")) names the environment variable \(name), which is not set "
                        + "(or empty) for this run: set it in the service's environment")
            }
            return SMTPSecret(value)
        case .file(let path):
            return SMTPSecret(try Self.readPasswordFile(path, key: Self.key("password_file"), pipelineFile: file))
        }
    }

    /// The first line of the password file at `path`, after checking that only its owner can read it.
    static func readPasswordFile(_ path: String, key: String, pipelineFile: String) throws(FacturationError) -> String {
        if let problem = passwordFileProblem(path) {
            throw FacturationError(.configuration, "\(pipelineFile): \(key): \(problem)")
        }
        let bytes: [UInt8]
        do {
            bytes = try Storage.read(path, limit: 4096)
        } catch {
            throw FacturationError(.configuration, "\(pipelineFile): \(key): \(path) cannot be read (\(error))")
        }
        let text = String(decoding: bytes, as: UTF8.self)
        let line = text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }).first
        guard let line, !line.isEmpty else {
            throw FacturationError(
                .configuration, "\(pipelineFile): \(key): \(path) is empty: write the password in it")
        }
        return String(line)
    }

    /// Why the password file at `path` is not usable (missing, not a file, readable by others).
    static func passwordFileProblem(_ path: String) -> String? {
        var status = stat()
        guard stat(path, &status) == 0 else {
            return "\(path) does not exist: create it with the password on one line, then chmod 600 \(path)"
        }
        guard status.st_mode & S_IFMT == S_IFREG else { return "\(path) is not a file" }
        guard status.st_mode & 0o077 == 0 else {
            return "\(path) can be read by other users (mode \(String(status.st_mode & 0o777, radix: 8))): "
                + "run chmod 600 \(path)"
        }
        return nil
    }
}

/// A password in memory: its description, debug description and mirror never show it, so it
/// cannot reach a log or a message by accident (`"\(secret)"` is `<hidden>`).
package struct SMTPSecret: Sendable, CustomStringConvertible, CustomDebugStringConvertible, CustomReflectable {
    let value: String

    init(_ value: String) { self.value = value }

    package var description: String { "<hidden>" }
    package var debugDescription: String { "<hidden>" }
    package var customMirror: Mirror { Mirror(self, children: [:]) }
}
