import Foundation
import Testing

@testable import FacturationCore

@Suite("MT940 converter")
struct Mt940ConverterTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/mt940")
    static let secondAccount = "other_ibans = [\"FR76 3000 6000 0112 3456 7890 189\"]"

    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: fixtures.appendingPathComponent(name))
    }

    /// One statement of the company's account opening at 1000,00 EUR with `lines`.
    static func statement(
        _ lines: String, closing: String = "C250930EUR1012,50", account: String = "FR7216958000010123456789012"
    ) -> String {
        ":20:TEST\n:25:\(account)\n:28C:1/1\n:60F:C250901EUR1000,00\n\(lines):62F:\(closing)\n"
    }

    static let line = ":61:2509030903C12,50NTRFNONREF//REF-1\n:86:VIREMENT\n"

    @Test func twoStatementsSubfieldsKeywordsReversalsAndIdenticalLines() throws {
        let harness = try ConversionHarness(company: Self.secondAccount)
        defer { harness.cleanUp() }
        let outcome = try harness.convert(try Self.fixture("mt940-two-statements.sta"), name: "releve.sta")
        #expect(outcome.rejection == nil, "\(outcome.problems) \(outcome.rejection?.summary ?? "")")
        #expect(outcome.report?.format == .mt940)
        let september = try #require(outcome.rows["2025-09"])
        #expect(
            september.map { $0["source_txn_id"] } == ["BQ-MT-0001", "BQ-MT-0002", "BQ-MT-0003", "BQ-MT-0004", "", ""])
        #expect(september.map { $0["amount_minor"] } == ["150000", "-10000", "-25000", "4137", "-1200", "-1200"])
        let first = september[0]
        #expect(first["record_key"] == "qonto:FR7216958000010123456789012:BQ-MT-0001")
        #expect(first["source_format"] == "mt940")
        #expect(first["booking_date"] == "2025-09-03")
        #expect(first["label"] == "VIREMENT SEPA RECU")
        #expect(first["remittance_info"] == "Facture F-2025-0012")
        #expect(first["counterparty_name"] == "CLIENT SA")
        #expect(first["counterparty_iban"] == "DE89370400440532013000")
        #expect(first["payment_method"] == "NTRF")
        #expect(september[1]["counterparty_name"] == "FOURNISSEUR UN")
        #expect(september[1]["remittance_info"] == "Loyer septembre")
        // RC: the reversal of a credit is a debit; RD the reversal of a debit, a credit.
        #expect(september[2]["note"] == "reversal")
        #expect(september[2]["label"] == "RETOUR VIREMENT CLIENT B")
        #expect(september[3]["note"] == "reversal")
        #expect(september[3]["direction"] == "credit")
        // Without a bank reference: the fingerprint key, the same for identical lines.
        #expect(september[4]["record_key"]?.hasPrefix("bank:") == true)
        #expect(september[4]["record_key"] == september[5]["record_key"])
        let october = try #require(outcome.rows["2025-10"])
        #expect(october.map { $0["record_key"] } == ["qonto:FR7630006000011234567890189:SG-MT-1"])
        #expect(october[0]["label"] == "REMISE CHEQUE")
    }

    @Test func plainFileInAnotherCurrencyWithoutEntryDates() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(try Self.fixture("mt940-plain.txt"))
        #expect(outcome.rejection == nil, "\(outcome.problems) \(outcome.rejection?.summary ?? "")")
        let october = try #require(outcome.rows["2025-10"])
        #expect(october.map { $0["amount_minor"] } == ["-4500"])
        #expect(october[0]["currency"] == "USD")
        #expect(october[0]["booking_date"] == "2025-10-15")
        #expect(october[0]["counterparty_name"] == "AMAZON WEB SERVICES")
    }

    /// `/OCMT/` (the original amount of a payment made in another currency), in the `:86:` or in
    /// the `:61:`'s supplementary details, is written in `note` as the other formats write theirs.
    @Test func theOriginalAmountOfAForeignPaymentIsInTheNote() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let lines =
            ":61:2509030903C12,50NTRFNONREF//REF-1\n:86:/NAME/CLIENT US/REMI/USTD//INV 7/OCMT/USD14,62/CHGS/EUR0,50/\n"
            + ":61:2509040904RD5,00NTRFNONREF//REF-2\n/OCMT/GBP4,3/\n:86:RETOUR\n"
            + ":61:2509050905C1,00NTRFNONREF//REF-3\n:86:/NAME/SANS DEVISE/OCMT/45,00/\n"
        let text = Self.statement(lines, closing: "C250930EUR1018,50")
        let outcome = try harness.convert(Data(text.utf8), name: "releve.sta")
        #expect(outcome.rejection == nil, "\(outcome.problems) \(outcome.rejection?.summary ?? "")")
        let rows = try #require(outcome.rows["2025-09"])
        #expect(rows.map { $0["note"] } == ["original amount 14.62 USD", "reversal; original amount 4.30 GBP", ""])
        #expect(rows[0]["remittance_info"] == "INV 7" && rows[0]["counterparty_name"] == "CLIENT US")
        #expect(rows.map { $0["currency"] } == ["EUR", "EUR", "EUR"])
    }

    @Test func aBadClosingBalanceRejectsTheFile() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(Self.statement(Self.line, closing: "C250930EUR1012,51"))
        #expect(outcome.rejection?.format == .mt940)
        #expect(
            outcome.problems.contains {
                $0.hasPrefix("line 7, column \":62F:\"")
                    && $0.contains(
                        "the closing balance is 1012.51 EUR, but the opening balance (line 1) plus the lines is 1012.50 EUR"
                    )
            }, "\(outcome.problems)")
    }

    @Test func damagedLinesAreNamedWithTheirLineAndPart() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(
            Self.statement(
                ":61:2509030903X12,50NTRF\n:61:2509030903C12.50NTRF\n:61:2513030903C12,50NTRF\n"
                    + ":61:2509030903C1,00NTRFX//R\n:61:2509030903C2,00NTRFX//R\n"))
        let problems = outcome.problems
        #expect(problems.contains { $0.hasPrefix("line 5, column \":61: mark\"") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("line 6, column \":61: amount\"") })
        #expect(problems.contains { $0.hasPrefix("line 7, column \":61: value date\"") })
        #expect(problems.contains { $0.contains("also on line 8") })
        let cut = try harness.convert(":20:TEST\n:25:FR7216958000010123456789012\n:60F:C250901EUR1000,00\n" + Self.line)
        #expect(cut.problems.contains { $0.contains("has no closing balance") }, "\(cut.problems)")
    }

    @Test func accountsAsRIBsAndForeignAccounts() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let rib = try harness.convert(Self.statement(Self.line, account: "16958 00001 01234567890 12"))
        #expect(rib.rejection == nil, "\(rib.problems)")
        #expect(rib.allRows.first?["account_iban"] == "FR7216958000010123456789012")
        let bic = try harness.convert(Self.statement(Self.line, account: "BANKFRPPXXX/FR7216958000010123456789012"))
        #expect(bic.rejection == nil, "\(bic.problems)")
        let foreign = try harness.convert(Self.statement(Self.line, account: "FR7630006000011234567890189"))
        #expect(foreign.rejection?.summary.contains("FR7630006000011234567890189") == true)
        let unreadable = try harness.convert(Self.statement(Self.line, account: "ABC"))
        #expect(unreadable.problems.contains { $0.hasPrefix("line 2, column \":25:\"") }, "\(unreadable.problems)")
    }

    @Test func statementLinesParse() throws {
        let euro = Currency.euro
        let line = try Mt940StatementLine.parse("2512311231D1234,5FMSCREF1//BANK REF 9", currency: euro).get()
        #expect(line.amountMinor == -123_450)
        #expect(line.entryDate?.description == "2025-12-31")
        #expect(line.bankReference == "BANK REF 9")
        #expect(line.customerReference == "REF1")
        // Valued on 31 December, booked on 2 January.
        let wrap = try Mt940StatementLine.parse("2512310102C1,NTRFNONREF", currency: euro).get()
        #expect(wrap.entryDate?.description == "2026-01-02")
        #expect(wrap.amountMinor == 100)
        // A funds code after the mark (CR: credit, funds code R).
        #expect(try Mt940StatementLine.parse("250903CR5,00NTRFX", currency: euro).get().amountMinor == 500)
        #expect(try Mt940StatementLine.parse("250903RD5,00NTRFX", currency: euro).get().reversal)
    }

    @Test func sniffedFromTheContentNotTheName() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(Self.statement(Self.line), name: "export.csv")
        #expect(outcome.report?.format == .mt940)
        #expect(outcome.allRows.count == 1)
    }
}
