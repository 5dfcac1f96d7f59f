import Foundation
import Testing

/// OFX, CFONB 120 and MT940 statements dropped into the inbox and imported by the real binary.
@Suite("OFX, CFONB 120 and MT940 statements, end to end")
struct BankStatementImportTests {
    static func fixture(_ path: String) throws -> Data {
        try Data(contentsOf: Repository.root.appendingPathComponent("Tests/Fixtures/\(path)"))
    }

    static let september = "archive/ledgers/demo-conseil/bank-transactions/2025-09.csv"
    static let october = "archive/ledgers/demo-conseil/bank-transactions/2025-10.csv"

    /// The account a fetched Qonto file names (`facturation_fetch.iban`) comes from the file: a
    /// hostile one (5,000 characters, a NUL) rejects that file alone with a short, clean reason.
    @Test func aHostileAccountInAFetchedFileIsRejectedWithAShortCleanReason() throws {
        let workspace = try TestWorkspace()
        let demo = try Data(contentsOf: Repository.root.appendingPathComponent("demo/inbox/qonto-api-2025-09.json"))
        var json = try #require(try JSONSerialization.jsonObject(with: demo) as? [String: Any])
        json["facturation_fetch"] = ["iban": String(repeating: "X", count: 5_000) + "\u{0}"]
        try workspace.drop("qonto-hostile.json", try JSONSerialization.data(withJSONObject: json))
        try workspace.drop("qonto-api-2025-09.json", demo)
        let run = try workspace.run(["run", "--settle", "0"])
        #expect(run.status == 2, "\(run.stdout)")
        #expect(run.stdout.contains("imported   qonto-api-2025-09.json"), "\(run.stdout)")
        let reason = try #require(workspace.files(under: "archive/rejected").first { $0.hasSuffix(".reason.txt") })
        let text = try workspace.text(reason)
        #expect(text.contains("XXXX… (5001 characters), which is not an account of"), "\(text)")
        #expect(text.utf8.count < 2_000 && !text.contains("\u{0}"), "\(text.utf8.count) bytes")
    }

