import Foundation
import Testing

@testable import FacturationCore

/// The pairing of documents awaiting their number (`numbering = "oxygene"`) with the entries of an
/// Oxygène register export: by client, date, kind and total incl. VAT, never guessed.
@Suite("Provisional matcher")
struct ProvisionalMatcherTests {
    static let day = CivilDate(iso: "2025-07-01")!

    static func piece(
        _ reference: String, _ client: String = "LAA01", total: Int64 = 168_000, on day: CivilDate = day
    )
        -> OxygeneConfirmation.Piece
    {
        OxygeneConfirmation.Piece(
            number: reference, kind: .invoice, clientCode: client, date: day, totalInclVATMinor: total)
    }

    static func entry(
        _ number: String, _ client: String = "LAA01", total: Int64 = 168_000, on day: CivilDate = day, line: Int = 2
    ) -> OxygeneRegisterEntry {
        OxygeneRegisterEntry(
            number: number, kind: number.hasPrefix("A") ? .creditNote : .invoice, clientCode: client,
            clientName: "CLIENT", date: day, totalExclVATMinor: total * 5 / 6, totalInclVATMinor: total, paidMinor: 0,
            remainingMinor: total, line: line)
    }

    @Test func aSinglePieceAndEntryWithTheSameKeyArePaired() {
        let register = [Self.entry("F20250746", line: 3), Self.entry("F20250747", "PHA01", total: 60_000, line: 4)]
        let outcomes = ProvisionalMatcher.match(
            [Self.piece("P202507-001"), Self.piece("P202507-002", "PHA01", total: 60_000)], register: register,
            taken: [:])
        #expect(
            outcomes == [
                .confirmed(reference: "P202507-001", entry: register[0], match: .automatic),
                .confirmed(reference: "P202507-002", entry: register[1], match: .automatic),
            ])
    }

    @Test func anEntryDifferingOnlyByClientIsNamedNeverPaired() {
        let register = [
            Self.entry("F20250746", "LAA02"), Self.entry("F20250747", "LAA02", total: 168_001),
            Self.entry("F20250748", "PHA01"), Self.entry("F20250749", "LAA01", on: CivilDate(iso: "2025-07-02")!),
        ]
        let piece = Self.piece("P202507-001")
        #expect(
            ProvisionalMatcher.match([piece], register: register, taken: [:]) == [.awaiting(reference: "P202507-001")])
        let misses = ProvisionalMatcher.nearMisses(of: [piece], register: register, taken: ["F20250748": "F20250748"])
        #expect(misses.map(\.reference) == ["P202507-001"])
        #expect(misses.map(\.entry.number) == ["F20250746"])
    }

    @Test(arguments: [
        ("LAA02", Int64(168_000), "2025-07-01"), ("LAA01", 168_001, "2025-07-01"), ("LAA01", 168_000, "2025-07-02"),
    ])
    func anyDifferenceOfClientTotalOrDateLeavesThePieceAwaiting(client: String, total: Int64, day: String) {
        let register = [Self.entry("F20250746", client, total: total, on: CivilDate(iso: day)!)]
        #expect(
            ProvisionalMatcher.match([Self.piece("P202507-001")], register: register, taken: [:]) == [
                .awaiting(reference: "P202507-001")
            ])
    }

    @Test func aCreditNoteIsNeverPairedWithAnInvoice() {
        let credit = OxygeneConfirmation.Piece(
            number: "P202507-003", kind: .creditNote, clientCode: "LAA01", date: Self.day, totalInclVATMinor: -168_000)
        let register = [Self.entry("F20250746", total: -168_000)]
        // The entry is read as an invoice (F), so the kinds differ.
        #expect(
            ProvisionalMatcher.match([credit], register: register, taken: [:]) == [.awaiting(reference: "P202507-003")])
        let asCredit = [Self.entry("A20250746", total: -168_000)]
        #expect(
            ProvisionalMatcher.match([credit], register: asCredit, taken: [:]) == [
                .confirmed(reference: "P202507-003", entry: asCredit[0], match: .automatic)
            ])
    }

    @Test func identicalPiecesAreAmbiguousAndNeverGuessed() {
        let register = [Self.entry("F20250751"), Self.entry("F20250750")]
        let outcomes = ProvisionalMatcher.match(
            [Self.piece("P202507-001"), Self.piece("P202507-002")], register: register, taken: [:])
        #expect(
            outcomes == [
                .ambiguous(reference: "P202507-001", candidates: ["F20250750", "F20250751"], others: ["P202507-002"]),
                .ambiguous(reference: "P202507-002", candidates: ["F20250750", "F20250751"], others: ["P202507-001"]),
            ])
        // One piece, two identical entries: which one is ours is not known either.
        #expect(
            ProvisionalMatcher.match([Self.piece("P202507-001")], register: register, taken: [:]) == [
                .ambiguous(reference: "P202507-001", candidates: ["F20250750", "F20250751"], others: [])
            ])
        // Two pieces, one entry so far: it could be either.
        #expect(
            ProvisionalMatcher.match(
                [Self.piece("P202507-001"), Self.piece("P202507-002")], register: [register[0]], taken: [:]
            ).allSatisfy { if case .ambiguous = $0 { true } else { false } })
    }

    @Test func aRequestPairsOneAndLeavesTheOtherPairOnItsOwn() {
        let register = [Self.entry("F20250750", line: 2), Self.entry("F20250751", line: 3)]
        let outcomes = ProvisionalMatcher.match(
            [Self.piece("P202507-001"), Self.piece("P202507-002")], register: register, taken: [:],
            requests: ["P202507-001": "F20250751"])
        #expect(
            outcomes == [
                .confirmed(reference: "P202507-001", entry: register[1], match: .request),
                .confirmed(reference: "P202507-002", entry: register[0], match: .automatic),
            ])
    }

    @Test func aNumberHeldByAnotherDocumentIsRefusedWithItsHolder() {
        let register = [Self.entry("F20250746")]
        let taken = ["F20250746": "P202506-004"]
        let outcomes = ProvisionalMatcher.match([Self.piece("P202507-001")], register: register, taken: taken)
        guard case .refused(let reference, let reason) = outcomes.first else {
            Issue.record("not refused: \(outcomes)")
            return
        }
        #expect(reference == "P202507-001")
        #expect(reason.contains("F20250746") && reason.contains("P202506-004"), "\(reason)")
        // Named by a request, too.
        let requested = ProvisionalMatcher.match(
            [Self.piece("P202507-001")], register: register, taken: taken, requests: ["P202507-001": "F20250746"])
        guard case .refused(_, let why) = requested.first else {
            Issue.record("not refused: \(requested)")
            return
        }
        #expect(why.contains("already the number of P202506-004"), "\(why)")
    }

    @Test func aRequestForAnotherPieceOrAnUnknownNumberIsRefused() {
        let register = [Self.entry("F20250746"), Self.entry("F20250747", "PHA01", total: 60_000, line: 3)]
        let wrongPiece = ProvisionalMatcher.match(
            [Self.piece("P202507-001")], register: register, taken: [:], requests: ["P202507-001": "F20250747"])
        guard case .refused(_, let reason) = wrongPiece.first else {
            Issue.record("not refused: \(wrongPiece)")
            return
        }
        #expect(reason.contains("PHA01") && reason.contains("LAA01"), "\(reason)")
        let unknown = ProvisionalMatcher.match(
            [Self.piece("P202507-001")], register: register, taken: [:], requests: ["P202507-001": "F20259999"])
        guard case .refused(_, let missing) = unknown.first else {
            Issue.record("not refused: \(unknown)")
            return
        }
        #expect(missing.contains("no entry for"), "\(missing)")
    }

    @Test func theProvisionalReferencesCountWithoutGapsAndIgnoreLegalNumbers() {
        let scheme = NumberingMode.provisionalScheme
        var counters = NumberingScheme.Counters(
            scheme: scheme, issued: [(.invoice, "F20250701"), (.invoice, "P202507-001"), (.creditNote, "P202507-002")])
        let july = Self.day
        #expect(counters.next(kind: .invoice, date: july) == "P202507-003")
        counters.record(kind: .creditNote, number: "P202507-003")
        #expect(counters.next(kind: .creditNote, date: july) == "P202507-004")
        #expect(counters.next(kind: .invoice, date: CivilDate(iso: "2025-08-01")!) == "P202508-001")
    }

    @Test func theLegalViewShowsConfirmedDocumentsUnderTheirNumberOnly() {
        var provisional = DashboardFiguresTests.document(
            "P202507-001", client: "LAA", exclVAT: 140_000, on: "2025-07-01", due: "2025-07-31")
        provisional.numbering = .provisional
        var awaiting = provisional
        awaiting.number = "P202507-002"
        let legal = DashboardFiguresTests.document(
            "F20250701", client: "LAA", exclVAT: 140_000, on: "2025-07-01", due: "2025-07-31")
        let confirmed = ConfirmedNumbers([
            NumberConfirmation(
                reference: "P202507-001", number: "F20250746", date: provisional.issueDate, register: "x", line: 2,
                match: .automatic, at: "2025-07-02T00:00:00Z")
        ])
        let view = confirmed.view(of: [legal, provisional, awaiting])
        #expect(view.map(\.number).sorted() == [legal.number, "F20250746"].sorted())
        #expect(view.first { $0.number == "F20250746" }?.origin == provisional.origin)
        #expect(view.first { $0.number == "F20250746" }?.numbering == .confirmed)
        #expect(ConfirmedNumbers().view(of: [legal]) == [legal])
    }
}
