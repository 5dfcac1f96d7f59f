import Foundation
import Testing

@testable import FacturationCore

#if canImport(FoundationXML)
import FoundationXML
#endif

/// Builders shared by the forecast tests.
enum ForecastFixtures {
    static func day(_ text: String) -> CivilDate { CivilDate(iso: text)! }

    static func bank(_ amount: Int64, _ name: String, on date: CivilDate, key: String? = nil) -> BankLine {
        BankLine(
            key: key ?? "test:\(name):\(date):\(amount)", bookingDate: date, amountMinor: amount,
            counterpartyName: name, counterpartyIBAN: "", label: name, remittance: "", transactionID: "")
    }

    static func invoice(
        _ number: String, client: String, total: Int64, issued: CivilDate, due: CivilDate, draftID: String? = nil
    ) -> InvoiceDocument {
        var document = PaymentMatcherTests.invoice(number, client: client, total: total, on: issued.description)
        document.dueDate = due
        if let draftID { document.origin = .init(type: .recurring, draftID: draftID, contract: nil, period: nil) }
        return document
    }

    static func match(_ invoice: String, _ amount: Int64, on date: CivilDate) -> PaymentMatch {
        PaymentMatch(
            receipt: "test:\(invoice):\(date)", bookingDate: date, amountMinor: amount, rule: "reference",
            allocations: [.init(invoice: invoice, amountMinor: amount)], by: "rule", evidence: "", source: nil)
    }

    /// A pipeline file loaded as `facturation` loads it.
    static func pipeline(_ toml: String) throws -> Result<PipelineConfig, ConfigErrors> {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("test.toml").path
        try toml.write(toFile: path, atomically: true, encoding: .utf8)
        do { return .success(try PipelineLoader.load(path: path, shownAs: "pipelines/test.toml")) } catch {
            return .failure(error)
        }
    }

    static let company = """
        [company]
        name = "Test Conseil SAS"
        siren = "812345676"
        time_zone = "Europe/Paris"
        iban = "FR72 1695 8000 0101 2345 6789 012"

        [company.address]
        lines = ["12 rue de la République"]
        postcode = "13001"
        city = "Marseille"

        """

    static func client(_ code: String, terms: String = "30 days") -> String {
        """
        [[clients]]
        code = "\(code)"
        name = "Client \(code)"
        legal_name = "Client \(code) SAS"
        address = { lines = ["1 rue"], postcode = "13001", city = "Marseille" }
        emails = ["compta@\(code.lowercased()).example"]
        hourly_rate = 100
        payment_terms = "\(terms)"

        """
    }
}

@Suite("Cash-flow forecast: payment delays and expected receipts")
struct ForecastReceiptTests {
    typealias F = ForecastFixtures

    @Test func theDelayIsTheLowerMedianOfDaysLateOverPaidInvoicesWithoutCreditNotes() {
        let due = F.day("2025-06-30")
        var issued: [InvoiceDocument] = []
        var matches: [PaymentMatch] = []
        // Client A: 3, -2, 10 days late → 3. Client B: 5 and 9 → 5 (the lower of the middle two).
        for (index, (client, late)) in [("A", 3), ("A", -2), ("A", 10), ("B", 9), ("B", 5)].enumerated() {
            issued.append(F.invoice("F\(index)", client: client, total: 10_000, issued: F.day("2025-06-01"), due: due))
            matches.append(F.match("F\(index)", 10_000, on: due.adding(days: late)))
        }
        // Client A also has an invoice settled 100 days late, half by a credit note: left out.
        issued.append(F.invoice("F9", client: "A", total: 10_000, issued: F.day("2025-06-01"), due: due))
        var note = F.invoice("A1", client: "A", total: 5_000, issued: F.day("2025-07-01"), due: F.day("2025-07-01"))
        note.kind = .creditNote
        note.precedingInvoice = .init(number: "F9", issueDate: F.day("2025-06-01"))
        issued.append(note)
        matches.append(F.match("F9", 5_000, on: due.adding(days: 100)))
        // Client B: a partial payment says nothing yet.
        issued.append(F.invoice("F10", client: "B", total: 10_000, issued: F.day("2025-06-01"), due: due))
        matches.append(F.match("F10", 4_000, on: due.adding(days: 60)))
        var receivables = Receivables(issued: issued)
        for match in matches { receivables.apply(match) }
        let delays = PaymentDelays(
            receivables: receivables, creditNotes: ["A1"], today: F.day("2025-12-31"), defaultDays: 7)
        #expect(delays.delay(of: "A") == 3)
        #expect(delays.delay(of: "B") == 5)
        #expect(delays.counts["A"] == 3 && delays.counts["B"] == 2)
        #expect(delays.delay(of: "C") == 7, "no history: default_delay_days")
        // Payments after "today" are not known yet.
        let earlier = PaymentDelays(
            receivables: receivables, creditNotes: ["A1"], today: due.adding(days: 4), defaultDays: 0)
        #expect(earlier.delay(of: "A") == -2)
        #expect(PaymentDelays.median([4]) == 4 && PaymentDelays.median([1, 2, 3, 4]) == 2)
    }

