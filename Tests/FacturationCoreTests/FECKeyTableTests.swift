import Foundation
import Testing

@testable import FacturationCore

/// ``FECKeyTable`` against a `Dictionary`: dense indices in insertion order, every key found by
/// its bytes through every growth, absent keys not found; keys empty, with zero bytes, sharing
/// prefixes or being prefixes of each other, and long.
@Suite("FEC key table")
struct FECKeyTableTests {
    static func keys(_ count: Int, seed: UInt64) -> [[UInt8]] {
        var random = SplitMix64(seed: seed)
        var keys: [[UInt8]] = [[], [0], [0, 0], Array("411".utf8), Array("4110".utf8), Array("VT000001".utf8)]
        while keys.count < count {
            switch random.below(4) {
            case 0: keys.append(Array("VT\(random.below(1_000_000))".utf8))
            case 1: keys.append((0..<random.below(40)).map { _ in UInt8(truncatingIfNeeded: random.next()) })
            case 2: keys.append(keys[random.below(keys.count)] + [UInt8(truncatingIfNeeded: random.next())])
            default: keys.append(Array(repeating: UInt8(ascii: "x"), count: random.below(300)))
            }
        }
        return keys
    }

    @Test("Indices, lookups and stored keys agree with a Dictionary, through every growth")
    func agreesWithADictionary() {
        for (count, capacity, keyBytes, remembersLast) in [
            (2_000, 1, 1, false), (60_000, 64, 4096, false), (60_000, 100_000, 1 << 21, false), (20_000, 1, 1, true),
        ] {
            let table = FECKeyTable(capacity: capacity, keyBytes: keyBytes, remembersLast: remembersLast)
            var reference: [[UInt8]: Int] = [:]
            // Each key again right after itself now and then (the table that remembers its last
            // key finds it without searching), and the key before it.
            var keys: [[UInt8]] = []
            for key in Self.keys(count, seed: UInt64(count + capacity)) {
                keys.append(key)
                if key.count % 3 == 0 { keys += [key, keys[max(0, keys.count - 3)]] }
            }
            for key in keys {
                let expected = reference[key]
                let (index, inserted) = key.withUnsafeBytes { table.findOrInsert($0) }
                #expect(inserted == (expected == nil))
                #expect(index == expected ?? reference.count)
                if expected == nil { reference[key] = index }
            }
            #expect(table.count == reference.count)
            for (key, index) in reference {
                #expect(key.withUnsafeBytes { table.find($0) } == index)
                #expect(Array(table.key(index)) == key)
            }
            for absent in Self.keys(2_000, seed: 7) where reference[absent] == nil {
                #expect(absent.withUnsafeBytes { table.find($0) } == nil)
            }
        }
    }
}
