import Foundation
import Testing

@testable import FacturationCore

/// The inputs the fuzz tests found crashing a reader, pinned: each must now be rejected with a
/// reason (or imported), through the same dispatch as a run.
@Suite("Fuzz regressions")
struct FuzzRegressionTests {
    private func verdict(
        _ text: String, _ reader: (([UInt8], FuzzScratch) throws -> FuzzVerdict) = FuzzReaders.inboxFile
    )
        throws -> FuzzVerdict
    {
        let scratch = try FuzzScratch(name: "regression")
        return try reader(Array(text.utf8), scratch)
    }

    private func expectRejected(
        _ verdict: FuzzVerdict, mentioning expected: String,
        sourceLocation: SourceLocation = #_sourceLocation
    ) {
        guard case .rejected(let reason) = verdict else {
            Issue.record("accepted, expected a rejection mentioning \(expected)", sourceLocation: sourceLocation)
            return
        }
        #expect(reason.contains(expected), "\(reason)", sourceLocation: sourceLocation)
    }

    /// clockify-json case 1767 of seed 20251204: an ISO 8601 duration of 2.5e15 hours overflowed
    /// 64 bits when converted to seconds (arithmetic overflow trap in `isoDuration`).
    @Test func isoDurationTooLargeForSixtyFourBits() throws {
        #expect(ClockifyJSONConverter.isoDuration("PT2562047788015216H") == nil)
        #expect(ClockifyJSONConverter.isoDuration("P106751991167301D") == nil)
        #expect(ClockifyJSONConverter.isoDuration("PT9223372036854775807S") == 9_223_372_036_854_775_807)
        #expect(ClockifyJSONConverter.isoDuration("PT9223372036854775807S1S") == nil)
        let json = """
            {"totals": [], "timeentries": [
              {"_id": "abc1", "description": "Workshop", "userName": "Luke", "userEmail": "luke@example.com",
               "projectName": "LAA - INFRA", "clientName": "LAA", "taskName": "Consulting", "billable": true,
               "timeInterval": {"start": "2025-08-28T15:48:00+10:00", "end": "2025-08-28T18:42:00+10:00", "duration":"PT2562047788015216H"},
               "rate": 4500, "amount": 13050, "type": "REGULAR", "tags": [{"name": "onsite"}]}
            ]}
            """
        expectRejected(try verdict(json), mentioning: "expected seconds or an ISO 8601 duration")
    }

    /// The time-entries API has no amount: rate × duration overflowed for a huge rate.
    @Test func rateTimesDurationTooLarge() throws {
        let json = """
            [{"id": "e1", "description": "Dev", "billable": true, "type": "REGULAR",
              "timeInterval": {"start": "2025-08-01T07:00:00Z", "end": "2025-08-01T09:54:00Z", "duration": "PT2H54M"},
              "hourlyRate": {"amount": 9223372036854775807, "currency": "EUR"},
              "project": {"name": "PharmaBest - M365", "clientName": "PharmaBest"}}]
            """
        expectRejected(try verdict(json), mentioning: "beyond the 1000000000.00")
    }

    /// clockify-csv case 8174 of seed 1: one Billable Amount of 92233720368547758.07 and the next
    /// row's amount overflowed the sum kept for the TOTAL row check (arithmetic overflow trap).
    /// Imported or rejected (bounds on amounts may come), but never a trap.
    @Test func clockifyCSVAmountsWhoseSumOverflows() throws {
        let csv = """
            "Project","Client","Description","User","Email","Billable","Start Date","Start Time","End Date","End Time","Duration (h)","Billable Rate (EUR)","Billable Amount (EUR)"
            "PHARMABEST - M365","PharmaBest","Teams","Camille","c@x.fr","Yes","07/08/2025","09:00:00","07/08/2025","13:00:00","04:00:00","110.00","92233720368547758.07"
            "PHARMABEST - M365","PharmaBest","Teams","Camille","c@x.fr","Yes","07/08/2025","14:00:00","07/08/2025","15:00:00","01:00:00","110.00","110.00"
            TOTAL,,,,,,,,,,05:00:00,,92233720368547868.07

            """
        switch try verdict(csv) {
        case .accepted: break
        case .rejected(let reason): #expect(!reason.trimmed.isEmpty)
        }
        #expect(ClockifyCSVConverter.adding(1, to: Int64.max) == nil)
        #expect(ClockifyCSVConverter.adding(1, to: nil) == nil)
        #expect(ClockifyCSVConverter.adding(-1, to: 5) == 4)
    }
}
