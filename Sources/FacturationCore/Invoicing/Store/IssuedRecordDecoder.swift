import Foundation

/// Decodes one line of an issued-record file (`issued/<YYYY>/<first>_<last>.jsonl`) straight from
/// its bytes, or gives up (nil) so that the caller decodes it with `JSONDecoder`.
///
/// Why (performance code, fenced): every run after a change and every `facturation fec --year`
/// read every issued record, and Foundation's `JSONDecoder` took 44 % of the CPU of the full pass
/// at 10 years of history and 45 % of the 1,000,000-line FEC command (README, "Benchmark
/// results"). The records are the compact JSON that ``InvoiceStore/appendRecord(of:to:)`` writes;
/// this reader takes their fields in one pass, with no intermediate tree and no `Decoder` boxes.
///
/// Invariant: a document it returns equals what `JSONDecoder` returns for the same line. It
/// accepts only what it fully understands: every key known and present once, every required key
/// present, integers as plain JSON integers that fit, strings of valid UTF-8 with the standard
/// escapes, enums and dates as the model parses them. Anything else (an unknown or repeated key, a
/// number with a fraction or an exponent, a lone surrogate, a damaged line) gives nil and
/// `JSONDecoder` decides, with its own result or error message. `IssuedRecordDecoderTests` checks
/// the invariant on the demo's records, generated documents and mutated lines; the `fec` and
/// `idle` scenarios of `facturation-bench` measure it.
package enum IssuedRecordDecoder {
    /// The document of one record line, or nil when the line is not in the form read here.
    package static func document(from line: UnsafeBufferPointer<UInt8>) -> InvoiceDocument? {
        var parts = RepeatedParts()
        return document(from: line, repeating: &parts)
    }

    /// The same, for the lines of one file read in order: a part written with the same bytes as in
    /// the line before (``RepeatedParts``) is not read again.
    package static func document(
        from line: UnsafeBufferPointer<UInt8>, repeating parts: inout RepeatedParts
    ) -> InvoiceDocument? {
        var reader = RecordReader(line)
        do {
            let document = try reader.document(repeating: &parts)
            try reader.end()
            return document
        } catch {
            return nil
        }
    }

    /// What the postings read of the document of one record line (``IssuedSale``), or nil exactly
    /// when ``document(from:repeating:)`` gives nil: the same line is read with the same checks,
    /// but only the strings the sale keeps are made (``RecordReader/Strings/keptOnly``). `parts`
    /// must be those of sales only (their other strings are "").
    package static func sale(
        from line: UnsafeBufferPointer<UInt8>, repeating parts: inout RepeatedParts
    ) -> IssuedSale? {
        var reader = RecordReader(line, strings: .keptOnly)
        do {
            let document = try reader.document(repeating: &parts)
            try reader.end()
            return IssuedSale(document)
        } catch {
            return nil
        }
    }
}

/// The parts of a record that most often repeat from one line of a file to the next: the seller
/// (the same on every document), the legal notes (the same on every invoice) and the buyer (a
/// client's documents of one batch are issued together).
///
/// Why (performance code, fenced): these parts are most of a record's strings (about twenty of
/// them, several too long to be stored inline), made again for every document of a file, and
/// freed again with it. When the bytes that follow are those of the part read last (a JSON object
/// ends where its bytes say, so equal bytes are an equal object), the value read then is taken
/// again: no parsing, and the documents share its strings. `IssuedRecordDecoderTests` checks that
/// the documents of a file read this way equal those read line by line and `JSONDecoder`'s.
package struct RepeatedParts {
    var seller = Repeated<InvoiceDocument.Party>()
    var buyer = Repeated<InvoiceDocument.Party>()
    var legalNotes = Repeated<InvoiceDocument.LegalNotes>()

    package init() {}
}

/// The last value read of one part and the bytes it was read from (``RepeatedParts``).
struct Repeated<Value> {
    var bytes: [UInt8] = []
    var value: Value?
}

/// A key of an object in a record, as its bytes (valid only while the line is read), matched
/// against the field names in a `switch` (`case "name":`) without making a `String` of it: keys are
/// half the strings of a record, and the `String` comparisons of a `switch` over them cost more
/// than a length test and a `memcmp`.
struct FieldName {
    let bytes: UnsafeBufferPointer<UInt8>

