import Foundation

/// What the invoicing pass needs from the records of one closed year, summarised once
/// (`archive/checkpoints/<pipeline>/factures-annees/<YYYY>.json`) and kept with the identity of the
/// year's record files, so that a run can fold a closed year without going through its documents.
///
/// Why (issue #9, "closed periods are summarised once"): every full pass goes through every issued
/// document of history to know which draft ids, time months and record keys are taken. This is the
/// first consumer moved to a per-year summary; the snapshot still decodes every record for the
/// others (README, "Benchmark results", "Not done"), so the summary pays only once they move too.
///
/// What it carries, and nothing else: how many records the year holds (a summary that does not
/// hold every document of its year is not used), the draft ids, the time months (`client|period` of
/// time-based invoices), and the record keys as the year leaves them: held by an invoice, removed
/// by a credit note (and which credit note released each). Not yet the numbers (the counters and
/// the check of a number recorded twice need them once the snapshot stops reading closed years):
/// no consumer reads them from here, and each costs a decoded object per run.
///
/// Derived data: a summary that is missing, damaged, of another version or another binary, of
/// another folder, or whose record files changed (a name, a size, a modification or change time,
/// an inode, each of the file a link points to: a file added to the year, a record edited or
/// restored, even with its modification time put back or through a link) is rebuilt from the records, which stay the
/// only truth, and written again through a temporary file, fsynced and renamed.
package struct IssuedYearSummary: Codable, Equatable {
    /// Bumped when the file's meaning changes: another version is rebuilt.
    static let currentVersion = 1

    package var version: Int
    /// The folder's name under `issued/` (`YYYY`).
    package var year: String
    /// SHA-256 of the year's record files as found (``identity(_:folder:)``).
    package var inputs: String
    /// How many records the year's folder holds.
    package var documents: Int
    /// Sorted.
    package var draftIDs: [String]
    /// `client|period` of the year's time-based invoices, sorted.
    package var timeMonths: [String]
    /// The keys whose last record in the year is an invoice (held), sorted.
    package var heldKeys: [String]
    /// The keys whose last record in the year is a credit note (made billable again), sorted.
    package var removedKeys: [String]
    /// Every key a credit note of the year lists, with the number of the last one that does.
    package var releasedBy: [String: String]

    /// The summary of a year's documents, given in issue order.
    init(year: String, inputs: String, documents: [InvoiceDocument]) {
        var fold = InvoicingHistory()
        var removed: Set<String> = []
        // By index: a loop over the documents would copy each.
        for index in documents.indices {
            fold.add(documents[index])
            if documents[index].kind == .invoice {
                removed.subtract(documents[index].recordKeys)
            } else {
                removed.formUnion(documents[index].recordKeys)
            }
        }
        version = Self.currentVersion
        self.year = year
        self.inputs = inputs
        self.documents = documents.count
        draftIDs = fold.draftIDs.sorted()
        timeMonths = fold.timeMonths.sorted()
        heldKeys = fold.held.sorted()
        removedKeys = removed.sorted()
        releasedBy = fold.releasedBy
    }

    /// SHA-256 of what the summary of `folder` is made from: the name, size and modification time of
    /// each record file (records are immutable, created once), the format and the executable
    /// (another build may read the records otherwise), as the folder's names point to now.
    static func identity(_ layout: ArchiveLayout, folder: String) throws -> String {
        // What the readers get: a link's target (an edit through it moves the target's times),
        // and its change time and inode too (an edit in place with the modification time put
        // back still moves the change time).
        let files = try InvoiceStore(layout: layout).recordFiles(inFolder: folder).map { name in
            (name: name, status: Storage.targetStatus(Path.join(layout.issued, folder, name)))
        }
        return identity(folder: folder, files: files)
    }

    /// The same identity from the statuses of a read's descriptors
    /// (``InvoiceStore/forEachRecord(inFolder:recordedIn:_:)``), the identity of the documents it
    /// gave. What is derived from documents is keyed by this one: a record file replaced during the
    /// read (a link switched, the year's folder exchanged with an edited copy) then gives a key no
    /// later look at the folder matches, where a `stat` of the paths taken apart from the read
    /// could pair the files of one with the documents of the other.
    static func identity(folder: String, read: [(name: String, status: Storage.Status)]) -> String {
        identity(folder: folder, files: read.map { ($0.name, $0.status) })
    }

    /// The identity's text hashed: each file's name and status (nil: not found), in order.
    private static func identity(folder: String, files: [(name: String, status: Storage.Status?)]) -> String {
        var text = "issued-year-summary \(currentVersion)|\(folder)|\(RunStamp.executableIdentity())\n"
        for (name, status) in files {
            text += "\(name)|\(status?.size ?? -1)|\(status?.modified ?? -1)|\(status?.changed ?? -1)"
            text += "|\(status?.inode ?? 0)\n"
        }
        let hasher = SHA256Hasher()
        hasher.update(Array(text.utf8))
        return hasher.finishHex()
    }

    /// The summary of `folder` when it is readable, of this version and folder, and its inputs are
    /// `inputs`; nil otherwise (it is rebuilt).
    static func read(_ layout: ArchiveLayout, folder: String, inputs: String) -> IssuedYearSummary? {
        let path = layout.issuedYearSummary(folder: folder)
        guard Storage.exists(path),
            let known = try? FacturationError.decode(IssuedYearSummary.self, at: path, limit: 1 << 30),
            known.version == currentVersion, known.year == folder, known.inputs == inputs
        else { return nil }
        return known
    }

    /// Written through a temporary file, fsynced, renamed over the old one, folder fsynced.
    func write(_ layout: ArchiveLayout) throws {
        try Storage.replaceJSON(
            self, at: layout.issuedYearSummary(folder: year), temporaryDirectory: layout.temporary)
    }

    /// The summary of `folder` rebuilt from its records (not written); nil when a record of the
    /// folder is dated in another year (an archive changed by hand: the year is then read from its
    /// records, never summarised), or when the files read are not those `inputs` names (changed
    /// since: a summary keyed by `inputs` would describe other documents).
    static func rebuilt(_ layout: ArchiveLayout, folder: String, inputs: String) throws -> IssuedYearSummary? {
        var documents: [InvoiceDocument] = []
        var recordedIn: [String: String] = [:]
        let read = try InvoiceStore(layout: layout).forEachRecord(inFolder: folder, recordedIn: &recordedIn) {
            documents.append($0)
        }
        guard identity(folder: folder, read: read) == inputs,
            documents.allSatisfy({ CivilDate.pad($0.issueDate.year, 4) == folder })
        else { return nil }
        // In place, as `InvoiceStore.records()` sorts: the order of the whole archive within the year.
        documents.sort { ($0.issueDate, $0.number) < ($1.issueDate, $1.number) }
        return IssuedYearSummary(year: folder, inputs: inputs, documents: documents)
    }

    /// The summaries of the years before `openYear`, in year order: read when they still describe
    /// their folder, rebuilt and written otherwise. A year that cannot be summarised is left out
    /// (its records are folded instead).
    /// `inputs`: each closed folder's ``identity(_:folder:)`` when the caller has them.
    static func closedYears(
        _ layout: ArchiveLayout, before openYear: Int, inputs known: [(folder: String, inputs: String)]? = nil
    ) throws -> [IssuedYearSummary] {
        var summaries: [IssuedYearSummary] = []
        for folder in try InvoiceStore(layout: layout).issuedYearFolders() {
            guard folder.count == 4, let year = Int(folder), year < openYear else { continue }
            let inputs = try known?.first(where: { $0.folder == folder })?.inputs ?? identity(layout, folder: folder)
            if let known = read(layout, folder: folder, inputs: inputs) {
                summaries.append(known)
                continue
            }
            guard let built = try rebuilt(layout, folder: folder, inputs: inputs) else { continue }
            try built.write(layout)
            summaries.append(built)
        }
        return summaries
    }
}

