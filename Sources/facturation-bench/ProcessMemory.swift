import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Peak memory of the current process.
///
/// `getrusage`'s `ru_maxrss` (and so `wait4` on a child) is not enough on Linux: at `exec` the
/// kernel folds the *spawner's* high-water mark into the child's, so a child never reports less
/// than its parent's peak. `VmHWM` in `/proc/self/status` belongs to the current address space
/// only, so the measuring children report that.
enum ProcessMemory {
    /// `VmHWM` of this process in bytes, or nil when /proc is not readable.
    static func peakResidentBytes() -> Int64? { status("VmHWM:") }

    /// `VmRSS`: what the process holds now.
    static func residentBytes() -> Int64? { status("VmRSS:") }

    /// Resets `VmHWM` to the current RSS (`5` written to `/proc/self/clear_refs`, Linux ≥ 4.0), so
    /// that a later peak measures one step, not the generation of its input. False when refused.
    static func resetPeak() -> Bool {
        let fd = open("/proc/self/clear_refs", O_WRONLY)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        return write(fd, "5", 1) == 1
    }

    private static func status(_ key: String) -> Int64? {
        guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8) else { return nil }
        for line in text.split(separator: "\n") where line.hasPrefix(key) {
            let digits = line.dropFirst(key.count).filter(\.isNumber)
            return Int64(digits).map { $0 * 1024 }
        }
        return nil
    }
}
