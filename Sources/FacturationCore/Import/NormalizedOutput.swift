/// Where a converter writes normalized rows: one scratch file per ledger partition (a month,
/// or `pending`), in the claim's work folder, without header; the ledger merge reads them back.
package final class NormalizedOutput {
    // Exclusivity: see ``ExclusivityNote`` (why the `@exclusivity(unchecked)` properties here are safe and needed).
    package let directory: String
    package let kind: LedgerKind
    @exclusivity(unchecked) private var files: [String: ScratchFile] = [:]
    /// Rows written per partition.
    package var rowCounts: [String: Int] { files.mapValues(\.rows) }

    package init(directory: String, kind: LedgerKind) throws(StorageError) {
        self.directory = directory
        self.kind = kind
        try Storage.makeDirectory(directory)
    }

    /// Total rows written.
    package var totalRows: Int { rowCounts.values.reduce(0, +) }

    /// The scratch file of each partition written to, by partition name.
    package var partitionFiles: [String: String] {
        files.mapValues(\.path)
    }

    /// Appends one row, built by `build`, to `partition`.
    package func append(partition: String, _ build: (inout CSVLineBuilder) -> Void) throws(StorageError) {
        try write(to: file(for: partition), build)
    }

    /// Appends one row to the partition of a month (fast path for converters of large files).
    package func append(year: Int, month: Int, _ build: (inout CSVLineBuilder) -> Void) throws(StorageError) {
        let key = year * 12 + month
        if key == lastMonth, let file = lastMonthFile {
            // Rows of an export mostly come month by month: no dictionary lookup for them.
            try write(to: file, build)
            return
        }
        let file: ScratchFile
        if let cached = monthFiles[key] {
            file = cached
        } else {
            file = try self.file(for: CivilDate.pad(year, 4) + "-" + CivilDate.pad(month, 2))
            monthFiles[key] = file
        }
        lastMonth = key
        lastMonthFile = file
        try write(to: file, build)
    }

    @exclusivity(unchecked) private var monthFiles: [Int: ScratchFile] = [:]
    @exclusivity(unchecked) private var lastMonth = Int.min
    @exclusivity(unchecked) private var lastMonthFile: ScratchFile?

    private func file(for partition: String) throws(StorageError) -> ScratchFile {
        if let existing = files[partition] { return existing }
        let file = try ScratchFile(path: Path.join(directory, "\(kind.rawValue)_\(partition).csv"))
        files[partition] = file
        return file
    }

    private func write(to file: ScratchFile, _ build: (inout CSVLineBuilder) -> Void) throws(StorageError) {
        build(&file.line)
        file.line.endLine()
        file.rows += 1
        try file.flushIfFull()
    }

    /// Closes every file.
    package func finish() throws(StorageError) {
        for file in files.values { try file.close() }
    }

    /// Closes and deletes everything written (used before a conversion is restarted or rejected).
    package func discard() throws(StorageError) {
        for file in files.values { try? file.close() }
        files.removeAll()
        monthFiles.removeAll()
        lastMonth = .min
        lastMonthFile = nil
        try Storage.removeTree(directory)
        try Storage.makeDirectory(directory)
    }
}
