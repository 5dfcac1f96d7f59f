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
    @exclusivity(unchecked) private var slots: [Int32]  // index + 1, 0 = empty
    @exclusivity(unchecked) private var slotHashes: [UInt64]
    @exclusivity(unchecked) private var mask: Int
    private let arena = ByteBuffer(capacity: 1 << 12)
    @exclusivity(unchecked) private var offsets: [Int] = []
    @exclusivity(unchecked) private var lengths: [Int32] = []

    /// Number of keys.
    var count: Int { offsets.count }

    init(capacity: Int = 64) {
        var size = 16
        while size < capacity * 2 { size *= 2 }
        slots = [Int32](repeating: 0, count: size)
        slotHashes = [UInt64](repeating: 0, count: size)
        mask = size - 1
    }

    /// The key stored for `index` (valid until the next insertion).
    func key(_ index: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(rebasing: arena.bytes[offsets[index]..<(offsets[index] + Int(lengths[index]))])
    }

    /// The index of `key`, if present.
    func find(_ key: UnsafeRawBufferPointer) -> Int? {
        let hash = ByteHash.of(key)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let stored = slots[slot]
            if stored == 0 { return nil }
            if slotHashes[slot] == hash, equal(Int(stored) - 1, key) { return Int(stored) - 1 }
            slot = (slot + 1) & mask
        }
    }

    /// The index of `key`, inserting it with the next index when absent.
    func findOrInsert(_ key: UnsafeRawBufferPointer) -> (index: Int, inserted: Bool) {
        let hash = ByteHash.of(key)
        var slot = Int(truncatingIfNeeded: hash) & mask
        while true {
            let stored = slots[slot]
            if stored == 0 { break }
            if slotHashes[slot] == hash, equal(Int(stored) - 1, key) { return (Int(stored) - 1, false) }
            slot = (slot + 1) & mask
        }
        let index = offsets.count
        offsets.append(arena.count)
        lengths.append(Int32(key.count))
        arena.append(key)
        slots[slot] = Int32(index + 1)
        slotHashes[slot] = hash
        if offsets.count * 2 > slots.count { grow() }
        return (index, true)
    }

    private func equal(_ index: Int, _ key: UnsafeRawBufferPointer) -> Bool {
        guard Int(lengths[index]) == key.count else { return false }
        if key.isEmpty { return true }
        return memcmp(arena.base + offsets[index], key.baseAddress!, key.count) == 0
    }

    private func grow() {
        let size = slots.count * 2
        var newSlots = [Int32](repeating: 0, count: size)
        var newHashes = [UInt64](repeating: 0, count: size)
        let newMask = size - 1
        for old in 0..<slots.count where slots[old] != 0 {
            var slot = Int(truncatingIfNeeded: slotHashes[old]) & newMask
            while newSlots[slot] != 0 { slot = (slot + 1) & newMask }
            newSlots[slot] = slots[old]
            newHashes[slot] = slotHashes[old]
        }
        slots = newSlots
        slotHashes = newHashes
        mask = newMask
    }
}
