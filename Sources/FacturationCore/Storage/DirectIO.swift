import CSupport

/// Whether an ``OutputFile``'s writes go from its buffer straight to the disk (`O_DIRECT`)
/// instead of through the page cache, and the rules that keep such writes valid.
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
/// Crash safety is that of every ``OutputFile``: the commit fsyncs (the disk's cache, the file's
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

    init(wanted: Bool = false) { state = wanted ? .wanted : .unwanted }

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

    /// Turns the mode off for the rest of the file.
    mutating func leave(_ descriptor: Int32) {
        _ = fct_set_direct_io(descriptor, 0)
        state = .off
    }
}
