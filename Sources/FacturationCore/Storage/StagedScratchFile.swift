#if canImport(Glibc)
import Glibc
#endif

/// A scratch file whose bytes are gathered in a staging buffer and written in whole blocks
/// straight to the disk (``DirectIO``), not through the page cache; the last partial block, and
/// everything after a refusal, goes through the page cache. Nothing in it is trusted after a
/// crash (like ``ScratchFile``: neither fsynced nor published).
///
/// Why (fenced performance code, issue #9, the 1 GB `run`): the sort runs a large export spills
/// (about 1.2 GB of the 1 GB `run`) were written through the page cache. On the benchmark's
/// virtual machines, memory the guest has not touched lately is slow to touch (the host hands
/// freed guest memory back within seconds and backs it again page by page at the next touch):
/// the kernel's copy into fresh page-cache pages was 18 % of the run's samples on a fresh VM,
/// three times what the same copy costs where that memory is warm. Written directly, a run costs
/// one copy into this staging buffer, which is reused from job to job (warm), and the device's
/// time, which is idle while the conversion runs. The runs are read back through the page cache
/// as before (``RunReader``): the device fills those pages, not the processor. Measured on a
/// fresh 2-core VM (alternated runs of the 1 GB export): the conversion phase 13.2–13.4 s →
/// 9.1–10.4 s, the end phase, which now reads the runs from the device while it writes the
/// ledgers, 3.4–3.6 s → 4.5–5.3 s; the whole run about 2 s shorter, the kernel's CPU 6–8.6 s → 1.8–2.9 s.
final class StagedScratchFile {
    let path: String
    private let descriptor: Int32
    private let staging: ByteBuffer
    private var direct: DirectIO
    /// Bytes handed to the kernel so far (the file offset of the staging buffer's first byte).
    private var written: Int64 = 0
    /// Of those, the bytes written straight to the disk.
    private(set) var bytesWrittenDirectly: Int64 = 0
    private var closed = false

    /// Bytes staged before a write: whole blocks of them go to the kernel at once.
    static let stagingBytes = 1 << 20

    /// A staging buffer for these files: page-aligned, as a direct write needs. Reuse it from one
    /// file to the next (one file at a time).
    static func makeStaging() -> ByteBuffer {
        ByteBuffer(capacity: stagingBytes + (64 << 10), alignment: DirectIO.alignment)
    }

    /// Creates (or truncates) the file; `staging` must not be used by another file until this
    /// one is closed.
    init(path: String, staging: ByteBuffer, refusedAfter: Int? = DirectIO.refusalAfter) throws(StorageError) {
        let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else { throw .system("create", path) }
        self.path = path
        descriptor = fd
        self.staging = staging
        staging.removeAll()
        direct = DirectIO(wanted: true, refusedAfter: refusedAfter)
    }

    deinit { if !closed { Glibc.close(descriptor) } }

    /// Appends `bytes` (copied: they may change once this returns).
    @inline(__always)
    func write(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        staging.append(bytes)
        if staging.count >= Self.stagingBytes { try flush(DirectIO.wholeBlocks(staging.count)) }
    }

    /// Writes the staged bytes and closes the file.
    func close() throws(StorageError) {
        guard !closed else { return }
        try flush(DirectIO.wholeBlocks(staging.count))
        try flush(staging.count)
        closed = true
        if Glibc.close(descriptor) != 0 { throw .system("close", path) }
    }

    /// Writes the first `count` staged bytes (directly when ``DirectIO`` lets it), then drops them.
    private func flush(_ count: Int) throws(StorageError) {
        let bytes = UnsafeRawBufferPointer(start: staging.base, count: count)
        bytesWrittenDirectly += try direct.writeAll(descriptor, bytes, at: written, path: path)
        written += Int64(count)
        staging.removeFirst(count)
    }
}
