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
        fail(
            table[key]?.position.line ?? table.keyPosition(key)?.line ?? table.position.line,
            "\(qualified(key)): \(message)")
    }

    func qualified(_ key: String) -> String { name.isEmpty ? key : "\(name).\(key)" }

    fileprivate func value(_ key: String, required: Bool = false) -> TOMLValue? {
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
        // Names, addresses and notes end up on one-line fields of invoices, forms and reports.
        if let control = text.unicodeScalars.first(where: { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) }) {
            fail(
                value.position.line,
                "\(qualified(key)) contains a line break or another control character "
                    + "(U+\(String(control.value, radix: 16, uppercase: true))): write it on one line, without control characters"
            )
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
            readers.append(
                TableReader(table: inner, name: "\(qualified(key))[\(index + 1)]", file: file, errors: errors))
        }
        return readers
    }

    /// Whether `key` is written in the table (it then counts as read: ``finish()`` does not report
    /// it), for keys that are refused with their own message whatever their value.
    func contains(_ key: String) -> Bool { value(key) != nil }

    /// The line where `key`'s value is written (or the table's line).
    func line(of key: String) -> Int { table[key]?.position.line ?? table.position.line }

    /// Reports every key of the table that was not read: it is unknown (probably a typo).
    func finish() {
        for key in table.keys where !consumed.contains(key) {
            let known = consumed.sorted()
            var message = "unknown key \(qualified(key))"
            // Keys whose lengths differ by more than 2 are more than 2 edits apart: not compared
            // (a 60 KB garbage key against every known key took seconds).
            let close = known.map { ($0, abs($0.count - key.count) <= 2 ? editDistance($0, key) : Int.max) }
            if let (suggestion, distance) = close.min(by: { $0.1 < $1.1 }), distance <= 2 {
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

extension TableReader {
    /// A whole number.
    func integer(_ key: String, in range: ClosedRange<Int>? = nil) -> Int? {
        guard let value = value(key) else { return nil }
        guard case .integer(let number) = value.kind else {
            fail(value.position.line, "\(qualified(key)) must be a whole number (without quotes), like \(key) = 30")
            return nil
        }
        if let range, !range.contains(Int(number)) {
            fail(value.position.line, "\(qualified(key)) must be between \(range.lowerBound) and \(range.upperBound)")
            return nil
        }
        return Int(number)
    }

    /// A list of whole numbers.
    func integers(_ key: String, in range: ClosedRange<Int>) -> [Int]? {
        guard let value = value(key) else { return nil }
        guard case .array(let items) = value.kind else {
            fail(value.position.line, "\(qualified(key)) must be a list of numbers, like \(key) = [1, 4, 7, 10]")
            return nil
        }
        var result: [Int] = []
        for item in items {
            guard case .integer(let number) = item.kind, range.contains(Int(number)) else {
                fail(
                    item.position.line,
                    "\(qualified(key)): every item must be a whole number from "
                        + "\(range.lowerBound) to \(range.upperBound)")
                continue
            }
            result.append(Int(number))
        }
        return result
    }

    /// The largest amount (in units, before the decimals) a pipeline file may give.
    static let maximumAmount: Int64 = 1_000_000_000

    /// An amount written as a number (`1400`, `751.60`) or text (`"751.60"`), in minor units of `scale` digits.
    func money(_ key: String, scale: Int = 2, required: Bool = false) -> Int64? {
        guard let value = value(key, required: required) else { return nil }
        let text: String
        switch value.kind {
        case .integer(let number): text = String(number)
        case .float(let source): text = source
        case .string(let source): text = source
        default:
            fail(value.position.line, "\(qualified(key)) must be an amount, like \(key) = 1400.00")
            return nil
        }
        switch DecimalText.minorUnits(text, scale: scale, style: .dotDecimal) {
        case .success(let minor):
            if minor < 0 { fail(value.position.line, "\(qualified(key)) must not be negative"); return nil }
            // Amounts are multiplied (by hours, VAT rates, months) and summed: a bound far above any
            // real amount keeps every product within 64 bits (a larger one made `check` trap).
            var limit: Int64 = TableReader.maximumAmount
            for _ in 0..<scale { limit *= 10 }
            if minor > limit {
                fail(value.position.line, "\(qualified(key)) must be at most \(TableReader.maximumAmount)")
                return nil
            }
            return minor
        case .failure(let problem):
            fail(value.position.line, "\(qualified(key)): \(problem.message) (write it like 1400.00)")
            return nil
        }
    }

    /// A date written as a TOML date (`2025-07-01`) or text (`"2025-07-01"`).
    func date(_ key: String) -> CivilDate? {
        guard let value = value(key) else { return nil }
        let text: String
        switch value.kind {
        case .localDate(let source), .string(let source): text = source
        default:
            fail(value.position.line, "\(qualified(key)) must be a date, like \(key) = 2025-07-01")
            return nil
        }
        guard let date = CivilDate(iso: text) else {
            fail(value.position.line, "\(qualified(key)): \"\(text)\" is not a valid YYYY-MM-DD date")
            return nil
        }
        return date
    }

    /// One of the raw values of `T`, case-insensitively.
    func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ type: T.Type) -> T? where T.RawValue == String {
        guard let text = string(key) else { return nil }
        if let found = T.allCases.first(where: { $0.rawValue.lowercased() == text.trimmed.lowercased() }) {
            return found
        }
        fail(
            key: key,
            "expected one of " + T.allCases.map { "\"\($0.rawValue)\"" }.joined(separator: ", ")
                + " (found \"\(text)\")")
        return nil
    }
}
