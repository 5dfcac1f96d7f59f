/// Reading of the invoicing keys of a pipeline file (`[company]` legal mentions, client billing
/// keys, `[invoicing]`, `[approval]`, `[[contracts]]`); mistakes are reported with their line.
extension PipelineLoader {
    static func readLegalMentions(_ table: TableReader, into company: inout PipelineConfig.Company) {
        company.legalForm = table.string("legal_form")
        company.shareCapital = table.string("share_capital")
        company.rcsCity = table.string("rcs_city")
        if let siret = table.string("siret").map({ $0.filter { $0 != " " } }) {
            if siret.count != 14 || !siret.allSatisfy(\.isASCIIDigit) || !siret.hasPrefix(company.siren) {
                table.fail(key: "siret", "a SIRET is 14 digits starting with the SIREN \(company.siren)")
            }
            company.siret = siret
        }
        company.bic = table.string("bic").map { $0.filter { $0 != " " }.uppercased() }
        if let bic = company.bic, !(bic.count == 8 || bic.count == 11) {
            table.fail(key: "bic", "a BIC has 8 or 11 characters")
        }
        company.email = table.string("email")
        company.vatOnDebits = table.bool("vat_on_debits") ?? false
        company.vatFranchise = table.bool("vat_franchise") ?? false
    }

    static func readBilling(_ table: TableReader, name: String, franchise: Bool) -> ClientBilling {
        let (siren, vatNumber) = readClientIdentifiers(table)
        let address = readAddress(table, "address")
        let deliveryAddress = readAddress(table, "delivery_address")
        let terms = readPaymentTerms(table)
        let vat = readVATTreatment(table, franchise: franchise, vatNumber: vatNumber)
        let rate = readVATRate(table)
        let hourly = table.money("hourly_rate")
        let daily = table.money("daily_rate")
        if hourly != nil, daily != nil {
            table.fail(key: "daily_rate", "give hourly_rate or daily_rate, not both")
        }
        let method = (table.string("payment_method") ?? "VIR").uppercased()
        return ClientBilling(
            legalName: table.string("legal_name") ?? name, siren: siren, vatNumber: vatNumber, address: address,
            deliveryAddress: deliveryAddress,
            emails: table.strings("emails") ?? [], paymentTerms: terms, hourlyRateMinor: hourly,
            dailyRateMinor: daily, vat: vat, vatRateBasisPoints: vat == .standard ? rate : 0,
            oxygeneCode: table.string("oxygene_code"), paymentMethod: method)
    }

    /// A client's SIREN and VAT number, spaces removed; a French VAT number must match the SIREN.
    private static func readClientIdentifiers(_ table: TableReader) -> (siren: String?, vatNumber: String?) {
        let siren = table.string("siren").map { $0.filter { $0 != " " } }
        if let siren, let problem = Identifiers.sirenProblem(siren) { table.fail(key: "siren", problem) }
        let vatNumber = table.string("vat_number").map { $0.filter { $0 != " " }.uppercased() }
        if let vatNumber, vatNumber.hasPrefix("FR"),
            let problem = Identifiers.vatNumberProblem(vatNumber, siren: siren)
        {
            table.fail(key: "vat_number", problem)
        }
        return (siren, vatNumber)
    }

    /// The inline address table `key` of a client, nil when absent.
    private static func readAddress(_ table: TableReader, _ key: String) -> PipelineConfig.Address? {
        guard let addressTable = table.subtable(key) else { return nil }
        let lines = addressTable.strings("lines") ?? []
        if lines.isEmpty || lines.count > 3 {
            addressTable.fail(key: "lines", "give one to three street lines, like lines = [\"12 rue …\"]")
        }
        let country = (addressTable.string("country") ?? "FR").uppercased()
        if country.count != 2 || !country.allSatisfy({ $0.isASCII && $0.isLetter }) {
            addressTable.fail(key: "country", "use a two-letter ISO country code, like FR")
        }
        let address = PipelineConfig.Address(
            lines: lines, postcode: addressTable.string("postcode", required: true) ?? "",
            city: addressTable.string("city", required: true) ?? "", country: country)
        addressTable.finish()
        return address
    }

