import Foundation

/// What the invoicing pass knows of every closed year at once: the fold of their
/// ``IssuedYearSummary``s (draft ids, time months, record keys held, keys released and by which
/// credit note), as sorted lines looked up by binary search, in one file read without
/// `JSONDecoder` (`archive/checkpoints/<pipeline>/factures-annees.txt`).
///
/// Why (issue #9, a full pass that does not grow with closed years): the pass decoded each closed
/// year's JSON summary (4.8 ms of `JSONDecoder` at 10 years) and merged them into sets of every
/// draft id and key of history (another 3 ms of hashing), then copied the draft ids into the
/// generator's set. This file is one read and one scan for line feeds; nothing is hashed per name.
///
/// Derived data, keyed by the identity of every closed year's record files (each year's
/// ``IssuedYearSummary/identity(_:folder:)``: names, sizes, modification times, format and binary):
/// missing, damaged (its body's SHA-256), of another version, binary or set of record files, it is
/// rebuilt from the per-year summaries (themselves rebuilt from the records when stale) and written
/// again through a temporary file, fsync and rename. It is used only when every closed year's
/// folder is summarised and holds exactly the records the archive dates in that year (as the
/// per-year summaries are: otherwise the years are folded as before), and only when every name is
/// storable as a line (``SortedLines``).
package struct ClosedYearsHistory: Equatable {
    /// Bumped when the file's meaning changes: another version is rebuilt.
    static let currentVersion = 1

    /// ``key(_:)`` of the closed years it was made from.
    package var key: String
    /// How many records each closed year holds (`YYYY`; years without any left out).
    package var years: [String: Int]
    /// Every draft id issued in a closed year.
    package var draftIDs: SortedLines
    /// `client|period` of every time-based invoice of a closed year.
    package var timeMonths: SortedLines
    /// The keys held at the end of the last closed year.
    package var held: SortedLines
    /// `key<TAB>credit note`: every key a credit note of a closed year released, with the last one.
    package var releasedBy: SortedLines

    package var documents: Int { years.values.reduce(0, +) }

    /// SHA-256 of what the file is made from: its version, the binary, and each closed year's
    /// folder with the identity of its record files, in year order.
    static func key(_ inputs: [(folder: String, inputs: String)]) -> String {
        var text = "closed-years-history \(currentVersion)|\(RunStamp.executableIdentity())\n"
        for (folder, identity) in inputs { text += "\(folder)|\(identity)\n" }
        return SHA256Hasher.hex(text)
    }

    // MARK: - File

    private var sections: [SortedLines] { [draftIDs, timeMonths, held, releasedBy] }

    /// The file: five header lines (format, key, years, the sections' line counts, the body's
    /// SHA-256), then the body: the sections' lines one after the other.
    func bytes() -> [UInt8] {
        let body = sections.flatMap(\.bytes)
        let years = years.keys.sorted().map { "\($0)=\(self.years[$0] ?? 0)" }.joined(separator: ",")
        let header =
            "facturation closed-years-history \(Self.currentVersion)\nkey \(key)\nyears \(years)\n"
            + "sections \(sections.map { String($0.count) }.joined(separator: " "))\n"
            + "body-sha256 \(body.withUnsafeBytes { SHA256Hasher.hex($0) })\n"
        return Array(header.utf8) + body
    }

    /// The file at `path` when it is whole, of this version and of `key`; nil otherwise.
    static func read(_ layout: ArchiveLayout, key: String) -> ClosedYearsHistory? {
        let path = layout.closedYearsHistory
        guard Storage.exists(path), let bytes = try? Storage.read(path, limit: 1 << 30) else { return nil }
        return parse(bytes, key: key)
    }

    static func parse(_ bytes: [UInt8], key: String) -> ClosedYearsHistory? {
        guard let (header, body) = CheckedHeader.read(bytes, lines: 5),
            header[0] == "facturation closed-years-history \(currentVersion)", header[1] == "key " + key,
            header[2].hasPrefix("years "), header[3].hasPrefix("sections ")
        else { return nil }
        var offset = body
        var years: [String: Int] = [:]
        for item in header[2].dropFirst(6).split(separator: ",") {
            let parts = item.split(separator: "=")
            guard parts.count == 2, let count = Int(parts[1]) else { return nil }
            years[String(parts[0])] = count
        }
        let counts = header[3].dropFirst(9).split(separator: " ").compactMap { Int($0) }
        guard counts.count == 4 else { return nil }
        var sections: [SortedLines] = []
        for count in counts {
            let start = offset
            for _ in 0..<count {
                guard let end = bytes[offset...].firstIndex(of: 0x0A) else { return nil }
                offset = end + 1
            }
            guard let lines = SortedLines(sortedBytes: Array(bytes[start..<offset])) else { return nil }
            sections.append(lines)
        }
        guard offset == bytes.count else { return nil }
        return ClosedYearsHistory(
            key: key, years: years, draftIDs: sections[0], timeMonths: sections[1], held: sections[2],
            releasedBy: sections[3])
    }

    /// Written as a derived file (``Storage/replaceDerived(_:at:temporaryDirectory:)``).
    func write(_ layout: ArchiveLayout) {
        Storage.replaceDerived(bytes(), at: layout.closedYearsHistory, temporaryDirectory: layout.temporary)
    }
}

