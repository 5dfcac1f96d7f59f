import Foundation
import Testing

@testable import FacturationCore

/// The invoicing pass's history folded a closed year at a time (``IssuedYearSummary``) is the one
/// folded record by record (issue #9): draft ids, time months, held and released record keys.
@Suite("Invoicing history from closed-year summaries")
struct InvoicingHistoryTests {
    /// A document of `kind` listing `keys`, issued on `day`.
    static func document(
        _ number: String, _ kind: InvoiceDocument.Kind, on day: String, keys: [String],
        time: Bool = false, client: String = "C1"
    ) -> InvoiceDocument {
        var document = PaymentMatcherTests.invoice(number, client: client, total: 1000, on: day)
        document.kind = kind
        document.recordKeys = keys
        document.origin = .init(
            type: time ? .time : .recurring, draftID: "draft-" + number, contract: nil,
            period: time ? String(day.prefix(7)) : nil)
        return document
    }

    /// Three years where keys are billed, released by a credit note, billed again in the same year
    /// and released across a year boundary; in issue order.
    static let records: [InvoiceDocument] = [
        document("F1", .invoice, on: "2023-02-01", keys: ["a", "b", "c"], time: true),
        document("A1", .creditNote, on: "2023-03-01", keys: ["b"]),
        document("F2", .invoice, on: "2023-04-01", keys: ["b", "d"], time: true, client: "C2"),
        document("A2", .creditNote, on: "2023-05-01", keys: ["c", "e"]),
        document("A3", .creditNote, on: "2024-01-10", keys: ["a", "d"]),
        document("F3", .invoice, on: "2024-02-01", keys: ["a"], time: true),
        document("A4", .creditNote, on: "2024-03-01", keys: ["a"]),
        document("F4", .invoice, on: "2025-01-05", keys: ["e", "f"]),
        document("A5", .creditNote, on: "2025-02-05", keys: ["b"]),
    ]

    static func byRecords(_ records: [InvoiceDocument]) -> InvoicingHistory {
        var history = InvoicingHistory()
        for index in records.indices { history.add(records[index]) }
        return history
    }

    static func summary(_ year: String, _ records: [InvoiceDocument]) -> IssuedYearSummary {
        IssuedYearSummary(
            year: year, inputs: "x", documents: records.filter { CivilDate.pad($0.issueDate.year, 4) == year })
    }

    @Test func closedYearsFromTheirSummariesGiveTheHistoryOfTheRecords() throws {
        let expected = Self.byRecords(Self.records)
        // What the fold must find (as the pass computed it before the summaries).
        #expect(expected.held == ["e", "f"])
        #expect(expected.releasedBy == ["a": "A4", "b": "A5", "c": "A2", "d": "A3", "e": "A2"])
        #expect(expected.timeMonths == ["C1|2023-02", "C2|2023-04", "C1|2024-02"])
        #expect(expected.documents == Self.records.count)
        for summarised in [[], ["2023"], ["2024"], ["2023", "2024"], ["2023", "2024", "2025"]] {
            let summaries = summarised.map { Self.summary($0, Self.records) }
            #expect(InvoicingHistory.folding(Self.records, summaries: summaries) == expected, "\(summarised)")
        }
    }

    @Test func aSummaryRoundTripsThroughItsFile() throws {
        let summary = Self.summary("2023", Self.records)
        #expect(summary.heldKeys == ["a", "b", "d"])
        #expect(summary.removedKeys == ["c", "e"])
        #expect(summary.releasedBy == ["b": "A1", "c": "A2", "e": "A2"])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let decoded = try JSONDecoder().decode(IssuedYearSummary.self, from: encoder.encode(summary))
        #expect(decoded == summary)
    }

    @Test func aSummaryThatDoesNotHoldEveryDocumentOfItsYearIsNotUsed() throws {
        let expected = Self.byRecords(Self.records)
        // A summary of 2024 missing a document (one moved by hand to another year's folder): the
        // year is folded from its records.
        var partial = Self.summary("2024", Self.records)
        partial.documents -= 1
        partial.heldKeys = ["planted"]
        #expect(InvoicingHistory.folding(Self.records, summaries: [partial]) == expected)
        // A complete one is used as it is (a planted key shows it was read).
        var planted = Self.summary("2024", Self.records)
        planted.heldKeys.append("planted")
        #expect(InvoicingHistory.folding(Self.records, summaries: [planted]).held == ["e", "f", "planted"])
    }

