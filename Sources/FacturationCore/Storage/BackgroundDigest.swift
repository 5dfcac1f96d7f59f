import Foundation
import Synchronization

/// A SHA-256 fed on a thread of its own, one chunk at a time, while the caller writes the same
/// chunk to disk.
///
/// Why: a new ledger file of a large import is hashed (for its outbox copy's delivery record) and
/// written twice (the ledger, the copy), both straight to the disk (``DirectIO``), which waits for
/// the device. Hashed first on the writing thread, the end phase of the 1 GB `run` spent 0.44 of
/// its 0.95 busy cores in SHA-256 while the disk sat idle between writes (issue #9, perf of the
/// 7 December VM). Hashed here, the digest of a chunk is computed while that chunk's writes wait.
///
/// Invariants (`BackgroundDigestTests`): chunks are hashed in the order they are given, and a
/// chunk's bytes are no longer read once ``waitForChunk()`` returns (the caller may then reuse
/// them); at most one chunk is in hand; the thread touches the hasher only while a chunk is in
/// hand, so the caller may feed it small chunks itself in between, and finish it once ``close()``
/// returns; after ``close()`` the thread takes nothing more and leaves (it is not waited for). The
/// owner closes it on every path (``OutputFile`` in `commit`, `discard`, `writtenSHA256()` and, for
/// a file dropped without either, `deinit`). Chunks under ``minimumBytes`` are not worth the hand-off.
final class BackgroundDigest: @unchecked Sendable {
    private let condition = NSCondition()
    /// The chunk to hash, set by the caller and taken by the thread (guarded by `condition`).
    private var chunk: UnsafeRawBufferPointer?
    /// Whether a chunk was given and is not hashed yet (guarded by `condition`).
    private var busy = false
    /// Set by ``close()``: the thread leaves (guarded by `condition`).
    private var closed = false
    /// Used by the thread while `busy`, by the caller only when not.
    private let hasher: SHA256Hasher
    /// Whether the thread still runs (tests: it ends on every path).
    let threadRuns = Atomic<Bool>(true)
    /// Smaller chunks are hashed by the caller: the hand-off (two lock round trips and a thread
    /// wake-up) pays only when the hash of the chunk takes far longer.
    static let minimumBytes = 256 << 10

    /// Starts the thread that feeds `hasher`, which the caller must not touch while a chunk is in hand.
    init(feeding hasher: SHA256Hasher) {
        self.hasher = hasher
        // The thread holds the digest until it is closed.
        let thread = Thread { [self] in
            while let next = take() {
                self.hasher.update(next)
                done()
            }
            threadRuns.store(false, ordering: .releasing)
        }
        thread.name = "ledger-sha256"
        thread.start()
    }

    /// Starts hashing `bytes`, which must stay valid and unchanged until ``waitForChunk()``.
    func hash(_ bytes: UnsafeRawBufferPointer) {
        condition.lock()
        defer { condition.unlock() }
        precondition(!busy, "BackgroundDigest: a chunk given before the last one was hashed")
        precondition(!closed, "BackgroundDigest: a chunk given after close()")
        chunk = bytes
        busy = true
        condition.broadcast()
    }

    /// Waits until the chunk given last is hashed.
    func waitForChunk() {
        condition.lock()
        defer { condition.unlock() }
        while busy { condition.wait() }
    }

    /// Waits for the last chunk and tells the thread to leave (nothing more can be hashed); the
    /// hasher is the caller's again. Closing twice does nothing more.
    func close() {
        condition.lock()
        defer { condition.unlock() }
        while busy { condition.wait() }
        closed = true
        condition.broadcast()
    }

    private func take() -> UnsafeRawBufferPointer? {
        condition.lock()
        defer { condition.unlock() }
        while chunk == nil && !closed { condition.wait() }
        defer { chunk = nil }
        return chunk
    }

    private func done() {
        condition.lock()
        busy = false
        condition.broadcast()
        condition.unlock()
    }
}
