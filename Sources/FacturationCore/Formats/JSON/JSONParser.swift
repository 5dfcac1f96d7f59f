/// A JSON syntax error, with the 1-based line and column (in Unicode scalars, see `JSONPosition`)
/// where the file is wrong and a short message meant for the person who has to fix the file.
package struct JSONError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The 1-based line of the problem.
    package let line: Int
    /// The 1-based column of the problem, in Unicode scalars.
    package let column: Int
    /// What is wrong and, when possible, how to fix it.
    package let message: String

    package init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    /// The line and column as a position.
    package var position: JSONPosition { JSONPosition(line: line, column: column) }

    /// "line 3, column 7: <message>".
    package var description: String { "line \(line), column \(column): \(message)" }
}

/// A strict RFC 8259 JSON reader that keeps numbers as their source text and records the line
/// and column of every value.
///
/// Rejected: comments, trailing commas, single quotes, NaN and Infinity, leading zeros,
/// unescaped control characters in strings, invalid UTF-8, nesting
/// deeper than `maximumDepth`, and anything after the top-level value. A UTF-8 byte-order mark at
/// the start is skipped. Duplicate keys are kept; `JSONObject` lookup returns the last one. An
/// unpaired surrogate escape (`\ud83d` alone) becomes U+FFFD.
package enum JSONParser {
    /// The deepest nesting of objects and arrays accepted; deeper input is reported as an error.
    /// Parsing does not recurse, so this limit protects memory and later recursive consumers.
    package static let maximumDepth = 512

    /// Parses a complete JSON document from UTF-8 bytes (e.g. `[UInt8]`, `ArraySlice<UInt8>`,
    /// `Data`).
    package static func parse(_ bytes: some Collection<UInt8>) throws(JSONError) -> JSONNode {
        let contiguous = bytes.withContiguousStorageIfAvailable { buffer in
            parse(buffer: buffer)
        }
        if let contiguous {
            return try contiguous.get()
        }
        let copy = Array(bytes)
        return try copy.withUnsafeBufferPointer { buffer in parse(buffer: buffer) }.get()
    }

    /// Parses a complete JSON document from text.
    package static func parse(_ text: String) throws(JSONError) -> JSONNode {
        var text = text
        return try text.withUTF8 { buffer in parse(buffer: buffer) }.get()
    }

    /// Runs the reader over contiguous bytes. Returns a `Result` because the standard library's
    /// buffer accessors are `rethrows`, which would erase the typed error.
    private static func parse(buffer: UnsafeBufferPointer<UInt8>) -> Result<JSONNode, JSONError> {
        var reader = JSONByteReader(bytes: buffer, maximumDepth: maximumDepth)
        do {
            return .success(try reader.parseDocument())
        } catch {
            return .failure(error)
        }
    }
}

/// ASCII byte values used by the reader.
private enum JSONByte {
    static let tab: UInt8 = 0x09
    static let lineFeed: UInt8 = 0x0A
    static let carriageReturn: UInt8 = 0x0D
    static let space: UInt8 = 0x20
    static let quote: UInt8 = 0x22  // "
    static let apostrophe: UInt8 = 0x27  // '
    static let plus: UInt8 = 0x2B
    static let comma: UInt8 = 0x2C
    static let minus: UInt8 = 0x2D
    static let dot: UInt8 = 0x2E
    static let slash: UInt8 = 0x2F
    static let zero: UInt8 = 0x30
    static let one: UInt8 = 0x31
    static let nine: UInt8 = 0x39
    static let colon: UInt8 = 0x3A
    static let upperE: UInt8 = 0x45
    static let openBracket: UInt8 = 0x5B
    static let backslash: UInt8 = 0x5C
    static let closeBracket: UInt8 = 0x5D
    static let lowerE: UInt8 = 0x65
    static let lowerU: UInt8 = 0x75
    static let openBrace: UInt8 = 0x7B
    static let closeBrace: UInt8 = 0x7D

    @inline(__always) static func isDigit(_ byte: UInt8) -> Bool { byte &- zero < 10 }