/// What the invoicing pass knows of everything issued before it: the draft ids, time months and
/// record keys taken, folded record by record in issue order, or a closed year at a time from its
/// ``IssuedYearSummary``; both give the same result (tested).
package struct InvoicingHistory: Equatable {
    /// How many records were folded.
    package var documents = 0
    package var draftIDs: Set<String> = []
    /// `client|period` of every time-based invoice.
    package var timeMonths: Set<String> = []
    /// The entries billed by an invoice and not made billable again by a later credit note.
    package var held: Set<String> = []
    /// Every key a credit note lists, with the number of the last one that does.
    package var releasedBy: [String: String] = [:]
    /// The closed years, when taken from ``ClosedYearsHistory``: the sets above then hold only what
    /// the open years' records add (a lookup goes through both: ``hasIssued(_:)``, ``holds(_:)``, …).
    package private(set) var closed: ClosedYearsHistory?
    /// With `closed`: the keys a credit note of the open years released since (held again when a
    /// later invoice bills them).
    package private(set) var releasedSinceClosed: Set<String> = []

    package init() {}

    /// The closed years, then the open years' records folded on top.
    init(closed: ClosedYearsHistory, open records: ArraySlice<InvoiceDocument>) {
        self.closed = closed
        documents = closed.documents
        for index in records.indices { add(records[index]) }
    }

    /// Folds the next record (in issue order).
    package mutating func add(_ document: InvoiceDocument) {
        documents += 1
        draftIDs.insert(document.origin.draftID)
        if document.kind == .invoice {
            if document.origin.type == .time {
                timeMonths.insert("\(document.clientCode)|\(document.origin.period ?? "")")
            }
            held.formUnion(document.recordKeys)
            if closed != nil { releasedSinceClosed.subtract(document.recordKeys) }
        } else {
            held.subtract(document.recordKeys)
            if closed != nil { releasedSinceClosed.formUnion(document.recordKeys) }
            for key in document.recordKeys { releasedBy[key] = document.number }
        }
    }

    /// True when a record issued the draft `id`.
    package func hasIssued(_ id: String) -> Bool { draftIDs.contains(id) || closed?.draftIDs.contains(id) == true }

    /// Folds a whole year (after the years before it, before the years after it).
    package mutating func add(_ summary: IssuedYearSummary) {
        documents += summary.documents
        draftIDs.formUnion(summary.draftIDs)
        timeMonths.formUnion(summary.timeMonths)
        held.subtract(summary.removedKeys)
        held.formUnion(summary.heldKeys)
        releasedBy.merge(summary.releasedBy) { _, later in later }
    }

    /// The history of `records` (every record, in issue order) with the closed years taken from
    /// their summaries: each summary is folded where its year starts in the records' order. A
    /// summary that does not hold as many documents as the records date in its year (a record
    /// moved to another year's folder by hand) is not used: that year is folded from its records.
    package static func folding(_ records: [InvoiceDocument], summaries all: [IssuedYearSummary]) -> InvoicingHistory {
        var counts: [Int: Int] = [:]
        for index in records.indices { counts[records[index].issueDate.year, default: 0] += 1 }
        let summaries = all.filter { summary in
            guard let year = Int(summary.year) else { return false }
            return counts[year, default: 0] == summary.documents
        }
        var history = InvoicingHistory()
        let summarised = Set(summaries.compactMap { Int($0.year) })
        var next = 0
        // By index: a loop over the documents would copy each.
        for index in records.indices {
            let year = records[index].issueDate.year
            while next < summaries.count, let summaryYear = Int(summaries[next].year), summaryYear <= year {
                history.add(summaries[next])
                next += 1
            }
            if !summarised.contains(year) { history.add(records[index]) }
        }
        while next < summaries.count {
            history.add(summaries[next])
            next += 1
        }
        return history
    }
}
