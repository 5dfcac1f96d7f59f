import Foundation

/// A closed year's receivables as on 31 December (``ReceivablesYear``), kept once
/// (`archive/checkpoints/<pipeline>/creances-annees/<YYYY>.json` and its lines, `<YYYY>.tsv`) with
/// the identity of what it was folded from, so that ``RunSnapshot/receivables()`` continues it with
/// what came later instead of applying every credit note and match of history again.
///
/// Why (issue #9, step 1 of the planned order in README "Benchmark results"): the receivables went
/// through every document of history. The snapshot still decodes every record (steps 2 to 4 move
/// the other readers), so this is the first step, not yet a saving.
///
/// The invoices and the year's credit notes naming another year's invoice are lines of text split
/// by bytes, not JSON: 12,000 rows take 75 ms in `JSONDecoder`, 7 ms split by bytes. The JSON holds
/// the key and the SHA-256 of the lines, written first: a crash between the two files, a truncated
/// or edited line file, leaves a summary whose lines do not match it, and it is rebuilt.
///
/// Derived data: a summary that is missing, damaged, of another version, year or binary, or whose
/// inputs changed (a record file of the year added or changed, a number confirmed, a match booked
/// by 31 December naming one of its invoices: ``key(_:year:documents:matches:)``) is rebuilt from
/// the records and written again through a temporary file, fsynced and renamed.
package struct ReceivablesYearSummary: Codable, Equatable {
    /// Bumped when the files' meaning changes: another version is rebuilt.
    static let currentVersion = 1

    package var version: Int
    package var year: Int
    /// SHA-256 of what the summary is made from (``key(_:year:documents:matches:)``).
    package var inputs: String
    /// How many lines the line file holds, and their SHA-256.
    package var lines: Int
    package var linesSHA256: String

    /// The summaries of the closed years of `documents` (every document dated before the open year,
    /// in issue order), in year order: read when they still describe their year, rebuilt and
    /// written otherwise. Nil when a year cannot be summarised (a number issued twice in it): the
    /// receivables are then built from the records, as before. `positions`: every invoice of the
    /// run (``Receivables/Positions``); `identity`: a year folder's
    /// (``IssuedYearSummary/identity(_:folder:)``, which the snapshot may already know).
    static func closedYears(
        _ layout: ArchiveLayout, documents: ArraySlice<InvoiceDocument>, matches: [PaymentMatch],
        positions: Receivables.Positions, identity: (String) throws -> String
    ) throws -> [ReceivablesYear]? {
        var years: [ReceivablesYear] = []
        var start = documents.startIndex
        let byYear = Self.matchesByYear(positions, matches: matches)
        while start < documents.endIndex {
            let year = documents[start].issueDate.year
            var end = start
            while end < documents.endIndex, documents[end].issueDate.year == year { end += 1 }
            let yearMatches = byYear[year] ?? []
            let folder = try identity(CivilDate.pad(year, 4))
            let inputs = key(folder, year: year, documents: documents[start..<end], matches: matches, yearMatches)
            if let known = read(layout, year: year, inputs: inputs) {
                years.append(known)
            } else {
                guard
                    let built = ReceivablesYear(
                        year: year, documents: Array(documents[start..<end]), matches: yearMatches.map { matches[$0] })
                else { return nil }
                try write(built, layout, inputs: inputs)
                years.append(built)
            }
            start = end
        }
        return years
    }

    /// The matches booked by 31 December of the year of the invoice they name (the ones a year's
    /// summary holds), by that year, as indices in `matches` (oldest first); an allocation is kept
    /// with its whole match.
    static func matchesByYear(_ positions: Receivables.Positions, matches: [PaymentMatch]) -> [Int: [Int]] {
        var byYear: [Int: [Int]] = [:]
        var years: [Int] = []
        for index in matches.indices {
            years.removeAll(keepingCapacity: true)
            let booked = matches[index].bookingDate.year
            for allocation in matches[index].allocations {
                guard let position = positions.position[allocation.invoice] else { continue }
                let year = positions.year[position]
                if booked <= year, !years.contains(year) { years.append(year) }
            }
            for year in years.count > 1 ? years.sorted() : years { byYear[year, default: []].append(index) }
        }
        return byYear
    }

    /// SHA-256 of what a year's summary is made from: its record files (`identity`,
    /// ``IssuedYearSummary``'s: names, sizes, modification times, format, binary), the numbers of
    /// its documents as the run sees them (an Oxygène confirmation renames one), and the matches
    /// booked by 31 December that name one of its invoices (`indices` in `matches`).
    ///
    /// Hashed as bytes, each text length-prefixed, each date and amount as an integer (performance
    /// code): hashing each match as interpolated text was 8.8 ms of a 10-year pass (README,
    /// "Benchmark results").
    static func key(
        _ identity: String, year: Int, documents: ArraySlice<InvoiceDocument>, matches: [PaymentMatch],
        _ indices: [Int]
    ) -> String {
        var bytes = Array("receivables-year-summary \(currentVersion)|\(year)|\(identity)\n".utf8)
        bytes.reserveCapacity(bytes.count + 24 * documents.count + 64 * indices.count)
        for index in documents.indices {
            bytes.append(documents[index].kind == .invoice ? UInt8(ascii: "I") : UInt8(ascii: "C"))
            append(documents[index].number, to: &bytes)
        }
        for index in indices {
            append(matches[index].receipt, to: &bytes)
            append(matches[index].bookingDate.daysSinceEpoch, to: &bytes)
            append(Int64(matches[index].allocations.count), to: &bytes)
            for allocation in matches[index].allocations {
                append(allocation.invoice, to: &bytes)
                append(allocation.amountMinor, to: &bytes)
            }
        }
        return SHA256Hasher.hex(bytes)
    }

    private static func append(_ text: String, to bytes: inout [UInt8]) {
        append(Int64(text.utf8.count), to: &bytes)
        bytes.append(contentsOf: text.utf8)
    }

    private static func append(_ value: Int64, to bytes: inout [UInt8]) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// The year's summary when both files are readable, of this version and year, made from
    /// `inputs`, and the lines are those the JSON names; nil otherwise (it is rebuilt).
    static func read(_ layout: ArchiveLayout, year: Int, inputs: String) -> ReceivablesYear? {
        let path = layout.receivablesYearSummary(year: year)
        guard Storage.exists(path),
            let known = try? FacturationError.decode(ReceivablesYearSummary.self, at: path, limit: 1 << 20),
            known.version == currentVersion, known.year == year, known.inputs == inputs,
            let bytes = try? Storage.read(layout.receivablesYearLines(year: year), limit: 1 << 30),
            SHA256Hasher.hex(bytes) == known.linesSHA256
        else { return nil }
        return ReceivablesYearLines.decode(bytes, year: year, lines: known.lines)
    }

    /// Writes the lines, then the JSON naming them, each through a temporary file, fsynced, renamed
    /// over the old one, folder fsynced.
    static func write(_ year: ReceivablesYear, _ layout: ArchiveLayout, inputs: String) throws {
        let (bytes, count) = ReceivablesYearLines.encode(year)
        let linesPath = layout.receivablesYearLines(year: year.year)
        Storage.replaceDerived(bytes, at: linesPath, temporaryDirectory: layout.temporary)
        let summary = ReceivablesYearSummary(
            version: currentVersion, year: year.year, inputs: inputs, lines: count,
            linesSHA256: SHA256Hasher.hex(bytes))
        try Storage.replaceJSON(
            summary, at: layout.receivablesYearSummary(year: year.year), temporaryDirectory: layout.temporary)
    }
}

extension SHA256Hasher {
    /// The hex SHA-256 of `bytes`.
    static func hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { hex($0) }
    }
}
