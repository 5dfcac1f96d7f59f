/// Reading of the `[fetch]` table of a pipeline file into ``FetchSettings``; every mistake is
/// reported with its line, and a key is never read from the pipeline file itself.
extension PipelineLoader {
    /// The producers of `table` (`[fetch]`); `folder` is the pipeline file's folder, against which
    /// relative paths are resolved; `ownIBANs` are the company's accounts (`[company] iban` and
    /// `other_ibans`, normalized). Nil when the file has no `[fetch]` table.
    static func readFetch(_ table: TableReader?, folder: String, ownIBANs: [String]) -> FetchSettings? {
        guard let table else { return nil }
        defer { table.finish() }
        var settings = FetchSettings()
        settings.beforeRun = table.bool("before_run") ?? false
        if let every = table.string("every") {
            if let duration = parseEvery(every) {
                settings.every = duration
            } else {
                table.fail(
                    key: "every",
                    "must be a time from 1 minute to 24 hours written like \"15m\", \"1h\" or \"1h30m\"")
            }
        }
        settings.clockify = table.subtable("clockify").flatMap { readClockifyFetch($0, folder: folder) }
        settings.qonto = table.subtable("qonto").flatMap { readQontoFetch($0, folder: folder, ownIBANs: ownIBANs) }
        if settings.beforeRun, settings.clockify == nil, settings.qonto == nil,
            !["clockify", "qonto", "mail"].contains(where: table.contains)
        {
            table.fail(
                key: "before_run", "there is nothing to fetch: add [fetch.clockify], [fetch.qonto] or [fetch.mail]")
        }
        return settings
    }

    /// `every`: hours, minutes and seconds (`1h30m`, `15m`, `90s`), from 1 minute to 24 hours.
    static func parseEvery(_ text: String) -> Duration? {
        var seconds = 0
        var digits = ""
        for character in text.lowercased() where character != " " {
            if character.isASCII, character.isNumber {
                digits.append(character)
                continue
            }
            let unit: Int
            switch character {
            case "h": unit = 3600
            case "m": unit = 60
            case "s": unit = 1
            default: return nil
            }
            guard let value = Int(digits), digits.count <= 6 else { return nil }
            seconds += value * unit
            digits = ""
        }
        guard digits.isEmpty, (60...86_400).contains(seconds) else { return nil }
        return .seconds(seconds)
    }

    private static func readClockifyFetch(_ table: TableReader, folder: String) -> ClockifyFetchSettings? {
        defer { table.finish() }
        let access = readAccess(table, folder: folder, defaultBaseURL: ClockifyFetchSettings.defaultBaseURL)
        let workspace = table.string("workspace_id", required: true)
        if let workspace, !isIdentifier(workspace) {
            table.fail(key: "workspace_id", "must be the workspace id Clockify shows (letters and digits)")
        }
        let start = table.date("start")
        let pageSize = table.integer("page_size", in: 1...1000) ?? 1000
        guard let access, let workspace, isIdentifier(workspace) else { return nil }
        return ClockifyFetchSettings(access: access, workspaceID: workspace, start: start, pageSize: pageSize)
    }

    private static func readQontoFetch(_ table: TableReader, folder: String, ownIBANs: [String]) -> QontoFetchSettings?
    {
        defer { table.finish() }
        let access = readAccess(table, folder: folder, defaultBaseURL: QontoFetchSettings.defaultBaseURL)
        let login = table.string("login", required: true)
        if let login, !isIdentifier(login) {
            table.fail(key: "login", "must be the organization's login Qonto shows (letters, digits, - and _)")
        }
        let accounts = readQontoAccounts(table, ownIBANs: ownIBANs)
        let start = table.date("start")
        let perPage = table.integer("per_page", in: 1...100) ?? 100
        let pagesPerFile = table.integer("pages_per_file", in: 1...100) ?? 10
        guard let access, let login, isIdentifier(login), let accounts else { return nil }
        return QontoFetchSettings(
            access: access, login: login, accounts: accounts, start: start, perPage: perPage,
            pagesPerFile: pagesPerFile)
    }

