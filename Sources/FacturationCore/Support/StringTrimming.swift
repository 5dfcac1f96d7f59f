extension StringProtocol {
    /// Removes leading and trailing Unicode scalars that belong to `set` (no Foundation needed).
    ///
    /// Works on scalars, not characters: "\r\n" is one Character but two scalars.
    package func trimming(_ set: String) -> String {
        let members = set.unicodeScalars
        let view = self.unicodeScalars
        // Most texts have nothing to trim: no index walking, no new storage.
        if let head = view.first, let tail = view.last, !members.contains(head), !members.contains(tail) {
            return String(self)
        }
        guard let first = view.firstIndex(where: { !members.contains($0) }),
            let last = view.lastIndex(where: { !members.contains($0) })
        else { return "" }
        return String(String.UnicodeScalarView(view[first...last]))
    }

    /// Removes leading and trailing white space (spaces, tabs, newlines, no-break spaces).
    package var trimmed: String { trimming(" \t\r\n\u{00A0}\u{202F}") }
}