    /// An OFX file that declares Windows-1252 (`CHARSET:1252`) is read so, even with bytes that
    /// look like UTF-8 (`é` + no-break space + `»` is E9 A0 BB); one that is in UTF-8 (OFX 2, XML)
    /// with a byte of Windows-1252 in it is rejected like any other export, not read garbled.
    @Test func anOFXFileFollowsItsDeclaredCharsetAndIsRejectedWhenItsUTF8IsDamaged() throws {
        let workspace = try CamtImportTests.workspace()
        var latin = try Self.fixture("ofx/ofx1-two-statements.ofx")
        let memo = try #require(latin.firstRange(of: Data("<MEMO>".utf8)))
        latin.insert(
            contentsOf: Data("« facture valid".utf8.map { $0 }) + [0xE9, 0xA0, 0xBB, 0x20], at: memo.upperBound)
        try workspace.drop("declared.ofx", latin)
        var damaged = try Self.fixture("ofx/ofx2-xml.ofx")
        let place = try #require(damaged.firstRange(of: Data("<MEMO>F-2025-0031".utf8))).upperBound
        damaged.insert(contentsOf: [0x20, 0x72, 0xE9, 0x67, 0x6C, 0xE9], at: place)
        try workspace.drop("damaged.ofx", damaged)
        let run = try workspace.run(["run", "--settle", "0"])
        #expect(run.status == 2, "\(run.stdout)\n\(run.stderr)")
        #expect(run.stdout.contains("imported   declared.ofx"), "\(run.stdout)")
        let reason = try workspace.text(
            try #require(workspace.files(under: "archive/rejected").first { $0.hasSuffix("damaged.ofx.reason.txt") }))
        #expect(reason.contains("places in it are not UTF-8"), "\(reason)")
        #expect(reason.contains("ÉNERGIE"), "\(reason)")
        #expect(reason.contains("F-2025-0031 r<E9>gl<E9>"), "\(reason)")
    }

    @Test func aFetchedFileWhoseAccountIsNotTextIsRejectedNotGivenTheCompanyAccount() throws {
        let workspace = try TestWorkspace()
        let demo = try Data(contentsOf: Repository.root.appendingPathComponent("demo/inbox/qonto-api-2025-09.json"))
        var json = try #require(try JSONSerialization.jsonObject(with: demo) as? [String: Any])
        json["facturation_fetch"] = ["iban": 12]
        try workspace.drop("qonto-number.json", try JSONSerialization.data(withJSONObject: json))
        let run = try workspace.run(["run", "--settle", "0"])
        #expect(run.status == 2, "\(run.stdout)")
        #expect(!workspace.exists("archive/ledgers/demo-conseil/bank-transactions/2025-09.csv"))
        let reason = try #require(workspace.files(under: "archive/rejected").first { $0.hasSuffix(".reason.txt") })
        let text = try workspace.text(reason)
        #expect(text.contains("facturation_fetch.iban is not text"), "\(text)")
    }

    @Test func eachFormatIsImportedAndADamagedFileIsRejectedAlone() throws {
        let workspace = try CamtImportTests.workspace()
        try workspace.drop("releve.ofx", try Self.fixture("ofx/ofx1-two-statements.ofx"))
        try workspace.drop("releve-cfonb.txt", try Self.fixture("cfonb/cfonb-no-line-ends.txt"))
        try workspace.drop("releve.sta", try Self.fixture("mt940/mt940-plain.txt"))
        let damaged = String(decoding: try Self.fixture("mt940/mt940-two-statements.sta"), as: UTF8.self)
            .replacingOccurrences(of: ":62F:C250930EUR2167,37", with: ":62F:C250930EUR2167,38")
        try workspace.drop("releve-abime.sta", damaged)
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 2, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("3 imported, 1 rejected"), "\(result.stdout)")
        let september = try workspace.csvRecords(Self.september)
        #expect(september.count == 7)
        #expect(september.allSatisfy { $0["source_format"] == "ofx" })
        // The two identical fee lines without FITID are two rows: #1 and #2.
        let fees = september.filter { $0["label"] == "FRAIS TENUE DE COMPTE" }.compactMap { $0["record_key"] }
        #expect(fees.count == 2 && fees[0].hasSuffix("#1") != fees[1].hasSuffix("#1"), "\(fees)")
        #expect(fees.allSatisfy { $0.hasPrefix("bank:") && ($0.hasSuffix("#1") || $0.hasSuffix("#2")) })
        let october = try workspace.csvRecords(Self.october)
        #expect(
            october.map { $0["source_format"] ?? "" }.sorted() == ["cfonb_120", "cfonb_120", "mt940", "ofx"])
        let reason = try #require(workspace.files(under: "archive/rejected").first { $0.hasSuffix(".reason.txt") })
        let text = try workspace.text(reason)
        #expect(text.contains("column \":62F:\""), "\(text)")
        #expect(text.contains("2167.38"))
    }

    /// README "Merging and deduplication": a statement dropped again adds nothing; identical lines
    /// without an id stay two rows; the same operation from two formats is one row only when both
    /// give the same bank id.
    @Test func droppingAgainAddsNothingAndTwoFormatsMergeOnlyOnTheSameID() throws {
        let workspace = try CamtImportTests.workspace()
        try workspace.drop("releve.txt", try Self.fixture("cfonb/cfonb-two-statements.txt"))
        try workspace.drop("releve.sta", try Self.fixture("mt940/mt940-two-statements.sta"))
        var result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 0, "stderr: \(result.stderr) \(result.stdout)")
        let before = try workspace.csvRecords(Self.september)
        // CFONB has no ids: its 6 rows are fingerprints (the 2 identical fees #1, #2). MT940's 4
        // rows with a bank reference are keyed by it, so they do not meet CFONB's; its 2 fees have
        // none, and their fingerprint (account, date, amount, currency, texts) is CFONB's: the
        // same 2 rows, not 4.
        #expect(before.count == 10, "\(before.map { $0["record_key"] ?? "" })")
        #expect(Set(before.map { $0["record_key"] ?? "" }).count == 10)
        #expect(before.filter { $0["label"] == "FRAIS TENUE DE COMPTE" }.count == 2)

        try workspace.drop("releve-encore.txt", try Self.fixture("cfonb/cfonb-two-statements.txt"))
        try workspace.drop("releve-encore.sta", try Self.fixture("mt940/mt940-two-statements.sta"))
        result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 0, "stderr: \(result.stderr) \(result.stdout)")
        let after = try workspace.csvRecords(Self.september)
        #expect(after.count == before.count)
        // The first import is kept (the fees, the same key from two formats with other payment
        // methods, take the content of the last file read).
        #expect(
            after.filter { $0["label"] != "FRAIS TENUE DE COMPTE" }.allSatisfy {
                $0["source_file"] == "releve.txt" || $0["source_file"] == "releve.sta"
            })

        // An OFX whose FITID is the MT940 bank reference: the same key, one row.
        let ofx = String(decoding: try Self.fixture("ofx/ofx2-xml.ofx"), as: UTF8.self)
            .replacingOccurrences(of: "<FITID>X2-0001</FITID>", with: "<FITID>BQ-MT-0001</FITID>")
            .replacingOccurrences(of: "20251010233000.000[0:GMT]", with: "20250903")
            .replacingOccurrences(of: "<TRNAMT>2400.00</TRNAMT>", with: "<TRNAMT>1500.00</TRNAMT>")
        try workspace.drop("releve.ofx", ofx)
        result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 0, "stderr: \(result.stderr) \(result.stdout)")
        let merged = try workspace.csvRecords(Self.september)
        #expect(merged.filter { $0["source_txn_id"] == "BQ-MT-0001" }.count == 1)
        #expect(merged.count == after.count)
    }
}

