import Foundation
import Testing

@testable import FacturationCore

@Suite("OFX converter")
struct OfxConverterTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/ofx")
    static let secondAccount = "other_ibans = [\"FR76 3000 6000 0112 3456 7890 189\"]"

    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: fixtures.appendingPathComponent(name))
    }

    /// A 1.x statement of the company's account (RIB 16958 00001 01234567890) holding `transactions`.
    static func sgml(_ transactions: String, account: String = "01234567890", bank: String = "16958") -> String {
        """
        OFXHEADER:100
        DATA:OFXSGML
        VERSION:102
        ENCODING:USASCII
        CHARSET:1252

        <OFX>
        <BANKMSGSRSV1><STMTTRNRS><TRNUID>1<STMTRS><CURDEF>EUR
        <BANKACCTFROM><BANKID>\(bank)<BRANCHID>00001<ACCTID>\(account)<ACCTTYPE>CHECKING</BANKACCTFROM>
        <BANKTRANLIST>
        \(transactions)
        </BANKTRANLIST></STMTRS></STMTTRNRS></BANKMSGSRSV1>
        </OFX>
        """
    }

    static func transaction(amount: String = "12.50", id: String = "T-1", date: String = "20250901") -> String {
        "<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>\(date)<TRNAMT>\(amount)<FITID>\(id)<NAME>VIR CLIENT</STMTTRN>"
    }

    @Test func version1TwoStatementsReversalForeignCurrencyAndWindows1252() throws {
        let harness = try ConversionHarness(company: Self.secondAccount)
        defer { harness.cleanUp() }
        let outcome = try harness.convert(try Self.fixture("ofx1-two-statements.ofx"), name: "releve.ofx")
        #expect(outcome.rejection == nil, "\(outcome.problems) \(outcome.rejection?.summary ?? "")")
        #expect(outcome.report?.format == .ofx)
        let september = try #require(outcome.rows["2025-09"])
        #expect(
            september.map { $0["source_txn_id"] } == [
                "OFX-0001", "OFX-0002", "OFX-0003", "OFX-0004", "OFX-0005", "", "",
            ])
        #expect(
            september.map { $0["amount_minor"] } == ["150000", "-10000", "-25000", "-4500", "-4137", "-1200", "-1200"])
        let first = september[0]
        #expect(first["record_key"] == "qonto:FR7216958000010123456789012:OFX-0001")
        #expect(first["source_format"] == "ofx")
        #expect(first["account_iban"] == "FR7216958000010123456789012")
        #expect(first["booking_date"] == "2025-09-03")
        #expect(first["label"] == "VIR SEPA CLIENT SA")
        #expect(first["remittance_info"] == "Facture F-2025-0012")
        #expect(first["payment_method"] == "credit")
        // CHARSET:1252: é is one byte in the file.
        #expect(september[1]["label"] == "PRLV SEPA Société Générale")
        // A negative credit: a reversal, booked with its own sign.
        #expect(september[2]["note"] == "reversal")
        #expect(september[2]["direction"] == "debit")
        // CURRENCY: the amount is in USD; ORIGCURRENCY: in EUR, the original noted.
        #expect(september[3]["currency"] == "USD")
        #expect(september[4]["currency"] == "EUR")
        #expect(september[4]["note"] == "original currency USD at rate 0.9193")
        // Without FITID: the fingerprint key (identical lines are told apart when merged).
        #expect(september[5]["record_key"]?.hasPrefix("bank:") == true)
        #expect(september[5]["record_key"] == september[6]["record_key"])
        let october = try #require(outcome.rows["2025-10"])
        #expect(october.map { $0["record_key"] } == ["qonto:FR7630006000011234567890189:SG-OFX-1"])
        let notes = outcome.report?.notes ?? []
        #expect(notes.contains { $0.hasPrefix("1 line is in another currency") }, "\(notes)")
        #expect(notes.contains { $0.hasPrefix("1 reversal imported") }, "\(notes)")
    }

    @Test func version2XMLWithAnIBANAccountAndAZonedDate() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(try Self.fixture("ofx2-xml.ofx"), name: "export.xml")
        #expect(outcome.rejection == nil, "\(outcome.problems) \(outcome.rejection?.summary ?? "")")
        #expect(outcome.report?.format == .ofx)
        let october = try #require(outcome.rows["2025-10"])
        #expect(october.map { $0["source_txn_id"] } == ["X2-0001", "X2-0002"])
        // 23:30 GMT on the 10th is the 11th in Paris; DTUSER is the operation date.
        #expect(october[0]["booking_date"] == "2025-10-11")
        #expect(october[0]["operation_date"] == "2025-10-10")
        #expect(october[0]["label"] == "VIR SEPA ALPHA & FILS")
        #expect(october[1]["label"] == "PRLV SEPA ÉNERGIE")
        #expect(october[1]["remittance_info"] == "")
    }

    @Test func anAccountThatIsNotTheCompanysRejectsTheFileNamingItsIBAN() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(Self.sgml(Self.transaction(), account: "12345678901", bank: "30006"))
        let rejection = try #require(outcome.rejection)
        #expect(rejection.summary.contains("FR7630006000011234567890189"), "\(rejection.summary)")
        let malformed = try harness.convert(Self.sgml(Self.transaction(), bank: "ABC"))
        #expect(malformed.problems.contains { $0.contains("STMTRS/BANKACCTFROM") }, "\(malformed.problems)")
    }

    @Test func damagedTransactionsAreNamedWithTheirLineAndElement() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(
            Self.sgml(
                Self.transaction(amount: "12.5.0") + "\n" + Self.transaction(id: "T-2", date: "20251345") + "\n"
                    + Self.transaction(amount: "1.00", id: "T-3") + "\n" + Self.transaction(amount: "2.00", id: "T-3")))
        let rejection = try #require(outcome.rejection)
        #expect(rejection.format == .ofx)
        #expect(
            outcome.problems.contains { $0.contains("column \"STMTTRN/TRNAMT\": \"12.5.0\"") }, "\(outcome.problems)")
        #expect(outcome.problems.contains { $0.contains("column \"STMTTRN/DTPOSTED\": \"20251345\"") })
        #expect(outcome.problems.contains { $0.contains("also on line") })
        #expect(outcome.allRows.isEmpty)
        // A cut download: the file ends inside the statement.
        let text = Self.sgml(Self.transaction())
        let cut = try harness.convert(String(text[..<text.range(of: "</BANKTRANLIST>")!.lowerBound]))
        #expect(cut.problems.first?.contains("the file ends before") == true, "\(cut.problems)")
    }

    /// Two statements of the company's account, September then October (`octoberStart`), each
    /// with its `LEDGERBAL` as of its end.
    static func twoMonths(octoberBalance: String, octoberStart: String = "20251001") -> String {
        func statement(_ id: Int, _ start: String, _ end: String, _ transactions: String, _ balance: String) -> String {
            """
            <STMTTRNRS><TRNUID>\(id)<STMTRS><CURDEF>EUR
            <BANKACCTFROM><BANKID>16958<BRANCHID>00001<ACCTID>01234567890<ACCTTYPE>CHECKING</BANKACCTFROM>
            <BANKTRANLIST><DTSTART>\(start)<DTEND>\(end)
            \(transactions)
            </BANKTRANLIST>
            <LEDGERBAL><BALAMT>\(balance)<DTASOF>\(end)</LEDGERBAL></STMTRS></STMTTRNRS>
            """
        }
        let october =
            transaction(amount: "300.00", id: "O-1", date: "20251010") + "\n"
            + transaction(amount: "-45.00", id: "O-2", date: "20251020")
        return """
            OFXHEADER:100
            DATA:OFXSGML
            VERSION:102

            <OFX>
            <BANKMSGSRSV1>
            \(statement(1, "20250901", "20250930", transaction(id: "S-1", date: "20250903"), "1012.50"))
            \(statement(2, octoberStart, "20251031", october, octoberBalance))
            </BANKMSGSRSV1>
            </OFX>
            """
    }

    /// `LEDGERBAL` is checked where the file allows it: against the previous statement of the same
    /// account when the two follow each other.
    @Test func theLedgerBalanceOfAStatementFollowingAnotherIsChecked() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let right = try harness.convert(Self.twoMonths(octoberBalance: "1267.50"))
        #expect(right.rejection == nil, "\(right.problems)")
        #expect(right.rows["2025-10"]?.count == 2)
        let wrong = try harness.convert(Self.twoMonths(octoberBalance: "1267.51"))
        #expect(wrong.rejection?.format == .ofx)
        #expect(
            wrong.problems.contains {
                $0.contains("column \"STMTRS/LEDGERBAL/BALAMT\": \"1267.51\"")
                    && $0.contains(
                        "the ledger balance is 1267.51 EUR, but the previous statement's (line 12) plus the "
                            + "transactions is 1267.50 EUR")
            }, "\(wrong.problems)")
        #expect(wrong.allRows.isEmpty)
        // Statements that do not follow each other (a gap of days): nothing to compare them with.
        let gap = try harness.convert(Self.twoMonths(octoberBalance: "1267.51", octoberStart: "20251005"))
        #expect(gap.rejection == nil, "\(gap.problems)")
    }

    @Test func sniffedFromTheContentNotTheName() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(Self.sgml(Self.transaction()), name: "export.csv")
        #expect(outcome.report?.format == .ofx)
        #expect(outcome.allRows.count == 1)
    }

    @Test func datesWithTimesAndZones() {
        let zone = ZoneConverter(timeZone: TimeZone(identifier: "Europe/Paris")!)
        #expect(OfxTransactionReader.parseDate("20250910", zone: zone)?.description == "2025-09-10")
        #expect(OfxTransactionReader.parseDate("20250910120000", zone: zone)?.description == "2025-09-10")
        #expect(OfxTransactionReader.parseDate("20250910233000[0:GMT]", zone: zone)?.description == "2025-09-11")
        #expect(OfxTransactionReader.parseDate("20250910003000[+1:CET]", zone: zone)?.description == "2025-09-10")
        #expect(OfxTransactionReader.parseDate("20250910200000[-5:EST]", zone: zone)?.description == "2025-09-11")
        #expect(OfxTransactionReader.parseDate("20250231", zone: zone) == nil)
        #expect(OfxTransactionReader.parseDate("2025091", zone: zone) == nil)
    }

    @Test func ribsMapToTheCompanysIBAN() {
        let own = ["FR7216958000010123456789012"]
        #expect(
            StatementAccount.iban(bank: "16958", branch: "00001", account: "1234567890", key: nil, own: own) == own[0])
        // Not the company's: the IBAN the RIB gives (key computed, check digits computed).
        #expect(
            StatementAccount.iban(bank: "30006", branch: "00001", account: "12345678901", key: nil, own: own)
                == "FR7630006000011234567890189")
        #expect(StatementAccount.iban(bank: "3000", branch: "00001", account: "1", key: nil, own: own) == nil)
        #expect(StatementAccount.computedKey(bank: "30006", branch: "00001", account: "12345678901") == "89")
        #expect(StatementAccount.iban("fr76 3000 6000 0112 3456 7890 189") == "FR7630006000011234567890189")
        #expect(StatementAccount.iban("12345678901") == nil)
    }
}
