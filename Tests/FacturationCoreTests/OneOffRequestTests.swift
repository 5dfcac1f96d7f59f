import FacturationCore
import Testing

/// The `[one_off]` request form: every pricing, the period rules, and the mistakes it reports.
@Suite struct OneOffRequestTests {
    private func parse(_ text: String) -> Result<RequestFile, Rejection> { RequestFile.parse(text) }

    private func messages(_ text: String) -> [String] {
        guard case .failure(let rejection) = parse(text) else { return [] }
        return rejection.problems.listed.map(\.message)
    }

    @Test func readsEachPricingWithExactAmounts() throws {
        let text = """
            [one_off]
            client = "LAA"
            title = "Audit"
            date = 2025-07-10
            [[one_off.lines]]
            description = "Forfait"
            amount = 4500.5
            [[one_off.lines]]
            description = "Jours"
            days = 1.25
            [[one_off.lines]]
            description = "Licences"
            quantity = 12
            unit_price = "25.00"
            unit = "c62"
            """
        guard case .success(.oneOff(let request)) = parse(text) else {
            Issue.record("not read: \(parse(text))")
            return
        }
        #expect(request.client == "LAA" && request.reference == nil && request.by.isEmpty)
        #expect(request.period == .init(start: CivilDate(iso: "2025-07-10")!, end: CivilDate(iso: "2025-07-10")!))
        #expect(
            request.lines.map(\.pricing) == [
                .fixed(amountMinor: 450_050), .days(Quantity(tenThousandths: 12_500), dailyRateMinor: nil),
                .units(Quantity(units: 12), unitPriceMinor: 2_500, unitCode: .unit),
            ])
    }

    @Test func reportsEveryMistakeWithItsKey() {
        #expect(
            messages(
                "[one_off]\nclient = \"LAA\"\ntitle = \"x\"\ndate = 2025-07-01\nperiod_start = 2025-07-01\n"
                    + "[[one_off.lines]]\ndescription = \"y\"\namount = 1\n"
            ).contains {
                $0.contains("give either date or period_start and period_end")
            })
        #expect(
            messages(
                "[one_off]\nclient = \"LAA\"\ntitle = \"x\"\nperiod_start = 2025-07-09\nperiod_end = 2025-07-01\n"
                    + "[[one_off.lines]]\ndescription = \"y\"\namount = 1\n"
            ).contains { $0.contains("before period_start") })
        #expect(
            messages(
                "[one_off]\nclient = \"LAA\"\ntitle = \"x\"\n[[one_off.lines]]\ndescription = \"y\"\nquantity = 2\n"
            )
            .contains { $0.contains("unit_price") })
        #expect(
            messages(
                "[one_off]\nclient = \"LAA\"\ntitle = \"x\"\n[[one_off.lines]]\ndescription = \"y\"\namount = -3\n"
            )
            .contains { $0.contains("must not be negative") })
        #expect(
            messages(
                "[one_off]\nclient = \"LAA\"\ntitle = \"x\"\n[[one_off.lines]]\ndescription = \"y\"\n"
                    + "quantity = 2000000\nunit_price = 1\n"
            ).contains { $0.contains("at most 1000000") })
        #expect(
            messages(
                "[one_off]\nclient = \"LAA\"\ntitle = \"x\"\n[[one_off.lines]]\ndescription = \"y\"\n"
                    + "quantity = 2\nunit_price = 1\nunit = \"boîte\"\n"
            ).contains { $0.contains("\"C62\"") })
        #expect(
            messages(
                "[one_off]\nclient = \"LAA\"\ntitle = \"x\"\nprix = 3\n[[one_off.lines]]\ndescription = \"y\"\n"
                    + "amount = 1\n"
            ).contains { $0.contains("unknown key one_off.prix") })
    }

    @Test func isRecognisedAsARequestByItsFirstTable() {
        #expect(RequestFile.looksLikeRequest(Array("# une facture\n[one_off]\nclient = \"LAA\"\n".utf8)))
        #expect(!RequestFile.looksLikeRequest(Array("[[one_off.lines]]\namount = 1\n".utf8)))
    }
}
