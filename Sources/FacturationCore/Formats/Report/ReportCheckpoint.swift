import Foundation

/// What the last complete delivery of a report was: the identity of its table and, for each file
/// written (the CSV, the workbook), its path in the outbox, size and SHA-256
/// (`archive/checkpoints/<pipeline>/rapports/<csv path>.json`).
///
/// Why (issue #9, a full pass that does not grow with history): the sales register, the invoice
/// states and the forecast flows list all of history (about 12,000 rows each after ten years), and
/// every full pass built their CSV and workbook (libxlsxwriter and zlib), wrote them under a
/// temporary name, fsynced them and hashed them, only to find the outbox already held the same
/// bytes: about 17 % of a full pass at ten years (README, "Benchmark results"). With this
/// checkpoint, a report whose table is the one last delivered costs the table's identity (one
/// walk over its cells, no rendering) and, per file, a `stat`, the hash of the outbox copy and a
/// read of its delivery record.
///
/// The identity is the SHA-256 of the typed table, not of its CSV bytes: the CSV is a function of
/// the column keys and the cells, but the workbook also shows the column titles and kinds, the
/// sheet name, the date (its creation date), which rows are the footer (outside the filter), and
/// cells the CSV cannot tell apart (a text `12.00` and an amount of 1,200 cents). Everything else
/// the files depend on is hashed with it: the paths (CSV, and workbook or none) and the
/// executable (another build may render other bytes, as for ``RunStamp`` and ``ClosedYearFEC``).
///
/// Derived data: a checkpoint missing, unreadable, of another version, of another identity, or
/// naming a file the outbox does not hold as delivered (deleted, edited, replaced, a delivery
/// interrupted) only means the report is delivered again as before
/// (``Outbox/deliverCurrentVersion(of:to:)``). It is written last, after every file of the
/// delivery, and only for a delivery without warnings (an edited copy left alone, a workbook that
/// could not be written), so those warnings come back on every run as before.
struct ReportCheckpoint: Codable, Equatable {
    /// Bumped when the file's meaning changes: another version is ignored and rewritten.
    static let currentVersion = 1

    /// One file of the delivery, as delivered.
    struct File: Codable, Equatable {
        /// Relative to the outbox (`paiements/etat-factures.xlsx`).
        var path: String
        var size: Int64
        var sha256: String
        /// The outbox file's `stat` when it was last hashed as this delivery (``DeliveredCopy``):
        /// while it is the same, the file is not hashed again. Absent in a checkpoint written
        /// before it (the file is then hashed, and the copy recorded).
        var copy: DeliveredCopy?
    }

    var version: Int
    /// ``identity(of:csvPath:workbookPath:)`` of the table delivered.
    var identity: String
    /// The CSV first, then the workbook when there is one.
    var files: [File]

    /// The checkpoint at `path` when it is readable and of this version; nil otherwise.
    static func read(_ path: String) -> ReportCheckpoint? {
        guard Storage.exists(path),
            let known = try? FacturationError.decode(ReportCheckpoint.self, at: path, limit: 1 << 20),
            known.version == currentVersion
        else { return nil }
        return known
    }

    /// Written through a temporary file, fsynced, renamed over the old one, folder fsynced.
    func write(to path: String, temporaryDirectory: String) throws {
        try Storage.replaceJSON(self, at: path, temporaryDirectory: temporaryDirectory)
    }

    /// The checkpoint with each file's copy as found now, when it names exactly `paths` (in order)
    /// and the outbox still holds each as it was delivered (``Outbox/isCurrent(_:size:sha256:known:)``:
    /// a file whose `stat` is the recorded copy's is not hashed); nil otherwise.
    ///
    /// Why (issue #9): the sales register, the invoice states and the forecast flows list all of
    /// history, and their CSV and workbook (1.6 MB for the register at 10 years) were hashed on every
    /// full pass to find them as delivered (2.7 ms of the invoicing stage alone).
    func stillDelivered(_ paths: [String], in outbox: Outbox) throws -> ReportCheckpoint? {
        guard files.map(\.path) == paths else { return nil }
        var checked = self
        for index in files.indices {
            let file = files[index]
            let (current, copy) = try outbox.isCurrent(
                file.path, size: file.size, sha256: file.sha256, known: file.copy)
            guard current else { return nil }
            checked.files[index].copy = copy
        }
        return checked
    }

    /// SHA-256 of everything the report's files are made from: this format's version, the paths,
    /// the executable, the sheet name, the date, the columns (key, title, kind), the number of
    /// rows and footer rows, then every cell with its case. Hashed in slices of 64 KiB.
    static func identity(of table: ReportTable, csvPath: String, workbookPath: String?) -> String {
        var encoder = IdentityEncoder()
        encoder.text("report-delivery \(currentVersion)")
        encoder.text(csvPath)
        encoder.text(workbookPath ?? "")
        encoder.text(RunStamp.executableIdentity())
        encoder.text(table.sheetName)
        encoder.date(table.asOf)
        encoder.integer(Int64(table.columns.count))
        for column in table.columns {
            encoder.text(column.key)
            encoder.text(column.title)
            switch column.kind {
            case .text: encoder.tag(0)
            case .money(let currency):
                encoder.tag(1)
                encoder.text(currency)
            case .date: encoder.tag(2)
            case .integer: encoder.tag(3)
            }
        }
        encoder.integer(Int64(table.rows.count))
        encoder.integer(Int64(table.footer.count))
        for row in table.rows { encoder.row(row) }
        for row in table.footer { encoder.row(row) }
        return encoder.finish()
    }

    /// Length-prefixed fields, so that no two different tables give the same bytes.
    private struct IdentityEncoder {
        private let hasher = SHA256Hasher()
        private var bytes: [UInt8] = []

        init() { bytes.reserveCapacity((1 << 16) + 4096) }

        mutating func tag(_ value: UInt8) { bytes.append(value) }

        mutating func integer(_ value: Int64) {
            withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
        }

        mutating func text(_ value: String) {
            var value = value
            value.withUTF8 { utf8 in
                integer(Int64(utf8.count))
                bytes.append(contentsOf: utf8)
            }
        }

        mutating func date(_ value: CivilDate) {
            integer(Int64(value.year * 10_000 + value.month * 100 + value.day))
        }

        mutating func row(_ cells: [ReportTable.Cell]) {
            for cell in cells {
                switch cell {
                case .text(let value):
                    tag(1)
                    text(value)
                case .money(let minor):
                    tag(2)
                    integer(minor)
                case .date(let value):
                    tag(3)
                    date(value)
                case .integer(let value):
                    tag(4)
                    integer(value)
                case .empty: tag(5)
                }
            }
            if bytes.count >= 1 << 16 {
                hasher.update(bytes)
                bytes.removeAll(keepingCapacity: true)
            }
        }

        func finish() -> String {
            hasher.update(bytes)
            return hasher.finishHex()
        }
    }
}
