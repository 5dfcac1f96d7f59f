// TOML 1.0 parser that records the line and column of every key and value.

/// A mistake in a TOML document, located at the 1-based line and column where the problem was found.
package struct TOMLError: Error, Sendable, Equatable, CustomStringConvertible {
    package let line: Int
    package let column: Int
    package let message: String

    package init(line: Int, column: Int, message: String) {
        self.line = line
        self.column = column
        self.message = message
    }

    package init(position: TOMLPosition, message: String) {
        self.init(line: position.line, column: position.column, message: message)
    }

    /// "line 3, column 7: <message>".
    package var description: String {
        "line \(line), column \(column): \(message)"
    }
}

/// Parses TOML 1.0 text into a `TOMLTable` in which every key and value keeps its source position.
package enum TOMLParser {
    /// Parses a whole document (LF or CRLF line endings, optional UTF-8 byte order mark) and returns its root table.
    package static func parse(_ text: String) throws(TOMLError) -> TOMLTable {
        var reader = TOMLReader(text: text)
        return try reader.parseDocument()
    }
}

// MARK: - Byte constants

extension UInt8 {
    fileprivate static let tab: UInt8 = 0x09
    fileprivate static let lf: UInt8 = 0x0A
    fileprivate static let cr: UInt8 = 0x0D
    fileprivate static let space: UInt8 = 0x20
    fileprivate static let quote: UInt8 = 0x22
    fileprivate static let hash: UInt8 = 0x23
    fileprivate static let apostrophe: UInt8 = 0x27
    fileprivate static let plus: UInt8 = 0x2B
    fileprivate static let comma: UInt8 = 0x2C
    fileprivate static let minus: UInt8 = 0x2D
    fileprivate static let dot: UInt8 = 0x2E
    fileprivate static let colon: UInt8 = 0x3A
    fileprivate static let equals: UInt8 = 0x3D
    fileprivate static let openBracket: UInt8 = 0x5B
    fileprivate static let backslash: UInt8 = 0x5C
    fileprivate static let closeBracket: UInt8 = 0x5D
    fileprivate static let underscore: UInt8 = 0x5F
    fileprivate static let openBrace: UInt8 = 0x7B
    fileprivate static let closeBrace: UInt8 = 0x7D
    fileprivate static let delete: UInt8 = 0x7F

    fileprivate var isDigit: Bool { self >= 0x30 && self <= 0x39 }
    fileprivate var isLetter: Bool { (self >= 0x41 && self <= 0x5A) || (self >= 0x61 && self <= 0x7A) }
    fileprivate var isSpace: Bool { self == .space || self == .tab }
    fileprivate var isBareKeyCharacter: Bool { isDigit || isLetter || self == .minus || self == .underscore }
    /// Characters that can appear in a number, date or time token.
    fileprivate var isNumberTokenCharacter: Bool {
        isDigit || isLetter || self == .underscore || self == .plus || self == .minus || self == .dot || self == .colon
    }
    /// Control characters that TOML forbids in strings and comments (everything below U+0020 except tab, and DEL).
    fileprivate var isForbiddenControl: Bool { (self < 0x20 && self != .tab) || self == .delete }
    fileprivate var hexDigitValue: UInt8? {
        switch self {
        case 0x30...0x39: return self - 0x30
        case 0x41...0x46: return self - 0x41 + 10
        case 0x61...0x66: return self - 0x61 + 10
        default: return nil
        }
    }
}

// MARK: - Builders

/// One segment of a (possibly dotted) key, with where it was written.
private struct KeyPart {
    let name: String
    let offset: Int
    let position: TOMLPosition
}

/// A table under construction; converted to an immutable `TOMLTable` once the document is complete.
private final class TableBuilder {
    /// How the table came to exist, which decides what may still be added to it.
    enum Origin {
        case root
        /// Created as the parent of a header (`a` in `[a.b]`); may still be defined by its own header.
        case implicit
        /// Defined by `[header]` or as an element of `[[array]]`.
        case header
        /// Created by a dotted key (`a` in `a.b = 1`).
        case dotted
        /// The table of an inline `{ ... }` being parsed.
        case inline
    }

    enum Item {
        /// A finished value; inline tables and static arrays are stored here, which makes them immutable.
        case value(TOMLValue)
        case table(TableBuilder)
        case arrayOfTables(ArrayOfTablesBuilder)
    }

    struct Entry {
        let item: Item
        let keyPosition: TOMLPosition
    }

    var position: TOMLPosition
    var origin: Origin
    /// Absolute key path, used in error messages.
    let path: [String]
    private(set) var keys: [String] = []
    private(set) var entries: [String: Entry] = [:]

    init(position: TOMLPosition, origin: Origin, path: [String]) {
        self.position = position
        self.origin = origin
        self.path = path
    }

    func add(_ key: String, _ item: Item, keyPosition: TOMLPosition) {
        keys.append(key)
        entries[key] = Entry(item: item, keyPosition: keyPosition)
    }

    func build() -> TOMLTable {
        var table = TOMLTable(position: position)
        for key in keys {
            guard let entry = entries[key] else { continue }
            let value: TOMLValue
            switch entry.item {
            case .value(let finished):
                value = finished
            case .table(let child):
                value = TOMLValue(kind: .table(child.build()), position: child.position)
            case .arrayOfTables(let array):
                let elements = array.tables.map { TOMLValue(kind: .table($0.build()), position: $0.position) }
                value = TOMLValue(kind: .array(elements), position: array.position)
            }
            table.insert(key, value: value, keyPosition: entry.keyPosition)
        }
        return table
    }
}

/// An array of tables (`[[name]]`) under construction.
private final class ArrayOfTablesBuilder {
    let position: TOMLPosition
    var tables: [TableBuilder]

    init(position: TOMLPosition, first: TableBuilder) {
        self.position = position
        self.tables = [first]
    }
}

/// Formats a key path for error messages: bare segments as written, other segments in single quotes.
private func displayKey<S: Sequence>(_ names: S) -> String where S.Element == String {
    names.map { name in
        !name.isEmpty && name.utf8.allSatisfy(\.isBareKeyCharacter) ? name : "'\(name)'"
    }.joined(separator: ".")
}

private func displayKey(_ parts: some Collection<KeyPart>) -> String {
    displayKey(parts.map(\.name))
}

