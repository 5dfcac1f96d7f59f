import Testing

@testable import FacturationCore

@Suite("Invoice references in bank texts")
struct InvoiceReferenceFinderTests {
    let finder = InvoiceReferenceFinder(numbers: ["F2025-1004", "F2025-100", "F20250704", "A20250705"])

    @Test(arguments: ["F2025-1004", "F 2025 1004", "F20251004", "virement fact. f2025/1004 merci", "REF:F2025.1004"])
    func toleratesSpacesDashesAndMissingSeparators(text: String) {
        #expect(finder.find(in: [text]) == ["F2025-1004"])
    }

    @Test func aShorterNumberIsNotFoundInsideALongerOne() {
        #expect(finder.find(in: ["F2025-1004"]) == ["F2025-1004"])
        #expect(finder.find(in: ["F2025-100 et F2025-1004"]) == ["F2025-100", "F2025-1004"])
        #expect(finder.find(in: ["F2025-10045"]).isEmpty)
    }

    @Test func numbersGluedToWordsAndSeveralFieldsAreFound() {
        #expect(finder.find(in: ["VIRF20250704", "FACT F20250704 ET F2025-100"]) == ["F20250704", "F2025-100"])
        #expect(finder.find(in: ["20250704", "12F20250704"]) == ["F20250704"])
        #expect(finder.find(in: ["Loyer juillet", ""]).isEmpty)
    }
}

@Suite("Payment matcher")
struct PaymentMatcherTests {
    static func invoice(_ number: String, client: String, total: Int64, on day: String) -> InvoiceDocument {
        let date = CivilDate(iso: day)!
        let address = InvoiceDocument.PostalAddress(
            lines: ["1 rue"], postcode: "13001", city: "Marseille", country: "FR")
        let party = InvoiceDocument.Party(name: client, address: address)
        let line = InvoiceLine(
            number: 1, articleCode: "X", description: "x", quantity: .one, unitCode: "C62",
            unitPriceMinor: total, netAmountMinor: total, vatCategory: "E", vatRateBasisPoints: 0,
            period: nil, entryCount: 0)
        return InvoiceDocument(
            kind: .invoice, number: number, issueDate: date, dueDate: date.adding(days: 30), servicePeriod: nil,
            currency: "EUR", seller: party, buyer: party, clientCode: client, oxygeneClientCode: nil,
            payment: .init(termsText: "", days: 30, endOfMonth: false, meansCode: "58", oxygeneMethodCode: "VIR"),
            vatTreatment: .franchise, vatOnDebits: false,
            legalNotes: .init(recoveryIndemnity: "", latePenalty: "", discount: ""), title: "", lines: [line],
            totals: try! InvoiceBuilder.totals(of: [line]), precedingInvoice: nil, reason: nil,
            origin: .init(type: .recurring, draftID: number, contract: nil, period: nil), recordKeys: [],
            approval: .init(decision: .automatic, by: "rule", at: "", comment: nil))
    }

    static func receipt(_ amount: Int64, from name: String, text: String, on day: String = "2025-09-10") -> Receipt {
        Receipt(
            key: "bank:\(name):\(amount):\(text)", bookingDate: CivilDate(iso: day)!, amountMinor: amount,
            counterpartyName: name, counterpartyIBAN: "", label: name, remittance: text, transactionID: "")
    }

    let clients = [
        PipelineConfig.Client(code: "LAA", name: "Les Automatismes Appliqués", aliases: ["LAA"]),
        PipelineConfig.Client(code: "GEN", name: "Genlog", aliases: []),
    ]
    let issued = [
        invoice("F1", client: "LAA", total: 120_000, on: "2025-07-01"),
        invoice("F2", client: "LAA", total: 60_000, on: "2025-08-01"),
        invoice("F3", client: "GEN", total: 12_000, on: "2025-08-01"),
        invoice("F4", client: "GEN", total: 12_000, on: "2025-09-01"),
        invoice("F5", client: "GEN", total: 30_000, on: "2025-09-01"),
    ]

    func outcome(_ receipt: Receipt) -> PaymentMatcher.Outcome {
        PaymentMatcher().match(
            receipt, receivables: Receivables(issued: issued),
            references: InvoiceReferenceFinder(numbers: issued.map(\.number)),
            payers: PayerIdentifier(clients: clients))
    }

    func rule(_ receipt: Receipt) -> String {
        switch outcome(receipt) {
        case .matched(let match):
            "\(match.rule) " + match.allocations.map { "\($0.invoice)=\($0.amountMinor)" }.joined(separator: " ")
        case .review(let reason, let candidates): "review \(candidates.joined(separator: ",")): \(reason)"
        }
    }

