/// The lines of the FEC files the pipeline published (`archive/accounting/<pipeline>/fec/mensuel/`),
/// read back as the accountant received them.
package struct PublishedFEC: Sendable {
    package struct Line: Sendable {
        package var file: String
        package var journal: String
        package var date: CivilDate
        package var account: String
        package var auxiliary: String
        package var pieceRef: String
        package var debitMinor: Int64
        package var creditMinor: Int64
    }

    package var lines: [Line] = []
    /// Last day covered by the files read.
    package var coveredUntil: CivilDate?

    /// Reads every monthly file (UTF-8 or ISO-8859-15, `|` or tab), oldest month first.
    ///
    /// Monthly files live in `mensuel/<YYYY-MM>/` (named after the fiscal year's closing date); a
    /// workspace from before that layout may also hold `mensuel/<SIREN>FEC<month end>.txt`, read only
    /// for a month that has no folder yet, so no month is counted twice.
    package static func read(layout: ArchiveLayout) throws -> PublishedFEC {
        let folder = layout.publishedMonthlyFEC
        var files: [(monthEnd: CivilDate, path: String)] = []
        var legacy: [(monthEnd: CivilDate, path: String)] = []
        for name in try Storage.listIfPresent(folder) {
            let path = Path.join(folder, name)
            if Storage.isDirectory(path) {
                guard let month = FECFormat.period(folderName: name), name.count == 7 else { continue }
                for file in try Storage.listIfPresent(path) where file.hasSuffix(".txt") {
                    files.append((month.upperBound, Path.join(path, file)))
                }
            } else if name.hasSuffix(".txt"), let closing = compactDate(String(name.dropLast(4).suffix(8))) {
                legacy.append((closing, path))
            }
        }
        let months = Set(files.map(\.monthEnd))
        files += legacy.filter { !months.contains($0.monthEnd) }
        var result = PublishedFEC()
        for (monthEnd, path) in files.sorted(by: { ($0.monthEnd, $0.path) < ($1.monthEnd, $1.path) }) {
            result.lines += try lines(of: path)
            result.coveredUntil = max(result.coveredUntil ?? monthEnd, monthEnd)
        }
        return result
    }

    /// The lines of one published file, found by column name.
    static func lines(of path: String) throws -> [Line] {
        let bytes = try Storage.read(path, limit: 1 << 30)
        let text = String(decoding: bytes, as: UTF8.self)
        let rows = text.split(whereSeparator: { $0 == "\n" || $0 == "\r\n" || $0 == "\r" })
        guard let header = rows.first else { return [] }
        let separator: Character = header.contains("|") ? "|" : "\t"
        let names = header.split(separator: separator, omittingEmptySubsequences: false).map { $0.lowercased() }
        func index(_ column: String) -> Int? { names.firstIndex(of: column.lowercased()) }
        guard let journal = index("JournalCode"), let date = index("EcritureDate"), let account = index("CompteNum"),
            let auxiliary = index("CompAuxNum"), let piece = index("PieceRef"), let debit = index("Debit"),
            let credit = index("Credit")
        else { return [] }
        func amount(_ text: String) -> Int64 {
            (try? DecimalText.minorUnits(text, scale: 2, style: .commaDecimal).get()) ?? 0
        }
        let file = Path.name(of: Path.parent(of: path)) + "/" + Path.name(of: path)
        var result: [Line] = []
        for row in rows.dropFirst() {
            let fields = row.split(separator: separator, omittingEmptySubsequences: false).map(String.init)
            guard fields.count == names.count, let day = compactDate(fields[date]) else { continue }
            result.append(
                Line(
                    file: file, journal: fields[journal], date: day, account: fields[account],
                    auxiliary: fields[auxiliary], pieceRef: fields[piece],
                    debitMinor: amount(fields[debit]), creditMinor: amount(fields[credit])))
        }
        return result
    }

    static func compactDate(_ text: String) -> CivilDate? {
        guard text.count == 8, let year = Int(text.prefix(4)), let month = Int(text.dropFirst(4).prefix(2)),
            let day = Int(text.suffix(2))
        else { return nil }
        return CivilDate(year: year, month: month, day: day)
    }
}
