import Foundation

/// Why this exists: files of 4 MB or more are parsed on a second thread (libcsv on one core, the
/// converter on the other). The parsing thread fills batches and the converting thread empties
/// them; a fixed pool of batches bounds memory whatever the file size, and batches reach the
/// consumer in the order they were filled. One lock and one condition: the hand-off happens once
/// per batch (thousands of rows), never per row.
///
/// Invariants (CSVBatchTests): every batch is in exactly one of the free pool, the ready queue or
/// a thread's hands; after ``cancel()`` the producer gets no more free batches, so it stops at its
/// next hand-off; ``waitUntilProducerStops()`` returns only once the producer touches nothing shared.
/// The hand-off between the parsing thread and the converting thread: a bounded queue of
/// filled batches and a pool of free ones (so memory stays bounded whatever the file size).
final class BatchPipe: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [CSVBatch] = []
    private var free: [CSVBatch]
    private var finished = false
    private var cancelled = false
    private var producerStopped = false
    private(set) var producerError: (any Error)?

    init(batches: [CSVBatch]) { free = batches }

    /// Producer: a batch to fill next, waiting for one; nil once the consumer cancelled.
    func freeBatch() -> CSVBatch? {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty && !cancelled { condition.wait() }
        return cancelled ? nil : free.removeLast()
    }

    /// Producer: a filled batch, ready for the consumer.
    func send(_ batch: CSVBatch) {
        condition.lock()
        ready.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    /// Producer: no more batches (with the error that stopped it, if any).
    func finish(error: (any Error)?) {
        condition.lock()
        finished = true
        producerStopped = true
        producerError = error
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: the next filled batch in order, or nil when the producer finished.
    func next() -> CSVBatch? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished { condition.wait() }
        return ready.isEmpty ? nil : ready.removeFirst()
    }

    /// Consumer: a batch it is done with.
    func recycle(_ batch: CSVBatch) {
        condition.lock()
        free.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: stop the producer (it exits at its next hand-off).
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: waits until the producer thread has stopped touching the reader.
    func waitUntilProducerStops() {
        condition.lock()
        while !producerStopped { condition.wait() }
        condition.unlock()
    }
}

/// Moves a non-Sendable value into another thread when the code guarantees exclusive use.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
