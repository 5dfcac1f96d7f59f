import CSupport
import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// A record to sort: `orderKey` compares bytewise; `payload` travels with it. Both live in one
/// array (one allocation per record read back, not two).
struct SortRecord {
    let bytes: [UInt8]
    let keyLength: Int

    init(orderKey: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(orderKey.count + payload.count)
        bytes.append(contentsOf: orderKey)
        bytes.append(contentsOf: payload)
        self.init(bytes: bytes, keyLength: orderKey.count)
    }

    init(bytes: [UInt8], keyLength: Int) {
        self.bytes = bytes
        self.keyLength = keyLength
    }

    var orderKey: ArraySlice<UInt8> { bytes[0..<keyLength] }
    var payload: ArraySlice<UInt8> { bytes[keyLength...] }
}

/// Sorts any number of records in bounded memory: records are kept in one memory arena up to
/// a budget, then sorted and spilled to run files in a scratch folder; ``sorted()`` merges the
/// runs.
///
/// Callers make order keys unique (they end with a sequence number or the record key), so
/// the order is total and the output deterministic.
final class ExternalSorter {
    // Exclusivity: see ``ExclusivityNote`` (why the `@exclusivity(unchecked)` properties here are safe and needed).
    /// A record held in the arena: where it is, and the first 24 bytes of its order key.
    struct Entry {
        /// The first byte of the record's order key, in a chunk of the sorter's ``RecordArena``,
        /// where the record is stored as a run file holds it (``RunFormat``): its length before it,
        /// the payload's length then the payload after it.
        var start: UnsafeMutablePointer<UInt8>
        /// The lengths in 32 bits (a record is shorter than the arena), so an entry is 40 bytes.
        private var keyCount: UInt32
        private var payloadCount: UInt32
        var head: KeyHead

        var keyLength: Int { Int(keyCount) }
        var payloadLength: Int { Int(payloadCount) }

        init(start: UnsafeMutablePointer<UInt8>, keyLength: Int, payloadLength: Int) {
            self.start = start
            keyCount = UInt32(keyLength)
            payloadCount = UInt32(payloadLength)
            head = KeyHead(start, count: keyLength)
        }

