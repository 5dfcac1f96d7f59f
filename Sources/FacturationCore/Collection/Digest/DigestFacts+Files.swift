/// The facts the digest reads from folders: rejected files, the last reconciliation report.
extension DigestFacts {
    /// The inbox names of the files of `layout`'s pipeline rejected after the instant `since`
    /// (milliseconds since the epoch; nil: all of them), oldest first.
    static func rejected(_ layout: ArchiveLayout, since: Int64?) throws -> [String] {
        let root = layout.workspace.rejectedFiles
        let shared = layout.outbox == layout.workspace.outbox
        // Claims are filed under their local date: a folder two days older than `since` holds none after it.
        let earliest = since.map { CivilDate(daysSinceEpoch: $0 / 86_400_000 - 2) }
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
                if let since, let claimed = claimMilliseconds(claim), claimed <= since { continue }
                names.append(claim.originalName)
            }
        }
        return names
    }

    /// When a claim was made, to the millisecond: a file rejected by the run after a digest may be
    /// claimed in the same second. `claimed_at` has the seconds; the claim id (`HHMMSS-mmm-…` in the
    /// archive) the milliseconds of a clock reading taken just before (used when both are in the same second).
    static func claimMilliseconds(_ claim: Claim) -> Int64? {
        guard let claimed = ISOTimestamp.parse(claim.claimedAt) else { return nil }
        let time = claim.claimedAt.dropFirst(11).prefix(8).filter { $0 != ":" }
        let id = Array(claim.id.utf8)
        guard id.count >= 10, String(decoding: id[0..<6], as: UTF8.self) == time,
            let milliseconds = Int64(String(decoding: id[7..<10], as: UTF8.self))
        else { return claimed.utc * 1000 }
        return claimed.utc * 1000 + milliseconds
    }

    /// An instant written by ``DigestRecord`` (`2025-07-01T08:00:00.123Z`), in milliseconds.
    package static func milliseconds(ofISO text: String) -> Int64? {
        guard let parsed = ISOTimestamp.parse(text) else { return nil }
        guard let dot = text.firstIndex(of: ".") else { return parsed.utc * 1000 }
        let digits = text[text.index(after: dot)...].prefix { $0.isASCII && $0.isNumber }
        let milliseconds = Int64((digits + "000").prefix(3)) ?? 0
        return parsed.utc * 1000 + milliseconds
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
}
