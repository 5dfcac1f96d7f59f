import Foundation

/// Runs one function on each submitted item, in submission order, on one background thread,
/// so the caller can prepare the next item meanwhile.
///
/// The first failure stops the worker: later items are dropped, never run (an item may depend
/// on the ones before it), and the failure is thrown by the next ``submit(_:)`` or by ``finish()``.
final class BackgroundWorker<Item>: @unchecked Sendable {
    private let condition = NSCondition()
    private var queue: [Item] = []
    private var closed = false
    private var running = true
    private var failure: (any Error)?
    private let limit: Int

    /// Starts the thread; `submit` returns once at most `limit` items wait (bounding memory): with
    /// 1, one item may wait while another runs; with 0, `submit` returns when the thread has taken
    /// its item, so the caller prepares at most one item while the thread runs one.
    init(limit: Int = 1, name: String, work: @escaping (Item) throws -> Void) {
        self.limit = limit
        let box = UncheckedBox(work)
        let thread = Thread { [self] in
            while let item = next() {
                do {
                    try box.value(item)
                } catch {
                    stop(with: error)
                }
            }
        }
        thread.name = name
        thread.stackSize = 1 << 22
        thread.start()
    }

    /// Queues an item; throws the failure that stopped the worker, if any.
    func submit(_ item: Item) throws {
        condition.lock()
        defer { condition.unlock() }
        while queue.count >= max(limit, 1) && failure == nil { condition.wait() }
        if let failure { throw failure }
        queue.append(item)
        condition.broadcast()
        while queue.count > limit && failure == nil { condition.wait() }
        if let failure { throw failure }
    }

    /// Waits until every queued item is done and the thread has stopped; throws the first failure.
    func finish() throws {
        condition.lock()
        defer { condition.unlock() }
        closed = true
        condition.broadcast()
        while running { condition.wait() }
        if let failure { throw failure }
    }

    private func next() -> Item? {
        condition.lock()
        defer { condition.unlock() }
        while queue.isEmpty && !closed && failure == nil { condition.wait() }
        guard failure == nil, !queue.isEmpty else {
            running = false
            condition.broadcast()
            return nil
        }
        let item = queue.removeFirst()
        condition.broadcast()
        return item
    }

    private func stop(with error: any Error) {
        condition.lock()
        defer { condition.unlock() }
        if failure == nil { failure = error }
        queue.removeAll()
        condition.broadcast()
    }
}