    @inline(__always) static func isLetter(_ byte: UInt8) -> Bool { (byte | 0x20) &- 0x61 < 26 }

    /// Bytes that continue a word such as `true` or a mistyped `Infinity`.
    @inline(__always) static func isWord(_ byte: UInt8) -> Bool {
        isLetter(byte) || isDigit(byte) || byte == 0x5F
    }

    /// Bytes that make a malformed number run on, such as `1.2.3` or `12abc`.
    @inline(__always) static func isNumberLike(_ byte: UInt8) -> Bool {
        isWord(byte) || byte == dot || byte == plus || byte == minus
    }

    @inline(__always) static func hexValue(_ byte: UInt8) -> UInt32? {
        switch byte {
        case 0x30...0x39: UInt32(byte - 0x30)
        case 0x41...0x46: UInt32(byte - 0x41 + 10)
        case 0x61...0x66: UInt32(byte - 0x61 + 10)
        default: nil
        }
    }
}

/// The non-recursive reader behind `JSONParser`: one pass over the bytes with an index, tracking
/// the current line and how many UTF-8 continuation bytes precede the index on that line, so that
/// any position is a subtraction away.
private struct JSONByteReader {
    /// An object or array whose children are being read. Its children wait at the end of
    /// `pendingNodes` or `pendingMembers` from `firstChild` on, so that each container is built
    /// with one allocation of its exact size instead of growing its own array.
    private struct Frame {
        let isObject: Bool
        let position: JSONPosition
        let firstChild: Int
        /// The key of the member whose value is being read.
        var key: String = ""
    }

    private let bytes: UnsafeBufferPointer<UInt8>
    private let end: Int
    private let maximumDepth: Int
    private var index = 0
    private var line = 1
    /// Offset of the first byte of the current line.
    private var lineStart = 0
    /// UTF-8 continuation bytes between `lineStart` and `index`; they take no column.
    private var lineContinuationBytes = 0
    /// Reused buffer for strings that contain escapes.
    private var scratch: [UInt8] = []
    /// Elements of the arrays being read, innermost last.
    private var pendingNodes: [JSONNode] = []
    /// Members of the objects being read, innermost last.
    private var pendingMembers: [JSONMember] = []

    init(bytes: UnsafeBufferPointer<UInt8>, maximumDepth: Int) {
        self.bytes = bytes
        self.end = bytes.count
        self.maximumDepth = maximumDepth
    }

    // MARK: Document

    mutating func parseDocument() throws(JSONError) -> JSONNode {
        if end >= 3, bytes[0] == 0xEF, bytes[1] == 0xBB, bytes[2] == 0xBF {
            index = 3
            lineStart = 3
        } else if end >= 2, (bytes[0] == 0xFF && bytes[1] == 0xFE) || (bytes[0] == 0xFE && bytes[1] == 0xFF) {
            throw error("the file is saved as UTF-16: re-export it as UTF-8", at: 0)
        }
        skipWhitespace()
        if index == end {
            throw error("the file is empty: expected a JSON value", at: index)
        }
        let root = try parseValues()
        skipWhitespace()
        if index < end {
            throw unexpected(
                at: index, "after the end of the JSON data: the file must contain a single value")
        }
        return root
    }

    /// Reads one complete value, containers included, with an explicit stack instead of recursion
    /// so that hostile nesting cannot overflow the call stack.
    private mutating func parseValues() throws(JSONError) -> JSONNode {
        var stack: [Frame] = []
        while true {
            // Here `index` is at the first byte of a value (whitespace already skipped).
            guard var node = try readValueOrOpenContainer(&stack) else { continue }
            // Attach the finished value to its container; close containers as they end.
            while true {
                guard !stack.isEmpty else { return node }
                skipWhitespace()
                guard let closed = try attach(node, to: &stack) else { break }
                node = closed
            }
        }
    }

