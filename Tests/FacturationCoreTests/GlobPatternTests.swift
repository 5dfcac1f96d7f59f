import Testing

@testable import FacturationCore

/// ``GlobPattern/matches(bytes:)`` decides as ``GlobPattern/matches(_:)`` on the same text
/// decoded as a String, whichever path it takes: the bytes (ASCII, the accented letters of French,
/// the punctuation an ASCII pattern can compare as bytes) or the Strings (anything else).
@Suite("Glob patterns")
struct GlobPatternTests {
    /// Pieces of text: ASCII, accented letters, the punctuation compared as bytes, and what must
    /// go through Strings (a combining accent, a no-break space, the Kelvin sign that lowercases
    /// to ASCII, CR LF, a zero-width joiner, U+2028).
    static let pieces = [
        "a", "F", "o", "r", "t", "i", "forfait", "FORFAIT", " ", "-", "é", "É", "è", "à",
        "—", "–", "«", "»", "’", "…", "€", "°", "•", "\u{301}", "\u{A0}", "\u{212A}", "\r\n", "\u{200D}",
        "\u{2028}", "k", "K",
    ]

    static let patterns = ["*forfait*", "forfait*", "*a*t", "f?rfait*", "*k*", "*é*", "*—*", "a", "*", "*t —*"]

    @Test(arguments: [1 as UInt64, 2, 3, 4])
    func bytesDecideAsStrings(seed: UInt64) {
        var state = seed
        func next() -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int(truncatingIfNeeded: state >> 33)
        }
        let patterns = Self.patterns.map(GlobPattern.init)
        for _ in 0..<4_000 {
            var text = ""
            for _ in 0..<(next() % 9) { text += Self.pieces[next() % Self.pieces.count] }
            let bytes = Array(text.utf8)
            for pattern in patterns {
                let byString = pattern.matches(text)
                let byBytes = bytes.withUnsafeBytes { pattern.matches(bytes: $0) }
                #expect(byBytes == byString, "\(pattern) on \(text.debugDescription)")
            }
        }
    }

    @Test func punctuationStaysOnTheBytesAndMatches() {
        let pattern = GlobPattern("*forfait*")
        for text in ["Réunion — forfait « mensuel »", "FORFAIT… 12 €", "’forfait’", "suivi – 3°"] {
            let bytes = Array(text.utf8)
            let expected = pattern.matches(text)
            #expect(bytes.withUnsafeBytes { pattern.matches(bytes: $0) } == expected)
        }
        #expect(Array("Réunion — forfait « mensuel »".utf8).withUnsafeBytes { pattern.matches(bytes: $0) })
        #expect(!Array("suivi – 3°".utf8).withUnsafeBytes { pattern.matches(bytes: $0) })
    }
}
