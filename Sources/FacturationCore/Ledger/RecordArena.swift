import CSupport
import Foundation

/// Fixed-size chunks of memory that the sorters of one ``DirectLedgerRows`` take for their
/// records and give back once a spill is written, so that the next spill reuses pages already
/// faulted in.
///
/// Why: each background spill handed its sorter a fresh arena and freed the written one, so the
/// 1 GB Clockify `run` faulted in and zeroed about 1.8 GB of fresh huge pages for 128 MB of budget
/// (`clear_page_erms`, 8 % of the run's CPU, issue #9). Recycling whole arenas kept each one's
/// fullest fill resident, about twice the budget (488–512 MB peak). Chunks go back to one pool and
/// are handed out again by whichever month needs them, so what stays resident is what the months
/// hold together (the shared budget), one partly filled chunk per month, and the spills in flight.
/// Chunks are kept while records come in: the pool's size is the peak of chunks in use
/// (``allocatedChunks``, ExternalSorterTests+ChunkPool); once the merge starts, the spare ones go
/// back to the system (``releaseFreeChunks()``), so that the ledgers' writing does not stack its
/// buffers on them.
///
/// Thread-safe: the spill worker gives chunks back while the converter takes them.
final class ChunkPool: @unchecked Sendable {
    /// Bytes of one chunk: one huge page.
    static let defaultChunkSize = 2 << 20

    let chunkSize: Int
    private let hugePages: Bool
    private let lock = NSLock()
    private var free: [UnsafeMutableRawPointer] = []
    private var owned: [UnsafeMutableRawPointer] = []

    /// A pool of `chunkSize`-byte chunks (advised as huge pages when `hugePages`).
    init(chunkSize: Int = ChunkPool.defaultChunkSize, hugePages: Bool) {
        precondition(chunkSize >= 4096 && chunkSize & (chunkSize - 1) == 0, "a chunk is a power of two of pages")
        self.chunkSize = chunkSize
        self.hugePages = hugePages
    }

    deinit { for chunk in owned { Self.unmap(chunk, chunkSize) } }

    /// Chunks allocated so far (in use or free): the pool's memory is this many chunks.
    var allocatedChunks: Int { lock.withLock { owned.count } }

    /// Chunks given back and not taken again.
    var freeChunks: Int { lock.withLock { free.count } }

    /// A chunk: a free one (the last given back, whose pages are likely warm), else a new one.
    func take() -> UnsafeMutableRawPointer {
        if let chunk = lock.withLock({ free.popLast() }) { return chunk }
        let chunk = Self.map(chunkSize)
        if hugePages { _ = fct_advise_huge_pages(chunk, chunkSize) }
        lock.withLock { owned.append(chunk) }
        return chunk
    }

    /// Returns the chunks nobody holds to the system (a later ``take()`` maps a new one).
    func releaseFreeChunks() {
        let spare: [UnsafeMutableRawPointer] = lock.withLock {
            let spare = free
            free.removeAll()
            owned.removeAll { chunk in spare.contains(chunk) }
            return spare
        }
        for chunk in spare { Self.unmap(chunk, chunkSize) }
    }

    /// A chunk of `size` bytes (a power of two) starting at a multiple of its size, mapped apart
    /// rather than by `malloc`: glibc keeps freed blocks of this size in its heap (536–544 MB peak
    /// in the 1 GB `run` when chunks were freed), an unmapped chunk goes back at once.
    private static func map(_ size: Int) -> UnsafeMutableRawPointer {
        guard let raw = mmap(nil, 2 * size, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0),
            raw != MAP_FAILED
        else { fatalError("could not map \(size) bytes for the sort arenas") }
        let start = Int(bitPattern: raw)
        let aligned = (start + size - 1) / size * size
        if aligned > start { munmap(raw, aligned - start) }
        munmap(UnsafeMutableRawPointer(bitPattern: aligned + size), size - (aligned - start))
        return UnsafeMutableRawPointer(bitPattern: aligned)!
    }

    private static func unmap(_ chunk: UnsafeMutableRawPointer, _ size: Int) { munmap(chunk, size) }

    /// Gives chunks back for reuse (their bytes are left as they are).
    func give(_ chunks: [UnsafeMutableRawPointer]) {
        guard !chunks.isEmpty else { return }
        lock.withLock { free.append(contentsOf: chunks) }
    }
}

/// The memory of one sorter's records (``ExternalSorter``): records are appended whole into
/// chunks of a ``ChunkPool`` and stay where they are until ``removeAll()`` gives the chunks back.
/// A record larger than a chunk gets an allocation of its own, freed by ``removeAll()``.
///
/// Owned by one thread at a time (the sorter's, then the spill worker's once handed over).
final class RecordArena {
    let pool: ChunkPool
    @exclusivity(unchecked) private var chunks: [UnsafeMutableRawPointer] = []
    @exclusivity(unchecked) private var oversized: [UnsafeMutableRawPointer] = []
    @exclusivity(unchecked) private var cursor: UnsafeMutablePointer<UInt8>?
    @exclusivity(unchecked) private var left = 0
    /// Bytes of records held (what the sorters' budget counts; a chunk's unused end is not).
    @exclusivity(unchecked) private(set) var count = 0

    init(pool: ChunkPool) { self.pool = pool }

    deinit { removeAll() }

    /// Room for a record of `length` bytes, contiguous; the caller writes them there at once.
    @inline(__always)
    func reserve(_ length: Int) -> UnsafeMutablePointer<UInt8> {
        if length > left { return reserveInNewChunk(length) }
        let start = cursor.unsafelyUnwrapped
        cursor = start + length
        left -= length
        count += length
        return start
    }

    private func reserveInNewChunk(_ length: Int) -> UnsafeMutablePointer<UInt8> {
        count += length
        guard length <= pool.chunkSize else {
            let own = UnsafeMutableRawPointer.allocate(byteCount: length, alignment: 16)
            oversized.append(own)
            return own.assumingMemoryBound(to: UInt8.self)
        }
        let chunk = pool.take()
        chunks.append(chunk)
        let start = chunk.assumingMemoryBound(to: UInt8.self)
        cursor = start + length
        left = pool.chunkSize - length
        return start
    }

    /// Gives the chunks back to the pool and frees the oversized records: every record reserved
    /// so far is invalid from now on.
    func removeAll() {
        pool.give(chunks)
        chunks.removeAll()
        for own in oversized { own.deallocate() }
        oversized.removeAll()
        cursor = nil
        left = 0
        count = 0
    }
}
