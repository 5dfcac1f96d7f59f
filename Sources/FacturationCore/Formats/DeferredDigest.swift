import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// The SHA-256 of a large input file, computed on a thread of its own at the lowest priority
/// (nice 19) from a second read of the file (the page cache holds it), while the run converts the
/// file, instead of before the conversion starts.
///
/// Why (fenced performance code, issue #9, the 1 GB `run`): hashing 1 GB takes 0.6–0.8 s of a
/// core (OpenSSL with the SHA extensions, 1.3–1.7 GB/s), longer than the scan's reading and UTF-8
/// check (about 0.5 s), so the hash decided when the conversion could start; the conversion then
/// keeps both cores busy but for about 0.15 of one, for 8 s or more: room for the hash. Without
/// any hash in the scan, four alternated 1 GB runs took 0.6 s less (median; 7 December VM): the
/// bound of what this saves. The file's identity is still known before anything from it is
/// merged, rejected or archived (``FileProcessor``).
///
/// At nice 19 the thread takes only time that no other thread of the machine wants, so on a busy
/// machine it may be starved. Whoever needs the digest (``finish()``) therefore takes the rest
/// over on its own thread rather than wait: the thread hashes one chunk at a time under `lock`
/// and leaves at the next chunk once the digest is taken over or ``abandon()``ed.
///
/// Invariants (`DeferredDigestTests`): the digest is the SHA-256 of the bytes the descriptor
/// reads, whichever thread hashes which chunk; ``finish()`` gives the same digest every time;
/// ``finishedDigest`` is nil until the digest is complete and never waits for a chunk; after
/// ``abandon()`` or ``finish()`` the thread leaves at its next chunk.
final class DeferredDigest: @unchecked Sendable {
    /// Chunks are read and hashed a megabyte at a time (about 0.7 ms of a core each), so a
    /// ``finish()`` waits for at most one chunk of the thread's.
    static let chunkBytes = 1 << 20

    private let file: InputFile
    /// Guards everything below: the thread holds it for a chunk, ``finish()`` for the rest.
    private let lock = NSLock()
    private let hasher = SHA256Hasher()
    private var buffer: [UInt8]
    private var offset: Int64 = 0
    private var outcome: Result<String, StorageError>?
    /// Set by ``finish()`` and ``abandon()``: the thread leaves at its next chunk.
    private var released = false
    /// Set once `outcome` is (read without the lock by ``finishedDigest``).
    private let complete = Atomic<Bool>(false)
    /// Whether the thread still runs (tests: it ends on every path).
    let threadRuns = Atomic<Bool>(true)

    /// Starts hashing `file` from its first byte (positioned reads: whoever else reads the same
    /// file through its read position is not disturbed).
    init(file: InputFile) {
        self.file = file
        buffer = [UInt8](repeating: 0, count: Self.chunkBytes)
        let thread = Thread { [self] in
            // On Linux the nice value is per thread: this one only (raising it needs no privilege).
            _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
            while hashNextChunk() {}
            threadRuns.store(false, ordering: .releasing)
        }
        thread.name = "input-sha256"
        thread.start()
    }

    /// The digest once complete, without waiting (nil while chunks are left, or after a read error).
    var finishedDigest: String? {
        guard complete.load(ordering: .acquiring) else { return nil }
        lock.lock()
        defer { lock.unlock() }
        return try? outcome?.get()
    }

    /// The digest (hexadecimal): the chunks the thread has not hashed yet are hashed here.
    func finish() throws(StorageError) -> String {
        lock.lock()
        defer { lock.unlock() }
        released = true
        while outcome == nil { hashChunk() }
        return try outcome!.get()
    }

    /// The digest is no longer wanted: the thread leaves at its next chunk.
    func abandon() {
        lock.lock()
        released = true
        lock.unlock()
    }

    /// The thread's step: false once it should leave.
    private func hashNextChunk() -> Bool {
        lock.lock()
        defer { lock.unlock() }
        guard !released, outcome == nil else { return false }
        hashChunk()
        return true
    }

    /// Reads and hashes the next chunk, or ends the digest (at the end of the file, or on a read
    /// error). Called with `lock` held.
    private func hashChunk() {
        do {
            let count = try file.read(into: &buffer, at: offset, count: buffer.count)
            guard count > 0 else {
                end(.success(hasher.finishHex()))
                return
            }
            hasher.update(buffer, count: count)
            offset += Int64(count)
        } catch {
            end(.failure(error))
        }
    }

    private func end(_ result: Result<String, StorageError>) {
        outcome = result
        complete.store(true, ordering: .releasing)
    }
}
