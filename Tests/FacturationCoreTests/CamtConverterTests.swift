import Foundation
import Testing

@testable import FacturationCore

@Suite("camt.053 converter")
struct CamtConverterTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/camt")
    static let shared = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("shared/fixtures/bank")
    static let sharedPresent = FileManager.default.fileExists(atPath: shared.path)
    static let secondAccount = "other_ibans = [\"FR76 3000 6000 0112 3456 7890 189\"]"

    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: fixtures.appendingPathComponent(name))
    }

    /// A v02 document with one statement of the company's account holding `entries`.
    static func v02(_ entries: String, iban: String = "<IBAN>FR7216958000010123456789012</IBAN>") -> String {
        """
        <?xml version="1.0" encoding="UTF-8"?>
        <Document xmlns="urn:iso:std:iso:20022:tech:xsd:camt.053.001.02">
          <BkToCstmrStmt>
            <Stmt>
              <Acct><Id>\(iban)</Id><Ccy>EUR</Ccy></Acct>
        \(entries)
            </Stmt>
          </BkToCstmrStmt>
        </Document>
        """
    }

    static func entry(amount: String = "12.50", id: String = "E-1", date: String = "2025-09-01") -> String {
        """
              <Ntry>
                <Amt Ccy="EUR">\(amount)</Amt>
                <CdtDbtInd>CRDT</CdtDbtInd>
                <Sts>BOOK</Sts>
                <BookgDt><Dt>\(date)</Dt></BookgDt>
                <AcctSvcrRef>\(id)</AcctSvcrRef>
              </Ntry>
        """
    }

    @Test func version02TwoStatementsBatchReversalPendingAndForeignCurrency() throws {
        let harness = try ConversionHarness(company: Self.secondAccount)
        defer { harness.cleanUp() }
        let outcome = try harness.convert(try Self.fixture("camt053-v02-two-statements.xml"), name: "releve.xml")
        #expect(outcome.rejection == nil, "\(outcome.problems) \(outcome.rejection?.summary ?? "")")
        #expect(outcome.report?.format == .camt053)
        let september = try #require(outcome.rows["2025-09"])
        #expect(
            september.map { $0["source_txn_id"] } == [
                "BQ-0001", "BQ-0002-A", "BQ-0002/2", "BQ-0003", "BQ-0006", "BQ-0007", "",
            ])
        #expect(
            september.map { $0["amount_minor"] } == ["150000", "-10000", "-20000", "-150000", "-4137", "-4500", "1000"])
        let first = september[0]
        #expect(first["record_key"] == "qonto:FR7216958000010123456789012:BQ-0001")
        #expect(first["source_format"] == "camt_053")
        #expect(first["account_iban"] == "FR7216958000010123456789012")
        #expect(first["booking_date"] == "2025-09-03")
        #expect(first["value_date"] == "2025-09-03")
        #expect(first["counterparty_name"] == "Client SA")
        #expect(first["counterparty_iban"] == "DE89370400440532013000")
        #expect(first["remittance_info"] == "Facture F-2025-0012")
        #expect(first["payment_method"] == "PMNT/RCDT/ESCT")
        #expect(first["status"] == "booked")
        // The batch: one row per transaction, each with its own party and reference.
        #expect(september[1]["counterparty_name"] == "Fournisseur Un")
        #expect(september[2]["remittance_info"] == "Facture 78")
        #expect(september[1]["label"] == "VIREMENTS GROUPES 2")
        // The reversal: a booked debit of its own, noted.
        #expect(september[3]["status"] == "booked")
        #expect(september[3]["note"] == "reversal")
        #expect(september[3]["direction"] == "debit")
        // A date and time with a zone: its local date (23:30 UTC is the 11th in Paris).
        #expect(september[4]["booking_date"] == "2025-09-11")
        #expect(september[4]["note"] == "instructed 45.00 USD")
        #expect(september[5]["currency"] == "USD")
        // Without any bank id: the fingerprint key.
        #expect(september[6]["record_key"]?.hasPrefix("bank:") == true)
        let pending = try #require(outcome.rows["pending"])
        #expect(pending.map { $0["source_txn_id"] } == ["BQ-0004"])
        #expect(pending[0]["booking_date"] == "")
        let october = try #require(outcome.rows["2025-10"])
        #expect(october.map { $0["record_key"] } == ["qonto:FR7630006000011234567890189:SG-1"])
        let notes = outcome.report?.notes ?? []
        #expect(notes.contains { $0.hasPrefix("1 pending transaction without a transaction id") })
        #expect(notes.contains { $0.hasPrefix("1 informational entry (Sts INFO) skipped") })
        #expect(notes.contains { $0.hasPrefix("1 entry is in another currency") })
    }

    @Test func version08StatusCodesOwnAmountsAndABatchKeptWhole() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(try Self.fixture("camt053-v08.xml"), name: "v08.xml")
        #expect(outcome.rejection == nil, "\(outcome.problems) \(outcome.rejection?.summary ?? "")")
        let october = try #require(outcome.rows["2025-10"])
        #expect(october.map { $0["source_txn_id"] } == ["V8-0001-1", "V8-0001-2", "V8-0002"])
        #expect(october.map { $0["amount_minor"] } == ["25000", "10000", "-9000"])
        #expect(october[0]["counterparty_name"] == "Client Alpha")
        #expect(october[0]["remittance_info"] == "RF18539007547034")
        #expect(october[0]["value_date"] == "2025-10-21")
        #expect(october[2]["counterparty_name"] == "")
        #expect(october[2]["label"] == "PRELEVEMENTS SEPA")
        #expect(outcome.rows["pending"]?.map { $0["source_txn_id"] } == ["V8-0003"])
        #expect(outcome.report?.notes.contains { $0.hasPrefix("1 batched entry was imported as one row") } == true)
    }

    @Test func sniffedFromTheContentNotTheName() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(Self.v02(Self.entry()), name: "export.csv")
        #expect(outcome.report?.format == .camt053)
        #expect(outcome.allRows.count == 1)
        // camt.052 (an intraday report) stays refused, with its own reason.
        let report = try harness.convert(
            "<Document xmlns=\"urn:iso:std:iso:20022:tech:xsd:camt.052.001.02\"></Document>", name: "r.xml")
        #expect(report.rejection?.summary.contains("camt.05x") == true)
    }

    @Test func anotherVersionIsRejectedByItsNamespace() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let text = Self.v02(Self.entry()).replacingOccurrences(of: "camt.053.001.02", with: "camt.053.001.12")
        let outcome = try harness.convert(text, name: "v12.xml")
        #expect(outcome.rejection?.summary.contains("001.12") == true)
        #expect(outcome.allRows.isEmpty)
    }

    @Test func anAccountThatIsNotTheCompanysIsRejected() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(
            Self.v02(Self.entry(), iban: "<IBAN>FR7630006000011234567890189</IBAN>"), name: "other.xml")
        #expect(
            outcome.rejection?.summary
                == "This export is for the account FR7630006000011234567890189, which is not an account of Test Conseil."
        )
    }

    @Test func damagedStatementsAreRejectedNamingTheLineAndElement() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let badAmount = try harness.convert(Self.v02(Self.entry(amount: "12,50")), name: "bad.xml")
        #expect(badAmount.problems.count == 1)
        #expect(badAmount.problems.first?.hasPrefix("line 7, column \"Ntry/Amt\": \"12,50\"") == true)
        let noIBAN = try harness.convert(
            Self.v02(Self.entry(), iban: "<Othr><Id>0035-2915203-10-000</Id></Othr>"), name: "noiban.xml")
        #expect(noIBAN.problems.first?.contains("Stmt/Acct/Id/IBAN") == true)
        #expect(noIBAN.problems.first?.contains("0035-2915203-10-000") == true)
        let cut = String(Self.v02(Self.entry()).prefix(300))
        let truncated = try harness.convert(cut, name: "cut.xml")
        #expect(truncated.rejection?.summary.hasPrefix("The statement is not well-formed XML") == true)
        #expect(truncated.problems.first?.hasPrefix("line ") == true)
        let badDate = try harness.convert(Self.v02(Self.entry(date: "2025-13-01")), name: "date.xml")
        #expect(badDate.problems.first?.contains("Ntry/BookgDt") == true)
        for outcome in [badAmount, noIBAN, truncated, badDate] { #expect(outcome.allRows.isEmpty) }
    }

    /// The tree takes about 13 times the file: a statement above the bound is refused before it is read.
    @Test func aStatementAboveTheSizeBoundIsRefusedUnread() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let padding = "<!--" + String(repeating: " ", count: Int(CamtConverter.maximumSize)) + "-->\n"
        let text = Self.v02(padding + Self.entry())
        let outcome = try harness.convert(text, name: "huge.xml")
        #expect(outcome.rejection?.summary.hasPrefix("The statement is larger than 64 MB") == true)
        // Without the padding, the same statement is read.
        let small = try harness.convert(Self.v02(Self.entry()), name: "small.xml")
        #expect(small.allRows.count == 1)
    }

    @Test func oneIdWithTwoAmountsRejectsTheFile() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(
            Self.v02(Self.entry(amount: "1.00", id: "X") + Self.entry(amount: "2.00", id: "X")), name: "twice.xml")
        #expect(outcome.rejection != nil)
        let same = try harness.convert(Self.v02(Self.entry(id: "X") + Self.entry(id: "X")), name: "same.xml")
        #expect(same.rejection == nil)
    }

    /// The sample statements of `../shared/fixtures/bank/` (not shipped with the package).
    @Test(.enabled(if: CamtConverterTests.sharedPresent)) func conformsToTheSharedSamples() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        // v02: its account is a placeholder IBAN, replaced by the company's so that every entry is read.
        let v02Text = try String(
            contentsOf: Self.shared.appendingPathComponent("camt053_001_02_simple.xml"), encoding: .utf8)
        let v02 = try harness.convert(
            v02Text.replacingOccurrences(
                of: "<IBAN>LT000000000000000000</IBAN>", with: "<IBAN>FR7216958000010123456789012</IBAN>"),
            name: "v02.xml")
        #expect(v02.rejection == nil, "\(v02.problems) \(v02.rejection?.summary ?? "")")
        let entries = v02Text.components(separatedBy: "<Ntry>").count - 1
        #expect(v02.allRows.count == entries)
        #expect(v02.allRows.allSatisfy { $0["status"] == "booked" && $0["currency"] == "EUR" })
        // Every sample there is recognised as camt.053 and read by its converter: imported, or
        // rejected with located problems or a foreign account (never "unknown format").
        let samples = try FileManager.default.contentsOfDirectory(atPath: Self.shared.path).filter {
            $0.hasSuffix(".xml")
        }
        for name in samples {
            let outcome = try harness.convert(
                try Data(contentsOf: Self.shared.appendingPathComponent(name)), name: name)
            #expect(outcome.report?.format == .camt053 || outcome.rejection?.format == .camt053, "\(name)")
            if let rejection = outcome.rejection {
                // Located problems, or the one account that is not the company's (named in the summary).
                #expect(
                    !rejection.problems.isEmpty || rejection.summary.contains("which is not an account of"),
                    "\(name): \(rejection.summary)")
            }
        }
        // v08: the account is identified by Othr/Id, not an IBAN: rejected, naming the element and the id.
        let v08 = try harness.convert(
            try Data(contentsOf: Self.shared.appendingPathComponent("camt053_001_08_sample.xml")), name: "v08.xml")
        #expect(v08.problems.first?.contains("Stmt/Acct/Id/IBAN") == true)
        #expect(v08.problems.first?.contains("0035-2915203-10-000") == true)
    }
}
