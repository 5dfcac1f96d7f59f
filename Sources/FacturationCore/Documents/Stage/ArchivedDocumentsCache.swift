import Foundation

/// For each year's folder of archived PDFs, the identity it had when every document of that year
/// was seen there, so the documents stage does not list a year whose folder has not changed.
///
/// Why: the stage needs to know which documents have their PDF archived, and listed every year's
/// folder for it on every full pass: 2,400 names a year, 24,000 at 10 years, all of them PDFs
/// archived years ago (README, "Benchmark results", issue #9).
///
/// A folder whose ``FolderIdentity`` is the one recorded, for the same documents (a digest of
/// their numbers), still holds every one of their PDFs (a PDF deleted, or replaced by a rename,
/// moves it): what a listing would have told. A PDF edited in place was not seen by the listing
/// either. A year is kept only when its folder did not move during the pass and its times are
/// older than ``RunStamp/racyWindow`` (a change in the same clock tick could leave them equal).
/// Derived data in `archive/checkpoints/`, keyed by the binary: missing, damaged or from another
/// build, every year is listed.
struct ArchivedDocumentsCache: Codable, Equatable {
    /// A year's folder when all its documents were archived in it.
    struct Year: Codable, Equatable {
        var folder: FolderIdentity
        /// SHA-256 of the year's document numbers, in issue order, one a line.
        var numbers: String
    }

    var binary: String
    /// By year (`YYYY`).
    var years: [String: Year]

    static func path(in layout: ArchiveLayout) -> String { layout.archivedDocuments }

    /// The cache on disk, or an empty one when it is missing, damaged or from another build.
    static func load(_ layout: ArchiveLayout) -> ArchivedDocumentsCache {
        let binary = RunStamp.executableIdentity()
        guard let cache = FolderIdentity.checkpoint(ArchivedDocumentsCache.self, at: path(in: layout)),
            cache.binary == binary
        else { return ArchivedDocumentsCache(binary: binary, years: [:]) }
        return cache
    }

    /// The identity of `folder` as the cache records it (nil when it is not a folder).
    static func identity(of folder: String, numbers: String) -> Year? {
        FolderIdentity(of: folder).map { Year(folder: $0, numbers: numbers) }
    }

    /// Whether every document of `year` is known archived, `folder` being as it is now.
    func allArchived(year: Int, now folder: Year?) -> Bool {
        guard let folder else { return false }
        return years[String(year)] == folder
    }

    /// Keeps or forgets `year`: kept when all its documents are archived and its folder, the same
    /// before the listing and after the pass, has times old enough to trust.
    mutating func update(year: Int, allArchived: Bool, before: Year?, after: Year?, now: Clock.Instant) {
        if allArchived, let before, before == after, before.folder.isTrusted(now: now) {
            years[String(year)] = before
        } else {
            years[String(year)] = nil
        }
    }

    func save(_ layout: ArchiveLayout) throws {
        try Storage.replaceJSON(self, at: Self.path(in: layout), temporaryDirectory: layout.temporary)
    }
}
