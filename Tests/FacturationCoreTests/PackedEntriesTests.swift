import Foundation
import Testing

@testable import FacturationCore

/// ``PackedEntries``, the packed form of the entries a FEC is made from (fenced performance code):
/// it gives back every entry as appended, orders texts as `String` does (non-ASCII and
/// canonically equivalent texts included), and makes the same FEC as the entries themselves.
@Suite("Packed accounting entries")
struct PackedEntriesTests {
    static let year = FECCheckedWriterTests.year

    static func packed(_ entries: [AccountingEntry]) -> PackedEntries {
        var packed = PackedEntries()
        for entry in entries { packed.append(entry) }
        return packed
    }

    /// Entries that tie on date and journal, with texts whose byte order is not `String`'s order
    /// ("e\u{301}" is "é" decomposed: equal as strings, different bytes), an empty label, a
    /// client with two names, and an entry without lines.
    static var oddEntries: [AccountingEntry] {
        let settings = AccountingSettings()
        let day = FECTests.day("20250615")
        let texts = ["é", "e\u{301}", "f", "E", "", "Z", "ü", "u", "Ω", "ab", "a"]
        var entries: [AccountingEntry] = []
        for (index, piece) in texts.enumerated() {
            for label in texts.prefix(4) {
                entries.append(
                    AccountingEntry(
                        journal: index % 2 == 0 ? settings.bank : settings.misc, date: day, pieceRef: piece,
                        pieceDate: day.adding(days: -index), label: label,
                        lines: [
                            .init(
                                account: settings.bankAccount, auxiliary: nil, debitMinor: Int64(index + 1),
                                creditMinor: 0, invoice: nil),
                            .init(
                                account: settings.clients, auxiliary: ("C1", index % 3 == 0 ? "Zoé" : "Zoe"),
                                debitMinor: 0, creditMinor: Int64(index + 1), invoice: "F\(index % 4)"),
                        ]))
            }
        }
        entries.append(
            AccountingEntry(
                journal: settings.sales, date: day, pieceRef: "EMPTY", pieceDate: day, label: "no line",
                lines: []))
        return entries
    }

    @Test func everyEntryComesBackAsAppended() {
        let entries = FECCheckedWriterTests.entries + Self.oddEntries
        let packed = Self.packed(entries)
        #expect(packed.count == entries.count)
        let different = entries.indices.filter { index in
            var invoiceLines: [String] = [], expected: [String] = []
            packed.forEachInvoiceLine(at: index) { invoiceLines.append("\($0) \($1)") }
            entries.forEachInvoiceLine(at: index) { expected.append("\($0) \($1)") }
            return packed.entry(at: index) != entries[index] || packed.day(at: index) != entries.day(at: index)
                || packed.date(at: index) != entries[index].date
                || packed.journalCode(at: index) != entries[index].journal.code
                || packed.lineCount(at: index) != entries[index].lines.count || invoiceLines != expected
        }
        #expect(different.isEmpty, "entries that differ: \(different.prefix(5))")
    }

    @Test func textsAreOrderedAsStringsAre() {
        let entries = Self.oddEntries
        let packed = Self.packed(entries)
        var different: [String] = []
        for a in entries.indices {
            for b in entries.indices where packed.compareTexts(a, b) != entries.compareTexts(a, b) {
                different.append(
                    "\(entries[a].pieceRef)/\(entries[a].label) vs \(entries[b].pieceRef)/\(entries[b].label)")
            }
        }
        #expect(different.isEmpty, "\(different.prefix(5))")
        // The decomposed "é" is the same text: the tie is broken by position, as for the array.
        let precomposed = entries.firstIndex { $0.pieceRef == "é" }!
        let decomposed = entries.firstIndex { $0.pieceRef == "e\u{301}" }!
        #expect(packed.compareTexts(precomposed, decomposed) == .orderedSame)
    }