    /// `payment_terms` (30 days by default), within what French law allows.
    private static func readPaymentTerms(_ table: TableReader) -> PaymentTerms {
        var terms = PaymentTerms(days: 30, endOfMonth: false)
        if let text = table.string("payment_terms") {
            if let parsed = PaymentTerms(text: text) {
                terms = parsed
                if parsed.days > 60 || (parsed.endOfMonth && parsed.days > 45) {
                    table.fail(
                        key: "payment_terms", "French law (L441-10) allows at most 60 days, or 45 days end of month")
                }
            } else {
                table.fail(key: "payment_terms", "write \"30 days\" or \"45 days end of month\" (found \"\(text)\")")
            }
        }
        return terms
    }

    /// `vat`: the company's franchise forces it; reverse charge needs the client's VAT number.
    private static func readVATTreatment(_ table: TableReader, franchise: Bool, vatNumber: String?) -> VATTreatment {
        let vat = table.choice("vat", VATTreatment.self) ?? (franchise ? .franchise : .standard)
        if franchise, vat != .franchise {
            table.fail(key: "vat", "the company is under the franchise (company.vat_franchise = true): remove this key")
        }
        if vat == .reverseCharge, vatNumber == nil {
            table.fail(key: "vat", "reverse charge needs the client's VAT number (add vat_number = \"…\")")
        }
        return vat
    }

    /// `vat_rate` in basis points (20 % by default); only the French rates are accepted.
    private static func readVATRate(_ table: TableReader) -> Int {
        var rate = 2000
        if let text = table.decimalText("vat_rate") {
            switch DecimalText.minorUnits(text.text, scale: 2, style: .dotDecimal) {
            case .success(let value) where [0, 210, 550, 1000, 2000].contains(value): rate = Int(value)
            default: table.fail(text.line, "\(table.qualified("vat_rate")): use a French rate: 20, 10, 5.5, 2.1 or 0")
            }
        }
        return rate
    }

    static func readInvoicing(
        _ top: TableReader, clients: [PipelineConfig.Client],
        company: PipelineConfig.Company?
    ) -> InvoicingSettings? {
        let contractTables = top.tables("contracts")
        let approvalTable = top.subtable("approval")
        let oxygene = readOxygene(top.subtable("oxygene"))
        guard let table = top.subtable("invoicing") else {
            if let first = contractTables.first {
                first.fail(
                    first.table.position.line, "contracts need an [invoicing] section (at least start = 2025-07-01)")
            }
            approvalTable?.finish()
            return nil
        }
        let start = table.date("start") ?? CivilDate(year: 2000, month: 1, day: 1)!
        if table.table["start"] == nil {
            table.fail(
                table.table.position.line,
                "invoicing.start is missing: the first day facturation invoices "
                    + "(add start = 2025-07-01; nothing before it is ever invoiced)")
        }
        let scheme = readNumbering(table)
        var settings = InvoicingSettings(
            start: start,
            numbering: scheme
                ?? NumberingScheme(
                    invoicePattern: try! .init("F{SEQ:1}"), creditNotePattern: try! .init("A{SEQ:1}"),
                    sharedCounter: false),
            timeInvoiceDay: readTimeInvoiceDay(table),
            groupTimeBy: table.choice("group_time_by", InvoicingSettings.TimeGrouping.self) ?? .project,
            hoursRounding: table.choice("hours_rounding", InvoicingSettings.HoursRounding.self) ?? .upQuarter,
            hoursPerDay: table.integer("hours_per_day", in: 1...24) ?? 7,
            hourlyArticle: table.string("hourly_article") ?? "PREST-ING-H",
            dailyArticle: table.string("daily_article") ?? "PRES-FORF-J",
            latePenaltyText: table.string("late_penalty")
                ?? "Pénalités de retard : trois fois le taux d'intérêt légal, "
                + "exigibles dès le lendemain de la date d'échéance",
            recoveryIndemnityText: table.string("recovery_indemnity")
                ?? "Indemnité forfaitaire pour frais de recouvrement en cas de retard de paiement : 40 €",
            discountText: table.string("discount") ?? "Pas d'escompte pour paiement anticipé",
            paymentMeansCode: table.string("payment_means_code") ?? "58",
            approval: readApproval(approvalTable),
            contracts: readContracts(contractTables, clients: clients))
        settings.oxygene = oxygene
        settings.numberingMode = table.choice("numbering", NumberingMode.self) ?? .facturation
        table.finish()
        checkWhatInvoicesNeed(settings, table: table, clients: clients, company: company)
        return settings
    }

