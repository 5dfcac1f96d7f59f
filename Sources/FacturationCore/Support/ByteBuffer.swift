/// A growable byte buffer with manual storage, for the inner loops that append a few bytes
/// millions of times (CSV fields, output lines, key material), where Swift arrays pay a
/// uniqueness check and a capacity check on every append.
///
/// A reference type: share it deliberately, never across threads at once.
package final class ByteBuffer {
    // Exclusivity: see ``ExclusivityNote`` (why the `@exclusivity(unchecked)` properties here are safe and needed).
    @exclusivity(unchecked) package private(set) var base: UnsafeMutablePointer<UInt8>
    @exclusivity(unchecked) package private(set) var count = 0
    @exclusivity(unchecked) package private(set) var capacity: Int

    /// The alignment of ``base`` in bytes (a power of two; kept when the storage grows).
    private let alignment: Int

    /// A buffer of `capacity` bytes whose storage starts at a multiple of `alignment` (a power of
    /// two: 4096 for the buffers of ``DirectIO`` writes, which the kernel reads in place).
    package init(capacity: Int = 4096, alignment: Int = 16) {
        self.capacity = max(capacity, 16)
        self.alignment = alignment
        base = Self.allocate(self.capacity, alignment: alignment)
    }

    private static func allocate(_ capacity: Int, alignment: Int) -> UnsafeMutablePointer<UInt8> {
        guard alignment > 16 else { return .allocate(capacity: capacity) }
        return UnsafeMutableRawPointer.allocate(byteCount: capacity, alignment: alignment)
            .bindMemory(to: UInt8.self, capacity: capacity)
    }

    deinit { base.deallocate() }

    /// The bytes written so far (valid until the next append or reset).
    package var bytes: UnsafeRawBufferPointer { UnsafeRawBufferPointer(start: base, count: count) }

    /// A copy of the bytes.
    package var array: [UInt8] { Array(bytes) }

    @inline(__always)
    package func reserve(_ additional: Int) {
        if count + additional > capacity { grow(to: count + additional) }
    }

    private func grow(to needed: Int) {
        var newCapacity = capacity * 2
        while newCapacity < needed { newCapacity *= 2 }
        let newBase = Self.allocate(newCapacity, alignment: alignment)
        newBase.update(from: base, count: count)
        base.deallocate()
        base = newBase
        capacity = newCapacity
    }

    @inline(__always)
    package func append(_ byte: UInt8) {
        if count == capacity { grow(to: count + 1) }
        base[count] = byte
        count += 1
    }

    /// Lets `body` write at most `maximum` bytes straight into the free space; it returns how
    /// many it wrote (one capacity check for a whole field instead of one per byte).
    @inline(__always)
    package func appendDirect(maximum: Int, _ body: (UnsafeMutablePointer<UInt8>) -> Int) {
        reserve(maximum)
        count += body(base + count)
    }

    @inline(__always)
    package func append(_ bytes: UnsafeRawBufferPointer) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        reserve(bytes.count)
        (base + count).update(from: source.assumingMemoryBound(to: UInt8.self), count: bytes.count)
        count += bytes.count
    }

    package func append(_ bytes: some Collection<UInt8>) {
        reserve(bytes.count)
        for byte in bytes {
            base[count] = byte
            count += 1
        }
    }

    /// Forgets the bytes, keeping the storage.
    @inline(__always)
    package func removeAll() { count = 0 }

    /// Keeps only the first `n` bytes.
    package func truncate(to n: Int) {
        precondition(n <= count)
        count = n
    }

    /// Drops the first `n` bytes, moving the rest to the front.
    package func removeFirst(_ n: Int) {
        precondition(n <= count)
        if n < count { base.update(from: base + n, count: count - n) }
        count -= n
    }

    /// Overwrites the byte at `index` (which must be below `count`).
    @inline(__always)
    package subscript(index: Int) -> UInt8 {
        get { base[index] }
        set { base[index] = newValue }
    }
}