    static func ~= (name: StaticString, key: FieldName) -> Bool {
        name.utf8CodeUnitCount == key.bytes.count
            && (key.bytes.isEmpty || memcmp(name.utf8Start, key.bytes.baseAddress!, key.bytes.count) == 0)
    }
}

/// The line is not in the form ``IssuedRecordDecoder`` reads: `JSONDecoder` takes over.
struct UnreadRecord: Error {}

/// Which keys of one object were read, so that a repeated key gives up (``IssuedRecordDecoder``).
struct SeenKeys {
    private var bits: UInt64 = 0

    mutating func mark(_ bit: Int) throws(UnreadRecord) {
        let mask: UInt64 = 1 << UInt64(bit)
        guard bits & mask == 0 else { throw UnreadRecord() }
        bits |= mask
    }
}

/// A required value that was read, or give up.
func required<T>(_ value: T?) throws(UnreadRecord) -> T {
    guard let value else { throw UnreadRecord() }
    return value
}

/// A cursor over the bytes of one record line: the JSON grammar, as far as records use it.
struct RecordReader {
    private let bytes: UnsafeBufferPointer<UInt8>
    private var at = 0
    private let kept: Strings

    /// Which strings a reader makes.
    enum Strings {
        /// Every one: the reader of whole documents.
        case all
        /// Only those read with ``keptString()`` (and the enums, quantities and dates made from
        /// text); every other string is checked exactly as ``string()`` checks it, then read as ""
        /// (and a list of strings as []): what ``IssuedRecordDecoder/sale(from:repeating:)`` keeps
        /// of a document needs no other, and making and freeing them was most of its reading.
        case keptOnly
    }

    init(_ bytes: UnsafeBufferPointer<UInt8>, strings: Strings = .all) {
        self.bytes = bytes
        kept = strings
    }

    private static let quote = UInt8(ascii: "\""), backslash = UInt8(ascii: "\\")

    private mutating func skipSpace() {
        while at < bytes.count {
            let byte = bytes[at]
            guard byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D else { return }
            at += 1
        }
    }

    private mutating func take(_ byte: UInt8) throws(UnreadRecord) {
        skipSpace()
        guard at < bytes.count, bytes[at] == byte else { throw UnreadRecord() }
        at += 1
    }

    /// Takes `byte` when it comes next.
    private mutating func takeIf(_ byte: UInt8) -> Bool {
        skipSpace()
        guard at < bytes.count, bytes[at] == byte else { return false }
        at += 1
        return true
    }

    /// Nothing but white space is left.
    mutating func end() throws(UnreadRecord) {
        skipSpace()
        guard at == bytes.count else { throw UnreadRecord() }
    }

    /// Calls `member` with each key of an object, which reads the key's value.
    mutating func object(_ member: (inout RecordReader, FieldName) throws(UnreadRecord) -> Void) throws(UnreadRecord) {
        try take(UInt8(ascii: "{"))
        if takeIf(UInt8(ascii: "}")) { return }
        repeat {
            let key = try key()
            try take(UInt8(ascii: ":"))
            try member(&self, key)
        } while takeIf(UInt8(ascii: ","))
        try take(UInt8(ascii: "}"))
    }

    mutating func array<T>(_ element: (inout RecordReader) throws(UnreadRecord) -> T) throws(UnreadRecord) -> [T] {
        try take(UInt8(ascii: "["))
        var result: [T] = []
        if takeIf(UInt8(ascii: "]")) { return result }
        repeat {
            result.append(try element(&self))
        } while takeIf(UInt8(ascii: ","))
        try take(UInt8(ascii: "]"))
        return result
    }

    /// nil for `null`, else the value `read` reads (what `decodeIfPresent` does).
    mutating func optional<T>(_ read: (inout RecordReader) throws(UnreadRecord) -> T) throws(UnreadRecord) -> T? {
        if try literal("null") { return nil }
        return try read(&self)
    }

    mutating func bool() throws(UnreadRecord) -> Bool {
        if try literal("true") { return true }
        if try literal("false") { return false }
        throw UnreadRecord()
    }

    /// Takes `word` when it comes next, followed by a delimiter.
    private mutating func literal(_ word: StaticString) throws(UnreadRecord) -> Bool {
        skipSpace()
        let count = word.utf8CodeUnitCount
        guard at + count <= bytes.count else { return false }
        for index in 0..<count where bytes[at + index] != word.utf8Start[index] { return false }
        at += count
        return true
    }