    @Test func anAmountIsExpectedAtDuePlusDelayAndAnOverdueOneAtTodayPlusDelayNeverBeforeTomorrow() {
        let today = F.day("2025-10-01")
        let expected = ExpectedReceipts(
            delays: PaymentDelays(byClient: ["LATE": 10, "EARLY": -3], defaultDays: 0), today: today, horizon: 90)
        #expect(expected.expectedDate(due: F.day("2025-10-05"), client: "LATE") == F.day("2025-10-15"))
        #expect(expected.expectedDate(due: F.day("2025-09-11"), client: "LATE") == F.day("2025-10-11"))
        #expect(expected.expectedDate(due: F.day("2025-10-10"), client: "EARLY") == F.day("2025-10-07"))
        #expect(expected.expectedDate(due: F.day("2025-10-02"), client: "EARLY") == F.day("2025-10-02"))
        #expect(expected.expectedDate(due: F.day("2025-09-01"), client: "NEW") == F.day("2025-10-02"))
        // Open invoices are expected for what is left to pay.
        var receivables = Receivables(issued: [
            F.invoice("F1", client: "LATE", total: 12_000, issued: F.day("2025-08-01"), due: F.day("2025-08-31"))
        ])
        receivables.apply(F.match("F1", 2_000, on: F.day("2025-09-10")))
        let flows = expected.openInvoices(receivables)
        #expect(flows.map(\.amountMinor) == [10_000] && flows.map(\.date) == [F.day("2025-10-11")])
    }

    @Test func contractsNotInvoicedYetAreExpectedWithVATAtTheirDueDatePlusTheClientsDelay() throws {
        let config = try F.pipeline(
            F.company + F.client("ACME") + F.client("SLOW", terms: "45 days end of month") + """
                [invoicing]
                start = 2025-01-01

                [[contracts]]
                client = "ACME"
                amount = 1000.00
                frequency = "monthly"
                label = "Forfait"

                [[contracts]]
                client = "SLOW"
                amount = 3000.00
                frequency = "quarterly"
                months = [1, 4, 7, 10]
                label = "Forfait trimestriel"
                """
        ).get()
        let today = F.day("2025-09-15")
        let expected = ExpectedReceipts(
            delays: PaymentDelays(byClient: ["ACME": 2], defaultDays: 0), today: today, horizon: 90)
        // October's fee is already issued: only November and December are expected.
        let issued = [
            F.invoice("F1", client: "ACME", total: 1, issued: today, due: today, draftID: "rec-ACME-monthly-2025-10")
        ]
        let flows = try expected.contracts(config.invoicing!, clients: config.clients, issued: issued)
        let shown = flows.map { "\($0.label) \($0.date) \($0.amountMinor)" }.sorted()
        #expect(
            shown == [
                // Billed 11-01, due 12-01 (30 days), paid 2 days late.
                "ACME-monthly 2025-11 2025-12-03 120000",
                // Billed 10-01, due 45 days later end of month: 11-30.
                "SLOW-quarterly 2025-10 2025-11-30 360000",
            ], "\(shown)")
    }
}

