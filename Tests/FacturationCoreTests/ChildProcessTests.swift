import Foundation
import TestSupport
import Testing

/// ``ChildProcess``, the way every test runs a process: a child that outlives its time limit is
/// stopped and the result says so (the test fails instead of the CI job hanging), one that ignores
/// SIGTERM is killed, output is read whole on both streams whatever their size, and a child starts
/// as cron would start it (no signal blocked or ignored, no descriptor of the test's).
@Suite struct ChildProcessTests {
    @Test func aChildPastItsTimeLimitIsStoppedAndTheResultSaysSo() throws {
        let started = ContinuousClock.now
        let result = try ChildProcess("/bin/sleep", ["300"]).run(within: .seconds(1))
        #expect(result.timedOut && result.killedBySignal && result.status == SIGTERM)
        #expect(
            result.stderr.contains("sleep did not exit within 1.0 seconds: stopped by the test"), "\(result.stderr)")
        #expect(ContinuousClock.now - started < ChildProcess.grace)
    }

    /// The limit counts from the child's start, not from the wait: a wait begun late gives less.
    @Test func theLimitCountsFromTheStart() throws {
        let child = ChildProcess("/bin/sleep", ["300"], output: .discarded)
        try child.start()
        Thread.sleep(forTimeInterval: 1.5)
        let waited = ContinuousClock.now
        let result = child.wait(within: .seconds(1))
        #expect(result.timedOut && ContinuousClock.now - waited < .milliseconds(900))
    }

    /// With SIGTERM blocked and SIGURG ignored in the test (both changed here on purpose, as a
    /// libdispatch worker thread blocks nearly every signal) and a descriptor of the test's left
    /// open across an exec, the child still sees none of them.
    @Test func aChildStartsWithNoSignalBlockedOrIgnoredAndOnlyItsStreams() throws {
        let leaked = open("/dev/null", O_RDONLY)  // no O_CLOEXEC
        defer { close(leaked) }
        var blocked = sigset_t(), previous = sigset_t()
        sigemptyset(&blocked)
        sigaddset(&blocked, SIGTERM)
        pthread_sigmask(SIG_BLOCK, &blocked, &previous)
        let ignoring = signal(SIGURG, SIG_IGN)
        defer {
            signal(SIGURG, ignoring)
            pthread_sigmask(SIG_SETMASK, &previous, nil)
        }
        // Not through a shell: dash clears the signal mask it was given.
        let status = try runTool("/bin/grep", ["-E", "^Sig(Blk|Ign):", "/proc/self/status"], within: .seconds(60))
        let masks = status.output.split(separator: "\n").compactMap {
            UInt64($0.split(separator: "\t").last ?? "", radix: 16)
        }
        // Signals 1 to 31; glibc keeps its own two real-time signals (32, 33) ignored in a child of
        // a threaded process, and refuses to let them be reset.
        #expect(masks.count == 2 && masks.allSatisfy { $0 & 0x7FFF_FFFF == 0 }, "\(status.output)")
        // 0, 1, 2 and the descriptor `ls` reads the folder with.
        let descriptors = try runTool("/bin/ls", ["/proc/self/fd"], within: .seconds(60))
        #expect(descriptors.output.split(separator: "\n") == ["0", "1", "2", "3"], "\(descriptors.output)")
        // A stop needs no SIGKILL: SIGTERM ends a child that keeps its default action.
        let child = ChildProcess("/bin/sleep", ["300"], output: .discarded)
        try child.start()
        child.stop()
        let result = child.wait(within: .seconds(1))
        #expect(result.killedBySignal && result.status == SIGTERM)
    }

    @Test func aChildThatIgnoresSIGTERMIsKilledAfterTheGrace() throws {
        let folder = try SMTPSink.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("log")
        let child = ChildProcess(
            "/bin/sh", ["-c", "trap '' TERM; echo ready; exec sleep 300"], output: .file(log))
        try child.start()
        // Past the trap before the limit runs out, however loaded the machine.
        for _ in 0..<600 where (try? String(contentsOf: log, encoding: .utf8)) != "ready\n" {
            Thread.sleep(forTimeInterval: 0.05)
        }
        let waited = ContinuousClock.now
        let result = child.wait(within: .zero)
        #expect(result.timedOut && result.killedBySignal && result.status == SIGKILL, "status \(result.status)")
        #expect(ContinuousClock.now - waited >= ChildProcess.grace)
        #expect(try String(contentsOf: log, encoding: .utf8) == "ready\n")
    }

    /// A stop reaches the child's own children too: the shell's `sleep` would otherwise keep the
    /// pipe open and run on past the test.
    @Test func aStopReachesTheChildsChildren() throws {
        let started = ContinuousClock.now
        let result = try ChildProcess("/bin/sh", ["-c", "sleep 300; echo never"]).run(within: .seconds(1))
        #expect(result.timedOut && result.stdout.isEmpty)
        #expect(!result.stderr.contains("still open"), "\(result.stderr)")
        #expect(ContinuousClock.now - started < .seconds(8))
    }

    @Test func bothStreamsAreReadWholeWhileTheChildWrites() throws {
        // More than a pipe holds (64 KiB) on each stream, stderr first: a reader that took stdout
        // to its end before stderr would wait forever.
        let script = "head -c 3000000 /dev/zero | tr '\\0' e >&2; head -c 2000000 /dev/zero | tr '\\0' o; exit 3"
        let result = try ChildProcess("/bin/sh", ["-c", script]).run(within: .seconds(60))
        #expect(!result.timedOut && !result.killedBySignal && result.status == 3)
        #expect(result.stdout.utf8.count == 2_000_000 && result.stdout.utf8.allSatisfy { $0 == UInt8(ascii: "o") })
        #expect(result.stderr.utf8.count == 3_000_000 && result.stderr.utf8.allSatisfy { $0 == UInt8(ascii: "e") })
    }

    @Test func quickExitsAreNeverMissed() throws {
        for index in 0..<50 {
            let result = try ChildProcess("/bin/sh", ["-c", "exit \(index % 7)"]).run(within: .seconds(20))
            #expect(!result.timedOut && result.status == Int32(index % 7))
            if result.timedOut { break }
        }
    }

    @Test func theFolderTheEnvironmentAndAFileOutputAreTheChildsOwn() throws {
        let folder = try SMTPSink.temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let log = folder.appendingPathComponent("log")
        let result = try ChildProcess(
            "/bin/sh", ["-c", "pwd; echo \"$ONLY\" \"${HOME:-none}\" >&2"], environment: ["ONLY": "this"],
            directory: folder.path, output: .file(log)
        ).run(within: .seconds(60))
        #expect(result.status == 0 && result.stdout.isEmpty)
        let written = try String(contentsOf: log, encoding: .utf8)
        #expect(written == folder.resolvingSymlinksInPath().path + "\nthis none\n", "\(written)")
    }

    @Test func aProgramThatCannotStartThrowsAndLeavesNoDescriptor() throws {
        let before = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        for _ in 0..<50 {
            #expect(throws: ChildProcessError.self) { try ChildProcess("/nonexistent/program", []).start() }
            #expect(throws: ChildProcessError.self) {
                try ChildProcess("/bin/true", [], directory: "/nonexistent/folder").start()
            }
        }
        // A leak would be 4 descriptors a failure (two pipes), 400 in all; the tests running
        // beside this one open a few meanwhile.
        let after = try FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd").count
        #expect(after < before + 100, "\(before) -> \(after)")
    }

    @Test func stopEndsARunningChildAndIsHarmlessTwiceOrAfterTheExit() throws {
        let child = ChildProcess("/bin/sleep", ["300"], output: .discarded)
        try child.start()
        #expect(child.isRunning)
        child.stop()
        #expect(!child.isRunning)
        child.stop()
        child.signal(SIGKILL)
        let result = child.wait(within: .seconds(1))
        #expect(!result.timedOut && result.killedBySignal && result.status == SIGTERM)
    }
}
