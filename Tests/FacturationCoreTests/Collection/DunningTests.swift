import Testing

@testable import FacturationCore

@Suite("Dunning amounts")
struct DunningAmountsTests {
    /// 1 200,00 € at 12,5 % for 45 days: 1200 × 0.125 × 45 / 365 = 18.4931… → 18,49 €.
    @Test func penaltyOfAHandComputedCase() throws {
        #expect(try DunningAmounts.penalty(owedMinor: 120_000, rate: 12_500, daysLate: 45) == 1_849)
        // The demo's F20250701: 901,92 € at 3 × 3,16 % for 62 days = 14.5236… → 14,52 €.
        #expect(try DunningAmounts.penalty(owedMinor: 90_192, rate: 9_480, daysLate: 62) == 1_452)
    }

    /// Exactly half a cent rounds up; just below half rounds down.
    @Test func penaltyRoundsHalfUp() throws {
        // 182,50 € at 1 % for 1 day = 0.5 cent.
        #expect(try DunningAmounts.penalty(owedMinor: 18_250, rate: 1_000, daysLate: 1) == 1)
        #expect(try DunningAmounts.penalty(owedMinor: 18_249, rate: 1_000, daysLate: 1) == 0)
        #expect(try DunningAmounts.penalty(owedMinor: 54_750, rate: 1_000, daysLate: 1) == 2)  // 1.5 → 2
    }

    @Test func penaltyIsZeroWithoutDebtOrDelay() throws {
        #expect(try DunningAmounts.penalty(owedMinor: 0, rate: 12_500, daysLate: 45) == 0)
        #expect(try DunningAmounts.penalty(owedMinor: 10_000, rate: 12_500, daysLate: 0) == 0)
    }

    @Test func penaltyOverflowIsAnErrorNotACrash() {
        #expect(throws: ArithmeticOverflow.self) {
            try DunningAmounts.penalty(owedMinor: Int64.max / 2, rate: 100_000, daysLate: 3_650)
        }
    }

    @Test(arguments: [
        ("Pénalités de retard : taux annuel de 12,5 %", Int64?.some(12_500)),
        ("Pénalités au taux de 10% l'an", 10_000),
        ("taux de 3,155\u{202F}% par an", 3_155),
        ("Pénalités de retard : trois fois le taux d'intérêt légal", nil),
        ("Escompte 2 jours, 40 € d'indemnité", nil),
    ])
    func printedRate(note: String, expected: Int64?) {
        #expect(DunningAmounts.printedRate(in: note) == expected)
    }
}

@Suite("Dunning planner")
struct DunningPlannerTests {
    /// Invoices issued on `day`, due 30 days later (``PaymentMatcherTests/invoice``).
    static func invoice(
        _ number: String, client: String, total: Int64, on day: String, note: String = ""
    )
        -> InvoiceDocument
    {
        var document = PaymentMatcherTests.invoice(number, client: client, total: total, on: day)
        document.legalNotes.latePenalty = note
        return document
    }

    static func items(_ issued: [InvoiceDocument], matches: [PaymentMatch] = []) -> [Receivables.Item] {
        var receivables = Receivables(issued: issued)
        for match in matches { receivables.apply(match) }
        return receivables.liveItems
    }

    static func payment(_ invoice: String, _ amount: Int64) -> PaymentMatch {
        PaymentMatch(
            receipt: "r-\(invoice)-\(amount)", bookingDate: CivilDate(iso: "2025-08-05")!, amountMinor: amount,
            rule: "reference", allocations: [.init(invoice: invoice, amountMinor: amount)], by: "rule", evidence: "")
    }

    static let settings = DunningSettings(levels: [15, 30, 60], legalInterestRate: 3_160)

    func plan(
        on day: String, _ issued: [InvoiceDocument], matches: [PaymentMatch] = [], done: [String: Set<Int>] = [:]
    )
        throws -> DunningPlanner.Plan
    {
        var planner = DunningPlanner(settings: Self.settings, today: CivilDate(iso: day)!)
        planner.done = done
        return try planner.plan(Self.items(issued, matches: matches))
    }

    /// Due 2025-07-31: level 1 from 08-15, level 2 from 08-30, level 3 from 09-29.
    let july = [invoice("F1", client: "LAA", total: 120_000, on: "2025-07-01")]

