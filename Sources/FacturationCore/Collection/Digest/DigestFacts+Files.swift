/// The facts the digest reads from folders: rejected files, the last reconciliation report, the
/// newest time entry.
extension DigestFacts {
    /// The inbox names of the files of `layout`'s pipeline rejected after the instant `since`
    /// (seconds, UTC; nil: all of them), oldest first.
    static func rejected(_ layout: ArchiveLayout, since: Int64?) throws -> [String] {
        let root = layout.workspace.rejectedFiles
        let shared = layout.outbox == layout.workspace.outbox
        // Claims are filed under their local date: a folder two days older than `since` holds none after it.
        let earliest = since.map { CivilDate(daysSinceEpoch: $0 / 86_400 - 2) }
        var names: [String] = []
        for day in try Storage.listIfPresent(root).sorted() {
            guard let date = CivilDate(iso: day), earliest.map({ date >= $0 }) ?? true else { continue }
            let dayFolder = Path.join(root, day)
            for claimFolder in try Storage.listIfPresent(dayFolder).sorted() {
                let folder = Path.join(dayFolder, claimFolder)
                guard let claim = Claim.load(folder: folder) else {
                    // No description (an older layout): the file's name, when the workspace has one pipeline.
                    let reason = try Storage.listIfPresent(folder).first { $0.hasSuffix(".reason.txt") }
                    if shared, since == nil, let reason { names.append(String(reason.dropLast(".reason.txt".count))) }
                    continue
                }
                guard claim.pipelineID == layout.pipeline.id else { continue }
                if let since, let claimed = ISOTimestamp.parse(claim.claimedAt)?.utc, claimed <= since { continue }
                names.append(claim.originalName)
            }
        }
        return names
    }

    /// The newest reconciliation report delivered on or before `today`, and its number of differences.
    static func reconciliation(_ layout: ArchiveLayout, today: CivilDate) throws -> ReconciliationResult? {
        let folder = layout.inOutbox(layout.reconciliationOutbox)
        let prefix = "rapprochement-"
        let reports = try Storage.listIfPresent(folder).filter {
            guard $0.hasPrefix(prefix), $0.hasSuffix(".csv"),
                let date = CivilDate(iso: $0.dropFirst(prefix.count).dropLast(".csv".count))
            else { return false }
            return date <= today
        }
        guard let newest = reports.max() else { return nil }
        let relative = layout.reconciliationOutbox + "/" + newest
        var differences = 0
        try LedgerFile.forEachRow(path: layout.inOutbox(relative), header: nil) { fields in
            // The header row and the single "all" row of a report without difference are not differences.
            let check = String(decoding: fields[0], as: UTF8.self)
            if check != "check" && check != "all" { differences += 1 }
        }
        return ReconciliationResult(report: layout.shown(relative), differences: differences)
    }

    /// The newest start date (local) of a time entry on or before `today`, from the newest monthly
    /// ledgers: reads one month file, two when the newest is after `today` (a replay).
    static func newestTimeEntry(_ layout: ArchiveLayout, today: CivilDate) throws -> CivilDate? {
        let folder = Path.join(layout.ledgers, LedgerKind.timeEntries.rawValue)
        let month = String(today.description.prefix(7))
        let partitions = try Storage.listIfPresent(folder).filter { $0.hasSuffix(".csv") }
            .map { String($0.dropLast(4)) }.filter { $0.count == 7 && $0 <= month }.sorted(by: >)
        for partition in partitions {
            var newest: CivilDate?
            try LedgerFile.forEachRow(
                path: layout.ledger(.timeEntries, partition), header: LedgerKind.timeEntries.columns
            ) { fields in
                let start = fields[TimeEntryColumn.startLocal.index]
                guard let date = CivilDate(iso: String(decoding: start.prefix(10), as: UTF8.self)), date <= today
                else { return }
                if newest.map({ date > $0 }) ?? true { newest = date }
            }
            if let newest { return newest }
        }
        return nil
    }
}
