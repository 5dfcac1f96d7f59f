import Foundation

/// The current time in the pipeline's time zone, formatted the ways the queue needs.
struct LocalClock {

    let zone: ZoneConverter

    init(timeZone: String) {
        zone = ZoneConverter(identifier: timeZone) ?? ZoneConverter(timeZone: TimeZone(identifier: "UTC")!)
    }

    private var nowSeconds: (seconds: Int64, millis: Int) {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return (Int64(spec.tv_sec), spec.tv_nsec / 1_000_000)
    }

    /// `2025-11-25T11:30:12+01:00`.
    func nowISO() -> String { zone.isoLocal(utc: nowSeconds.seconds) }

    /// Today's local date.
    func today() -> CivilDate { zone.localDate(utc: nowSeconds.seconds) }

    /// `20251125-113012-345`: local date, time and milliseconds, for claim ids.
    func claimStamp() -> String {
        let now = nowSeconds
        let local = now.seconds + Int64(zone.offset(atUTC: now.seconds))
        let text = ISOTimestamp.format(local)   // 2025-11-25T11:30:12
        let digits = text.filter { $0 != "-" && $0 != ":" }.replacingOccurrences(of: "T", with: "-")
        return digits + "-" + CivilDate.pad(now.millis, 3)
    }
}
