import Foundation
import Testing

@testable import FacturationCore

/// ``ZoneConverter/utc(fromLocal:)``: the local day's offset is cached in slots reused every 512
/// days; a converter that has seen years of days gives what a fresh one gives, in and out of the
/// changes of summer time.
@Suite("Zone converter")
struct ZoneConverterTests {
    @Test(arguments: ["Europe/Paris", "America/New_York", "Australia/Lord_Howe", "UTC"])
    func aLongLivedConverterGivesWhatAFreshOneGives(zone: String) throws {
        let timeZone = try #require(TimeZone(identifier: zone))
        let lived = ZoneConverter(timeZone: timeZone)
        // Three years of local times, hour by hour plus a few minutes: days 512 apart share a
        // slot (summer and winter days among them), and each year's changes come by.
        var checked = 0
        // From 2024-01-01T00:00 local, and from 1968-01-01 (days before 1970 are negative).
        for start: Int64 in [1_704_067_200, -63_158_400] {
            var local = start
            while local < start + 3 * 366 * 86_400 {
                // A fresh converter computes the day's offset: the long-lived one may use its slot.
                let fresh = ZoneConverter(timeZone: timeZone).utc(fromLocal: local)
                #expect(lived.utc(fromLocal: local) == fresh, "\(zone) local \(local)")
                local += 3_600 + 7 * 60
                checked += 1
            }
        }
        #expect(checked > 40_000)
        // Paris: 30 March 2025, 02:30 does not exist (moved forward by the gap); 26 October
        // 2025, 02:30 comes twice (the earlier instant).
        if zone == "Europe/Paris" {
            let gap: Int64 = 1_743_301_800  // 2025-03-30T02:30 local
            #expect(lived.utc(fromLocal: gap) == gap - 3_600)
            let overlap: Int64 = 1_761_445_800  // 2025-10-26T02:30 local
            #expect(lived.utc(fromLocal: overlap) == overlap - 7_200)
        }
    }
}