        /// The record as a run file holds it.
        var runRecord: UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: start - 4, count: RunFormat.overhead + keyLength + payloadLength)
        }

        /// The payload, after the order key and the payload's length.
        var payload: UnsafeRawBufferPointer {
            UnsafeRawBufferPointer(start: start + keyLength + 4, count: payloadLength)
        }

        /// True when `self`'s order key sorts before `other`'s: bytewise, a key that is a prefix of
        /// the other first (memcmp, then the shorter), decided by the heads when they differ.
        @inline(__always)
        func precedes(_ other: Entry) -> Bool {
            if head != other.head { return head < other.head }
            let common = min(keyLength, other.keyLength)
            if common > KeyHead.byteCount {
                let skip = KeyHead.byteCount
                let order = memcmp(start + skip, other.start + skip, common - skip)
                if order != 0 { return order < 0 }
            }
            return keyLength < other.keyLength
        }
    }

    private let folder: String
    private let memoryBudget: Int
    @exclusivity(unchecked) private var arena: RecordArena
    @exclusivity(unchecked) private var entries: [Entry] = []
    private var runs: [String] = []
    private let name = "run-\(UInt32.random(in: 0...UInt32.max))"

    /// A sorter whose records take chunks of `pool` (the one shared by the months of a
    /// ``DirectLedgerRows``), or of a pool of its own when nil.
    ///
    /// A large pool's chunks are backed by huge pages (``fct_advise_huge_pages``): faulting the
    /// arenas in 4 KiB at a time was about a third of the in-order thread's time in the 1 GB `run`
    /// (issue #9: half a million faults); reusing the chunks (``ChunkPool``) then avoids most
    /// faults altogether.
    init(folder: String, memoryBudget: Int, pool: ChunkPool? = nil) {
        self.folder = folder
        self.memoryBudget = memoryBudget
        arena = RecordArena(pool: pool ?? ChunkPool(hugePages: memoryBudget >= 32 << 20))
    }

    /// The scratch folder of the run files.
    var folderPath: String { folder }

    /// Number of run files written so far (0 when everything fit in memory).
    var spilledRuns: Int { runs.count }

    /// Bytes of records held in memory (the arena and the index), as the budget counts them.
    var heldBytes: Int { arena.count + entries.count * MemoryLayout<Entry>.stride }

    /// Adds a record (the bytes are copied).
    func add(orderKey: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) throws {
        let start = RunFormat.place(keyLength: orderKey.count, payloadLength: payload.count, in: arena)
        Self.copy(orderKey, to: start)
        Self.copy(payload, to: start + orderKey.count + 4)
        entries.append(Entry(start: start, keyLength: orderKey.count, payloadLength: payload.count))
        if arena.count + entries.count * MemoryLayout<Entry>.stride >= memoryBudget { try spill() }
    }

    @inline(__always)
    private static func copy(_ bytes: UnsafeRawBufferPointer, to destination: UnsafeMutablePointer<UInt8>) {
        guard let source = bytes.baseAddress, !bytes.isEmpty else { return }
        UnsafeMutableRawPointer(destination).copyMemory(from: source, byteCount: bytes.count)
    }

    /// Adds a record whose order key is `orderKey` then `sequence` (8 bytes, big-endian, as
    /// ``MergeRecord/appendUInt64(_:to:)`` writes it), without building that key apart first.
    func add(orderKey: UnsafeRawBufferPointer, sequence: UInt64, payload: UnsafeRawBufferPointer) throws {
        let arena = arena  // one retain for the uses below (once per row of a large export)
        let start = RunFormat.place(keyLength: orderKey.count + 8, payloadLength: payload.count, in: arena)
        Self.copy(orderKey, to: start)
        withUnsafeBytes(of: sequence.bigEndian) { Self.copy($0, to: start + orderKey.count) }
        Self.copy(payload, to: start + orderKey.count + 12)
        entries.append(Entry(start: start, keyLength: orderKey.count + 8, payloadLength: payload.count))
        if arena.count + entries.count * MemoryLayout<Entry>.stride >= memoryBudget { try spill() }
    }

    private func sortEntries() {
        Self.sort(&entries)
    }

    private static func sort(_ entries: inout [Entry]) {
        entries.sort { lhs, rhs in lhs.precedes(rhs) }
    }

    /// The `index`-th record kept in memory (after ``sorted()`` sorted them), in the arena.
    func memoryRecordInPlace(_ index: Int) -> RecordInPlace? {
        guard index < entries.count else { return nil }
        let entry = entries[index]
        return RecordInPlace(
            orderKey: UnsafeRawBufferPointer(start: entry.start, count: entry.keyLength), payload: entry.payload)
    }

    private func spill() throws {
        sortEntries()
        let path = try nextRunPath()
        let staging = ownStaging ?? StagedScratchFile.makeStaging()
        ownStaging = staging
        try Self.writeRun(entries, to: path, staging: staging)
        runs.append(path)
        entries.removeAll(keepingCapacity: true)
        arena.removeAll()
    }

    /// The staging buffer of the runs this sorter writes itself (made at its first spill).
    private var ownStaging: ByteBuffer?

    /// Run files named so far (a merge pass replaces several runs by one: names are never reused).
    private var runSerial = 0

    private func nextRunPath() throws -> String {
        try Storage.makeDirectory(folder)
        runSerial += 1
        return Path.join(folder, "\(name)-\(runSerial - 1).bin")
    }

    /// Writes the records in the order of `entries`, each as the arena stores it (as the run file
    /// holds it: ``RunFormat/place(keyLength:payloadLength:in:)``), gathered in `staging` and
    /// written straight to the disk in whole blocks (``StagedScratchFile``, which says why).
    ///
    /// The staging buffer is reused from run to run (a fresh buffer per run was fresh memory);
    /// copying into it costs less than the kernel's copy into fresh page-cache pages that writing
    /// the records from the arena where they lie (`writev`) cost on the benchmark's machines.
    private static func writeRun(_ entries: [Entry], to path: String, staging: ByteBuffer) throws {
        let file = try StagedScratchFile(path: path, staging: staging)
        for entry in entries { try file.write(entry.runRecord) }
        try file.close()
    }

    /// Spills the records held in memory, for sorters that share one budget (``DirectLedgerRows``):
    /// `worker` sorts and writes them while the caller goes on adding to a fresh arena, and the old
    /// arena's chunks go back to the pool once written, for whichever sorter needs them next (a
    /// spilled sorter may not be added to for a long time; its chunks would otherwise sit idle).
    /// ``sorted()`` and ``removeRuns()`` wait for the worker.
    func spillInBackground(on worker: SpillWorker) throws {
        guard !entries.isEmpty else { return }
        let job = SpillWorker.Job(entries: entries, arena: arena, path: try nextRunPath())
        runs.append(job.path)
        arena = RecordArena(pool: arena.pool)
        entries = []
        pendingWorker = worker
        worker.start(job)
    }

    /// The worker of the last background spill (nil when there was none).
    private var pendingWorker: SpillWorker?

    private func waitForSpills() throws {
        guard let worker = pendingWorker else { return }
        pendingWorker = nil
        try worker.wait()
    }

    /// Run files merged at once, at most: the merge keeps each one open, and a process may have
    /// as few as 1,024 descriptors (a month that spilled more runs stopped every run at the merge
    /// with "Too many open files", found with a tiny row budget).
    static let mergeFanIn = 128

    /// All records in order. Consumes the sorter. More than `fanIn` run files are first merged in
    /// passes, `fanIn` at a time, into fewer.
    func sorted(fanIn: Int = ExternalSorter.mergeFanIn) throws -> SortedRecords {
        try waitForSpills()
        // No record comes in once the merge starts (a demoted month merely maps new chunks later).
        arena.pool.releaseFreeChunks()
        sortEntries()
        try mergeRuns(downTo: fanIn)
        var sources: [SortedRecords.Source] = []
        for path in runs { sources.append(.run(try RunReader(path: path))) }
        sources.append(.memory(MemoryCursor(sorter: self)))
        return try SortedRecords(sources: sources)
    }

    /// Merges the first `fanIn` run files into one new run (written like any other, at the end of
    /// the list), then deletes them, until at most `fanIn` remain.
    private func mergeRuns(downTo fanIn: Int) throws {
        precondition(fanIn >= 2, "a merge pass needs two runs at least")
        while runs.count > fanIn {
            let group = Array(runs.prefix(fanIn))
            let staging = ownStaging ?? StagedScratchFile.makeStaging()
            ownStaging = staging
            let path = try nextRunPath()
            runs.append(path)  // deleted with the others should the pass fail
            var merged = try SortedRecords(sources: group.map { .run(try RunReader(path: $0)) })
            let file = try StagedScratchFile(path: path, staging: staging)
            while let record = merged.nextInPlace() {
                for part in [record.orderKey, record.payload] {
                    try withUnsafeBytes(of: UInt32(part.count).bigEndian) { try file.write($0) }
                    try file.write(part)
                }
            }
            try merged.checkError()
            try file.close()
            runs.removeFirst(fanIn)
            for run in group { try? Storage.removeFile(run) }
        }
    }

    /// Sorts a background job's records and writes its run file (on the ``SpillWorker``'s thread).
    fileprivate static func sortAndWrite(_ job: SpillWorker.Job, staging: ByteBuffer) throws {
        defer {
            job.entries = []
            job.arena.removeAll()  // the chunks back to the pool as soon as written
        }
        sort(&job.entries)
        try writeRun(job.entries, to: job.path, staging: staging)
    }

    /// Deletes the run files.
    func removeRuns() {
        try? waitForSpills()
        for path in runs { try? Storage.removeFile(path) }
        runs.removeAll()
    }
}