// MARK: - Reader

/// Remembers the last column computed on a non-ASCII line; owned by a single reader, never shared.
private final class ColumnCache {
    var line = -1
    var offset = 0
    var column = 1
}

/// Recursive-descent reader over the UTF-8 bytes of one document.
private struct TOMLReader {
    /// Maximum nesting of arrays and inline tables, and maximum segments in one key (guards the stack).
    private static let maxNesting = 64
    private static let maxKeyParts = 64
    private static let unterminatedBasic = "unterminated string: add the closing \""
    private static let unterminatedLiteral = "unterminated string: add the closing '"

    private let bytes: [UInt8]
    /// Offset of the first byte of each line.
    private let lineStarts: [Int]
    /// Whether each line is pure ASCII (columns are then byte offsets).
    private let asciiLines: [Bool]
    private var index = 0
    private var nesting = 0
    /// Last column computed on a non-ASCII line (see `position(at:)`).
    private let columnCache = ColumnCache()

    init(text: String) {
        var bytes = Array(text.utf8)
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) {
            bytes.removeFirst(3)
        }
        var starts = [0]
        var ascii = [true]
        for (offset, byte) in bytes.enumerated() {
            if byte == .lf {
                starts.append(offset + 1)
                ascii.append(true)
            } else if byte >= 0x80 {
                ascii[ascii.count - 1] = false
            }
        }
        self.bytes = bytes
        self.lineStarts = starts
        self.asciiLines = ascii
    }

    // MARK: Document

    mutating func parseDocument() throws(TOMLError) -> TOMLTable {
        let root = TableBuilder(position: TOMLPosition(line: 1, column: 1), origin: .root, path: [])
        var section = root
        while true {
            skipSpaces()
            guard let byte = current else { break }
            switch byte {
            case .lf, .cr:
                try consumeNewline()
            case .hash:
                try skipComment()
            case .openBracket:
                section = try parseHeader(root: root)
            default:
                try parseKeyValue(into: section)
                try expectLineEnd(after: "the value")
            }
        }
        return root.build()
    }

    /// After a header or key/value pair: only spaces, an optional comment, then a line break or the end.
    private mutating func expectLineEnd(after what: String) throws(TOMLError) {
        skipSpaces()
        if current == .hash {
            try skipComment()
        }
        guard let byte = current else { return }
        if byte == .lf || byte == .cr {
            try consumeNewline()
            return
        }
        throw failure(
            "unexpected text \(describeText(at: index)) after \(what); write one \"key = value\" per line",
            at: index)
    }

    // MARK: Headers

    /// Reads a `[header]` or `[[header]]` line and returns the table that the following keys belong to.
    private mutating func parseHeader(root: TableBuilder) throws(TOMLError) -> TableBuilder {
        let start = index
        index += 1
        let isArray = current == .openBracket
        if isArray {
            index += 1
        }
        skipSpaces()
        if current == .closeBracket {
            throw failure("missing table name between the brackets", at: index)
        }
        let path = try parseKey()
        let name = displayKey(path)
        if isArray {
            guard current == .closeBracket, self.byte(at: index + 1) == .closeBracket else {
                throw failure("expected \"]]\" to close the array-of-tables header [[\(name)]]", at: index)
            }
            index += 2
        } else {
            guard current == .closeBracket else {
                throw failure("expected \"]\" to close the table header [\(name)]", at: index)
            }
            index += 1
        }
        try expectLineEnd(after: isArray ? "the header [[\(name)]]" : "the table header [\(name)]")
        return try openTable(path: path, isArray: isArray, headerOffset: start, root: root)
    }

    /// Finds or creates the table named by a `[header]` or `[[header]]`, enforcing TOML's redefinition rules.
    private func openTable(
        path: [KeyPart], isArray: Bool, headerOffset: Int, root: TableBuilder
    ) throws(TOMLError) -> TableBuilder {
        let headerPosition = position(at: headerOffset)
        guard let last = path.last else { return root }
        guard let table = try parentTable(of: path, headerPosition: headerPosition, root: root) else { return root }
        let fullPath = path.map(\.name)
        guard let entry = table.entries[last.name] else {
            let child = TableBuilder(position: headerPosition, origin: .header, path: fullPath)
            if isArray {
                let array = ArrayOfTablesBuilder(position: headerPosition, first: child)
                table.add(last.name, .arrayOfTables(array), keyPosition: last.position)
            } else {
                table.add(last.name, .table(child), keyPosition: last.position)
            }
            return child
        }
        let name = displayKey(path)
        switch entry.item {
        case .table(let existing):
            return try reopenTable(
                existing, name: name, isArray: isArray, headerPosition: headerPosition, headerOffset: headerOffset)
        case .arrayOfTables(let array):
            guard isArray else {
                throw failure(
                    "table [\(name)] conflicts with the array of tables [[\(name)]] defined on line \(array.position.line)",
                    at: headerOffset)
            }
            let child = TableBuilder(position: headerPosition, origin: .header, path: fullPath)
            array.tables.append(child)
            return child
        case .value(let value):
            if isArray, case .array = value.kind {
                throw failure(
                    "cannot add to the array \"\(name)\" with [[\(name)]]: it was already written as "
                        + "\"\(name) = [...]\" on line \(value.position.line)",
                    at: headerOffset)
            }
            throw valueConflict(value, key: name, at: last.offset)
        }
    }

    /// Walks a header's path down to the table that holds its last segment, creating the missing
    /// tables on the way (implicit, so that their own header may still come later). Nil when the
    /// path goes through an empty array of tables (the header then opens the root table).
    private func parentTable(
        of path: [KeyPart], headerPosition: TOMLPosition, root: TableBuilder
    ) throws(TOMLError) -> TableBuilder? {
        var table = root
        for (count, part) in path.dropLast().enumerated() {
            let prefix = path.prefix(count + 1)
            if let entry = table.entries[part.name] {
                switch entry.item {
                case .table(let child):
                    table = child
                case .arrayOfTables(let array):
                    guard let element = array.tables.last else { return nil }
                    table = element
                case .value(let value):
                    throw valueConflict(value, key: displayKey(prefix), at: part.offset)
                }
            } else {
                let child = TableBuilder(position: headerPosition, origin: .implicit, path: prefix.map(\.name))
                table.add(part.name, .table(child), keyPosition: part.position)
                table = child
            }
        }
        return table
    }

    /// A `[header]` or `[[header]]` for a table that already exists: allowed only for a table that was
    /// created implicitly as the parent of an earlier header, which this header now defines.
    private func reopenTable(
        _ existing: TableBuilder, name: String, isArray: Bool, headerPosition: TOMLPosition, headerOffset: Int
    ) throws(TOMLError) -> TableBuilder {
        if isArray {
            throw failure(
                "[[\(name)]] conflicts with the table [\(name)] defined on line \(existing.position.line)",
                at: headerOffset)
        }
        switch existing.origin {
        case .implicit:
            existing.origin = .header
            existing.position = headerPosition
            return existing
        case .dotted:
            throw failure(
                "table [\(name)] was already created by dotted keys on line \(existing.position.line); "
                    + "define its keys in one place",
                at: headerOffset)
        case .header, .root, .inline:
            throw failure(
                "table [\(name)] is defined twice (first defined on line \(existing.position.line))",
                at: headerOffset)
        }
    }

    /// The error for trying to use an already-written value (inline table, array, scalar) as a table.
    private func valueConflict(_ value: TOMLValue, key: String, at offset: Int) -> TOMLError {
        let line = value.position.line
        switch value.kind {
        case .table:
            return failure(
                "cannot add to the inline table \"\(key)\" (line \(line)): an inline table must be complete where it is written",
                at: offset)
        case .array:
            return failure(
                "cannot use \"\(key)\" as a table: it is already an array defined on line \(line)",
                at: offset)
        default:
            return failure(
                "key \"\(key)\" already has a value on line \(line); it cannot also be a table",
                at: offset)
        }
    }

    // MARK: Keys and key/value pairs

    /// Reads a simple or dotted key and the spaces after it.
    private mutating func parseKey() throws(TOMLError) -> [KeyPart] {
        var parts: [KeyPart] = []
        while true {
            let start = index
            guard let byte = current, byte != .lf, byte != .cr, byte != .hash else {
                throw failure(parts.isEmpty ? "expected a key" : "expected a key after \".\"", at: index)
            }
            let name: String
            if byte.isBareKeyCharacter {
                while let next = current, next.isBareKeyCharacter {
                    index += 1
                }
                if let next = current, next >= 0x80 {
                    throw invalidKeyCharacter(at: index, keyStart: start)
                }
                name = String(decoding: bytes[start..<index], as: UTF8.self)
            } else if byte == .quote {
                if self.byte(at: index + 1) == .quote, self.byte(at: index + 2) == .quote {
                    throw failure("a key cannot be a multi-line string; write it as \"key\" on one line", at: start)
                }
                name = try parseBasicString()
            } else if byte == .apostrophe {
                if self.byte(at: index + 1) == .apostrophe, self.byte(at: index + 2) == .apostrophe {
                    throw failure("a key cannot be a multi-line string; write it as 'key' on one line", at: start)
                }
                name = try parseLiteralString()
            } else if byte >= 0x80 {
                throw invalidKeyCharacter(at: start, keyStart: start)
            } else if !parts.isEmpty {
                throw failure("expected a key after \".\"", at: start)
            } else if byte == .equals || byte == .dot {
                throw failure("missing key name before \"\(Character(Unicode.Scalar(byte)))\"", at: start)
            } else {
                throw invalidKeyCharacter(at: start, keyStart: start)
            }
            parts.append(KeyPart(name: name, offset: start, position: position(at: start)))
            if parts.count > Self.maxKeyParts {
                throw failure("key has too many dotted parts (more than \(Self.maxKeyParts))", at: start)
            }
            skipSpaces()
            guard current == .dot else { return parts }
            index += 1
            skipSpaces()
        }
    }

    private func invalidKeyCharacter(at offset: Int, keyStart: Int) -> TOMLError {
        var end = keyStart
        while let byte = self.byte(at: end), !byte.isSpace, byte != .lf, byte != .cr, byte != .equals,
            byte != .dot, byte != .closeBracket, byte != .hash
        {
            end += 1
        }
        let word = String(decoding: bytes[keyStart..<end], as: UTF8.self)
        var message =
            "invalid character \(describeCharacter(at: offset)) in key: keys without quotes may only contain "
            + "ASCII letters, digits, \"-\" and \"_\""
        if let byte = self.byte(at: offset), byte >= 0x80, !word.contains("\"") {
            message += "; write it in quotes, e.g. \"\(word)\""
        }
        return failure(message, at: offset)
    }

    /// Reads `key = value` and stores it in `table`.
    private mutating func parseKeyValue(into table: TableBuilder) throws(TOMLError) {
        let path = try parseKey()
        let name = displayKey(path)
        guard current == .equals else {
            throw failure("expected \"=\" after key \"\(name)\"", at: index)
        }
        index += 1
        skipSpaces()
        if current.map({ [.lf, .cr, .hash, .comma, .closeBrace].contains($0) }) ?? true {
            throw failure("missing value after \"=\" for key \"\(name)\"", at: index)
        }
        let value = try parseValue()
        try insert(value, at: path, into: table)
    }

    /// Stores a value under a (possibly dotted) key relative to `section`, enforcing TOML's redefinition rules.
    private func insert(_ value: TOMLValue, at path: [KeyPart], into section: TableBuilder) throws(TOMLError) {
        guard let last = path.last else { return }
        var table = section
        for (count, part) in path.dropLast().enumerated() {
            let prefix = path.prefix(count + 1)
            if let entry = table.entries[part.name] {
                switch entry.item {
                case .table(let child):
                    switch child.origin {
                    case .implicit:
                        child.origin = .dotted
                        child.position = part.position
                        table = child
                    case .dotted:
                        table = child
                    case .header, .root, .inline:
                        throw failure(
                            "cannot add \"\(displayKey(path))\" here: table [\(displayKey(child.path))] has its own "
                                + "header on line \(child.position.line); add the key under that header",
                            at: part.offset)
                    }
                case .arrayOfTables(let array):
                    throw failure(
                        "cannot add \"\(displayKey(path))\": \"\(displayKey(prefix))\" is an array of tables "
                            + "defined on line \(array.position.line)",
                        at: part.offset)
                case .value(let existing):
                    throw valueConflict(existing, key: displayKey(prefix), at: part.offset)
                }
            } else {
                let child = TableBuilder(position: part.position, origin: .dotted, path: table.path + [part.name])
                table.add(part.name, .table(child), keyPosition: part.position)
                table = child
            }
        }
        if let existing = table.entries[last.name] {
            throw failure(
                "duplicate key \"\(displayKey(path))\" (first defined on line \(existing.keyPosition.line))",
                at: last.offset)
        }
        table.add(last.name, .value(value), keyPosition: last.position)
    }

    // MARK: Values

    private mutating func parseValue() throws(TOMLError) -> TOMLValue {
        let start = index
        guard let byte = current else {
            throw failure("expected a value", at: start)
        }
        let position = self.position(at: start)
        switch byte {
        case .quote:
            let text = try isTripled(.quote) ? parseMultilineBasicString() : parseBasicString()
            return TOMLValue(kind: .string(text), position: position)
        case .apostrophe:
            let text = try isTripled(.apostrophe) ? parseMultilineLiteralString() : parseLiteralString()
            return TOMLValue(kind: .string(text), position: position)
        case .openBracket:
            return try parseArray()
        case .openBrace:
            return try parseInlineTable()
        case _ where byte.isDigit, .plus, .minus, .dot, .underscore:
            return TOMLValue(kind: try parseNumberOrDate(), position: position)
        case _ where byte.isLetter:
            return TOMLValue(kind: try parseWord(), position: position)
        case .comma, .closeBracket, .closeBrace, .lf, .cr, .hash, .equals:
            throw failure("expected a value", at: start)
        default:
            throw unquotedText(at: start)
        }
    }

    private func isTripled(_ delimiter: UInt8) -> Bool {
        self.byte(at: index + 1) == delimiter && self.byte(at: index + 2) == delimiter
    }

    /// `true`, `false`, `inf`, `nan`, or an error explaining that text must be quoted.
    private mutating func parseWord() throws(TOMLError) -> TOMLValueKind {
        let start = index
        while let byte = current, byte.isNumberTokenCharacter {
            index += 1
        }
        let word = String(decoding: bytes[start..<index], as: UTF8.self)
        switch word {
        case "true": return .boolean(true)
        case "false": return .boolean(false)
        case "inf", "nan": return .float(word)
        case _ where word.lowercased() == "true" || word.lowercased() == "false":
            throw failure("invalid value \"\(word)\": write booleans in lowercase, \(word.lowercased())", at: start)
        default:
            throw unquotedText(at: start)
        }
    }

    private func unquotedText(at offset: Int) -> TOMLError {
        var end = offset
        while let byte = self.byte(at: end), byte != .lf, byte != .cr, byte != .hash, byte != .comma,
            byte != .closeBracket, byte != .closeBrace
        {
            end += 1
        }
        while end > offset, bytes[end - 1].isSpace {
            end -= 1
        }
        let text = String(decoding: bytes[offset..<end], as: UTF8.self)
        return failure("invalid value \"\(text)\": text must be written in quotes, e.g. \"\(text)\"", at: offset)
    }

    // MARK: Arrays and inline tables

    private mutating func enterNesting(at offset: Int) throws(TOMLError) {
        nesting += 1
        if nesting > Self.maxNesting {
            throw failure(
                "arrays and inline tables are nested too deeply (more than \(Self.maxNesting) levels)", at: offset)
        }
    }

    private mutating func parseArray() throws(TOMLError) -> TOMLValue {
        let open = index
        try enterNesting(at: open)
        defer { nesting -= 1 }
        index += 1
        var elements: [TOMLValue] = []
        while true {
            try skipSpacesCommentsAndNewlines()
            guard let byte = current else {
                throw failure("unterminated array: add the closing \"]\"", at: open)
            }
            if byte == .closeBracket {
                index += 1
                break
            }
            if byte == .comma {
                throw failure("missing value before \",\" in array", at: index)
            }
            elements.append(try parseValue())
            try skipSpacesCommentsAndNewlines()
            guard let separator = current else {
                throw failure("unterminated array: add the closing \"]\"", at: open)
            }
            if separator == .comma {
                index += 1
            } else if separator == .closeBracket {
                index += 1
                break
            } else {
                throw failure(
                    "expected \",\" or \"]\" after an array element, found \(describeText(at: index))", at: index)
            }
        }
        return TOMLValue(kind: .array(elements), position: position(at: open))
    }

    private mutating func parseInlineTable() throws(TOMLError) -> TOMLValue {
        let open = index
        let position = self.position(at: open)
        try enterNesting(at: open)
        defer { nesting -= 1 }
        index += 1
        let table = TableBuilder(position: position, origin: .inline, path: [])
        skipSpaces()
        if current == .closeBrace {
            index += 1
            return TOMLValue(kind: .table(table.build()), position: position)
        }
        var lastComma: Int?
        while true {
            skipSpaces()
            try checkInlineTableContinues(open: open)
            if current == .closeBrace, let comma = lastComma {
                throw failure("remove the trailing comma: it is not allowed in an inline table", at: comma)
            }
            try parseKeyValue(into: table)
            skipSpaces()
            try checkInlineTableContinues(open: open)
            if current == .comma {
                lastComma = index
                index += 1
            } else if current == .closeBrace {
                index += 1
                break
            } else {
                throw failure("expected \",\" or \"}\" in inline table, found \(describeText(at: index))", at: index)
            }
        }
        return TOMLValue(kind: .table(table.build()), position: position)
    }

    /// Inline tables must close on the line where they start.
    private func checkInlineTableContinues(open: Int) throws(TOMLError) {
        guard let byte = current else {
            throw failure("unterminated inline table: add the closing \"}\"", at: open)
        }
        if byte == .lf || byte == .cr || byte == .hash {
            throw failure(
                "an inline table must be written on a single line: add the closing \"}\" before the end of the line",
                at: index)
        }
    }

    // MARK: Strings

    private mutating func parseBasicString() throws(TOMLError) -> String {
        let open = index
        index += 1
        var text: [UInt8] = []
        while true {
            guard let byte = current else {
                throw failure(Self.unterminatedBasic, at: open)
            }
            switch byte {
            case .quote:
                index += 1
                return String(decoding: text, as: UTF8.self)
            case .backslash:
                try readEscape(into: &text)
            case .lf:
                throw failure(Self.unterminatedBasic, at: open)
            case .cr where self.byte(at: index + 1) == .lf:
                throw failure(Self.unterminatedBasic, at: open)
            default:
                try appendStringByte(byte, to: &text)
            }
        }
    }

    private mutating func parseLiteralString() throws(TOMLError) -> String {
        let open = index
        index += 1
        let start = index
        while true {
            guard let byte = current else {
                throw failure(Self.unterminatedLiteral, at: open)
            }
            switch byte {
            case .apostrophe:
                let text = String(decoding: bytes[start..<index], as: UTF8.self)
                index += 1
                return text
            case .lf:
                throw failure(Self.unterminatedLiteral, at: open)
            case .cr where self.byte(at: index + 1) == .lf:
                throw failure(Self.unterminatedLiteral, at: open)
            default:
                guard !byte.isForbiddenControl else { throw controlCharacter(at: index, in: "a string") }
                index += 1
            }
        }
    }

    private mutating func parseMultilineBasicString() throws(TOMLError) -> String {
        let open = index
        index += 3
        skipFirstNewline()
        var text: [UInt8] = []
        while true {
            guard let byte = current else {
                throw failure("unterminated multi-line string: add the closing \"\"\"", at: open)
            }
            switch byte {
            case .quote:
                if try readClosingQuotes(.quote, into: &text) {
                    return String(decoding: text, as: UTF8.self)
                }
            case .backslash:
                var next = index + 1
                while let following = self.byte(at: next), following.isSpace {
                    next += 1
                }
                if isNewline(at: next) {
                    // Line-ending backslash: drop the line break and all whitespace up to the next visible character.
                    index = next
                    while let following = current {
                        if following.isSpace || following == .lf {
                            index += 1
                        } else if following == .cr && self.byte(at: index + 1) == .lf {
                            index += 2
                        } else {
                            break
                        }
                    }
                } else {
                    try readEscape(into: &text)
                }
            case .lf:
                text.append(.lf)
                index += 1
            case .cr where self.byte(at: index + 1) == .lf:
                text.append(.lf)
                index += 2
            default:
                try appendStringByte(byte, to: &text)
            }
        }
    }

    private mutating func parseMultilineLiteralString() throws(TOMLError) -> String {
        let open = index
        index += 3
        skipFirstNewline()
        var text: [UInt8] = []
        while true {
            guard let byte = current else {
                throw failure("unterminated multi-line string: add the closing '''", at: open)
            }
            switch byte {
            case .apostrophe:
                if try readClosingQuotes(.apostrophe, into: &text) {
                    return String(decoding: text, as: UTF8.self)
                }
            case .lf:
                text.append(.lf)
                index += 1
            case .cr where self.byte(at: index + 1) == .lf:
                text.append(.lf)
                index += 2
            default:
                try appendStringByte(byte, to: &text)
            }
        }
    }

    /// A newline right after the opening `"""` or `'''` is not part of the string.
    private mutating func skipFirstNewline() {
        if current == .lf {
            index += 1
        } else if current == .cr && self.byte(at: index + 1) == .lf {
            index += 2
        }
    }

    /// Reads a run of quote characters in a multi-line string; returns true when it closes the string.
    /// Up to two quotes may sit just before the closing three (`""""` ends with one quote in the text).
    private mutating func readClosingQuotes(_ quote: UInt8, into text: inout [UInt8]) throws(TOMLError) -> Bool {
        var count = 0
        while self.byte(at: index + count) == quote {
            count += 1
        }
        if count > 5 {
            let delimiter = String(repeating: String(Character(Unicode.Scalar(quote))), count: 3)
            throw failure(
                "too many quotes: at most two quotes can come right before the closing \(delimiter)", at: index)
        }
        text.append(contentsOf: repeatElement(quote, count: count >= 3 ? count - 3 : count))
        index += count
        return count >= 3
    }

    private mutating func appendStringByte(_ byte: UInt8, to text: inout [UInt8]) throws(TOMLError) {
        guard !byte.isForbiddenControl else {
            throw controlCharacter(at: index, in: "a string")
        }
        text.append(byte)
        index += 1
    }

    /// Reads an escape sequence starting at the backslash under the cursor.
    private mutating func readEscape(into text: inout [UInt8]) throws(TOMLError) {
        let start = index
        guard let code = self.byte(at: start + 1) else {
            index += 1  // the caller reports the unterminated string
            return
        }
        let replacement: UInt8?
        switch code {
        case UInt8(ascii: "b"): replacement = 0x08
        case UInt8(ascii: "t"): replacement = .tab
        case UInt8(ascii: "n"): replacement = .lf
        case UInt8(ascii: "f"): replacement = 0x0C
        case UInt8(ascii: "r"): replacement = .cr
        case .quote: replacement = .quote
        case .backslash: replacement = .backslash
        default: replacement = nil
        }
        if let replacement {
            text.append(replacement)
            index += 2
            return
        }
        guard code == UInt8(ascii: "u") || code == UInt8(ascii: "U") else {
            let shown =
                (code >= 0x21 && code < 0x7F) || code >= 0x80
                ? "\"\\\(describeCharacter(at: start + 1).dropFirst().dropLast())\""
                : "\"\\\" followed by \(describeCharacter(at: start + 1))"
            throw failure(
                "invalid escape sequence \(shown): write \\\\ for a backslash, or use single quotes "
                    + "('...') for text containing backslashes",
                at: start)
        }
        let digits = code == UInt8(ascii: "u") ? 4 : 8
        var value: UInt32 = 0
        for offset in 0..<digits {
            guard let digit = self.byte(at: start + 2 + offset)?.hexDigitValue else {
                throw failure(
                    "invalid escape sequence \"\\\(Character(Unicode.Scalar(code)))\": it must be followed by exactly "
                        + "\(digits) hexadecimal digits, e.g. \(digits == 4 ? "\\u00E9" : "\\U0001F600")",
                    at: start)
            }
            value = value << 4 | UInt32(digit)
        }
        let sequence = String(decoding: bytes[start..<(start + 2 + digits)], as: UTF8.self)
        guard let scalar = Unicode.Scalar(value) else {
            throw failure("escape sequence \"\(sequence)\" is not a valid Unicode character", at: start)
        }
        text.append(contentsOf: String(Character(scalar)).utf8)
        index = start + 2 + digits
    }

    // MARK: Numbers, dates and times

    private mutating func parseNumberOrDate() throws(TOMLError) -> TOMLValueKind {
        let start = index
        while let byte = current, byte.isNumberTokenCharacter {
            index += 1
        }
        // "1979-05-27 07:32:00": a space may separate the date and the time.
        if index - start == 10, isDateStart(bytes[start..<index]), current == .space,
            self.byte(at: index + 1)?.isDigit == true, self.byte(at: index + 2)?.isDigit == true,
            self.byte(at: index + 3) == .colon
        {
            index += 1
            while let byte = current, byte.isNumberTokenCharacter {
                index += 1
            }
        }
        let token = Array(bytes[start..<index])
        let text = String(decoding: token, as: UTF8.self)
        if token.contains(.colon) || isDateStart(token[...]) {
            return try parseDateTime(token, text: text, at: start)
        }
        return try parseNumber(token, text: text, at: start)
    }

    private func isDateStart(_ token: ArraySlice<UInt8>) -> Bool {
        let start = token.startIndex
        return token.count >= 5 && token[start..<(start + 4)].allSatisfy(\.isDigit) && token[start + 4] == .minus
    }

    private func parseNumber(_ token: [UInt8], text: String, at offset: Int) throws(TOMLError) -> TOMLValueKind {
        let hasSign = token.first == .plus || token.first == .minus
        let body = hasSign ? Array(token.dropFirst()) : token
        if body == Array("inf".utf8) || body == Array("nan".utf8) {
            return .float(text)
        }
        if body.count >= 2, body[0] == UInt8(ascii: "0") {
            let radix: UInt64?
            switch body[1] {
            case UInt8(ascii: "x"): radix = 16
            case UInt8(ascii: "o"): radix = 8
            case UInt8(ascii: "b"): radix = 2
            default: radix = nil
            }
            if let radix {
                if hasSign {
                    throw failure(
                        "invalid number \"\(text)\": hexadecimal, octal and binary numbers cannot have a sign",
                        at: offset)
                }
                return .integer(try parseRadixInteger(body, radix: radix, text: text, at: offset))
            }
        }
        return try parseDecimal(token, text: text, at: offset)
    }

    /// The outcome of reading digits that may be separated by single underscores.
    private enum DigitRun { case digits, none, badUnderscore }

    private func readDigits(_ token: [UInt8], _ position: inout Int, isDigit: (UInt8) -> Bool) -> DigitRun {
        guard position < token.count, isDigit(token[position]) else {
            return position < token.count && token[position] == .underscore ? .badUnderscore : .none
        }
        while position < token.count {
            if isDigit(token[position]) {
                position += 1
            } else if token[position] == .underscore {
                guard position + 1 < token.count, isDigit(token[position + 1]) else { return .badUnderscore }
                position += 1
            } else {
                break
            }
        }
        return .digits
    }

    private func parseDecimal(_ token: [UInt8], text: String, at offset: Int) throws(TOMLError) -> TOMLValueKind {
        let isFloat = try checkDecimalSyntax(token, text: text, at: offset)
        let cleaned = text.filter { $0 != "_" }
        if isFloat {
            return .float(cleaned)
        }
        return .integer(try decimalInteger(cleaned, negative: token.first == .minus, text: text, at: offset))
    }

    /// Checks a decimal number token: optional sign, digits without leading zeros, optional fraction
    /// and exponent, single underscores between digits. True when it is a float.
    private func checkDecimalSyntax(_ token: [UInt8], text: String, at offset: Int) throws(TOMLError) -> Bool {
        let invalid = "invalid number \"\(text)\""
        var position = 0
        if token.first == .plus || token.first == .minus {
            position = 1
        }
        if position + 1 < token.count, token[position] == UInt8(ascii: "0"),
            token[position + 1].isDigit || token[position + 1] == .underscore
        {
            throw failure(
                "\(invalid): leading zeros are not allowed (write \"\(text)\" in quotes if it is a code, not a number)",
                at: offset)
        }
        switch readDigits(token, &position, isDigit: \.isDigit) {
        case .digits: break
        case .badUnderscore: throw failure("\(invalid): each \"_\" must be between two digits", at: offset)
        case .none:
            if position < token.count && token[position] == .dot {
                throw failure("\(invalid): a decimal point must have a digit before it, e.g. 0.5", at: offset)
            }
            throw failure(invalid, at: offset)
        }
        var isFloat = false
        if position < token.count && token[position] == .dot {
            isFloat = true
            position += 1
            try requireDigits(
                token, &position, text: text, at: offset,
                missing: "a decimal point must have a digit after it, e.g. 1.0")
        }
        if position < token.count && (token[position] == UInt8(ascii: "e") || token[position] == UInt8(ascii: "E")) {
            isFloat = true
            position += 1
            if position < token.count && (token[position] == .plus || token[position] == .minus) {
                position += 1
            }
            try requireDigits(
                token, &position, text: text, at: offset, missing: "the exponent must have digits, e.g. 1e6")
        }
        guard position == token.count else {
            throw failure(invalid, at: offset)
        }
        return isFloat
    }

    /// Reads the digits of a fraction or an exponent; `missing` says what is wrong when there are none.
    private func requireDigits(
        _ token: [UInt8], _ position: inout Int, text: String, at offset: Int, missing: String
    ) throws(TOMLError) {
        switch readDigits(token, &position, isDigit: \.isDigit) {
        case .digits: break
        case .badUnderscore:
            throw failure("invalid number \"\(text)\": each \"_\" must be between two digits", at: offset)
        case .none: throw failure("invalid number \"\(text)\": \(missing)", at: offset)
        }
    }

    /// The value of an integer already checked by `checkDecimalSyntax` (`digits` without underscores),
    /// or an error when it does not fit in 64 bits.
    private func decimalInteger(
        _ digits: String, negative: Bool, text: String, at offset: Int
    ) throws(TOMLError) -> Int64 {
        var magnitude: UInt64 = 0
        for byte in digits.utf8 where byte.isDigit {
            let (multiplied, overflow1) = magnitude.multipliedReportingOverflow(by: 10)
            let (added, overflow2) = multiplied.addingReportingOverflow(UInt64(byte - 0x30))
            guard !overflow1 && !overflow2 else { throw integerOutOfRange(text, negative: negative, at: offset) }
            magnitude = added
        }
        if negative {
            guard magnitude <= UInt64(Int64.max) + 1 else {
                throw integerOutOfRange(text, negative: true, at: offset)
            }
            return magnitude == UInt64(Int64.max) + 1 ? Int64.min : -Int64(magnitude)
        }
        guard magnitude <= UInt64(Int64.max) else {
            throw integerOutOfRange(text, negative: false, at: offset)
        }
        return Int64(magnitude)
    }

    private func parseRadixInteger(
        _ body: [UInt8], radix: UInt64, text: String, at offset: Int
    ) throws(TOMLError) -> Int64 {
        let name = radix == 16 ? "hexadecimal" : radix == 8 ? "octal" : "binary"
        let isDigit: (UInt8) -> Bool = { byte in
            guard let value = byte.hexDigitValue, byte != .underscore else { return false }
            return UInt64(value) < radix
        }
        var position = 2
        switch readDigits(body, &position, isDigit: isDigit) {
        case .digits: break
        case .badUnderscore:
            throw failure("invalid number \"\(text)\": each \"_\" must be between two digits", at: offset)
        case .none:
            throw failure(
                "invalid \(name) number \"\(text)\": expected \(name) digits after \"0\(Character(Unicode.Scalar(body[1])))\"",
                at: offset)
        }
        guard position == body.count else {
            throw failure("invalid \(name) number \"\(text)\"", at: offset)
        }
        var value: UInt64 = 0
        for byte in body.dropFirst(2) {
            guard let digit = byte.hexDigitValue else { continue }
            let (multiplied, overflow1) = value.multipliedReportingOverflow(by: radix)
            let (added, overflow2) = multiplied.addingReportingOverflow(UInt64(digit))
            guard !overflow1 && !overflow2, added <= UInt64(Int64.max) else {
                throw integerOutOfRange(text, negative: false, at: offset)
            }
            value = added
        }
        return Int64(value)
    }

    private func integerOutOfRange(_ text: String, negative: Bool, at offset: Int) -> TOMLError {
        negative
            ? failure("integer \(text) is too small: the minimum is \(Int64.min)", at: offset)
            : failure("integer \(text) is too large: the maximum is \(Int64.max)", at: offset)
    }

    /// Validates an offset date-time, local date-time, local date or local time (RFC 3339 as restricted by TOML).
    private func parseDateTime(_ token: [UInt8], text: String, at offset: Int) throws(TOMLError) -> TOMLValueKind {
        let isTimeOnly = !isDateStart(token[...])
        var scan = DateTimeScan(token: token, text: text, isTimeOnly: isTimeOnly, errorPosition: position(at: offset))
        if isTimeOnly {
            try scan.readTime()
            guard scan.isAtEnd else { throw scan.malformed }
            return .localTime(text)
        }
        try scan.readDate()
        if scan.isAtEnd {
            return .localDate(text)
        }
        let normalizedText = try scan.readTimeAfterDate()
        if scan.isAtEnd {
            return .localDateTime(normalizedText)
        }
        try scan.readOffset()
        guard scan.isAtEnd else { throw scan.malformed }
        return .offsetDateTime(normalizedText)
    }

    // MARK: Whitespace, comments and newlines

    private var current: UInt8? {
        index < bytes.count ? bytes[index] : nil
    }

    private func byte(at offset: Int) -> UInt8? {
        offset >= 0 && offset < bytes.count ? bytes[offset] : nil
    }

    private func isNewline(at offset: Int) -> Bool {
        self.byte(at: offset) == .lf || (self.byte(at: offset) == .cr && self.byte(at: offset + 1) == .lf)
    }

    private mutating func skipSpaces() {
        while let byte = current, byte.isSpace {
            index += 1
        }
    }

    /// Consumes LF or CRLF; a carriage return on its own is an error.
    private mutating func consumeNewline() throws(TOMLError) {
        if current == .lf {
            index += 1
        } else if current == .cr && self.byte(at: index + 1) == .lf {
            index += 2
        } else {
            throw failure("stray carriage return (U+000D): lines must end with LF or CRLF", at: index)
        }
    }

    /// Skips a comment up to (not including) the line break, rejecting control characters.
    private mutating func skipComment() throws(TOMLError) {
        index += 1
        while let byte = current, byte != .lf {
            if byte == .cr && self.byte(at: index + 1) == .lf {
                return
            }
            guard !byte.isForbiddenControl else {
                throw controlCharacter(at: index, in: "a comment")
            }
            index += 1
        }
    }

    /// Inside arrays: spaces, line breaks and comments are all allowed between elements.
    private mutating func skipSpacesCommentsAndNewlines() throws(TOMLError) {
        while let byte = current {
            if byte.isSpace {
                index += 1
            } else if byte == .lf || byte == .cr {
                try consumeNewline()
            } else if byte == .hash {
                try skipComment()
            } else {
                return
            }
        }
    }

    // MARK: Positions and messages

    private func position(at offset: Int) -> TOMLPosition {
        var low = 0
        var high = lineStarts.count - 1
        while low < high {
            let middle = (low + high + 1) / 2
            if lineStarts[middle] <= offset {
                low = middle
            } else {
                high = middle - 1
            }
        }
        let start = lineStarts[low]
        let end = max(start, min(offset, bytes.count))
        if asciiLines[low] {
            return TOMLPosition(line: low + 1, column: end - start + 1)
        }
        // Non-ASCII line: count scalars, resuming from the previous answer on the same line when possible,
        // so reading a long line stays linear.
        var from = start
        var column = 1
        if columnCache.line == low && columnCache.offset <= end {
            from = columnCache.offset
            column = columnCache.column
        }
        for byte in bytes[from..<end] where byte & 0xC0 != 0x80 {
            column += 1
        }
        columnCache.line = low
        columnCache.offset = end
        columnCache.column = column
        return TOMLPosition(line: low + 1, column: column)
    }

    private func failure(_ message: String, at offset: Int) -> TOMLError {
        TOMLError(position: position(at: offset), message: message)
    }

    private func controlCharacter(at offset: Int, in place: String) -> TOMLError {
        let code = describeCharacter(at: offset)
        let hint = place == "a string" ? "; write it as an escape such as \\u\(code.dropFirst(2))" : ""
        return failure("control character \(code) is not allowed in \(place)\(hint)", at: offset)
    }

    /// `"x"` for a visible character, `U+0007` for a control character.
    private func describeCharacter(at offset: Int) -> String {
        guard let byte = self.byte(at: offset) else { return "end of file" }
        if byte.isForbiddenControl || byte == .tab || byte == .space {
            let hex = String(byte, radix: 16, uppercase: true)
            return "U+" + String(repeating: "0", count: 4 - hex.count) + hex
        }
        var end = offset + 1
        while end < bytes.count, bytes[end] & 0xC0 == 0x80 {
            end += 1
        }
        return "\"" + String(decoding: bytes[offset..<end], as: UTF8.self) + "\""
    }

    /// The visible text starting at `offset` (up to the next space or line break, at most 30 characters), quoted.
    private func describeText(at offset: Int) -> String {
        guard let first = self.byte(at: offset), !first.isForbiddenControl else { return describeCharacter(at: offset) }
        var end = offset
        var characters = 0
        while let byte = self.byte(at: end), !byte.isSpace, !byte.isForbiddenControl {
            if byte & 0xC0 != 0x80 {
                characters += 1
                if characters > 30 { break }
            }
            end += 1
        }
        return "\"" + String(decoding: bytes[offset..<end], as: UTF8.self) + "\""
    }
}

