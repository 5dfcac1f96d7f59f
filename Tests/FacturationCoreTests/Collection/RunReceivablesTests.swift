import Foundation
import Testing

@testable import FacturationCore

/// The run's receivables (``RunSnapshot/receivables()``), built once per run and shared by
/// payments, dunning, forecast, dashboard and digest: always what building them again from the
/// records gives, and, as a day knows them (``RunSnapshot/receivables(asOf:)``), what each stage
/// built for itself before. The records are the dashboard test's: a credit note, partial and full
/// payments, and a document and a receipt dated after 2025-11-15.
@Suite("Run receivables")
struct RunReceivablesTests {
    static let today = CivilDate(iso: "2025-11-15")!
    static let afterEverything = CivilDate(iso: "2026-01-01")!

    /// A snapshot of a fresh workspace holding the dashboard test's documents and matches.
    static func snapshot() throws -> (RunSnapshot, InvoiceStore, String) {
        let (store, root) = try InvoiceStoreRecordTests.store()
        try store.recordIssued(DashboardFiguresTests.issued)
        for match in DashboardFiguresTests.matches { try PaymentStore(layout: store.layout).record(match) }
        return (try RunSnapshot(layout: store.layout), store, root)
    }

    /// The receivables as each stage built them before: every document and match of the records
    /// up to `day` (nil: all of them), the matches oldest first.
    static func built(_ snapshot: RunSnapshot, upTo day: CivilDate?) -> Receivables {
        let last = day ?? afterEverything
        var receivables = Receivables(issued: snapshot.issued.filter { $0.issueDate <= last })
        for match in snapshot.matches where match.bookingDate <= last { receivables.apply(match) }
        return receivables
    }

    /// Everything a reader may ask of receivables: each invoice in order with what it owes and
    /// what was applied (sorted: the order of applied amounts may differ, see `receivables(asOf:)`),
    /// the open invoices, and those owing an amount (the index by amount).
    static func described(_ receivables: Receivables, on day: CivilDate) -> [String] {
        receivables.order.map { number in
            let item = receivables.item(number)!
            let applied = item.applied.map { "\($0.date) \($0.amountMinor) \($0.source)" }.sorted()
            return
                "\(number) owes \(item.openMinor) settled \(item.settledOn?.description ?? "-") [\(applied.joined(separator: "; "))]"
        } + [
            "open " + receivables.open(on: day).map(\.document.number).joined(separator: ","),
            "owing 28000 " + receivables.open(on: day, owing: 28_000, tolerance: 0).map(\.document.number).joined(),
            "owing 120000 " + receivables.open(on: day, owing: 120_000, tolerance: 5).map(\.document.number).joined(),
        ]
    }

    @Test func theRunsReceivablesAreTheOnesBuiltFromTheRecordsAndFollowEachMatch() throws {
        let (snapshot, store, root) = try Self.snapshot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let day = Self.afterEverything
        #expect(
            Self.described(try snapshot.receivables(), on: day)
                == Self.described(Self.built(snapshot, upTo: nil), on: day))
        // B owed 600,00 − 200,00 − 120,00 = 280,00: paid now, recorded, then noted by the run.
        let match = DashboardFiguresTests.paid("B", 28_000, on: "2025-11-30")
        try PaymentStore(layout: store.layout).record(match)
        snapshot.didMatch(match)
        let kept = Self.described(try snapshot.receivables(), on: day)
        #expect(
            kept.contains(
                "B owes 0 settled 2025-11-30 [2025-10-05 20000 bank:B:2025-10-05; 2025-11-05 12000 D; 2025-11-30 28000 bank:B:2025-11-30]"
            ))
        #expect(kept == Self.described(Self.built(try RunSnapshot(layout: store.layout), upTo: nil), on: day))
        // A document issued in the run: the receivables are built again with it.
        let issued = DashboardFiguresTests.document(
            "G", client: "BETA", exclVAT: 25_000, on: "2025-12-01", due: "2025-12-31")
        try store.recordIssued([issued])
        snapshot.didIssue([issued])
        let rebuilt = Self.described(try snapshot.receivables(), on: day)
        #expect(rebuilt.contains { $0.hasPrefix("G owes 30000 ") })
        #expect(rebuilt == Self.described(Self.built(try RunSnapshot(layout: store.layout), upTo: nil), on: day))
    }

    @Test func asADayKnowsThemTheyAreWhatTheStagesBuiltForThatDay() throws {
        let (snapshot, _, root) = try Self.snapshot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        // F (issued 2025-11-20) and E's receipt (booked 2025-11-20) are after today: left out.
        let today = Self.described(try snapshot.receivables(asOf: Self.today), on: Self.today)
        #expect(today == Self.described(Self.built(snapshot, upTo: Self.today), on: Self.today))
        #expect(!today.contains { $0.hasPrefix("F ") })
        #expect(today.contains { $0.hasPrefix("E owes 36000 ") })
        #expect(
            !RunSnapshot.nothingAfter(Self.today, issued: snapshot.issued, historical: [], matches: snapshot.matches))
        // Nothing after the day: the run's own receivables.
        let later = Self.afterEverything
        #expect(RunSnapshot.nothingAfter(later, issued: snapshot.issued, historical: [], matches: snapshot.matches))
        #expect(
            Self.described(try snapshot.receivables(asOf: later), on: later)
                == Self.described(Self.built(snapshot, upTo: later), on: later))
    }

    /// The dashboard and the forecast given the run's receivables compute what they computed alone.
    @Test func theDashboardAndTheForecastGiveTheSameFiguresWithTheRunsReceivables() throws {
        let (snapshot, _, root) = try Self.snapshot()
        defer { try? FileManager.default.removeItem(atPath: root) }
        for day in [Self.today, Self.afterEverything] {
            let calculator = DashboardCalculator(today: day, settings: DashboardSettings(months: 3, topClients: 5))
            let alone = try calculator.figures(issued: snapshot.issued, matches: snapshot.matches)
            let shared = try calculator.figures(
                issued: snapshot.issued, matches: snapshot.matches, receivables: try snapshot.receivables(asOf: day))
            #expect("\(shared.clients)" == "\(alone.clients)")
            #expect("\(shared.dso)" == "\(alone.dso)")
            #expect("\(shared.aged)" == "\(alone.aged)" && shared.agedTotal.totalMinor == alone.agedTotal.totalMinor)
            #expect(alone.agedTotal.totalMinor > 0)
            let forecaster = CashForecaster(pipeline: snapshot.layout.pipeline, today: day)
            let (forecastAlone, _) = try forecaster.forecast(
                issued: snapshot.issued, matches: snapshot.matches, bank: snapshot.bank)
            let (forecastShared, _) = try forecaster.forecast(
                issued: snapshot.issued, matches: snapshot.matches, bank: snapshot.bank,
                receivables: try snapshot.receivables(asOf: day))
            #expect("\(forecastShared.flows)" == "\(forecastAlone.flows)")
            #expect(!forecastAlone.flows.isEmpty)
        }
    }
}
