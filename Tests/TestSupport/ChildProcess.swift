import CTestSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A process a test runs (the binary, a checking tool, a server), started with `posix_spawn` as
/// cron or systemd would start the binary, its output drained on other threads while it runs, its
/// exit awaited with a deadline counted from its own start.
///
/// Why a deadline here and not Swift Testing's `.timeLimit`: the trait's clock starts when the
/// test is scheduled, and on a 2-core machine a synchronous test can wait minutes for a thread
/// while the long tests run: the CI of 3023b98 failed `SMTPTransportTests` "after 606 s" (120 s
/// allowed) for a test whose own work takes about a second. Nor can the trait stop a synchronous
/// test that hangs: the run then waits for it forever. A deadline on the wait does both right:
/// it counts only the child's time (from its start), and past it the child and its own children
/// are stopped and the test fails saying so.
///
/// Why not Foundation's `Process`: a child inherits the signal mask of the thread that starts it,
/// and a test runs on a libdispatch worker thread, which blocks nearly every signal (SIGTERM,
/// SIGINT, SIGHUP, SIGPIPE, SIGCHLD): started by `Process`, the binary under test ignored SIGTERM
/// (a stop took the whole grace and a SIGKILL) and never saw a SIGPIPE, unlike under cron.
/// `posix_spawn` sets the child's mask (empty) and signal actions (default) itself. And
/// `Process.run()` of Swift 6.3.1 lists `/proc/self/fd` with a copy that can read past glibc's
/// buffer: it crashed a test run (SIGSEGV in `findMaximumOpenFromProcSelfFD`, fixed upstream in
/// August 2026); here the child closes every inherited descriptor above 2 with `closefrom`.
package final class ChildProcess: @unchecked Sendable {
    /// Where the child's output goes.
    package enum Output {
        /// stdout and stderr each to a pipe, read into ``Result/stdout`` and ``Result/stderr``.
        case pipes
        /// Both to one pipe, read into ``Result/stdout`` (in the order written).
        case merged
        /// Both to a file (a server's log).
        case file(URL)
        /// Neither kept.
        case discarded
    }

    /// How the child ended, and what it wrote.
    package struct Result {
        /// The exit status, or the number of the signal that ended the child (`killedBySignal`).
        package var status: Int32
        package var killedBySignal: Bool
        package var stdout: String
        package var stderr: String
        /// The child did not exit within its time limit: the test stopped it.
        package var timedOut: Bool
    }

    /// The time limit of a child when the caller gives none: longer than any run of the tests takes
    /// on a loaded 2-core machine, short enough that a hang fails the test instead of the CI job.
    package static let defaultLimit: Duration = .seconds(600)
    /// After a SIGTERM, how long the child has to exit before a SIGKILL.
    package static let grace: Duration = .seconds(5)

    private let executable: String
    private let arguments: [String]
    private let environment: [String: String]
    private let directory: String?
    private let output: Output
    private let exited = DispatchSemaphore(value: 0)
    private let drained = DispatchGroup()
    private let lock = NSLock()
    private var outData = Data(), errData = Data()
    private var ending: (status: Int32, bySignal: Bool)?
    /// Why the exit status could not be read (`waitid`/`waitpid` failed), if it could not.
    private var reapFailure: String?
    private var started = ContinuousClock.now
    /// The child's process id once started.
    package private(set) var pid: pid_t = 0

    /// A child of the program at `executable` (an absolute path) with `arguments`, in `directory`
    /// (default: the test's); `environment` replaces the test process's own when given.
    package init(
        _ executable: String, _ arguments: [String], environment: [String: String]? = nil, directory: String? = nil,
        output: Output = .pipes
    ) {
        self.executable = executable
        self.arguments = arguments
        self.environment = environment ?? ProcessInfo.processInfo.environment
        self.directory = directory
        self.output = output
    }

    /// Whether the child has been started and has not exited yet.
    package var isRunning: Bool { lock.withLock { pid != 0 && ending == nil } }

    /// Starts the child, the thread that waits for its exit and those that read its pipes (a
    /// chatty child never blocks on a full one).
    package func start() throws {
        precondition(pid == 0, "a ChildProcess starts once")
        let streams = try ChildStreams(output)
        defer { streams.closeChildEnds() }
        let (code, spawned) = spawn(streams)
        guard code == 0 else {
            streams.closeParentEnds()
            throw ChildProcessError(message: "posix_spawn \(executable): \(String(cString: strerror(code)))")
        }
        lock.withLock {
            pid = spawned
            started = .now
        }
        Thread.detachNewThread { [self] in awaitExit(of: spawned) }
        if let out = streams.parentOut { drain(out) { $0.outData.append($1) } }
        if let err = streams.parentErr { drain(err) { $0.errData.append($1) } }
    }

    /// `posix_spawn` with the file actions (the streams, the folder, every other descriptor
    /// closed) and attributes (an empty signal mask, default actions, a process group of its own,
    /// as `Process` did): 0 and the child's id, or the error number.
    private func spawn(_ streams: ChildStreams) -> (code: Int32, pid: pid_t) {
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        streams.addActions(&actions)
        if let directory { fct_test_spawn_add_chdir(&actions, directory) }
        fct_test_spawn_add_closefrom(&actions, 3)

        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        var none = sigset_t(), usual = sigset_t()
        sigemptyset(&none)
        sigemptyset(&usual)
        for number in 1..<32 where number != SIGKILL && number != SIGSTOP { sigaddset(&usual, Int32(number)) }
        posix_spawnattr_setsigmask(&attributes, &none)
        posix_spawnattr_setsigdefault(&attributes, &usual)
        posix_spawnattr_setpgroup(&attributes, 0)
        posix_spawnattr_setflags(
            &attributes, Int16(POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF | POSIX_SPAWN_SETPGROUP))

        let argv = CStringArray([executable] + arguments)
        let envp = CStringArray(environment.map { "\($0.key)=\($0.value)" })
        var child: pid_t = 0
        let code = withExtendedLifetime((argv, envp)) {
            posix_spawn(&child, executable, &actions, &attributes, argv.pointers, envp.pointers)
        }
        return (code, child)
    }

    /// On its own thread: waits until the child ends (nothing else in the tests reaps it), then
    /// reaps it under the lock, so that ``signal(_:)`` never reaches another process that got its
    /// id meanwhile.
    private func awaitExit(of child: pid_t) {
        var info = siginfo_t()
        var waited: Int32
        repeat { waited = waitid(P_PID, id_t(child), &info, WEXITED | WNOWAIT) } while waited == -1 && errno == EINTR
        lock.withLock {
            var status: Int32 = 0
            var reaped: pid_t
            repeat { reaped = waitpid(child, &status, 0) } while reaped == -1 && errno == EINTR
            if waited == -1 || reaped == -1 {
                // Someone else reaped it (SIGCHLD ignored, another waitpid): no status to trust.
                reapFailure = "waitpid: \(String(cString: strerror(errno)))"
                ending = (-1, false)
            } else {
                let signal = status & 0x7F
                ending = signal == 0 ? ((status >> 8) & 0xFF, false) : (signal, true)
            }
        }
        exited.signal()
    }

    /// Reads `descriptor` to its end on a thread of its own (not a shared queue's, which may start
    /// it late while the child blocks on a full pipe), keeping each chunk as it comes, then closes it.
    private func drain(_ descriptor: Int32, into keep: @escaping @Sendable (ChildProcess, Data) -> Void) {
        drained.enter()
        Thread.detachNewThread { [self] in
            var chunk = [UInt8](repeating: 0, count: 64 << 10)
            while true {
                let count = chunk.withUnsafeMutableBytes { read(descriptor, $0.baseAddress, $0.count) }
                if count < 0, errno == EINTR { continue }
                if count <= 0 { break }
                lock.withLock { keep(self, Data(chunk[..<count])) }
            }
            close(descriptor)
            drained.leave()
        }
    }

    /// Waits for the child to exit, at most `limit` after its start; past it, stops the child
    /// (SIGTERM, then SIGKILL after ``grace``, to its process group) and says so in the result.
    package func wait(within limit: Duration = ChildProcess.defaultLimit) -> Result {
        precondition(pid != 0, "wait() before start()")
        let inTime = waitForExit(limit - lock.withLock { ContinuousClock.now - started })
        if !inTime { stop() }
        // A child of the child may still hold a pipe open: what was read by then is kept.
        let allRead = drained.wait(timeout: .now() + (inTime ? 60 : 10)) == .success
        return lock.withLock {
            var stderr = String(decoding: errData, as: UTF8.self)
            let name = (executable as NSString).lastPathComponent
            if !inTime { stderr += "\n[test] \(name) did not exit within \(limit): stopped by the test\n" }
            if !allRead { stderr += "\n[test] \(name)'s output was still open after its exit: read so far\n" }
            if let reapFailure { stderr += "\n[test] \(name)'s exit status is unknown (\(reapFailure))\n" }
            let ending = ending ?? (0, false)
            return Result(
                status: ending.status, killedBySignal: ending.bySignal,
                stdout: String(decoding: outData, as: UTF8.self), stderr: stderr, timedOut: !inTime)
        }
    }

    /// Runs the child to its end (``start()`` then ``wait(within:)``).
    package func run(within limit: Duration = ChildProcess.defaultLimit) throws -> Result {
        try start()
        return wait(within: limit)
    }

    /// Sends SIGTERM to a running child (as systemd stops a service).
    package func terminate() { signal(SIGTERM) }

    /// Sends `number` to the child and its own children (its process group), unless it has exited:
    /// until it is reaped (under the same lock) its process id cannot be another's.
    package func signal(_ number: Int32) {
        lock.withLock { if pid != 0, ending == nil { _ = kill(-pid, number) } }
    }

    /// Stops a running child: SIGTERM, then SIGKILL if it has not exited within ``grace``; returns
    /// once it has exited. Nothing when it has already.
    package func stop() {
        guard isRunning else { return }
        terminate()
        if waitForExit(Self.grace) { return }
        signal(SIGKILL)
        // A SIGKILL cannot be caught or ignored: the wait ends.
        exited.wait()
        exited.signal()
    }

    /// True once the child has exited (now or before), false after `limit`. The semaphore is
    /// signalled again so that every later wait sees the exit too.
    private func waitForExit(_ limit: Duration) -> Bool {
        let limit = max(limit, .zero)
        let nanoseconds = limit.components.seconds * 1_000_000_000 + limit.components.attoseconds / 1_000_000_000
        guard exited.wait(timeout: .now() + .nanoseconds(Int(nanoseconds))) == .success else { return false }
        exited.signal()
        return true
    }
}

