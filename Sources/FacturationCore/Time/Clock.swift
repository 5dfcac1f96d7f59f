import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// The one source of "now" for a process: every timestamp the pipeline writes (claims, decisions,
/// run summaries) and every "today" it decides comes from the clock handed to it.
///
/// `FACTURATION_NOW=<ISO 8601 instant>` (e.g. `2025-10-02T08:00:00Z`) fixes it, so tests and
/// replays of past months write the same bytes every time without `--date` or sleeps; a run
/// otherwise reads the system's real-time clock.
package struct Clock: Sendable {
    /// Seconds and nanoseconds since 1970-01-01T00:00:00Z.
    package struct Instant: Sendable, Equatable {
        package var seconds: Int64
        package var nanoseconds: Int
    }

    private let read: @Sendable () -> Instant

    package init(_ read: @escaping @Sendable () -> Instant) {
        self.read = read
    }

    package func now() -> Instant { read() }

    /// The system's real-time clock.
    package static let system = Clock {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Instant(seconds: Int64(spec.tv_sec), nanoseconds: spec.tv_nsec)
    }

    /// A clock that always reads `seconds`.
    package static func fixed(_ seconds: Int64) -> Clock {
        Clock { Instant(seconds: seconds, nanoseconds: 0) }
    }

    /// ``fixed(_:)`` at `FACTURATION_NOW` when it is set, else ``system``.
    package static func fromEnvironment() throws(FacturationError) -> Clock {
        guard let text = getenv("FACTURATION_NOW").map({ String(cString: $0) }), !text.isEmpty else { return .system }
        guard let parsed = ISOTimestamp.parse(text) else {
            throw FacturationError(
                .usage, "FACTURATION_NOW is not an ISO 8601 instant (like 2025-10-02T08:00:00Z): \(text)")
        }
        return .fixed(parsed.utc)
    }

    /// `2025-11-25T10:30:12Z`: decision and approval timestamps.
    package func utcISO() -> String { ISOTimestamp.formatUTC(now().seconds) }
}

/// The clock read in one time zone: the local forms the queue needs.
package struct LocalClock {
    package let clock: Clock
    let zone: ZoneConverter

    package init(clock: Clock, timeZone: TimeZone) {
        self.clock = clock
        zone = ZoneConverter(timeZone: timeZone)
    }

    /// `2025-11-25T11:30:12+01:00`.
    package func nowISO() -> String { zone.isoLocal(utc: clock.now().seconds) }

    /// Today's local date.
    package func today() -> CivilDate { zone.localDate(utc: clock.now().seconds) }

    /// `20251125-113012-345`: local date, time and milliseconds, for claim ids.
    func claimStamp() -> String {
        let now = clock.now()
        let local = now.seconds + Int64(zone.offset(atUTC: now.seconds))
        let text = ISOTimestamp.format(local)  // 2025-11-25T11:30:12
        let digits = text.filter { $0 != "-" && $0 != ":" }.replacingOccurrences(of: "T", with: "-")
        return digits + "-" + CivilDate.pad(now.nanoseconds / 1_000_000, 3)
    }
}
