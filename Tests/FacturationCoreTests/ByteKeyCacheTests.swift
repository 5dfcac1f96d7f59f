import Testing

@testable import FacturationCore

/// The classifier's per-row cache (``ByteKeyCache``, fenced performance code) gives what a
/// dictionary gives, through its growth, its probing and its clearing.
@Suite("ByteKeyCache")
struct ByteKeyCacheTests {
    /// Keys of every length up to 40 bytes (the hash's word and tail paths), many of one length,
    /// keys that are prefixes of others, and the empty key.
    private static func keys(_ count: Int, seed: UInt64) -> [[UInt8]] {
        var state = seed
        func next() -> UInt64 {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return state >> 33
        }
        var keys: [[UInt8]] = [[]]
        while keys.count < count {
            let length = Int(next() % 41)
            let key = (0..<length).map { _ in UInt8(truncatingIfNeeded: next() % 4) }  // few bytes: near keys
            keys.append(key)
            if length > 1 { keys.append(Array(key.dropLast())) }
        }
        return keys
    }

    @Test("Lookups agree with a dictionary while the table grows, and after it is cleared")
    func agreesWithADictionary() {
        var cache = ByteKeyCache<Int?>()
        var expected: [[UInt8]: Int?] = [:]
        let keys = Self.keys(5_000, seed: 7)
        for (index, key) in keys.enumerated() {
            let found = key.withUnsafeBytes { cache.value(for: $0) }
            #expect(found.map { $0 as Int? } == expected[key].map { $0 as Int? }, "key \(key)")
            if found == nil {
                let value: Int? = index % 3 == 0 ? nil : index
                key.withUnsafeBytes { cache.insert(value, for: $0) }
                expected[key] = value
            }
        }
        #expect(cache.count == expected.count)
        for (key, value) in expected {
            let found = key.withUnsafeBytes { cache.value(for: $0) }
            #expect(found == .some(value), "key \(key)")
        }
        cache.removeAll()
        #expect(cache.count == 0)
        for key in keys.prefix(200) { #expect(key.withUnsafeBytes { cache.value(for: $0) } == nil) }
        [UInt8]([1, 2]).withUnsafeBytes { cache.insert(9, for: $0) }
        #expect([UInt8]([1, 2]).withUnsafeBytes { cache.value(for: $0) } == .some(9))
        #expect([UInt8]([1]).withUnsafeBytes { cache.value(for: $0) } == nil)
    }

    /// Two 16-byte keys of one hash (built from ``ByteHash``'s steps with the seed 0: the second
    /// word undoes the difference the first one made), so only the byte comparison tells them apart.
    @Test("Keys of one hash are told apart by their bytes")
    func keysOfOneHash() throws {
        func afterFirstWord(_ word: UInt64) -> UInt64 {
            var hash = (0x9E37_79B9_7F4A_7C15 ^ 16 ^ word) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            return hash
        }
        func bytes(_ first: UInt64, _ second: UInt64) -> [UInt8] {
            withUnsafeBytes(of: (first, second)) { Array($0) }
        }
        let first: UInt64 = 0x6F6A_6563_7421_2D41, second: UInt64 = 0x2020_4C41_4120_2D20
        let other: UInt64 = 0x6F6A_6563_7421_2D42
        let a = bytes(first, second)
        let b = bytes(other, second ^ afterFirstWord(first) ^ afterFirstWord(other))
        try #require(a != b)
        try #require(
            a.withUnsafeBytes { ByteHash.of($0, seed: 0) } == b.withUnsafeBytes { ByteHash.of($0, seed: 0) },
            "the construction no longer gives one hash: ByteHash changed")
        var cache = ByteKeyCache<Int>(seed: 0)
        a.withUnsafeBytes { cache.insert(1, for: $0) }
        #expect(b.withUnsafeBytes { cache.value(for: $0) } == nil)
        b.withUnsafeBytes { cache.insert(2, for: $0) }
        #expect(a.withUnsafeBytes { cache.value(for: $0) } == 1)
        #expect(b.withUnsafeBytes { cache.value(for: $0) } == 2)
    }

    @Test("An array value comes back whole")
    func arrayValues() {
        var cache = ByteKeyCache<[Int]>()
        for n in 0..<300 { Array("key \(n)".utf8).withUnsafeBytes { cache.insert(Array(0..<(n % 5)), for: $0) } }
        for n in 0..<300 {
            #expect(Array("key \(n)".utf8).withUnsafeBytes { cache.value(for: $0) } == Array(0..<(n % 5)))
        }
    }
}

@Suite("PinnedText")
struct PinnedTextTests {
    private func written(_ text: ByteText) -> String {
        var builder = CSVLineBuilder()
        text.write(to: &builder)
        return String(decoding: builder.bytes, as: UTF8.self)
    }

    @Test("Set again, shorter and longer, it writes the newest text, cleaned, guarded and quoted as a row's text is")
    func setAgain() {
        let pinned = PinnedText("regular")
        #expect(written(pinned.text) == "regular")
        pinned.set("")
        #expect(written(pinned.text) == "")
        pinned.set(String(repeating: "pause déjeuner ", count: 4))
        #expect(written(pinned.text) == "\"" + String(repeating: "pause déjeuner ", count: 4) + "\"")
        pinned.set("=HYPERLINK()")
        #expect(written(pinned.text) == "'=HYPERLINK()")
        pinned.set("a\u{7}b")
        #expect(written(pinned.text) == "a b")
        for text in ["x,y", "@SUM", " lead", "d\u{E9}j\u{E0}", "tab\there"] {
            pinned.set(text)
            var builder = CSVLineBuilder()
            text.write(to: &builder)  // a String cleans as a row's bytes do (``TextCleaning``)
            #expect(written(pinned.text) == String(decoding: builder.bytes, as: UTF8.self), "\(text)")
        }
    }
}
