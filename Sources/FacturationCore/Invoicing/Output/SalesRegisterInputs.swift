/// What the sales register's table was last made from, and the identity of that table
/// (``ReportCheckpoint/identity(of:csvPath:workbookPath:)``), so that a pass can tell the register
/// unchanged by building and hashing only the open years' rows
/// (`archive/checkpoints/<pipeline>/registre-ventes-entrees.txt`).
///
/// Why (issue #9, a full pass that does not grow with closed years): to find the register
/// unchanged, every pass built its table (a row per document of history, 12,000 at 10 years) and
/// hashed every cell: about 7.5 ms at 10 years for one line of `outbox/registre-ventes.csv` that
/// could have changed. The table is a function of the legal documents; the closed years' are
/// named by ``ClosedYearsHistory/key`` (the identity of each closed year's record files, format
/// and binary), so the table is named by that key, the number of closed documents and the
/// identity of the open years' own table (whose rows carry every credit note of the open years,
/// hence every reference they add to a closed year's invoice). The identity delivered stays the
/// one of the whole table, byte for byte.
///
/// Used only when the closed years come from ``ClosedYearsHistory`` and no document has a
/// provisional number (``ConfirmedNumbers`` empty: the legal view is then the records). Derived
/// data: missing, damaged, of another version or another key, the whole table is built and
/// hashed as before, and the file written again (temporary file, fsync, rename).
struct SalesRegisterInputs: Equatable {
    static let currentVersion = 1

    var key: String
    /// The identity of the whole table these inputs give.
    var identity: String

    /// The key of `legal` (every legal document, in issue order), whose first `closed.documents` are
    /// the closed years' (nil when they are not: the table is then built whole).
    static func key(of legal: [InvoiceDocument], closed: ClosedYearsHistory, openYear: Int) -> String? {
        let count = closed.documents
        guard count <= legal.count, count == legal.count || legal[count].issueDate.year >= openYear,
            count == 0 || legal[count - 1].issueDate.year < openYear
        else { return nil }
        let open = SalesRegister.table(Array(legal[count...]))
        let openIdentity = ReportCheckpoint.identity(of: open, csvPath: "", workbookPath: nil)
        return SHA256Hasher.hex("sales-register-inputs \(currentVersion)|\(closed.key)|\(count)|\(openIdentity)")
    }

    /// The file at `path` when it is readable, of this version and of `key`; nil otherwise.
    static func read(_ path: String, key: String) -> SalesRegisterInputs? {
        guard Storage.exists(path), let text = try? Storage.readText(path, limit: 4096) else { return nil }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        guard lines.count == 4, lines[0] == "facturation sales-register-inputs \(currentVersion)",
            lines[1] == "key " + key, lines[2].hasPrefix("identity "), lines[2].count == 9 + 64, lines[3].isEmpty
        else { return nil }
        return SalesRegisterInputs(key: key, identity: String(lines[2].dropFirst(9)))
    }

    /// Written as a derived file (``Storage/replaceDerived(_:at:temporaryDirectory:)``).
    func write(to path: String, temporaryDirectory: String) {
        let text = "facturation sales-register-inputs \(Self.currentVersion)\nkey \(key)\nidentity \(identity)\n"
        Storage.replaceDerived(Array(text.utf8), at: path, temporaryDirectory: temporaryDirectory)
    }
}
