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
        let sink = try monthSink(year: year, month: month)
        try write(to: sink, partition: lastPartition, build)
    }

    /// Appends one finished line (no line end) to the partition of a month, with its order key
    /// prepared by a conversion worker (``LedgerOrderKey``; nil when the line cannot go to a
    /// sorter): the line is copied once, into the scratch file's buffer or the sorter's arena.
    /// The same as ``append(year:month:_:)`` with a builder that appends `line`.
    func append(year: Int, month: Int, line: UnsafeRawBufferPointer, key: LedgerOrderKey.Prepared?) throws {
        let sink = try monthSink(year: year, month: month)
        switch sink {
        case .file(let file):
            try append(line, to: file)
        case .sorted(let rows):
            guard let direct, try !direct.add(line, key: key, to: rows) else { return }
            try append(line, to: demote(rows, partition: lastPartition))
        }
    }

    /// Starts loading the key-hash slot that a row of a month on the direct path will probe
    /// (``MonthRows/prefetchKey(_:)``), a few rows before ``append(year:month:line:key:)`` adds
    /// it; nothing for a month not seen yet or written to a file.
    func prefetchKey(year: Int, month: Int, hash: UInt64) {
        guard direct != nil, let known = monthSinks[year, month], case .sorted(let rows) = known.sink
        else { return }
        rows.prefetchKey(hash)
    }

    /// The sink of a month's partition (remembered: rows of an export mostly come month by
    /// month, so most rows need no dictionary lookup); ``lastPartition`` is its name.
    ///
    /// Rows that come in any month order (a large export sorted otherwise) find their month by
    /// number (``monthSinks``) instead of naming the partition and looking the name up: that
    /// was a sixth of the in-order thread's time in the 1 GB `run` of issue #9.
    private func monthSink(year: Int, month: Int) throws -> Sink {
        let key = year * 12 + month
        if key == lastMonth, let sink = lastMonthSink { return sink }
        if let known = monthSinks[year, month] {
            lastMonth = key
            lastMonthSink = known.sink
            lastPartition = known.partition
            return known.sink
        }
        let partition = CivilDate.pad(year, 4) + "-" + CivilDate.pad(month, 2)
        let sink = try self.sink(for: partition)
        monthSinks.set((sink, partition), year: year, month: month)
        lastMonth = key
        lastMonthSink = sink
        lastPartition = partition
        return sink
    }

    @exclusivity(unchecked) private var sinks: [String: Sink] = [:]
    /// The sink and partition of each month seen (months 1…12 only).
    @exclusivity(unchecked) private var monthSinks = MonthTable<(sink: Sink, partition: String)>()
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
            try append(line.bytes, to: demote(rows, partition: partition))
        }
    }

    /// A month leaves the direct path: its rows so far go to its file, and so will the next ones.
    private func demote(_ rows: MonthRows, partition: String) throws -> ScratchFile {
        let file = try file(for: partition)
        try rows.demote(to: file)
        direct?.remove(partition: partition)
        let demoted = Sink.file(file)
        sinks[partition] = demoted
        monthSinks.update { $0.partition == partition ? (demoted, partition) : nil }
        if lastPartition == partition { lastMonthSink = demoted }
        return file
    }

    /// Writes one finished line and its line end to a scratch file.
    private func append(_ line: UnsafeRawBufferPointer, to file: ScratchFile) throws {
        file.buffer.append(line)
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
        direct?.removeAll()
        sinks.removeAll()
        monthSinks.removeAll()
        lastMonth = .min
        lastMonthSink = nil
        lastPartition = ""
        try Storage.removeTree(directory)
        try Storage.makeDirectory(directory)
    }
}

/// Values by month (1…12; other months have none), for lookups on every row.
///
/// Why not a dictionary by month number (fenced performance code, issue #9): rows of a large
/// export sorted otherwise than by date change month on nearly every row, and the two lookups of
/// a row in ``NormalizedOutput`` (its month's sink, and the key's prefetch a few rows ahead)
/// hashed the number with SipHash: 1.3 % of the 1 GB `run`'s samples. Every month is in a
/// dictionary, and the months of sixteen consecutive years each have a place in an array that
/// holds the last one set there (so a lookup of another year sixteen years apart takes the
/// dictionary). `MonthTableTests` checks it against a dictionary.
struct MonthTable<Value> {
    /// The month at each place of the array (`Int.min`: none) and its value, apart: a lookup
    /// compares the number before it copies (and retains) a value.
    private var recentNumbers = [Int](repeating: .min, count: 16 * 12)
    private var recentValues = [Value?](repeating: nil, count: 16 * 12)
    private var all: [Int: Value] = [:]

    /// One number per month: the year, then the month in the low four bits.
    private static func number(year: Int, month: Int) -> Int? {
        (1...12).contains(month) ? year << 4 | month : nil
    }

    /// The place of a month in `recent`: the year's low four bits (below zero too), then the month.
    private static func place(_ number: Int) -> Int { (number >> 4 & 15) * 12 + (number & 15) - 1 }

    subscript(year: Int, month: Int) -> Value? {
        guard let number = Self.number(year: year, month: month) else { return nil }
        let place = Self.place(number)
        return recentNumbers[place] == number ? recentValues[place] : all[number]
    }

    /// Stores `value` for a month (nothing for a month outside 1…12).
    mutating func set(_ value: Value, year: Int, month: Int) {
        guard let number = Self.number(year: year, month: month) else { return }
        all[number] = value
        recentNumbers[Self.place(number)] = number
        recentValues[Self.place(number)] = value
    }

    /// Replaces each value for which `change` gives a new one.
    mutating func update(_ change: (Value) -> Value?) {
        for (number, value) in all {
            guard let changed = change(value) else { continue }
            all[number] = changed
            if recentNumbers[Self.place(number)] == number { recentValues[Self.place(number)] = changed }
        }
    }

    mutating func removeAll() {
        all.removeAll()
        recentNumbers = [Int](repeating: .min, count: 16 * 12)
        recentValues = [Value?](repeating: nil, count: 16 * 12)
    }
}
