import Foundation

/// Payment state of one pipeline under `archive/payments/<pipeline>/matches/`: one JSON file per
/// receipt once it is matched (by a rule or a person's decision), never rewritten.
package struct PaymentStore {
    package let layout: ArchiveLayout

    package init(layout: ArchiveLayout) {
        self.layout = layout
    }

    var temporary: String { layout.temporary }
    var matchesFolder: String { layout.matches }

    /// The match file of `receipt`.
    package func path(of receipt: String) -> String {
        Path.join(matchesFolder, String(SHA256Hasher.hex(receipt).prefix(24)) + ".json")
    }

    /// Every recorded match, oldest receipt first.
    package func matches() throws -> [PaymentMatch] {
        var result: [PaymentMatch] = []
        try forEachMatch { result.append($0) }
        return result.sorted { ($0.bookingDate, $0.receipt) < ($1.bookingDate, $1.receipt) }
    }

    /// Calls `body` with every recorded match, in no particular order, one file at a time.
    package func forEachMatch(_ body: (PaymentMatch) throws -> Void) throws {
        for name in try Storage.listIfPresent(matchesFolder) where name.hasSuffix(".json") {
            try body(try Self.read(Path.join(matchesFolder, name)))
        }
    }

    package func match(for receipt: String) throws -> PaymentMatch? {
        let path = path(of: receipt)
        // Opened without a `stat` first (one system call less per receipt): absent is nil.
        do {
            return try Self.read(path)
        } catch let error as StorageError where error.code == ENOENT {
            return nil
        }
    }

    /// The matches of `receipts` (nil for a receipt without a match, or for a nil receipt), read
    /// on every core (``Parallel/map(_:_:)``), in the order of `receipts`; the error thrown is
    /// that of the first receipt in that order whose file cannot be read, as ``match(for:)`` gives.
    ///
    /// Each file is opened by its name in the folder opened once (``MatchFolder``): see there why.
    package func matches(for receipts: [String?]) throws -> [PaymentMatch?] {
        let folder = MatchFolder(self)
        let read = { (index: Int) in
            Result { try receipts[index].flatMap { try folder?.match(for: $0) ?? match(for: $0) } }
        }
        let results =
            receipts.count < 2 * Parallel.cores ? (0..<receipts.count).map(read) : Parallel.map(receipts.count, read)
        return try results.map { try $0.get() }
    }

    /// The match files' folder, opened once, from which ``PaymentStore/matches(for:)`` reads each
    /// receipt's file with four system calls (`openat` of its bare name, `fstat`, one `read` into a
    /// buffer on the stack, `close`) and no path, `String` or array made.
    ///
    /// Why (performance code, fenced): the FEC of 1,000,000 lines reads 133,191 match files, and
    /// ``PaymentStore/match(for:)`` paid per file a full path built as a `String` and walked by
    /// the kernel, the two `fcntl` of ``InputFile`` (its non-blocking flag is only for a FIFO put
    /// where a file was), a second `read` to see the end, and an array: about 40 % of the
    /// reading. Same answers and errors: a missing file is nil (as there); anything this path
    /// does not expect (an open failing otherwise, not a regular file, a file larger than its
    /// size said or than the limit, a failed read, bytes ``MatchRecordDecoder`` leaves to
    /// `JSONDecoder`) goes to ``PaymentStore/match(for:)``, which reads the file again and
    /// gives its result or its error. A short read of a regular file is its end (Linux).
    final class MatchFolder: @unchecked Sendable {
        private let descriptor: Int32
        /// Files larger than this take the usual path (a match file is a few hundred bytes).
        static let stackLimit = 16 << 10
        /// As ``InputFile`` opens: non-blocking, so that a FIFO put where a file was cannot block.
        static let flags = O_RDONLY | O_CLOEXEC | O_NONBLOCK

        /// nil when the folder cannot be opened (missing: every receipt takes the usual path,
        /// which finds no file).
        init?(_ store: PaymentStore) {
            descriptor = Glibc.open(store.matchesFolder, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
            if descriptor < 0 { return nil }
        }

        deinit { Glibc.close(descriptor) }

        /// The match of `receipt`: `.some(nil)` when it has no file, nil when the usual path must
        /// decide.
        func match(for receipt: String) -> PaymentMatch?? {
            var receipt = receipt
            var name = (UInt64(0), UInt64(0), UInt64(0), UInt64(0))  // 24 hex digits, ".json", NUL
            withUnsafeMutableBytes(of: &name) { out in
                let digest = receipt.withUTF8 { SHA256Hasher.digest(UnsafeRawBufferPointer($0)) }
                Hex.write(digest, count: 12, into: UnsafeMutableRawBufferPointer(rebasing: out[..<24]))
                for (index, byte) in ".json".utf8.enumerated() { out[24 + index] = byte }
            }
            let fd = withUnsafeBytes(of: &name) { bytes in
                openat(descriptor, bytes.baseAddress!.assumingMemoryBound(to: CChar.self), Self.flags)
            }
            if fd < 0 { return errno == ENOENT ? .some(nil) : nil }
            defer { Glibc.close(fd) }
            return Self.read(fd).map { .some($0.match) }
        }

        /// The match in the folder's file `name` and the `fstat` of the bytes decoded; nil when the
        /// usual path must decide (the file missing included). For ``MatchPack``.
        func matchAndStatus(named name: String) -> (match: PaymentMatch, status: stat)? {
            let fd = openat(descriptor, name, Self.flags)
            if fd < 0 { return nil }
            defer { Glibc.close(fd) }
            return Self.read(fd)
        }

        /// What `fstatat` says of the folder's entry `name` (a link not followed), when it is a
        /// regular file. For ``MatchPack``.
        func status(named name: UnsafePointer<CChar>) -> stat? {
            var info = stat()
            guard fstatat(descriptor, name, &info, AT_SYMLINK_NOFOLLOW) == 0, (info.st_mode & S_IFMT) == S_IFREG
            else { return nil }
            return info
        }

        /// The match in the open file `fd` and its `fstat`; nil when the usual path must decide.
        private static func read(_ fd: Int32) -> (match: PaymentMatch, status: stat)? {
            var info = stat()
            guard fstat(fd, &info) == 0, (info.st_mode & S_IFMT) == S_IFREG, info.st_size < Self.stackLimit else {
                return nil
            }
            let capacity = Int(info.st_size) + 1
            return withUnsafeTemporaryAllocation(of: UInt8.self, capacity: capacity) { buffer in
                let count = Glibc.read(fd, buffer.baseAddress, capacity)
                guard count >= 0, count < capacity else { return nil }
                return MatchRecordDecoder.match(from: UnsafeBufferPointer(rebasing: buffer[..<count])).map {
                    ($0, info)
                }
            }
        }
    }

    /// The match in the file at `path`: through the fenced fast path (``MatchRecordDecoder``),
    /// else through `JSONDecoder` and its errors.
    static func read(_ path: String) throws -> PaymentMatch {
        let bytes: [UInt8]
        do {
            bytes = try Storage.read(path, limit: 1 << 20)
        } catch {
            // A folder, a FIFO or an unreadable file where a match file goes: the archive's
            // problem, named with what to do (a missing file is no match: see `match(for:)`).
            if error.code == ENOENT { throw error }
            throw FacturationError.damaged(path, error)
        }
        if let match = bytes.withUnsafeBufferPointer({ MatchRecordDecoder.match(from: $0) }) { return match }
        return try FacturationError.decode(PaymentMatch.self, at: path, limit: 1 << 20)
    }

    /// Records a match; an existing one for the same receipt is kept (a run resumed after a crash
    /// computes the same match again).
    package func record(_ match: PaymentMatch) throws {
        let path = path(of: match.receipt)
        if Storage.exists(path) { return }
        try Storage.makeDirectory(matchesFolder)
        try Storage.write(try Self.encoded(match), to: path, temporaryDirectory: temporary, collision: .fail)
    }

    /// The bytes of a match file.
    package static func encoded(_ match: PaymentMatch) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(match)) + [0x0A]
    }
}
