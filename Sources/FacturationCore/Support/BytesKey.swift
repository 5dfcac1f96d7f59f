/// A cache keyed by byte strings whose lookups never allocate: entries are bucketed by a
/// 64-bit hash computed 8 bytes at a time, then compared byte for byte.
///
/// Used by the per-row caches of the converters (millions of lookups per file).
struct ByteKeyCache<Value> {
    private var buckets: [UInt64: [(key: [UInt8], value: Value)]] = [:]
    private(set) var count = 0

    /// The value stored for `key`, if any.
    func value(for key: UnsafeRawBufferPointer) -> Value? {
        guard let bucket = buckets[ByteKeyCache.hash(key)] else { return nil }
        for entry in bucket where entry.key.count == key.count {
            if entry.key.withUnsafeBytes({ $0.elementsEqual(key) }) { return entry.value }
        }
        return nil
    }

    /// Stores `value` for `key` (the caller checks first that it is absent).
    mutating func insert(_ value: Value, for key: UnsafeRawBufferPointer) {
        buckets[ByteKeyCache.hash(key), default: []].append((Array(key), value))
        count += 1
    }

    mutating func removeAll() {
        buckets.removeAll(keepingCapacity: true)
        count = 0
    }

    /// FNV-style multiply-xor hash over 64-bit words (not cryptographic; collisions only cost a comparison).
    static func hash(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325 ^ UInt64(bytes.count)
        var index = 0
        while index + 8 <= bytes.count {
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0x0000_0100_0000_01B3
            hash ^= hash >> 29
            index += 8
        }
        var tail: UInt64 = 0
        while index < bytes.count {
            tail = tail << 8 | UInt64(bytes[index])
            index += 1
        }
        hash = (hash ^ tail) &* 0x0000_0100_0000_01B3
        return hash ^ (hash >> 32)
    }
}
