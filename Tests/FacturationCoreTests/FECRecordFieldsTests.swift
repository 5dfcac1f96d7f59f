import Foundation
import Testing

@testable import FacturationCore

/// ``FECRecordFields/cut(_:)`` (fenced: the bytes it looks at are found sixteen at a time in C)
/// gives what ``FECRecordFields/cutPlainly(_:)``, the byte-by-byte loop, gives: the field count,
/// the first control character, the first field holding the other separator and every field's
/// offsets, on random lines of every length around the 16-byte blocks, with tabs, '|', controls,
/// DEL, NUL and bytes above 0x7F anywhere, and lines with more special bytes than it keeps room
/// for.
@Suite("FEC record fields")
struct FECRecordFieldsTests {
    static func layout(separator: UInt8, trailing: Bool) -> FECColumnLayout {
        var layout = FECColumnLayout()
        layout.separator = separator
        layout.otherSeparator = separator == 0x7C ? 0x09 : 0x7C
        layout.columnCount = 18
        layout.columns = (0..<18).map { "C\($0)" }
        layout.column = Array(0..<18)
        layout.trailingSeparator = trailing
        return layout
    }

    /// A random line: mostly text, with separators, and now and then any special byte.
    static func line(_ generator: inout some RandomNumberGenerator) -> [UInt8] {
        let length = Int.random(in: 0...(Bool.random(using: &generator) ? 48 : 1_200), using: &generator)
        let specials: [UInt8] = [0x7C, 0x09, 0x00, 0x0A, 0x0D, 0x1F, 0x7F, 0x20, 0x7E, 0x80, 0xC3, 0xFF]
        let density = Int.random(in: 2...40, using: &generator)
        return (0..<length).map { _ in
            Int.random(in: 0..<density, using: &generator) == 0
                ? specials.randomElement(using: &generator)!
                : UInt8.random(in: 0x21...0x7B, using: &generator)
        }
    }

    @Test func theBlocksGiveWhatTheByteLoopGives() {
        var generator = SystemRandomNumberGenerator()
        let fields = FECRecordFields()
        var fallbacks = 0
        for round in 0..<20_000 {
            fields.use(Self.layout(separator: round % 2 == 0 ? 0x7C : 0x09, trailing: round % 3 == 0))
            let line = Self.line(&generator)
            line.withUnsafeBytes { bytes in
                let fast = fields.cut(bytes)
                let fastRanges = (0..<18).map { fields.range($0) }
                let plain = fields.cutPlainly(bytes)
                let plainRanges = (0..<18).map { fields.range($0) }
                #expect(fast == plain, "\(line)")
                #expect(fastRanges.elementsEqual(plainRanges, by: ==), "\(line)")
            }
            if line.filter({ $0 < 0x20 || $0 == 0x7C || $0 == 0x7F }).count > FECRecordFields.specialsCapacity {
                fallbacks += 1
            }
        }
        // Lines longer than the room kept for their special bytes were cut too.
        #expect(fallbacks > 0)
    }
}