    @Test func theFECIsTheSameAsFromTheEntries() throws {
        let entries = FECCheckedWriterTests.entries + Self.oddEntries
        let packed = Self.packed(entries)
        let from = FECTests.day("20250301"), to = FECTests.day("20250630")
        for (start, end) in [(Self.year.start, Self.year.end), (from, to)] {
            let expected = FECBuilder.lines(entries, from: start, to: end, fiscalYear: Self.year)
            #expect(!expected.isEmpty)
            #expect(FECBuilder.lines(packed, from: start, to: end, fiscalYear: Self.year) == expected)
        }
        // Positions limit the entries looked at, as a subset of the array would.
        let positions = Array(stride(from: 0, to: entries.count, by: 3))
        let subset = positions.map { entries[$0] }
        #expect(
            FECBuilder.lines(packed, from: from, to: to, fiscalYear: Self.year, positions: positions)
                == FECBuilder.lines(subset, from: from, to: to, fiscalYear: Self.year))
        let format = FECFormat(separator: .pipe, encoding: .utf8)
        let options = FECChecker.Options(
            fileName: "123456782FEC20251231.txt", fiscalYearStart: Self.year.start, closingDate: Self.year.end,
            ownExport: true)
        let streamed = try FECCheckedWriter.write(
            FECBuilder.plan(packed, from: Self.year.start, to: Self.year.end, fiscalYear: Self.year),
            format: format, options: options, to: nil)
        let bytes = try FECWriter.bytes(
            FECBuilder.lines(entries, from: Self.year.start, to: Self.year.end, fiscalYear: Self.year), format: format)
        #expect(streamed.byteCount == Int64(bytes.count))
    }
}

/// ``ByteTextPool`` (fenced): texts come back as stored, and compare as `String` compares them.
@Suite("Text pool")
struct TextPoolTests {
    @Test func textsComeBackAndCompareAsStrings() {
        let texts = [
            "", "a", "ab", "B", "é", "e\u{301}", "f", "qonto:b3c0000000000000000001", "qonto:b3c000000000000000000a",
            "Règlement SAS CLIENT", "Reglement", "Ω", "😀", "z\u{0}",
        ]
        var pool = ByteTextPool()
        let refs = texts.map { pool.append($0) }
        #expect(refs.map { pool.string($0) } == texts)
        var different: [String] = []
        for (x, a) in zip(texts, refs) {
            for (y, b) in zip(texts, refs) {
                let expected: ComparisonResult = x == y ? .orderedSame : x < y ? .orderedAscending : .orderedDescending
                if pool.compare(a, b) != expected { different.append("\(x) vs \(y)") }
            }
        }
        #expect(different.isEmpty, "\(different)")
        #expect(ByteTextPool.Ref.none.isNone && !refs[0].isNone)
    }

    /// With 8-byte chunks: texts that do not fit the rest of a chunk start the next one, a text
    /// longer than a chunk gets one of its own, empty texts take no room; all come back and
    /// compare as in one array.
    @Test func textsCrossingChunksComeBackAndCompare() {
        var random = SystemRandomNumberGenerator()
        let alphabet = Array("abcXYZé😀0:")
        var texts = ["", "12345678", "123456789", "", "a", "é", String(repeating: "long text ", count: 5)]
        for _ in 0..<300 {
            texts.append(String((0..<Int.random(in: 0...20, using: &random)).map { _ in alphabet.randomElement()! }))
        }
        var small = ByteTextPool(chunkShift: 3)
        var large = ByteTextPool()
        let refs = texts.map { small.append($0) }
        let reference = texts.map { large.append($0) }
        #expect(refs.map { small.string($0) } == texts)
        var different = 0
        for _ in 0..<2_000 {
            let a = Int.random(in: 0..<texts.count), b = Int.random(in: 0..<texts.count)
            if small.compare(refs[a], refs[b]) != large.compare(reference[a], reference[b]) { different += 1 }
        }
        #expect(different == 0)
    }
}

/// ``ChunkedArray`` (fenced): elements come back in the order appended, across chunk boundaries.
@Suite("Chunked array")
struct ChunkedArrayTests {
    @Test(arguments: [0, 1, 3, 15])
    func elementsComeBackInOrder(chunkShift: Int) {
        var array = ChunkedArray<Int64>(chunkShift: chunkShift)
        #expect(array.isEmpty)
        let values = (0..<1_000).map { Int64($0) * 7 - 300 }
        for value in values { array.append(value) }
        #expect(array.count == values.count)
        #expect((0..<array.count).map { array[$0] } == values)
    }
}

