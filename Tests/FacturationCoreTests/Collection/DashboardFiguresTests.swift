import Foundation
import TestSupport
import Testing

@testable import FacturationCore

/// The dashboard's money figures on a small history computed by hand (see each expectation):
/// an invoice more than 90 days late, one partly paid then partly credited, one paid in full,
/// one not due, and a document and a receipt dated after "today" that must not count.
@Suite("Dashboard figures")
struct DashboardFiguresTests {
    static func document(
        _ number: String, client: String, exclVAT: Int64, on day: String, due: String,
        creditFor invoice: String? = nil
    ) -> InvoiceDocument {
        let date = CivilDate(iso: day)!
        let address = InvoiceDocument.PostalAddress(
            lines: ["1 rue"], postcode: "13001", city: "Marseille", country: "FR")
        let party = InvoiceDocument.Party(name: client + " SAS", address: address)
        let line = InvoiceLine(
            number: 1, articleCode: "X", description: "x", quantity: .one, unitCode: "C62",
            unitPriceMinor: exclVAT, netAmountMinor: exclVAT, vatCategory: "S", vatRateBasisPoints: 2000,
            period: nil, entryCount: 0)
        return InvoiceDocument(
            kind: invoice == nil ? .invoice : .creditNote, number: number, issueDate: date,
            dueDate: CivilDate(iso: due)!, servicePeriod: nil, currency: "EUR", seller: party, buyer: party,
            clientCode: client, oxygeneClientCode: nil,
            payment: .init(termsText: "", days: 30, endOfMonth: false, meansCode: "58", oxygeneMethodCode: "VIR"),
            vatTreatment: .standard, vatOnDebits: false,
            legalNotes: .init(recoveryIndemnity: "", latePenalty: "", discount: ""), title: "", lines: [line],
            totals: try! InvoiceBuilder.totals(of: [line]),
            precedingInvoice: invoice.map { .init(number: $0, issueDate: CivilDate(iso: "2025-09-10")!) },
            reason: nil, origin: .init(type: .recurring, draftID: number, contract: nil, period: nil), recordKeys: [],
            approval: .init(decision: .automatic, by: "rule", at: "", comment: nil))
    }

    static func paid(_ invoice: String, _ amount: Int64, on day: String) -> PaymentMatch {
        PaymentMatch(
            receipt: "bank:\(invoice):\(day)", bookingDate: CivilDate(iso: day)!, amountMinor: amount,
            rule: "reference", allocations: [.init(invoice: invoice, amountMinor: amount)], by: "rule",
            evidence: "", source: nil)
    }

    static let issued = [
        document("A", client: "ACME", exclVAT: 100_000, on: "2025-07-01", due: "2025-07-31"),  // 1 200,00 TTC, unpaid
        document("B", client: "ACME", exclVAT: 50_000, on: "2025-09-10", due: "2025-10-10"),  // 600,00 TTC
        document("C", client: "BETA", exclVAT: 200_000, on: "2025-10-01", due: "2025-10-31"),  // 2 400,00 TTC
        document("D", client: "ACME", exclVAT: 10_000, on: "2025-11-05", due: "2025-11-05", creditFor: "B"),  // −120,00
        document("E", client: "GAMMA", exclVAT: 30_000, on: "2025-11-10", due: "2025-12-10"),  // 360,00, not due
        document("F", client: "GAMMA", exclVAT: 99_900, on: "2025-11-20", due: "2025-12-20"),  // after today
    ]
    static let matches = [
        paid("B", 20_000, on: "2025-10-05"), paid("C", 240_000, on: "2025-11-02"), paid("E", 36_000, on: "2025-11-20"),
    ]

    static func figures(topClients: Int = 2) throws -> DashboardFigures {
        let calculator = DashboardCalculator(
            today: CivilDate(iso: "2025-11-15")!, settings: DashboardSettings(months: 3, topClients: topClients))
        return try calculator.figures(issued: issued, matches: matches)
    }

    @Test func revenuePerMonthCountsCreditNotesAndReceiptsByTheirDates() throws {
        let months = try Self.figures().months
        #expect(months.map(\.month.monthKey) == ["2025-09", "2025-10", "2025-11"])
        // September: B. October: C, and 200,00 of B paid. November: E minus the credit note D; C paid.
        #expect(months.map(\.issuedExclVATMinor) == [50_000, 200_000, 30_000 - 10_000])
        #expect(months.map(\.issuedInclVATMinor) == [60_000, 240_000, 36_000 - 12_000])
        #expect(months.map(\.paidMinor) == [0, 20_000, 240_000])
    }

