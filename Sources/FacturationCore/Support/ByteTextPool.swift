import Foundation

/// Texts stored end to end in byte chunks of 1 MiB, referred to by position and length.
///
/// Why: the FEC export holds hundreds of thousands of short texts at once (labels, piece
/// references, invoice numbers, bank keys). As `String` values each one above 15 bytes is a heap
/// object of its own (48–80 bytes with its header); here it costs its bytes plus an 8-byte
/// reference. The bytes are in fixed-size chunks rather than one growing array, so that the pool
/// never copies itself into a buffer twice as large (for a year of entries that copy held 21 and
/// 42 MB at once: the FEC export's peak); a text never spans two chunks, and one longer than a
/// chunk gets a chunk of its own. Used by ``PackedEntries`` and ``PackedBankLines``; a text comes
/// back as it was stored (their tests check the round trip, across chunk boundaries too).
package struct ByteTextPool {
    /// A text of the pool: `length` bytes at `offset` (its chunk in the high bits, its start in the
    /// chunk in the low ``ByteTextPool/shift`` bits); `length == .max` for none.
    package struct Ref {
        var offset: UInt32
        var length: UInt32
        package static let none = Ref(offset: 0, length: .max)
        package var isNone: Bool { length == .max }
    }

    private var chunks: [[UInt8]] = []
    /// Set by ``freeChunk(_:)``: nothing may be appended afterwards.
    private var freedAny = false
    /// log2 of a chunk's bytes.
    private let shift: Int

    /// Chunks of `1 << chunkShift` bytes (tests use small ones to cross their boundaries).
    package init(chunkShift: Int = 20) {
        precondition((2...24).contains(chunkShift), "a chunk of 2^\(chunkShift) bytes")
        shift = chunkShift
    }

    package mutating func append(_ text: String) -> Ref {
        var text = text
        return text.withUTF8 { append(UnsafeRawBufferPointer($0)) }
    }

    package mutating func append(_ raw: UnsafeRawBufferPointer) -> Ref {
        precondition(raw.count < Int(UInt32.max), "a text of 4 GB")
        precondition(!freedAny, "append to a text pool whose chunks were freed")
        guard !raw.isEmpty else { return Ref(offset: 0, length: 0) }
        let size = 1 << shift
        if chunks.isEmpty || chunks[chunks.count - 1].count + raw.count > size {
            precondition(chunks.count < 1 << (32 - shift), "more than 4 GB of texts")
            var chunk: [UInt8] = []
            chunk.reserveCapacity(max(size, raw.count))
            chunks.append(chunk)
        }
        let last = chunks.count - 1
        let start = chunks[last].count
        chunks[last].append(contentsOf: raw)
        return Ref(offset: UInt32(last << shift | start), length: UInt32(raw.count))
    }

    /// The chunk that holds the bytes of `ref`, nil for an empty text or none (they use no chunk).
    package func chunk(of ref: Ref) -> Int? {
        ref.isNone || ref.length == 0 ? nil : Int(ref.offset) >> shift
    }

    /// Chunks not freed (tests check what ``freeChunk(_:)`` gave back).
    package var heldChunks: Int { chunks.reduce(0) { $0 + ($1.isEmpty ? 0 : 1) } }

    /// Frees the bytes of chunk `chunk`: reading a text of it afterwards stops the program, and
    /// nothing can be appended any more. See ``ChunkedArray/freeChunk(_:)``.
    package mutating func freeChunk(_ chunk: Int) {
        freedAny = true
        chunks[chunk] = []
    }

    /// Calls `body` with the bytes of `ref` (empty for an empty text).
    private func withBytes<R>(_ ref: Ref, _ body: (Slice<UnsafeBufferPointer<UInt8>>) -> R) -> R {
        guard ref.length > 0 else { return body(UnsafeBufferPointer<UInt8>(start: nil, count: 0)[...]) }
        let start = Int(ref.offset) & ((1 << shift) - 1)
        return chunks[Int(ref.offset) >> shift].withUnsafeBufferPointer {
            precondition(start + Int(ref.length) <= $0.count, "a text of a freed chunk")
            return body($0[start..<start + Int(ref.length)])
        }
    }

    /// Calls `body` with the UTF-8 bytes of `ref`.
    package func withUTF8<R>(_ ref: Ref, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        guard ref.length > 0 else { return try body(UnsafeRawBufferPointer(start: nil, count: 0)) }
        let start = Int(ref.offset) & ((1 << shift) - 1)
        return try chunks[Int(ref.offset) >> shift].withUnsafeBytes {
            precondition(start + Int(ref.length) <= $0.count, "a text of a freed chunk")
            return try body(UnsafeRawBufferPointer(rebasing: $0[start..<start + Int(ref.length)]))
        }
    }

    package func string(_ ref: Ref) -> String {
        withBytes(ref) { String(decoding: $0, as: UTF8.self) }
    }

    /// `String`'s order of the two texts: byte order when both are ASCII (the same then), else
    /// the strings' (canonical equivalence: "é" precomposed or not is the same text).
    package func compare(_ a: Ref, _ b: Ref) -> ComparisonResult {
        let order: ComparisonResult? = withBytes(a) { x in
            withBytes(b) { y in
                if x.elementsEqual(y) { return .orderedSame }
                guard x.allSatisfy({ $0 < 0x80 }), y.allSatisfy({ $0 < 0x80 }) else { return nil }
                return x.lexicographicallyPrecedes(y) ? .orderedAscending : .orderedDescending
            }
        }
        if let order { return order }
        let x = string(a), y = string(b)
        return x == y ? .orderedSame : x < y ? .orderedAscending : .orderedDescending
    }
}