/// The first 24 bytes of an order key as three big-endian words (zeros past the key's end), kept
/// in the sorter's ``ExternalSorter/Entry`` beside the record's offset.
///
/// Why: sorting a spilled arena compared keys with `memcmp` on the arena, two random reads of
/// memory per comparison (a third of the spill thread's time in the 1 GB `run`, issue #9). Most
/// comparisons are decided by the first 24 bytes (a time entry's key starts with its UTC start
/// time to the second), which now sit in the entries themselves. The order is the bytewise one:
/// where the heads differ, the first differing byte is either a real difference of the keys or,
/// past the end of the shorter key, a zero against a byte of the longer key that is not zero, so
/// the shorter sorts first, as `memcmp` then the length decide (ExternalSorterTests).
struct KeyHead: Equatable, Comparable {
    static let byteCount = 24
    var first: UInt64
    var second: UInt64
    var third: UInt64

    init(_ key: UnsafeRawPointer?, count: Int) {
        var words: (UInt64, UInt64, UInt64) = (0, 0, 0)
        if let key, count > 0 {
            withUnsafeMutableBytes(of: &words) { raw in
                raw.baseAddress!.copyMemory(from: key, byteCount: min(count, Self.byteCount))
            }
        }
        first = UInt64(bigEndian: words.0)
        second = UInt64(bigEndian: words.1)
        third = UInt64(bigEndian: words.2)
    }

    static func < (lhs: KeyHead, rhs: KeyHead) -> Bool {
        if lhs.first != rhs.first { return lhs.first < rhs.first }
        if lhs.second != rhs.second { return lhs.second < rhs.second }
        return lhs.third < rhs.third
    }
}

