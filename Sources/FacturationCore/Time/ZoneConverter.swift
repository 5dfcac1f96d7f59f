import Foundation

/// Converts between local wall-clock times in one IANA time zone and UTC instants, quickly
/// (offsets are cached per local day; only days with a DST change take the slow path).
///
/// One thread at a time: its day cache is plain memory (each piece of a conversion has its own
/// converter, ``ClockifyCSVConverter``).
package final class ZoneConverter {
    package let timeZone: TimeZone
    /// The offsets of local days, direct-mapped on the day's number modulo ``daySlots``: a slot
    /// holds the day it is for (`Int64.min`: none yet) and its offset (``transitionDay`` for a day
    /// with a change). Any 512 consecutive days fit, so an export of a year is never evicted.
    /// Why (fenced performance code, issue #9, the 1 GB `run`): a `Dictionary<Int64, Int32>` spent
    /// 0.7 % of the samples hashing and finding days. `ZoneConverterTests` hold a long-lived
    /// converter, whose slots are reused, to fresh ones over three years of hours.
    private let cachedDays: UnsafeMutablePointer<Int64>
    private let cachedOffsets: UnsafeMutablePointer<Int32>
    private static let daySlots = 512
    private static let transitionDay: Int32 = .min

    package init(timeZone: TimeZone) {
        self.timeZone = timeZone
        cachedDays = .allocate(capacity: Self.daySlots)
        cachedDays.initialize(repeating: .min, count: Self.daySlots)
        cachedOffsets = .allocate(capacity: Self.daySlots)
        cachedOffsets.initialize(repeating: 0, count: Self.daySlots)
    }

    deinit {
        cachedDays.deallocate()
        cachedOffsets.deallocate()
    }

    /// The time zone with this identifier, or nil if the system does not know it.
    package convenience init?(identifier: String) {
        guard let zone = TimeZone(identifier: identifier) else { return nil }
        self.init(timeZone: zone)
    }

    /// Offset from UTC, in seconds, in effect at a UTC instant.
    package func offset(atUTC seconds: Int64) -> Int {
        timeZone.secondsFromGMT(for: Date(timeIntervalSince1970: TimeInterval(seconds)))
    }

    /// The UTC instant (seconds since the epoch) of a local wall-clock time given as seconds
    /// since 1970-01-01T00:00 local. In a DST overlap the earlier instant is chosen; a time in a
    /// DST gap is moved forward by the gap (as clocks do).
    package func utc(fromLocal local: Int64) -> Int64 {
        let day = local >= 0 ? local / 86_400 : (local - 86_399) / 86_400
        let slot = Int(truncatingIfNeeded: day) & (Self.daySlots - 1)
        if cachedDays[slot] == day {
            let cached = cachedOffsets[slot]
            if cached != Self.transitionDay { return local - Int64(cached) }
        } else {
            let before = offset(atUTC: day * 86_400 - 14 * 3_600)
            let after = offset(atUTC: (day + 1) * 86_400 + 14 * 3_600)
            cachedDays[slot] = day
            if before == after {
                cachedOffsets[slot] = Int32(before)
                return local - Int64(before)
            }
            cachedOffsets[slot] = Self.transitionDay
        }
        // Slow path: the day contains a transition.
        let early = offset(atUTC: local - 86_400)
        let late = offset(atUTC: local + 86_400)
        let candidates = [local - Int64(max(early, late)), local - Int64(min(early, late))]
        for candidate in candidates where Int64(offset(atUTC: candidate)) == local - candidate {
            return candidate
        }
        // In a gap: interpret with the offset before the change.
        return local - Int64(early)
    }

    /// `2025-07-01T09:00:00+02:00` for a UTC instant, in this zone.
    package func isoLocal(utc seconds: Int64) -> String {
        let offset = offset(atUTC: seconds)
        return ISOTimestamp.format(seconds + Int64(offset)) + ISOTimestamp.formatOffset(offset)
    }

    /// The local calendar date of a UTC instant.
    package func localDate(utc seconds: Int64) -> CivilDate {
        let local = seconds + Int64(offset(atUTC: seconds))
        return CivilDate(daysSinceEpoch: local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
    }
}

/// Formatting of ISO 8601 timestamps.
package enum ISOTimestamp {
    /// `YYYY-MM-DDTHH:MM:SS` for seconds since the epoch (no zone designator).
    package static func format(_ seconds: Int64) -> String {
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = seconds - days * 86_400
        let date = CivilDate(daysSinceEpoch: days)
        return date.description + "T" + CivilDate.pad(Int(rest / 3600), 2) + ":"
            + CivilDate.pad(Int(rest / 60 % 60), 2) + ":" + CivilDate.pad(Int(rest % 60), 2)
    }

    /// `2025-07-01T07:00:00Z` for a UTC instant.
    package static func formatUTC(_ seconds: Int64) -> String { format(seconds) + "Z" }

    /// `+02:00`, `-05:30`, `+00:00` (always explicit: they read better in CSV).
    package static func formatOffset(_ offset: Int) -> String {
        let sign = offset < 0 ? "-" : "+"
        let magnitude = abs(offset)
        return sign + CivilDate.pad(magnitude / 3600, 2) + ":" + CivilDate.pad(magnitude / 60 % 60, 2)
    }

    /// Parses an ISO 8601 / RFC 3339 timestamp with a zone (`Z` or `±HH:MM`, optional fraction)
    /// into seconds since the epoch (fractions are truncated) and the offset in seconds.
    package static func parse(_ text: some StringProtocol) -> (utc: Int64, offset: Int)? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20 else { return nil }
        func number(_ from: Int, _ count: Int) -> Int? {
            guard from + count <= bytes.count else { return nil }
            var value = 0
            for byte in bytes[from..<(from + count)] {
                guard byte >= 0x30, byte <= 0x39 else { return nil }
                value = value * 10 + Int(byte - 0x30)
            }
            return value
        }
        guard let year = number(0, 4), bytes[4] == 0x2D, let month = number(5, 2), bytes[7] == 0x2D,
            let day = number(8, 2), bytes[10] == 0x54 || bytes[10] == 0x74 || bytes[10] == 0x20,
            let hour = number(11, 2), bytes[13] == 0x3A, let minute = number(14, 2), bytes[16] == 0x3A,
            let second = number(17, 2), hour < 24, minute < 60, second < 61,
            let date = CivilDate(year: year, month: month, day: day)
        else { return nil }
        var index = 19
        if index < bytes.count, bytes[index] == 0x2E || bytes[index] == 0x2C {
            index += 1
            let digitsStart = index
            while index < bytes.count, bytes[index] >= 0x30, bytes[index] <= 0x39 { index += 1 }
            guard index > digitsStart else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offset = 0
        if bytes[index] == 0x5A || bytes[index] == 0x7A {
            index += 1
        } else if bytes[index] == 0x2B || bytes[index] == 0x2D {
            let sign = bytes[index] == 0x2D ? -1 : 1
            guard let hours = number(index + 1, 2) else { return nil }
            var minutesIndex = index + 3
            if minutesIndex < bytes.count, bytes[minutesIndex] == 0x3A { minutesIndex += 1 }
            guard let minutes = number(minutesIndex, 2), hours < 24, minutes < 60 else { return nil }
            offset = sign * (hours * 3600 + minutes * 60)
            index = minutesIndex + 2
        } else {
            return nil
        }
        guard index == bytes.count else { return nil }
        let local = date.daysSinceEpoch * 86_400 + Int64(hour * 3600 + minute * 60 + min(second, 59))
        return (local - Int64(offset), offset)
    }
}