// MARK: - Dates and times

/// Reads the fields of one date/time token left to right. Every error is reported at the token's
/// start and names the kind of token (time, date or date-time) and the format it should have.
private struct DateTimeScan {
    private static let monthNames = [
        "January", "February", "March", "April", "May", "June",
        "July", "August", "September", "October", "November", "December",
    ]

    private let token: [UInt8]
    private let text: String
    /// "time", "date" or "date-time".
    private let label: String
    private let errorPosition: TOMLPosition
    /// The error for a token that does not follow the format.
    let malformed: TOMLError
    private var position = 0

    init(token: [UInt8], text: String, isTimeOnly: Bool, errorPosition: TOMLPosition) {
        self.token = token
        self.text = text
        self.errorPosition = errorPosition
        label = isTimeOnly ? "time" : token.contains(.colon) ? "date-time" : "date"
        let format =
            isTimeOnly
            ? "HH:MM:SS, e.g. 09:30:00"
            : label == "date"
                ? "YYYY-MM-DD, e.g. 2025-01-31" : "2025-01-31T09:30:00, optionally followed by Z or +01:00"
        malformed = TOMLError(
            position: errorPosition, message: "invalid \(label) \"\(text)\": use the format \(format)")
    }

    var isAtEnd: Bool { position == token.count }