/// One background thread that sorts and writes spilled runs, one at a time.
///
/// Why: the converter fills the sorters of ``DirectLedgerRows`` on one core; sorting a full
/// arena and writing it out would stop it for a fraction of a second each time. Handed to this
/// thread, the work runs on the machine's second core while conversion goes on. At most one job
/// is in flight: ``start(_:)`` waits for the previous one, so the memory in flight is one arena.
/// The job owns its arena and entries (the sorter took fresh ones), so nothing is shared but the
/// job's outcome, which the lock guards.
final class SpillWorker: @unchecked Sendable {
    /// A spilled arena: its records, sorted then written to `path`.
    final class Job: @unchecked Sendable {
        var entries: [ExternalSorter.Entry]
        let arena: RecordArena
        let path: String

        init(entries: [ExternalSorter.Entry], arena: RecordArena, path: String) {
            self.entries = entries
            self.arena = arena
            self.path = path
        }
    }

    private let queue = DispatchQueue(label: "facturation.spill")
    /// The staging buffer of the run files, used on `queue` only (one job at a time).
    private let staging = StagedScratchFile.makeStaging()
    private let group = DispatchGroup()
    private let lock = NSLock()
    private var failure: (any Error)?

    /// Waits for the job in flight, then starts `job`.
    func start(_ job: Job) {
        group.wait()
        group.enter()
        queue.async { [self] in
            defer { group.leave() }
            do {
                try ExternalSorter.sortAndWrite(job, staging: staging)
            } catch {
                lock.withLock { if failure == nil { failure = error } }
            }
        }
    }

    /// Waits for the job in flight and throws the first failure of any job.
    func wait() throws {
        group.wait()
        if let failure = lock.withLock({ failure }) { throw failure }
    }
}

/// A record seen where it lies (a run reader's buffer, a sorter's arena): valid until its source
/// moves on (for ``SortedRecords/nextInPlace()``, until the next call).
struct RecordInPlace {
    let orderKey: UnsafeRawBufferPointer
    let payload: UnsafeRawBufferPointer
    /// The first bytes of the order key, compared first (``KeyHead``).
    let head: KeyHead

    init(orderKey: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer) {
        self.orderKey = orderKey
        self.payload = payload
        head = KeyHead(orderKey.baseAddress, count: orderKey.count)
    }

    /// True when `self`'s order key sorts before `other`'s: bytewise, a key that is a prefix of the
    /// other first (the order of ``ExternalSorter/Entry``).
    @inline(__always)
    func precedes(_ other: RecordInPlace) -> Bool {
        if head != other.head { return head < other.head }
        let common = min(orderKey.count, other.orderKey.count)
        if common > KeyHead.byteCount {
            let skip = KeyHead.byteCount
            let order = memcmp(orderKey.baseAddress! + skip, other.orderKey.baseAddress! + skip, common - skip)
            if order != 0 { return order < 0 }
        }
        return orderKey.count < other.orderKey.count
    }

    /// A copy that owns its bytes.
    var copy: SortRecord { SortRecord(orderKey: orderKey, payload: payload) }
}

/// A k-way merge of sorted sources (in-memory records and run files), smallest first.
///
/// Records are compared and handed out where they lie (``RecordInPlace``), so a reader that writes
/// each record out at once (``MonthRows/writeLedger(into:)``) copies nothing per record. Why: the
/// merge allocated, filled and freed one array per record (3.9 million of them, 1.8 GB copied,
/// in the 1 GB `run` of issue #9) and compared whole keys with `memcmp` against each source.
/// A source moves on only when the next record is asked for, so what was handed out stays valid
/// until then.
struct SortedRecords: IteratorProtocol {
    enum Source {
        case memory(MemoryCursor)
        case run(RunReader)

        func advance() throws -> RecordInPlace? {
            switch self {
            case .memory(let cursor): cursor.advance()
            case .run(let reader): try reader.advance()
            }
        }
    }

    private var sources: [Source]
    private var heads: [RecordInPlace?]
    /// The source whose head was handed out last: it moves on at the next call.
    private var handedOut: Int?
    private var failure: (any Error)?

    init(sources: [Source]) throws {
        self.sources = sources
        heads = []
        for source in self.sources { heads.append(try source.advance()) }
    }

    /// The next record, copied; I/O errors end the sequence and are reported by ``checkError()``.
    mutating func next() -> SortRecord? {
        nextInPlace()?.copy
    }

    /// The next record where it lies, valid until the next call (of this or ``next()``); I/O
    /// errors end the sequence and are reported by ``checkError()``.
    mutating func nextInPlace() -> RecordInPlace? {
        if let source = handedOut {
            handedOut = nil
            do {
                heads[source] = try sources[source].advance()
            } catch {
                failure = error
                heads = heads.map { _ in nil }
                return nil
            }
        }
        var best: Int?
        for index in heads.indices {
            guard let head = heads[index] else { continue }
            if let current = best, !head.precedes(heads[current]!) { continue }
            best = index
        }
        guard let best else { return nil }
        handedOut = best
        return heads[best]
    }