    /// Reads the value at `index` when it is a scalar or an empty container. A non-empty object or
    /// array is opened instead: its frame is pushed, `index` is left at its first child, and the
    /// result is nil.
    @inline(__always)
    private mutating func readValueOrOpenContainer(_ stack: inout [Frame]) throws(JSONError) -> JSONNode? {
        guard index < end else { throw truncated() }
        let start = position(of: index)
        switch bytes[index] {
        case JSONByte.openBrace:
            if stack.count >= maximumDepth { throw tooDeep() }
            index += 1
            skipWhitespace()
            if index < end, bytes[index] == JSONByte.closeBrace {
                index += 1
                return JSONNode(value: .object(JSONObject()), position: start)
            }
            var frame = Frame(isObject: true, position: start, firstChild: pendingMembers.count)
            frame.key = try readKeyAndColon()
            stack.append(frame)
            skipWhitespace()
            return nil
        case JSONByte.openBracket:
            if stack.count >= maximumDepth { throw tooDeep() }
            index += 1
            skipWhitespace()
            if index < end, bytes[index] == JSONByte.closeBracket {
                index += 1
                return JSONNode(value: .array([]), position: start)
            }
            stack.append(Frame(isObject: false, position: start, firstChild: pendingNodes.count))
            return nil
        case JSONByte.quote:
            return JSONNode(value: .string(try readString()), position: start)
        case JSONByte.minus, JSONByte.zero...JSONByte.nine:
            return JSONNode(value: .number(try readNumber()), position: start)
        default:
            return JSONNode(value: try readLiteral(), position: start)
        }
    }

    /// Adds `node` to the innermost open container and reads what follows it (`index` is past the
    /// whitespace after `node`). Returns the container when that closes it; nil when a comma
    /// announces another child, with `index` then at that child's first byte.
    /// `consuming`: the node moves into its container; borrowed, it was copied (a retain and a
    /// release per value, +2.6 % instructions on a 55 MB file).
    @inline(__always)
    private mutating func attach(_ node: consuming JSONNode, to stack: inout [Frame]) throws(JSONError) -> JSONNode? {
        if stack[stack.count - 1].isObject {
            pendingMembers.append(JSONMember(key: stack[stack.count - 1].key, node: node))
            return try afterMember(&stack)
        } else {
            pendingNodes.append(node)
            return try afterElement(&stack)
        }
    }

    /// After a member of the innermost object: `,` and the next key, or `}` that closes the object.
    @inline(__always)
    private mutating func afterMember(_ stack: inout [Frame]) throws(JSONError) -> JSONNode? {
        guard index < end else { throw truncated() }
        switch bytes[index] {
        case JSONByte.comma:
            let comma = position(of: index)
            index += 1
            skipWhitespace()
            if index < end, bytes[index] == JSONByte.closeBrace {
                throw error("trailing comma: remove the \",\" before \"}\"", at: comma)
            }
            stack[stack.count - 1].key = try readKeyAndColon()
            skipWhitespace()
            return nil
        case JSONByte.closeBrace:
            index += 1
            let frame = stack.removeLast()
            let members = Array(pendingMembers[frame.firstChild...])
            pendingMembers.removeLast(members.count)
            return JSONNode(value: .object(JSONObject(members: members)), position: frame.position)
        default:
            throw unexpected(at: index, expected: "\",\" or \"}\" after a member of an object")
        }
    }

    /// After an element of the innermost array: `,` before the next element, or `]` that closes the array.
    @inline(__always)
    private mutating func afterElement(_ stack: inout [Frame]) throws(JSONError) -> JSONNode? {
        guard index < end else { throw truncated() }
        switch bytes[index] {
        case JSONByte.comma:
            let comma = position(of: index)
            index += 1
            skipWhitespace()
            if index < end, bytes[index] == JSONByte.closeBracket {
                throw error("trailing comma: remove the \",\" before \"]\"", at: comma)
            }
            return nil
        case JSONByte.closeBracket:
            index += 1
            let frame = stack.removeLast()
            let elements = Array(pendingNodes[frame.firstChild...])
            pendingNodes.removeLast(elements.count)
            return JSONNode(value: .array(elements), position: frame.position)
        default:
            throw unexpected(at: index, expected: "\",\" or \"]\" after an element of an array")
        }
    }

