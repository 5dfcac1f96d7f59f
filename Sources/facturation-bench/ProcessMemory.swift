#if canImport(Glibc)
import Glibc
#endif
import Foundation

/// Peak memory of the current process.
///
/// `getrusage`'s `ru_maxrss` (and so `wait4` on a child) is not enough on Linux: at `exec` the
/// kernel folds the *spawner's* high-water mark into the child's, so a child never reports less
/// than its parent's peak. `VmHWM` in `/proc/self/status` belongs to the current address space
/// only, so the measuring children report that.
enum ProcessMemory {
    /// `VmHWM` of this process in bytes, or nil when /proc is not readable.
    static func peakResidentBytes() -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix("VmHWM:") {
            let digits = line.dropFirst("VmHWM:".count).filter(\.isNumber)
            return Int64(digits).map { $0 * 1024 }
        }
        return nil
    }
}