    /// `iban = "…"`, `ibans = ["…", …]` (several accounts of the organization) or `bank_account_id`:
    /// exactly one of them. An IBAN must be one of the company's: the import rejects every bank file
    /// of another account, so fetching one would only fill `archive/rejected/` at every fetch.
    private static func readQontoAccounts(_ table: TableReader, ownIBANs: [String]) -> [QontoFetchSettings.Account]? {
        let given = ["iban", "ibans", "bank_account_id"].filter(table.contains)
        guard given.count == 1 else {
            if given.isEmpty {
                table.fail(
                    nil,
                    "fetch.qonto needs the account: add iban = \"…\", ibans = [\"…\", \"…\"] or bank_account_id = \"…\""
                )
            } else {
                for key in given { _ = key == "ibans" ? table.strings(key)?.first : table.string(key) }
                table.fail(
                    key: given[1],
                    "give one of iban, ibans and bank_account_id, not \(given.joined(separator: " and "))")
            }
            return nil
        }
        if let id = table.string("bank_account_id") {
            guard isIdentifier(id) else {
                table.fail(key: "bank_account_id", "must be the account id Qonto shows")
                return nil
            }
            return [.bankAccountID(id)]
        }
        let key = given[0]
        let ibans = (key == "iban" ? table.string("iban").map { [$0] } : table.strings("ibans")) ?? []
        let normalized = ibans.map(BankRecord.normalizeIBAN)
        guard !normalized.isEmpty, normalized.allSatisfy(isIdentifier), Set(normalized).count == normalized.count
        else {
            table.fail(
                key: key,
                key == "iban"
                    ? "must be an IBAN (letters and digits, spaces allowed)"
                    : "must list the accounts' IBANs, each once (letters and digits, spaces allowed)")
            return nil
        }
        let foreign = normalized.filter { !ownIBANs.contains($0) }
        guard foreign.isEmpty else {
            table.fail(
                key: key,
                "\(foreign.joined(separator: ", ")) \(foreign.count == 1 ? "is not an account" : "are not accounts") "
                    + "of the company: add \(foreign.count == 1 ? "it" : "them") to [company] (iban = \"…\" or "
                    + "other_ibans = [\"…\"]) or fetch the company's own \(key == "iban" ? "account" : "accounts")")
            return nil
        }
        return normalized.map { .iban($0) }
    }

    /// The keys every API table shares: `base_url`, `key_file`/`key_env`, `ca_file`, the timeouts, `attempts`.
    private static func readAccess(_ table: TableReader, folder: String, defaultBaseURL: String) -> APIAccess? {
        if table.contains("key") || table.contains("api_key") || table.contains("secret_key") {
            table.fail(
                nil,
                "the API key must not be written in the pipeline file: put it in a file only the service user can "
                    + "read and name it with key_file = \"…\" (chmod 600), or give the name of an environment "
                    + "variable with key_env = \"…\"")
            for key in ["key", "api_key", "secret_key"] where table.contains(key) { _ = table.string(key) }
        }
        let baseURL = readBaseURL(table) ?? defaultBaseURL
        let source = readKeySource(table, folder: folder)
        let caFile = readCAFile(table, folder: folder, checkedWhenUsed: true)
        let connect = table.integer("connect_timeout", in: 1...120) ?? 10
        let timeout = table.integer("timeout", in: 1...3600) ?? 120
        let attempts = table.integer("attempts", in: 1...10) ?? 5
        guard let source else { return nil }
        var access = APIAccess(baseURL: baseURL, keySource: source, table: table.name, file: table.file)
        access.caFile = caFile
        access.connectTimeout = .seconds(connect)
        access.timeout = .seconds(timeout)
        access.attempts = attempts
        return access
    }

    /// `base_url`: HTTPS only, without a query, a fragment or credentials.
    private static func readBaseURL(_ table: TableReader) -> String? {
        guard var url = table.string("base_url") else { return nil }
        let lower = url.lowercased()
        guard lower.hasPrefix("https://"), !url.contains("?"), !url.contains("#"), !url.contains("@"),
            !url.contains(" "), url.count > "https://".count
        else {
            table.fail(
                key: "base_url",
                "must be an https:// address without a query or credentials, like \"https://api.example.com\" "
                    + "(plain http:// is refused: the key would travel in clear)")
            return nil
        }
        while url.hasSuffix("/") { url.removeLast() }
        return url
    }

    /// `key_file` (checked now: it exists and only its owner can read it) or `key_env`.
    private static func readKeySource(_ table: TableReader, folder: String) -> SecretSource? {
        let source = readSecretSource(
            table, fileKey: "key_file", envKey: "key_env", example: "CLOCKIFY_KEY", folder: folder)
        if source == nil {
            table.fail(nil, "\(table.name) needs its API key: add key_file = \"…\" (chmod 600) or key_env = \"…\"")
        }
        return source
    }

    /// Ids, logins and IBANs go into URLs: letters, digits, `-` and `_` only.
    private static func isIdentifier(_ text: String) -> Bool {
        !text.isEmpty && text.count <= 128
            && text.unicodeScalars.allSatisfy {
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")
            }
    }
}
