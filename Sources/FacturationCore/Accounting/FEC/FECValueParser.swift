/// Parses the dates and numbers of a FEC field (bytes already trimmed of outer spaces), without
/// allocating: they run for every field of every line of files of millions of lines.
enum FECValueParser {
    /// The outcome of reading an amount.
    struct Amount {
        /// Cents, rounded half away from zero when the text has more than 2 decimals.
        var minor: Int64 = 0
        var negative = false
        /// More than 2 decimals, even zeros (`1200,000`): the amount is not written to the cent.
        var extraDecimals = false
        /// Why the text is not a FEC number (§XII-2°), nil when it is one.
        var problem: String?
    }

    /// `AAAAMMJJ` as the integer `AAAAMMJJ` (comparable), or nil when it is not a real date.
    @inline(__always)
    static func date(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Int32? {
        guard end - start == 8 else { return nil }
        var value: Int32 = 0
        for index in start..<end {
            let byte = bytes[index]
            guard byte >= 0x30, byte <= 0x39 else { return nil }
            value = value * 10 + Int32(byte - 0x30)
        }
        let year = Int(value / 10000), month = Int(value / 100 % 100), day = Int(value % 100)
        guard year >= 1, (1...12).contains(month), day >= 1, day <= CivilDate.daysInMonth(year: year, month: month)
        else {
            return nil
        }
        return value
    }

    /// The date of an `AAAAMMJJ` integer.
    static func civilDate(_ value: Int32) -> CivilDate? {
        CivilDate(year: Int(value / 10000), month: Int(value / 100 % 100), day: Int(value % 100))
    }

    /// The `AAAAMMJJ` integer of a date.
    static func compact(_ date: CivilDate) -> Int32 {
        Int32(date.year * 10000 + date.month * 100 + date.day)
    }

    /// Reads `^[+-]?\d+(,\d+)?[+-]?$` with at most one sign (§XII-2°: comma decimal mark, sign first or
    /// last, no thousands separator). An empty text is 0 (the caller reports it as missing).
    static func amount(_ bytes: UnsafeRawBufferPointer, _ start: Int, _ end: Int) -> Amount {
        var result = Amount()
        guard start < end else { return result }
        var index = start
        var last = end
        guard readSigns(bytes, &index, &last, into: &result) else { return result }
        var integerDigits = 0
        var fractionDigits = 0
        var inFraction = false
        var value: Int64 = 0
        var roundUp = false
        while index < last {
            let byte = bytes[index]
            if byte >= 0x30, byte <= 0x39 {
                if inFraction {
                    fractionDigits += 1
                    if fractionDigits <= 2 {
                        value = value * 10 + Int64(byte - 0x30)
                    } else {
                        if fractionDigits == 3, byte >= 0x35 { roundUp = true }
                        result.extraDecimals = true
                    }
                } else {
                    integerDigits += 1
                    if integerDigits > 16 {
                        result.problem = "too large (more than 16 digits before the decimal mark)"
                        return result
                    }
                    value = value * 10 + Int64(byte - 0x30)
                }
            } else if byte == 0x2C, !inFraction {
                inFraction = true
            } else {
                result.problem = misplaced(byte)
                return result
            }
            index += 1
        }
        if integerDigits == 0 {
            result.problem = inFraction ? "no digit before the comma (write 0,50)" : "no digits"
            return result
        }
        if inFraction, fractionDigits == 0 {
            result.problem = "no digit after the comma"
            return result
        }
        var padding = 2 - min(fractionDigits, 2)
        while padding > 0 { value *= 10; padding -= 1 }
        if roundUp { value += 1 }
        result.minor = result.negative ? -value : value
        return result
    }

    /// Takes a sign off the front or the back of `index..<last`; false (with the problem set) when there are two.
    @inline(__always)
    private static func readSigns(
        _ bytes: UnsafeRawBufferPointer, _ index: inout Int, _ last: inout Int, into result: inout Amount
    ) -> Bool {
        var signs = 0
        if bytes[index] == 0x2D || bytes[index] == 0x2B {
            result.negative = bytes[index] == 0x2D
            signs += 1
            index += 1
        }
        if last > index, bytes[last - 1] == 0x2D || bytes[last - 1] == 0x2B {
            if bytes[last - 1] == 0x2D { result.negative = true }
            signs += 1
            last -= 1
        }
        if signs > 1 { result.problem = "two signs: write one, first or last (-1234,56)" }
        return signs <= 1
    }

    /// Why a byte that is neither a digit nor the first comma cannot be in a FEC number.
    private static func misplaced(_ byte: UInt8) -> String {
        switch byte {
        case 0x2C: return "two commas: a FEC number has no thousands separator (1234567,89)"
        case 0x2E:
            return "'.' is not allowed: the decimal mark is a comma and there is no thousands separator (1234,56)"
        case 0x20: return "a space inside the number: no thousands separator is allowed (1234,56)"
        case 0x2B, 0x2D: return "a sign inside the number: the sign is the first or the last character"
        default:
            let shown = byte < 0x80 ? "'\(Character(Unicode.Scalar(byte)))'" : "a non-ASCII character"
            return "\(shown) is not allowed in a number (digits, one comma, one sign)"
        }
    }
}