    @Test func eachLevelFiresOnItsDay() throws {
        #expect(try plan(on: "2025-08-14", july).reminders.isEmpty)
        #expect(try plan(on: "2025-08-15", july).reminders.map(\.level) == [1])
        #expect(try plan(on: "2025-08-29", july, done: ["F1": [1]]).reminders.isEmpty)
        #expect(try plan(on: "2025-08-30", july, done: ["F1": [1]]).reminders.map(\.level) == [2])
        let notice = try #require(try plan(on: "2025-09-29", july, done: ["F1": [1, 2]]).reminders.first)
        #expect(notice.level == 3 && notice.kind == .formalNotice && notice.status == .awaitingApproval)
        #expect(notice.title == "Mise en demeure de payer")
    }

    /// `numbering = "oxygene"`: an invoice of 1 July whose number Oxygène confirmed on 1 October
    /// could not be sent before; its 30 days of terms count from then (due 31 October for the
    /// reminders), not from its printed due date, so no second reminder with penalties goes out in
    /// the run that confirms it.
    @Test func aDocumentSendableOnlyLaterIsRemindedFromThatDayPlusItsTerms() throws {
        var planner = DunningPlanner(settings: Self.settings, today: CivilDate(iso: "2025-10-01")!)
        planner.sendableFrom = ["F1": CivilDate(iso: "2025-10-01")!]
        #expect(try planner.plan(Self.items(july)).reminders.isEmpty)
        #expect(planner.reminderDueDate(of: july[0]) == CivilDate(iso: "2025-10-31")!)
        var later = DunningPlanner(settings: Self.settings, today: CivilDate(iso: "2025-11-15")!)
        later.sendableFrom = planner.sendableFrom
        #expect(try later.plan(Self.items(july)).reminders.map(\.level) == [1])
        // Sendable on its issue day: the printed due date.
        planner.sendableFrom = ["F1": CivilDate(iso: "2025-07-01")!]
        #expect(planner.reminderDueDate(of: july[0]) == july[0].dueDate)
    }

    @Test func aLevelIsNeverSentTwice() throws {
        #expect(try plan(on: "2025-08-20", july, done: ["F1": [1]]).reminders.isEmpty)
        #expect(try plan(on: "2026-08-20", july, done: ["F1": [1, 2, 3]]).reminders.isEmpty)
    }

    /// A run that missed days sends the level due, and records the lower ones as skipped.
    @Test func missedLevelsAreSkippedNotSent() throws {
        let reminders = try plan(on: "2025-10-01", july).reminders
        #expect(reminders.count == 1)
        #expect(reminders[0].level == 3)
        #expect(reminders[0].invoices[0].skippedLevels == [1, 2])
        let second = try plan(on: "2025-09-01", july, done: ["F1": [1]]).reminders
        #expect(second.map(\.level) == [2] && second[0].invoices[0].skippedLevels == [])
    }

    @Test func oneReminderPerClientAndLevel() throws {
        let issued = [
            Self.invoice("F1", client: "LAA", total: 120_000, on: "2025-07-01"),
            Self.invoice("F2", client: "LAA", total: 60_000, on: "2025-07-05"),
            Self.invoice("F3", client: "GEN", total: 12_000, on: "2025-07-02"),
            Self.invoice("F4", client: "LAA", total: 10_000, on: "2025-06-01"),
        ]
        let reminders = try plan(on: "2025-08-20", issued, done: ["F4": [1, 2]]).reminders
        #expect(reminders.map(\.id) == ["relance-GEN-2025-08-20-n1", "relance-LAA-2025-08-20-n1"])
        #expect(reminders[1].invoices.map(\.number) == ["F1", "F2"])
        #expect(reminders[1].owedMinor == 180_000)
    }

