#if canImport(Glibc)
import Glibc
#endif

/// A hash table from byte strings to dense indices (0, 1, 2… in insertion order), whose keys live
/// in one arena: no allocation per key or per lookup. ``FECChecker`` uses it for entries, accounts,
/// journals, auxiliary accounts and lettering groups (hundreds of thousands of keys, millions of lookups).
final class FECKeyTable {
    // Exclusivity: see ``ExclusivityNote``. One checker, so one thread, uses a table; no access is
    // held across a call that reaches the table again. Measured (`facturation-bench --scenario fec`,
    // perf): the run-time checks of these properties were about a tenth of the checker's samples
    // (`swift_beginAccess`, `AccessSet::insert`, `__tls_get_addr` under `findOrInsert` and `key`).
    //
    // Layout: a lookup in a large table (the entries and numbers of a FEC of 1,000,000 lines:
    // 421,899 keys each) misses the cache at each array it touches. A slot holds the hash's upper
    // half beside the index (one word), and a key's offset and length are one element: a found
    // key costs three misses (slot, span, arena), where separate arrays of indices, hashes,
    // offsets and lengths cost five (`findOrInsert` was 14 % of the check). The upper half only
    // filters: a key is found when its bytes are equal.
    @exclusivity(unchecked) private var slots: [UInt64]  // hash's upper 32 bits | index + 1; 0 = empty
    @exclusivity(unchecked) private var mask: Int
    private let arena: ByteBuffer
    @exclusivity(unchecked) private var spans: [Span] = []

    /// Where a key's bytes are in the arena.
    private struct Span {
        var offset: Int
        var length: Int
    }

    private static let upperHalf: UInt64 = 0xFFFF_FFFF_0000_0000

    /// The index ``findOrInsert(_:)`` returned last (-1: none, or not remembered).
    ///
    /// Why (performance code, fenced): the journals' table is asked for every line of a FEC, and
    /// an entry's lines share their journal; comparing with the last key found (the bytes are
    /// equal, so it is the index the search would give) skips the hash and the probe. Kept only
    /// by a table made with `remembersLast`: elsewhere the key changes on almost every call.
    @exclusivity(unchecked) private var last = -1
    private let remembersLast: Bool

    /// Number of keys.
    var count: Int { spans.count }

    /// Room for `capacity` keys (and `keyBytes` bytes of keys) before the table grows.
    init(capacity: Int = 64, keyBytes: Int = 1 << 12, remembersLast: Bool = false) {
        self.remembersLast = remembersLast
        var size = 16
        while size < capacity * 2 { size *= 2 }
        slots = [UInt64](repeating: 0, count: size)
        mask = size - 1
        arena = ByteBuffer(capacity: keyBytes)
        spans.reserveCapacity(capacity)
    }

    /// The key stored for `index` (valid until the next insertion).
    func key(_ index: Int) -> UnsafeRawBufferPointer {
        let span = spans[index]
        return UnsafeRawBufferPointer(rebasing: arena.bytes[span.offset..<(span.offset + span.length)])
    }

    /// The index of `key`, if present.
    func find(_ key: UnsafeRawBufferPointer) -> Int? {
        let hash = ByteHash.of(key)
        let tag = hash & Self.upperHalf
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let stored = slots[slot]
            if stored == 0 { return nil }
            let index = Int(truncatingIfNeeded: stored & ~Self.upperHalf) - 1
            if stored & Self.upperHalf == tag, equal(index, key) { return index }
            slot = (slot + 1) & mask
        }
    }

    /// The index of `key`, inserting it with the next index when absent.
    func findOrInsert(_ key: UnsafeRawBufferPointer) -> (index: Int, inserted: Bool) {
        if last >= 0, equal(last, key) { return (last, false) }
        let (index, inserted) = search(key)
        if remembersLast { last = index }
        return (index, inserted)
    }

    private func search(_ key: UnsafeRawBufferPointer) -> (index: Int, inserted: Bool) {
        let hash = ByteHash.of(key)
        let tag = hash & Self.upperHalf
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let stored = slots[slot]
            if stored == 0 { break }
            let index = Int(truncatingIfNeeded: stored & ~Self.upperHalf) - 1
            if stored & Self.upperHalf == tag, equal(index, key) { return (index, false) }
            slot = (slot + 1) & mask
        }
        let index = spans.count
        precondition(index < Int(UInt32.max) - 1, "a FEC key table holds fewer than 2^32 - 1 keys")
        spans.append(Span(offset: arena.count, length: key.count))
        arena.append(key)
        slots[slot] = tag | UInt64(index + 1)
        if spans.count * 2 > slots.count { grow() }
        return (index, true)
    }

    private func equal(_ index: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        let span = spans[index]
        guard span.length == key.count else { return false }
        if key.isEmpty { return true }
        return memcmp(arena.base + span.offset, key.baseAddress!, key.count) == 0
    }

    /// Twice the slots; each key's place is found again from its hash (its lower half is not kept).
    private func grow() {
        let size = slots.count * 2
        var newSlots = [UInt64](repeating: 0, count: size)
        let newMask = size - 1
        for old in 0..<slots.count where slots[old] != 0 {
            let index = Int(truncatingIfNeeded: slots[old] & ~Self.upperHalf) - 1
            var slot = Int(truncatingIfNeeded: ByteHash.of(key(index))) & newMask
            while newSlots[slot] != 0 { slot = (slot + 1) & newMask }
            newSlots[slot] = slots[old]
        }
        slots = newSlots
        mask = newMask
    }
}