    @Test func topClientsAreRankedByWhatWasIssuedOverTheMonthsShown() throws {
        let clients = try Self.figures().clients
        // BETA 2 400,00; ACME 600,00 − 120,00 = 480,00 (A is older than the months shown); GAMMA 360,00 left out.
        #expect(clients.map(\.code) == ["BETA", "ACME"])
        #expect(clients.map(\.issuedInclVATMinor) == [240_000, 48_000])
        #expect(clients.map(\.paidMinor) == [240_000, 20_000])
        // ACME still owes A (1 200,00) and B (600,00 − 200,00 − 120,00 = 280,00).
        #expect(clients.map(\.openMinor) == [0, 148_000])
        #expect(try Self.figures(topClients: 10).clients.map(\.code) == ["BETA", "ACME", "GAMMA"])
    }

    @Test func dsoIsOpenReceivablesOverThreeMonthsOfRevenueTimes91Days() throws {
        let dso = try Self.figures().dso
        #expect(dso.map(\.asOf.description) == ["2025-09-30", "2025-10-31", "2025-11-15"])
        // 30/09: A + B = 1 800,00 open; July–September 1 200,00 + 600,00 issued: 91,0 days.
        // 31/10: A + B − 200,00 + C = 4 000,00; Aug–Oct 3 000,00: 121,33 → 121,3.
        // 15/11: A + 280,00 + E = 1 840,00; Sep–Nov 600,00 + 2 400,00 + 240,00 = 3 240,00: 51,68 → 51,7.
        #expect(dso.map(\.openMinor) == [180_000, 400_000, 184_000])
        #expect(dso.map(\.revenueMinor) == [180_000, 300_000, 324_000])
        #expect(dso.map(\.tenthsOfDays) == [910, 1213, 517])
        #expect(try DashboardCalculator.tenthsOfDays(open: 5, revenue: 0) == nil)
    }

    @Test func agedBalanceSortsWhatIsOpenTodayByDaysPastDue() throws {
        let figures = try Self.figures()
        // A: 107 days late (> 90). B: 280,00, 36 days late (31–60). E: not due. C: paid.
        #expect(figures.aged.map(\.code) == ["ACME", "GAMMA"])
        #expect(figures.aged[0].bucketsMinor == [0, 0, 28_000, 0, 120_000])
        #expect(figures.aged[1].bucketsMinor == [36_000, 0, 0, 0, 0])
        #expect(figures.agedTotal.bucketsMinor == [36_000, 0, 28_000, 0, 120_000])
        #expect(figures.agedTotal.totalMinor == 184_000)
    }

    @Test(arguments: [(0, 0), (1, 1), (30, 1), (31, 2), (60, 2), (61, 3), (90, 3), (91, 4), (-5, 0)])
    func ageBuckets(daysLate: Int64, bucket: Int) {
        #expect(DashboardFigures.AgeBucket(daysLate: daysLate).rawValue == bucket)
    }

    @Test func queueAgesCountFromTheOldestAndNeverGoNegative() {
        let today = CivilDate(iso: "2025-11-15")!
        let queue = DashboardFigures.Queue(
            .receiptsToReview, since: [CivilDate(iso: "2025-11-01")!, CivilDate(iso: "2025-10-20")!], today: today)
        #expect(queue.count == 2 && queue.oldestDays == 26)
        #expect(
            DashboardFigures.Queue(.rejectedFiles, since: [CivilDate(iso: "2026-12-05")!], today: today).oldestDays == 0
        )
        #expect(DashboardFigures.Queue(.draftsToApprove, since: [], today: today).oldestDays == nil)
    }

    @Test func frenchFormats() {
        #expect(DashboardFormat.euros(1_234_567) == "12\u{202F}345,67 €")
        #expect(DashboardFormat.hours(45_000) == "12,50\u{A0}h")
        #expect(DashboardFormat.hours(3_600 * 1_234) == "1\u{202F}234,00\u{A0}h")
        #expect(DashboardFormat.percent(permille: 625) == "62,5\u{A0}%")
        #expect(DashboardFormat.days(tenths: 1213) == "121,3\u{A0}j")
        #expect(DashboardFormat.date(CivilDate(iso: "2026-12-05")!) == "05/12/2026")
        #expect(DashboardFormat.html("<b>\"A&B\"</b>\u{07}") == "&lt;b&gt;&quot;A&amp;B&quot;&lt;/b&gt;\u{FFFD}")
    }

    @Test func billableRatioIsBillableOverAllHours() {
        var month = DashboardFigures.TimeMonth(month: CivilDate(iso: "2025-07-01")!)
        #expect(month.billableRatioPermille == nil)
        month.billableSeconds = 3 * 3_600
        month.flatFeeSeconds = 3_600
        month.internalSeconds = 4 * 3_600
        #expect(month.billableRatioPermille == 375)
    }
}