@Suite("Cash-flow forecast: recurring expenses")
struct RecurringExpenseTests {
    typealias F = ForecastFixtures
    let today = F.day("2025-09-30")

    func history() -> [BankLine] {
        var lines: [BankLine] = []
        for date in ["2025-05-02", "2025-06-03", "2025-07-02", "2025-08-04", "2025-09-02"] {
            lines.append(F.bank(-125_000, "Loyer Bureaux Marseille", on: F.day(date)))
        }
        // The bank writes the name differently each time: one counterparty.
        for (date, amount, name) in [
            ("2025-07-15", -8_999, "MICROSOFT IRELAND"), ("2025-08-15", -9_200, "Microsoft Ireland 08/2025"),
            ("2025-09-16", -9_550, "Microsoft  Irelånd"),
        ] {
            lines.append(F.bank(Int64(amount), name, on: F.day(date)))
        }
        // Irregular: two similar amounts only, and a third far away.
        lines += [
            F.bank(-4_500, "Amazon", on: F.day("2025-06-10")), F.bank(-30_000, "Amazon", on: F.day("2025-07-21")),
            F.bank(-4_700, "Amazon", on: F.day("2025-09-28")),
        ]
        // Weekly, not monthly.
        for date in ["2025-09-01", "2025-09-08", "2025-09-15", "2025-09-22"] {
            lines.append(F.bank(-50_000, "Fournisseur X", on: F.day(date)))
        }
        // Stopped in May.
        for date in ["2025-03-01", "2025-04-01", "2025-05-01"] {
            lines.append(F.bank(-3_000, "Ancien abonnement", on: F.day(date)))
        }
        // Money in is never an expense; a line after today is not known yet.
        lines.append(F.bank(100_000, "Loyer Bureaux Marseille", on: F.day("2025-09-10")))
        lines.append(F.bank(-125_000, "Loyer Bureaux Marseille", on: F.day("2025-10-02")))
        return lines
    }

