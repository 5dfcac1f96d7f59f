import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Set when SIGTERM or SIGINT arrives, so that `watch` can stop cleanly between files.
enum SignalFlag {
    private static let raised = Atomic<Bool>(false)

    /// True once a stop signal was received.
    static var isRaised: Bool { raised.load(ordering: .relaxed) }

    /// Installs the handlers (the first signal asks to stop; a second one stops at once).
    static func install() {
        let handler: @convention(c) (Int32) -> Void = { signal in
            if SignalFlag.raised.exchange(true, ordering: .relaxed) {
                _exit(128 + signal)
            }
        }
        signal(SIGTERM, handler)
        signal(SIGINT, handler)
        // A parent may have started us with these signals blocked (the mask is inherited).
        var unblock = sigset_t()
        sigemptyset(&unblock)
        sigaddset(&unblock, SIGTERM)
        sigaddset(&unblock, SIGINT)
        sigprocmask(SIG_UNBLOCK, &unblock, nil)
    }
}
