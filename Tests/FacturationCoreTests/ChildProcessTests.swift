import Foundation
import TestSupport
import Testing

/// ``ChildProcess``, the way every test runs a process: a child that outlives its time limit is
/// stopped and the result says so (the test fails instead of the CI job hanging), one that ignores
/// SIGTERM is killed, and output is read whole on both streams whatever their size.
@Suite struct ChildProcessTests {
    @Test func aChildPastItsTimeLimitIsStoppedAndTheResultSaysSo() throws {
        let started = ContinuousClock.now
        let result = try ChildProcess("/bin/sleep", ["300"]).run(within: .seconds(1))
        #expect(result.timedOut && result.killedBySignal && result.status == SIGTERM)
        #expect(
            result.stderr.contains("sleep did not exit within 1.0 seconds: stopped by the test"), "\(result.stderr)")
        #expect(ContinuousClock.now - started < ChildProcess.grace)
    }

    /// As cron or systemd would start it: no signal blocked, none ignored, whatever the test's
    /// own thread blocks (a libdispatch worker blocks nearly all), no descriptor of the test's but
    /// its three streams.
    @Test func aChildStartsWithNoSignalBlockedOrIgnoredAndOnlyItsStreams() throws {
        // Not through a shell: dash clears the signal mask it was given.
        let status = try runTool("/bin/grep", ["-E", "^Sig(Blk|Ign):", "/proc/self/status"])
        let masks = status.output.split(separator: "\n").compactMap {
            UInt64($0.split(separator: "\t").last ?? "", radix: 16)
        }
        // Signals 1 to 31; glibc keeps its own two real-time signals (32, 33) ignored in a child of
        // a threaded process, and refuses to let them be reset.
        #expect(masks.count == 2 && masks.allSatisfy { $0 & 0x7FFF_FFFF == 0 }, "\(status.output)")
        // 0, 1, 2 and the descriptor `ls` reads the folder with.
        let descriptors = try runTool("/bin/ls", ["/proc/self/fd"])
        #expect(descriptors.output.split(separator: "\n") == ["0", "1", "2", "3"], "\(descriptors.output)")
        // A stop needs no SIGKILL: SIGTERM ends a child that keeps its default action.
        let child = ChildProcess("/bin/sleep", ["300"], output: .discarded)
        try child.start()
        child.stop()
        let result = child.wait(within: .seconds(1))
        #expect(result.killedBySignal && result.status == SIGTERM)
    }

    @Test func aChildThatIgnoresSIGTERMIsKilledAfterTheGrace() throws {
        let child = ChildProcess("/bin/sh", ["-c", "trap '' TERM; echo ready; exec sleep 300"])
        try child.start()
        let started = ContinuousClock.now
        let result = child.wait(within: .seconds(1))
        #expect(result.timedOut && result.killedBySignal && result.status == SIGKILL, "status \(result.status)")
        #expect(ContinuousClock.now - started >= ChildProcess.grace)
        #expect(result.stdout == "ready\n")
    }

    @Test func bothStreamsAreReadWholeWhileTheChildWrites() throws {
        // More than a pipe holds (64 KiB) on each stream, stderr first: a reader that took stdout
        // to its end before stderr would wait forever.
        let script = "head -c 3000000 /dev/zero | tr '\\0' e >&2; head -c 2000000 /dev/zero | tr '\\0' o; exit 3"
        let result = try ChildProcess("/bin/sh", ["-c", script]).run()
        #expect(!result.timedOut && !result.killedBySignal && result.status == 3)
        #expect(result.stdout.utf8.count == 2_000_000 && result.stdout.utf8.allSatisfy { $0 == UInt8(ascii: "o") })
        #expect(result.stderr.utf8.count == 3_000_000 && result.stderr.utf8.allSatisfy { $0 == UInt8(ascii: "e") })
    }

    @Test func quickExitsAreNeverMissed() throws {
        for index in 0..<50 {
            let result = try ChildProcess("/bin/sh", ["-c", "exit \(index % 7)"]).run(within: .seconds(60))
            #expect(!result.timedOut && result.status == Int32(index % 7))
        }
    }

    @Test func stopEndsARunningChildAndIsHarmlessTwiceOrAfterTheExit() throws {
        let child = ChildProcess("/bin/sleep", ["300"], output: .discarded)
        try child.start()
        #expect(child.isRunning)
        child.stop()
        #expect(!child.isRunning)
        child.stop()
        let result = child.wait(within: .seconds(1))
        #expect(!result.timedOut && result.killedBySignal)
    }
}
