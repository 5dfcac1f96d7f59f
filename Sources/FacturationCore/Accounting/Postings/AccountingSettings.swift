/// The `[accounting]` section: journals, accounts and FEC format, with French defaults.
package struct AccountingSettings: Sendable {
    package struct Journal: Sendable, Equatable {
        package var code: String
        package var label: String
    }

    package struct Account: Sendable, Equatable {
        package var number: String
        package var label: String
    }

    /// A bank line that is not a customer receipt goes to `account` when its text matches.
    package struct BankRule: Sendable {
        /// Matched against the counterparty name, the label and the remittance text (case-insensitive).
        package var pattern: GlobPattern
        package var account: Account
        package var location: String
    }

    package var sales = Journal(code: "VT", label: "Ventes")
    package var bank = Journal(code: "BQ", label: "Banque")
    package var misc = Journal(code: "OD", label: "Opérations diverses")
    package var clients = Account(number: "411000", label: "Clients")
    package var revenue = Account(number: "706000", label: "Prestations de services")
    package var vatCollected = Account(number: "445710", label: "TVA collectée")
    /// VAT on services is due when paid (unless the company opted for debits): it waits here.
    package var vatOnReceipts = Account(number: "445740", label: "TVA collectée sur encaissements")
    package var bankAccount = Account(number: "512000", label: "Banque")
    /// Where bank lines that no rule explains wait for the accountant.
    package var suspense = Account(number: "471000", label: "Compte d'attente")
    package var rules: [BankRule] = []
    package var format = FECFormat()
    /// Last month and day of the fiscal year (12-31 by default).
    package var fiscalYearEndMonth = 12
    package var fiscalYearEndDay = 31

    package init() {}

    /// Whether `number` starts like an account of the French PCG: three digits, the first (the class)
    /// from 1 to 8. The FEC checker refuses anything else (FEC-17), so the pipeline file does too.
    static func isPCGAccountNumber(_ number: String) -> Bool {
        let prefix = Array(number.utf8.prefix(3))
        return prefix.count == 3 && prefix.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } && (0x31...0x38).contains(prefix[0])
    }

    /// The fiscal year that contains `date`: its first and last days.
    package func fiscalYear(containing date: CivilDate) -> (start: CivilDate, end: CivilDate) {
        let endThisYear = CivilDate(
            year: date.year, month: fiscalYearEndMonth,
            day: min(fiscalYearEndDay, CivilDate.daysInMonth(year: date.year, month: fiscalYearEndMonth)))!
        let end =
            date <= endThisYear
            ? endThisYear
            : CivilDate(
                year: date.year + 1, month: fiscalYearEndMonth,
                day: min(fiscalYearEndDay, CivilDate.daysInMonth(year: date.year + 1, month: fiscalYearEndMonth)))!
        let previousEnd = CivilDate(
            year: end.year - 1, month: fiscalYearEndMonth,
            day: min(fiscalYearEndDay, CivilDate.daysInMonth(year: end.year - 1, month: fiscalYearEndMonth)))!
        return (previousEnd.adding(days: 1), end)
    }
}

extension PipelineLoader {
    static func readAccounting(_ table: TableReader?) -> AccountingSettings {
        var settings = AccountingSettings()
        guard let table else { return settings }
        func journal(_ key: String, _ fallback: AccountingSettings.Journal) -> AccountingSettings.Journal {
            AccountingSettings.Journal(
                code: table.string(key + "_journal") ?? fallback.code,
                label: table.string(key + "_journal_label") ?? fallback.label)
        }
        func account(_ key: String, _ fallback: AccountingSettings.Account) -> AccountingSettings.Account {
            let number = table.string(key + "_account") ?? fallback.number
            if !AccountingSettings.isPCGAccountNumber(number) {
                table.fail(
                    key: key + "_account",
                    "an account number starts with three digits of the French PCG, "
                        + "the first from 1 to 8 (its class), like 411000")
            }
            return AccountingSettings.Account(
                number: number, label: table.string(key + "_account_label") ?? fallback.label)
        }
        settings.sales = journal("sales", settings.sales)
        settings.bank = journal("bank", settings.bank)
        settings.misc = journal("misc", settings.misc)
        settings.clients = account("clients", settings.clients)
        settings.revenue = account("revenue", settings.revenue)
        settings.vatCollected = account("vat_collected", settings.vatCollected)
        settings.vatOnReceipts = account("vat_on_receipts", settings.vatOnReceipts)
        settings.bankAccount = account("bank", settings.bankAccount)
        settings.suspense = account("suspense", settings.suspense)
        readFECFormat(table, into: &settings.format)
        readFiscalYearEnd(table, into: &settings)
        settings.rules = table.tables("rules").map(readBankRule)
        table.finish()
        return settings
    }

    /// `fec_separator` and `fec_encoding`: only what the law allows for a FEC.
    private static func readFECFormat(_ table: TableReader, into format: inout FECFormat) {
        if let separator = table.string("fec_separator") {
            switch separator {
            case "|": format.separator = .pipe
            case "tab", "\t": format.separator = .tab
            default: table.fail(key: "fec_separator", "use \"|\" or \"tab\" (the law allows only these)")
            }
        }
        if let encoding = table.string("fec_encoding") {
            switch encoding.uppercased() {
            case "UTF-8", "UTF8": format.encoding = .utf8
            case "ISO-8859-15", "LATIN-9", "LATIN9": format.encoding = .iso8859_15
            default: table.fail(key: "fec_encoding", "use \"UTF-8\" or \"ISO-8859-15\"")
            }
        }
    }

    /// `fiscal_year_end` as `MM-DD`.
    private static func readFiscalYearEnd(_ table: TableReader, into settings: inout AccountingSettings) {
        guard let end = table.string("fiscal_year_end") else { return }
        let parts = end.split(separator: "-").compactMap { Int($0) }
        if parts.count == 2, (1...12).contains(parts[0]), (1...31).contains(parts[1]) {
            settings.fiscalYearEndMonth = parts[0]
            settings.fiscalYearEndDay = parts[1]
        } else {
            table.fail(key: "fiscal_year_end", "write the last day of the fiscal year as MM-DD, like \"12-31\"")
        }
    }

    /// One `[[accounting.rules]]` entry: bank lines whose label matches `match` go to `account`.
    private static func readBankRule(_ rule: TableReader) -> AccountingSettings.BankRule {
        let pattern = rule.string("match", required: true) ?? ""
        let number = rule.string("account", required: true) ?? ""
        if !number.isEmpty, !AccountingSettings.isPCGAccountNumber(number) {
            rule.fail(
                key: "account",
                "an account number starts with three digits, the first from 1 to 8 (its "
                    + "class in the French PCG), like 626100")
        }
        let bankRule = AccountingSettings.BankRule(
            pattern: GlobPattern(pattern),
            account: .init(number: number, label: rule.string("label", required: true) ?? ""),
            location: "\(rule.file):\(rule.table.position.line)")
        rule.finish()
        return bankRule
    }
}