    @Test func partlyPaidIsRemindedForTheRemainder() throws {
        let reminder = try #require(
            try plan(on: "2025-08-15", july, matches: [Self.payment("F1", 50_000)]).reminders.first)
        let line = reminder.invoices[0]
        #expect(line.totalMinor == 120_000 && line.paidMinor == 50_000 && line.owedMinor == 70_000)
        // 700 € at 9,48 % for 15 days = 2.7271… → 2,73 €; + 40 € indemnity.
        #expect(line.penaltyMinor == 273 && line.indemnityMinor == 4_000)
        #expect(reminder.totalMinor == 70_000 + 273 + 4_000)
    }

    @Test func paidOrCreditedIsNeverReminded() throws {
        #expect(try plan(on: "2025-10-01", july, matches: [Self.payment("F1", 120_000)]).reminders.isEmpty)
        var credit = Self.invoice("A1", client: "LAA", total: 120_000, on: "2025-07-10")
        credit.kind = .creditNote
        credit.precedingInvoice = .init(number: "F1", issueDate: CivilDate(iso: "2025-07-01")!)
        #expect(try plan(on: "2025-10-01", july + [credit]).reminders.isEmpty)
    }

    @Test func heldInvoicesAndClientsAreNotReminded() throws {
        var planner = DunningPlanner(settings: Self.settings, today: CivilDate(iso: "2025-08-15")!)
        planner.heldInvoices = ["F1": "dispute"]
        let first = try planner.plan(Self.items(july))
        #expect(first.reminders.isEmpty && first.held == ["F1 (LAA): dispute"])
        planner.heldInvoices = [:]
        planner.heldClients = ["LAA": "reminders = false"]
        #expect(try planner.plan(Self.items(july)).reminders.isEmpty)
        planner.heldClients = [:]
        #expect(try planner.plan(Self.items(july)).reminders.count == 1)
    }

    @Test func theRatePrintedOnTheInvoiceWins() throws {
        let issued = [
            Self.invoice("F1", client: "LAA", total: 120_000, on: "2025-06-16", note: "taux annuel de 12,5 %")
        ]
        // Due 2025-07-16, 45 days late on 2025-08-30: 18,49 € (see DunningAmountsTests).
        let line = try #require(try plan(on: "2025-08-30", issued, done: ["F1": [1]]).reminders.first?.invoices.first)
        #expect(line.rate == 12_500 && line.rateSource == .invoice && line.penaltyMinor == 1_849)
    }

    @Test func withoutALegalRateThePenaltyIsNotComputed() throws {
        var planner = DunningPlanner(settings: DunningSettings(), today: CivilDate(iso: "2025-08-15")!)
        planner.done = [:]
        let reminder = try #require(try planner.plan(Self.items(july)).reminders.first)
        #expect(reminder.invoices[0].penaltyMinor == nil && reminder.penaltyUnknown)
        #expect(ReminderTemplates.penaltyText(reminder) == "au taux indiqué sur la facture")
        #expect(reminder.totalMinor == 120_000 + 4_000)
    }

    @Test func minimumAmountAndFromDate() throws {
        var planner = DunningPlanner(
            settings: DunningSettings(minAmountMinor: 200_000), today: CivilDate(iso: "2025-08-15")!)
        #expect(try planner.plan(Self.items(july)).reminders.isEmpty)
        planner = DunningPlanner(
            settings: DunningSettings(from: CivilDate(iso: "2025-08-01")!), today: CivilDate(iso: "2025-08-15")!)
        #expect(try planner.plan(Self.items(july)).reminders.isEmpty)
    }
}

@Suite("Dunning hold requests")
struct DunningHoldRequestTests {
    @Test func aHoldFileIsRecognisedAndRead() throws {
        let text = "# hold\n[dunning_hold]\ninvoice = \"F20250809\"\nreason = \"Litige\"\nby = \"Camille\"\n"
        #expect(RequestFile.looksLikeRequest(Array(text.utf8)))
        let request = try RequestFile.parse(text).get()
        #expect(
            request == .dunningHold(invoice: "F20250809", client: nil, reason: "Litige", by: "Camille", lift: false))
        let lift = try RequestFile.parse("[dunning_hold]\nclient = \"LAA\"\nlift = true\n").get()
        #expect(lift == .dunningHold(invoice: nil, client: "LAA", reason: "", by: "", lift: true))
    }

    @Test(arguments: [
        "[dunning_hold]\nreason = \"x\"\n",  // neither invoice nor client
        "[dunning_hold]\ninvoice = \"F1\"\nclient = \"LAA\"\nreason = \"x\"\n",  // both
        "[dunning_hold]\ninvoice = \"F1\"\n",  // a hold without a reason
        "[dunning_hold]\ninvoice = \"F1\"\nreason = \"x\"\nliftt = true\n",  // unknown key
    ])
    func anIncompleteHoldFileIsRejectedWithItsLine(text: String) {
        guard case .failure(let rejection) = RequestFile.parse(text) else {
            Issue.record("accepted: \(text)")
            return
        }
        #expect(!rejection.problems.isEmpty && rejection.problems.listed.allSatisfy { $0.line != nil })
    }
}