extension ClosedYearsHistory {
    /// The fold of `summaries` (in year order); nil when a name cannot be stored as a line.
    init?(key: String, summaries: [IssuedYearSummary]) {
        var fold = InvoicingHistory()
        for summary in summaries { fold.add(summary) }
        guard let draftIDs = SortedLines(lines: fold.draftIDs), let timeMonths = SortedLines(lines: fold.timeMonths),
            let held = SortedLines(lines: fold.held),
            let releasedBy = SortedLines(lines: fold.releasedBy.map { $0.key + "\t" + $0.value }, valued: true)
        else { return nil }
        self.init(
            key: key,
            years: Dictionary(summaries.filter { $0.documents > 0 }.map { ($0.year, $0.documents) }) { first, _ in first
            },
            draftIDs: draftIDs, timeMonths: timeMonths, held: held, releasedBy: releasedBy)
    }
}

extension InvoicingHistory {
    /// The history of `records` (every record, in issue order) with the years before `openYear`
    /// from ``ClosedYearsHistory`` (read, or made from the per-year summaries and written), then
    /// the open years' records folded on top; as ``folding(_:summaries:)`` when the closed years
    /// cannot all be taken from it. `identity` gives a year folder's record-file identity
    /// (``IssuedYearSummary/identity(_:folder:)``; the snapshot passes its own, which keeps them
    /// for the receivables' summaries).
    package static func load(
        _ layout: ArchiveLayout, records: [InvoiceDocument], openYear: Int,
        identity: (String) throws -> String
    ) throws -> InvoicingHistory {
        var inputs: [(folder: String, inputs: String)] = []
        for folder in try InvoiceStore(layout: layout).issuedYearFolders() {
            guard folder.count == 4, let year = Int(folder), year < openYear else { continue }
            inputs.append((folder, try identity(folder)))
        }
        // Records are in issue order: the closed years' are the ones before the first of `openYear`.
        var low = 0
        var high = records.count
        while low < high {
            let middle = (low + high) / 2
            if records[middle].issueDate.year < openYear { low = middle + 1 } else { high = middle }
        }
        var byYear: [Int: Int] = [:]
        for index in 0..<low { byYear[records[index].issueDate.year, default: 0] += 1 }
        let counts = Dictionary(uniqueKeysWithValues: byYear.map { (CivilDate.pad($0.key, 4), $0.value) })
        let key = ClosedYearsHistory.key(inputs)
        if let closed = ClosedYearsHistory.read(layout, key: key), closed.years == counts {
            return InvoicingHistory(closed: closed, open: records[low...])
        }
        let summaries = try IssuedYearSummary.closedYears(layout, before: openYear, inputs: inputs)
        if summaries.count == inputs.count, let closed = ClosedYearsHistory(key: key, summaries: summaries),
            closed.years == counts
        {
            closed.write(layout)
            return InvoicingHistory(closed: closed, open: records[low...])
        }
        return folding(records, summaries: summaries)
    }
}