    /// A plain JSON integer (`-?(0|[1-9][0-9]*)`) that fits in 64 bits.
    mutating func int64() throws(UnreadRecord) -> Int64 {
        skipSpace()
        let negative = at < bytes.count && bytes[at] == UInt8(ascii: "-")
        if negative { at += 1 }
        let start = at
        var value: Int64 = 0
        while at < bytes.count, bytes[at] &- UInt8(ascii: "0") < 10 {
            let digit = Int64(bytes[at] &- UInt8(ascii: "0"))
            let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
            let (next, overflowB) =
                negative ? shifted.subtractingReportingOverflow(digit) : shifted.addingReportingOverflow(digit)
            guard !overflowA, !overflowB else { throw UnreadRecord() }
            value = next
            at += 1
        }
        guard at > start, bytes[start] != UInt8(ascii: "0") || at == start + 1 else { throw UnreadRecord() }
        if at < bytes.count, bytes[at] == UInt8(ascii: ".") || bytes[at] | 0x20 == UInt8(ascii: "e") {
            throw UnreadRecord()
        }
        return value
    }

    mutating func int() throws(UnreadRecord) -> Int { Int(try int64()) }

    /// The value `read` reads, or the one of `last` when the bytes that follow are those it was
    /// read from (see ``RepeatedParts``).
    mutating func repeated<T>(
        _ last: inout Repeated<T>, _ read: (inout RecordReader) throws(UnreadRecord) -> T
    ) throws(UnreadRecord) -> T {
        skipSpace()
        let count = last.bytes.count
        if let value = last.value, count <= bytes.count - at,
            last.bytes.withUnsafeBufferPointer({ memcmp($0.baseAddress!, bytes.baseAddress! + at, count) == 0 })
        {
            at += count
            return value
        }
        let start = at
        let value = try read(&self)
        last.bytes = Array(bytes[start..<at])
        last.value = value
        return value
    }

    /// A date string. The usual `"YYYY-MM-DD"` is read from its bytes, with no `String` made
    /// (``CivilDate/fixedWidth(_:)``: the same result as parsing the string); anything else is read
    /// as a string and parsed.
    mutating func date() throws(UnreadRecord) -> CivilDate {
        skipSpace()
        if at + 12 <= bytes.count, bytes[at] == Self.quote, bytes[at + 11] == Self.quote {
            switch CivilDate.fixedWidth(UnsafeBufferPointer(rebasing: bytes[(at + 1)..<(at + 11)])) {
            case .date(let date):
                at += 12
                return date
            case .invalid: throw UnreadRecord()
            case .other: break
            }
        }
        let text = try keptString()
        guard let date = CivilDate(iso: text) else { throw UnreadRecord() }
        return date
    }

    mutating func quantity() throws(UnreadRecord) -> Quantity {
        let text = try keptString()
        guard let quantity = Quantity(text) else { throw UnreadRecord() }
        return quantity
    }

    /// An enum's raw value.
    mutating func value<T: RawRepresentable>(_: T.Type) throws(UnreadRecord) -> T where T.RawValue == String {
        let text = try keptString()
        guard let value = T(rawValue: text) else { throw UnreadRecord() }
        return value
    }

    /// A list of strings ([] when only kept strings are made: see ``Strings/keptOnly``).
    mutating func strings() throws(UnreadRecord) -> [String] {
        guard kept == .all else {
            // Read and checked as below, none kept (a time-based invoice lists thousands).
            _ = try array { (reader) throws(UnreadRecord) in _ = try reader.string() }
            return []
        }
        return try array { (reader) throws(UnreadRecord) in try reader.string() }
    }

    /// A key, as its bytes: no `String` is made for it (a key with an escape gives up).
    private mutating func key() throws(UnreadRecord) -> FieldName {
        try take(Self.quote)
        let start = at
        while at < bytes.count {
            let byte = bytes[at]
            if byte == Self.quote {
                at += 1
                return FieldName(bytes: UnsafeBufferPointer(rebasing: bytes[start..<(at - 1)]))
            }
            guard byte != Self.backslash, byte >= 0x20 else { throw UnreadRecord() }
            at += 1
        }
        throw UnreadRecord()
    }

    /// A string of valid UTF-8 with its escapes decoded; "" once checked when the reader makes only
    /// kept strings (``Strings/keptOnly``).
    mutating func string() throws(UnreadRecord) -> String { try string(making: kept == .all) }

    /// A string of valid UTF-8 with its escapes decoded, made whatever the reader's ``Strings``.
    mutating func keptString() throws(UnreadRecord) -> String { try string(making: true) }

