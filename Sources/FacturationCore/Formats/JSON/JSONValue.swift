/// A place in a JSON source, 1-based: `line` counts line breaks (LF, CRLF or a lone CR) and
/// `column` counts Unicode scalars from the start of the line.
///
/// Columns are Unicode scalars, not bytes, so they match what a text editor shows for accented
/// text ("é" counts as one). A tab counts as one column, and the UTF-8 byte-order mark at the
/// start of a file is not counted.
package struct JSONPosition: Sendable, Equatable, Hashable, CustomStringConvertible {
    /// The 1-based line number.
    package let line: Int
    /// The 1-based column, in Unicode scalars.
    package let column: Int

    package init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }

    /// "line 3, column 7".
    package var description: String { "line \(line), column \(column)" }
}

/// A JSON value exactly as written in the source; numbers keep their source text so that
/// amounts never pass through floating point.
///
/// Not `indirect`: containers already store their children in heap arrays, and an indirect enum
/// would allocate a box for every string and number.
package enum JSONValue: Sendable, Equatable {
    /// An object, members in source order.
    case object(JSONObject)
    /// An array, elements in source order.
    case array([JSONNode])
    /// A string with all escapes decoded.
    case string(String)
    /// A number's exact source text, already checked against the JSON grammar, e.g. "-12.50"
    /// or "1e3". Two numbers are equal only when their texts are ("1.0" is not "1").
    case number(String)
    /// `true` or `false`.
    case bool(Bool)
    /// `null`.
    case null

    /// The kind of value in plain words ("object", "array", "string", "number", "true or false",
    /// "null"), for messages such as "amount: expected a number, found a string".
    package var kindName: String {
        switch self {
        case .object: "object"
        case .array: "array"
        case .string: "string"
        case .number: "number"
        case .bool: "true or false"
        case .null: "null"
        }
    }
}

/// A JSON value together with the position of its first character in the source.
package struct JSONNode: Sendable, Equatable {
    /// The value.
    package let value: JSONValue
    /// Where the value starts: its `{`, `[`, opening quote, first digit or sign, or first letter.
    package let position: JSONPosition

    package init(value: JSONValue, position: JSONPosition) {
        self.value = value
        self.position = position
    }

    /// The object, or nil when the value is not an object.
    package var object: JSONObject? {
        if case .object(let object) = value { return object }
        return nil
    }

    /// The elements, or nil when the value is not an array.
    package var array: [JSONNode]? {
        if case .array(let elements) = value { return elements }
        return nil
    }

    /// The decoded string, or nil when the value is not a string.
    package var string: String? {
        if case .string(let text) = value { return text }
        return nil
    }

    /// The number's exact source text (e.g. "1234.56"), or nil when the value is not a number.
    package var numberText: String? {
        if case .number(let text) = value { return text }
        return nil
    }

    /// The boolean, or nil when the value is not `true` or `false`.
    package var bool: Bool? {
        if case .bool(let flag) = value { return flag }
        return nil
    }

    /// True when the value is `null`.
    package var isNull: Bool {
        if case .null = value { return true }
        return false
    }

    /// The member named `key` when the value is an object (the last one on duplicate keys),
    /// otherwise nil.
    package subscript(key: String) -> JSONNode? {
        object?[key]
    }

    /// The element at `index` when the value is an array and the index is in range, otherwise nil.
    package subscript(index: Int) -> JSONNode? {
        guard case .array(let elements) = value, elements.indices.contains(index) else { return nil }
        return elements[index]
    }
}

/// One `"key": value` pair of a JSON object, the key with its escapes decoded.
package struct JSONMember: Sendable, Equatable {
    /// The decoded key.
    package let key: String
    /// The value, with its position.
    package let node: JSONNode

    package init(key: String, node: JSONNode) {
        self.key = key
        self.node = node
    }
}

/// The members of a JSON object in source order; duplicate keys are all kept in `members`, and
/// lookup by key returns the last one, as most JSON readers do.
package struct JSONObject: Sendable, Equatable {
    /// Objects with more members than this get a dictionary for lookups; smaller ones are searched
    /// from the end, which is faster than hashing for the few keys of a typical record.
    private static let indexThreshold = 12

    /// Every member, in source order, duplicates included.
    package let members: [JSONMember]
    /// Key → position in `members` of its last occurrence, only for large objects.
    private let index: [String: Int]?

    package init(members: [JSONMember] = []) {
        self.members = members
        if members.count > Self.indexThreshold {
            var index: [String: Int] = [:]
            index.reserveCapacity(members.count)
            for (offset, member) in members.enumerated() {
                index[member.key] = offset
            }
            self.index = index
        } else {
            self.index = nil
        }
    }

    /// The value of the last member named `key`, or nil when there is none.
    package subscript(key: String) -> JSONNode? {
        if let index {
            return index[key].map { members[$0].node }
        }
        for member in members.reversed() where member.key == key {
            return member.node
        }
        return nil
    }

    /// The keys in source order, duplicates included.
    package var keys: [String] { members.map(\.key) }

    /// The number of members, duplicates included.
    package var count: Int { members.count }

    /// True when the object has no members.
    package var isEmpty: Bool { members.isEmpty }

    /// Two objects are equal when they have the same members in the same order.
    package static func == (lhs: JSONObject, rhs: JSONObject) -> Bool {
        lhs.members == rhs.members
    }
}
