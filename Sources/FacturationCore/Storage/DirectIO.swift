import CSupport

#if canImport(Glibc)
import Glibc
#endif

/// Whether the writes of an ``OutputFile`` or a ``StagedScratchFile`` go from its buffer straight
/// to the disk (`O_DIRECT`) instead of through the page cache, and the rules that keep such writes
/// valid. (A ``StagedScratchFile`` holds sort runs: its own documentation says why they skip the
/// page cache; it is never fsynced, a resumed claim recomputes it.)
///
/// Why: a new month ledger of a large export and its outbox copy (about 140 MB each, 3.4 GB for
/// the 1 GB `run` of issue #9) were copied into the page cache and then written to disk by the
/// commit's fsync. The copy into the page cache was the run's largest single cost (a quarter of
/// its samples): each of those pages is memory the run had not touched yet, which is slow to
/// touch the first time on the benchmark's virtual machine, and nothing reads the files back
/// during the run (the ledger's hash and its copy are made from the same buffer). A direct write
/// costs almost nothing on the processor; the disk time is the same, since the commit waits for
/// the data to be on disk either way.
///
/// Rules (the kernel's: EINVAL otherwise): a direct write is whole blocks, from memory and at a
/// file offset that are multiples of ``alignment``. So the mode is turned on only at a file's
/// first write, at offset 0, when that write obeys them (nothing of the file is in the page cache
/// then), and turned off for good before the first write that does not (the file's last, partial
/// block), or when the file system refuses it (EINVAL: tmpfs, some network file systems); those
/// bytes go through the page cache as before. The file's contents are the same either way.
/// Crash safety of an ``OutputFile`` is that of every other: the commit fsyncs (the disk's cache, the file's
/// size and blocks) before it renames, and an uncommitted file is deleted.
struct DirectIO {
    /// The alignment of memory, length and file offset for a direct write: the page size, a
    /// multiple of every disk's logical block size.
    static let alignment = 4096

    enum State: Equatable {
        /// Writes go through the page cache (the default).
        case unwanted
        /// Asked for; turned on at the first write if it obeys the rules.
        case wanted
        /// The descriptor has `O_DIRECT`.
        case on
        /// Turned off for the rest of the file (a write that breaks the rules, or a refusal).
        case off
    }

    private(set) var state: State
    /// Direct writes that succeeded so far (for the refusal seam).
    private var directWrites = 0
    /// After this many direct writes the next one is refused with EINVAL (``refusalAfter``), nil
    /// when none is.
    private let refusedAfter: Int?

    /// Test seam: `FACTURATION_TEST_DIRECT_REFUSAL=n` makes every file refuse its direct writes
    /// after its n-th (0: the first) with EINVAL, as a file system that refuses `O_DIRECT` only at
    /// the write would, and says so on stderr (`direct-io refused after n`), so that a test sees
    /// the fallback taken. Why a seam: no file system on the test machines refuses (tmpfs accepts
    /// `O_DIRECT` on recent kernels), and mounting one needs root. Unset, it costs one comparison
    /// per direct write.
    static let refusalAfter: Int? = getenv("FACTURATION_TEST_DIRECT_REFUSAL").flatMap { Int(String(cString: $0)) }

    init(wanted: Bool = false, refusedAfter: Int? = Self.refusalAfter) {
        state = wanted ? .wanted : .unwanted
        self.refusedAfter = refusedAfter
    }

    /// True while whole blocks may still be written directly.
    var isWanted: Bool { state == .wanted || state == .on }

    var isOn: Bool { state == .on }

    /// `count` rounded down to whole blocks.
    static func wholeBlocks(_ count: Int) -> Int { count & ~(alignment - 1) }

    /// True when `bytes`, written at `offset`, may be written directly.
    static func obeysRules(_ bytes: UnsafeRawBufferPointer, at offset: Int64) -> Bool {
        guard let start = bytes.baseAddress, !bytes.isEmpty else { return false }
        return Int(bitPattern: start) % alignment == 0 && bytes.count % alignment == 0
            && offset % Int64(alignment) == 0
    }

    /// Sets the descriptor's mode for writing `bytes` at `offset`: on at the file's first write
    /// when it was wanted and the write obeys the rules, off for good before a write that does not.
    mutating func prepare(_ descriptor: Int32, toWrite bytes: UnsafeRawBufferPointer, at offset: Int64) {
        switch state {
        case .wanted:
            guard offset == 0, Self.obeysRules(bytes, at: offset) else {
                state = .off
                return
            }
            state = fct_set_direct_io(descriptor, 1) == 0 ? .on : .off
        case .on:
            if !Self.obeysRules(bytes, at: offset) { leave(descriptor) }
        case .unwanted, .off:
            return
        }
    }

    /// Writes `bytes` to `descriptor` (`write(2)`: the count written, or -1 with `errno` set);
    /// a direct write the refusal seam refuses fails with EINVAL without reaching the kernel.
    mutating func write(_ descriptor: Int32, _ bytes: UnsafeRawBufferPointer) -> Int {
        guard state == .on else { return Glibc.write(descriptor, bytes.baseAddress!, bytes.count) }
        if let refusedAfter, directWrites >= refusedAfter {
            if Self.refusalAfter != nil { StandardStreams.err("direct-io refused after \(directWrites)\n") }
            errno = EINVAL
            return -1
        }
        let count = Glibc.write(descriptor, bytes.baseAddress!, bytes.count)
        if count >= 0 { directWrites += 1 }
        return count
    }

    /// Writes all of `bytes` to `descriptor`, whose position is `offset`: directly while the rules
    /// allow (``prepare(_:toWrite:at:)``), through the page cache from a refusal (EINVAL) or a write
    /// that breaks them on. Returns how many of the bytes went directly. `path` names the file in
    /// an error.
    mutating func writeAll(
        _ descriptor: Int32, _ bytes: UnsafeRawBufferPointer, at offset: Int64, path: String
    ) throws(StorageError) -> Int64 {
        var done = 0
        var direct: Int64 = 0
        while done < bytes.count {
            let rest = UnsafeRawBufferPointer(rebasing: bytes[done...])
            prepare(descriptor, toWrite: rest, at: offset + Int64(done))
            let count = write(descriptor, rest)
            if count < 0 {
                if errno == EINTR { continue }
                // The file system refused a direct write: this one and the next go through the page cache.
                if errno == EINVAL, isOn {
                    leave(descriptor)
                    continue
                }
                throw .system("write", path)
            }
            if count == 0 { throw StorageError(operation: "write", path: path, code: 0, detail: "nothing written") }
            if isOn { direct += Int64(count) }
            done += count
        }
        return direct
    }

    /// Turns the mode off for the rest of the file.
    mutating func leave(_ descriptor: Int32) {
        _ = fct_set_direct_io(descriptor, 0)
        state = .off
    }
}
