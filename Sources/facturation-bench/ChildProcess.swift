#if canImport(Glibc)
import Glibc
#endif

/// Runs a program to its end with `posix_spawn` and `wait4`, keeping its wall time and the
/// peak RSS the kernel reports for it.
///
/// The kernel's figure (`ru_maxrss`) can never be lower than this (spawning) process's own peak
/// RSS: see ``ProcessMemory``. The benchmark prints that floor next to the results.
struct ChildProcess {
    struct Outcome {
        /// Exit status, or nil when the child was killed by a signal.
        let exitStatus: Int32?
        let signal: Int32?
        let seconds: Double
        /// User + system CPU time: less sensitive than wall time to other work on the machine.
        let cpuSeconds: Double
        let maxRSSBytes: Int64
    }

    let executable: String
    let arguments: [String]
    /// Where the child's stdout goes (stderr stays the terminal's).
    let standardOutput: String

    func run() throws(BenchError) -> Outcome {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 1, standardOutput, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let argv: [UnsafeMutablePointer<CChar>?] = ([executable] + arguments).map { strdup($0) } + [nil]
        defer { for pointer in argv { free(pointer) } }

        let started = Monotonic.now()
        var pid: pid_t = 0
        let code = posix_spawn(&pid, executable, &actions, nil, argv, environ)
        guard code == 0 else {
            throw BenchError("cannot start \(executable): \(String(cString: strerror(code)))")
        }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 {
            guard errno == EINTR else { throw BenchError("wait4 failed: \(String(cString: strerror(errno)))") }
        }
        let seconds = Monotonic.now() - started
        let signal = status & 0x7F
        return Outcome(
            exitStatus: signal == 0 ? (status >> 8) & 0xFF : nil, signal: signal == 0 ? nil : signal,
            seconds: seconds, cpuSeconds: Self.seconds(usage.ru_utime) + Self.seconds(usage.ru_stime),
            maxRSSBytes: Int64(usage.ru_maxrss) * 1024)
    }

    private static func seconds(_ time: timeval) -> Double { Double(time.tv_sec) + Double(time.tv_usec) / 1e6 }
}