package struct ChildProcessError: Error, CustomStringConvertible {
    package let message: String
    package var description: String { message }
}

/// The descriptors of a child's stdin (`/dev/null`), stdout and stderr: the child's ends, given
/// by the spawn's file actions, and the parent's read ends of the pipes. Every one is opened
/// close-on-exec, so that no other child started meanwhile inherits it (a pipe whose write end
/// another child holds would never end).
private struct ChildStreams {
    private(set) var parentOut: Int32?
    private(set) var parentErr: Int32?
    private var childOut: Int32 = -1
    private var childErr: Int32 = -1

    init(_ output: ChildProcess.Output) throws {
        switch output {
        case .pipes:
            let out = try Self.pipe()
            do {
                (parentErr, childErr) = try Self.pipe()
            } catch {
                close(out.read)
                close(out.write)
                throw error
            }
            (parentOut, childOut) = out
        case .merged:
            (parentOut, childOut) = try Self.pipe()
            childErr = childOut
        case .file(let url):
            childOut = open(url.path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard childOut >= 0 else { throw ChildProcessError(message: "open \(url.path): \(Self.lastError)") }
            childErr = childOut
        case .discarded:
            break
        }
    }

    private static func pipe() throws -> (read: Int32, write: Int32) {
        var ends: [Int32] = [-1, -1]
        guard fct_test_pipe_cloexec(&ends) == 0 else { throw ChildProcessError(message: "pipe2: \(lastError)") }
        return (ends[0], ends[1])
    }

    private static var lastError: String { String(cString: strerror(errno)) }

    /// stdout and stderr to the child's ends (`dup2` clears their close-on-exec flag in the
    /// child), or to `/dev/null`; then stdin from `/dev/null` (last: a child end may be
    /// descriptor 0 when the test process was started with stdin closed).
    func addActions(_ actions: inout posix_spawn_file_actions_t) {
        if childOut >= 0 {
            posix_spawn_file_actions_adddup2(&actions, childOut, 1)
            posix_spawn_file_actions_adddup2(&actions, childErr, 2)
        } else {
            posix_spawn_file_actions_addopen(&actions, 1, "/dev/null", O_WRONLY, 0)
            posix_spawn_file_actions_adddup2(&actions, 1, 2)
        }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
    }

    /// After the spawn: the child holds its ends now (the parent's read ends then see the end of
    /// file when the child, and any child of its own, has exited).
    func closeChildEnds() {
        if childOut >= 0 { close(childOut) }
        if childErr >= 0, childErr != childOut { close(childErr) }
    }

    /// After a failed spawn.
    func closeParentEnds() {
        if let parentOut { close(parentOut) }
        if let parentErr { close(parentErr) }
    }
}

/// A NULL-terminated array of C strings (`argv`, `envp`), freed with the value.
private final class CStringArray {
    let pointers: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>
    private let count: Int

    init(_ strings: [String]) {
        count = strings.count
        pointers = .allocate(capacity: count + 1)
        for (index, string) in strings.enumerated() { pointers[index] = strdup(string) }
        pointers[count] = nil
    }

    deinit {
        for index in 0..<count { free(pointers[index]) }
        pointers.deallocate()
    }
}
