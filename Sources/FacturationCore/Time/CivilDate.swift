import Foundation

/// A calendar date without time zone (proleptic Gregorian), e.g. a booking date or a local day.
package struct CivilDate: Sendable, Hashable, Comparable, CustomStringConvertible {
    package let year: Int
    package let month: Int
    package let day: Int

    /// The date, or nil when it does not exist (month 13, 30 February…).
    package init?(year: Int, month: Int, day: Int) {
        guard (1...9999).contains(year), (1...12).contains(month),
            day >= 1, day <= CivilDate.daysInMonth(year: year, month: month)
        else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    /// Parses `YYYY-MM-DD`.
    package init?(iso text: some StringProtocol) {
        let fixed = text.utf8.withContiguousStorageIfAvailable { CivilDate.fixedWidth($0) }
        switch fixed {
        case .some(.date(let date)): self = date
        case .some(.invalid): return nil
        case .some(.other), nil:
            guard let date = CivilDate.splitting(text) else { return nil }
            self = date
        }
    }

    /// What ``fixedWidth(_:)`` made of some bytes.
    package enum FixedWidth: Equatable {
        /// Ten bytes `DDDD-DD-DD` (ASCII digits) naming a real date.
        case date(CivilDate)
        /// Ten bytes `DDDD-DD-DD` naming no date (month 13, 30 February, year 0).
        case invalid
        /// Not in that form: ``splitting(_:)`` decides (it also takes a `+` sign in a part).
        case other
    }

    /// Reads `YYYY-MM-DD` from its bytes when every one of them is where the form puts it.
    ///
    /// Why (performance code, fenced): every date of every issued record and ledger line is parsed
    /// here; splitting the text into substrings and parsing each with `Int` was 7 % of the CPU of a
    /// full pass at 10 years (README, "Benchmark results"). Invariant: for any text, the result
    /// equals ``splitting(_:)``'s when this returns `.date` or `.invalid` (`CivilDateTests`).
    @inline(__always)
    package static func fixedWidth(_ bytes: UnsafeBufferPointer<UInt8>) -> FixedWidth {
        guard bytes.count == 10, bytes[4] == UInt8(ascii: "-"), bytes[7] == UInt8(ascii: "-") else { return .other }
        for index in 0..<10 where index != 4 && index != 7 && bytes[index] &- UInt8(ascii: "0") >= 10 {
            return .other
        }
        func digit(_ index: Int) -> Int { Int(bytes[index] &- UInt8(ascii: "0")) }
        let year = digit(0) * 1000 + digit(1) * 100 + digit(2) * 10 + digit(3)
        guard let date = CivilDate(year: year, month: digit(5) * 10 + digit(6), day: digit(8) * 10 + digit(9))
        else { return .invalid }
        return .date(date)
    }

    /// The general reading of `YYYY-MM-DD`: three parts split on `-` of 4, 2 and 2 characters, each
    /// an `Int` (so a part may carry a `+` sign), naming a real date.
    package static func splitting(_ text: some StringProtocol) -> CivilDate? {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
            let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2])
        else { return nil }
        return CivilDate(year: year, month: month, day: day)
    }

    /// The date that is `days` days after 1970-01-01.
    package init(daysSinceEpoch days: Int64) {
        // Howard Hinnant's civil_from_days.
        let z = days + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let y = yoe + era * 400
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let d = doy - (153 * mp + 2) / 5 + 1
        let m = mp < 10 ? mp + 3 : mp - 9
        year = Int(m <= 2 ? y + 1 : y)
        month = Int(m)
        day = Int(d)
    }

    /// Days since 1970-01-01 (negative before).
    package var daysSinceEpoch: Int64 {
        let y = Int64(month <= 2 ? year - 1 : year)
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let m = Int64(month)
        let doy = (153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + Int64(day) - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    package static func isLeapYear(_ year: Int) -> Bool {
        (year % 4 == 0 && year % 100 != 0) || year % 400 == 0
    }

    package static func daysInMonth(year: Int, month: Int) -> Int {
        switch month {
        case 2: isLeapYear(year) ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// The date `count` days later (earlier when negative).
    package func adding(days count: Int) -> CivilDate { CivilDate(daysSinceEpoch: daysSinceEpoch + Int64(count)) }

    /// `YYYY-MM-DD`.
    package var description: String {
        Self.pad(year, 4) + "-" + Self.pad(month, 2) + "-" + Self.pad(day, 2)
    }

    /// `YYYY-MM`, the name of the month's ledger.
    package var monthKey: String { Self.pad(year, 4) + "-" + Self.pad(month, 2) }

    package static func < (lhs: CivilDate, rhs: CivilDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    package static func pad(_ value: Int, _ width: Int) -> String {
        let text = String(value)
        return text.count >= width ? text : String(repeating: "0", count: width - text.count) + text
    }
}

extension CivilDate: Codable {
    /// Encodes as `YYYY-MM-DD`.
    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let date = CivilDate(iso: text) else {
            throw DecodingError.dataCorruptedError(
                in: container, debugDescription: "'\(text)' is not a YYYY-MM-DD date")
        }
        self = date
    }
}

extension CivilDate {
    /// Today's date in `timeZone` on `clock`.
    package static func today(in timeZone: TimeZone, clock: Clock) -> CivilDate {
        LocalClock(clock: clock, timeZone: timeZone).today()
    }
}
