/// A cache keyed by byte strings whose lookups never allocate: entries are bucketed by a
/// 64-bit hash computed 8 bytes at a time, then compared byte for byte.
///
/// Used by the per-row caches of the converters (millions of lookups per file).
struct ByteKeyCache<Value> {
    private var buckets: [UInt64: [(key: [UInt8], value: Value)]] = [:]
    private(set) var count = 0

    /// The value stored for `key`, if any.
    func value(for key: UnsafeRawBufferPointer) -> Value? {
        guard let bucket = buckets[ByteHash.of(key)] else { return nil }
        for entry in bucket where entry.key.count == key.count {
            if entry.key.withUnsafeBytes({ $0.elementsEqual(key) }) { return entry.value }
        }
        return nil
    }

    /// Stores `value` for `key` (the caller checks first that it is absent).
    mutating func insert(_ value: Value, for key: UnsafeRawBufferPointer) {
        buckets[ByteHash.of(key), default: []].append((Array(key), value))
        count += 1
    }

    mutating func removeAll() {
        buckets.removeAll(keepingCapacity: true)
        count = 0
    }
}

/// A fast 64-bit hash of bytes, read 8 at a time (not cryptographic; collisions only cost a
/// comparison), with a final avalanche so that the low bits used as table slots mix every byte.
enum ByteHash {
    static func of(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ UInt64(bytes.count)
        var index = 0
        while index + 8 <= bytes.count {
            hash = (hash ^ bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) &* 0xFF51_AFD7_ED55_8CCD
            hash ^= hash >> 32
            index += 8
        }
        var tail: UInt64 = 0
        while index < bytes.count {
            tail = tail << 8 | UInt64(bytes[index])
            index += 1
        }
        hash = (hash ^ tail) &* 0xC4CE_B9FE_1A85_EC53
        hash ^= hash >> 33
        hash = hash &* 0xFF51_AFD7_ED55_8CCD
        return hash ^ (hash >> 33)
    }
}
