import Foundation
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// A small, fast, seedable generator (SplitMix64). Its sequence depends only on the seed, on
/// every platform and Swift version, so a failing case can be replayed from its seed and index.
struct SplitMix64: RandomNumberGenerator {
    private var state: UInt64

    init(seed: UInt64) { state = seed }

    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var value = state
        value = (value ^ (value >> 30)) &* 0xBF58_476D_1CE4_E5B9
        value = (value ^ (value >> 27)) &* 0x94D0_49BB_1331_11EB
        return value ^ (value >> 31)
    }

    /// A number in `0..<count` (`count` > 0). Not `Int.random(in:)`: its algorithm is not promised
    /// to stay the same across Swift versions, and replays must.
    mutating func below(_ count: Int) -> Int { Int(next() % UInt64(count)) }

    mutating func chance(percent: Int) -> Bool { below(100) < percent }

    mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }

    /// The generator of one case: depends on the run's seed, the reader and the case index only.
    static func forCase(seed: UInt64, target: String, index: Int) -> SplitMix64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325  // FNV-1a of the target name
        for byte in target.utf8 { hash = (hash ^ UInt64(byte)) &* 0x0000_0100_0000_01B3 }
        var generator = SplitMix64(seed: seed ^ hash ^ (UInt64(index) &* 0xD1B5_4A32_D192_ED03))
        _ = generator.next()
        return generator
    }
}

/// How many cases run, from which seed, and the time bound of one case. The defaults keep the
/// whole fuzz suite under a minute in the debug build; the environment makes a long run or a replay:
///
/// - `FACTURATION_FUZZ_CASES=200000`: cases per reader (default ``defaultCases``);
/// - `FACTURATION_FUZZ_SEED=12345`: the seed (decimal or 0x-hex; default ``defaultSeed``);
/// - `FACTURATION_FUZZ_REPLAY=clockify-csv:1234`: runs that one case only (with the same seed);
/// - `FACTURATION_FUZZ_CASE_SECONDS=5`: a case that takes longer is reported as a hang.
struct FuzzSettings: Sendable {
    static let defaultSeed: UInt64 = 20_251_204
    static let defaultCases = 1_000

    var seed: UInt64
    var cases: Int
    var replay: (target: String, index: Int)?
    var caseSeconds: Double

    static let current: FuzzSettings = {
        let environment = ProcessInfo.processInfo.environment
        var settings = FuzzSettings(seed: defaultSeed, cases: defaultCases, replay: nil, caseSeconds: 5)
        if let text = environment["FACTURATION_FUZZ_SEED"] {
            let parsed = text.hasPrefix("0x") ? UInt64(text.dropFirst(2), radix: 16) : UInt64(text)
            settings.seed = parsed ?? defaultSeed
        }
        if let text = environment["FACTURATION_FUZZ_CASES"], let cases = Int(text), cases >= 0 {
            settings.cases = cases
        }
        if let text = environment["FACTURATION_FUZZ_CASE_SECONDS"], let seconds = Double(text), seconds > 0 {
            settings.caseSeconds = seconds
        }
        if let text = environment["FACTURATION_FUZZ_REPLAY"], let colon = text.lastIndex(of: ":"),
            let index = Int(text[text.index(after: colon)...])
        {
            settings.replay = (String(text[..<colon]), index)
        }
        return settings
    }()

    /// The case indexes to run for a target.
    func indexes(for target: String) -> [Int] {
        if let replay { return replay.target == target ? [replay.index] : [] }
        return Array(0..<cases)
    }

    func replayHint(target: String, index: Int) -> String {
        "replay: FACTURATION_FUZZ_SEED=\(seed) FACTURATION_FUZZ_REPLAY=\(target):\(index) "
            + "swift test --skip-build --filter ReaderFuzzTests"
    }
}

/// What a reader said about one input. Anything else (a thrown error that is not a rejection,
/// a trap, a hang) is a bug.
enum FuzzVerdict: Sendable {
    case accepted
    case rejected(reason: String)
}

/// One reader under test: how to read an input, and what to start from.
struct FuzzTarget: Sendable {
    let name: String
    /// Valid (or nearly valid) inputs that mutations start from.
    let seeds: [[UInt8]]
    /// Tokens that mean something to this reader (header names, keys, dates, amounts…).
    let dictionary: [[UInt8]]
    /// Reads one input; throws only for what is a bug.
    let read: @Sendable ([UInt8]) throws -> FuzzVerdict
}

