import Foundation

/// Work spread over threads of its own whose results are used in order, on the calling thread,
/// each as soon as it and those before it are ready: no thread waits for a whole batch.
///
/// Why (fenced performance code, issue #9): the Clockify conversion in pieces converted a window
/// of four pieces at once (``Parallel/map(_:_:)``) and handed them on while the next window was
/// converted; at the end of every window a core waited for the other's last piece, so from the
/// time the input's digest was done (the thread that had filled those gaps) about a fifth of a
/// core stayed idle through the rest of the conversion of the 1 GB `run`.
///
/// Invariants (`OrderedWorkTests`): each index is produced at most once and consumed in
/// increasing order, on the calling thread; an index is taken only while fewer than `ahead`
/// taken ones are not yet consumed (which bounds the memory of results waiting their turn); once
/// `consume` returns false or throws, no index is taken any more, and the threads have all
/// returned before ``run(count:threads:ahead:produce:consume:)`` does (a result produced but not
/// consumed is dropped; nothing touches `produce` after).
enum OrderedWork {
    /// Produces `produce(0)…produce(count - 1)` on `threads` threads and gives each result to
    /// `consume` in index order; true when every result was consumed, false when `consume` said
    /// to stop. `produce` must only read shared state (results carry failures as values).
    static func run<T>(
        count: Int, threads: Int, ahead: Int, produce: (Int) -> T, consume: (Int, T) throws -> Bool
    ) rethrows -> Bool {
        guard count > 0 else { return true }
        let shared = Shared<T>(count: count, ahead: max(1, ahead))
        return try withoutActuallyEscaping(produce) { produce in
            shared.produce = produce
            let group = DispatchGroup()
            for _ in 0..<max(1, min(threads, count)) {
                group.enter()
                let thread = Thread {
                    shared.drain()
                    group.leave()
                }
                thread.stackSize = 1 << 23
                thread.name = "ordered-work"
                thread.start()
            }
            // On every way out: no index is taken any more, and the threads are gone.
            defer {
                shared.stop()
                group.wait()
                shared.produce = nil
            }
            for index in 0..<count {
                guard try consume(index, shared.result(index)) else { return false }
                shared.consumed(through: index)
            }
            return true
        }
    }

    /// The next index to take, the results waiting their turn, and whether to stop.
    private final class Shared<T>: @unchecked Sendable {
        private let condition = NSCondition()
        private let ahead: Int
        private var next = 0
        private var consumedCount = 0
        private var stopped = false
        private var slots: [T?]
        /// The work, set while the threads run.
        var produce: ((Int) -> T)?

        init(count: Int, ahead: Int) {
            slots = Array(repeating: nil, count: count)
            self.ahead = ahead
        }

        /// A thread's loop: takes indices while there are some and room ahead.
        func drain() {
            guard let produce = condition.withLock({ self.produce }) else { return }
            while let index = take() {
                let value = produce(index)
                condition.withLock {
                    slots[index] = value
                    condition.broadcast()
                }
            }
        }

        private func take() -> Int? {
            condition.withLock {
                while !stopped, next < slots.count, next - consumedCount >= ahead { condition.wait() }
                guard !stopped, next < slots.count else { return nil }
                defer { next += 1 }
                return next
            }
        }

        /// Waits for the result of `index` and takes it out.
        func result(_ index: Int) -> T {
            condition.withLock {
                while slots[index] == nil { condition.wait() }
                defer { slots[index] = nil }
                return slots[index]!
            }
        }

        func consumed(through index: Int) {
            condition.withLock {
                consumedCount = index + 1
                condition.broadcast()
            }
        }

        func stop() {
            condition.withLock {
                stopped = true
                condition.broadcast()
            }
        }
    }
}