    /// `HH:MM:SS` with optional fractional seconds.
    mutating func readTime() throws(TOMLError) {
        guard let hour = twoDigits(), expect(.colon), let minute = twoDigits() else {
            throw malformed
        }
        guard expect(.colon) else {
            throw TOMLError(
                position: errorPosition, message: "invalid \(label) \"\(text)\": seconds are required, e.g. 09:30:00")
        }
        guard let second = twoDigits() else { throw malformed }
        if expect(.dot) {
            guard position < token.count, token[position].isDigit else { throw malformed }
            while position < token.count, token[position].isDigit {
                position += 1
            }
        }
        guard hour <= 23 else { throw outOfRange("hour must be between 00 and 23") }
        guard minute <= 59 else { throw outOfRange("minutes must be between 00 and 59") }
        guard second <= 60 else { throw outOfRange("seconds must be between 00 and 59") }
    }

    /// `YYYY-MM-DD`, a day that exists in its month.
    mutating func readDate() throws(TOMLError) {
        guard token.count >= 10, token[0..<4].allSatisfy(\.isDigit), token[4] == .minus else { throw malformed }
        let year = token[0..<4].reduce(0) { $0 * 10 + Int($1 - 0x30) }
        position = 5
        guard let month = twoDigits(), expect(.minus), let day = twoDigits() else {
            throw malformed
        }
        guard (1...12).contains(month) else { throw outOfRange("month must be between 01 and 12") }
        let isLeapYear = (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
        let daysInMonth = [31, isLeapYear ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][month - 1]
        guard day >= 1 else { throw outOfRange("day must be at least 01") }
        guard day <= daysInMonth else {
            throw outOfRange("\(Self.monthNames[month - 1]) \(year) has only \(daysInMonth) days")
        }
    }

    /// The `T`, `t` or space after a date, then the time; returns the token with the separator
    /// written `T` (a lowercase `t` is kept).
    mutating func readTimeAfterDate() throws(TOMLError) -> String {
        let separator = token[position]
        guard separator == UInt8(ascii: "T") || separator == UInt8(ascii: "t") || separator == .space else {
            throw malformed
        }
        position += 1
        try readTime()
        var normalized = token
        normalized[10] = separator == .space ? UInt8(ascii: "T") : separator
        return String(decoding: normalized, as: UTF8.self)
    }

    /// `Z`, `z` or `+HH:MM` / `-HH:MM` after a date-time.
    mutating func readOffset() throws(TOMLError) {
        if expect(UInt8(ascii: "Z")) || expect(UInt8(ascii: "z")) {
            // UTC
        } else if expect(.plus) || expect(.minus) {
            guard let hours = twoDigits(), expect(.colon), let minutes = twoDigits() else {
                throw malformed
            }
            guard hours <= 23 else { throw outOfRange("the offset hours must be between 00 and 23") }
            guard minutes <= 59 else { throw outOfRange("the offset minutes must be between 00 and 59") }
        } else {
            throw malformed
        }
    }

    private func outOfRange(_ detail: String) -> TOMLError {
        TOMLError(position: errorPosition, message: "invalid \(label) \"\(text)\": \(detail)")
    }

    private mutating func twoDigits() -> Int? {
        guard position + 1 < token.count, token[position].isDigit, token[position + 1].isDigit else { return nil }
        defer { position += 2 }
        return Int(token[position] - 0x30) * 10 + Int(token[position + 1] - 0x30)
    }

    private mutating func expect(_ byte: UInt8) -> Bool {
        guard position < token.count, token[position] == byte else { return false }
        position += 1
        return true
    }
}
