/// Formatting helpers for the synthetic exports: dates of 2025, clock times and amounts.
enum SyntheticText {
    private static let monthLengths2025 = [31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31]

    /// Zero-padded to two digits.
    static func pad2(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }

    /// Month (1-12) and day (1-31) of a day index of 2025 (0 = 1 January; clamped to the year).
    static func monthDay(dayOfYear: Int) -> (month: Int, day: Int) {
        var rest = min(max(dayOfYear, 0), 364)
        for (index, length) in monthLengths2025.enumerated() {
            if rest < length { return (index + 1, rest + 1) }
            rest -= length
        }
        return (12, 31)
    }

    /// `DD<separator>MM<separator>2025`.
    static func date(dayOfYear: Int, separator: String) -> String {
        let (month, day) = monthDay(dayOfYear: dayOfYear)
        return pad2(day) + separator + pad2(month) + separator + "2025"
    }

    /// `HH:MM:SS` of a count of seconds (also used for durations).
    static func clock(_ seconds: Int) -> String {
        pad2(seconds / 3600) + ":" + pad2(seconds / 60 % 60) + ":" + pad2(seconds % 60)
    }

    /// `DD-MM-YYYY HH:MM:SS` of seconds since 2025-01-01 00:00 (Qonto).
    static func qontoDateTime(_ seconds: Int) -> String {
        date(dayOfYear: seconds / 86_400, separator: "-") + " " + clock(seconds % 86_400)
    }

    /// `1234.50` style: dot decimal, no grouping (Clockify).
    static func dotDecimal(cents: Int) -> String {
        (cents < 0 ? "-" : "") + "\(abs(cents) / 100)." + pad2(abs(cents) % 100)
    }

    /// `-1 292,79` style: comma decimal, thousands separated by `group` (Qonto French).
    static func commaDecimal(cents: Int, group: String) -> String {
        var units = String(abs(cents) / 100)
        var grouped = ""
        while units.count > 3 {
            grouped = group + String(units.suffix(3)) + grouped
            units.removeLast(3)
        }
        return (cents < 0 ? "-" : "") + units + grouped + "," + pad2(abs(cents) % 100)
    }
}