    /// A string, made or only checked (then "").
    private mutating func string(making: Bool) throws(UnreadRecord) -> String {
        try take(Self.quote)
        let start = at
        while at < bytes.count {
            let byte = bytes[at]
            if byte == Self.quote {
                at += 1
                let utf8 = UnsafeBufferPointer(rebasing: bytes[start..<(at - 1)])
                if making { return try Self.text(utf8) }
                try Self.check(utf8)
                return ""
            }
            if byte == Self.backslash {
                let text = try escapedString(from: start)
                return making ? text : ""
            }
            guard byte >= 0x20 else { throw UnreadRecord() }
            at += 1
        }
        throw UnreadRecord()
    }

    /// The text of `utf8` when it is valid UTF-8. ASCII (most record texts) takes the standard
    /// library's fastest path, which cannot repair anything there; other text is validated.
    private static func text(_ utf8: UnsafeBufferPointer<UInt8>) throws(UnreadRecord) -> String {
        if isASCII(utf8) { return String(decoding: utf8, as: UTF8.self) }
        return try required(String(validating: utf8, as: UTF8.self))
    }

    /// What ``text(_:)`` checks, without making the text when it is ASCII.
    private static func check(_ utf8: UnsafeBufferPointer<UInt8>) throws(UnreadRecord) {
        if isASCII(utf8) { return }
        _ = try required(String(validating: utf8, as: UTF8.self))
    }

    private static func isASCII(_ utf8: UnsafeBufferPointer<UInt8>) -> Bool {
        var high: UInt8 = 0
        for byte in utf8 { high |= byte }
        return high < 0x80
    }

    /// The rest of a string that holds an escape: decoded into a copy.
    private mutating func escapedString(from start: Int) throws(UnreadRecord) -> String {
        var utf8 = Array(bytes[start..<at])
        while at < bytes.count {
            let byte = bytes[at]
            at += 1
            if byte == Self.quote {
                return try utf8.withUnsafeBufferPointer { (buffer) throws(UnreadRecord) in try Self.text(buffer) }
            }
            guard byte >= 0x20 else { throw UnreadRecord() }
            guard byte == Self.backslash else {
                utf8.append(byte)
                continue
            }
            guard at < bytes.count else { throw UnreadRecord() }
            let code = bytes[at]
            at += 1
            switch code {
            case Self.quote, Self.backslash, UInt8(ascii: "/"): utf8.append(code)
            case UInt8(ascii: "b"): utf8.append(0x08)
            case UInt8(ascii: "f"): utf8.append(0x0C)
            case UInt8(ascii: "n"): utf8.append(0x0A)
            case UInt8(ascii: "r"): utf8.append(0x0D)
            case UInt8(ascii: "t"): utf8.append(0x09)
            case UInt8(ascii: "u"): UTF8.encode(try unicodeEscape()) { utf8.append($0) }
            default: throw UnreadRecord()
            }
        }
        throw UnreadRecord()
    }

    /// The scalar of `XXXX` after `\u` (a surrogate pair as two escapes; a lone surrogate gives up).
    private mutating func unicodeEscape() throws(UnreadRecord) -> Unicode.Scalar {
        let first = try hexQuad()
        var value = first
        if (0xD800..<0xDC00).contains(first) {
            guard at + 1 < bytes.count, bytes[at] == Self.backslash, bytes[at + 1] == UInt8(ascii: "u") else {
                throw UnreadRecord()
            }
            at += 2
            let second = try hexQuad()
            guard (0xDC00..<0xE000).contains(second) else { throw UnreadRecord() }
            value = 0x10000 + ((first - 0xD800) << 10) + (second - 0xDC00)
        }
        return try required(Unicode.Scalar(value))
    }

    private mutating func hexQuad() throws(UnreadRecord) -> UInt32 {
        guard at + 4 <= bytes.count else { throw UnreadRecord() }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[at]
            let digit: UInt32
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): digit = UInt32(byte - UInt8(ascii: "0"))
            case UInt8(ascii: "a")...UInt8(ascii: "f"): digit = UInt32(byte - UInt8(ascii: "a") + 10)
            case UInt8(ascii: "A")...UInt8(ascii: "F"): digit = UInt32(byte - UInt8(ascii: "A") + 10)
            default: throw UnreadRecord()
            }
            value = value << 4 | digit
            at += 1
        }
        return value
    }
}