    @Test func eachRuleInOrder() {
        #expect(rule(Self.receipt(120_000, from: "LAA SAS", text: "F1")) == "reference F1=120000")
        #expect(rule(Self.receipt(120_001, from: "LAA SAS", text: "F1")) == "reference F1=120001")  // ± 0.01
        #expect(rule(Self.receipt(50_000, from: "LAA SAS", text: "F1 F2")) == "reference-partial F1=50000")
        #expect(
            rule(Self.receipt(60_000, from: "Les Automatismes Appliques", text: "virement")) == "client-amount F2=60000"
        )
        #expect(rule(Self.receipt(54_000, from: "Genlog", text: "")) == "client-several F3=12000 F4=12000 F5=30000")
    }

    @Test func neverGuesses() {
        // Two open invoices of the same amount for the payer: a person decides.
        #expect(rule(Self.receipt(12_000, from: "Genlog", text: "")).hasPrefix("review F3,F4: client GEN"))
        // 420.00 is F3 + F5 or F4 + F5: two sets, so a person decides; 240.03 matches no set at all.
        #expect(rule(Self.receipt(42_000, from: "Genlog", text: "")).contains("several sets"))
        #expect(rule(Self.receipt(24_003, from: "Genlog", text: "")).contains("owes nothing that adds up"))
        // More than owed, or a reference to another client's invoice.
        #expect(rule(Self.receipt(130_000, from: "LAA", text: "F1")).contains("more than"))
        #expect(rule(Self.receipt(12_000, from: "LAA", text: "F3")).contains("comes from client LAA"))
        // Unknown payer without reference.
        #expect(rule(Self.receipt(12_000, from: "Someone Else", text: "")).hasPrefix("review F3,F4: unknown payer"))
        // A transfer that names an invoice issued after it was booked does not pay it.
        #expect(
            rule(Self.receipt(60_000, from: "LAA SAS", text: "F2", on: "2025-07-15"))
                == "review F2: the transfer mentions F2 but was booked on 2025-07-15, before F2 was issued")
        // An invoice issued after the receipt is not a candidate.
        #expect(rule(Self.receipt(30_000, from: "Genlog", text: "", on: "2025-08-15")).hasPrefix("review"))
    }
}

@Suite("Receivables with the Oxygène register's historical invoices")
struct HistoricalReceivablesTests {
    /// `F1` (ours) and `F2` of LAA, with the register's `H1` (older) and `H2` (between them).
    static func receivables() -> Receivables {
        var h1 = PaymentMatcherTests.invoice("H1", client: "LAA", total: 50_000, on: "2025-06-01")
        h1.origin = .init(type: .register, draftID: "oxygene-H1", contract: nil, period: nil)
        var h2 = PaymentMatcherTests.invoice("H2", client: "LAA", total: 90_000, on: "2025-07-15")
        h2.origin = .init(type: .register, draftID: "oxygene-H2", contract: nil, period: nil)
        let historical = [
            // The register shows 10 000 settled on H1 and the credit note A1 took 5 000 of it.
            OxygeneHistory.Invoice(
                document: h1, settledInRegisterMinor: 10_000,
                credits: [(number: "A1", date: CivilDate(iso: "2025-06-02")!, amountMinor: 5_000)]),
            OxygeneHistory.Invoice(document: h2, settledInRegisterMinor: 0),
        ]
        return Receivables(
            issued: [
                PaymentMatcherTests.invoice("F1", client: "LAA", total: 120_000, on: "2025-07-01"),
                PaymentMatcherTests.invoice("F2", client: "LAA", total: 35_000, on: "2025-08-01"),
            ], historical: historical)
    }

    @Test func registerInvoicesAreMergedInIssueOrderOwingTheirRemainder() {
        let receivables = Self.receivables()
        let today = CivilDate(iso: "2025-09-01")!
        #expect(receivables.order == ["H1", "F1", "H2", "F2"])
        #expect(receivables.open(on: today, client: "LAA").map(\.document.number) == ["H1", "F1", "H2", "F2"])
        #expect(receivables.item("H1")?.openMinor == 35_000 && receivables.item("H1")?.paidMinor == 15_000)
        #expect(receivables.item("H1")?.applied.map(\.source) == [OxygeneHistory.registerSource, "A1"])
        #expect(receivables.item("H1")?.fromRegister == true && receivables.item("F1")?.fromRegister == false)
        // The index by amount owed answers as filtering does: H1 owes 35 000 like F2.
        #expect(
            receivables.open(on: today, owing: 35_000, tolerance: 0).map(\.document.number) == ["H1", "F2"])
        #expect(receivables.open(on: today, owing: 50_000, tolerance: 0).isEmpty)
    }

    @Test func aMatchPaysARegisterInvoiceLikeOurs() {
        var receivables = Self.receivables()
        receivables.apply(
            PaymentMatch(
                receipt: "bank:1", bookingDate: CivilDate(iso: "2025-08-10")!, amountMinor: 35_000, rule: "reference",
                allocations: [.init(invoice: "H1", amountMinor: 35_000)], by: "rule", evidence: ""))
        let today = CivilDate(iso: "2025-09-01")!
        #expect(receivables.item("H1")?.openMinor == 0)
        #expect(receivables.item("H1")?.settledOn == CivilDate(iso: "2025-08-10"))
        #expect(receivables.open(on: today, owing: 35_000, tolerance: 0).map(\.document.number) == ["F2"])
        #expect(!receivables.open(on: today).contains { $0.document.number == "H1" })
    }
}

