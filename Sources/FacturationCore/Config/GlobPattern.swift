/// A case-insensitive wildcard pattern: `*` matches any run of characters, `?` one character;
/// the pattern must match the whole text (write `*word*` for "contains").
public struct GlobPattern: Sendable, CustomStringConvertible {
    public let source: String
    private let pattern: [Character]

    public init(_ source: String) {
        self.source = source
        self.pattern = Array(GlobPattern.fold(source))
    }

    /// True when the pattern matches the whole of `text`, ignoring case.
    public func matches(_ text: String) -> Bool {
        let text = Array(GlobPattern.fold(text))
        var p = 0, t = 0
        var star = -1, mark = 0
        while t < text.count {
            if p < pattern.count, pattern[p] == "?" || (pattern[p] != "*" && pattern[p] == text[t]) {
                p += 1; t += 1
            } else if p < pattern.count, pattern[p] == "*" {
                star = p; mark = t; p += 1
            } else if star >= 0 {
                p = star + 1; mark += 1; t = mark
            } else {
                return false
            }
        }
        while p < pattern.count, pattern[p] == "*" { p += 1 }
        return p == pattern.count
    }

    public var description: String { source }

    /// Lowercases and trims, so that "LAA " and "laa" compare equal.
    static func fold(_ text: String) -> String { text.trimmed.lowercased() }
}