    /// Reads `"key"` and the `:` after it; `index` is at the first byte of the key.
    private mutating func readKeyAndColon() throws(JSONError) -> String {
        guard index < end else { throw truncated() }
        let first = bytes[index]
        guard first == JSONByte.quote else {
            if first == JSONByte.apostrophe {
                throw error("single quotes are not allowed: write keys and text in double quotes (\")", at: index)
            }
            if JSONByte.isLetter(first) {
                throw error("object keys must be written in double quotes, like \"name\"", at: index)
            }
            throw unexpected(at: index, expected: "a key in double quotes")
        }
        let key = try readString()
        skipWhitespace()
        guard index < end else { throw truncated() }
        guard bytes[index] == JSONByte.colon else {
            throw error("expected \":\" after the key \"\(Self.abbreviated(key))\"", at: index)
        }
        index += 1
        return key
    }

    // MARK: Whitespace and positions

    @inline(__always)
    private mutating func skipWhitespace() {
        while index < end {
            let byte = bytes[index]
            if byte > JSONByte.space { return }
            if byte == JSONByte.space || byte == JSONByte.tab {
                index += 1
            } else if byte == JSONByte.lineFeed {
                index += 1
                startLine()
            } else if byte == JSONByte.carriageReturn {
                index += 1
                if index < end, bytes[index] == JSONByte.lineFeed { index += 1 }
                startLine()
            } else {
                return
            }
        }
    }

    @inline(__always)
    private mutating func startLine() {
        line += 1
        lineStart = index
        lineContinuationBytes = 0
    }

    /// The position of `offset`, which must be on the current line with no multi-byte character
    /// between it and `index`.
    @inline(__always)
    private func position(of offset: Int) -> JSONPosition {
        JSONPosition(line: line, column: offset - lineStart - lineContinuationBytes + 1)
    }

    // MARK: Strings