    /// Throws the error that ended the sequence early, if any.
    func checkError() throws {
        if let failure { throw failure }
    }
}

/// Walks the records a sorter kept in memory, keeping the sorter (and its arena) alive.
final class MemoryCursor {
    private let sorter: ExternalSorter
    @exclusivity(unchecked) private var index = 0

    init(sorter: ExternalSorter) { self.sorter = sorter }

    /// The next record, in the sorter's arena.
    func advance() -> RecordInPlace? {
        defer { index += 1 }
        return sorter.memoryRecordInPlace(index)
    }

    func next() -> SortRecord? { advance()?.copy }
}

/// Binary format of run files: `[u32 key length][key][u32 payload length][payload]`, big-endian
/// like the records themselves (``MergeRecord``). Run files live in a claim's scratch folder and
/// are never read by another version of the program (a resumed claim recomputes them).
enum RunFormat {
    /// Bytes of a record besides its key and payload: the two lengths.
    static let overhead = 8

    /// Reserves a record in `arena` and writes its two lengths; returns where its key goes (its
    /// payload goes 4 bytes after the key's end).
    @inline(__always)
    static func place(keyLength: Int, payloadLength: Int, in arena: RecordArena) -> UnsafeMutablePointer<UInt8> {
        let record = arena.reserve(overhead + keyLength + payloadLength)
        storeLength(keyLength, at: record)
        storeLength(payloadLength, at: record + 4 + keyLength)
        return record + 4
    }

    @inline(__always)
    private static func storeLength(_ length: Int, at address: UnsafeMutablePointer<UInt8>) {
        precondition(length >= 0 && length <= Int(UInt32.max), "a sort record is longer than 4 GB")
        UnsafeMutableRawPointer(address).storeBytes(of: UInt32(length).bigEndian, as: UInt32.self)
    }
}

/// Reads records back from a run file, sequentially, into one buffer that each record is
/// handed out from (``advance()``).
final class RunReader {
    private let file: InputFile
    @exclusivity(unchecked) private var storage: UnsafeMutableRawBufferPointer
    @exclusivity(unchecked) private var start = 0
    @exclusivity(unchecked) private var end = 0
    /// Bytes of the record handed out last, dropped at the next call.
    @exclusivity(unchecked) private var handedOut = 0

    init(path: String) throws {
        file = try InputFile(path: path)
        storage = .allocate(byteCount: 1 << 16, alignment: 16)
    }

    deinit { storage.deallocate() }

    /// The next record, in this reader's buffer: valid until the next call.
    func advance() throws -> RecordInPlace? {
        start += handedOut
        handedOut = 0
        guard try fill(4) else { return nil }
        let keyLength = length(at: start)
        guard try fill(4 + keyLength + 4) else { throw truncated }
        let payloadLength = length(at: start + 4 + keyLength)
        let total = 4 + keyLength + 4 + payloadLength
        guard try fill(total) else { throw truncated }
        handedOut = total
        let base = UnsafeRawPointer(storage.baseAddress! + start)
        return RecordInPlace(
            orderKey: UnsafeRawBufferPointer(start: base + 4, count: keyLength),
            payload: UnsafeRawBufferPointer(start: base + 8 + keyLength, count: payloadLength))
    }

    /// The next record, copied.
    func next() throws -> SortRecord? { try advance()?.copy }

    private var truncated: StorageError {
        StorageError(operation: "read", path: file.path, code: 0, detail: "the run file is truncated")
    }

    private func length(at offset: Int) -> Int {
        Int(UInt32(bigEndian: storage.loadUnaligned(fromByteOffset: offset, as: UInt32.self)))
    }

    /// Makes at least `count` bytes available from `start`; false when the file ends first.
    private func fill(_ count: Int) throws -> Bool {
        if end - start >= count { return true }
        if start > 0 {
            storage.baseAddress!.copyMemory(from: storage.baseAddress! + start, byteCount: end - start)
            end -= start
            start = 0
        }
        if storage.count < count {
            let larger = UnsafeMutableRawBufferPointer.allocate(byteCount: count + (1 << 16), alignment: 16)
            larger.baseAddress!.copyMemory(from: storage.baseAddress!, byteCount: end)
            storage.deallocate()
            storage = larger
        }
        while end < count {
            let read = try file.read(into: UnsafeMutableRawBufferPointer(rebasing: storage[end...]))
            if read == 0 { return false }
            end += read
        }
        return true
    }
}
