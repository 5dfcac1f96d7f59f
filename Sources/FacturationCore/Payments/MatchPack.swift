import Foundation

#if canImport(Glibc)
import Glibc
#endif

/// Every match file of a pipeline decoded once and kept in one derived file
/// (`archive/checkpoints/<pipeline>/rapprochements.pack`, ``ArchiveLayout/matchPack``) with the
/// identity of each file it was read from, so that the snapshot of a run reads one file instead of
/// one per matched receipt.
///
/// Why (issue #9, a full pass that does not grow with history): ``RunSnapshot`` opened, read,
/// closed and decoded each of the 11,900 match files of a 10-year archive on every full pass (85 ms
/// of 605 ms, the `read` calls alone 49 ms). What stays per file is one `fstatat` by bare name from
/// the folder opened once (``PaymentStore/MatchFolder``): only a file's `stat` tells an edit in
/// place (README, "Benchmark results": 21 ms for 12,000 files here, against the 85 ms saved).
///
/// Derived data, the match files stay the only truth. A file is taken from the pack only when its
/// inode, size, modification and change times are those of the bytes packed: an edit in place moves
/// the change time even when the size and modification time are put back, and so does a `chmod`
/// (an unreadable file still fails as it did). Every other file is read as
/// ``PaymentStore/matches()`` reads it, with its errors, in the same order. The folder is not
/// listed when its own identity is the one recorded (a file added, removed or renamed moves it).
/// Times within ``RunStamp/racyWindow`` of the reading are not trusted (a change in the same clock
/// tick could leave them equal): such a file is read again next time. A pack that is missing,
/// damaged (the body's SHA-256), of another version or binary is not used; a pack that does not
/// describe the files as found is written again through a temporary file, fsync, rename, and an
/// fsync of its folder.
struct MatchPack: Equatable {
    /// Bumped when the file's meaning changes: another version is not read.
    static let currentVersion = 1

    /// What `fstat` said of a match file when its bytes were packed.
    struct FileIdentity: Equatable {
        var inode: UInt64
        var size: Int64
        var modified: Int64
        var changed: Int64

        init(inode: UInt64, size: Int64, modified: Int64, changed: Int64) {
            self.inode = inode
            self.size = size
            self.modified = modified
            self.changed = changed
        }

        init(_ info: stat) {
            inode = UInt64(info.st_ino)
            size = Int64(info.st_size)
            modified = Int64(info.st_mtim.tv_sec) * 1_000_000_000 + Int64(info.st_mtim.tv_nsec)
            changed = Int64(info.st_ctim.tv_sec) * 1_000_000_000 + Int64(info.st_ctim.tv_nsec)
        }

        /// Whether both times are far enough from `now` that a change in the same clock tick is ruled out.
        func isTrusted(now: Clock.Instant) -> Bool {
            let threshold = now.seconds * 1_000_000_000 + Int64(now.nanoseconds) - RunStamp.racyWindow
            return modified < threshold && changed < threshold
        }
    }

    /// One packed match file.
    struct Entry: Equatable {
        var name: String
        var file: FileIdentity
        /// Its match's index in ``MatchPack/matches``.
        var match: Int
    }

    /// The folder as listed, when that listing stands for the next ones: unmoved while it was read,
    /// times older than the racy window, every file packed. Without it the folder is listed.
    var folder: FolderIdentity?
    /// In the folder's order of names (bytewise, as ``Storage/list(_:)``).
    var entries: [Entry]
    /// The packed matches, in the order of ``PaymentStore/matches()`` (oldest receipt first).
    var matches: [PaymentMatch]
}

extension MatchPack {
    /// Every recorded match of `layout`, as ``PaymentStore/matches()`` gives them (the same order,
    /// the same errors): from the pack when it still describes the folder, else from the pack for
    /// the files unchanged and from the others' bytes, and the pack written again.
    static func matches(_ layout: ArchiveLayout) throws -> [PaymentMatch] {
        try loaded(layout).matches
    }

