import Testing

@testable import FacturationCore

/// Issue #9, step 1: the applied amounts of every invoice, from closed years' summaries continued
/// with the later credit notes and matches, equal those of the receivables built from every record,
/// in the same order; so do the receivables built from them (``Receivables/init(closed:open:matches:documents:)``),
/// item by item, through the summaries' line file. Random histories of four years (three closed),
/// with credit notes naming invoices of earlier years, payments crossing the new year, partial,
/// split and double payments.
@Suite("Receivables of closed years")
struct ReceivablesYearTests {
    /// A small deterministic generator (SplitMix64).
    struct Random {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return Int((z ^ (z >> 31)) % UInt64(bound))
        }
    }

    static let years = 2021...2024

    /// Documents in issue order and matches oldest first.
    static func history(seed: UInt64) -> (documents: [InvoiceDocument], matches: [PaymentMatch]) {
        var random = Random(state: seed)
        var documents: [InvoiceDocument] = []
        var matches: [PaymentMatch] = []
        for year in years {
            var (invoiceCount, noteCount) = (0, 0)
            for month in 1...12 {
                for client in ["A", "B", "C"] {
                    invoiceCount += 1
                    let day = "\(year)-\(CivilDate.pad(month, 2))-\(CivilDate.pad(1 + random.next(27), 2))"
                    let invoice = PaymentMatcherTests.invoice(
                        "F\(year)-\(CivilDate.pad(invoiceCount, 4))", client: client,
                        total: Int64(1_000 * (1 + random.next(50))), on: day)
                    documents.append(invoice)
                    matches += payments(of: invoice, random: &random)
                }
                if random.next(3) == 0,
                    let named = documents.filter({ $0.kind == .invoice }).randomElement(using: &random)
                {
                    noteCount += 1
                    let day = "\(year)-\(CivilDate.pad(month, 2))-28"
                    var note = PaymentMatcherTests.invoice(
                        "A\(year)-\(CivilDate.pad(noteCount, 4))", client: named.clientCode,
                        total: named.totals.grandTotalMinor / Int64(1 + random.next(3)), on: day)
                    note.kind = .creditNote
                    note.precedingInvoice = .init(number: named.number, issueDate: named.issueDate)
                    documents.append(note)
                }
            }
        }
        documents.sort { ($0.issueDate, $0.number) < ($1.issueDate, $1.number) }
        matches.sort { ($0.bookingDate, $0.receipt) < ($1.bookingDate, $1.receipt) }
        return (documents, matches)
    }

    /// Paid in full, in part, twice or not at all, 0 to 90 days after issue (so across the year's end).
    static func payments(of invoice: InvoiceDocument, random: inout Random) -> [PaymentMatch] {
        let total = invoice.totals.grandTotalMinor
        let shares: [Int64] = [[total], [total / 2], [total, total], [], [total / 3, total - total / 3]][random.next(5)]
        return shares.enumerated().map { index, amount in
            let date = invoice.issueDate.adding(days: random.next(91))
            return PaymentMatch(
                receipt: "bank:\(invoice.number):\(index)", bookingDate: date, amountMinor: amount, rule: "reference",
                allocations: [.init(invoice: invoice.number, amountMinor: amount)], by: "rule", evidence: "")
        }
    }

    static func fromRecords(_ documents: [InvoiceDocument], _ matches: [PaymentMatch]) -> [String: [String]] {
        var receivables = Receivables(issued: documents)
        for match in matches { receivables.apply(match) }
        return receivables.order.reduce(into: [:]) { result, number in
            result[number] = receivables.item(number)?.applied.map { "\($0.date) \($0.amountMinor) \($0.source)" }
        }
    }

    static func fromSummaries(
        _ documents: [InvoiceDocument], _ matches: [PaymentMatch], openFrom open: Int
    )
        -> [String: [String]]?
    {
        var closed: [ReceivablesYear] = []
        for year in years.lowerBound..<open {
            guard
                let summary = ReceivablesYear(
                    year: year, documents: documents.filter { $0.issueDate.year == year }, matches: matches)
            else { return nil }
            closed.append(summary)
        }
        let receivables = Receivables(
            closed: closed, open: documents.filter { $0.issueDate.year >= open }, matches: matches,
            documents: documents)
        return receivables?.order.reduce(into: [:]) { result, number in
            result[number] = receivables?.item(number)?.applied.map { "\($0.date) \($0.amountMinor) \($0.source)" }
        }
    }

    @Test(arguments: 1...40)
    func closedYearsFromSummariesGiveTheRecordsAppliedAmountsInOrder(seed: Int) throws {
        let (documents, matches) = Self.history(seed: UInt64(seed))
        let expected = Self.fromRecords(documents, matches)
        for open in 2022...2025 {
            let summaries = try #require(Self.fromSummaries(documents, matches, openFrom: open))
            let differing = expected.keys.sorted().filter { summaries[$0] != expected[$0] }
            let first = differing.first ?? ""
            #expect(summaries.count == expected.count)
            #expect(
                differing.isEmpty,
                "seed \(seed), open from \(open): \(differing.count) differ; \(first): \(summaries[first] ?? []) ≠ \(expected[first] ?? [])"
            )
        }
    }

    /// Everything a reader asks of receivables: each position's invoice (what ``Receivables/item(_:)``
    /// gives, `applied` in order), the rows the listing readers take, and the answers of `open`.
    static func described(_ receivables: Receivables, on day: CivilDate) -> [String] {
        func line(_ item: some ReceivableLine) -> String {
            let applied = item.applied.map { "\($0.date) \($0.amountMinor) \($0.source)" }.joined(separator: "; ")
            return "\(item.number) \(item.clientCode) \(item.buyerName) \(item.issueDate) \(item.dueDate) "
                + "\(item.totalMinor) owes \(item.openMinor) settled \(item.settledOn?.description ?? "-") [\(applied)]"
        }
        let numbers = { (items: [Receivables.Item]) in items.map(\.document.number).joined(separator: ",") }
        return receivables.order.map { line(receivables.item($0)!) } + receivables.rows.map(line)
            + ["live " + numbers(receivables.liveItems.filter { $0.openMinor != 0 })]
            + ["open " + numbers(receivables.open(on: day))]
            + ["A " + numbers(receivables.open(on: day, client: "A"))]
            + (1...50).map {
                "owing \($0) " + numbers(receivables.open(on: day, owing: Int64($0 * 1_000), tolerance: 1))
            }
    }

    /// The closed years before `open` folded and read back through their line file.
    static func closedYears(
        _ documents: [InvoiceDocument], _ matches: [PaymentMatch], before open: Int
    ) throws
        -> [ReceivablesYear]
    {
        try (years.lowerBound..<open).map { year in
            let built = try #require(
                ReceivablesYear(year: year, documents: documents.filter { $0.issueDate.year == year }, matches: matches)
            )
            let (bytes, lines) = ReceivablesYearLines.encode(built)
            let read = try #require(ReceivablesYearLines.decode(bytes, year: year, lines: lines))
            #expect(read == built)
            return read
        }
    }

    @Test(arguments: 1...20)
    func theReceivablesFromSummariesAreThoseFromTheRecordsItemByItem(seed: Int) throws {
        let (documents, matches) = Self.history(seed: UInt64(seed))
        let day = CivilDate(iso: "2025-06-30")!
        for open in 2022...2025 {
            var records = Receivables(issued: documents)
            for match in matches { records.apply(match) }
            var summaries = try #require(
                Receivables(
                    closed: try Self.closedYears(documents, matches, before: open),
                    open: documents.filter { $0.issueDate.year >= open }, matches: matches, documents: documents))
            #expect(summaries.liveItems.count < summaries.order.count, "some invoices stay settled rows")
            #expect(
                Self.described(summaries, on: day) == Self.described(records, on: day), "seed \(seed), open \(open)")
            // A match of the run naming a settled invoice of a closed year (an overpayment): it
            // becomes live again, in the same place.
            let live = Set(summaries.liveItems.map(\.document.number))
            let settled = try #require(summaries.order.first { !live.contains($0) })
            let late = PaymentMatch(
                receipt: "bank:late", bookingDate: day, amountMinor: 700, rule: "decision",
                allocations: [.init(invoice: settled, amountMinor: 700)], by: "Camille", evidence: "")
            records.apply(late)
            summaries.apply(late)
            #expect(summaries.liveItems.contains { $0.document.number == settled })
            #expect(
                Self.described(summaries, on: day) == Self.described(records, on: day), "seed \(seed), open \(open)")
        }
    }

    @Test func theLineFileKeepsAnyTextAndRefusesADamagedLine() throws {
        var invoice = ReceivablesYear.Invoice(
            number: "F%1", totalMinor: 100, clientCode: "A\tB", buyerName: "Dupont %09 & fils\r\nLyon",
            issueDate: CivilDate(iso: "2024-02-01")!, dueDate: CivilDate(iso: "2024-03-01")!)
        invoice.applied = [
            (CivilDate(iso: "2024-02-03")!, 40, "A%25\n"), (CivilDate(iso: "2024-02-05")!, -60, "bank:x\ty"),
        ]
        invoice.creditCount = 1
        let year = ReceivablesYear(
            year: 2024, invoices: [invoice],
            foreignCredits: [.init(invoice: "F0", credit: (invoice.issueDate, 5, "A2"))]
        )
        let (bytes, lines) = ReceivablesYearLines.encode(year)
        #expect(lines == 2 && bytes.filter { $0 == 0x0A }.count == 2)
        #expect(ReceivablesYearLines.decode(bytes, year: 2024, lines: 2) == year)
        #expect(ReceivablesYearLines.decode(Array(bytes.dropLast(3)), year: 2024, lines: 2) == nil, "truncated")
        #expect(ReceivablesYearLines.decode(bytes, year: 2024, lines: 3) == nil, "a line missing")
        #expect(ReceivablesYearLines.decode(Array("X\t1\n".utf8), year: 2024, lines: 1) == nil, "garbage")
        let line = String(decoding: bytes, as: UTF8.self).split(separator: "\n")[0]
        for (damage, text) in [
            ("a credit count above the amounts", line.replacingOccurrences(of: "\t100\t1\t", with: "\t100\t3\t")),
            ("an amount cut short", String(line[..<line.lastIndex(of: "\t")!])),
            ("a total not a number", line.replacingOccurrences(of: "\t100\t", with: "\t1O0\t")),
            ("an impossible date", line.replacingOccurrences(of: "2024-03-01", with: "2024-02-30")),
            ("a total beyond 64 bits", line.replacingOccurrences(of: "\t100\t", with: "\t99999999999999999999\t")),
        ] {
            #expect(ReceivablesYearLines.decode(Array((text + "\n").utf8), year: 2024, lines: 1) == nil, "\(damage)")
        }
    }

    @Test func aNumberIssuedInTwoYearsIsNotSummarised() {
        let first = PaymentMatcherTests.invoice("F1", client: "A", total: 100, on: "2022-03-01")
        let again = PaymentMatcherTests.invoice("F1", client: "A", total: 100, on: "2023-03-01")
        let year = ReceivablesYear(year: 2022, documents: [first], matches: [])!
        #expect(Receivables(closed: [year], open: [again], matches: [], documents: [first, again]) == nil)
        #expect(ReceivablesYear(year: 2022, documents: [first, first], matches: []) == nil)
    }
}

extension Array {
    /// A random element drawn with the test's generator.
    fileprivate func randomElement(using random: inout ReceivablesYearTests.Random) -> Element? {
        isEmpty ? nil : self[random.next(count)]
    }
}
