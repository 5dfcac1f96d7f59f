/// A case-insensitive wildcard pattern: `*` matches any run of characters, `?` one character;
/// the pattern must match the whole text (write `*word*` for "contains"). Leading and trailing
/// white space of the text is ignored.
package struct GlobPattern: Sendable, CustomStringConvertible {
    package let source: String
    private let pattern: [Character]
    /// The folded pattern as UTF-8 bytes, when bytes can be compared one by one (the fast path):
    /// no `?`, or only ASCII.
    private let bytePattern: [UInt8]
    private let patternIsASCII: Bool
    private let patternHasAnyOne: Bool

    package init(_ source: String) {
        self.source = source
        let folded = GlobPattern.fold(source)
        self.pattern = Array(folded)
        self.bytePattern = Array(folded.utf8)
        self.patternIsASCII = folded.utf8.allSatisfy { $0 < 0x80 }
        self.patternHasAnyOne = folded.contains("?")
    }

    /// True when the pattern matches the whole of `text`, ignoring case.
    package func matches(_ text: String) -> Bool {
        let folded = Array(GlobPattern.fold(text))
        return GlobPattern.match(pattern: pattern, count: folded.count) { folded[$0] }
    }

    /// True when the pattern matches the whole of the UTF-8 `text`, ignoring case.
    ///
    /// Fast path on bytes for ASCII and the accented Latin letters of French (U+00C0…U+00DE
    /// fold to U+00E0…U+00FE); anything else goes through Unicode-aware Strings.
    package func matches(bytes text: UnsafeRawBufferPointer) -> Bool {
        var start = 0, end = text.count
        while start < end, GlobPattern.isSpace(text[start]) { start += 1 }
        while end > start, GlobPattern.isSpace(text[end - 1]) { end -= 1 }
        var foldable = true
        var sawNonASCII = false
        var index = start
        while index < end {
            let byte = text[index]
            if byte >= 0x80 {
                sawNonASCII = true
                if byte == 0xC3, index + 1 < end {
                    index += 2
                } else if patternIsASCII, let length = GlobPattern.neutralLength(text, at: index, end: end) {
                    index += length
                } else {
                    foldable = false
                    break
                }
            } else {
                index += 1
            }
        }
        guard foldable, !(sawNonASCII && patternHasAnyOne), patternIsASCII || !patternHasAnyOne else {
            return matches(String(decoding: text, as: UTF8.self))
        }
        return GlobPattern.match(pattern: bytePattern, count: end - start) { offset in
            let byte = text[start + offset]
            if byte >= 0x41 && byte <= 0x5A { return byte | 0x20 }
            // Second byte of U+00C0…U+00DE (except U+00D7 ×): the lowercase letter is 0x20 higher.
            if byte >= 0x80 && byte <= 0x9E && byte != 0x97 && offset > 0 && text[start + offset - 1] == 0xC3 {
                return byte + 0x20
            }
            return byte
        }
    }

    package var description: String { source }

    /// Lowercases and trims, so that "LAA " and "laa" compare equal.
    static func fold(_ text: String) -> String { text.trimmed.lowercased() }

    /// The UTF-8 length of a punctuation mark at `index` that an ASCII pattern can compare as
    /// bytes, or nil: « » ° (U+00AB, U+00BB, U+00B0), the dashes, quotes, bullets and ellipsis of
    /// U+2010…U+2027, and €. None is white space (trimming is the same), none joins the character
    /// before it into one grapheme (a Character is the same unit as its bytes), none changes
    /// when lowercased, and none equals an ASCII character: against an ASCII pattern, the bytes
    /// decide as the Strings would. French descriptions hold them often ("Réunion — suivi"), and
    /// each sent its row through Strings: a twelfth of the conversion's classifying time in the
    /// 1 GB `run` of issue #9. Tested against the String path (GlobPatternTests).
    private static func neutralLength(_ text: UnsafeRawBufferPointer, at index: Int, end: Int) -> Int? {
        let byte = text[index]
        if byte == 0xC2, index + 1 < end {
            let next = text[index + 1]
            return next == 0xAB || next == 0xBB || next == 0xB0 ? 2 : nil
        }
        guard byte == 0xE2, index + 2 < end else { return nil }
        let second = text[index + 1]
        let third = text[index + 2]
        if second == 0x80, third >= 0x90, third <= 0xA7 { return 3 }  // U+2010…U+2027
        if second == 0x82, third == 0xAC { return 3 }  // U+20AC €
        return nil
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D }

    private static func lower(_ byte: UInt8) -> UInt8 { byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte }

    /// Wildcard matching with backtracking on the last `*` (linear in practice).
    private static func match<Element: Equatable & GlobElement>(
        pattern: [Element], count: Int, text: (Int) -> Element
    ) -> Bool {
        var p = 0, t = 0
        var star = -1, mark = 0
        while t < count {
            if p < pattern.count, pattern[p].isAnyOne || (!pattern[p].isAnyRun && pattern[p] == text(t)) {
                p += 1; t += 1
            } else if p < pattern.count, pattern[p].isAnyRun {
                star = p; mark = t; p += 1
            } else if star >= 0 {
                p = star + 1; mark += 1; t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p].isAnyRun { p += 1 }
        return p == pattern.count
    }
}

/// An element of a pattern: a character or a byte, which may be a wildcard.
protocol GlobElement {
    var isAnyRun: Bool { get }
    var isAnyOne: Bool { get }
}

extension Character: GlobElement {
    var isAnyRun: Bool { self == "*" }
    var isAnyOne: Bool { self == "?" }
}

extension UInt8: GlobElement {
    var isAnyRun: Bool { self == 0x2A }
    var isAnyOne: Bool { self == 0x3F }
}