@Suite("Supporting documents' names")
struct SupportingNameTests {
    /// The name written as bytes is the interpolation of the date's and amount's texts it replaced.
    @Test(arguments: [
        ("2025-09-05", Int64(60_000)), ("2016-01-31", 5), ("2099-12-01", 123), ("2000-02-29", 0),
        ("0042-07-04", 99), ("2025-10-10", 987_654_321_012),
    ])
    func theNameIsTheDateAmountPayerAndInvoice(day: String, amount: Int64) {
        let receipt = PaymentMatcherTests.receipt(amount, from: "Société Générale & Fils", text: "", on: day)
        let payer = PaymentReports.payerInName(receipt.counterpartyName)
        let expected =
            "\(receipt.bookingDate)_\(PaymentReports.money(amount))_\(payer)_F2025-0001/é.xml"
        #expect(PaymentReports.supportingName(receipt, invoice: "F2025-0001/é") == expected)
        #expect(PaymentReports.supportingName(receipt, invoice: "F2025-0001/é", payer: payer) == expected)
    }
}

@Suite("Payment pass shortcuts")
struct PaymentPassShortcutTests {
    /// A key booked twice gives its first receipt, as the dictionary of receipts it replaced did
    /// (`uniquingKeysWith: { first, _ in first }`): the payer is learnt from that one's IBAN.
    @Test func aKeyBookedTwiceGivesItsFirstReceipt() {
        var receipts = [
            PaymentMatcherTests.receipt(100, from: "A", text: "x", on: "2025-01-02"),
            PaymentMatcherTests.receipt(200, from: "B", text: "y", on: "2025-01-03"),
            PaymentMatcherTests.receipt(100, from: "A", text: "x", on: "2025-01-04"),
        ]
        receipts[2].counterpartyIBAN = "FR7600000000000000000000000"
        let first = PaymentPass.firstReceipts(receipts)
        #expect(first.count == 2)
        #expect(first[receipts[0].key] == 0)
        #expect(first[receipts[1].key] == 1)
    }

    /// A payer's IBAN is learnt once, from the first match that names a client: its client is not
    /// looked up again, a configured IBAN is kept, an empty one or an unknown client teaches nothing.
    @Test func anIBANIsLearntOnceAndItsClientAskedOnlyThen() {
        let client = PipelineConfig.Client(code: "LAA", name: "Les Automatismes Appliqués", aliases: [])
        var payers = PayerIdentifier(clients: [client])
        var asked: [String] = []
        func receipt(_ iban: String) -> Receipt {
            var receipt = PaymentMatcherTests.receipt(100, from: "Inconnu", text: "")
            receipt.counterpartyIBAN = iban
            return receipt
        }
        payers.learn(iban: "DE000001") {
            asked.append("unknown"); return nil
        }
        payers.learn(iban: "FR7600000001") {
            asked.append("first"); return "LAA"
        }
        payers.learn(iban: "FR7600000001") {
            asked.append("again"); return "GEN"
        }
        payers.learn(iban: "") {
            asked.append("empty"); return "GEN"
        }
        #expect(asked == ["unknown", "first"])
        #expect(payers.client(of: receipt("FR7600000001"))?.code == "LAA")
        #expect(payers.client(of: receipt("DE000001")) == nil)
    }

    /// The byte scan says what Foundation's `contains(":")` says, combining marks and other
    /// scripts included.
    @Test(arguments: [
        "", "F2025-0001", "qonto:abc", ":", "a:", "AV-2025-01", "qonto:é", "é:", "e\u{301}", ":\u{301}",
        "x:\u{301}y", "日本:", "日本", "Fac\u{300}ture",
    ])
    func theColonTestIsFoundations(source: String) {
        #expect(PaymentReports.hasColon(source) == source.contains(":"))
    }
}
