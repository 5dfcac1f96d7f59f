import Foundation

/// A bounded hand-off between one producer thread and one consumer thread: a fixed pool of free
/// items (buffers) that the producer fills, and a queue of filled ones that the consumer takes in
/// the order they were sent. Memory stays bounded whatever the size of the work.
///
/// Why: the CSV reader parses on one core and converts on the other (``BatchPipe``), and the FEC
/// is encoded on one core and checked on the other (``FECChunkPipe``). One lock and one condition:
/// used once per item (a batch of thousands of rows, a chunk of a MiB), never per row.
///
/// Invariants (`CSVPartsTests`, `FECChunkPipeTests`): every item is in exactly one of the free
/// pool, the ready queue or a thread's hands; after ``cancel()`` the producer gets no more free
/// items, so it stops at its next hand-off; ``waitUntilProducerStops()`` returns only once the
/// producer called ``finish(error:)`` and touches nothing shared.
final class HandOff<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private var ready: [Item] = []
    private var free: [Item]
    private var finished = false
    private var cancelled = false
    private var failure: (any Error)?

    init(items: [Item]) { free = items }

    /// Producer: an item to fill next, waiting for one; nil once the consumer cancelled.
    func freeItem() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while free.isEmpty && !cancelled { condition.wait() }
        return cancelled ? nil : free.removeLast()
    }

    /// Producer: a filled item, ready for the consumer.
    func send(_ item: Item) {
        condition.lock()
        ready.append(item)
        condition.broadcast()
        condition.unlock()
    }

    /// Producer: nothing more comes (with the error that stopped it, if any).
    func finish(error: (any Error)?) {
        condition.lock()
        finished = true
        failure = error
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: the next filled item in order, or nil once the producer finished and every item
    /// sent was taken.
    func next() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while ready.isEmpty && !finished { condition.wait() }
        return ready.isEmpty ? nil : ready.removeFirst()
    }

    /// Consumer: an item it is done with, free to be filled again.
    func recycle(_ item: Item) {
        condition.lock()
        free.append(item)
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: stop the producer (it stops at its next hand-off).
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// Consumer: waits until the producer finished.
    func waitUntilProducerStops() {
        condition.lock()
        while !finished { condition.wait() }
        condition.unlock()
    }

    /// The error the producer finished with, if any (read after ``waitUntilProducerStops()`` or
    /// once ``next()`` returned nil).
    var producerError: (any Error)? {
        condition.lock()
        defer { condition.unlock() }
        return failure
    }
}

/// Moves a non-Sendable value into another thread when the code guarantees exclusive use.
struct UncheckedBox<Value>: @unchecked Sendable {
    let value: Value
    init(_ value: Value) { self.value = value }
}