/// ``Postings/Pass``: records given one at a time, in any order of the documents, make the entries
/// of the whole lists (what the FEC export from the records relies on).
@Suite("Postings, one record at a time")
struct PostingsPassTests {
    /// A document of client LAA with standard VAT (20 %) on `net`.
    static func document(
        _ number: String, _ kind: InvoiceDocument.Kind, net: Int64, crediting invoice: String? = nil
    ) -> InvoiceDocument {
        var document = PaymentMatcherTests.invoice(number, client: "LAA", total: net, on: "2025-07-01")
        let line = InvoiceLine(
            number: 1, articleCode: "X", description: "x", quantity: .one, unitCode: "C62", unitPriceMinor: net,
            netAmountMinor: net, vatCategory: "S", vatRateBasisPoints: 2000, period: nil, entryCount: 0)
        document.kind = kind
        document.vatTreatment = .standard
        document.lines = [line]
        document.totals = try! InvoiceBuilder.totals(of: [line])
        document.precedingInvoice = invoice.map { .init(number: $0, issueDate: document.issueDate) }
        return document
    }

    @Test func aCreditNoteBeforeItsInvoiceChangesNothing() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let postings = Postings(pipeline: harness.pipeline)
        let invoice = Self.document("F1", .invoice, net: 100_000)
        let note = Self.document("A1", .creditNote, net: 50_000, crediting: "F1")
        // What is left to pay: 1,200.00 − 600.00, in two receipts.
        let bank = [("2025-07-10", 20_000), ("2025-07-20", 40_000)].enumerated().map { index, receipt in
            BankLine(
                key: "bank:\(index)", bookingDate: CivilDate(iso: receipt.0)!, amountMinor: Int64(receipt.1),
                counterpartyName: "LAA", counterpartyIBAN: "", label: "VIR", remittance: "F1",
                transactionID: "T\(index)")
        }
        let matches = Dictionary(
            uniqueKeysWithValues: bank.map { line in
                (
                    line.key,
                    PaymentMatch(
                        receipt: line.key, bookingDate: line.bookingDate, amountMinor: line.amountMinor,
                        rule: "reference", allocations: [.init(invoice: "F1", amountMinor: line.amountMinor)],
                        by: "rule", evidence: "", source: nil)
                )
            })
        let inOrder = postings.entries(issued: [invoice, note], bank: bank, matches: matches)
        let reversed = postings.entries(issued: [note, invoice], bank: bank, matches: matches)
        #expect(Array(inOrder.entries.dropFirst(2)) == Array(reversed.entries.dropFirst(2)))
        #expect(Set(inOrder.entries.prefix(2).map(\.pieceRef)) == Set(reversed.entries.prefix(2).map(\.pieceRef)))
        // The VAT still due after the credit note (100.00) moves with the receipts: a third, then the rest.
        let transfers = inOrder.entries.filter { $0.journal == postings.settings.misc }.map(\.debitMinor)
        #expect(transfers == [3_333, 6_667])
        // The receipts' 411 lines carry the client of the invoice.
        let clients = inOrder.entries.filter { $0.journal == postings.settings.bank }.map { $0.lines[1].auxiliary?.0 }
        #expect(clients == ["LAA", "LAA"])
    }

    /// Records only noted (``Postings/Pass/note(_:)-(InvoiceDocument)``, ``Postings/Pass/note(_:allocations:)``:
    /// a closed year that is not rendered) teach the pass what posting them does: the entries
    /// posted after them, and the suspense list, are those of a pass that posted everything.
    @Test func notedRecordsLeaveTheLaterEntriesAsPostedOnes() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let postings = Postings(pipeline: harness.pipeline)
        let documents = [
            Self.document("F1", .invoice, net: 100_000), Self.document("F2", .invoice, net: 50_000),
            Self.document("A1", .creditNote, net: 20_000, crediting: "F1"),
        ]
        // Noted: F1 paid in full (1,200.00 − 240.00), a fee (suspense); posted: F1 paid again (no VAT
        // left to move) with a part of F2, then F2's rest.
        let receipts: [(String, Int64, [PaymentMatch.Allocation])] = [
            ("2025-07-10", 96_000, [.init(invoice: "F1", amountMinor: 96_000)]),
            ("2025-07-11", -5_000, []),
            (
                "2025-07-20", 35_000,
                [.init(invoice: "F1", amountMinor: 1_000), .init(invoice: "F2", amountMinor: 34_000)]
            ),
            ("2025-07-21", 26_000, [.init(invoice: "F2", amountMinor: 26_000)]),
        ]
        var full = Postings.Pass(postings), noted = Postings.Pass(postings)
        var expected: [AccountingEntry] = [], posted: [AccountingEntry] = []
        for (index, document) in documents.enumerated() {
            let entry = full.post(document)
            guard index == 1 else {
                noted.note(document)
                continue
            }
            expected.append(entry)
            posted.append(noted.post(document))
        }
        for (index, receipt) in receipts.enumerated() {
            let line = BankLine(
                key: "bank:\(index)", bookingDate: CivilDate(iso: receipt.0)!, amountMinor: receipt.1,
                counterpartyName: "LAA", counterpartyIBAN: "", label: "VIR", remittance: "", transactionID: "T\(index)")
            let allocations = receipt.2.isEmpty ? nil : receipt.2
            let (entry, transfer) = full.post(line, allocations: allocations)
            guard index >= 2 else {
                noted.note(line, allocations: allocations)
                continue
            }
            expected += [entry] + (transfer.map { [$0] } ?? [])
            let (again, againTransfer) = noted.post(line, allocations: allocations)
            posted += [again] + (againTransfer.map { [$0] } ?? [])
        }
        #expect(posted == expected)
        // F2's VAT (100.00) moved by its two receipts, none of F1's after it was settled.
        let moved = expected.filter { $0.journal == postings.settings.misc }.map { $0.lines[0].debitMinor }
        #expect(moved == [5_667, 4_333])
        #expect(noted.suspense.map(\.key) == ["bank:1"] && full.suspense.map(\.key) == ["bank:1"])
        #expect(noted.seen("F1").openTTC == full.seen("F1").openTTC && noted.seen("F2").pendingVAT == 0)
    }

    /// ``ClosedYearFEC/Inputs`` names the fields of documents and bank lines that the postings
    /// read: a closed year is not posted again while its identity is the recorded one. Guard: each
    /// field changed alone either leaves the posted entries as they were or changes the identity.
    /// A field the postings start to read must be added to the identity, or this test fails.
    @Test func everyChangeThatMovesAClosedYearsEntriesMovesItsIdentity() throws {
        let harness = try ConversionHarness()
        defer { harness.cleanUp() }
        let layout = ArchiveLayout(
            workspace: Workspace(root: harness.folder.path), pipeline: harness.pipeline, shared: false)
        let postings = Postings(pipeline: harness.pipeline)
        let closing = CivilDate(iso: "2025-12-31")!
        let invoice = Self.document("F1", .invoice, net: 100_000)
        let receipt = BankLine(
            key: "bank:0", bookingDate: CivilDate(iso: "2025-07-10")!, amountMinor: 60_000, counterpartyName: "LAA",
            counterpartyIBAN: "FR76", label: "VIR", remittance: "F1", transactionID: "T0")
        let paid = [PaymentMatch.Allocation(invoice: "F1", amountMinor: 60_000)]
        // The year's entries and identity: the invoice, then its receipt.
        func year(_ document: InvoiceDocument, _ line: BankLine) -> (entries: [AccountingEntry], identity: String) {
            var pass = Postings.Pass(postings)
            let inputs = ClosedYearFEC.Inputs(layout: layout, firstMonth: CivilDate(iso: "2025-01-01"))
            inputs.add(document, closing: closing)
            var entries = [pass.post(document)]
            inputs.add(line, allocations: paid, closing: closing, pass: pass)
            let (entry, transfer) = pass.post(line, allocations: paid)
            entries += [entry] + (transfer.map { [$0] } ?? [])
            return (entries, inputs.identity(of: closing))
        }
        let documentChanges: [(String, (inout InvoiceDocument) -> Void)] = [
            ("number", { $0.number = "F9" }), ("kind", { $0.kind = .creditNote }),
            ("issue date", { $0.issueDate = CivilDate(iso: "2025-07-02")! }),
            ("due date", { $0.dueDate = CivilDate(iso: "2025-09-30")! }), ("client", { $0.clientCode = "PETRAS" }),
            ("buyer", { $0.buyer.name = "Petras SA" }), ("seller", { $0.seller.name = "Autre" }),
            ("Oxygène client", { $0.oxygeneClientCode = "C9" }), ("title", { $0.title = "Autre" }),
            ("currency", { $0.currency = "USD" }), ("VAT treatment", { $0.vatTreatment = .reverseCharge }),
            ("VAT on debits", { $0.vatOnDebits.toggle() }), ("line", { $0.lines[0].description = "y" }),
            ("total", { $0.totals.grandTotalMinor += 1 }), ("VAT", { $0.totals.vatBreakdown[0].taxMinor += 1 }),
            ("VAT basis", { $0.totals.vatBreakdown[0].basisMinor += 1 }),
            ("VAT category", { $0.totals.vatBreakdown[0].category = "Z" }),
            ("VAT rate", { $0.totals.vatBreakdown[0].rateBasisPoints = 1_000 }),
            ("corrected invoice", { $0.precedingInvoice = .init(number: "F0", issueDate: $0.issueDate) }),
        ]
        let lineChanges: [(String, (inout BankLine) -> Void)] = [
            ("key", { $0.key = "bank:9" }), ("booking date", { $0.bookingDate = CivilDate(iso: "2025-07-11")! }),
            ("amount", { $0.amountMinor += 1 }), ("counterparty", { $0.counterpartyName = "Autre" }),
            ("IBAN", { $0.counterpartyIBAN = "DE89" }), ("label", { $0.label = "PRLV" }),
            ("remittance", { $0.remittance = "F2" }), ("transaction", { $0.transactionID = "T9" }),
        ]
        let base = year(invoice, receipt)
        var moved: [String] = []
        func check(_ name: String, _ changed: (entries: [AccountingEntry], identity: String)) {
            guard changed.entries != base.entries else { return }
            moved.append(name)
            #expect(changed.identity != base.identity, "\(name) changes the entries, not the identity")
        }
        for (name, change) in documentChanges {
            var document = invoice
            change(&document)
            check(name, year(document, receipt))
        }
        for (name, change) in lineChanges {
            var line = receipt
            change(&line)
            check(name, year(invoice, line))
        }
        // Not a test that cannot fail: most of these changes do move the entries.
        #expect(moved.count >= 12, "\(moved)")
    }
}

