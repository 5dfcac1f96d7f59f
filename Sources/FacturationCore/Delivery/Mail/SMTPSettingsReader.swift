/// Reading of the `[delivery.smtp]` table of a pipeline file into ``SMTPSettings``; every mistake
/// is reported with its line, and the password is never read from the pipeline file itself.
extension PipelineLoader {
    /// The SMTP settings of the table `table` (`[delivery.smtp]`); `folder` is the pipeline file's
    /// folder, against which relative paths are resolved. Nil when a required key is missing or
    /// wrong (the mistakes are recorded in `table`'s sink). Calls `table.finish()`.
    static func readSMTP(_ table: TableReader, folder: String) -> SMTPSettings? {
        defer { table.finish() }
        if table.contains("password") {
            table.fail(
                key: "password",
                "the password must not be written in the pipeline file: put it in a file only the service "
                    + "user can read and name it with password_file = \"…\" (chmod 600), or give the name of an "
                    + "environment variable with password_env = \"…\"")
        }
        let host = table.string("host", required: true)
        if let host, let problem = hostProblem(host) { table.fail(key: "host", problem) }
        let security = table.choice("security", SMTPSettings.Security.self) ?? .starttls
        if security == .none, let host, !SMTPSettings.isLoopback(host) {
            table.fail(
                key: "security",
                "\"none\" sends the password and the invoices in clear: it is only allowed to 127.0.0.1, ::1 or "
                    + "localhost; use \"starttls\" (port 587) or \"tls\" (port 465)")
        }
        let port = table.integer("port", in: 1...65_535)
        let from = table.string("from", required: true)
        if let from, let problem = MailAddress.problem(with: from) { table.fail(key: "from", problem) }
        let fromName = table.string("from_name")
        let user = table.string("user")
        let source = readPasswordSource(table, folder: folder)
        if user != nil, source == nil {
            table.fail(key: "user", "a user needs a password: add password_file = \"…\" or password_env = \"…\"")
        }
        if user == nil, source != nil {
            table.fail(key: "user", "a password is given but no user: add user = \"…\" (the login of the account)")
        }
        let connectTimeout = table.integer("connect_timeout", in: 1...120) ?? 10
        let timeout = table.integer("timeout", in: 1...600) ?? 60
        let caFile = readCAFile(table, folder: folder)
        guard let host, let from, hostProblem(host) == nil, MailAddress.problem(with: from) == nil else { return nil }
        return SMTPSettings(
            host: host, port: port, security: security, user: user, passwordSource: source,
            from: MailAddress(from, name: fromName), connectTimeout: .seconds(connectTimeout),
            timeout: .seconds(timeout), caFile: caFile, file: table.file)
    }

    /// `password_file` (checked now: it exists and only its owner can read it) or `password_env`.
    static func readPasswordSource(_ table: TableReader, folder: String) -> SecretSource? {
        readSecretSource(
            table, fileKey: "password_file", envKey: "password_env", example: "FACTURATION_SMTP", folder: folder)
    }

    /// `<fileKey>` (checked now: it exists and only its owner can read it) or `<envKey>`, not both;
    /// nil when neither is given (the caller says whether one is needed).
    static func readSecretSource(
        _ table: TableReader, fileKey: String, envKey: String, example: String, folder: String
    ) -> SecretSource? {
        let file = table.string(fileKey)
        let variable = table.string(envKey)
        if file != nil, variable != nil { table.fail(key: envKey, "give \(fileKey) or \(envKey), not both") }
        if let file {
            let path = file.hasPrefix("/") ? file : Path.join(folder, file)
            if let problem = SMTPSettings.passwordFileProblem(path) { table.fail(key: fileKey, problem) }
            return .file(path)
        }
        if let variable {
            let valid =
                !variable.isEmpty
                && variable.unicodeScalars.allSatisfy {
                    $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "_")
                } && !("0"..."9").contains(variable.unicodeScalars.first!)
            if !valid { table.fail(key: envKey, "must be the name of an environment variable, like \(example)") }
            return .environment(variable)
        }
        return nil
    }

    /// `ca_file`, relative to the pipeline file's folder; checked now unless `checkedWhenUsed` (the
    /// producers look for it when they fetch, see ``APIAccess/key()``).
    static func readCAFile(_ table: TableReader, folder: String, checkedWhenUsed: Bool = false) -> String? {
        guard let name = table.string("ca_file") else { return nil }
        let path = name.hasPrefix("/") ? name : Path.join(folder, name)
        if !checkedWhenUsed, !Storage.exists(path) || Storage.isDirectory(path) {
            table.fail(key: "ca_file", "\(path) does not exist (a PEM file with the certificate of the server's CA)")
        }
        return path
    }

    /// Why `host` is not a host name or an IP address.
    private static func hostProblem(_ host: String) -> String? {
        let allowed = host.unicodeScalars.allSatisfy {
            $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || ".-:".unicodeScalars.contains($0))
        }
        guard !host.isEmpty, host.count <= 253, allowed, !host.hasPrefix("-"), !host.hasPrefix(".") else {
            return "must be a host name or an IP address, like smtp.example.fr (without smtp:// or a port)"
        }
        return nil
    }
}

extension SMTPSettings {
    /// The `[delivery.smtp]` table of the TOML text `text` (a pipeline file shown as `file`, in
    /// `folder`), with its mistakes as ``ConfigErrors``; for tests and tools that read the table
    /// alone. Other keys of `[delivery]` are left to their readers.
    package static func parse(toml text: String, file: String, folder: String) throws(ConfigErrors) -> SMTPSettings {
        let root: TOMLTable
        do throws(TOMLError) {
            root = try TOMLParser.parse(text)
        } catch {
            throw ConfigErrors([
                ConfigError(file: file, line: error.line, message: "column \(error.column): \(error.message)")
            ])
        }
        let sink = TableReader.ErrorSink()
        let top = TableReader(table: root, name: "", file: file, errors: sink)
        let smtp = top.subtable("delivery", required: true)?.subtable("smtp", required: true)
        let settings = smtp.flatMap { PipelineLoader.readSMTP($0, folder: folder) }
        guard sink.errors.isEmpty, let settings else {
            throw ConfigErrors(sink.errors.sorted { ($0.line ?? 0) < ($1.line ?? 0) })
        }
        return settings
    }
}