    /// The invoice and credit-note number patterns and where their counters resume; nil when a
    /// pattern is invalid (already reported).
    private static func readNumbering(_ table: TableReader) -> NumberingScheme? {
        let invoicePattern = readPattern(table, "invoice_number", "F{YYYY}{MM}{SEQ:2}")
        let creditPattern = readPattern(table, "credit_note_number", "A{YYYY}{MM}{SEQ:2}")
        let shared = table.bool("shared_counter") ?? true
        guard let invoicePattern, let creditPattern else { return nil }
        if shared, invoicePattern.dateTokens != creditPattern.dateTokens {
            table.fail(
                key: "credit_note_number",
                "with shared_counter = true both patterns need the same date "
                    + "tokens ({YYYY}, {MM}…)")
        }
        if invoicePattern.render(period: invoicePattern.dateTokens, sequence: 1)
            == creditPattern.render(period: creditPattern.dateTokens, sequence: 1)
        {
            table.fail(key: "credit_note_number", "credit notes need their own prefix (e.g. A{YYYY}{MM}{SEQ:2})")
        }
        var numbering = NumberingScheme(
            invoicePattern: invoicePattern, creditNotePattern: creditPattern,
            sharedCounter: shared)
        if let next = table.string("next_invoice_number") {
            if let parsed = invoicePattern.parse(next) {
                numbering.resumeInvoice = parsed
            } else {
                table.fail(
                    key: "next_invoice_number", "\"\(next)\" does not follow invoice_number = \"\(invoicePattern)\"")
            }
        }
        if let next = table.string("next_credit_note_number") {
            if let parsed = creditPattern.parse(next) {
                numbering.resumeCreditNote = parsed
            } else {
                table.fail(
                    key: "next_credit_note_number",
                    "\"\(next)\" does not follow credit_note_number = \"\(creditPattern)\"")
            }
        }
        return numbering
    }

    /// The number pattern `key` (or `fallback`), nil after reporting why it is invalid.
    private static func readPattern(_ table: TableReader, _ key: String, _ fallback: String) -> NumberingScheme.Pattern?
    {
        let text = table.string(key) ?? fallback
        do throws(NumberingScheme.PatternError) {
            return try NumberingScheme.Pattern(text)
        } catch {
            table.fail(key: key, error.message)
            return nil
        }
    }

    /// What issuing invoices needs outside `[invoicing]`: the company's IBAN for payment by transfer,
    /// an address for every client with a contract.
    private static func checkWhatInvoicesNeed(
        _ settings: InvoicingSettings, table: TableReader,
        clients: [PipelineConfig.Client], company: PipelineConfig.Company?
    ) {
        if let company, company.iban == nil, settings.paymentMeansCode == "58" || settings.paymentMeansCode == "30" {
            table.fail(table.table.position.line, "invoices are paid by transfer: add company.iban")
        }
        for client in clients where settings.contracts.contains(where: { $0.clientCode == client.code }) {
            if client.billing?.address == nil {
                table.fail(
                    table.table.position.line,
                    "client \(client.code) has a contract but no address: add "
                        + "address = { lines = [\"…\"], postcode = \"…\", city = \"…\" } to its [[clients]] entry")
            }
        }
    }

    private static func readApproval(_ table: TableReader?) -> InvoicingSettings.ApprovalRules {
        var rules = InvoicingSettings.ApprovalRules()
        guard let table else { return rules }
        rules.autoApproveContracts = table.bool("auto_approve_contracts") ?? true
        if let flag = table.bool("above_total_enabled"), !flag { rules.approvalAboveMinor = nil }
        if let above = table.money("above_total") { rules.approvalAboveMinor = above }
        rules.approveNewClients = table.bool("new_clients") ?? true
        if let below = table.money("refuse_below_total") { rules.refuseBelowMinor = below }
        if let percent = table.integer("deviation_percent", in: 0...1000) {
            rules.deviationPercent = percent == 0 ? nil : percent
        }
        table.finish()
        return rules
    }

