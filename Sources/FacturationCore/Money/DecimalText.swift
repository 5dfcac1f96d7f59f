/// Exact conversion between decimal text and integer minor units (never through floating point).
package enum DecimalText {
    /// How a number is written in a given export.
    package enum Style: Sendable {
        /// `1234.56`; a comma is accepted as thousands separator only in groups of three (`1,234.56`).
        case dotDecimal
        /// `1 234,56`; spaces, no-break spaces and narrow no-break spaces separate thousands.
        case commaDecimal
    }

    /// Why a text is not a valid amount.
    package struct Problem: Error, Sendable, Equatable {
        package let message: String
    }

    /// Parses `text` into an integer count of 10^-`scale` units.
    ///
    /// Accepts a leading `+`, `-` or `−` (U+2212). More fraction digits than `scale` are accepted
    /// only when the extra digits are zeros: `12.500` at scale 2 is 1250, `12.505` is an error.
    package static func minorUnits(_ text: some StringProtocol, scale: Int, style: Style) -> Result<Int64, Problem> {
        var text = String(text)
        return text.withUTF8 { minorUnits(bytes: UnsafeRawBufferPointer($0), scale: scale, style: style) }
    }

    /// Parses UTF-8 bytes; see ``minorUnits(_:scale:style:)``.
    package static func minorUnits(bytes: UnsafeRawBufferPointer, scale: Int, style: Style) -> Result<Int64, Problem> {
        guard let bounds = trimmed(bytes) else { return .failure(Problem(message: "the amount is empty")) }
        var start = bounds.start
        let end = bounds.end
        let negative = readSign(bytes, start: &start, end: end)
        let decimalMark: UInt8 = style == .dotDecimal ? 0x2E : 0x2C
        var number = Accumulator()
        var integerDigitCount = 0
        var fractionDigitCount = 0
        var grouping = Grouping()
        var inFraction = false
        var tooManyDecimals = false
        var index = start
        while index < end {
            let byte = bytes[index]
            if byte >= 0x30, byte <= 0x39 {
                let digit = byte - 0x30
                if inFraction {
                    fractionDigitCount += 1
                    if fractionDigitCount <= scale {
                        number.append(digit)
                    } else if digit != 0 {
                        // Keep scanning: a misplaced character later on explains the number better.
                        tooManyDecimals = true
                    }
                } else {
                    integerDigitCount += 1
                    grouping.currentGroup += 1
                    number.append(digit)
                }
                index += 1
                continue
            }
            if byte == decimalMark {
                if inFraction {
                    return .failure(
                        Problem(
                            message: "the amount has two decimal marks ('\(Character(Unicode.Scalar(decimalMark)))')"))
                }
                inFraction = true
                index += 1
                continue
            }
            let groupWidth = inFraction ? 0 : groupSeparatorWidth(bytes, at: index, style: style)
            if groupWidth > 0 {
                grouping.closeGroup()
                index += groupWidth
                continue
            }
            return .failure(misplacedCharacter(bytes, at: index, end: end, style: style))
        }
        if tooManyDecimals {
            return .failure(Problem(message: "the amount has more than \(scale) decimals"))
        }
        if let problem = grouping.problem(style: style) { return .failure(problem) }
        guard integerDigitCount + fractionDigitCount > 0 else {
            return .failure(Problem(message: "the amount has no digits"))
        }
        return number.scaled(fractionDigitCount: fractionDigitCount, scale: scale, negative: negative)
    }

    /// The bounds of `bytes` without the spaces around them; nil when nothing else is left.
    @inline(__always)
    private static func trimmed(_ bytes: UnsafeRawBufferPointer) -> (start: Int, end: Int)? {
        var start = 0
        var end = bytes.count
        while start < end, let width = spaceWidth(bytes, at: start) { start += width }
        while start < end, let width = spaceWidthBackward(bytes, endingAt: end) { end -= width }
        return start < end ? (start, end) : nil
    }

    /// Skips a leading `+`, `-` or `−` (U+2212) and the spaces after it; true when the amount is negative.
    @inline(__always)
    private static func readSign(_ bytes: UnsafeRawBufferPointer, start: inout Int, end: Int) -> Bool {
        var negative = false
        if bytes[start] == 0x2D || bytes[start] == 0x2B {
            negative = bytes[start] == 0x2D
            start += 1
        } else if end - start >= 3, bytes[start] == 0xE2, bytes[start + 1] == 0x88, bytes[start + 2] == 0x92 {
            negative = true
            start += 3
        }
        while start < end, let width = spaceWidth(bytes, at: start) { start += width }
        return negative
    }

    /// The digits read so far as an integer; an overflow is remembered and reported only once the
    /// whole text is known to be a well-formed amount.
    ///
    /// This and `Grouping` are small structs of integers whose methods are inlined: the importers
    /// parse every amount of every row here, so the split into steps must cost no allocation and no
    /// call per byte. The digit loop itself stays flat over local variables in `minorUnits(bytes:)`:
    /// moving all of its state into one struct with a method per step made the compiler spill
    /// counters to the stack on every digit (+6 % instructions in a micro-benchmark).
    private struct Accumulator {
        var value: Int64 = 0
        var overflow = false

        @inline(__always)
        mutating func append(_ digit: UInt8) {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int64(digit))
            if o1 || o2 { overflow = true }
            value = sum
        }

        /// The value in units of 10^-`scale`: zeros appended for the missing fraction digits.
        @inline(__always)
        mutating func scaled(fractionDigitCount: Int, scale: Int, negative: Bool) -> Result<Int64, Problem> {
            var padding = scale - min(fractionDigitCount, scale)
            while padding > 0 { append(0); padding -= 1 }
            if overflow { return .failure(Problem(message: "the amount is too large")) }
            return .success(negative ? -value : value)
        }
    }

    /// Thousands groups of the integer part: 1 to 3 digits first, then exactly 3.
    private struct Grouping {
        var groupCount = 1
        var firstGroup = 0
        var currentGroup = 0
        var badGroups = false

        @inline(__always)
        mutating func closeGroup() {
            if groupCount == 1 { firstGroup = currentGroup } else if currentGroup != 3 { badGroups = true }
            groupCount += 1
            currentGroup = 0
        }

        @inline(__always)
        func problem(style: Style) -> Problem? {
            guard groupCount > 1 else { return nil }
            guard badGroups || currentGroup != 3 || !(1...3).contains(firstGroup) else { return nil }
            let hint = style == .dotDecimal ? "use '.' for decimals" : "use ',' for decimals"
            return Problem(message: "the thousands separators are misplaced (\(hint))")
        }
    }

    /// The width of a thousands separator at `index` in the integer part, 0 when there is none:
    /// `,` in dot style; `.` or a space in comma style.
    @inline(__always)
    private static func groupSeparatorWidth(_ bytes: UnsafeRawBufferPointer, at index: Int, style: Style) -> Int {
        if style == .dotDecimal {
            return bytes[index] == 0x2C ? 1 : 0
        } else if bytes[index] == 0x2E {
            return 1
        }
        return spaceWidth(bytes, at: index) ?? 0
    }

    private static func misplacedCharacter(
        _ bytes: UnsafeRawBufferPointer, at index: Int, end: Int, style: Style
    ) -> Problem {
        let expected = style == .dotDecimal ? "like 1234.56" : "like 1 234,56"
        let shown = String(
            decoding: UnsafeRawBufferPointer(rebasing: bytes[index..<min(end, index + 4)]), as: UTF8.self)
        let character = shown.first.map { String($0) } ?? "?"
        return Problem(message: "'\(character)' is not allowed in an amount (expected a number \(expected))")
    }

    /// Formats minor units as plain decimal text with a dot: `-129279` at scale 2 is `-1292.79`.
    package static func format(minorUnits: Int64, scale: Int, decimalMark: Character = ".") -> String {
        let negative = minorUnits < 0
        var digits = String(minorUnits.magnitude)
        if scale == 0 { return (negative ? "-" : "") + digits }
        while digits.count <= scale { digits = "0" + digits }
        let split = digits.index(digits.endIndex, offsetBy: -scale)
        return (negative ? "-" : "") + digits[..<split] + String(decimalMark) + digits[split...]
    }

    /// Width in bytes of a space, tab, no-break space (U+00A0) or narrow no-break space (U+202F) at `index`.
    private static func spaceWidth(_ bytes: UnsafeRawBufferPointer, at index: Int) -> Int? {
        let byte = bytes[index]
        if byte == 0x20 || byte == 0x09 { return 1 }
        if byte == 0xC2, index + 1 < bytes.count, bytes[index + 1] == 0xA0 { return 2 }
        if byte == 0xE2, index + 2 < bytes.count, bytes[index + 1] == 0x80, bytes[index + 2] == 0xAF { return 3 }
        return nil
    }

    private static func spaceWidthBackward(_ bytes: UnsafeRawBufferPointer, endingAt end: Int) -> Int? {
        if end >= 1, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { return 1 }
        if end >= 2, bytes[end - 2] == 0xC2, bytes[end - 1] == 0xA0 { return 2 }
        if end >= 3, bytes[end - 3] == 0xE2, bytes[end - 2] == 0x80, bytes[end - 1] == 0xAF { return 3 }
        return nil
    }
}
