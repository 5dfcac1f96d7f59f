import Foundation
import Synchronization

#if canImport(Glibc)
import Glibc
#endif

/// Files published together with the guarantees of ``Storage/write(_:to:temporaryDirectory:collision:syncFolder:)``
/// (temporary name, fsync, rename, fsync of the folder), at the cost of a few sync rounds instead
/// of two per file.
///
/// ``add(_:to:collision:)`` writes each file under a temporary name at once; ``commit()`` fsyncs
/// them from several threads (the file system groups concurrent fsyncs into one journal commit),
/// renames each to its destination, then fsyncs every destination folder once. Until the commit
/// nothing is visible outside the temporary folder; a batch released without a commit leaves nothing.
package final class FileBatch {
    private struct Pending {
        let temporary: String
        let destination: String
        let collision: Storage.Collision
    }

    private let temporaryDirectory: String
    /// Written, still open, not yet fsynced.
    private var open: [(file: Pending, descriptor: Int32)] = []
    /// Fsynced and closed, waiting for the commit's renames.
    private var synced: [Pending] = []
    private var folders: Set<String> = []
    private var finished = false

    /// At most this many files stay open between sync rounds: 256, or an eighth of the process's
    /// limit on open files when that is lower (two batches may be open at once, beside the rest).
    static let openLimit: Int = {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0 else { return 64 }
        return max(8, min(256, Int(clamping: limit.rlim_cur / 8)))
    }()
    /// Threads that issue fsyncs at the same time.
    static let syncThreads = 16

    private static let counter = Atomic<Int>(0)

    /// A batch whose temporary files go to `temporaryDirectory` (on the destinations' file system).
    package init(temporaryDirectory: String) {
        self.temporaryDirectory = temporaryDirectory
    }

    deinit { discard() }

    /// Files added and not yet committed.
    package var count: Int { open.count + synced.count }

    /// Writes `bytes` under a temporary name, to be published at `destination` by ``commit()``;
    /// creates the destination's folder if needed.
    package func add(_ bytes: [UInt8], to destination: String, collision: Storage.Collision) throws(StorageError) {
        precondition(!finished, "FileBatch used after its commit")
        let folder = Path.parent(of: destination)
        if !folders.contains(folder) {
            try Storage.makeDirectory(folder)
            folders.insert(folder)
        }
        let serial = FileBatch.counter.wrappingAdd(1, ordering: .relaxed).newValue
        let temporary = Path.join(temporaryDirectory, ".batch-\(getpid())-\(serial)")
        let descriptor = Glibc.open(temporary, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0o644)
        guard descriptor >= 0 else { throw .system("create a temporary file in", temporaryDirectory) }
        open.append((Pending(temporary: temporary, destination: destination, collision: collision), descriptor))
        var offset = 0
        while offset < bytes.count {
            let written = bytes.withUnsafeBytes { raw in
                Glibc.write(descriptor, raw.baseAddress! + offset, bytes.count - offset)
            }
            if written < 0 {
                if errno == EINTR { continue }
                throw .system("write", temporary)
            }
            offset += written
        }
        if open.count >= FileBatch.openLimit { try syncOpenFiles() }
    }

    /// Makes every added file durable and publishes it; when this returns, every file and every
    /// destination folder has been fsynced. A failure leaves the files not yet moved unpublished.
    package func commit() throws(StorageError) {
        precondition(!finished, "FileBatch committed twice")
        try syncOpenFiles()
        finished = true
        var moved = 0
        defer {
            for file in synced[moved...] { unlink(file.temporary) }
            synced.removeAll()
        }
        for file in synced {
            try Storage.move(
                file.temporary, to: file.destination, collision: file.collision,
                syncSource: false, syncDestination: false)
            moved += 1
        }
        for folder in Set(synced.map { Path.parent(of: $0.destination) }).sorted() {
            try Storage.syncDirectory(folder)
        }
    }

    /// Abandons the batch: closes and deletes every temporary file not yet published.
    package func discard() {
        for (file, descriptor) in open {
            close(descriptor)
            unlink(file.temporary)
        }
        for file in synced { unlink(file.temporary) }
        open.removeAll()
        synced.removeAll()
        finished = true
    }

    /// Fsyncs and closes every open file, from up to ``syncThreads`` threads.
    private func syncOpenFiles() throws(StorageError) {
        guard !open.isEmpty else { return }
        let failure = FileBatch.fsyncAll(open.map(\.descriptor))
        var closeFailure: (Int32, String)?
        for (file, descriptor) in open where close(descriptor) != 0 && closeFailure == nil {
            closeFailure = (errno, file.temporary)
        }
        let files = open.map(\.file)
        open.removeAll()
        if let failure {
            for file in files { unlink(file.temporary) }
            throw StorageError(operation: "flush to disk", path: files[failure.index].temporary, code: failure.code)
        }
        if let (code, path) = closeFailure {
            for file in files { unlink(file.temporary) }
            throw StorageError(operation: "close", path: path, code: code)
        }
        synced += files
    }

    /// Calls fsync on every descriptor, in parallel; returns the first failure (index and errno).
    static func fsyncAll(_ descriptors: [Int32]) -> (index: Int, code: Int32)? {
        let work = SyncWork(descriptors)
        let threads = min(syncThreads, descriptors.count)
        if threads <= 1 {
            work.run()
        } else {
            let group = DispatchGroup()
            for _ in 0..<threads {
                group.enter()
                let thread = Thread {
                    work.run()
                    group.leave()
                }
                thread.stackSize = 64 << 10
                thread.start()
            }
            group.wait()
        }
        return work.failure.withLock { $0 }
    }

    /// Shared by the sync threads: the descriptors, the next one to take, the first failure.
    private final class SyncWork: Sendable {
        let descriptors: [Int32]
        let next = Atomic<Int>(0)
        let failure = Mutex<(index: Int, code: Int32)?>(nil)

        init(_ descriptors: [Int32]) { self.descriptors = descriptors }

        func run() {
            while true {
                let index = next.wrappingAdd(1, ordering: .relaxed).oldValue
                guard index < descriptors.count else { return }
                if fsync(descriptors[index]) != 0 {
                    let code = errno
                    failure.withLock { if $0 == nil || index < $0!.index { $0 = (index, code) } }
                }
            }
        }
    }
}
