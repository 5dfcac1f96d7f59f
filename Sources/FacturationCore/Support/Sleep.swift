#if canImport(Glibc)
import Glibc
#endif

/// Blocking sleeps that resume after signals until the whole delay has passed.
package enum Sleep {
    /// Sleeps `seconds` (fractions allowed); returns early only if `interrupt` becomes true
    /// (checked every 100 ms).
    package static func seconds(_ seconds: Double, interrupt: () -> Bool = { false }) {
        var remaining = seconds
        while remaining > 0 {
            if interrupt() { return }
            let step = min(remaining, 0.1)
            var request = timespec(tv_sec: Int(step), tv_nsec: Int((step - Double(Int(step))) * 1_000_000_000))
            var left = timespec()
            while nanosleep(&request, &left) != 0, errno == EINTR { request = left }
            remaining -= step
        }
    }
}
