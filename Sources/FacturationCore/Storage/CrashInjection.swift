import CSupport
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Test seam that kills the process with SIGKILL right after the n-th durable storage step.
///
/// Set `FACTURATION_CRASH_AFTER=n` to enable it; set `FACTURATION_CRASH_TRACE=1` to print each
/// step to stderr. The kill-and-restart test uses it to crash a real run at every step in turn.
package enum CrashInjection {
    private static let state = Mutex<(count: Int, limit: Int?, trace: Bool)>(
        (
            0, getenv("FACTURATION_CRASH_AFTER").flatMap { Int(String(cString: $0)) },
            getenv("FACTURATION_CRASH_TRACE") != nil
        )
    )

    /// Records that a durable step completed; kills the process if it is the configured one.
    static func step(_ label: @autoclosure () -> String) {
        let (count, limit, trace) = state.withLock { state -> (Int, Int?, Bool) in
            state.count += 1
            return (state.count, state.limit, state.trace)
        }
        if trace {
            StandardStreams.err("crash-point \(count): \(label())\n")
        }
        if let limit, count >= limit {
            fct_kill_self()
        }
    }

    /// Number of durable steps taken so far by this process.
    package static var stepsTaken: Int { state.withLock { $0.count } }
}

/// Test seam that holds a run at a named point, so a test can act at that exact moment (for
/// example append to a claimed file, like a producer that has not finished).
///
/// `FACTURATION_TEST_PAUSE=<point>:<gate>`: on reaching `<point>` the run creates `<gate>.waiting`
/// and waits until `<gate>` exists (at most 60 s), then goes on. Unset, it costs one comparison.
package enum TestPause {
    private static let setting: (point: String, gate: String)? = {
        guard let raw = getenv("FACTURATION_TEST_PAUSE").map({ String(cString: $0) }),
            let colon = raw.firstIndex(of: ":")
        else { return nil }
        return (String(raw[..<colon]), String(raw[raw.index(after: colon)...]))
    }()

    static func point(_ name: String) {
        guard let setting, setting.point == name else { return }
        let waiting = open(setting.gate + ".waiting", O_WRONLY | O_CREAT | O_CLOEXEC, 0o644)
        if waiting >= 0 { close(waiting) }
        for _ in 0..<6_000 where access(setting.gate, F_OK) != 0 {
            Sleep.seconds(0.01)
        }
    }
}
