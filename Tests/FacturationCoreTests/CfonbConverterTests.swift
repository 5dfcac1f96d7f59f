import Foundation
import Testing

@testable import FacturationCore

@Suite("CFONB 120 converter")
struct CfonbConverterTests {
    static let fixtures = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/cfonb")
    static let secondAccount = "other_ibans = [\"FR76 3000 6000 0112 3456 7890 189\"]"

    static func fixture(_ name: String) throws -> Data {
        try Data(contentsOf: fixtures.appendingPathComponent(name))
    }

    /// A signed amount of 14 characters: 13 digits and the sign-and-digit character.
    static func amount(_ cents: Int64) -> String {
        let digits = String(cents.magnitude)
        let padded = String(repeating: "0", count: 14 - digits.count) + digits
        let last = Int(String(padded.last!))!
        let signs = cents < 0 ? Array("}JKLMNOPQR") : Array("{ABCDEFGHI")
        return String(padded.dropLast()) + String(signs[last])
    }

    /// A 01 or 07 record of the company's account (RIB 16958 00001 01234567890).
    static func balance(_ code: String, _ date: String, _ cents: Int64, bank: String = "16958") -> String {
        code + bank + "    00001EUR2 01234567890  " + date + String(repeating: " ", count: 50) + amount(cents)
            + String(repeating: " ", count: 16)
    }

    /// A 04 record of the company's account.
    static func movement(_ date: String, _ cents: Int64, _ label: String, rejection: String = "  ") -> String {
        let padded = label + String(repeating: " ", count: 31 - label.count)
        return "04169580011" + "00001EUR2 0123456789005" + date + rejection + date + padded + "  0000001  "
            + amount(cents) + String(repeating: " ", count: 16)
    }

    static func statement(_ movements: [(String, Int64, String)], closing: Int64? = nil) -> String {
        let total = movements.reduce(Int64(100_000)) { $0 + $1.1 }
        return
            ([balance("01", "010925", 100_000)] + movements.map { movement($0.0, $0.1, $0.2) }
            + [balance("07", "300925", closing ?? total)]).joined(separator: "\n") + "\n"
    }

    @Test func recordsAreCutAtTheirStandardPositions() {
        #expect(Self.movement("030925", 150_000, "VIR").count == 120)
        #expect(Self.balance("01", "010925", 1).count == 120)
        #expect(CfonbRecord.signedAmount("0000000015000{") == 150_000)
        #expect(CfonbRecord.signedAmount("0000000000413P") == -4137)
        #expect(CfonbRecord.signedAmount("0000000000000}") == 0)
        #expect(CfonbRecord.signedAmount("000000000041 P") == nil)
        #expect(CfonbRecord.signedAmount("00000000004137") == nil)
        #expect(CfonbRecord.date("300925")?.description == "2025-09-30")
        #expect(CfonbRecord.date("310925") == nil)
    }

    @Test func twoStatementsComplementsReversalAndIdenticalMovements() throws {
        let harness = try ConversionHarness(company: Self.secondAccount)
        defer { harness.cleanUp() }
        let outcome = try harness.convert(try Self.fixture("cfonb-two-statements.txt"), name: "releve.txt")
        #expect(outcome.rejection == nil, "\(outcome.problems) \(outcome.rejection?.summary ?? "")")
        #expect(outcome.report?.format == .cfonb120)
        let september = try #require(outcome.rows["2025-09"])
        #expect(september.map { $0["amount_minor"] } == ["150000", "-10000", "-25000", "-4137", "-1200", "-1200"])
        let first = september[0]
        #expect(first["source_format"] == "cfonb_120")
        #expect(first["account_iban"] == "FR7216958000010123456789012")
        #expect(first["source_txn_id"] == "")
        #expect(first["record_key"]?.hasPrefix("bank:") == true)
        #expect(first["booking_date"] == "2025-09-03")
        #expect(first["label"] == "VIR SEPA CLIENT SA")
        #expect(first["counterparty_name"] == "CLIENT SA")
        #expect(first["remittance_info"] == "Facture F-2025-0012")
        #expect(first["payment_method"] == "05")
        #expect(september[1]["label"] == "PRLV SEPA FOURNISSEUR UN LOYER SEPTEMBRE")
        #expect(september[2]["note"] == "reversal (rejection code 04)")
        #expect(september[3]["note"] == "original amount 45.00 USD")
        // Identical movements share the fingerprint; the merge numbers them (#1, #2).
        #expect(september[4]["record_key"] == september[5]["record_key"])
        let october = try #require(outcome.rows["2025-10"])
        #expect(october.map { $0["account_iban"] } == ["FR7630006000011234567890189"])
        #expect(outcome.report?.notes.contains { $0.hasPrefix("1 reversal imported") } == true)
    }

