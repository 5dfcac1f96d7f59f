import Foundation

/// Loads and validates `pipelines/*.toml`; every mistake of every file is reported at once,
/// each as `file:line: message`, and nothing runs until they are fixed.
package enum PipelineLoader {
    /// Loads every pipeline of a workspace (sorted by id).
    package static func loadAll(workspace: Workspace) throws(ConfigErrors) -> [PipelineConfig] {
        let folder = workspace.pipelines
        guard Storage.isDirectory(folder) else {
            throw ConfigErrors([
                ConfigError(
                    file: Path.relative(folder, to: workspace.root), line: nil,
                    message: "this folder is missing, so \(workspace.root) is not a workspace. "
                        + "Create one with `facturation init DIR`, or point --workspace at an existing one.")
            ])
        }
        let names = (try? Storage.list(folder)) ?? []
        let files = names.filter { $0.hasSuffix(".toml") && !$0.hasPrefix(".") }
        guard !files.isEmpty else {
            throw ConfigErrors([
                ConfigError(
                    file: Path.relative(folder, to: workspace.root), line: nil,
                    message: "no pipeline file (*.toml). Copy the example written by `facturation init`, "
                        + "or see the README's configuration section.")
            ])
        }
        var pipelines: [PipelineConfig] = []
        var errors: [ConfigError] = []
        for name in files {
            let path = Path.join(folder, name)
            let shown = Path.relative(path, to: workspace.root)
            do throws(ConfigErrors) {
                pipelines.append(try load(path: path, shownAs: shown))
            } catch {
                errors.append(contentsOf: error.errors)
            }
        }
        guard errors.isEmpty else { throw ConfigErrors(errors) }
        return pipelines
    }

    /// Loads one pipeline file.
    package static func load(path: String, shownAs shown: String) throws(ConfigErrors) -> PipelineConfig {
        let id = String(Path.name(of: path).dropLast(".toml".count))
        let text: String
        do throws(StorageError) {
            text = try Storage.readText(path, limit: 4 << 20)
        } catch {
            throw ConfigErrors([ConfigError(file: shown, line: nil, message: "cannot be read: \(error)")])
        }
        let root: TOMLTable
        do throws(TOMLError) {
            root = try TOMLParser.parse(text)
        } catch {
            throw ConfigErrors([
                ConfigError(
                    file: shown, line: error.line,
                    message: "column \(error.column): \(error.message)")
            ])
        }
        let sink = TableReader.ErrorSink()
        if id.isEmpty
            || !id.unicodeScalars.allSatisfy({
                $0.isASCII && ($0.properties.isAlphabetic || ("0"..."9").contains($0) || $0 == "-" || $0 == "_")
            })
        {
            sink.errors.append(
                ConfigError(
                    file: shown, line: nil,
                    message: "the file name must use only letters, digits, - and _ (it becomes the pipeline id)"))
        }
        let top = TableReader(table: root, name: "", file: shown, errors: sink)
        let config = read(top, id: id, path: path, sink: sink)
        top.finish()
        guard sink.errors.isEmpty, let config else {
            throw ConfigErrors(sink.errors.sorted { ($0.line ?? 0) < ($1.line ?? 0) })
        }
        return config
    }

    // MARK: - Sections

    private static func read(
        _ top: TableReader, id: String, path: String, sink: TableReader.ErrorSink
    ) -> PipelineConfig? {
        let companyTable = top.subtable("company", required: true)
        var company = companyTable.map(readCompany)
        if let companyTable { company?.logo = readLogo(companyTable, folder: Path.parent(of: path)) }
        let (timeZone, currency) = readZoneAndCurrency(companyTable)
        let inbox = readInbox(top.subtable("inbox"))
        let clockify = readClockify(top.subtable("clockify"))
        let clients = readClients(top.tables("clients"), franchise: company?.vatFranchise ?? false)
        let rules = readRules(top.tables("rules"))
        let invoicing = readInvoicing(top, clients: clients, company: company)
        let accounting = readAccounting(top.subtable("accounting"))
        let delivery = readDelivery(top.subtable("delivery"), folder: Path.parent(of: path))
        let dunning = readDunning(top.subtable("dunning"))
        let forecast = readForecast(top.subtable("forecast"))
        let digest = readDigest(top.subtable("digest"), delivery: delivery)
        let dashboard = readDashboard(top.subtable("dashboard"))
        let fetchTable = top.subtable("fetch")
        // [fetch.mail] first: readFetch reports every key of [fetch] it did not read as unknown.
        let fetchMail = readFetchMail(fetchTable, folder: Path.parent(of: path))
        let fetch = readFetch(
            fetchTable, folder: Path.parent(of: path),
            ownIBANs: company?.ownIBANs ?? [])
        guard let company else { return nil }
        var config = PipelineConfig(
            id: id, file: top.file, company: company, timeZone: timeZone, currency: currency,
            inbox: inbox, clockify: clockify, clients: clients, categoryRules: rules,
            invoicing: invoicing, accounting: accounting)
        config.delivery = delivery
        config.dunning = dunning
        config.forecast = forecast
        config.digest = digest
        config.dashboard = dashboard
        config.fetch = fetch
        config.fetchMail = fetchMail
        return config
    }

    /// The company's time zone (required, an IANA name) and currency (default EUR).
    private static func readZoneAndCurrency(_ companyTable: TableReader?) -> (TimeZone, Currency) {
        var timeZone = TimeZone(identifier: "Europe/Paris") ?? TimeZone(secondsFromGMT: 3_600)!
        var currency = Currency.euro
        guard let companyTable else { return (timeZone, currency) }
        if let zone = companyTable.string("time_zone", required: true) {
            if let known = TimeZone(identifier: zone) {
                timeZone = known
            } else {
                companyTable.fail(
                    key: "time_zone", "unknown time zone \"\(zone)\" (use an IANA name like Europe/Paris)")
            }
        }
        if let code = companyTable.string("currency") {
            if let parsed = Currency(code: code) {
                currency = parsed
            } else {
                companyTable.fail(key: "currency", "\"\(code)\" is not an ISO 4217 currency code (like EUR)")
            }
        }
        companyTable.finish()
        return (timeZone, currency)
    }

    private static func readInbox(_ table: TableReader?) -> PipelineConfig.InboxSettings {
        var inbox = PipelineConfig.InboxSettings(settleSeconds: 2)
        guard let table else { return inbox }
        if let value = table.decimalText("settle_seconds") {
            if let seconds = Double(value.text), seconds >= 0, seconds <= 3600 {
                inbox.settleSeconds = seconds
            } else {
                table.fail(value.line, "inbox.settle_seconds must be between 0 and 3600")
            }
        }
        table.finish()
        return inbox
    }

    private static func readClockify(_ table: TableReader?) -> PipelineConfig.ClockifySettings {
        var clockify = PipelineConfig.ClockifySettings(dateOrder: nil)
        guard let table else { return clockify }
        if let format = table.string("date_format") {
            switch format.trimmed.uppercased() {
            case "AUTO": clockify.dateOrder = nil
            case "DD/MM/YYYY", "DD-MM-YYYY", "DD.MM.YYYY": clockify.dateOrder = .dayFirst
            case "MM/DD/YYYY", "MM-DD-YYYY": clockify.dateOrder = .monthFirst
            default:
                table.fail(
                    key: "date_format", "expected \"auto\", \"DD/MM/YYYY\" or \"MM/DD/YYYY\" (found \"\(format)\")")
            }
        }
        table.finish()
        return clockify
    }

    /// `company.logo`: a PNG file (at most 2 MB), relative to the pipeline file's folder; checked
    /// now, so that a missing or wrong file is reported with its line rather than at the first invoice.
    private static func readLogo(_ table: TableReader, folder: String) -> String? {
        guard let name = table.string("logo") else { return nil }
        let path = name.hasPrefix("/") ? name : Path.join(folder, name)
        let head = (try? Storage.read(path, limit: 2 << 20)).map { Array($0.prefix(24)) }
        guard let head else {
            table.fail(key: "logo", "\(path) cannot be read (a PNG file of at most 2 MB, next to the pipeline file)")
            return nil
        }
        guard head.count == 24, head.prefix(8).elementsEqual([0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A]) else {
            table.fail(key: "logo", "\(path) is not a PNG file (save the logo as PNG)")
            return nil
        }
        // The image is decoded whole: 2 MB of PNG may declare 30,000 × 30,000 pixels (3.6 GB).
        let width = head[16..<20].reduce(0) { $0 << 8 | Int($1) }
        let height = head[20..<24].reduce(0) { $0 << 8 | Int($1) }
        guard (1...4_000).contains(width), (1...4_000).contains(height) else {
            table.fail(
                key: "logo", "\(path) is \(width) × \(height) pixels: save it at most 4000 × 4000 (600 × 200 is plenty)"
            )
            return nil
        }
        return path
    }

    private static func readCompany(_ table: TableReader) -> PipelineConfig.Company {
        let name = table.string("name", required: true) ?? ""
        let siren = table.string("siren", required: true).map { $0.filter { $0 != " " } } ?? ""
        if !siren.isEmpty, let problem = Identifiers.sirenProblem(siren) { table.fail(key: "siren", problem) }
        let vat = table.string("vat_number")
        if let vat, let problem = Identifiers.vatNumberProblem(vat, siren: siren.isEmpty ? nil : siren) {
            table.fail(key: "vat_number", problem)
        }
        let iban = table.string("iban")
        if let iban, let problem = Identifiers.ibanProblem(iban) { table.fail(key: "iban", problem) }
        let others = table.strings("other_ibans") ?? []
        for other in others {
            if let problem = Identifiers.ibanProblem(other) { table.fail(key: "other_ibans", problem) }
        }
        var address = PipelineConfig.Address(lines: [], postcode: "", city: "", country: "FR")
        if let addressTable = table.subtable("address", required: true) {
            address.lines = addressTable.strings("lines") ?? []
            if address.lines.isEmpty {
                addressTable.fail(
                    addressTable.table.position.line,
                    "company.address.lines is missing (add lines = [\"12 rue …\"])")
            }
            address.postcode = addressTable.string("postcode", required: true) ?? ""
            address.city = addressTable.string("city", required: true) ?? ""
            let country = addressTable.string("country") ?? "FR"
            if country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isUppercase }) {
                addressTable.fail(key: "country", "use a two-letter ISO country code, like FR")
            }
            address.country = country
            addressTable.finish()
        }
        var company = PipelineConfig.Company(
            name: name, siren: siren, vatNumber: vat.map { BankRecord.normalizeIBAN($0) },
            iban: iban.map(BankRecord.normalizeIBAN), otherIBANs: others.map(BankRecord.normalizeIBAN),
            address: address)
        readLegalMentions(table, into: &company)
        return company
    }

    private static func readClients(_ tables: [TableReader], franchise: Bool) -> [PipelineConfig.Client] {
        var clients: [PipelineConfig.Client] = []
        var codes: [String: Int] = [:]
        var names: [String: (code: String, line: Int)] = [:]
        for table in tables {
            let code = table.string("code", required: true) ?? ""
            let name = table.string("name", required: true) ?? ""
            let aliases = table.strings("aliases") ?? []
            if !code.isEmpty, let problem = Identifiers.clientCodeProblem(code) {
                table.fail(key: "code", problem)
            }
            if !code.isEmpty {
                if let first = codes[code] {
                    table.fail(key: "code", "the client code \"\(code)\" is already used on line \(first)")
                } else {
                    codes[code] = table.line(of: "code")
                }
            }
            for alias in [code, name] + aliases where !alias.trimmed.isEmpty {
                let folded = GlobPattern.fold(alias)
                if let other = names[folded], other.code != code {
                    table.fail(
                        table.line(of: "aliases"),
                        "\(table.name): the name \"\(alias)\" also names client \(other.code) (line \(other.line)); "
                            + "each name must lead to one client")
                } else {
                    names[folded] = (code, table.line(of: "code"))
                }
            }
            let billing = readBilling(table, name: name, franchise: franchise)
            let payerIBANs = table.strings("payer_ibans") ?? []
            for iban in payerIBANs {
                if let problem = Identifiers.ibanProblem(iban) { table.fail(key: "payer_ibans", problem) }
            }
            let payerNames = table.strings("payer_names") ?? []
            let reminders = table.bool("reminders") ?? true
            table.finish()
            clients.append(
                PipelineConfig.Client(
                    code: code, name: name, aliases: aliases, billing: billing,
                    payerIBANs: payerIBANs, payerNames: payerNames, reminders: reminders))
        }
        return clients
    }

    private static func readRules(_ tables: [TableReader]) -> [PipelineConfig.CategoryRule] {
        var rules: [PipelineConfig.CategoryRule] = []
        for table in tables {
            let categoryText = table.string("category", required: true) ?? ""
            let category = PipelineConfig.Category(rawValue: categoryText.uppercased())
            if category == nil, !categoryText.isEmpty {
                table.fail(key: "category", "expected FORFAIT, FACTURABLE or INTERNE (found \"\(categoryText)\")")
            }
            func pattern(_ key: String) -> GlobPattern? {
                guard let text = table.string(key) else { return nil }
                if text.trimmed.isEmpty { table.fail(key: key, "the pattern is empty"); return nil }
                return GlobPattern(text)
            }
            let rule = PipelineConfig.CategoryRule(
                category: category ?? .facturable, client: pattern("client"), project: pattern("project"),
                task: pattern("task"), tag: pattern("tag"), description: pattern("description"),
                billable: table.bool("billable"), location: "\(table.file):\(table.table.position.line)")
            if rule.client == nil, rule.project == nil, rule.task == nil, rule.tag == nil, rule.description == nil,
                rule.billable == nil
            {
                table.fail(
                    table.table.position.line,
                    "\(table.name) has no condition: add client, project, task, "
                        + "tag, description or billable")
            }
            table.finish()
            if category != nil { rules.append(rule) }
        }
        return rules
    }
}
