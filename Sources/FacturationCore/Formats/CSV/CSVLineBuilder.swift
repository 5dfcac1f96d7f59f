#if canImport(Glibc)
import Glibc
#endif

/// Builds RFC 4180 CSV lines (comma separator, CRLF line end, a field quoted only when it
/// contains a comma, a double quote, CR or LF, or starts or ends with a space or a tab, so that
/// readers that trim unquoted fields keep it intact; quotes doubled).
///
/// Text fields are neutralized against spreadsheet formulas (see ``CSVFormulaGuard``): every
/// CSV the product writes goes through here, so no cell of it opens as a formula. Numbers,
/// dates and timestamps written with the typed methods stay plain.
package struct CSVLineBuilder {
    /// The storage (shared by copies of the builder: do not copy it).
    package let buffer: ByteBuffer
    private var fieldsInLine = 0
    /// The last day converted by ``timestampField(_:offset:)`` (rows of a file share their days).
    private var lastDays: Int64 = .min
    private var lastDate = CivilDate(daysSinceEpoch: 0)

    package init(capacity: Int = 1 << 16) { buffer = ByteBuffer(capacity: capacity) }

    /// A builder that appends to an existing buffer (a file's write buffer, say).
    package init(appendingTo buffer: ByteBuffer) { self.buffer = buffer }

    /// A copy of the bytes built so far.
    package var bytes: [UInt8] { buffer.array }

    /// Appends one text field given as raw UTF-8 bytes, with one `'` in front when a spreadsheet
    /// could read it as a formula (``CSVFormulaGuard``).
    package mutating func field(_ value: UnsafeRawBufferPointer) {
        append(value, guarded: CSVFormulaGuard.needsGuard(value))
    }

    /// Appends a field exactly as it is stored in one of our CSV files (read back with
    /// ``LedgerFile/Form/stored``): already guarded, so only quoted when needed. For copying
    /// rows from one of our files to another without guarding them twice.
    package mutating func storedField(_ value: UnsafeRawBufferPointer) {
        append(value, guarded: false)
    }

    @inline(__always)
    private mutating func append(_ value: UnsafeRawBufferPointer, guarded: Bool) {
        let comma = fieldsInLine > 0
        fieldsInLine += 1
        guard CSVLineBuilder.needsQuotes(value) else {
            let prefix = (comma ? 1 : 0) + (guarded ? 1 : 0)
            buffer.appendDirect(maximum: value.count + 2) { out in
                if comma { out[0] = 0x2C }
                if guarded { out[prefix - 1] = CSVFormulaGuard.mark }
                if let source = value.baseAddress {
                    (out + prefix).update(from: source.assumingMemoryBound(to: UInt8.self), count: value.count)
                }
                return prefix + value.count
            }
            return
        }
        // At most every byte doubled, plus the comma, the mark and the two quotes.
        buffer.appendDirect(maximum: 2 * value.count + 4) { out in
            var written = 0
            if comma { out[0] = 0x2C; written = 1 }
            out[written] = 0x22
            written += 1
            if guarded { out[written] = CSVFormulaGuard.mark; written += 1 }
            written += Self.copyDoublingQuotes(value, to: out + written)
            out[written] = 0x22
            return written + 1
        }
    }

    /// Copies `value` to `out` with every double quote doubled; returns the bytes written. Spans
    /// between quotes are copied whole (a quoted field went byte by byte through the buffer's
    /// capacity check: most of ``field(_:)``'s time in the 1 GB `run`, issue #9).
    @inline(__always)
    private static func copyDoublingQuotes(_ value: UnsafeRawBufferPointer, to out: UnsafeMutablePointer<UInt8>) -> Int
    {
        guard var start = value.baseAddress else { return 0 }
        let end = start + value.count
        var written = 0
        while start < end, let quote = memchr(start, 0x22, end - start) {
            let span = start.distance(to: UnsafeRawPointer(quote)) + 1
            (out + written).update(from: start.assumingMemoryBound(to: UInt8.self), count: span)
            out[written + span] = 0x22
            written += span + 1
            start += span
        }
        let rest = start.distance(to: end)
        (out + written).update(from: start.assumingMemoryBound(to: UInt8.self), count: rest)
        return written + rest
    }

    /// True when the field contains a comma, a double quote, CR or LF (checked 8 bytes at a time:
    /// Swift's `SIMD16` comparisons compile to a loop per lane here, four times slower), or starts
    /// or ends with a space or a tab.
    @inline(__always)
    static func needsQuotes(_ value: UnsafeRawBufferPointer) -> Bool {
        if let first = value.first, let last = value.last,
            first == 0x20 || first == 0x09 || last == 0x20 || last == 0x09
        {
            return true
        }
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func has(_ word: UInt64, _ byte: UInt64) -> Bool {
            let x = word ^ (ones &* byte)
            return (x &- ones) & ~x & highs != 0
        }
        var index = 0
        while index + 8 <= value.count {
            let word = value.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            if has(word, 0x2C) || has(word, 0x22) || has(word, 0x0A) || has(word, 0x0D) { return true }
            index += 8
        }
        while index < value.count {
            let byte = value[index]
            if byte == 0x2C || byte == 0x22 || byte == 0x0A || byte == 0x0D { return true }
            index += 1
        }
        return false
    }

    /// Appends one text field (guarded against formulas like the byte version).
    package mutating func field(_ value: String) {
        var value = value
        value.withUTF8 { field(UnsafeRawBufferPointer($0)) }
    }

    /// Appends a date as `YYYY-MM-DD` (plain: a date is never a formula).
    package mutating func field(_ value: CivilDate) {
        var text = value.description
        text.withUTF8 { append(UnsafeRawBufferPointer($0), guarded: false) }
    }

    /// Appends one integer field.
    package mutating func field(_ value: Int64) {
        if fieldsInLine > 0 { buffer.append(0x2C) }
        fieldsInLine += 1
        appendDecimal(value)
    }

    /// Appends one integer field, or an empty field for nil.
    package mutating func field(_ value: Int64?) {
        if let value { field(value) } else { emptyField() }
    }

    /// Appends an empty field.
    package mutating func emptyField() {
        if fieldsInLine > 0 { buffer.append(0x2C) }
        fieldsInLine += 1
    }

    /// Appends a word of the program's own (`true`, `minute`, `clockify_detailed_csv`…): ASCII
    /// letters, digits and underscores after a letter, so never quoted nor guarded, and no String
    /// to go through (the time entries write four per row).
    package mutating func plainField(_ word: StaticString) {
        let bytes = UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount)
        assert(Self.isPlainWord(bytes), "not a plain word")
        append(bytes, guarded: false)
    }

    /// Whether ``plainField(_:)`` may write these bytes.
    static func isPlainWord(_ bytes: UnsafeRawBufferPointer) -> Bool {
        func isLetter(_ byte: UInt8) -> Bool { (0x61...0x7A).contains(byte) || (0x41...0x5A).contains(byte) }
        guard let first = bytes.first, isLetter(first) else { return false }
        return bytes.allSatisfy { isLetter($0) || (0x30...0x39).contains($0) || $0 == 0x5F }
    }

    /// Appends minor units as decimal text with a point: 129279 at scale 2 is `1292.79`.
    package mutating func decimalField(_ minorUnits: Int64, scale: Int) {
        if fieldsInLine > 0 { buffer.append(0x2C) }
        fieldsInLine += 1
        if minorUnits < 0 { buffer.append(0x2D) }
        let magnitude = minorUnits.magnitude
        var divisor: UInt64 = 1
        for _ in 0..<scale { divisor *= 10 }
        appendUnsigned(magnitude / divisor, minimumDigits: 1)
        if scale > 0 {
            buffer.append(0x2E)
            appendUnsigned(magnitude % divisor, minimumDigits: scale)
        }
    }

    /// Appends `YYYY-MM-DDTHH:MM:SS` for wall-clock seconds since the epoch, followed by the
    /// offset (`+02:00`) or by `Z` when `offset` is nil.
    package mutating func timestampField(_ seconds: Int64, offset: Int?) {
        let comma = fieldsInLine > 0
        fieldsInLine += 1
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = Int(seconds - days * 86_400)
        if days != lastDays {
            lastDays = days
            lastDate = CivilDate(daysSinceEpoch: days)
        }
        let date = lastDate
        guard (0...9999).contains(date.year) else {
            if comma { buffer.append(0x2C) }
            appendTimestamp(date: date, secondsOfDay: rest, offset: offset)
            return
        }
        // Fixed layout: YYYY-MM-DDTHH:MM:SS then Z or ±HH:MM.
        buffer.appendDirect(maximum: 26) { out in
            var p = out
            if comma { p[0] = 0x2C; p += 1 }
            @inline(__always) func two(_ value: Int, _ at: Int) {
                p[at] = UInt8(truncatingIfNeeded: value / 10) &+ 0x30
                p[at + 1] = UInt8(truncatingIfNeeded: value % 10) &+ 0x30
            }
            two(date.year / 100, 0)
            two(date.year % 100, 2)
            p[4] = 0x2D
            two(date.month, 5)
            p[7] = 0x2D
            two(date.day, 8)
            p[10] = 0x54
            two(rest / 3600, 11)
            p[13] = 0x3A
            two(rest / 60 % 60, 14)
            p[16] = 0x3A
            two(rest % 60, 17)
            guard let offset else {
                p[19] = 0x5A
                return (comma ? 1 : 0) + 20
            }
            let magnitude = abs(offset)
            p[19] = offset < 0 ? 0x2D : 0x2B
            two(magnitude / 3600 % 100, 20)
            p[22] = 0x3A
            two(magnitude / 60 % 60, 23)
            return (comma ? 1 : 0) + 25
        }
    }

    /// The same text, byte by byte, for any year (a sign and more digits outside 0…9999).
    private mutating func appendTimestamp(date: CivilDate, secondsOfDay rest: Int, offset: Int?) {
        if date.year < 0 { buffer.append(0x2D) }
        appendUnsigned(UInt64(date.year.magnitude), minimumDigits: 4)
        buffer.append(0x2D)
        appendTwoDigits(date.month)
        buffer.append(0x2D)
        appendTwoDigits(date.day)
        buffer.append(0x54)
        appendTwoDigits(rest / 3600)
        buffer.append(0x3A)
        appendTwoDigits(rest / 60 % 60)
        buffer.append(0x3A)
        appendTwoDigits(rest % 60)
        guard let offset else { buffer.append(0x5A); return }
        buffer.append(offset < 0 ? 0x2D : 0x2B)
        let magnitude = abs(offset)
        appendTwoDigits(magnitude / 3600 % 100)
        buffer.append(0x3A)
        appendTwoDigits(magnitude / 60 % 60)
    }

    /// Appends a boolean as `true`/`false`.
    package mutating func field(_ value: Bool) { plainField(value ? "true" : "false") }

    /// Ends the current line with CRLF.
    package mutating func endLine() {
        buffer.append(0x0D)
        buffer.append(0x0A)
        fieldsInLine = 0
    }

    /// Appends a whole line of text fields.
    package mutating func line(_ fields: [String]) {
        for value in fields { field(value) }
        endLine()
    }

    /// Starts a new field list without touching the buffer (the next field gets no comma).
    package mutating func removeFieldCount() { fieldsInLine = 0 }

    /// Empties the buffer, keeping its capacity.
    package mutating func removeAll() {
        buffer.removeAll()
        fieldsInLine = 0
    }

    @inline(__always)
    private mutating func appendTwoDigits(_ value: Int) {
        buffer.append(UInt8(truncatingIfNeeded: value / 10) &+ 0x30)
        buffer.append(UInt8(truncatingIfNeeded: value % 10) &+ 0x30)
    }

    /// The decimal digits of `value`, padded with zeros in front to `minimumDigits` (at most 24).
    ///
    /// Why written in place: four numbers of every normalized time entry come here (its source
    /// row, duration, rate and amount); a digit at a time through ``ByteBuffer/append(_:)-(UInt8)``
    /// was 2.7 % of the 1 GB Clockify run (issue #9). The digits are counted first, then written
    /// from the last into the buffer's free space at once.
    private mutating func appendUnsigned(_ value: UInt64, minimumDigits: Int) {
        var digits = 1
        var power: UInt64 = 10
        while digits < 20, value >= power {
            digits += 1
            power = power &* 10
        }
        let count = max(digits, min(minimumDigits, 24))
        buffer.appendDirect(maximum: count) { out in
            var rest = value
            var index = count
            repeat {
                index -= 1
                out[index] = UInt8(truncatingIfNeeded: rest % 10) &+ 0x30
                rest /= 10
            } while rest > 0
            while index > 0 {
                index -= 1
                out[index] = 0x30
            }
            return count
        }
    }

    private mutating func appendDecimal(_ value: Int64) {
        if value < 0 { buffer.append(0x2D) }
        appendUnsigned(value.magnitude, minimumDigits: 1)
    }
}