    /// In a store: the summaries of the closed years are written once, read while the year's
    /// record files are unchanged, and rebuilt (equal to a fresh one) when a file is added.
    @Test func summariesAreWrittenReadAndRebuiltWhenARecordFileIsAdded() throws {
        let (store, root) = try InvoiceStoreRecordTests.store()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let layout = store.layout
        for year in ["2023", "2024", "2025"] {
            let documents = Self.records.filter { CivilDate.pad($0.issueDate.year, 4) == year }
            try store.recordIssued(Array(documents.prefix(1)))
            if documents.count > 1 { try store.recordIssued(Array(documents.dropFirst())) }
        }
        let expected = Self.byRecords(try store.records())
        let first = try IssuedYearSummary.closedYears(layout, before: 2025)
        #expect(first.map(\.year) == ["2023", "2024"])
        #expect(InvoicingHistory.folding(try store.records(), summaries: first) == expected)
        let path = layout.issuedYearSummary(folder: "2024")
        let written = try Storage.read(path, limit: 1 << 20)
        // Read as written while nothing changed (a planted key shows it).
        var planted = first[1]
        planted.heldKeys.append("planted")
        try planted.write(layout)
        #expect(try IssuedYearSummary.closedYears(layout, before: 2025)[1].heldKeys.contains("planted"))
        // A record file added to 2024: another identity, rebuilt from the records.
        let late = Self.document("A9", .creditNote, on: "2024-12-30", keys: ["f"])
        try store.recordIssued([late])
        let rebuilt = try IssuedYearSummary.closedYears(layout, before: 2025)
        #expect(rebuilt[1].inputs != first[1].inputs)
        #expect(!rebuilt[1].heldKeys.contains("planted") && rebuilt[1].removedKeys.contains("f"))
        #expect(try Storage.read(path, limit: 1 << 20) != written)
        #expect(
            InvoicingHistory.folding(try store.records(), summaries: rebuilt) == Self.byRecords(try store.records()))
    }

    /// Every look-up the generator makes (draft ids, held keys, time months, releases) answers the
    /// same from the closed years' file (``ClosedYearsHistory``) with the open year folded on top as
    /// from every record folded; the file is written once, then read while the records are unchanged.
    @Test func theClosedYearsFileAnswersAsTheRecords() throws {
        let (store, root) = try InvoiceStoreRecordTests.store()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let layout = store.layout
        for year in ["2023", "2024", "2025"] {
            try store.recordIssued(Self.records.filter { CivilDate.pad($0.issueDate.year, 4) == year })
        }
        let records = try store.records()
        let expected = Self.byRecords(records)
        for pass in 0..<2 {
            let loaded = try InvoicingHistory.load(
                layout, records: records, openYear: 2025,
                identity: { try IssuedYearSummary.identity(layout, folder: $0) })
            let closed = try #require(loaded.closed, "pass \(pass)")
            #expect(closed.documents == 7 && loaded.documents == expected.documents)
            #expect(Storage.exists(layout.closedYearsHistory))
            let known = DraftGenerator.Known(
                takenDraftIDs: loaded.draftIDs, heldKeys: loaded.held, timeMonths: loaded.timeMonths,
                releasedBy: loaded.releasedBy, closed: loaded.closed, releasedSinceClosed: loaded.releasedSinceClosed)
            for id in expected.draftIDs.union(["draft-X", "draft-F"]) {
                #expect(loaded.hasIssued(id) == expected.draftIDs.contains(id), "\(id)")
                #expect(known.isTaken(id) == expected.draftIDs.contains(id), "\(id)")
            }
            for key in ["a", "b", "c", "d", "e", "f", "g"] {
                let holds = Array(key.utf8).withUnsafeBytes { known.holds($0) }
                #expect(holds == expected.held.contains(key), "\(key)")
                #expect(known.release(of: key) == expected.releasedBy[key], "\(key)")
            }
            for month in ["C1|2023-02", "C2|2023-04", "C1|2024-02", "C1|2025-01"] {
                #expect(known.hasTimeMonth(month) == expected.timeMonths.contains(month), "\(month)")
            }
        }
        // A damaged file (a byte of its body changed) is rebuilt as it was.
        let written = try Storage.read(layout.closedYearsHistory, limit: 1 << 20)
        var damaged = written
        damaged[damaged.count - 2] ^= 0x01
        try Storage.write(
            damaged, to: layout.closedYearsHistory, temporaryDirectory: layout.temporary, collision: .replace)
        #expect(
            try InvoicingHistory.load(
                layout, records: records, openYear: 2025,
                identity: { try IssuedYearSummary.identity(layout, folder: $0) }
            ).closed != nil)
        #expect(try Storage.read(layout.closedYearsHistory, limit: 1 << 20) == written)
    }
}
