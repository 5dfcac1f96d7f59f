/// The fields of an MT940 file: `:TAG:value` lines, a value continued on the lines that follow
/// it (until the next tag), the SWIFT envelope (`{1:…}{2:…}{4:` and `-}`) and the `-` that ends
/// each message skipped.
struct Mt940Field {
    /// The fields the reader acts on; every other tag (`28C`, `64`, `65`…) is read past.
    enum Kind: String {
        case reference = "20"
        case account = "25"
        case opening = "60F"
        case intermediateOpening = "60M"
        case line = "61"
        case information = "86"
        case closing = "62F"
        case intermediateClosing = "62M"
        case other
    }

    /// `20`, `25`, `28C`, `60F`, `61`, `86`, `62F`…, as written.
    let tag: String
    var kind: Kind { Kind(rawValue: tag) ?? .other }
    /// The first line of the value.
    var value: String
    /// The lines that continue it.
    var continuation: [String] = []
    /// The line of the tag.
    let line: Int

    /// The value with its continuation lines, joined without separator (SWIFT cuts long values
    /// at 65 characters, anywhere).
    var joined: String { ([value] + continuation).joined() }

    static func fields(_ lines: [StatementText.Line]) -> [Mt940Field] {
        var fields: [Mt940Field] = []
        for line in lines {
            var text = Substring(line.text)
            if let block = text.range(of: "{4:") { text = text[block.upperBound...] }
            if text.hasPrefix("{") || text == "-" || text.hasPrefix("-}") || text.trimmed.isEmpty { continue }
            if let field = field(text, line: line.number) {
                fields.append(field)
            } else if !fields.isEmpty {
                fields[fields.count - 1].continuation.append(String(text))
            }
        }
        return fields
    }

    /// `:TAG:value`, or nil when the line does not start a field.
    private static func field(_ text: Substring, line: Int) -> Mt940Field? {
        guard text.hasPrefix(":") else { return nil }
        let rest = text.dropFirst()
        guard let colon = rest.firstIndex(of: ":") else { return nil }
        let tag = rest[..<colon]
        guard (2...3).contains(tag.count), tag.prefix(2).allSatisfy(\.isASCIIDigit),
            tag.dropFirst(2).allSatisfy({ $0.isASCIIAlphanumericUpper })
        else { return nil }
        return Mt940Field(tag: String(tag), value: String(rest[rest.index(after: colon)...]), line: line)
    }
}
