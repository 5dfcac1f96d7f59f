import Foundation

/// The issued records of the closed years decoded once and kept in one derived file
/// (`archive/checkpoints/<pipeline>/factures.pack`, ``ArchiveLayout/issuedRecordPack``), each year
/// with the identity of its record files, so that a run's snapshot decodes only the open years'.
///
/// Why (issue #9, a full pass that does not grow with history): ``RunSnapshot`` decoded every
/// record of history on every full pass, 74 ms of CPU over both cores at 10 years (12,100
/// documents, 25 MB of JSON lines), the biggest cost that grew with history. A closed year's
/// records do not change; its identity (``IssuedYearSummary/identity(_:folder:)``: the name, size,
/// modification and change times and inode of each record file, through links, and the binary) is
/// computed by every run anyway for the closed years' summaries.
///
/// Derived data, the records stay the only truth. A year is taken from the pack only when its
/// identity is the one packed; any other year is read from its files as
/// ``InvoiceStore/records()`` reads it (same reader, same errors, in the same order). A number
/// found twice (the check of ``InvoiceStore/forEachRecord(inFolder:recordedIn:_:)``, made for the
/// packed documents too) sends the whole read back to ``InvoiceStore/records()``, whose error is
/// today's. A year whose record files have a time within ``RunStamp/racyWindow`` of the reading,
/// or that moved while it was read, is not packed (read again next time). A pack that is missing,
/// damaged (the body's SHA-256), of another version or binary is not used; one that no longer
/// describes the closed years is written again through a temporary file, fsync, rename, and an
/// fsync of its folder.
struct IssuedRecordPack: Equatable {
    /// Bumped when the file's meaning changes: another version is not read.
    static let currentVersion = 1

    /// One closed year's records as its files gave them.
    struct Year: Equatable {
        /// The folder's name under `issued/` (`YYYY`).
        var folder: String
        /// ``IssuedYearSummary/identity(folder:read:)`` of the record files read.
        var identity: String
        /// The year's record files, in order.
        var files: [String]
        /// Every record, in the order the files gave them (file, then line).
        var documents: [InvoiceDocument]
        /// The index in `files` of each document's file.
        var fileOf: [Int]
    }

    var years: [Year]

    /// Every issued record as ``InvoiceStore/records()`` gives them (the same order, the same
    /// errors), the years before `openYear` from the pack when their identity is the one packed,
    /// and the identity of each of those years (the snapshot keeps them:
    /// ``RunSnapshot/recordFolderIdentity(_:)``): of the files read for the years read, of the
    /// pack for the others. The pack is written again when it no longer describes the closed years
    /// as found; `clock` tells which record files are too recent to pack.
    static func records(
        _ layout: ArchiveLayout, before openYear: Int, clock: Clock = .system
    ) throws -> (documents: [InvoiceDocument], identities: [String: String]) {
        let store = InvoiceStore(layout: layout)
        let path = layout.issuedRecordPack
        let bytes = Storage.exists(path) ? try? Storage.read(path, limit: 1 << 31) : nil
        let known = bytes.flatMap(decoded)
        var documents: [InvoiceDocument] = []
        var recordedIn: [String: String] = [:]
        var identities: [String: String] = [:]
        var kept: [Year] = []
        for folder in try store.issuedYearFolders() {
            guard folder.count == 4, let year = Int(folder), year < openYear else {
                let read = try store.forEachRecord(inFolder: folder, recordedIn: &recordedIn) { documents.append($0) }
                identities[folder] = IssuedYearSummary.identity(folder: folder, read: read)
                continue
            }
            let identity = try IssuedYearSummary.identity(layout, folder: folder)
            if let packed = known?.years.first(where: { $0.folder == folder }), packed.identity == identity {
                identities[folder] = identity
                // A number recorded twice: the files tell which, with today's error.
                guard packed.claim(&recordedIn, issued: layout.issued) else {
                    return (try store.records(), identities)
                }
                documents += packed.documents
                kept.append(packed)
                continue
            }
            let read = try Year.read(store, folder: folder, recordedIn: &recordedIn)
            identities[folder] = read.identity
            documents += read.documents
            if read.isTrusted(layout, now: clock.now()) { kept.append(read) }
        }
        // In place, as `InvoiceStore.records()` sorts (the packed years come in file order too).
        documents.sort { ($0.issueDate, $0.number) < ($1.issueDate, $1.number) }
        let pack = IssuedRecordPack(years: kept)
        if pack.describesTheSameYears(as: known) == false, !(bytes == nil && kept.isEmpty) {
            Storage.replaceDerived(pack.bytes(), at: path, temporaryDirectory: layout.temporary)
        }
        return (documents, identities)
    }

    /// Whether `other` packs the same years with the same identities (then it is not written again).
    func describesTheSameYears(as other: IssuedRecordPack?) -> Bool {
        guard let other else { return false }
        return years.map { [$0.folder, $0.identity] } == other.years.map { [$0.folder, $0.identity] }
    }
}

extension IssuedRecordPack.Year {
    /// The year's records read from its files, as ``InvoiceStore/forEachRecord(inFolder:recordedIn:_:)``
    /// reads them (its errors), with the file of each and the identity of the files read (their
    /// descriptors' status, not the paths').
    static func read(_ store: InvoiceStore, folder: String, recordedIn: inout [String: String]) throws -> Self {
        var documents: [InvoiceDocument] = []
        let read = try store.forEachRecord(inFolder: folder, recordedIn: &recordedIn) { documents.append($0) }
        let identity = IssuedYearSummary.identity(folder: folder, read: read)
        let files = read.map(\.name)
        let yearFolder = Path.join(store.layout.issued, folder)
        var index: [String: Int] = [:]
        for (position, name) in files.enumerated() { index[Path.join(yearFolder, name)] = position }
        // Each number was just recorded with the path of its file.
        let fileOf = documents.map { recordedIn[$0.number].flatMap { index[$0] } ?? -1 }
        return Self(folder: folder, identity: identity, files: files, documents: documents, fileOf: fileOf)
    }

    /// Whether the year may be packed: every document's file known, the folder's names pointing
    /// after the read to the very files read (the identity of the read, from its descriptors: a
    /// link switched or the folder exchanged during the read is not packed), and every time of
    /// theirs older than the racy window (a change in the same clock tick could leave them equal).
    func isTrusted(_ layout: ArchiveLayout, now: Clock.Instant) -> Bool {
        guard !fileOf.contains(-1), (try? IssuedYearSummary.identity(layout, folder: folder)) == identity else {
            return false
        }
        let threshold = now.seconds * 1_000_000_000 + Int64(now.nanoseconds) - RunStamp.racyWindow
        return files.allSatisfy { name in
            guard let status = Storage.targetStatus(Path.join(layout.issued, folder, name)) else { return false }
            return status.modified < threshold && status.changed < threshold
        }
    }

    /// Records each document's number with its file's path in `recordedIn`, as a read of the files
    /// does; false when a number is already there (recorded twice).
    func claim(_ recordedIn: inout [String: String], issued: String) -> Bool {
        let yearFolder = Path.join(issued, folder)
        let paths = files.map { Path.join(yearFolder, $0) }
        recordedIn.reserveCapacity(recordedIn.count + documents.count)
        for index in documents.indices
        where recordedIn.updateValue(paths[fileOf[index]], forKey: documents[index].number) != nil {
            return false
        }
        return true
    }
}
