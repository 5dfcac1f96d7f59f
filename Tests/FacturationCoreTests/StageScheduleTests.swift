import Testing

@testable import FacturationCore

/// The stage schedules: which runs a stage is due on.
@Suite("Stage schedules")
struct StageScheduleTests {
    @Test func weekdaysAreRightAcrossCenturiesAndBeforeTheEpoch() throws {
        let known: [(String, Weekday)] = [
            ("1970-01-01", .thursday), ("1969-12-29", .monday), ("2025-09-01", .monday), ("2025-10-06", .monday),
            ("2025-10-05", .sunday), ("2000-02-29", .tuesday), ("2099-12-31", .thursday), ("1900-01-01", .monday),
        ]
        for (text, weekday) in known {
            let day = try #require(CivilDate(iso: text))
            #expect(day.weekday == weekday, "\(text)")
        }
    }

    @Test func aWeeklyStageIsDueOnItsDayOnlyAndAnEveryRunStageAlways() throws {
        let monday = try #require(CivilDate(iso: "2025-10-06"))
        for offset in 0..<14 {
            let day = monday.adding(days: offset)
            #expect(Schedule.weekly(.monday).isDue(on: day) == (offset % 7 == 0))
            #expect(Schedule.everyRun.isDue(on: day))
        }
        #expect(ReconciliationStage().schedule == .weekly(.monday))
    }
}
