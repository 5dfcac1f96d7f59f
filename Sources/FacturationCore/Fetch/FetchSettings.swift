import Foundation

/// The producers of a pipeline: the `[fetch]` table of its pipeline file.
///
/// ```toml
/// [fetch]
/// before_run = true                   # `run` fetches first (default false: cron calls `fetch`)
/// every = "15m"                       # under `watch`, each source at most this often (default 15 minutes)
///
/// [fetch.clockify]
/// workspace_id = "5f1e…"
/// key_file = "secrets/clockify"       # chmod 600, beside the pipeline file; or key_env = "NAME"
/// start = 2025-07-01                  # the first month fetched when there is no cursor yet
///
/// [fetch.qonto]
/// login = "demo-conseil-1234"         # the organization's login (not secret)
/// iban = "FR76…"                      # or ibans = ["FR76…", "FR76…"] (several accounts), or bank_account_id = "…"
/// key_file = "secrets/qonto"          # the secret key; or key_env = "NAME"
/// start = 2025-07-01                  # updated_at_from of the first fetch (default: everything)
/// ```
/// Both take `base_url` (default: the real API), `ca_file`, `connect_timeout` (10 s),
/// `timeout` (120 s) and `attempts` (5). The keys are never in the pipeline file.
package struct FetchSettings: Sendable {
    /// `every` when the pipeline file does not say.
    package static let defaultEvery: Duration = .seconds(15 * 60)

    package var beforeRun = false
    /// Under `watch`, the shortest time between two fetches of one source (its cursor's `fetchedAt`
    /// says when it was last fetched): `watch` passes every minute, the APIs need not be asked that often.
    package var every = defaultEvery
    package var clockify: ClockifyFetchSettings?
    package var qonto: QontoFetchSettings?

    package init() {}
}

/// The producers, by name (`facturation fetch <source>`, cursors, inbox file names).
package enum FetchSource: String, Sendable, CaseIterable, Codable {
    case clockify, qonto
    /// The replies: the `[fetch.mail]` IMAP folder (``MailFetcher``).
    case mail

    /// The name people know the service by.
    var service: String {
        switch self {
        case .clockify: return "Clockify"
        case .qonto: return "Qonto"
        case .mail: return "the IMAP server"
        }
    }
}

/// How to reach one API: its address, where its key is, TLS and time bounds, retries.
package struct APIAccess: Sendable {
    /// Where the key is read when fetching (never stored in the settings).
    package typealias KeySource = SecretSource

    /// `https://…`, without a trailing `/`.
    package var baseURL: String
    package var keySource: KeySource
    package var caFile: String?
    package var connectTimeout: Duration = .seconds(10)
    package var timeout: Duration = .seconds(120)
    /// Tries per request, the first included (429, 5xx and network failures are retried).
    package var attempts = 5
    /// `fetch.clockify`, for messages.
    package var table: String
    /// The pipeline file, as shown in messages.
    package var file: String

    package init(baseURL: String, keySource: KeySource, table: String, file: String) {
        self.baseURL = baseURL
        self.keySource = keySource
        self.table = table
        self.file = file
    }

    /// Where the key comes from, for messages that ask to fix it.
    package var keyShown: String {
        switch keySource {
        case .file(let path): return "the key file \(path) (\(table).key_file in \(file))"
        case .environment(let name): return "the environment variable \(name) (\(table).key_env in \(file))"
        }
    }

    /// The key, read now from its file or variable, once `ca_file` (when given) is found: like the
    /// key, the CA is looked for when a fetch needs it, so a pipeline whose CA is made by the
    /// service that starts the server (scripts/demo) loads without it.
    ///
    /// - Throws: a `configuration` error naming the file or the variable, never the key.
    package func key() throws(FacturationError) -> SMTPSecret {
        if let caFile, !Storage.exists(caFile) || Storage.isDirectory(caFile) {
            throw FacturationError(
                .configuration,
                "\(file): \(table).ca_file names \(caFile), which does not exist (a PEM file with the certificate "
                    + "of the server's CA)")
        }
        switch keySource {
        case .environment(let name):
            guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
                throw FacturationError(
                    .configuration,
                    "\(file): \(table).key_env names the environment variable \(name), which is not set (or empty) "
                        + "for this run: set it in the service's environment")
            }
            return SMTPSecret(value)
        case .file(let path):
            return SMTPSecret(try SMTPSettings.readPasswordFile(path, key: "\(table).key_file", pipelineFile: file))
        }
    }

    /// The HTTPS client for these settings.
    var client: HTTPSClient { HTTPSClient(caFile: caFile, connectTimeout: connectTimeout, timeout: timeout) }
}

/// `[fetch.clockify]`: the detailed report of the Clockify Reports API, one file per month.
package struct ClockifyFetchSettings: Sendable {
    package static let defaultBaseURL = "https://reports.api.clockify.me"

    package var access: APIAccess
    package var workspaceID: String
    /// The first month fetched when there is no cursor yet (default: the current month).
    package var start: CivilDate?
    /// Entries per page (Clockify allows up to 1000); a shorter page is the last one.
    package var pageSize = 1000
}

/// `[fetch.qonto]`: the transactions of the company's accounts from the Qonto API, by `updated_at`,
/// each account with its own cursor and its own files.
package struct QontoFetchSettings: Sendable {
    package static let defaultBaseURL = "https://thirdparty.qonto.com"

    /// Which account: Qonto accepts its IBAN or its bank account id.
    package enum Account: Sendable, Equatable {
        case iban(String)
        case bankAccountID(String)

        /// The IBAN or the id, as it goes into the request, the cursor's name and the file's name.
        package var value: String {
            switch self {
            case .iban(let value), .bankAccountID(let value): return value
            }
        }
    }

    package var access: APIAccess
    /// The organization's login (the first half of `Authorization: login:secret-key`).
    package var login: String
    /// One account (`iban`, `bank_account_id`) or several (`ibans`), fetched in this order.
    package var accounts: [Account]
    /// `updated_at_from` of the first fetch (local midnight); nil: from the beginning.
    package var start: CivilDate?
    /// Transactions per page (Qonto allows up to 100).
    package var perPage = 100
    /// Pages written together into one inbox file.
    package var pagesPerFile = 10
}
