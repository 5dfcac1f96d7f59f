import Foundation
import Testing

@testable import FacturationCore

/// The bytes of ``ClosedYearNotes``: read back equal, whatever the size of the history they stand
/// for (the first open line's index is not bounded by the file's size: 12,000 lines of history and
/// no open receipt make a 253-byte file), and refused when damaged.
@Suite("The closed years' notes, in bytes")
struct ClosedYearNotesUnitTests {
    static let notes = ClosedYearNotes(
        key: String(repeating: "a", count: 64) + "|2024-12-31", openBank: 1_000_000, suspense: [3, 17, 999_999],
        facts: [
            .init(
                invoice: "F20241201", client: (number: "C042", label: "Atelier Dupré"), pendingVAT: 20_000,
                openTTC: 120_000),
            .init(invoice: "F20241202", client: nil, pendingVAT: -5, openTTC: nil),
            .init(invoice: "A20241203", client: (number: "", label: "e\u{301}"), pendingVAT: nil, openTTC: 0),
        ],
        matches: [-1, 0, 11_899])

    @Test func notesComeBackEqualWhateverTheHistorysSize() {
        let bytes = Self.notes.bytes()
        #expect(bytes.count < 1_000)
        #expect(ClosedYearNotes.decoded(bytes) == Self.notes)
        let empty = ClosedYearNotes(key: "k", openBank: 12_000, suspense: [], facts: [], matches: [])
        #expect(ClosedYearNotes.decoded(empty.bytes()) == empty)
    }

    @Test func damagedNotesAreRefused() {
        let bytes = Self.notes.bytes()
        #expect(ClosedYearNotes.decoded(Array(bytes.dropLast())) == nil)
        // Every byte of the body (after the five header lines), and the header's version.
        let body = bytes.indices.filter { bytes[$0] == 0x0A }[4] + 1
        for index in [10] + Array(body..<bytes.count) {
            var changed = bytes
            changed[index] ^= 0x20
            #expect(ClosedYearNotes.decoded(changed) == nil, "byte \(index)")
        }
    }
}
