#if canImport(Glibc)
import Glibc
#endif

/// A cache keyed by byte strings whose lookups never allocate: an open-addressing table on a
/// 64-bit hash computed 8 bytes at a time (``ByteHash``), keys then compared byte for byte.
///
/// Used by the per-row caches of the converters (millions of lookups per file).
struct ByteKeyCache<Value> {
    /// One place of the open-addressing table: the key's hash, where its bytes are in `keys`,
    /// and its value's index in `values` (-1: empty).
    private struct Slot {
        var hash: UInt64 = 0
        var keyStart = 0
        var keyCount = 0
        var value = -1
    }

    private var slots = [Slot](repeating: Slot(), count: 64)
    /// The bytes of every key, one after the other.
    private var keys: [UInt8] = []
    private var values: [Value] = []
    /// ``ByteHash/processSeed``, or one a test chooses to build keys of one hash.
    private let seed: UInt64
    var count: Int { values.count }

    init(seed: UInt64 = ByteHash.processSeed) { self.seed = seed }

    /// The value stored for `key`, if any.
    ///
    /// Why a table of our own (fenced performance code, issue #9, the 1 GB `run` scenario): the
    /// classifier looks up two keys per row of a time export. A `Dictionary` from the hash to an
    /// array of entries hashed the hash again (SipHash) and retained and released the bucket's
    /// array each time: about 2 % of the run's samples. Linear probing on the hash computed once
    /// (``ByteHash``), with the keys' bytes in one array, touches no reference count.
    /// `ByteKeyCacheTests` checks it against a dictionary.
    func value(for key: UnsafeRawBufferPointer) -> Value? {
        let hash = ByteHash.of(key, seed: seed)
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while true {
            let slot = slots[index]
            if slot.value < 0 { return nil }
            if slot.hash == hash, slot.keyCount == key.count, equals(slot, key) { return values[slot.value] }
            index = (index + 1) & mask
        }
    }

    private func equals(_ slot: Slot, _ key: UnsafeRawBufferPointer) -> Bool {
        guard let base = key.baseAddress, slot.keyCount > 0 else { return true }
        return keys.withUnsafeBytes { memcmp($0.baseAddress! + slot.keyStart, base, slot.keyCount) == 0 }
    }

    /// Stores `value` for `key` (the caller checks first that it is absent).
    mutating func insert(_ value: Value, for key: UnsafeRawBufferPointer) {
        if (values.count + 1) * 2 > slots.count { grow() }
        let hash = ByteHash.of(key, seed: seed)
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: hash) & mask
        while slots[index].value >= 0 { index = (index + 1) & mask }
        slots[index] = Slot(hash: hash, keyStart: keys.count, keyCount: key.count, value: values.count)
        keys.append(contentsOf: key)
        values.append(value)
    }

    /// Twice as many places, the entries put back by their stored hashes (at most half full, so
    /// a probe ends soon at an empty place).
    private mutating func grow() {
        let old = slots
        slots = [Slot](repeating: Slot(), count: old.count * 2)
        let mask = slots.count - 1
        for slot in old where slot.value >= 0 {
            var index = Int(truncatingIfNeeded: slot.hash) & mask
            while slots[index].value >= 0 { index = (index + 1) & mask }
            slots[index] = slot
        }
    }

    mutating func removeAll() {
        for index in slots.indices { slots[index] = Slot() }
        keys.removeAll(keepingCapacity: true)
        values.removeAll(keepingCapacity: true)
    }
}

/// A fast 64-bit hash of bytes, read 8 at a time (not cryptographic; collisions only cost a
/// comparison), with a final avalanche so that the low bits used as table slots mix every byte.
enum ByteHash {
    /// Drawn once per process, for the tables keyed by text from an input (``ByteKeyCache``,
    /// ``LedgerOrderKey``), like the standard library's `Hasher`: the hash can be computed
    /// backwards, so without a secret an export could choose keys whose hashes share their low
    /// bits and make every insertion into such a table probe one long run. The default seed, 0,
    /// gives the same hash in every process (what a checkpoint that stores a hash needs).
    static let processSeed = UInt64.random(in: .min ... .max)

    static func of(_ bytes: UnsafeRawBufferPointer, seed: UInt64 = 0) -> UInt64 {
        var hash: UInt64 = 0x9E37_79B9_7F4A_7C15 ^ seed ^ UInt64(bytes.count)
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
