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

    /// With limit 0 nothing waits in the queue: when `submit` returns, the thread has taken the
    /// item, so it has finished every earlier one (the invoicing committer's pipeline of two
    /// batches: one prepared, one issued). With limit 1 one more item may wait.
    @Test(arguments: [0, 1])
    func submitReturnsOnceAtMostLimitItemsWait(limit: Int) throws {
        let finished = Mutex(0)
        let worker = BackgroundWorker<Int>(limit: limit, name: "test") { _ in
            Thread.sleep(forTimeInterval: 0.005)
            finished.withLock { $0 += 1 }
        }
        var outstanding: [Int] = []
        for item in 0..<20 {
            try worker.submit(item)
            outstanding.append(item + 1 - finished.withLock { $0 })
        }
        try worker.finish()
        #expect(finished.withLock { $0 } == 20)
        #expect(outstanding.allSatisfy { $0 <= limit + 1 }, "\(outstanding)")
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
