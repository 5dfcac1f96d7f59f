/// Parsing of the date and time cells of exports whose format follows the user's profile
/// (Clockify: `2025-07-01`, `03/04/2024`, `15.10.2024`; `14:00:00`, `10:23 AM`).
enum LocalDateTimeText {
    /// A date cell before its day/month order is known.
    struct RawDate: Equatable {
        enum Shape { case yearFirst, dayFirstDotted, numeric }
        let first: Int
        let second: Int
        let year: Int
        let shape: Shape

        /// The date under an order, or nil when it does not exist in that reading.
        func resolve(_ order: PipelineConfig.DateOrder) -> CivilDate? {
            switch shape {
            case .yearFirst: return CivilDate(year: year, month: first, day: second)
            case .dayFirstDotted: return CivilDate(year: year, month: second, day: first)
            case .numeric:
                return order == .monthFirst
                    ? CivilDate(year: year, month: first, day: second)
                    : CivilDate(year: year, month: second, day: first)
            }
        }

        /// True when the date is valid in both orders and the two readings differ (`03/04/2024`).
        var isAmbiguous: Bool {
            shape == .numeric && first != second && resolve(.monthFirst) != nil && resolve(.dayFirst) != nil
        }
    }

    /// A time-of-day cell.
    struct Time: Equatable {
        let secondsOfDay: Int
        let hasSeconds: Bool
        let twelveHour: Bool
    }

    /// Parses `YYYY-MM-DD`, `A/B/YYYY`, `A-B-YYYY` or `DD.MM.YYYY` (one- or two-digit parts).
    static func parseDate(_ bytes: UnsafeRawBufferPointer) -> RawDate? {
        var numbers = (0, 0, 0)
        var widths = (0, 0, 0)
        var part = 0
        var separator: UInt8 = 0
        var index = 0
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x20 { end -= 1 }
        while index < end, bytes[index] == 0x20 { index += 1 }
        while index < end {
            let byte = bytes[index]
            if byte >= 0x30, byte <= 0x39 {
                let digit = Int(byte - 0x30)
                switch part {
                case 0: numbers.0 = numbers.0 * 10 + digit; widths.0 += 1
                case 1: numbers.1 = numbers.1 * 10 + digit; widths.1 += 1
                default: numbers.2 = numbers.2 * 10 + digit; widths.2 += 1
                }
                if widths.0 > 4 || widths.1 > 4 || widths.2 > 4 { return nil }
            } else if byte == 0x2F || byte == 0x2D || byte == 0x2E {
                if separator == 0 { separator = byte } else if separator != byte { return nil }
                let width = part == 0 ? widths.0 : widths.1
                guard width > 0, part < 2 else { return nil }
                part += 1
            } else {
                return nil
            }
            index += 1
        }
        guard part == 2, widths.2 > 0 else { return nil }
        if widths.0 == 4, widths.1 <= 2, widths.2 <= 2 {
            return RawDate(first: numbers.1, second: numbers.2, year: numbers.0, shape: .yearFirst)
        }
        guard widths.0 <= 2, widths.1 <= 2, widths.2 == 4 else { return nil }
        let shape: RawDate.Shape = separator == 0x2E ? .dayFirstDotted : .numeric
        return RawDate(first: numbers.0, second: numbers.1, year: numbers.2, shape: shape)
    }

    /// Parses `H:MM`, `HH:MM:SS`, optionally followed by `AM`/`PM` (any case, optional space).
    static func parseTime(_ bytes: UnsafeRawBufferPointer) -> Time? {
        var parts = (0, 0, 0)
        var count = 0
        var width = 0
        var index = 0
        var end = bytes.count
        while end > 0, bytes[end - 1] == 0x20 { end -= 1 }
        while index < end, bytes[index] == 0x20 { index += 1 }
        var meridiem: UInt8 = 0
        if end - index >= 2 {
            let a = bytes[end - 2] | 0x20, m = bytes[end - 1] | 0x20
            if m == 0x6D, a == 0x61 || a == 0x70 {
                meridiem = a
                end -= 2
                while end > index, bytes[end - 1] == 0x20 { end -= 1 }
            }
        }
        var current = 0
        while index < end {
            let byte = bytes[index]
            if byte >= 0x30, byte <= 0x39 {
                current = current * 10 + Int(byte - 0x30)
                width += 1
                if width > 2 { return nil }
            } else if byte == 0x3A {
                guard width > 0, count < 2 else { return nil }
                if count == 0 { parts.0 = current } else { parts.1 = current }
                count += 1
                current = 0
                width = 0
            } else {
                return nil
            }
            index += 1
        }
        guard width > 0, count >= 1 else { return nil }
        if count == 1 { parts.1 = current } else { parts.2 = current }
        count += 1
        guard parts.1 < 60, parts.2 < 60 else { return nil }
        var hour = parts.0
        if meridiem != 0 {
            guard (1...12).contains(hour) else { return nil }
            if meridiem == 0x61 { hour = hour == 12 ? 0 : hour } else { hour = hour == 12 ? 12 : hour + 12 }
        } else if hour > 24 || (hour == 24 && (parts.1 != 0 || parts.2 != 0)) {
            return nil
        }
        return Time(
            secondsOfDay: hour * 3600 + parts.1 * 60 + parts.2, hasSeconds: count == 3, twelveHour: meridiem != 0)
    }

    /// Parses a duration `H:MM:SS` or `H:MM` (hours may exceed 24) into seconds.
    static func parseDuration(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        var parts: (Int64, Int64, Int64) = (0, 0, 0)
        var count = 0
        var current: Int64 = 0
        var width = 0
        for byte in bytes where byte != 0x20 {
            if byte >= 0x30, byte <= 0x39 {
                current = current * 10 + Int64(byte - 0x30)
                width += 1
                if width > 9 { return nil }
            } else if byte == 0x3A {
                guard width > 0, count < 2 else { return nil }
                if count == 0 { parts.0 = current } else { parts.1 = current }
                count += 1
                current = 0
                width = 0
            } else {
                return nil
            }
        }
        guard width > 0, count >= 1 else { return nil }
        if count == 1 { parts.1 = current } else { parts.2 = current }
        guard parts.1 < 60, parts.2 < 60 else { return nil }
        return parts.0 * 3600 + parts.1 * 60 + parts.2
    }
}