/// Keeps spreadsheets from reading a CSV cell as a formula (OWASP "CSV injection"), reversibly.
///
/// Rule: a text field whose first byte is `=`, `+`, `-`, `@`, TAB, CR or NUL, or `'` itself, is
/// written with one more `'` in front; readers of our own CSV files remove exactly one leading
/// `'` (``value(ofStored:)``), so every value round-trips byte for byte. A field that is a plain
/// negative decimal number (`-12.50`: `-`, digits, at most one `.` followed by digits) is left as
/// it is: a spreadsheet reads it as a number, never as a formula.
///
/// Why these bytes: Excel starts a formula with `=`, `+`, `-` or `@` (and runs DDE payloads such
/// as `@SUM(1+1)*cmd|' /C calc'!A0`); TAB, CR and NUL are stripped by some importers, which
/// would leave such a byte first (OWASP's list, and ASVS 1.2.10's NUL). LibreOffice Calc 7.4
/// (`scripts/spreadsheet_check.py`, formulas evaluated on import) makes a formula of `=` only;
/// it reads `+1+1`, `-1+1`, `@SUM(…)`, and a leading space, LF, no-break space or full-width `＝`
/// (U+FF1D) as text: those last four are left as they are.
package enum CSVFormulaGuard {
    /// The byte put in front of a guarded field.
    package static let mark: UInt8 = 0x27

    /// Bit `(b - 1) mod 64` set for each first byte `b` that needs the guard: TAB, CR, `'`, `+`,
    /// `-`, `=`, `@`, and NUL (which shares bit 63 with `@`). Every one is at most 0x40, so a field
    /// starting with a letter or a multi-byte character costs one comparison. A literal rather
    /// than a `static let` built by a closure, which would be checked for initialization on every
    /// field (a unit test compares it with the list).
    static var firstBytes: UInt64 { 0x9000_1440_0000_1100 }

    /// True when the text field must be written with a leading `'`.
    @inline(__always)
    package static func needsGuard(_ value: UnsafeRawBufferPointer) -> Bool {
        guard let first = value.first, first <= 0x40 else { return false }
        guard firstBytes >> UInt64((first &- 1) & 63) & 1 != 0 else { return false }
        return first != 0x2D || !isNegativeDecimal(value)
    }

    /// `-` followed by digits, optionally a `.` and more digits: read as a number by spreadsheets.
    static func isNegativeDecimal(_ value: UnsafeRawBufferPointer) -> Bool {
        var index = 1
        var digits = 0
        while index < value.count, value[index] >= 0x30, value[index] <= 0x39 { index += 1; digits += 1 }
        guard digits > 0 else { return false }
        if index < value.count, value[index] == 0x2E {
            index += 1
            var decimals = 0
            while index < value.count, value[index] >= 0x30, value[index] <= 0x39 { index += 1; decimals += 1 }
            guard decimals > 0 else { return false }
        }
        return index == value.count
    }

    /// The value of a field read from one of our CSV files: without the guard's leading `'`.
    @inline(__always)
    package static func value(ofStored field: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard let first = field.first, first == mark else { return field }
        return UnsafeRawBufferPointer(rebasing: field[1...])
    }

    /// The value of a field read from one of our CSV files, as text.
    package static func value(ofStored field: String) -> String {
        field.utf8.first == mark ? String(decoding: field.utf8.dropFirst(), as: UTF8.self) : field
    }

    /// How a text value is written in a CSV field (before quoting): for tests and documentation.
    package static func stored(_ value: String) -> String {
        var copy = value
        let guarded = copy.withUTF8 { needsGuard(UnsafeRawBufferPointer($0)) }
        return guarded ? "'" + value : value
    }
}