    /// The matches and, when the pack describes every match file as found (the folder's identity
    /// recorded: every file packed, no time too recent), the pack's identity: its folder and body
    /// checksum lines, which name the identity of every match file. Accounting's closed years
    /// watch the match files through it (``ClosedYearFEC/Sources``).
    static func loaded(_ layout: ArchiveLayout) throws -> (matches: [PaymentMatch], identity: String?) {
        let store = PaymentStore(layout: layout)
        let path = layout.matchPack
        let bytes = Storage.exists(path) ? try? Storage.read(path, limit: 1 << 30) : nil
        if let bytes, let unchanged = unchangedMatches(bytes, store: store) { return unchanged }
        let (pack, matches) = try read(store, known: bytes.flatMap(decoded), now: Clock.system.now())
        // Nothing to keep and nothing kept: no file (a pipeline without payments writes none).
        if bytes == nil, pack.entries.isEmpty { return (matches, nil) }
        let encoded = pack.bytes()
        if encoded != bytes {
            Storage.replaceDerived(encoded, at: path, temporaryDirectory: layout.temporary)
        }
        return (matches, pack.folder == nil ? nil : Header(encoded)?.identity)
    }

    /// The packed matches when the pack is whole, of this version and binary, records the folder
    /// as it is and every packed file is as packed; nil otherwise. No name is made into a `String`:
    /// each is handed to `fstatat` where it lies in the pack.
    static func unchangedMatches(_ bytes: [UInt8], store: PaymentStore) -> (matches: [PaymentMatch], identity: String?)?
    {
        guard let header = Header(bytes), let recorded = header.folder,
            FolderIdentity(of: store.matchesFolder) == recorded, let folder = PaymentStore.MatchFolder(store)
        else { return nil }
        let matches = bytes.withUnsafeBytes { raw -> [PaymentMatch]? in
            var reader = PackReader(raw, at: header.entriesAt)
            do {
                for _ in 0..<header.entries {
                    let (file, name) = try reader.fileAndName()
                    guard let status = folder.status(named: name), FileIdentity(status) == file else { return nil }
                    _ = try reader.int()
                }
                reader.at = header.bodyStart
                return try reader.matches(header.matches)
            } catch {
                return nil
            }
        }
        return matches.map { ($0, header.identity) }
    }

    /// Every match file listed (as ``PaymentStore/forEachMatch(_:)`` lists them), taken from
    /// `known` when its identity is the one packed, read otherwise (with the usual path's errors):
    /// every match in ``PaymentStore/matches()``'s order, and the pack that describes them.
    static func read(_ store: PaymentStore, known: MatchPack?, now: Clock.Instant) throws -> (MatchPack, [PaymentMatch])
    {
        let before = FolderIdentity(of: store.matchesFolder)
        let names = try Storage.listIfPresent(store.matchesFolder).filter { $0.hasSuffix(".json") }
        let folder = PaymentStore.MatchFolder(store)
        var found: [PaymentMatch] = []
        var files: [FileIdentity?] = []
        found.reserveCapacity(names.count)
        var cursor = 0
        for name in names {
            if let known, let entry = known.entry(named: name, from: &cursor),
                let status = name.withCString({ folder?.status(named: $0) }), FileIdentity(status) == entry.file
            {
                found.append(known.matches[entry.match])
                files.append(entry.file)
            } else if let (match, status) = folder?.matchAndStatus(named: name) {
                found.append(match)
                let file = FileIdentity(status)
                files.append(file.isTrusted(now: now) ? file : nil)
            } else {
                found.append(try PaymentStore.read(Path.join(store.matchesFolder, name)))
                files.append(nil)
            }
        }
        // The comparison of `PaymentStore.matches()` on the same sequence: the same permutation.
        let order = found.indices.sorted {
            (found[$0].bookingDate, found[$0].receipt) < (found[$1].bookingDate, found[$1].receipt)
        }
        var pack = MatchPack(folder: nil, entries: [], matches: [])
        var packedAt = [Int](repeating: -1, count: found.count)
        for index in order where files[index] != nil {
            packedAt[index] = pack.matches.count
            pack.matches.append(found[index])
        }
        for index in names.indices {
            guard let file = files[index] else { continue }
            pack.entries.append(Entry(name: names[index], file: file, match: packedAt[index]))
        }
        if let before, before == FolderIdentity(of: store.matchesFolder), before.isTrusted(now: now),
            pack.entries.count == names.count
        {
            pack.folder = before
        }
        return (pack, order.map { found[$0] })
    }

    /// The entry named `name`, looked for from `cursor` on (the names asked for come in the
    /// entries' order, so the whole listing walks the entries once).
    func entry(named name: String, from cursor: inout Int) -> Entry? {
        while cursor < entries.count, Storage.bytewiseLess(entries[cursor].name, name) { cursor += 1 }
        // By bytes: two names may differ in bytes and be equal as `String`s (composed accents).
        guard cursor < entries.count, entries[cursor].name.utf8.elementsEqual(name.utf8) else { return nil }
        return entries[cursor]
    }
}