/// A case that went wrong.
struct FuzzFailure: Sendable, CustomStringConvertible {
    let target: String
    let index: Int
    let problem: String
    let input: [UInt8]
    let settings: FuzzSettings

    var description: String {
        "\(target) case \(index) (seed \(settings.seed)): \(problem)\n"
            + "input (\(input.count) bytes): \(FuzzFailure.preview(input))\n"
            + settings.replayHint(target: target, index: index)
    }

    /// The description, after saving the whole input in the temporary folder (to pin it in a test).
    func savedDescription() -> String {
        let saved = FuzzFailure.save(input, name: "facturation-fuzz-\(target)-\(settings.seed)-\(index).bin")
        return description.replacingOccurrences(
            of: "input (\(input.count) bytes)",
            with: "input (\(input.count) bytes, saved as \(saved))")
    }

    /// The first bytes, printable, with everything else escaped.
    static func preview(_ bytes: [UInt8], limit: Int = 300) -> String {
        var text = ""
        for byte in bytes.prefix(limit) {
            switch byte {
            case 0x0A: text += "\\n"
            case 0x0D: text += "\\r"
            case 0x09: text += "\\t"
            case 0x5C: text += "\\\\"
            case 0x20..<0x7F: text.append(Character(Unicode.Scalar(byte)))
            default: text += "\\x" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)
            }
        }
        return "\"" + text + "\"" + (bytes.count > limit ? "…" : "")
    }

    private static func save(_ bytes: [UInt8], name: String) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent(name).path
        return FileManager.default.createFile(atPath: path, contents: Data(bytes)) ? path : "(could not be saved)"
    }
}

extension String {
    fileprivate func leftPadded(to width: Int) -> String {
        count >= width ? self : String(repeating: "0", count: width - count) + self
    }
}

/// Runs the cases of one target on a thread of its own, with the main thread's stack size (8 MiB)
/// and an alternate signal stack, under a watchdog:
///
/// - a case must end with ``FuzzVerdict/accepted`` or a rejection with a non-empty reason;
/// - a case that runs longer than the time bound is reported as a hang with its seed and index,
///   and the thread is abandoned (the test process ends it);
/// - a trap (overflow, bounds, force unwrap) or a stack overflow kills the test process: the
///   signal handler first prints the case being run, so it can be replayed.
final class FuzzRunner: @unchecked Sendable {
    private let lock = NSLock()
    private var current: (index: Int, started: ContinuousClock.Instant)?
    private var failures: [FuzzFailure] = []
    private var finished = false
    private var completed = 0
    private var accepted = 0
    private var slowest: (index: Int, duration: Duration) = (-1, .zero)

    /// Stops after this many failures of one target: they usually share a cause.
    static let maxFailures = 5

    /// Cases run, of which accepted (the rest were rejected, or failed), and the failures.
    struct Result {
        var completed: Int
        var accepted: Int
        var failures: [FuzzFailure]
        /// The case that took longest, and how long.
        var slowest: (index: Int, duration: Duration)
    }

    static func run(_ target: FuzzTarget, settings: FuzzSettings = .current) -> Result {
        let runner = FuzzRunner()
        let done = DispatchSemaphore(value: 0)
        let indexes = settings.indexes(for: target.name)
        let thread = Thread {
            CrashLabel.installHandlers()
            runner.work(target, indexes: indexes, settings: settings)
            done.signal()
        }
        thread.stackSize = 8 << 20
        thread.name = "fuzz-\(target.name)"
        thread.start()
        while done.wait(timeout: .now() + .milliseconds(250)) == .timedOut {
            if let hang = runner.hang(target, settings: settings) {
                var result = runner.result
                result.failures.append(hang)
                return result
            }
        }
        return runner.result
    }

    private var result: Result {
        lock.withLock { Result(completed: completed, accepted: accepted, failures: failures, slowest: slowest) }
    }

