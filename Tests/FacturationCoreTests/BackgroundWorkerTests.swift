import Foundation
import Synchronization
import Testing

@testable import FacturationCore

@Suite("BackgroundWorker")
struct BackgroundWorkerTests {
    private struct Stop: Error {}

    @Test func runsItemsInSubmissionOrder() throws {
        let seen = Mutex<[Int]>([])
        let worker = BackgroundWorker<Int>(limit: 2, name: "test") { item in seen.withLock { $0.append(item) } }
        for item in 0..<500 { try worker.submit(item) }
        try worker.finish()
        #expect(seen.withLock { $0 } == Array(0..<500))
    }

    @Test("The first failure stops the worker: later items never run, the failure is thrown")
    func firstFailureStopsLaterItems() {
        let seen = Mutex<[Int]>([])
        let worker = BackgroundWorker<Int>(name: "test") { item in
            if item == 3 { throw Stop() }
            seen.withLock { $0.append(item) }
        }
        // A submit after the failure throws it; which submit sees it first depends on timing.
        for item in 0..<50 where (try? worker.submit(item)) == nil { break }
        #expect(throws: Stop.self) { try worker.finish() }
        #expect(seen.withLock { $0 } == [0, 1, 2])
    }
}
