import Foundation
import Testing

@testable import FacturationCore

/// The order of hold events (``DunningStore/holds()``): the last one recorded wins, also within
/// one second, whatever their file names.
@Suite("Reminder holds, order")
struct ReminderHoldOrderTests {
    /// Seen on CI: a reply's hold and a person's lift recorded in the same second (two quick runs);
    /// ordered by name, the lift (`0a1a…`, a hash) came before the hold (`reply-…`), which stayed.
    @Test func aLiftRecordedInTheSameSecondAsItsHoldLiftsIt() throws {
        let (store, root) = try InvoiceStoreRecordTests.store()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let dunning = DunningStore(layout: store.layout)
        let at = "2026-12-06T00:12:03+01:00"
        func event(lift: Bool) -> ReminderHold {
            ReminderHold(
                invoice: "F20250701", client: nil, reason: "contestation", by: "Camille", lift: lift, at: at,
                source: "test")
        }
        try dunning.recordHold(event(lift: false), name: "reply-e111fd22a9c86c8a-F20250701")
        #expect(try dunning.holdsInForce().invoices["F20250701"] != nil)
        // A file's modification time moves by the kernel's clock tick (a few ms): events of real runs
        // are further apart (a run in between, or at least its fsyncs).
        Thread.sleep(forTimeInterval: 0.05)
        try dunning.recordHold(event(lift: true), name: "0a1ab0753e7e0fde")
        #expect(try dunning.holds().map { $0.lift } == [false, true])
        #expect(try dunning.holdsInForce().invoices["F20250701"] == nil)

        // And the other way round: a hold made again after its lift, the same second, is in force.
        Thread.sleep(forTimeInterval: 0.05)
        try dunning.recordHold(event(lift: false), name: "00-hold-again")
        #expect(try dunning.holdsInForce().invoices["F20250701"] != nil)
    }
}
