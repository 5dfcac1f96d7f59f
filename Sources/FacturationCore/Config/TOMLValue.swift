// TOML document model: every key and value remembers where it was written,
// so that configuration mistakes can be reported as `file:line: message`.

/// A 1-based line and column in TOML source text; columns count Unicode scalars, so "é" or a tab is one column.
package struct TOMLPosition: Sendable, Equatable {
    package let line: Int
    package let column: Int

    package init(line: Int, column: Int) {
        self.line = line
        self.column = column
    }
}

/// The content of a TOML value; floats and date-times keep their source text so callers can convert them exactly.
package indirect enum TOMLValueKind: Sendable, Equatable {
    /// Any string form, with escapes resolved and CRLF line breaks normalised to LF.
    case string(String)
    case integer(Int64)
    /// The exact source text with underscores removed, e.g. "1400.00", "-3.5e2", "inf", "+nan".
    case float(String)
    case boolean(Bool)
    /// The source text, normalised only by replacing a space date/time separator with "T".
    case offsetDateTime(String)
    /// The source text, normalised only by replacing a space date/time separator with "T".
    case localDateTime(String)
    /// The source text, e.g. "2025-01-31".
    case localDate(String)
    /// The source text, e.g. "07:32:00.999".
    case localTime(String)
    /// A static array (`[...]`) or an array of tables (`[[...]]`, whose elements are `.table` values).
    case array([TOMLValue])
    case table(TOMLTable)
}

/// A TOML value together with the source position of its first character (for tables: where the table was opened).
package struct TOMLValue: Sendable, Equatable {
    package let kind: TOMLValueKind
    package let position: TOMLPosition

    package init(kind: TOMLValueKind, position: TOMLPosition) {
        self.kind = kind
        self.position = position
    }
}

/// A TOML table: unique keys in source order, each with its value and the position where the key itself was written.
package struct TOMLTable: Sendable, Equatable {
    /// One key of the table: its value and where the key was written.
    struct Entry: Sendable, Equatable {
        let value: TOMLValue
        let keyPosition: TOMLPosition
    }

    /// Where the table was opened: its `[header]` or `[[header]]`, its inline `{`, the first segment of the dotted key
    /// that created it, the first header below it when it only exists as a parent (`a` in `[a.b]`), or 1:1 for the root.
    package let position: TOMLPosition
    /// The keys in the source order of their first definition.
    package private(set) var keys: [String] = []
    private var entries: [String: Entry] = [:]

    init(position: TOMLPosition) {
        self.position = position
    }

    /// The value stored under `key`, or nil when the table has no such key.
    package subscript(key: String) -> TOMLValue? {
        entries[key]?.value
    }

    /// Where `key` itself was written (for a dotted key, the position of that segment), or nil when absent.
    package func keyPosition(_ key: String) -> TOMLPosition? {
        entries[key]?.keyPosition
    }

    /// Adds a new key at the end of the table; returns false and changes nothing when the key already exists.
    @discardableResult
    mutating func insert(_ key: String, value: TOMLValue, keyPosition: TOMLPosition) -> Bool {
        guard entries[key] == nil else { return false }
        keys.append(key)
        entries[key] = Entry(value: value, keyPosition: keyPosition)
        return true
    }
}
