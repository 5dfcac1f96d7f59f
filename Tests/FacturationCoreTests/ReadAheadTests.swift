import Foundation
import Testing

@testable import FacturationCore

/// ``ReadAhead`` (how the FEC posts its bank lines while the next batch's match files are read):
/// what the caller takes is what a pass in order gives, items, values and the first error.
@Suite("Values read a batch ahead")
struct ReadAheadTests {
    struct Failure: Error, Equatable {
        let item: Int
    }

    /// Takes `count` items in batches of `size`; `read` fails at the items in `failing` (the value
    /// of an item is its square). Returns what was taken and the error thrown, if any.
    static func pass(
        count: Int, size: Int, failing: Set<Int> = [], takeFailsAt: Int? = nil
    ) -> (
        taken: [Int], values: [Int], error: Failure?
    ) {
        var taken: [Int] = []
        var values: [Int] = []
        var ahead = ReadAhead<Int, Int>(size: size) { batch in
            // Slow enough that the caller usually waits for the background, or the reverse.
            if batch.first.map({ $0 % 3 == 0 }) == true { usleep(2_000) }
            if let item = batch.first(where: failing.contains) { throw Failure(item: item) }
            return batch.map { $0 * $0 }
        }
        func take(_ item: Int, _ value: Int) throws {
            if item == takeFailsAt { throw Failure(item: -item) }
            taken.append(item)
            values.append(value)
        }
        do {
            for item in 0..<count { try ahead.append(item, take) }
            try ahead.finish(take)
            return (taken, values, nil)
        } catch {
            return (taken, values, error as? Failure)
        }
    }

    @Test("Every item once, in order, with its value, whatever the batch size", arguments: [1, 2, 3, 7, 10, 11, 64])
    func itemsInOrder(size: Int) {
        for count in [0, 1, size - 1, size, size + 1, 3 * size, 3 * size + 2, 50] where count >= 0 {
            let (taken, values, error) = Self.pass(count: count, size: size)
            #expect(error == nil)
            #expect(taken == Array(0..<count), "size \(size), count \(count)")
            #expect(values == taken.map { $0 * $0 })
        }
    }

    @Test("The first failing item's error, after every item before its batch was taken", arguments: [1, 3, 5])
    func firstErrorInOrder(size: Int) {
        // A failure in a batch, and another in the next one (read ahead of it): the first wins.
        for first in [0, 1, 4, 7, 12, 19] {
            let second = (first / size + 1) * size + (size > 1 ? 1 : 0)
            let (taken, _, error) = Self.pass(count: 30, size: size, failing: [first, second])
            #expect(error == Failure(item: first), "size \(size), first \(first)")
            #expect(taken == Array(0..<(first / size * size)), "size \(size), first \(first)")
        }
        // An error thrown while taking an item stops the pass there, before later batches' errors.
        let (taken, _, error) = Self.pass(count: 30, size: size, failing: [25], takeFailsAt: 9)
        #expect(error == Failure(item: -9))
        #expect(taken == Array(0..<9))
    }

    /// Reads running and finished, counted from the background threads.
    final class Reads: @unchecked Sendable {
        private let lock = NSLock()
        private var running = 0
        private var finished = 0

        func change(running: Int, finished: Int = 0) {
            lock.withLock {
                self.running += running
                self.finished += finished
            }
        }

        var counts: (running: Int, finished: Int) { lock.withLock { (running, finished) } }
    }

    @Test("Nothing is read in the background once an error has left")
    func nothingRunsAfterAnError() {
        let reads = Reads()
        var ahead = ReadAhead<Int, Int>(size: 2) { batch in
            reads.change(running: 1)
            defer { reads.change(running: -1, finished: 1) }
            usleep(batch[0] == 2 ? 20_000 : 0)  // the batch read ahead is still running at the error
            if batch[0] == 0 { throw Failure(item: 0) }
            return batch
        }
        var thrown: (any Error)?
        do {
            for item in 0..<10 { try ahead.append(item) { _, _ in } }
            try ahead.finish { _, _ in }
        } catch {
            thrown = error
        }
        #expect(thrown as? Failure == Failure(item: 0))
        #expect(reads.counts.running == 0)
        #expect(reads.counts.finished == 2)
    }
}
