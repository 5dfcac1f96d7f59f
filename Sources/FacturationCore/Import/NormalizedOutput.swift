/// Where a converter writes normalized rows: one scratch file per ledger partition (a month,
/// or `pending`), in the claim's work folder, without header; the ledger merge reads them back.
///
/// With ``enableDirectRows(isNewLedger:)``, the rows of a month whose ledger file does not exist
/// yet go to a sorter instead (``DirectLedgerRows``), and the merge writes the ledger from it.
package final class NormalizedOutput {
    // Exclusivity: see ``ExclusivityNote`` (why the `@exclusivity(unchecked)` properties here are safe and needed).
    package let directory: String
    package let kind: LedgerKind
    @exclusivity(unchecked) private var files: [String: ScratchFile] = [:]
    /// Rows written per partition.
    package var rowCounts: [String: Int] {
        var counts = files.mapValues(\.rows)
        for (partition, rows) in direct?.months ?? [:] { counts[partition] = rows.rows }
        return counts
    }

    /// Where a row goes: a scratch file, or the sorter of a new month ledger.
    private enum Sink {
        case file(ScratchFile)
        case sorted(MonthRows)
    }

    @exclusivity(unchecked) private var direct: DirectLedgerRows?
    private var isNewLedger: ((String) -> Bool)?
    /// The line being built for a sorter.
    private let line = ByteBuffer(capacity: 8192)

    package init(directory: String, kind: LedgerKind) throws(StorageError) {
        self.directory = directory
        self.kind = kind
        try Storage.makeDirectory(directory)
    }

    /// Sends the rows of each month for which `isNewLedger(partition)` is true to a sorter (time
    /// entries only: bank months also settle pending rows, which reads their scratch files).
    func enableDirectRows(
        budget: DirectLedgerRows.Budget = DirectLedgerRows.Budget(), isNewLedger: @escaping (String) -> Bool
    ) {
        guard kind == .timeEntries else { return }
        self.isNewLedger = isNewLedger
        direct = DirectLedgerRows(kind: kind, folder: Path.join(directory, "sort"), budget: budget)
    }

    /// The sorted rows of each new month ledger, by partition (empty without direct rows).
    var sortedPartitions: [String: MonthRows] { direct?.months ?? [:] }

    /// Total rows written.
    package var totalRows: Int { rowCounts.values.reduce(0, +) }

    /// The scratch file of each partition written to, by partition name.
    package var partitionFiles: [String: String] {
        files.mapValues(\.path)
    }

    /// Appends one row, built by `build`, to `partition`.
    package func append(partition: String, _ build: (inout CSVLineBuilder) -> Void) throws {
        try write(to: sink(for: partition), partition: partition, build)
    }

    /// Appends one row to the partition of a month (fast path for converters of large files).
    package func append(year: Int, month: Int, _ build: (inout CSVLineBuilder) -> Void) throws {
        let key = year * 12 + month
        if key == lastMonth, let sink = lastMonthSink {
            // Rows of an export mostly come month by month: no dictionary lookup for them.
            try write(to: sink, partition: lastPartition, build)
            return
        }
        let partition = CivilDate.pad(year, 4) + "-" + CivilDate.pad(month, 2)
        let sink = try self.sink(for: partition)
        lastMonth = key
        lastMonthSink = sink
        lastPartition = partition
        try write(to: sink, partition: partition, build)
    }

    @exclusivity(unchecked) private var sinks: [String: Sink] = [:]
    @exclusivity(unchecked) private var lastMonth = Int.min
    @exclusivity(unchecked) private var lastMonthSink: Sink?
    @exclusivity(unchecked) private var lastPartition = ""

    private func sink(for partition: String) throws(StorageError) -> Sink {
        if let existing = sinks[partition] { return existing }
        let sink: Sink
        if let direct, partition != LedgerKind.pendingPartition, isNewLedger?(partition) == true {
            sink = .sorted(direct.start(partition: partition))
        } else {
            sink = .file(try file(for: partition))
        }
        sinks[partition] = sink
        return sink
    }

    private func file(for partition: String) throws(StorageError) -> ScratchFile {
        if let existing = files[partition] { return existing }
        let file = try ScratchFile(path: Path.join(directory, "\(kind.rawValue)_\(partition).csv"))
        files[partition] = file
        return file
    }

    private func write(to sink: Sink, partition: String, _ build: (inout CSVLineBuilder) -> Void) throws {
        switch sink {
        case .file(let file):
            build(&file.line)
            file.line.endLine()
            file.rows += 1
            try file.flushIfFull()
        case .sorted(let rows):
            line.removeAll()
            var builder = CSVLineBuilder(appendingTo: line)
            build(&builder)
            guard let direct, try !direct.add(line.bytes, to: rows) else { return }
            // This month leaves the direct path: its rows so far, then this one, go to its file.
            let file = try file(for: partition)
            try rows.demote(to: file)
            direct.remove(partition: partition)
            let demoted = Sink.file(file)
            sinks[partition] = demoted
            if lastPartition == partition { lastMonthSink = demoted }
            file.buffer.append(line.bytes)
            file.line.endLine()
            file.rows += 1
            try file.flushIfFull()
        }
    }

    /// Closes every file.
    package func finish() throws(StorageError) {
        for file in files.values { try file.close() }
    }

    /// Closes and deletes everything written (used before a conversion is restarted or rejected).
    package func discard() throws(StorageError) {
        for file in files.values { try? file.close() }
        files.removeAll()
        direct?.removeAll()
        sinks.removeAll()
        lastMonth = .min
        lastMonthSink = nil
        lastPartition = ""
        try Storage.removeTree(directory)
        try Storage.makeDirectory(directory)
    }
}
