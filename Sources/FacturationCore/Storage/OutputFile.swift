import CSupport
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// A new file written under a temporary name and published atomically with ``commit(to:collision:)``.
///
/// Until it is committed the file lives only in the temporary folder (never in `outbox/` or
/// `archive/`); a file that is released without a commit is deleted.
package final class OutputFile {
    // Exclusivity: see ``ExclusivityNote`` (why the `@exclusivity(unchecked)` properties here are safe and needed).
    /// The temporary path the data is written to.
    package let temporaryPath: String
    private var descriptor: Int32
    /// Page-aligned, so that a direct write (``DirectIO``) hands it to the kernel as it is.
    private let buffer = ByteBuffer(capacity: (1 << 20) + (64 << 10), alignment: DirectIO.alignment)
    private let bufferLimit = 1 << 20
    /// Whether the writes skip the page cache (``skipPageCache()``).
    @exclusivity(unchecked) private var direct = DirectIO()
    private var finished = false
    /// Bytes written so far.
    @exclusivity(unchecked) package private(set) var bytesWritten: Int64 = 0
    /// Of those, bytes written straight to the disk (``skipPageCache()``).
    @exclusivity(unchecked) package private(set) var bytesWrittenDirectly: Int64 = 0
    /// A second file that receives every byte written to this one, from the same buffer: the outbox
    /// copy of a new ledger file, written while the ledger is rather than read back afterwards.
    @exclusivity(unchecked) private var copy: OutputFile?
    /// Hashes every byte written (set by ``hashAndCopy(to:)``), so the content's SHA-256 needs no re-read.
    @exclusivity(unchecked) private var hasher: SHA256Hasher?
    /// Feeds `hasher` with large chunks while they are written (started at the first one; used
    /// once per chunk, so it keeps the run-time exclusivity checks).
    private(set) var backgroundDigest: BackgroundDigest?
    /// Bytes already handed to the disk's write-back (``startWriteback()``).
    @exclusivity(unchecked) private var writebackStarted: Int64 = 0
    /// Written bytes not yet handed to write-back that start it.
    private static let writebackBytes: Int64 = 8 << 20

    private static let counter = Atomic<Int>(0)

    /// Creates an empty temporary file inside `directory` (which must exist).
    package init(directory: String) throws(StorageError) {
        var attempt = 0
        while true {
            let serial = OutputFile.counter.wrappingAdd(1, ordering: .relaxed).newValue
            let name = ".tmp-\(getpid())-\(serial)-\(UInt32.random(in: 0...UInt32.max))"
            let path = Path.join(directory, name)
            let fd = open(path, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
            if fd >= 0 {
                temporaryPath = path
                descriptor = fd
                return
            }
            if errno == EEXIST, attempt < 8 { attempt += 1; continue }
            throw .system("create a temporary file in", directory)
        }
    }

    deinit {
        backgroundDigest?.close()
        if !finished {
            close(descriptor)
            unlink(temporaryPath)
        }
    }

    /// Appends bytes (buffered).
    package func write(_ bytes: some Collection<UInt8>) throws(StorageError) {
        let copied: Void? = bytes.withContiguousStorageIfAvailable { buffer.append(UnsafeRawBufferPointer($0)) }
        if copied == nil { buffer.append(bytes) }
        if buffer.count >= bufferLimit { try flush(final: false) }
    }

    /// Appends the bytes of a raw buffer (buffered).
    package func write(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        buffer.append(bytes)
        if buffer.count >= bufferLimit { try flush(final: false) }
    }

    /// Appends text as UTF-8 (buffered).
    package func write(_ text: String) throws(StorageError) {
        var text = text
        text.withUTF8 { buffer.append(UnsafeRawBufferPointer($0)) }
        if buffer.count >= bufferLimit { try flush(final: false) }
    }

    /// From now on, every byte written also goes to `copy` and into a SHA-256 (``writtenSHA256()``).
    /// Call before anything is written.
    package func hashAndCopy(to copy: OutputFile?) {
        precondition(bytesWritten == 0 && buffer.count == 0, "hashAndCopy(to:) after a write")
        self.copy = copy
        hasher = SHA256Hasher()
    }

    /// From now on, the file's whole blocks go straight from this file's buffer to the disk, not
    /// through the page cache (``DirectIO``, which says why and when it does not). Call before
    /// anything is written, for a large file that nothing reads back while it is written.
    package func skipPageCache() { skipPageCache(refusedAfter: DirectIO.refusalAfter) }

    /// ``skipPageCache()`` on a file system that refuses the direct writes after `refusedAfter`
    /// of them (tests: ``DirectIO/refusalAfter``).
    func skipPageCache(refusedAfter: Int?) {
        precondition(bytesWritten == 0 && buffer.count == 0, "skipPageCache() after a write")
        direct = DirectIO(wanted: true, refusedAfter: refusedAfter)
    }

    /// The SHA-256 (hexadecimal) of everything written, once the file is committed; nil without
    /// ``hashAndCopy(to:)``.
    package func writtenSHA256() -> String? {
        precondition(finished, "writtenSHA256() before the commit")
        backgroundDigest?.close()
        // Finishing resets the hasher: keep the digest, so that a second call gives the same.
        if writtenDigest == nil { writtenDigest = hasher?.finishHex() }
        return writtenDigest
    }
    private var writtenDigest: String?

    /// Writes the buffered bytes to the temporary file (not synced), so that it can be read back.
    package func flushBuffer() throws(StorageError) { try flush() }

    /// Writes the buffer out. A file whose writes skip the page cache writes its whole blocks
    /// first (directly), then, at the `final` flush only, the rest (less than a block), which
    /// otherwise waits for the next flush.
    private func flush(final: Bool = true) throws(StorageError) {
        if direct.isWanted { try writeOut(DirectIO.wholeBlocks(buffer.count)) }
        if final || !direct.isWanted { try writeOut(buffer.count) }
    }

    /// Hashes, copies and writes the buffer's first `count` bytes, then drops them from it.
    private func writeOut(_ count: Int) throws(StorageError) {
        guard count > 0 else { return }
        try hashCopyAndWrite(UnsafeRawBufferPointer(start: buffer.base, count: count))
        buffer.removeFirst(count)
    }

    /// Hashes `chunk`, copies it and writes it; returns once nothing reads it any more. A large
    /// chunk of a file meant to skip the page cache is hashed on ``BackgroundDigest``'s thread
    /// while the writes below (the copy's, the file's) wait for the device.
    ///
    /// Only direct writes wait for the device: through the page cache a write is a memory copy,
    /// and on a busy machine (the FEC is written while its checker runs on the other core) the
    /// hash handed to a third thread would only add a wait for that thread to be scheduled. (A
    /// file whose direct writes are refused goes on through the page cache: its first chunk may
    /// still have been hashed on the thread, which changes nothing in the digest.)
    private func hashCopyAndWrite(_ chunk: UnsafeRawBufferPointer) throws(StorageError) {
        guard let hasher, direct.isWanted, chunk.count >= BackgroundDigest.minimumBytes else {
            hasher?.update(chunk)
            try copy?.writeThrough(chunk)
            return try writeFully(chunk)
        }
        let digest = backgroundDigest ?? BackgroundDigest(feeding: hasher)
        backgroundDigest = digest
        digest.hash(chunk)
        defer { digest.waitForChunk() }
        try copy?.writeThrough(chunk)
        try writeFully(chunk)
    }

    /// Writes `bytes` straight to the file, after what the buffer holds: the outbox copy is
    /// written from its ledger's buffer without first copying the bytes into its own (issue #9:
    /// 1.7 GB copied once more in the ledger writers of the 1 GB `run`).
    /// A copy that hashes or copies what it gets in turn takes the bytes through its buffer.
    private func writeThrough(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        guard hasher == nil, copy == nil else { return try write(bytes) }
        if buffer.count > 0 { try flush() }
        try writeFully(bytes)
    }

    /// Writes all of `bytes` to the descriptor (directly when ``DirectIO`` lets it) and starts
    /// the write-back of what went through the page cache every 8 MB.
    private func writeFully(_ bytes: UnsafeRawBufferPointer) throws(StorageError) {
        bytesWrittenDirectly += try direct.writeAll(descriptor, bytes, at: bytesWritten, path: temporaryPath)
        bytesWritten += Int64(bytes.count)
        if direct.isOn { writebackStarted = bytesWritten }
        if bytesWritten - writebackStarted >= Self.writebackBytes { startWriteback() }
    }

    /// Asks the kernel to start writing the bytes written since the last call to disk, without
    /// waiting for them.
    ///
    /// Why: a large file (a month ledger of a 1 GB export, its outbox copy: about 90 MB each) was
    /// written to the page cache in full and only then sent to disk by the commit's `fsync`, which
    /// waited about 0.2 s per file with nothing else to do (issue #9, `run` scenario: 24 such waits).
    /// Started every 8 MB, the disk writes overlap the work that produces the file, and the
    /// `fsync` finds most pages already written. Crash safety is unchanged: the commit still
    /// fsyncs before it renames, and a file that is never committed is still deleted. Files
    /// under 8 MB never call it. A failure here is ignored: the `fsync` reports any write error.
    private func startWriteback() {
        _ = fct_start_writeback(descriptor, writebackStarted, bytesWritten - writebackStarted)
        writebackStarted = bytesWritten
    }

    /// Flushes, fsyncs and closes the file, then moves it to `destination` and fsyncs that folder.
    ///
    /// A failed `fsync` is final: the temporary file is deleted and nothing is published.
    package func commit(
        to destination: String, collision: Storage.Collision = .fail,
        syncFolder: Bool = true
    ) throws(StorageError) {
        precondition(!finished, "OutputFile committed twice")
        do throws(StorageError) {
            try flush()
            backgroundDigest?.close()
            if fsync(descriptor) != 0 { throw StorageError.system("flush to disk", temporaryPath) }
        } catch {
            discard()
            throw error
        }
        finished = true
        if close(descriptor) != 0 {
            let error = StorageError.system("close", temporaryPath)
            unlink(temporaryPath)
            throw error
        }
        do throws(StorageError) {
            try Storage.move(
                temporaryPath, to: destination, collision: collision, syncSource: false,
                syncDestination: syncFolder)
        } catch {
            unlink(temporaryPath)
            throw error
        }
    }

    /// Abandons the file: closes and deletes it.
    package func discard() {
        backgroundDigest?.close()
        guard !finished else { return }
        finished = true
        close(descriptor)
        unlink(temporaryPath)
    }
}