/// The page itself, from figures made by hand: the forecast curve and the reminders' queue that
/// other stages hand over, and a valid page (html5lib, strict) whatever the figures hold.
@Suite("Dashboard page")
struct DashboardPageTests {
    /// The package folder (scripts/html_check.py is there).
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/"
            && !FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path)
        {
            url.deleteLastPathComponent()
        }
        return url
    }()

    static func figures(forecast: [DashboardInput.ForecastDay]) throws -> DashboardFigures {
        var figures = try DashboardFiguresTests.figures()
        figures.forecast = forecast
        figures.forecastThresholdMinor = 1_000_000
        let today = figures.today
        figures.queues = [
            .init(.draftsToApprove, since: [today.adding(days: -3)], today: today),
            .init(.remindersToApprove, since: [today.adding(days: -1), today], today: today),
        ]
        return figures
    }

    @Test func theForecastIsDrawnWithItsFirstLowestAndLastBalances() throws {
        let start = CivilDate(iso: "2025-11-15")!
        let balances: [Int64] = [2_500_000, 1_800_000, 900_000, 1_200_000, 3_000_000]
        let forecast = balances.enumerated().map {
            DashboardInput.ForecastDay(day: start.adding(days: $0), balanceMinor: $1)
        }
        let page = DashboardPage.html(try Self.figures(forecast: forecast), company: "ACME & Fils", settings: .init())
        #expect(
            page.contains(
                "Solde prévu le 15/11/2025 : 25\u{202F}000,00 € ; au plus bas le 17/11/2025 : 9\u{202F}000,00 €"))
        #expect(page.contains("le 19/11/2025 : 30\u{202F}000,00 €."))
        #expect(page.contains("Seuil d&#39;alerte 10\u{202F}000,00 €"))
        #expect(!page.contains("Pas de prévision."))
        #expect(
            page.contains("<td>Mises en demeure à approuver</td><td class=\"n\">2</td><td class=\"n\">1\u{A0}j</td>"))
        #expect(page.contains("<td>Brouillons à approuver</td><td class=\"n\">1</td><td class=\"n\">3\u{A0}j</td>"))
        #expect(page.contains("<title>Tableau de bord — ACME &amp; Fils — 15/11/2025</title>"))

        let empty = DashboardPage.html(try Self.figures(forecast: []), company: "ACME", settings: .init())
        #expect(empty.contains("Pas de prévision."))
        for (name, html) in [("forecast", page), ("empty", empty)] {
            let path = FileManager.default.temporaryDirectory.appendingPathComponent("dashboard-\(name)-\(UUID()).html")
                .path
            try html.write(toFile: path, atomically: true, encoding: .utf8)
            defer { try? FileManager.default.removeItem(atPath: path) }
            let checker = Self.root.appendingPathComponent("scripts/html_check.py").path
            let check = try runTool("/usr/bin/python3", [checker, path])
            #expect(check.status == 0, "\(name): \(check.output)")
        }
    }
}

/// The invariants of the fenced hours cache (``TimeTotalsCache``).
@Suite("Dashboard hours cache invariants")
struct TimeTotalsCacheTests {
    static func status(inode: UInt64 = 7, size: Int64 = 100, modified: Int64, changed: Int64) -> Storage.Status {
        Storage.Status(
            size: size, modified: modified, changed: changed, isDirectory: false, isRegularFile: true,
            isSymbolicLink: false, device: 1, inode: inode)
    }

    @Test func totalsComeBackOnlyForTheSameLedgerIdentityAndOldEnoughTimes() {
        let now = Clock.Instant(seconds: 1_000_000, nanoseconds: 0)
        let old: Int64 = 990_000 * 1_000_000_000
        let month = CivilDate(iso: "2025-07-01")!
        var totals = DashboardFigures.TimeMonth(month: month)
        totals.billableSeconds = 3_600
        totals.internalSeconds = 1_800
        var cache = TimeTotalsCache()
        let ledger = Self.status(modified: old, changed: old)
        let kept = cache.remember(totals, ledger: ledger, now: now)
        #expect(kept)
        #expect(cache.totals(of: month, ledger: ledger) == totals)
        #expect(cache.totals(of: CivilDate(iso: "2025-08-01")!, ledger: ledger) == nil)
        for other in [
            Self.status(inode: 8, modified: old, changed: old), Self.status(size: 101, modified: old, changed: old),
            Self.status(modified: old + 1, changed: old), Self.status(modified: old, changed: old + 1),
        ] {
            #expect(cache.totals(of: month, ledger: other) == nil)
        }
        // Times within 2 s of now (the same clock tick as a rewrite) are never kept.
        let recent: Int64 = 999_999 * 1_000_000_000
        var fresh = TimeTotalsCache()
        let changedRecently = fresh.remember(totals, ledger: Self.status(modified: old, changed: recent), now: now)
        let modifiedRecently = fresh.remember(totals, ledger: Self.status(modified: recent, changed: old), now: now)
        #expect(!changedRecently && !modifiedRecently)
        #expect(fresh.months.isEmpty)
    }
}
