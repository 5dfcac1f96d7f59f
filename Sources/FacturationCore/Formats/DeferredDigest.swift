import CSupport
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
/// bound of what this saves. ``FileProcessor`` still knows the file's identity before anything
/// from it is merged, rejected or archived, and defers it only where the conversion can stop
/// once the file is found imported (the Clockify conversion in pieces).
///
/// The thread starts at the usual priority (the scan leaves a core free) and goes to nice 19
/// when the conversion starts beside it (``yieldToTheRun()``): it then takes little time from
/// the run's other threads, and may be starved on a busy machine (with autogroup, nice ranks it
/// among the run's own threads). Whoever needs the digest (``finish()``) never waits for it: after
/// each whole chunk the thread publishes a copy of its hash and how far it got, and ``finish()``
/// goes on from the last copy on its own thread (at most one chunk is hashed twice, once by
/// each); the thread leaves at its next chunk.
///
/// Invariants (`DeferredDigestTests`): the digest is the SHA-256 of the bytes the descriptor
/// reads, whoever hashes which chunk; ``finish()`` gives the same digest and byte count every
/// time; ``finishedDigest`` is nil until the digest is complete; after ``abandon()`` or
/// ``finish()`` the thread hashes at most the chunk in hand. One caller at a time.
final class DeferredDigest: @unchecked Sendable {
    /// Chunks are read and hashed a megabyte at a time (about 0.7 ms of a core each).
    static let chunkBytes = 1 << 20

    /// The digest (hexadecimal) and the number of bytes it covers.
    struct Digest: Equatable {
        let hex: String
        let bytes: Int64
    }

    private let file: InputFile
    /// Guards the four below.
    private let lock = NSLock()
    /// A copy of the thread's hash after its last whole chunk, and the bytes it covers.
    private let published = SHA256Hasher()
    private var publishedBytes: Int64 = 0
    private var outcome: Result<Digest, StorageError>?
    /// Set by ``finish()`` and ``abandon()``: the thread leaves at its next chunk.
    private var released = false
    /// Set once `outcome` is (read without the lock by ``finishedDigest``).
    private let complete = Atomic<Bool>(false)
    /// Set by ``yieldToTheRun()``; the thread lowers its priority at its next chunk.
    private let yields = Atomic<Bool>(false)
    /// Whether the thread still runs, and the chunks it hashed (tests).
    let threadRuns = Atomic<Bool>(true)
    let threadChunks = Atomic<Int>(0)

    /// Starts hashing `file` from its first byte (positioned reads: whoever else reads the same
    /// file through its read position is not disturbed).
    init(file: InputFile) {
        self.file = file
        let thread = Thread { [self] in
            _ = fct_name_this_thread("input-sha256")  // for `top -H` and the tests
            runThread()
            threadRuns.store(false, ordering: .releasing)
        }
        thread.start()
    }

    /// The digest once complete, without waiting (nil while bytes are left, or after a read error).
    var finishedDigest: String? {
        guard complete.load(ordering: .acquiring) else { return nil }
        lock.lock()
        defer { lock.unlock() }
        return try? outcome?.get().hex
    }

    /// The digest: what the thread has not hashed yet is hashed here.
    func finish() throws(StorageError) -> Digest {
        let hasher = SHA256Hasher()
        let start: Int64
        lock.lock()
        if let outcome {
            lock.unlock()
            return try outcome.get()
        }
        released = true
        hasher.copy(from: published)
        start = publishedBytes
        lock.unlock()
        var buffer = [UInt8](repeating: 0, count: Self.chunkBytes)
        guard let result = Self.hash(file, from: start, into: hasher, buffer: &buffer, goOn: { _ in true }) else {
            preconditionFailure("DeferredDigest: a hash told to go on stopped")
        }
        lock.lock()
        outcome = result
        complete.store(true, ordering: .releasing)
        lock.unlock()
        return try result.get()
    }

    /// The run now needs the cores: the thread goes on at nice 19 from its next chunk.
    func yieldToTheRun() { yields.store(true, ordering: .relaxed) }

    /// The digest is no longer wanted: the thread leaves at its next chunk.
    func abandon() {
        lock.lock()
        released = true
        lock.unlock()
    }

    private func runThread() {
        let hasher = SHA256Hasher()
        var buffer = [UInt8](repeating: 0, count: Self.chunkBytes)
        var niced = false
        let result = Self.hash(file, from: 0, into: hasher, buffer: &buffer) { bytes in
            threadChunks.add(1, ordering: .relaxed)
            if !niced, yields.load(ordering: .relaxed) {
                // On Linux the nice value is per thread: this one only (raising it needs no privilege).
                _ = setpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0, 19)
                niced = true
            }
            lock.lock()
            defer { lock.unlock() }
            guard !released else { return false }
            published.copy(from: hasher)
            publishedBytes = bytes
            return true
        }
        lock.lock()
        defer { lock.unlock() }
        // Released meanwhile: the caller of finish() hashes the rest and records the outcome.
        guard !released, let result else { return }
        outcome = result
        complete.store(true, ordering: .releasing)
    }

    /// Hashes `file` from `start` to its end into `hasher`, calling `goOn` with the bytes covered
    /// after each chunk; nil when `goOn` said to stop.
    private static func hash(
        _ file: InputFile, from start: Int64, into hasher: SHA256Hasher, buffer: inout [UInt8],
        goOn: (Int64) -> Bool
    ) -> Result<Digest, StorageError>? {
        var offset = start
        do {
            while true {
                let count = try file.read(into: &buffer, at: offset, count: buffer.count)
                if count == 0 { return .success(Digest(hex: hasher.finishHex(), bytes: offset)) }
                hasher.update(buffer, count: count)
                offset += Int64(count)
                if !goOn(offset) { return nil }
            }
        } catch {
            return .failure(error)
        }
    }
}