    /// Reads a string; `index` is at its opening quote and ends after the closing quote.
    private mutating func readString() throws(JSONError) -> String {
        let opening = position(of: index)
        index += 1
        let contentStart = index
        while index < end {
            let byte = bytes[index]
            if byte == JSONByte.quote {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[contentStart..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if byte == JSONByte.backslash {
                return try readEscapedString(from: contentStart, opening: opening)
            }
            if byte < JSONByte.space { throw controlCharacter(byte) }
            if byte < 0x80 {
                index += 1
            } else {
                try skipMultiByteScalar()
            }
        }
        throw unterminatedString(opening)
    }

    /// Slow path for strings with escapes: `index` is at the first backslash, `contentStart` after
    /// the opening quote.
    private mutating func readEscapedString(from contentStart: Int, opening: JSONPosition) throws(JSONError) -> String {
        scratch.removeAll(keepingCapacity: true)
        var runStart = contentStart
        while index < end {
            let byte = bytes[index]
            if byte == JSONByte.quote || byte == JSONByte.backslash {
                scratch.append(contentsOf: UnsafeBufferPointer(rebasing: bytes[runStart..<index]))
                if byte == JSONByte.quote {
                    index += 1
                    return String(decoding: scratch, as: UTF8.self)
                }
                try readEscape(opening: opening)
                runStart = index
            } else if byte < JSONByte.space {
                throw controlCharacter(byte)
            } else if byte < 0x80 {
                index += 1
            } else {
                try skipMultiByteScalar()
            }
        }
        throw unterminatedString(opening)
    }

    /// Decodes one escape into `scratch`; `index` is at the backslash.
    private mutating func readEscape(opening: JSONPosition) throws(JSONError) {
        let backslash = index
        guard index + 1 < end else { throw unterminatedString(opening) }
        let decoded: UInt8
        switch bytes[index + 1] {
        case JSONByte.quote, JSONByte.backslash, JSONByte.slash: decoded = bytes[index + 1]
        case 0x62: decoded = 0x08  // b
        case 0x66: decoded = 0x0C  // f
        case 0x6E: decoded = JSONByte.lineFeed  // n
        case 0x72: decoded = JSONByte.carriageReturn  // r
        case 0x74: decoded = JSONByte.tab  // t
        case JSONByte.lowerU:
            try readUnicodeEscape(opening: opening)
            return
        default:
            let next = bytes[index + 1]
            if next > JSONByte.space, next < 0x7F {
                let shown = String(UnicodeScalar(next))
                throw error("invalid escape \"\\\(shown)\" in a string: write \"\\\\\" for a backslash", at: backslash)
            }
            throw error("invalid escape in a string: write \"\\\\\" for a backslash", at: backslash)
        }
        scratch.append(decoded)
        index += 2
    }

    /// Decodes `\uXXXX`, or a `\uXXXX\uXXXX` surrogate pair, into `scratch`; `index` is at the
    /// backslash.
    private mutating func readUnicodeEscape(opening: JSONPosition) throws(JSONError) {
        let backslash = index
        let first = try hexQuad(at: index + 2, escapeAt: backslash, opening: opening)
        index += 6
        var scalar = first
        if first >= 0xD800, first <= 0xDBFF {
            let low: UInt32? =
                if index + 6 <= end, bytes[index] == JSONByte.backslash, bytes[index + 1] == JSONByte.lowerU {
                    try hexQuad(at: index + 2, escapeAt: index, opening: opening)
                } else {
                    nil
                }
            if let low, low >= 0xDC00, low <= 0xDFFF {
                index += 6
                scalar = 0x10000 + ((first - 0xD800) << 10) + (low - 0xDC00)
            } else {
                // Half of a character (an API that cut an emoji in two): it stands for no
                // character, and becomes U+FFFD, as imports clean text rather than reject it.
                scalar = 0xFFFD
            }
        } else if first >= 0xDC00, first <= 0xDFFF {
            scalar = 0xFFFD
        }
        appendUTF8(scalar)
    }

    /// The value of the four hex digits at `offset`.
    private func hexQuad(at offset: Int, escapeAt backslash: Int, opening: JSONPosition) throws(JSONError) -> UInt32 {
        var value: UInt32 = 0
        for digitOffset in offset..<(offset + 4) {
            guard digitOffset < end else { throw unterminatedString(opening) }
            guard let digit = JSONByte.hexValue(bytes[digitOffset]) else {
                throw error(
                    "invalid escape \"\(escapeText(at: backslash))\": \\u must be followed by 4 hexadecimal digits",
                    at: backslash)
            }
            value = value << 4 | digit
        }
        return value
    }

    private mutating func appendUTF8(_ scalar: UInt32) {
        switch scalar {
        case ..<0x80:
            scratch.append(UInt8(scalar))
        case ..<0x800:
            scratch.append(UInt8(0xC0 | scalar >> 6))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        case ..<0x10000:
            scratch.append(UInt8(0xE0 | scalar >> 12))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        default:
            scratch.append(UInt8(0xF0 | scalar >> 18))
            scratch.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            scratch.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            scratch.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    /// Validates the multi-byte UTF-8 sequence at `index` and steps over it.
    @inline(__always)
    private mutating func skipMultiByteScalar() throws(JSONError) {
        guard let length = utf8Length(at: index) else { throw invalidUTF8(at: index) }
        index += length
        lineContinuationBytes += length - 1
    }

    /// The length of the well-formed UTF-8 sequence starting at `offset` (lead byte ≥ 0x80), or
    /// nil when it is malformed: stray continuation byte, overlong form, surrogate, value above
    /// U+10FFFF or truncated sequence.
    private func utf8Length(at offset: Int) -> Int? {
        let lead = bytes[offset]
        let length: Int
        var low: UInt8 = 0x80
        var high: UInt8 = 0xBF
        switch lead {
        case 0xC2...0xDF: length = 2
        case 0xE0: length = 3; low = 0xA0
        case 0xE1...0xEC, 0xEE...0xEF: length = 3
        case 0xED: length = 3; high = 0x9F
        case 0xF0: length = 4; low = 0x90
        case 0xF1...0xF3: length = 4
        case 0xF4: length = 4; high = 0x8F
        default: return nil
        }
        guard offset + length <= end else { return nil }
        let second = bytes[offset + 1]
        guard second >= low, second <= high else { return nil }
        for continuation in (offset + 2)..<(offset + length) where bytes[continuation] & 0xC0 != 0x80 {
            return nil
        }
        return length
    }

    // MARK: Numbers

    /// Reads a number and returns its source text; `index` is at its `-` or first digit.
    private mutating func readNumber() throws(JSONError) -> String {
        let start = index
        if bytes[index] == JSONByte.minus { index += 1 }
        guard index < end, JSONByte.isDigit(bytes[index]) else {
            if index < end, JSONByte.isLetter(bytes[index]), Self.isNaNOrInfinity(word(at: index)) {
                throw error("NaN and Infinity are not valid JSON numbers: use null for a missing amount", at: start)
            }
            throw badNumber(from: start, "a digit must follow \"-\"")
        }
        if bytes[index] == JSONByte.zero {
            index += 1
            if index < end, JSONByte.isDigit(bytes[index]) {
                throw badNumber(from: start, "leading zeros are not allowed")
            }
        } else {
            index += 1
            skipDigits()
        }
        if index < end, bytes[index] == JSONByte.dot {
            index += 1
            guard index < end, JSONByte.isDigit(bytes[index]) else {
                throw badNumber(from: start, "a digit must follow the decimal point")
            }
            skipDigits()
        }
        if index < end, bytes[index] == JSONByte.lowerE || bytes[index] == JSONByte.upperE {
            index += 1
            if index < end, bytes[index] == JSONByte.plus || bytes[index] == JSONByte.minus { index += 1 }
            guard index < end, JSONByte.isDigit(bytes[index]) else {
                throw badNumber(from: start, "a digit must follow the exponent")
            }
            skipDigits()
        }
        if index < end, JSONByte.isNumberLike(bytes[index]) {
            throw badNumber(from: start, "numbers use digits, an optional \"-\", one \".\" and an optional exponent")
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    @inline(__always)
    private mutating func skipDigits() {
        while index < end, JSONByte.isDigit(bytes[index]) { index += 1 }
    }

    // MARK: Literals and unexpected characters

    /// Reads `true`, `false` or `null`, or explains what is at `index` instead of a value.
    private mutating func readLiteral() throws(JSONError) -> JSONValue {
        let first = bytes[index]
        if JSONByte.isLetter(first) {
            let text = word(at: index)
            switch text {
            case "true": index += 4; return .bool(true)
            case "false": index += 5; return .bool(false)
            case "null": index += 4; return .null
            default: break
            }
            let lowercased = text.lowercased()
            if ["true", "false", "null"].contains(lowercased) {
                throw error("\"\(text)\" must be written in lowercase: \(lowercased)", at: index)
            }
            if Self.isNaNOrInfinity(text) {
                throw error("NaN and Infinity are not valid JSON numbers: use null for a missing amount", at: index)
            }
            throw error(
                "unexpected word \"\(Self.abbreviated(text))\": text values must be written in double quotes",
                at: index)
        }
        switch first {
        case JSONByte.apostrophe:
            throw error("single quotes are not allowed: write keys and text in double quotes (\")", at: index)
        case JSONByte.plus:
            throw badNumber(from: index, "a leading \"+\" is not allowed")
        case JSONByte.dot:
            throw badNumber(from: index, "write a digit before the decimal point, like 0.5")
        default:
            throw unexpected(at: index, expected: "a value")
        }
    }

    /// The letters, digits and underscores starting at `offset`, at most 40 of them.
    private func word(at offset: Int) -> String {
        var stop = offset
        while stop < end, stop - offset < 40, JSONByte.isWord(bytes[stop]) { stop += 1 }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[offset..<stop]), as: UTF8.self)
    }

    private static func isNaNOrInfinity(_ word: String) -> Bool {
        ["nan", "inf", "infinity"].contains(word.lowercased())
    }

    /// Shortens user text quoted in a message.
    private static func abbreviated(_ text: String) -> String {
        text.count <= 40 ? text : String(text.prefix(40)) + "…"
    }

    /// The escape at `backslash` as written (up to `\` + 5 printable characters), for messages.
    private func escapeText(at backslash: Int) -> String {
        var stop = backslash + 1
        while stop < end, stop - backslash < 6, bytes[stop] > JSONByte.space, bytes[stop] < 0x7F,
            stop == backslash + 1 || bytes[stop] != JSONByte.backslash
        {
            stop += 1
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[backslash..<stop]), as: UTF8.self)
    }

    /// How the character at `offset` is shown in a message, or nil when it is not valid UTF-8.
    private func describeCharacter(at offset: Int) -> String? {
        let byte = bytes[offset]
        switch byte {
        case JSONByte.quote: return "a quote (\")"
        case 0x21..<0x7F: return "\"\(String(UnicodeScalar(byte)))\""
        case ..<0x80: return "control character " + Self.codePoint(UInt32(byte))
        default:
            guard let length = utf8Length(at: offset) else { return nil }
            let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[offset..<(offset + length)]), as: UTF8.self)
            guard let scalar = text.unicodeScalars.first else { return nil }
            switch scalar.value {
            case 0xFEFF: return "a byte-order mark (U+FEFF)"
            case 0x00A0: return "a non-breaking space (U+00A0)"
            default: return "\"\(text)\" (\(Self.codePoint(scalar.value)))"
            }
        }
    }

    private static func codePoint(_ value: UInt32) -> String {
        let hex = String(value, radix: 16, uppercase: true)
        return "U+" + String(repeating: "0", count: max(0, 4 - hex.count)) + hex
    }

    // MARK: Errors

    private func error(_ message: String, at offset: Int) -> JSONError {
        error(message, at: position(of: offset))
    }

    private func error(_ message: String, at position: JSONPosition) -> JSONError {
        JSONError(line: position.line, column: position.column, message: message)
    }

    private func comment(at offset: Int) -> JSONError {
        error("comments are not allowed in JSON: remove them", at: offset)
    }

    private func truncated() -> JSONError {
        error("unexpected end of file: the file may be truncated", at: end)
    }

    private func tooDeep() -> JSONError {
        error("too deeply nested: more than \(maximumDepth) levels of objects and arrays", at: index)
    }

    private func unterminatedString(_ opening: JSONPosition) -> JSONError {
        error("unterminated string: the file may be truncated", at: opening)
    }

    private func invalidUTF8(at offset: Int) -> JSONError {
        let hex = String(bytes[offset], radix: 16, uppercase: true)
        return error("invalid UTF-8 (byte 0x\(hex)): re-export the file as UTF-8", at: offset)
    }

    private func controlCharacter(_ byte: UInt8) -> JSONError {
        if byte == JSONByte.lineFeed || byte == JSONByte.carriageReturn {
            return error("line break inside a string: a closing quote (\") may be missing", at: index)
        }
        let escape =
            switch byte {
            case 0x08: "\\b"
            case JSONByte.tab: "\\t"
            case 0x0C: "\\f"
            default: "\\u00" + (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            }
        return error(
            "control character \(Self.codePoint(UInt32(byte))) inside a string: write it as \(escape)", at: index)
    }

    private func badNumber(from start: Int, _ reason: String) -> JSONError {
        var stop = start
        while stop < end, stop - start < 40, JSONByte.isNumberLike(bytes[stop]) { stop += 1 }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<stop]), as: UTF8.self)
        return error("invalid number \"\(text)\": \(reason)", at: start)
    }

    /// "expected X but found Y" for the character at `offset`, or the invalid-UTF-8 error when
    /// that is the real problem.
    private func unexpected(at offset: Int, expected: String) -> JSONError {
        if bytes[offset] == JSONByte.slash { return comment(at: offset) }
        guard let found = describeCharacter(at: offset) else { return invalidUTF8(at: offset) }
        return error("expected \(expected) but found \(found)", at: offset)
    }

    /// "unexpected Y <context>" for the character at `offset`.
    private func unexpected(at offset: Int, _ context: String) -> JSONError {
        if bytes[offset] == JSONByte.slash { return comment(at: offset) }
        guard let found = describeCharacter(at: offset) else { return invalidUTF8(at: offset) }
        return error("unexpected \(found) \(context)", at: offset)
    }
}
