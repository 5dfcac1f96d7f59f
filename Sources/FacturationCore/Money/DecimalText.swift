/// Exact conversion between decimal text and integer minor units (never through floating point).
public enum DecimalText {
    /// How a number is written in a given export.
    public enum Style: Sendable {
        /// `1234.56`; a comma is accepted as thousands separator only in groups of three (`1,234.56`).
        case dotDecimal
        /// `1 234,56`; spaces, no-break spaces and narrow no-break spaces separate thousands.
        case commaDecimal
    }

    /// Why a text is not a valid amount.
    public struct Problem: Error, Sendable, Equatable {
        public let message: String
    }

    /// Parses `text` into an integer count of 10^-`scale` units.
    ///
    /// Accepts a leading `+`, `-` or `−` (U+2212). More fraction digits than `scale` are accepted
    /// only when the extra digits are zeros: `12.500` at scale 2 is 1250, `12.505` is an error.
    public static func minorUnits(_ text: some StringProtocol, scale: Int, style: Style) -> Result<Int64, Problem> {
        var text = String(text)
        return text.withUTF8 { minorUnits(bytes: UnsafeRawBufferPointer($0), scale: scale, style: style) }
    }

    /// Parses UTF-8 bytes; see ``minorUnits(_:scale:style:)``.
    public static func minorUnits(bytes: UnsafeRawBufferPointer, scale: Int, style: Style) -> Result<Int64, Problem> {
        var start = 0
        var end = bytes.count
        while start < end, let width = spaceWidth(bytes, at: start) { start += width }
        while start < end, let width = spaceWidthBackward(bytes, endingAt: end) { end -= width }
        guard start < end else { return .failure(Problem(message: "the amount is empty")) }
        var negative = false
        if bytes[start] == 0x2D || bytes[start] == 0x2B {
            negative = bytes[start] == 0x2D
            start += 1
        } else if end - start >= 3, bytes[start] == 0xE2, bytes[start + 1] == 0x88, bytes[start + 2] == 0x92 {
            negative = true
            start += 3
        }
        while start < end, let width = spaceWidth(bytes, at: start) { start += width }
        let decimalMark: UInt8 = style == .dotDecimal ? 0x2E : 0x2C
        var value: Int64 = 0
        var integerDigitCount = 0
        var fractionDigitCount = 0
        var groupCount = 1
        var firstGroup = 0
        var currentGroup = 0
        var badGroups = false
        var inFraction = false
        var overflow = false
        var tooManyDecimals = false
        var index = start
        func append(_ digit: UInt8) {
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (sum, o2) = times.addingReportingOverflow(Int64(digit))
            if o1 || o2 { overflow = true }
            value = sum
        }
        while index < end {
            let byte = bytes[index]
            if byte >= 0x30, byte <= 0x39 {
                let digit = byte - 0x30
                if inFraction {
                    fractionDigitCount += 1
                    if fractionDigitCount <= scale {
                        append(digit)
                    } else if digit != 0 {
                        // Keep scanning: a misplaced character later on explains the number better.
                        tooManyDecimals = true
                    }
                } else {
                    integerDigitCount += 1
                    currentGroup += 1
                    append(digit)
                }
                index += 1
                continue
            }
            if byte == decimalMark {
                if inFraction {
                    return .failure(Problem(message: "the amount has two decimal marks ('\(Character(Unicode.Scalar(decimalMark)))')"))
                }
                inFraction = true
                index += 1
                continue
            }
            var groupWidth = 0
            if !inFraction {
                if style == .dotDecimal {
                    if byte == 0x2C { groupWidth = 1 }
                } else if byte == 0x2E {
                    groupWidth = 1
                } else if let width = spaceWidth(bytes, at: index) {
                    groupWidth = width
                }
            }
            if groupWidth > 0 {
                if groupCount == 1 { firstGroup = currentGroup } else if currentGroup != 3 { badGroups = true }
                groupCount += 1
                currentGroup = 0
                index += groupWidth
                continue
            }
            let expected = style == .dotDecimal ? "like 1234.56" : "like 1 234,56"
            let shown = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[index..<min(end, index + 4)]), as: UTF8.self)
            let character = shown.first.map { String($0) } ?? "?"
            return .failure(Problem(message: "'\(character)' is not allowed in an amount (expected a number \(expected))"))
        }
        if tooManyDecimals {
            return .failure(Problem(message: "the amount has more than \(scale) decimals"))
        }
        if groupCount > 1 {
            if currentGroup != 3 { badGroups = true }
            if !(1...3).contains(firstGroup) { badGroups = true }
            if badGroups {
                let hint = style == .dotDecimal ? "use '.' for decimals" : "use ',' for decimals"
                return .failure(Problem(message: "the thousands separators are misplaced (\(hint))"))
            }
        }
        guard integerDigitCount + fractionDigitCount > 0 else {
            return .failure(Problem(message: "the amount has no digits"))
        }
        var padding = scale - min(fractionDigitCount, scale)
        while padding > 0 { append(0); padding -= 1 }
        if overflow { return .failure(Problem(message: "the amount is too large")) }
        return .success(negative ? -value : value)
    }

    /// Formats minor units as plain decimal text with a dot: `-129279` at scale 2 is `-1292.79`.
    public static func format(minorUnits: Int64, scale: Int, decimalMark: Character = ".") -> String {
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
