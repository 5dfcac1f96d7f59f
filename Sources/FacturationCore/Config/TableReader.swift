/// Reads typed values out of one TOML table, recording every mistake with its line, and
/// reporting keys it was never asked for (typos) when ``finish()`` is called.
final class TableReader {
    let table: TOMLTable
    /// Dotted name of the table for messages (`company`, `clients[2]`).
    let name: String
    let file: String
    private let errors: ErrorSink
    private var consumed: Set<String> = []

    /// Shared list of errors for one file.
    final class ErrorSink {
        var errors: [ConfigError] = []
    }

    init(table: TOMLTable, name: String, file: String, errors: ErrorSink) {
        self.table = table
        self.name = name
        self.file = file
        self.errors = errors
    }

    func fail(_ line: Int?, _ message: String) {
        errors.errors.append(ConfigError(file: file, line: line, message: message))
    }

    /// Reports a problem with the value of `key`.
    func fail(key: String, _ message: String) {
        fail(table[key]?.position.line ?? table.keyPosition(key)?.line ?? table.position.line,
             "\(qualified(key)): \(message)")
    }

    func qualified(_ key: String) -> String { name.isEmpty ? key : "\(name).\(key)" }

    private func value(_ key: String, required: Bool) -> TOMLValue? {
        consumed.insert(key)
        guard let value = table[key] else {
            if required { fail(table.position.line, "\(qualified(key)) is missing (add `\(key) = …`)") }
            return nil
        }
        return value
    }

    func string(_ key: String, required: Bool = false) -> String? {
        guard let value = value(key, required: required) else { return nil }
        guard case .string(let text) = value.kind else {
            fail(value.position.line, "\(qualified(key)) must be text in quotes, like \(key) = \"…\"")
            return nil
        }
        if required, text.trimmed.isEmpty {
            fail(value.position.line, "\(qualified(key)) must not be empty")
            return nil
        }
        return text
    }

    func bool(_ key: String) -> Bool? {
        guard let value = value(key, required: false) else { return nil }
        guard case .boolean(let flag) = value.kind else {
            fail(value.position.line, "\(qualified(key)) must be true or false (without quotes)")
            return nil
        }
        return flag
    }

    /// A number written as an integer or a decimal, returned as its exact text.
    func decimalText(_ key: String) -> (text: String, line: Int)? {
        guard let value = value(key, required: false) else { return nil }
        switch value.kind {
        case .integer(let number): return (String(number), value.position.line)
        case .float(let text): return (text, value.position.line)
        default:
            fail(value.position.line, "\(qualified(key)) must be a number (without quotes), like \(key) = 2")
            return nil
        }
    }

    func strings(_ key: String) -> [String]? {
        guard let value = value(key, required: false) else { return nil }
        guard case .array(let items) = value.kind else {
            fail(value.position.line, "\(qualified(key)) must be a list, like \(key) = [\"…\", \"…\"]")
            return nil
        }
        var result: [String] = []
        for item in items {
            guard case .string(let text) = item.kind else {
                fail(item.position.line, "\(qualified(key)): every item must be text in quotes")
                continue
            }
            result.append(text)
        }
        return result
    }

    func subtable(_ key: String, required: Bool = false) -> TableReader? {
        guard let value = value(key, required: required) else { return nil }
        guard case .table(let inner) = value.kind else {
            fail(value.position.line, "\(qualified(key)) must be a table ([\(qualified(key))] or { … })")
            return nil
        }
        return TableReader(table: inner, name: qualified(key), file: file, errors: errors)
    }

    /// An array of tables (`[[key]]`).
    func tables(_ key: String) -> [TableReader] {
        guard let value = value(key, required: false) else { return [] }
        guard case .array(let items) = value.kind else {
            fail(value.position.line, "\(qualified(key)) must be written as [[\(qualified(key))]] sections")
            return []
        }
        var readers: [TableReader] = []
        for (index, item) in items.enumerated() {
            guard case .table(let inner) = item.kind else {
                fail(item.position.line, "\(qualified(key)) must be written as [[\(qualified(key))]] sections")
                continue
            }
            readers.append(TableReader(table: inner, name: "\(qualified(key))[\(index + 1)]", file: file, errors: errors))
        }
        return readers
    }

    /// The line where `key`'s value is written (or the table's line).
    func line(of key: String) -> Int { table[key]?.position.line ?? table.position.line }

    /// Reports every key of the table that was not read: it is unknown (probably a typo).
    func finish() {
        for key in table.keys where !consumed.contains(key) {
            let known = consumed.sorted()
            var message = "unknown key \(qualified(key))"
            if let suggestion = known.min(by: { editDistance($0, key) < editDistance($1, key) }),
               editDistance(suggestion, key) <= 2 {
                message += "; did you mean \(suggestion)?"
            } else if !known.isEmpty {
                message += " (known keys here: \(known.joined(separator: ", ")))"
            }
            fail(table.keyPosition(key)?.line ?? table.position.line, message)
        }
    }

    private func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a), b = Array(b)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        var previous = Array(0...b.count)
        for i in 1...a.count {
            var current = [i] + Array(repeating: 0, count: b.count)
            for j in 1...b.count {
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1))
            }
            previous = current
        }
        return previous[b.count]
    }
}
