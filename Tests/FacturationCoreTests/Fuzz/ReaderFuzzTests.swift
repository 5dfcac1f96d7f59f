import Foundation
import Testing

@testable import FacturationCore

/// Fuzz tests of every reader of user files: random and mutated inputs, each of which must be
/// imported or rejected with a reason, never crash and never hang (see ``FuzzRunner``).
///
/// Deterministic: the cases come from a fixed seed, so a run of `./scripts/test` always tries the
/// same inputs. `FACTURATION_FUZZ_CASES` (cases per reader) and `FACTURATION_FUZZ_SEED` make a long
/// run; a failure prints the `FACTURATION_FUZZ_REPLAY=<reader>:<case>` that runs it alone.
/// Serialized: one reader at a time, so that a crash report names the case being run. No
/// `.timeLimit`: its clock counts the time a test waits for a thread behind the long end-to-end
/// tests (``ChildProcess`` says more); a hang is caught per case by ``FuzzRunner``'s watchdog.
@Suite("Reader fuzz tests", .serialized)
struct ReaderFuzzTests {
    static let csvTokens = FuzzSeeds.tokens(FuzzSeeds.clockifyCSVTokens, FuzzSeeds.qontoCSVTokens)
    static let jsonTokens = FuzzSeeds.tokens(FuzzSeeds.jsonTokens)

    @Test func clockifyCSV() throws {
        try fuzzInbox(
            "clockify-csv", seeds: FuzzSeeds.clockifyCSV, tokens: FuzzSeeds.tokens(FuzzSeeds.clockifyCSVTokens))
    }

    @Test func clockifyJSON() throws {
        try fuzzInbox("clockify-json", seeds: FuzzSeeds.clockifyJSON, tokens: Self.jsonTokens)
    }

    @Test func qontoCSV() throws {
        try fuzzInbox("qonto-csv", seeds: FuzzSeeds.qontoCSV, tokens: FuzzSeeds.tokens(FuzzSeeds.qontoCSVTokens))
    }

    @Test func qontoJSON() throws {
        try fuzzInbox("qonto-json", seeds: FuzzSeeds.qontoJSON, tokens: Self.jsonTokens)
    }

    @Test func camt053() throws {
        try fuzzInbox("camt-053", seeds: FuzzSeeds.camt, tokens: FuzzSeeds.tokens(FuzzSeeds.camtTokens))
    }

    @Test func ofx() throws {
        try fuzzInbox("ofx", seeds: FuzzSeeds.ofx, tokens: FuzzSeeds.tokens(FuzzSeeds.ofxTokens))
    }

    @Test func cfonb120() throws {
        try fuzzInbox("cfonb-120", seeds: FuzzSeeds.cfonb, tokens: FuzzSeeds.tokens(FuzzSeeds.cfonbTokens))
    }

    @Test func mt940() throws {
        try fuzzInbox("mt940", seeds: FuzzSeeds.mt940, tokens: FuzzSeeds.tokens(FuzzSeeds.mt940Tokens))
    }

    /// Request files go through the inbox dispatch (sniffing included) and through the parser directly.
    @Test func requestTOML() throws {
        let scratch = try FuzzScratch(name: "request")
        let tokens = FuzzSeeds.tokens(FuzzSeeds.tomlTokens)
        try fuzz(
            FuzzTarget(name: "request-toml", seeds: FuzzSeeds.requests, dictionary: tokens) { bytes in
                let parsed = try FuzzReaders.requestText(bytes, scratch: scratch)
                _ = try FuzzReaders.inboxFile(bytes, scratch: scratch)
                return parsed
            })
    }

    @Test func pipelineTOML() throws {
        let scratch = try FuzzScratch(name: "pipeline")
        try fuzz(
            FuzzTarget(
                name: "pipeline-toml", seeds: FuzzSeeds.pipelines,
                dictionary: FuzzSeeds.tokens(FuzzSeeds.tomlTokens)
            ) { bytes in
                try FuzzReaders.pipelineFile(bytes, scratch: scratch)
            })
    }

    @Test func paymentDecisionCSV() throws {
        let scratch = try FuzzScratch(name: "decision")
        try fuzz(
            FuzzTarget(
                name: "decision-csv", seeds: FuzzSeeds.decisions,
                dictionary: FuzzSeeds.tokens(FuzzSeeds.decisionTokens)
            ) { bytes in
                let read = try FuzzReaders.decisionFile(bytes, scratch: scratch)
                _ = try FuzzReaders.inboxFile(bytes, scratch: scratch)
                return read
            })
    }

    /// The Oxygène register reader: every input is read or refused with located problems, and what
    /// it reads is consistent (an invoice positive, a credit note negative, numbers unique).
    @Test func oxygeneRegister() throws {
        try fuzz(
            FuzzTarget(
                name: "oxygene-register", seeds: FuzzSeeds.oxygeneRegister,
                dictionary: FuzzSeeds.tokens(FuzzSeeds.oxygeneRegisterTokens)
            ) { bytes in
                switch OxygeneRegisterReader.read(bytes) {
                case .success(let entries):
                    guard Set(entries.map(\.number)).count == entries.count else { throw FuzzBug("duplicate numbers") }
                    for entry in entries where (entry.kind == .creditNote) != (entry.totalInclVATMinor < 0) {
                        guard entry.totalInclVATMinor == 0 else { throw FuzzBug("sign of \(entry.number)") }
                    }
                    return .accepted
                case .failure(let problems):
                    return .rejected(reason: problems.list.map(\.description).joined(separator: "\n"))
                }
            })
        for seed in FuzzSeeds.oxygeneRegister {
            guard case .success = OxygeneRegisterReader.read(seed) else {
                Issue.record("register seed rejected: \(FuzzFailure.preview(seed))")
                continue
            }
        }
    }