    @Test func sameCounterpartySimilarAmountMonthlyRhythmAtLeastThreeTimesRecently() {
        let found = RecurringExpenses.detect(in: history(), today: today, ignore: [])
        let shown = found.map { "\($0.key) \($0.amountMinor) day \($0.day) last \($0.lastSeen) ×\($0.occurrences)" }
        #expect(
            shown == [
                "LOYER BUREAUX MARSEILLE 125000 day 2 last 2025-09-02 ×5",
                "MICROSOFT IRELAND 9200 day 15 last 2025-09-16 ×3",
            ], "\(shown)")
        #expect(RecurringExpenses.normalized(" Urssaf  PACA 07/2025 ") == "URSSAF PACA")
        // An amount more than 10 % away starts another series.
        #expect(RecurringExpenses.isSimilar(10_000, 11_000) && !RecurringExpenses.isSimilar(10_000, 11_001))
    }

    @Test func theNextOccurrencesFollowTheDayOfTheMonthAfterTheLastOneSeen() {
        let found = RecurringExpenses.detect(in: history(), today: today, ignore: [])
        let flows = RecurringExpenses.flows(detected: found, known: [], today: today, horizon: 90)
        let rent = flows.filter { $0.label == "Loyer Bureaux Marseille" }.map(\.date.description)
        #expect(rent == ["2025-10-02", "2025-11-02", "2025-12-02"])
        let software = flows.filter { $0.label.hasPrefix("Microsoft") }
        #expect(software.map(\.date.description) == ["2025-10-15", "2025-11-15", "2025-12-15"])
        #expect(software.allSatisfy { $0.amountMinor == -9_200 && $0.kind == .detectedExpense })
    }

    @Test func anIgnoredDetectionIsShownButNotForecastAndKnownExpensesAreAdded() throws {
        let config = try F.pipeline(
            F.company + """
                [forecast]
                opening_balance = -1500.50
                opening_date = 2025-06-30

                [[forecast.ignore]]
                match = "loyer bureaux"

                [[forecast.expenses]]
                label = "Assurance"
                amount = 1200.00
                day = 31
                frequency = "quarterly"
                start = 2025-08-31

                [[forecast.expenses]]
                label = "Expert-comptable"
                amount = 450.00
                day = 10
                end = 2025-11-30
                """
        ).get()
        let settings = try #require(config.forecast)
        #expect(settings.opening == .init(balanceMinor: -150_050, date: F.day("2025-06-30")))
        let found = RecurringExpenses.detect(in: history(), today: today, ignore: settings.ignore)
        #expect(found.map(\.ignored) == [true, false])
        let flows = RecurringExpenses.flows(detected: found, known: settings.expenses, today: today, horizon: 90)
        #expect(!flows.contains { $0.label.hasPrefix("Loyer") })
        let known = flows.filter { $0.kind == .knownExpense }.map { "\($0.label) \($0.date) \($0.amountMinor)" }
        #expect(
            known == [
                "Assurance 2025-11-30 -120000", "Expert-comptable 2025-10-10 -45000",
                "Expert-comptable 2025-11-10 -45000",
            ], "\(known)")
        let table = ForecastReports.expensesTable(detected: found, known: settings.expenses, today: today)
        let csv = String(decoding: table.csv(), as: UTF8.self)
        #expect(csv.contains("Loyer Bureaux Marseille,1250.00,2,monthly,2025-09-02,5,ignorée ([[forecast.ignore]])"))
        #expect(csv.contains("Assurance,1200.00,31,quarterly,,,pipeline ([[forecast.expenses]])"))
    }

    @Test func mistakesInTheForecastSectionAreReportedWithTheirLine() throws {
        let result = try F.pipeline(
            F.company + """
                [forecast]
                opening_balance = 1000.00
                alert_belwo = 5000

                [[forecast.expenses]]
                label = "Assurance"
                amount = 1200.00
                day = 15
                frequency = "yearly"
                """)
        guard case .failure(let errors) = result else {
            Issue.record("the file was accepted")
            return
        }
        let text = errors.description
        #expect(text.contains("pipelines/test.toml:12") && text.contains("opening_date"), "\(text)")
        #expect(
            text.contains("pipelines/test.toml:13")
                && text.contains("unknown key forecast.alert_belwo; did you mean alert_below?"), "\(text)")
        #expect(text.contains("pipelines/test.toml:19") && text.contains("needs start = YYYY-MM-DD"), "\(text)")
    }
}

@Suite("Cash-flow forecast: balances and the alert")
struct CashForecastTests {
    typealias F = ForecastFixtures

    func flow(_ date: String, _ amount: Int64) -> CashForecast.Flow {
        .init(date: F.day(date), kind: amount > 0 ? .invoice : .knownExpense, amountMinor: amount, label: "x")
    }

    @Test func theAlertIsTheFirstDayBelowTheThresholdOnAnAbsoluteBalanceOnly() throws {
        let flows = [
            flow("2025-10-03", -300_000), flow("2025-10-03", 50_000), flow("2025-10-10", 500_000),
            flow("2025-09-30", -999_999), flow("2026-01-15", -999_999),
        ]
        let forecast = try CashForecast(
            today: F.day("2025-10-01"), openingBalanceMinor: 1_200_000, balanceIsAbsolute: true, horizon: 90,
            flows: flows, thresholdMinor: 1_000_000)
        #expect(forecast.days.count == 90 && forecast.days.first?.date == F.day("2025-10-02"))
        #expect(forecast.days[1].receiptsMinor == 50_000 && forecast.days[1].paymentsMinor == 300_000)
        #expect(forecast.balance(after: 0) == 1_200_000 && forecast.balance(after: 2) == 950_000)
        #expect(forecast.balance(after: 9) == 1_450_000 && forecast.balance(after: 90) == 1_450_000)
        #expect(forecast.flows.count == 3, "flows outside the horizon are dropped")
        #expect(forecast.firstDayBelow == F.day("2025-10-03") && forecast.isAlert)
        #expect(forecast.lowest.date == F.day("2025-10-03") && forecast.lowest.balanceMinor == 950_000)
        let relative = try CashForecast(
            today: F.day("2025-10-01"), openingBalanceMinor: 1_200_000, balanceIsAbsolute: false, horizon: 90,
            flows: flows, thresholdMinor: 1_000_000)
        #expect(!relative.isAlert, "no alert on a balance that is only a sum from zero")
        let calm = try CashForecast(
            today: F.day("2025-10-01"), openingBalanceMinor: 1_000_000, balanceIsAbsolute: true, horizon: 30,
            flows: [], thresholdMinor: 1_000_000)
        #expect(!calm.isAlert, "at the threshold is not below it")
        let already = try CashForecast(
            today: F.day("2025-10-01"), openingBalanceMinor: 999_999, balanceIsAbsolute: true, horizon: 30,
            flows: [flow("2025-10-02", 500_000)], thresholdMinor: 1_000_000)
        #expect(already.firstDayBelow == F.day("2025-10-01"), "today's balance already below is an alert")
    }

