#if canImport(Glibc)
import Glibc
#endif

/// Wall-clock time from `CLOCK_MONOTONIC`, in seconds.
enum Monotonic {
    static func now() -> Double {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return Double(spec.tv_sec) + Double(spec.tv_nsec) / 1e9
    }
}