    private func work(_ target: FuzzTarget, indexes: [Int], settings: FuzzSettings) {
        let clock = ContinuousClock()
        for index in indexes {
            var generator = SplitMix64.forCase(seed: settings.seed, target: target.name, index: index)
            let input = FuzzInput.make(target, using: &generator)
            if settings.replay != nil {
                // Replaying one case: show it before running it (it may crash the process).
                print(
                    FuzzFailure(
                        target: target.name, index: index, problem: "replayed", input: input, settings: settings
                    )
                    .savedDescription())
            }
            CrashLabel.set(
                "\n*** fuzz case that crashed: \(target.name) case \(index) (seed \(settings.seed)); "
                    + settings.replayHint(target: target.name, index: index) + "\n")
            let started = clock.now
            lock.withLock { current = (index, started) }
            var problem: String?
            var wasAccepted = false
            do {
                switch try target.read(input) {
                case .accepted: wasAccepted = true
                case .rejected(let reason):
                    problem =
                        reason.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty
                        ? "rejected without a reason" : nil
                }
            } catch {
                problem = "threw \(type(of: error)) instead of a rejection: \(error)"
            }
            let elapsed = clock.now - started
            let tooSlow = elapsed > .milliseconds(Int64(settings.caseSeconds * 1000))
            let stop: Bool = lock.withLock {
                current = nil
                completed += 1
                if wasAccepted { accepted += 1 }
                if elapsed > slowest.duration { slowest = (index, elapsed) }
                if let problem {
                    failures.append(
                        FuzzFailure(
                            target: target.name, index: index, problem: problem, input: input,
                            settings: settings))
                } else if tooSlow {
                    failures.append(
                        FuzzFailure(
                            target: target.name, index: index,
                            problem: "took \(elapsed) (bound: \(settings.caseSeconds) s)",
                            input: input, settings: settings))
                }
                return finished || failures.count >= Self.maxFailures
            }
            if stop { break }
        }
        CrashLabel.set("")
    }

    /// A failure when the case being run has passed the time bound (the thread is then left to itself).
    private func hang(_ target: FuzzTarget, settings: FuzzSettings) -> FuzzFailure? {
        lock.withLock {
            guard let current, ContinuousClock.now - current.started > .milliseconds(Int64(settings.caseSeconds * 1000))
            else { return nil }
            finished = true
            var generator = SplitMix64.forCase(seed: settings.seed, target: target.name, index: current.index)
            return FuzzFailure(
                target: target.name, index: current.index,
                problem: "still running after \(settings.caseSeconds) s (a hang?)",
                input: FuzzInput.make(target, using: &generator), settings: settings)
        }
    }
}

/// The case being run, kept in a fixed C buffer so that a signal handler can print it: a trap
/// in a reader kills the test process, and this says which input to replay.
enum CrashLabel {
    private static let capacity = 1024
    nonisolated(unsafe) private static let buffer = UnsafeMutablePointer<CChar>.allocate(capacity: capacity)
    nonisolated(unsafe) private static var length = 0
    nonisolated(unsafe) private static let previous = UnsafeMutablePointer<sigaction>.allocate(capacity: 65)
    nonisolated(unsafe) private static var installed = false
    private static let installLock = NSLock()
    private static let signals: [Int32] = [SIGILL, SIGTRAP, SIGSEGV, SIGBUS, SIGFPE, SIGABRT]

    static func set(_ text: String) {
        let bytes = Array(text.utf8.prefix(capacity))
        length = 0
        for (offset, byte) in bytes.enumerated() { buffer[offset] = CChar(bitPattern: byte) }
        length = bytes.count
    }

    /// Installs the handlers once, and an alternate signal stack on the calling thread (a stack
    /// overflow cannot run its handler on the overflowed stack).
    static func installHandlers() {
        var alternate = stack_t()
        alternate.ss_sp = UnsafeMutableRawPointer.allocate(byteCount: 1 << 16, alignment: 16)
        alternate.ss_size = 1 << 16
        alternate.ss_flags = 0
        sigaltstack(&alternate, nil)
        installLock.withLock {
            guard !installed else { return }
            installed = true
            for signal in signals {
                var action = sigaction()
                action.__sigaction_handler = .init(sa_handler: crashHandler)
                action.sa_flags = Int32(SA_ONSTACK)
                sigemptyset(&action.sa_mask)
                sigaction(signal, &action, previous + Int(signal))
            }
        }
    }

    /// Prints the label, puts the previous handler back (the runtime's backtracer, or the default)
    /// and lets the fault happen again under it.
    private static let crashHandler: @convention(c) (Int32) -> Void = { signal in
        if CrashLabel.length > 0 { _ = write(2, CrashLabel.buffer, CrashLabel.length) }
        sigaction(signal, CrashLabel.previous + Int(signal), nil)
        if signal == SIGABRT || signal == SIGTRAP { raise(signal) }
    }
}
