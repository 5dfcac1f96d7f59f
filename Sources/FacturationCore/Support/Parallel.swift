import Dispatch
import Foundation

/// Small helpers to spread pure work over the machine's cores.
enum Parallel {
    /// Cores this process may use (at least 1, at most 16).
    static let cores = max(1, min(16, ProcessInfo.processInfo.activeProcessorCount))

    /// `body(0)…body(count - 1)` run concurrently (GCD, one thread per core at most); the results
    /// come back in index order. `body` must only read shared state.
    static func map<T>(_ count: Int, _ body: (Int) -> T) -> [T] {
        let slots = UnsafeMutableBufferPointer<T?>.allocate(capacity: count)
        slots.initialize(repeating: nil)
        defer {
            slots.deinitialize()
            slots.deallocate()
        }
        withoutActuallyEscaping(body) { body in
            let work = UncheckedBox((slots, body))
            DispatchQueue.concurrentPerform(iterations: count) { index in
                let (slots, body) = work.value
                slots[index] = body(index)
            }
        }
        return slots.map { $0! }
    }
}

/// A value computed on a background thread (GCD) while the caller does something else; ``wait()``
/// gives it. It must be waited for before what `work` reads is released: a caller that may leave
/// early waits in a `defer`. `work`, and what it captured, is released before ``wait()`` returns
/// (a value it captured is then uniquely referenced again: changing it copies nothing).
final class Pending<Value>: @unchecked Sendable {
    private let group = DispatchGroup()
    /// Set until the background thread has run it; read and written by that thread only.
    private var work: (() -> Value)?
    /// Written by the background thread before it leaves `group`, read after `group.wait()`.
    private var value: Value?

    init(_ work: @escaping () -> Value) {
        self.work = work
        group.enter()
        DispatchQueue.global().async { [self] in
            value = self.work!()
            self.work = nil
            group.leave()
        }
    }

    /// Waits until the value is computed and gives it (the same one each time).
    func wait() -> Value {
        group.wait()
        return value!
    }
}