    /// Every seed is a real input: a missing demo file would quietly weaken the fuzzing.
    @Test func seedsArePresentAndAccepted() throws {
        let scratch = try FuzzScratch(name: "seeds")
        let groups = [
            FuzzSeeds.clockifyCSV, FuzzSeeds.clockifyJSON, FuzzSeeds.qontoCSV, FuzzSeeds.qontoJSON, FuzzSeeds.camt,
            FuzzSeeds.ofx,
            FuzzSeeds.cfonb, FuzzSeeds.mt940,
        ]
        // The hand-edited Qonto demo file is rejected on purpose; every other seed is imported.
        let damaged = FuzzSeeds.demo("releve-qonto-modifie-a-la-main.csv")
        for seed in groups.flatMap({ $0 }) + FuzzSeeds.decisions {
            try #require(!seed.isEmpty)
            let verdict = try FuzzReaders.inboxFile(seed, scratch: scratch)
            if case .rejected(let reason) = verdict, seed != damaged {
                Issue.record("seed rejected: \(FuzzFailure.preview(seed, limit: 80))\n\(reason)")
            }
        }
        for seed in FuzzSeeds.requests {
            guard case .accepted = try FuzzReaders.requestText(seed, scratch: scratch) else {
                Issue.record("request seed rejected: \(FuzzFailure.preview(seed))")
                continue
            }
        }
        for seed in FuzzSeeds.pipelines {
            try #require(!seed.isEmpty)
            guard case .accepted = try FuzzReaders.pipelineFile(seed, scratch: scratch) else {
                Issue.record("pipeline seed rejected: \(FuzzFailure.preview(seed))")
                continue
            }
        }
    }

    // MARK: - The harness itself

    /// A hang, a rejection without a reason and a thrown error are each reported with the case to replay.
    @Test func theHarnessReportsHangsEmptyReasonsAndErrors() {
        var settings = FuzzSettings.current
        settings.replay = nil
        settings.cases = 10
        settings.caseSeconds = 0.5
        let passing = FuzzRunner.run(
            FuzzTarget(name: "self-test", seeds: [], dictionary: []) { _ in .accepted },
            settings: settings)
        #expect(passing.completed == 10 && passing.accepted == 10 && passing.failures.isEmpty)

        final class Calls: @unchecked Sendable {
            let lock = NSLock()
            var count = 0
            let release = DispatchSemaphore(value: 0)
            func next() -> Int {
                lock.withLock {
                    count += 1; return count
                }
            }
        }
        let calls = Calls()
        let failing = FuzzTarget(name: "self-test", seeds: [], dictionary: []) { _ in
            switch calls.next() {
            case 1: return .rejected(reason: " \n")
            case 2: throw FuzzBug("boom")
            case 3: calls.release.wait()  // a hang (released below, once reported)
            default: break
            }
            return .accepted
        }
        let failed = FuzzRunner.run(failing, settings: settings)
        calls.release.signal()
        #expect(failed.failures.map(\.index) == [0, 1, 2])
        let descriptions = failed.failures.map(\.description)
        #expect(descriptions.first?.contains("rejected without a reason") == true)
        #expect(descriptions.dropFirst().first?.contains("threw FuzzBug instead of a rejection: boom") == true)
        #expect(descriptions.last?.contains("still running after 0.5 s") == true)
        #expect(descriptions.last?.contains("FACTURATION_FUZZ_REPLAY=self-test:2") == true)
    }

    /// A case depends on the seed, the reader and its index only, so that it can be replayed alone.
    @Test func casesAreDeterministic() {
        let target = FuzzTarget(
            name: "clockify-csv", seeds: FuzzSeeds.clockifyCSV,
            dictionary: FuzzSeeds.tokens(FuzzSeeds.clockifyCSVTokens)
        ) { _ in .accepted }
        for index in [0, 1, 99, 12_345] {
            var first = SplitMix64.forCase(seed: 42, target: target.name, index: index)
            var second = SplitMix64.forCase(seed: 42, target: target.name, index: index)
            #expect(FuzzInput.make(target, using: &first) == FuzzInput.make(target, using: &second))
        }
        var one = SplitMix64.forCase(seed: 42, target: target.name, index: 1)
        var other = SplitMix64.forCase(seed: 43, target: target.name, index: 1)
        #expect(one.next() != other.next())
    }

    // MARK: - Helpers

    private func fuzzInbox(_ name: String, seeds: [[UInt8]], tokens: [[UInt8]]) throws {
        let scratch = try FuzzScratch(name: name)
        try fuzz(
            FuzzTarget(name: name, seeds: seeds, dictionary: tokens) { bytes in
                try FuzzReaders.inboxFile(bytes, scratch: scratch)
            })
    }

    private func fuzz(_ target: FuzzTarget) throws {
        let clock = ContinuousClock()
        let started = clock.now
        let result = FuzzRunner.run(target)
        for failure in result.failures { Issue.record("\(failure.savedDescription())") }
        let settings = FuzzSettings.current
        let seconds = { (duration: Duration) in
            String(
                format: "%.2f s",
                Double(duration.components.seconds)
                    + Double(duration.components.attoseconds) / 1e18)
        }
        print(
            "fuzz \(target.name): \(result.completed) cases (seed \(settings.seed)): \(result.accepted) accepted, "
                + "the others rejected with a reason, in \(seconds(clock.now - started)); slowest: case \(result.slowest.index), "
                + seconds(result.slowest.duration))
        #expect(result.completed == settings.indexes(for: target.name).count || !result.failures.isEmpty)
    }
}
