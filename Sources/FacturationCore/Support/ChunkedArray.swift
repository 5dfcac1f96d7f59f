/// An append-only array stored in fixed-size chunks: element `i` is in chunk `i >> shift`, at
/// `i & (chunk size - 1)`.
///
/// Why: an `Array` that grows by appending doubles its storage, copying every element into a
/// new buffer twice as large while the old one is still alive. For the few arrays that hold a
/// whole year of accounting entries (tens of MB each), that copy was the process's peak: the old
/// buffer and the new one, at once (heaptrack on the 1,000,000-line FEC: 21 MB of texts copied into
/// 42 MB, 17 MB of lines into 34 MB, at the same moment). Here a full chunk is never copied or
/// moved: growing costs one more chunk. Elements come back in the order they were appended (a
/// test checks it across chunk boundaries).
package struct ChunkedArray<Element> {
    private var chunks: [[Element]] = []
    /// log2 of the elements per chunk.
    private let shift: Int
    private var mask: Int { (1 << shift) - 1 }
    package private(set) var count = 0
    /// Set by ``freeChunk(_:)``: nothing may be appended afterwards.
    private var freedAny = false

    /// Chunks of `1 << chunkShift` elements (the default: about 1 MiB for the 32-byte rows here).
    package init(chunkShift: Int = 15) {
        precondition((0..<31).contains(chunkShift), "a chunk of 2^\(chunkShift) elements")
        shift = chunkShift
    }

    package var isEmpty: Bool { count == 0 }

    package mutating func append(_ element: Element) {
        precondition(!freedAny, "append to a ChunkedArray whose chunks were freed")
        if count & mask == 0 {
            var chunk: [Element] = []
            chunk.reserveCapacity(1 << shift)
            chunks.append(chunk)
        }
        chunks[chunks.count - 1].append(element)
        count += 1
    }

    package subscript(index: Int) -> Element {
        precondition(index >= 0 && index < count, "index \(index) out of 0..<\(count)")
        return chunks[index >> shift][index & mask]
    }

    /// The chunk that holds element `index` (what ``freeChunk(_:)`` takes).
    package func chunk(of index: Int) -> Int { index >> shift }

    /// Frees the elements of chunk `chunk`: reading one of them afterwards stops the program
    /// (an index out of range), and nothing can be appended any more. The memory goes back when
    /// this array was the chunk's only owner (a copy that shares it keeps it alive).
    package mutating func freeChunk(_ chunk: Int) {
        freedAny = true
        chunks[chunk] = []
    }

    /// Chunks not freed (tests check what ``freeChunk(_:)`` gave back).
    package var heldChunks: Int { chunks.reduce(0) { $0 + ($1.isEmpty ? 0 : 1) } }
}
