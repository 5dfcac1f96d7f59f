import Foundation
import Testing

@testable import FacturationCore

/// The invariant of the fenced fast path for match files (``MatchRecordDecoder``): whatever it
/// returns is what `JSONDecoder` returns, and every file the store writes takes it.
@Suite("MatchRecordDecoder")
struct MatchRecordDecoderTests {
    static func fast(_ bytes: [UInt8]) -> PaymentMatch? {
        bytes.withUnsafeBufferPointer { MatchRecordDecoder.match(from: $0) }
    }

    static func generated(_ index: Int, _ random: inout SplitMix64) -> PaymentMatch {
        func text() -> String { IssuedRecordDecoderTests.randomText(&random) }
        return PaymentMatch(
            receipt: "qonto:" + text(), bookingDate: CivilDate(daysSinceEpoch: Int64(random.below(40_000))),
            amountMinor: Int64(bitPattern: random.next()), rule: text(),
            allocations: (0..<random.below(4)).map { _ in
                .init(invoice: text(), amountMinor: random.chance(percent: 10) ? .min : Int64(random.below(1 << 40)))
            }, by: text(), evidence: text(), source: random.chance(percent: 50) ? nil : text())
    }

    @Test("Generated matches, as the store writes them, read back equal to JSONDecoder's")
    func generatedMatchesRoundTrip() throws {
        var random = SplitMix64(seed: 20_261_205)
        for index in 0..<500 {
            let match = Self.generated(index, &random)
            let bytes = try PaymentStore.encoded(match)
            let decoded = try JSONDecoder().decode(PaymentMatch.self, from: Data(bytes))
            #expect(decoded == match)
            #expect(Self.fast(bytes) == decoded, "\(String(decoding: bytes, as: UTF8.self))")
        }
    }

    @Test("Mutated files: whatever the fast path accepts, JSONDecoder reads the same; the rest is left to it")
    func mutatedFilesAgreeWithJSONDecoder() throws {
        var random = SplitMix64(seed: 11)
        let files = try (0..<20).map { try PaymentStore.encoded(Self.generated($0, &random)) }
        let alphabet = Array(#"{}[]":,\"0123456789-.eEtrufalsn u"#.utf8) + [0x00, 0x0A, 0xC3, 0xA9, 0xFF]
        var accepted = 0
        for case_ in 0..<3_000 {
            var bytes = files[case_ % files.count]
            for _ in 0...random.below(3) {
                let at = random.below(bytes.count)
                switch random.below(3) {
                case 0: bytes[at] = random.pick(alphabet)
                case 1: bytes.remove(at: at)
                default: bytes.insert(random.pick(alphabet), at: at)
                }
            }
            guard let fast = Self.fast(bytes) else { continue }
            accepted += 1
            let decoded = try? JSONDecoder().decode(PaymentMatch.self, from: Data(bytes))
            #expect(decoded == fast, "case \(case_): \(String(decoding: bytes, as: UTF8.self))")
        }
        #expect(accepted > 100)
        let text = String(decoding: files[0], as: UTF8.self)
        for variant in [
            text.replacingOccurrences(of: "\"rule\"", with: "\"extra\" : 1,\n  \"rule\""),
            text.replacingOccurrences(of: "\"rule\"", with: "\"by\" : \"x\",\n  \"rule\""),
        ] {
            #expect(Self.fast(Array(variant.utf8)) == nil, "\(variant)")
        }
    }
}
