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