extension BankStatementImportTests {
    /// OFX `LEDGERBAL` checked against the previous statement of the account (a wrong one rejects
    /// the file, named in its reason); MT940 `/OCMT/` in the ledger's `note`.
    @Test func anOfxLedgerBalanceIsCheckedAndAnMt940OriginalAmountIsKept() throws {
        let workspace = try CamtImportTests.workspace()
        try workspace.drop("releve-faux.ofx", OfxConverterTestsText.twoMonths(balance: "1267.51"))
        try workspace.drop(
            "releve.sta",
            ":20:TEST\n:25:FR7216958000010123456789012\n:28C:1/1\n:60F:C250901EUR1000,00\n"
                + ":61:2509030903C12,50NTRFNONREF//REF-OCMT-1\n:86:/NAME/CLIENT US/OCMT/USD14,62/\n"
                + ":62F:C250930EUR1012,50\n")
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 2, "\(result.stdout)\(result.stderr)")
        #expect(result.stdout.contains("1 imported, 1 rejected"), "\(result.stdout)")
        let rows = try workspace.csvRecords(Self.september)
        #expect(rows.map { $0["note"] } == ["original amount 14.62 USD"], "\(rows)")
        let reason = try #require(workspace.files(under: "archive/rejected").first { $0.hasSuffix(".reason.txt") })
        let text = try workspace.text(reason)
        #expect(text.contains("STMTRS/LEDGERBAL/BALAMT") && text.contains("1267.50 EUR"), "\(text)")
    }
}

/// Two consecutive OFX statements of the demo company's account (the text of
/// `OfxConverterTests.twoMonths`, which the end-to-end target cannot import).
enum OfxConverterTestsText {
    static func twoMonths(balance: String) -> String {
        func transaction(_ amount: String, _ id: String, _ date: String) -> String {
            "<STMTTRN><TRNTYPE>CREDIT<DTPOSTED>\(date)<TRNAMT>\(amount)<FITID>\(id)<NAME>VIR CLIENT</STMTTRN>"
        }
        func statement(_ id: Int, _ start: String, _ end: String, _ transactions: String, _ balance: String) -> String {
            "<STMTTRNRS><TRNUID>\(id)<STMTRS><CURDEF>EUR\n"
                + "<BANKACCTFROM><BANKID>16958<BRANCHID>00001<ACCTID>01234567890<ACCTTYPE>CHECKING</BANKACCTFROM>\n"
                + "<BANKTRANLIST><DTSTART>\(start)<DTEND>\(end)\n\(transactions)\n</BANKTRANLIST>\n"
                + "<LEDGERBAL><BALAMT>\(balance)<DTASOF>\(end)</LEDGERBAL></STMTRS></STMTTRNRS>\n"
        }
        return "OFXHEADER:100\nDATA:OFXSGML\nVERSION:102\n\n<OFX>\n<BANKMSGSRSV1>\n"
            + statement(1, "20250901", "20250930", transaction("12.50", "S-1", "20250903"), "1012.50")
            + statement(
                2, "20251001", "20251031",
                transaction("300.00", "O-1", "20251010") + "\n" + transaction("-45.00", "O-2", "20251020"), balance)
            + "</BANKMSGSRSV1>\n</OFX>\n"
    }
}
