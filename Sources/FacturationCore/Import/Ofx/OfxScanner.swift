/// The byte scanner behind ``OfxDocument``: header, tags, text, line numbers.
struct OfxScanner {
    let bytes: [UInt8]
    private(set) var index = 0
    private(set) var line = 1

    init(bytes: [UInt8]) { self.bytes = bytes }

    // MARK: - Header

    /// The 1.x `KEY:VALUE` lines, or the attributes of the 2.x processing instructions.
    mutating func header() -> [String: String] {
        var header: [String: String] = [:]
        let end = firstIndex(of: Array("<OFX>".utf8)) ?? bytes.count
        let text = String(decoding: bytes[index..<end], as: UTF8.self)
        for raw in text.split(whereSeparator: { $0 == "\n" || $0 == "\r" || $0 == "\r\n" }) {
            let entry = raw.trimmed
            if entry.hasPrefix("<?") {
                for attribute in entry.split(separator: " ") {
                    let parts = attribute.split(separator: "=", maxSplits: 1)
                    guard parts.count == 2 else { continue }
                    header[String(parts[0]).uppercased()] = String(
                        parts[1].filter { $0 != "\"" && $0 != "'" && $0 != "?" && $0 != ">" })
                }
            } else if let colon = entry.firstIndex(of: ":") {
                header[String(entry[..<colon]).trimmed.uppercased()] =
                    String(entry[entry.index(after: colon)...]).trimmed
            }
        }
        return header
    }

    /// Moves to the first occurrence of `marker` (counting lines); false when there is none.
    mutating func skip(to marker: [UInt8]) -> Bool {
        guard let found = firstIndex(of: marker) else { return false }
        while index < found { advance() }
        return true
    }

    private func firstIndex(of marker: [UInt8]) -> Int? {
        guard !marker.isEmpty, bytes.count >= marker.count else { return nil }
        var position = index
        while position <= bytes.count - marker.count {
            if bytes[position] == marker[0], bytes[position..<position + marker.count].elementsEqual(marker) {
                return position
            }
            position += 1
        }
        return nil
    }

    private mutating func advance() {
        let byte = bytes[index]
        if byte == 0x0A || (byte == 0x0D && (index + 1 == bytes.count || bytes[index + 1] != 0x0A)) { line += 1 }
        index += 1
    }

    // MARK: - Body

    /// Reads the elements from here to the end into `top`.
    mutating func body(into top: OfxNode) -> Result<Void, OfxDocument.SyntaxError> {
        var stack: [OfxNode] = [top]
        while index < bytes.count {
            guard bytes[index] == 0x3C else {
                let text = readText()
                if !text.isEmpty {
                    return .failure(.init(line: line, message: "text outside any element: \"\(text.prefix(40))\""))
                }
                continue
            }
            let tagLine = line
            guard let tag = readTag() else { continue }
            if tag.closing {
                guard let open = stack.lastIndex(where: { $0.name == tag.name }), open > 0 else {
                    return .failure(.init(line: tagLine, message: "</\(tag.name)> closes no open <\(tag.name)>"))
                }
                stack.removeSubrange(open...)
                continue
            }
            let text = readText()
            let node = OfxNode(name: tag.name, line: tagLine, text: Self.decodeEntities(text))
            stack[stack.count - 1].append(node)
            if !text.isEmpty || tag.empty {
                skipClosing(tag.name)
            } else {
                guard stack.count <= OfxDocument.maximumDepth else {
                    return .failure(.init(line: tagLine, message: "the elements are nested too deeply"))
                }
                stack.append(node)
            }
        }
        if stack.count > 1 {
            return .failure(
                .init(
                    line: line,
                    message: "the file ends before </\(stack[1...].map(\.name).reversed().joined(separator: "></"))> "
                        + "(it was probably cut during the download)"))
        }
        return .success(())
    }

    private struct Tag {
        var name: String
        var closing: Bool
        var empty: Bool
    }

    /// Reads `<NAME>`, `</NAME>` or `<NAME/>`; comments and processing instructions give nil.
    private mutating func readTag() -> Tag? {
        if bytes[index...].starts(with: Array("<!--".utf8)) {
            if !skip(to: Array("-->".utf8)) { index = bytes.count }
            while index < bytes.count, bytes[index] != 0x3E { advance() }
            if index < bytes.count { advance() }
            return nil
        }
        advance()  // <
        let start = index
        while index < bytes.count, bytes[index] != 0x3E, bytes[index] != 0x3C { advance() }
        let inside = String(decoding: bytes[start..<index], as: UTF8.self)
        if index < bytes.count, bytes[index] == 0x3E { advance() }
        if inside.hasPrefix("?") || inside.hasPrefix("!") { return nil }
        var name = Substring(inside)
        let closing = name.hasPrefix("/")
        if closing { name = name.dropFirst() }
        let empty = name.hasSuffix("/")
        if empty { name = name.dropLast() }
        name = name.prefix { $0 != " " && $0 != "\t" && $0 != "\r" && $0 != "\n" }
        return Tag(name: String(name).uppercased(), closing: closing, empty: empty)
    }

    /// The text up to the next `<`, trimmed.
    private mutating func readText() -> String {
        let start = index
        while index < bytes.count, bytes[index] != 0x3C { advance() }
        return String(decoding: bytes[start..<index], as: UTF8.self).trimmed
    }

    /// Skips `</name>` when it comes next (after white space).
    private mutating func skipClosing(_ name: String) {
        var position = index
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
        let closing = Array("</\(name)>".utf8)
        guard bytes.count - position >= closing.count,
            bytes[position..<position + closing.count].map({ $0 >= 0x61 && $0 <= 0x7A ? $0 - 0x20 : $0 })
                .elementsEqual(closing)
        else { return }
        while index < position + closing.count { advance() }
    }

    /// `&amp;`, `&lt;`, `&gt;`, `&quot;`, `&apos;`, `&#NN;`, `&#xHH;`; anything else is kept as written.
    static func decodeEntities(_ text: String) -> String {
        guard text.contains("&") else { return text }
        var out = ""
        var rest = Substring(text)
        while let amp = rest.firstIndex(of: "&") {
            out += rest[..<amp]
            let after = rest[amp...]
            guard let semi = after.prefix(10).firstIndex(of: ";") else {
                out += "&"
                rest = rest[rest.index(after: amp)...]
                continue
            }
            let entity = after[after.index(after: amp)..<semi]
            if let decoded = decode(entity) {
                out += decoded
                rest = rest[rest.index(after: semi)...]
            } else {
                out += "&"
                rest = rest[rest.index(after: amp)...]
            }
        }
        return out + rest
    }

    private static func decode(_ entity: Substring) -> String? {
        switch entity {
        case "amp": return "&"
        case "lt": return "<"
        case "gt": return ">"
        case "quot": return "\""
        case "apos": return "'"
        default:
            guard entity.hasPrefix("#") else { return nil }
            let number = entity.dropFirst()
            let value =
                number.hasPrefix("x") || number.hasPrefix("X")
                ? UInt32(number.dropFirst(), radix: 16) : UInt32(number, radix: 10)
            guard let value, value != 0, let scalar = Unicode.Scalar(value) else { return nil }
            return String(Character(scalar))
        }
    }
}