    @Test func theBalanceTodayIsTheOpeningBalanceMovedByTheLinesBookedSince() throws {
        let config = try F.pipeline(
            F.company + """
                [forecast]
                opening_balance = 15000
                opening_date = 2025-06-30
                """
        ).get()
        let lines = [
            F.bank(-50_000, "a", on: F.day("2025-06-30")), F.bank(20_000, "b", on: F.day("2025-07-01")),
            F.bank(-5_000, "c", on: F.day("2025-07-15")), F.bank(7_000, "d", on: F.day("2025-08-01")),
        ]
        #expect(try CashForecaster(pipeline: config, today: F.day("2025-07-15")).balanceToday(lines) == 1_515_000)
        #expect(try CashForecaster(pipeline: config, today: F.day("2025-06-29")).balanceToday(lines) == 1_550_000)
        var relative = config
        relative.forecast = nil
        #expect(try CashForecaster(pipeline: relative, today: F.day("2025-07-15")).balanceToday(lines) == -35_000)
    }

    @Test func theChartIsSelfContainedWellFormedSVGWithTheThreshold() throws {
        let forecast = try CashForecast(
            today: F.day("2025-10-01"), openingBalanceMinor: 1_200_000, balanceIsAbsolute: true, horizon: 90,
            flows: [flow("2025-10-03", -300_000), flow("2025-11-10", 900_000)], thresholdMinor: 1_000_000)
        let svg = ForecastChart.svg(forecast)
        #expect(svg == ForecastChart.svg(forecast), "the same forecast gives the same bytes")
        let parser = XMLParser(data: Data(svg.utf8))
        #expect(parser.parse(), "\(parser.parserError.map { "\($0)" } ?? "")")
        for external in ["href", "<script", "url(", "@import", "<image", "<foreignObject"] {
            #expect(!svg.contains(external), "\(external)")
        }
        let points = try #require(svg.split(separator: "\n").first { $0.hasPrefix("<polyline") })
        #expect(points.split(separator: " ").filter { $0.contains(",") }.count == 91)
        #expect(svg.contains("Seuil d'alerte 10\u{202F}000,00 €") && svg.contains("stroke-dasharray"))
        #expect(svg.contains("<circle"), "the first day below the threshold is marked")
        // Round grid lines (1, 2 or 5 × a power of ten euros), the curve and the threshold within them.
        func axis(_ low: Int64, _ high: Int64) -> [Int64] {
            let axis = ForecastChart.Axis(low: low, high: high)
            return [axis.low, axis.high, axis.step, Int64(axis.ticks.count)]
        }
        #expect(axis(950_000, 2_100_000) == [500_000, 2_500_000, 500_000, 5])
        #expect(axis(-12_345, 99) == [-15_000, 5_000, 5_000, 5])
        #expect(axis(500, 500) == [500, 600, 100, 2])
        #expect(svg.contains(">5\u{202F}000 €<") && svg.contains(">20\u{202F}000 €<"), "\(svg)")
        #expect(
            ForecastChart.tenths(1234) == "123.4" && ForecastChart.tenths(-20) == "-2"
                && ForecastChart.tenths(5) == "0.5")
    }
}