    /// The months a contract is billed in: every month, the quarter's four, or the year's one.
    private static func billingMonths(_ table: TableReader, frequency: Contract.Frequency) -> [Int] {
        var months = table.integers("months", in: 1...12) ?? []
        switch frequency {
        case .monthly:
            if !months.isEmpty {
                table.fail(key: "months", "a monthly contract is billed every month: remove months")
            }
            months = Array(1...12)
        case .quarterly:
            if months.isEmpty { months = [1, 4, 7, 10] }
            let sorted = months.sorted()
            if sorted.count != 4 || zip(sorted, sorted.dropFirst()).contains(where: { $1 - $0 != 3 }) {
                table.fail(key: "months", "a quarterly contract needs four months three apart, like [1, 4, 7, 10]")
            }
        case .yearly:
            if months.isEmpty { months = [1] }
            if months.count != 1 { table.fail(key: "months", "a yearly contract is billed in one month, like [1]") }
        }
        return months
    }

    /// `time_invoice_day`: a day of the next month (1…28) or `"last"` (see ``InvoicingSettings/TimeInvoiceDay``).
    private static func readTimeInvoiceDay(_ table: TableReader) -> InvoicingSettings.TimeInvoiceDay {
        guard let value = table.table["time_invoice_day"] else { return .nextMonth(day: 1) }
        if case .string = value.kind {
            if table.string("time_invoice_day")?.trimmed.lowercased() == "last" { return .lastDayOfMonth }
            table.fail(
                key: "time_invoice_day",
                "use a day of the next month (1 to 28) or \"last\" (the last day of the month invoiced)")
            return .nextMonth(day: 1)
        }
        return .nextMonth(day: table.integer("time_invoice_day", in: 1...28) ?? 1)
    }

    private static func readContracts(_ tables: [TableReader], clients: [PipelineConfig.Client]) -> [Contract] {
        var contracts: [Contract] = []
        var ids: [String: Int] = [:]
        for table in tables {
            let clientCode = table.string("client", required: true) ?? ""
            if !clientCode.isEmpty, !clients.contains(where: { $0.code == clientCode }) {
                table.fail(
                    key: "client",
                    "no client has code \"\(clientCode)\" (codes: "
                        + clients.map(\.code).joined(separator: ", ") + ")")
            }
            let amount = table.money("amount", required: true) ?? 0
            let frequency = table.choice("frequency", Contract.Frequency.self) ?? .monthly
            if table.table["frequency"] == nil {
                table.fail(
                    table.table.position.line,
                    "\(table.name).frequency is missing (monthly, quarterly or yearly)")
            }
            let day = table.integer("day", in: 1...28) ?? 1
            let months = billingMonths(table, frequency: frequency)
            let label = table.string("label", required: true) ?? ""
            let id = table.string("id") ?? "\(clientCode)-\(frequency.rawValue)"
            if id.isEmpty || !id.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_") }) {
                table.fail(key: "id", "a contract id uses only letters, digits, - and _")
            }
            if let first = ids[id] {
                table.fail(
                    table.table.position.line,
                    "\(table.name): the contract id \"\(id)\" is already used on line "
                        + "\(first); give each contract of a client an id = \"…\"")
            } else {
                ids[id] = table.table.position.line
            }
            let start = table.date("start")
            let end = table.date("end")
            if let start, let end, end < start { table.fail(key: "end", "the contract ends before it starts") }
            if amount == 0 { table.fail(key: "amount", "a contract amount must be above zero") }
            contracts.append(
                Contract(
                    id: id, clientCode: clientCode, amountMinor: amount, frequency: frequency, day: day,
                    months: months.sorted(), label: label, article: table.string("article") ?? "MAINT-FORF-M",
                    start: start, end: end, location: "\(table.file):\(table.table.position.line)"))
            table.finish()
        }
        return contracts
    }
}
