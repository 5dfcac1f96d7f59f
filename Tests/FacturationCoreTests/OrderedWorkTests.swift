import Foundation
import Synchronization
import Testing

@testable import FacturationCore

/// ``OrderedWork``: every index produced once and consumed in order on the calling thread, never
/// more than `ahead` taken and not consumed, and nothing produced after `run` returns, however it
/// ends (all consumed, stopped by `consume`, or a throw).
@Suite("OrderedWork")
struct OrderedWorkTests {
    private struct Stop: Error {}

    /// Uneven work (some indices far slower), so threads overtake one another.
    private static func work(_ index: Int) -> Int {
        if index % 7 == 3 { Thread.sleep(forTimeInterval: 0.004) }
        return index * index
    }

    @Test(arguments: [1, 2, 3, 5])
    func everyResultIsConsumedInOrderOnTheCallingThread(threads: Int) {
        let produced = Mutex<[Int]>([])
        var consumed: [Int] = []
        var values: [Int] = []
        var onCaller = true
        let caller = pthread_self()
        let done = OrderedWork.run(
            count: 200, threads: threads, ahead: 4,
            produce: { index in
                produced.withLock { $0.append(index) }
                return Self.work(index)
            },
            consume: { index, value in
                onCaller = onCaller && pthread_equal(pthread_self(), caller) != 0
                consumed.append(index)
                values.append(value)
                return true
            })
        #expect(done)
        #expect(consumed == Array(0..<200))
        #expect(values == (0..<200).map { $0 * $0 })
        #expect(produced.withLock { $0.sorted() } == Array(0..<200))
        #expect(onCaller)
    }

    @Test("No work, one piece, more threads than work, nothing ahead allowed (taken as 1)")
    func edgeSizes() {
        var consumed: [Int] = []
        #expect(
            OrderedWork.run(
                count: 0, threads: 2, ahead: 4, produce: { $0 },
                consume: { _, _ in
                    Issue.record(); return true
                }))
        for (count, threads, ahead) in [(1, 2, 4), (3, 8, 2), (5, 2, 0)] {
            consumed = []
            let done = OrderedWork.run(
                count: count, threads: threads, ahead: ahead, produce: { $0 + 100 },
                consume: { index, value in
                    consumed.append(value - index)
                    return true
                })
            #expect(done && consumed == Array(repeating: 100, count: count), "\(count) \(threads) \(ahead)")
        }
    }

    @Test(arguments: [1, 3, 8])
    func neverMoreThanAheadAreTakenAndNotConsumed(ahead: Int) {
        let taken = Mutex(0)
        let consumedCount = Mutex(0)
        let worst = Mutex(0)
        _ = OrderedWork.run(
            count: 120, threads: 4, ahead: ahead,
            produce: { index in
                let outstanding =
                    taken.withLock {
                        $0 += 1; return $0
                    } - consumedCount.withLock { $0 }
                worst.withLock { $0 = max($0, outstanding) }
                return Self.work(index)
            },
            consume: { _, _ in
                Thread.sleep(forTimeInterval: 0.0005)
                consumedCount.withLock { $0 += 1 }
                return true
            })
        #expect(worst.withLock { $0 } <= ahead)
        #expect(worst.withLock { $0 } == ahead, "the threads did run ahead (else the bound says nothing)")
    }

    @Test("Stopped by consume or by a throw: nothing more is taken, and no thread runs after the return")
    func aStopOrAThrowEndsEverything() {
        for stopAt in [0, 1, 17, 99] {  // 99: the last index
            let running = Mutex(0)
            let produced = Mutex(0)
            var consumed = 0
            func produce(_ index: Int) -> Int {
                running.withLock { $0 += 1 }
                defer { running.withLock { $0 -= 1 } }
                produced.withLock { $0 += 1 }
                return Self.work(index)
            }
            let done = OrderedWork.run(
                count: 100, threads: 3, ahead: 5, produce: produce,
                consume: { index, _ in
                    guard index < stopAt else { return false }
                    consumed += 1
                    return true
                })
            #expect(!done)
            #expect(consumed == stopAt)
            #expect(running.withLock { $0 } == 0, "a thread still producing after run returned")
            let after = produced.withLock { $0 }
            #expect(after <= stopAt + 5, "taken past the bound")
            Thread.sleep(forTimeInterval: 0.02)
            #expect(produced.withLock { $0 } == after, "an index taken after run returned")

            running.withLock { $0 = 0 }
            #expect(throws: Stop.self) {
                try OrderedWork.run(
                    count: 100, threads: 3, ahead: 5, produce: produce,
                    consume: { index, _ in
                        if index == stopAt { throw Stop() }
                        return true
                    })
            }
            #expect(running.withLock { $0 } == 0, "a thread still producing after the throw")
        }
    }
}