/// ``PackedEntries/release(at:)`` (fenced: the FEC export frees its entries as it writes them):
/// a chunk is freed once every entry, line and text of it that is still to be read was read,
/// never before (each entry read after the releases before it is still the one appended), and
/// every chunk is freed at the end.
@Suite("Packed entries freed as read")
struct PackedEntriesReleaseTests {
    @Test func chunksAreFreedOnceTheirLastReaderIsDone() {
        let entries = Array(FECCheckedWriterTests.entries.prefix(1_500)) + PackedEntriesTests.oddEntries
        var packed = PackedEntries(entryShift: 4, lineShift: 5, textShift: 8)
        for entry in entries { packed.append(entry) }
        let held = packed.heldChunks
        // Date order, as a FEC reads them (not the order they were appended in).
        let positions = entries.indices.sorted { (entries[$0].date, $0) < (entries[$1].date, $1) }
        packed.prepareRelease(of: positions)
        var different: [Int] = []
        var heldAtHalf = held
        for (step, index) in positions.enumerated() {
            if packed.entry(at: index) != entries[index] { different.append(index) }
            packed.release(at: index)
            if step == positions.count / 2 { heldAtHalf = packed.heldChunks }
        }
        #expect(held > 100)
        #expect(different.isEmpty)
        #expect(heldAtHalf < held)
        #expect(packed.heldChunks == 0)
    }

    @Test func aTableOfEntriesFreesNothing() {
        var entries = Array(FECCheckedWriterTests.entries.prefix(10))
        let copy = entries
        entries.prepareRelease(of: Array(entries.indices))
        for index in entries.indices { entries.release(at: index) }
        #expect(entries == copy)
    }
}
