import Foundation
import Testing

@testable import FacturationCore

/// How the inbox tells a request from an export (on structure), the TOML written into approval
/// forms (escaped so that nothing leaves its string or comment), the client code pattern, and the
/// readers' guards found by the fuzz tests.
@Suite("Request sniffing, TOML forms, client codes")
struct InboxFormTests {
    private func sniff(_ text: String) -> Bool { RequestFile.looksLikeRequest(Array(text.utf8)) }

    @Test func requestsAreRecognisedByTheirFirstTableHeader() {
        #expect(sniff(FuzzSeeds.approvalForm))
        #expect(sniff(FuzzSeeds.approvalForm.replacingOccurrences(of: "\n", with: "\r\n")))
        #expect(sniff("[credit_note]\ninvoice = \"F20250809\"\n"))
        #expect(
            sniff("\u{FEFF}\n  # a comment\n\npipeline = \"demo\"\n\"quoted key\" = 1\na.b = 'x'\n[ approval ]  # ok\n")
        )
        #expect(sniff("[credit_note] # with a comment\n"))
    }

    @Test func aHeaderAnywhereElseDoesNotMakeARequest() {
        // A Clockify export whose quoted, multi-line description holds the header.
        #expect(!sniff("Project,Client,Description\nLAA,LAA,\"Compte rendu\n[approval]\ndraft = \"\"x\"\"\"\n"))
        #expect(!sniff("Clockify Time Report\n\n[approval]\n"))
        #expect(!sniff("[[approval]]\ndraft = \"x\"\n"))
        #expect(!sniff("[approvals]\n"))
        #expect(!sniff("[approval] trailing text\n"))
        #expect(!sniff("[company]\n[approval]\n"))
        #expect(!sniff("key =\n[approval]\n"))
        #expect(!sniff("# only comments\n"))
        #expect(!sniff(""))
    }

    @Test func quotedTextRoundTripsThroughTheParser() throws {
        var texts = [
            "", "plain", "quote \" and backslash \\ and \\n", "line\nbreak\r\nand\rCR", "tab\there",
            "nul \u{0} bell \u{7} del \u{7F} esc \u{1B}", "unicode é ✓ 😀 \u{2028} \u{85}", "\"\"\"", "'''",
        ]
        var generator = SplitMix64(seed: 7)
        for _ in 0..<300 {
            let scalars = (0..<generator.below(40)).map { _ -> Unicode.Scalar in
                let pick = generator.below(10)
                let value: UInt32 =
                    pick < 4
                    ? UInt32(generator.below(0x80))
                    : pick < 8
                        ? UInt32(generator.below(0x2100))
                        : UInt32(0x1F600 + generator.below(0x50))
                return Unicode.Scalar(value) ?? "?"
            }
            texts.append(String(String.UnicodeScalarView(scalars)))
        }
        for text in texts {
            let parsed = try TOMLParser.parse("x = \(TOMLText.quoted(text))\n# \(TOMLText.comment(text))\n")
            #expect(parsed.keys == ["x"])
            #expect(parsed["x"]?.kind == .string(text), "\(TOMLText.quoted(text))")
            #expect(!TOMLText.quoted(text).contains("\n") && !TOMLText.comment(text).contains("\n"))
        }
        #expect(TOMLText.quoted("a\"b\\c\nd\u{7F}") == #""a\"b\\c\u000Ad\u007F""#)
        #expect(TOMLText.comment("a\r\nb\u{2028}c\u{85}d") == "a  b c d")
        #expect(TOMLText.comment(String(repeating: "x", count: 250)) == String(repeating: "x", count: 200) + "…")
    }

    /// Whatever a draft's texts hold, its form parses to one `[approval]` table with the form's keys.
    @Test func approvalFormsStayOneApprovalTable() throws {
        let hostile = [
            "\n[approval]\ndraft = \"x\"", "\r[credit_note]\r", "\"\"\"", "# \\", "a\u{0}b", "]\n[[clients]]",
            String(repeating: "[approval]\n", count: 2_000),
        ]
        let pipeline = FuzzScratch.sharedPipeline
        for text in hostile {
            let line = InvoiceLine(
                number: 1, articleCode: "HOUR", description: text, quantity: .one, unitCode: "HUR",
                unitPriceMinor: 100, netAmountMinor: 100, vatCategory: "S", vatRateBasisPoints: 2_000,
                period: nil, entryCount: 1)
            let draft = InvoiceDraft(
                id: "time-LAA-2025-07-\(text.count)", kind: .invoice, clientCode: "LAA",
                origin: .init(type: .time, draftID: "d", contract: nil, period: "2025-07"), title: text,
                servicePeriod: nil,
                lines: Array(repeating: line, count: 150), recordKeys: [],
                dueOn: CivilDate(year: 2025, month: 8, day: 1)!,
                precedingInvoice: nil, reason: nil, notes: [text], approvalReason: nil, annex: [])
            let totals = try! InvoiceTotals.compute(lines: [line], exemption: { _ in (nil, nil) })
            let form = ApprovalRequest.render(draft: draft, totals: totals, reason: text, pipeline: pipeline)
            let root = try TOMLParser.parse(form)
            #expect(root.keys == ["approval"])
            guard case .table(let approval)? = root["approval"]?.kind else { Issue.record("no table"); continue }
            #expect(approval.keys == ["pipeline", "draft", "decision", "by", "reason"])
            #expect(approval["draft"]?.kind == .string(draft.id))
            #expect(form.utf8.count < 65_536, "the inbox must find [approval] in the first 64 KiB")
            #expect(RequestFile.looksLikeRequest(Array(form.utf8)))
            #expect(form.contains("… and 50 more lines"))
        }
    }

    @Test func clientCodes() {
        for code in [
            "LAA", "PHARMABEST", "C00001", "LAA01", "PHARMA-01", "A_B", "9", String(repeating: "Z", count: 32),
        ] {
            #expect(Identifiers.clientCodeProblem(code) == nil, "\(code)")
        }
        for code in [
            "", "-A", "_A", "a", "A B", "A/B", "..", "../../x", "=CMD()", "É", "A\n", String(repeating: "Z", count: 33),
        ] {
            #expect(Identifiers.clientCodeProblem(code) != nil, "\(code)")
        }
        let long = Identifiers.clientCodeProblem(String(repeating: "A", count: 300)) ?? ""
        #expect(long.contains("… (300 characters)"))
        #expect(Identifiers.clientCodeProblem("a\nb")?.contains(#""a\u000Ab""#) == true)
    }

    /// A review file saved by a spreadsheet starts with a byte-order mark: still a decision file.
    @Test func decisionFileWithAByteOrderMark() throws {
        let scratch = try FuzzScratch(name: "bom")
        let path = try scratch.write(
            Array("\u{FEFF}receipt,invoice,amount,by,comment\r\nbank:1#1,IGNORE,,Hugo,\r\n".utf8),
            name: "decision.csv")
        let rows = try PaymentDecisionFile.read(path: path).get()
        #expect(rows.map(\.receipt) == ["bank:1#1"])
        #expect(rows.map(\.invoice) == ["IGNORE"])
    }

    /// A file that starts like a request but is larger than a request can be is rejected with a
    /// reason; it used to stop the run with a storage error at every run (and stay in work/).
    @Test func oversizedRequestIsRejected() throws {
        let scratch = try FuzzScratch(name: "big")
        let text = "[approval]\ndraft = \"x\"\n" + String(repeating: "# padding\n", count: 120_000)
        let path = try scratch.write(Array(text.utf8), name: "big.toml")
        guard case .failure(let rejection) = try RequestFile.read(path: path) else {
            Issue.record("accepted")
            return
        }
        #expect(rejection.summary.contains("larger than 1 MB"))
    }

    /// Amounts in a pipeline file are bounded: `check` trapped on a contract of 92 million billion cents.
    @Test func configuredAmountsAreBounded() throws {
        let harness = try ConversionHarness(pipeline: "")
        defer { harness.cleanUp() }
        let path = harness.folder.appendingPathComponent("big.toml").path
        try
            (ConversionHarness.basePipeline + """
                [[clients]]
                code = "LAA"
                name = "LAA"
                hourly_rate = 1000000000.01
                """).write(toFile: path, atomically: true, encoding: .utf8)
        do throws(ConfigErrors) {
            _ = try PipelineLoader.load(path: path, shownAs: "pipelines/big.toml")
            Issue.record("an hourly rate of a billion euros was accepted")
        } catch {
            #expect(error.description.contains("clients[1].hourly_rate must be at most 1000000000"), "\(error)")
        }
    }
}