    @Test func aFileWithoutLineEndsInWindows1252() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(try Self.fixture("cfonb-no-line-ends.txt"), name: "RELEVE")
        #expect(outcome.rejection == nil, "\(outcome.problems) \(outcome.rejection?.summary ?? "")")
        let october = try #require(outcome.rows["2025-10"])
        #expect(october.map { $0["amount_minor"] } == ["240000", "-9000"])
        #expect(october[1]["label"] == "PRLV SEPA ÉNERGIE")
        #expect(october.map { $0["source_row"] } == ["2", "3"])
    }

    @Test func aBadBalanceRejectsTheFileNamingBothSums() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(Self.statement([("030925", 150_000, "VIR")], closing: 250_001))
        let rejection = try #require(outcome.rejection)
        #expect(rejection.format == .cfonb120)
        #expect(
            outcome.problems.contains {
                $0.hasPrefix("line 3, column \"new balance (positions 91–104)\"")
                    && $0.contains(
                        "the new balance is 2500.01 EUR, but the old balance (line 1) plus the movements is 2500.00")
            }, "\(outcome.problems)")
        #expect(outcome.allRows.isEmpty)
    }

    @Test func damagedRecordsAreNamedWithTheirLineAndPositions() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        var bad = Array(Self.movement("030925", 150_000, "VIR"))
        bad[103] = "X"
        let text = [
            Self.balance("01", "010925", 100_000), String(bad), Self.movement("320925", 1, "DATE"),
            "09" + String(repeating: " ", count: 118), Self.balance("07", "300925", 100_001),
        ].joined(separator: "\r\n")
        let outcome = try harness.convert(text)
        let problems = outcome.problems
        #expect(problems.contains { $0.hasPrefix("line 2, column \"amount (positions 91–104)\"") }, "\(problems)")
        #expect(problems.contains { $0.hasPrefix("line 3, column \"booking date (positions 35–40)\": \"320925\"") })
        #expect(problems.contains { $0.hasPrefix("line 4, column \"record code (positions 1–2)\": \"09\"") })
        // A cut file: the statement has no new balance.
        let cut = try harness.convert(
            Self.statement([("030925", 1, "VIR")]).split(separator: "\n").dropLast().joined(separator: "\n"))
        #expect(cut.problems.contains { $0.contains("has no new balance (07)") }, "\(cut.problems)")
    }

    @Test func anAccountThatIsNotTheCompanysRejectsTheFile() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let text = Self.statement([]).replacingOccurrences(of: "16958", with: "30006")
        let outcome = try harness.convert(text)
        #expect(outcome.rejection?.summary.contains("FR") == true, "\(outcome.rejection?.summary ?? "")")
        #expect(outcome.rejection?.summary.contains("not an account of Test Conseil") == true)
    }

    @Test func sniffedFromTheContentNotTheName() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let outcome = try harness.convert(Self.statement([("030925", 1, "VIR")]), name: "export.csv")
        #expect(outcome.report?.format == .cfonb120)
        #expect(outcome.allRows.count == 1)
    }
}
