import CSupport

#if canImport(Glibc)
import Glibc
#endif

/// Normalized rows of monthly ledger files that do not exist yet, handed by the converter
/// straight to one sorter per month, instead of a scratch CSV that the merge parses again.
///
/// Why: on the first import of an export every monthly ledger is new, and ``NewLedgerMerge``
/// then only sorts the rows by ledger order. Writing them to a scratch CSV and parsing it back
/// with the CSV reader cost about as much CPU as the conversion itself (issue #9, `run` scenario).
/// Here the converter's line is kept as it was built; only its key and sort columns are located
/// (``LedgerLine``), and the ledger is written from the sorted lines with the key's `#1` added.
///
/// The result is the file ``NewLedgerMerge`` writes, byte for byte (DirectLedgerRowsTests compare
/// them). Whenever that could differ, a month leaves this path (``MonthRows/demote(to:)``): its rows
/// so far go to an ordinary scratch file in input order, and the rest of the month follows them
/// there, so the general merge sees exactly what it saw before. That happens when two rows share a
/// base key (a fingerprint seen twice, an id given twice), when a key or sort column is quoted,
/// when a line holds a guarded field starting with a tab (the one field the reader and
/// ``CSVLineBuilder/storedField(_:)`` would write differently), and when the key hashes outgrow
/// their budget.
///
/// Memory is bounded whatever the input: all months share one budget of held rows
/// (``Budget/rowBytes``); past it the month holding the most is spilled to a run file and its
/// chunks of memory go back to the months' shared ``ChunkPool``; its sorting and writing run on the
/// second core (``SpillWorker``). The key hashes have their own budget (``Budget/keyBytes``).
final class DirectLedgerRows {
    // Exclusivity: see ``ExclusivityNote`` (why the `@exclusivity(unchecked)` properties here are safe and needed).
    /// The shared limits.
    struct Budget {
        /// Bytes of rows held in memory by all month sorters together.
        var rowBytes = 128 << 20
        /// Bytes of key hashes (``MonthRows/keys``) of all months together.
        var keyBytes = 64 << 20
        /// Tests through the binary: say on stderr when a month is spilled (`ledger-rows spill` lines).
        var trace = false

        /// The limits of a run. `FACTURATION_LEDGER_ROW_BYTES=n` (a test seam, like
        /// `FACTURATION_CSV_PIECES`) holds at most `n` bytes of rows and traces each spill, so that
        /// end-to-end tests spill run files with small exports.
        static var production: Budget {
            guard let text = getenv("FACTURATION_LEDGER_ROW_BYTES").map({ String(cString: $0) }),
                let bytes = Int(text), bytes > 0
            else { return Budget() }
            var budget = Budget()
            budget.rowBytes = bytes
            budget.trace = true
            return budget
        }
    }

    let kind: LedgerKind
    let folder: String
    let budget: Budget
    private(set) var months: [String: MonthRows] = [:]
    @exclusivity(unchecked) private var heldRowBytes = 0
    @exclusivity(unchecked) private var heldKeyBytes = 0
    @exclusivity(unchecked) private var sequence: UInt64 = 0

    init(kind: LedgerKind, folder: String, budget: Budget = Budget()) {
        self.kind = kind
        self.folder = folder
        self.budget = budget
        pool = ChunkPool(hugePages: budget.rowBytes >= 32 << 20)
    }

    /// The memory of every month's rows: a spilled month's chunks serve the next month to fill.
    let pool: ChunkPool

    /// Starts the rows of a new month ledger.
    func start(partition: String) -> MonthRows {
        // The shared budget alone decides when a month spills, always on the spill worker: a
        // sorter's own budget would spill on this thread, before the shared check, a month that
        // holds nearly everything (an export in date order).
        let sorter = ExternalSorter(folder: Path.join(folder, partition), memoryBudget: .max, pool: pool)
        let rows = MonthRows(kind: kind, sorter: sorter)
        months[partition] = rows
        return rows
    }

    /// Adds one line (no line end) to `rows`; false when the month must leave this path (then
    /// nothing was added: the caller demotes it and writes the line to its scratch file).
    func add(_ line: UnsafeRawBufferPointer, to rows: MonthRows) throws -> Bool {
        try add(line, key: rows.prepareKey(of: line), to: rows)
    }

    /// Adds one line whose key was prepared already (``LedgerOrderKey``, nil: the line cannot
    /// take this path), exactly as ``add(_:to:)`` would.
    func add(_ line: UnsafeRawBufferPointer, key: LedgerOrderKey.Prepared?, to rows: MonthRows) throws -> Bool {
        sequence += 1
        guard let key else { return false }
        let before = rows.heldBytes
        guard try rows.add(line, key: key, sequence: sequence, keyBudgetLeft: budget.keyBytes - heldKeyBytes) else {
            return false
        }
        heldKeyBytes += rows.keyBytes - before.keys
        heldRowBytes += rows.sorter.heldBytes - before.rows
        if heldRowBytes > budget.rowBytes { try spillLargest() }
        return true
    }

    /// Forgets a month (it was demoted): its memory no longer counts.
    func remove(partition: String) {
        guard let rows = months.removeValue(forKey: partition) else { return }
        rows.sorter.removeRuns()
        heldRowBytes = months.values.reduce(0) { $0 + $1.sorter.heldBytes }
        heldKeyBytes = months.values.reduce(0) { $0 + $1.keyBytes }
    }

    /// Sorts and writes spilled runs on the second core (``SpillWorker``).
    private let worker = SpillWorker()

    /// Hands the month holding the most to the spill worker (which first finishes the spill in
    /// flight: with it, at most one month's share more than the budget is in memory).
    private func spillLargest() throws {
        guard let largest = months.values.max(by: { $0.sorter.heldBytes < $1.sorter.heldBytes }) else { return }
        heldRowBytes -= largest.sorter.heldBytes
        if budget.trace { StandardStreams.err("ledger-rows spill\n") }
        try largest.sorter.spillInBackground(on: worker)
    }

    /// Deletes every run file and forgets every month.
    func removeAll() {
        for rows in months.values { rows.sorter.removeRuns() }
        months.removeAll()
        heldRowBytes = 0
        heldKeyBytes = 0
    }
}

/// The rows of one new month ledger: a sorter by ledger order and the hashes of the base keys seen.
final class MonthRows {
    // Exclusivity: see ``ExclusivityNote`` (why the `@exclusivity(unchecked)` properties here are safe and needed).
    let kind: LedgerKind
    let sorter: ExternalSorter
    @exclusivity(unchecked) private(set) var rows = 0
    @exclusivity(unchecked) private var keys = KeyHashSet()
    private let order = ByteBuffer(capacity: 1024)
    @exclusivity(unchecked) private var orderKey = LedgerOrderKey()
    private let sortColumns: [Int]
    /// How the sorter holds the lines: without their key and provenance (``CompactLedgerLine``).
    @exclusivity(unchecked) private var compact = CompactLedgerLine()

    init(kind: LedgerKind, sorter: ExternalSorter) {
        self.kind = kind
        self.sorter = sorter
        sortColumns = kind.sortColumns
    }

    /// Bytes of the key hashes.
    var keyBytes: Int { keys.bytes }

    /// Starts loading the slot a key hash will probe (``KeyHashSet/prefetch(_:)``).
    func prefetchKey(_ hash: UInt64) { keys.prefetch(hash) }

    var heldBytes: (rows: Int, keys: Int) { (sorter.heldBytes, keyBytes) }

    /// The order key (without its sequence number) and key hash of a line, in this month's buffer
    /// (valid until the next call); nil when the line cannot take this path.
    func prepareKey(of bytes: UnsafeRawBufferPointer) -> LedgerOrderKey.Prepared? {
        order.removeAll()
        return orderKey.prepare(bytes, columns: sortColumns, into: order)
    }

    /// Adds a line with its prepared key; false when its base key was seen (or its hash outgrows
    /// the budget), or the line cannot be held compact (``CompactLedgerLine``). The order key
    /// stored is the prepared one, then the input sequence (8 bytes, big-endian: ``demote(to:)``
    /// needs it); the payload is the line without its key and provenance.
    func add(
        _ bytes: UnsafeRawBufferPointer, key: LedgerOrderKey.Prepared, sequence: UInt64, keyBudgetLeft: Int
    ) throws -> Bool {
        guard let payloadStart = compact.payloadStart(of: bytes, order: key.order) else { return false }
        let keyBytesBefore = keyBytes
        let inserted = keys.insert(key.hash)
        guard inserted, keyBytes - keyBytesBefore <= keyBudgetLeft else { return false }
        try sorter.add(
            orderKey: key.order, sequence: sequence, payload: UnsafeRawBufferPointer(rebasing: bytes[payloadStart...]))
        rows += 1
        return true
    }

    /// Writes the ledger rows (each line with CRLF) in ledger order.
    func writeLedger(into output: OutputFile) throws {
        var header = CSVLineBuilder(capacity: 1024)
        header.line(kind.columns)
        try output.write(header.buffer.bytes)
        var sorted = try sorter.sorted()
        let provenance = compact.provenance ?? []
        // Each line is written from where the merge holds it (no copy per record): the key the
        // ledger writes (`<base>#1` for a fingerprint) from the order key, then the provenance.
        while let record = sorted.nextInPlace() {
            try output.write(CompactLedgerLine.writtenKey(ofHeld: record.orderKey))
            try output.write(provenance)
            try output.write(record.payload)
            try output.write(LedgerLine.lineEnd)
        }
        try sorted.checkError()
    }

    /// Writes the rows added so far, in input order, to `file` (a month leaving this path), and
    /// deletes the run files.
    func demote(to file: ScratchFile) throws {
        let byInput = ExternalSorter(folder: Path.join(sorter.folderPath, "demote"), memoryBudget: 16 << 20)
        defer {
            byInput.removeRuns()
            sorter.removeRuns()
        }
        var sorted = try sorter.sorted()
        let line = ByteBuffer(capacity: 1024)
        // Each held line is made whole again (``CompactLedgerLine``) and sorted back by its sequence.
        while let record = sorted.nextInPlace() {
            line.removeAll()
            compact.appendLine(orderKey: record.orderKey, payload: record.payload, to: line)
            let sequence = UnsafeRawBufferPointer(rebasing: record.orderKey[(record.orderKey.count - 8)...])
            try byInput.add(orderKey: sequence, payload: line.bytes)
        }
        try sorted.checkError()
        var inOrder = try byInput.sorted()
        while let record = inOrder.next() {
            record.bytes.withUnsafeBytes { raw in
                file.buffer.append(UnsafeRawBufferPointer(rebasing: raw[record.keyLength...]))
            }
            file.line.endLine()
            file.rows += 1
            try file.flushIfFull()
        }
        try inOrder.checkError()
    }
}

/// The order key of a line of a new month ledger without its sequence number — each sort column,
/// then 0x1E; 0x00; the key written (`<base>#1` for a fingerprint); 0x00 — and the hash of its
/// base key.
///
/// Why apart from ``MonthRows``: the pieces of a large export prepare their lines' keys on the
/// conversion workers (``ClockifyCSVConverter/PieceRows``), so the one thread that hands rows on
/// in file order only inserts the hash and copies each line once (issue #9, `run` scenario: the
/// hand-over was 18 % of the run's CPU). Both paths call ``prepare(_:columns:into:)``, so the
/// keys are the same bytes (DirectLedgerRowsTests).
struct LedgerOrderKey {
    /// A prepared key: `order` points into the buffer it was written to.
    struct Prepared {
        var hash: UInt64
        var order: UnsafeRawBufferPointer
    }

    private var line = LedgerLine()

    /// Appends the order key of `bytes` to `buffer` and returns it with the base key's hash, or
    /// nil (having appended nothing) when the key or a sort column is quoted or the line holds a
    /// guarded tab.
    mutating func prepare(_ bytes: UnsafeRawBufferPointer, columns: [Int], into buffer: ByteBuffer) -> Prepared? {
        guard line.locate(bytes, columns: columns) else { return nil }
        return append(into: buffer)
    }

    /// The same, for a line whose builder said where it wrote the key and the one sort column
    /// (``LedgerLinePlaces``): the line is not searched for them again.
    mutating func prepare(
        _ bytes: UnsafeRawBufferPointer, places: LedgerLinePlaces, into buffer: ByteBuffer
    )
        -> Prepared?
    {
        guard line.place(bytes, places: places) else { return nil }
        return append(into: buffer)
    }

    /// The base key's hash is ``ByteHash`` with the process's seed (not the standard library's
    /// `Hasher`: SipHash of every row's key was 1.1 % of the 1 GB `run`'s samples, issue #9). A
    /// collision costs no more than a repeated key: the month goes to the general merge
    /// (``KeyHashSet``). The hash is never stored: the piece workers and the months' sorters of
    /// one process compute it alike.
    private func append(into buffer: ByteBuffer) -> Prepared {
        let start = buffer.count
        let base = line.base
        for column in line.sortColumns {
            buffer.append(column)
            buffer.append(0x1E)
        }
        buffer.append(0)
        buffer.append(base)
        if line.isFingerprint {
            buffer.append(UInt8(ascii: "#"))
            buffer.append(UInt8(ascii: "1"))
        }
        buffer.append(0)
        return Prepared(
            hash: ByteHash.of(base, seed: ByteHash.processSeed),
            order: UnsafeRawBufferPointer(rebasing: buffer.bytes[start...]))
    }
}

/// Where a line's builder wrote its key (the first field: `0..<keyEnd`) and its one sort column
/// (without the comma before it), as offsets in the line.
///
/// Why: finding them again in the built line (``LedgerLine/locate(_:columns:)``, past quoted
/// descriptions) was 5 % of the conversion threads of the 1 GB Clockify run (issue #9). The
/// builder knows them for free (``TimeEntryRecord/write(into:)``); the checks on the line
/// (quoted key or column, guarded tab) stay those of `locate` (DirectLedgerRowsTests).
struct LedgerLinePlaces {
    var keyEnd: Int
    var sortColumn: Range<Int>

    /// Offsets of the whole buffer made relative to a line starting at `start`.
    func relative(to start: Int) -> LedgerLinePlaces {
        LedgerLinePlaces(
            keyEnd: keyEnd - start, sortColumn: (sortColumn.lowerBound - start)..<(sortColumn.upperBound - start))
    }
}

/// A set of 64-bit key hashes: open addressing, linear probing, at most 3/4 full.
///
/// Why not `Set<UInt64>`: that hashes the hash again and keeps metadata beside each slot; this
/// table is 8 bytes a slot and was the larger share of ``MonthRows/add(_:sequence:keyBudgetLeft:)``.
/// The value 0 marks an empty slot, so a hash of 0 is stored as 1 (a collision at worst, which
/// only sends a month to the general merge).
struct KeyHashSet {
    /// Empty until the first insertion (then 1,024 slots), so an unused set costs nothing.
    private var slots: [UInt64] = []
    private(set) var count = 0

    var bytes: Int { slots.count * MemoryLayout<UInt64>.stride }

    /// Starts loading the cache line of the slot where `hash` is probed first, without waiting.
    ///
    /// Why: the table of a month of the 1 GB Clockify `run` is megabytes, so nearly every
    /// ``insert(_:)`` waited for memory (5 % of the run's CPU, issue #9); the thread that adds
    /// rows in file order calls this a few rows ahead (``ClockifyCSVConverter/PieceRows``). Only a
    /// hint: the set is not changed, and a set that grows before the insertion merely wasted it.
    func prefetch(_ hash: UInt64) {
        guard !slots.isEmpty else { return }
        let value = hash == 0 ? 1 : hash
        let index = Int(truncatingIfNeeded: value) & (slots.count - 1)
        slots.withUnsafeBufferPointer { fct_prefetch_for_write($0.baseAddress! + index) }
    }

    /// Adds `hash`; false when it was already there.
    mutating func insert(_ hash: UInt64) -> Bool {
        if (count + 1) * 4 > slots.count * 3 { grow() }  // also the first time (no slots)
        let value = hash == 0 ? 1 : hash
        let mask = slots.count - 1
        var index = Int(truncatingIfNeeded: value) & mask
        while slots[index] != 0 {
            if slots[index] == value { return false }
            index = (index + 1) & mask
        }
        slots[index] = value
        count += 1
        return true
    }

    private mutating func grow() {
        let old = slots
        slots = [UInt64](repeating: 0, count: max(1024, old.count * 2))
        let mask = slots.count - 1
        for value in old where value != 0 {
            var index = Int(truncatingIfNeeded: value) & mask
            while slots[index] != 0 { index = (index + 1) & mask }
            slots[index] = value
        }
    }
}

/// Locates the key and the sort columns of a line built by ``CSVLineBuilder``.
struct LedgerLine {
    static let firstOccurrence: [UInt8] = Array("#1".utf8)
    static let lineEnd: [UInt8] = [0x0D, 0x0A]
    /// A quoted field that starts with the formula guard and a tab: `storedField` would not quote
    /// it again once read back (see the type comment of ``DirectLedgerRows``).
    private static let guardedTab: [UInt8] = [0x22, 0x27, 0x09]

    private(set) var base = UnsafeRawBufferPointer(start: nil, count: 0)
    private(set) var sortColumns: [UnsafeRawBufferPointer] = []
    private(set) var isFingerprint = false
    private var fields: [Range<Int>?] = []

    static func isFingerprint(_ line: UnsafeRawBufferPointer) -> Bool {
        RecordKey.isFingerprint(bytes: line)
    }

    /// The index of the first comma of `line` (its count when there is none), with `memchr`.
    static func firstComma(_ line: UnsafeRawBufferPointer) -> Int {
        guard let start = line.baseAddress, let comma = memchr(start, 0x2C, line.count) else { return line.count }
        return start.distance(to: UnsafeRawPointer(comma))
    }

    /// Finds the fields; false when the key or a sort column is quoted, or the line holds a
    /// guarded tab.
    mutating func locate(_ line: UnsafeRawBufferPointer, columns: [Int]) -> Bool {
        guard let start = line.baseAddress, line.first != 0x22, !Self.holdsGuardedTab(line) else { return false }
        let last = columns.max() ?? 0
        fields.removeAll(keepingCapacity: true)
        var index = 0
        for _ in 0...last {
            guard index <= line.count else { return false }
            if index < line.count, line[index] == 0x22 {
                fields.append(nil)  // quoted: its bytes are not its value
                index = Self.endOfQuoted(line, from: index) + 2
                continue
            }
            let end =
                memchr(start + index, 0x2C, line.count - index).map { start.distance(to: UnsafeRawPointer($0)) }
                ?? line.count
            fields.append(index..<end)
            index = end + 1
        }
        guard let key = fields[0] else { return false }
        let keyBytes = UnsafeRawBufferPointer(rebasing: line[key])
        base = UnsafeRawBufferPointer(rebasing: keyBytes[0..<RecordKey.baseLength(of: keyBytes)])
        isFingerprint = Self.isFingerprint(line)
        sortColumns.removeAll(keepingCapacity: true)
        for column in columns {
            guard let range = fields[column] else { return false }
            sortColumns.append(UnsafeRawBufferPointer(rebasing: line[range]))
        }
        return true
    }

    /// The fields where the line's builder put them (``LedgerLinePlaces``); false in the cases
    /// ``locate(_:columns:)`` gives false for: the key or the sort column quoted, a guarded tab.
    mutating func place(_ line: UnsafeRawBufferPointer, places: LedgerLinePlaces) -> Bool {
        let column = places.sortColumn
        guard places.keyEnd <= line.count, column.upperBound <= line.count, line.first != 0x22,
            column.isEmpty || line[column.lowerBound] != 0x22, !Self.holdsGuardedTab(line)
        else { return false }
        let keyBytes = UnsafeRawBufferPointer(rebasing: line[0..<places.keyEnd])
        base = UnsafeRawBufferPointer(rebasing: keyBytes[0..<RecordKey.baseLength(of: keyBytes)])
        isFingerprint = Self.isFingerprint(line)
        sortColumns.removeAll(keepingCapacity: true)
        sortColumns.append(UnsafeRawBufferPointer(rebasing: line[column]))
        return true
    }

    /// The index of the closing quote of the quoted field starting at `index` (or the line's end).
    static func endOfQuoted(_ line: UnsafeRawBufferPointer, from index: Int) -> Int {
        var position = index + 1
        while position < line.count {
            if line[position] == 0x22 {
                if position + 1 < line.count, line[position + 1] == 0x22 {
                    position += 2
                    continue
                }
                return position
            }
            position += 1
        }
        return position
    }

    /// True when the line holds `"'` followed by a tab (found with `memchr`: most lines hold no quote).
    private static func holdsGuardedTab(_ line: UnsafeRawBufferPointer) -> Bool {
        guard let start = line.baseAddress else { return false }
        var index = 0
        while index + 2 < line.count, let quote = memchr(start + index, 0x22, line.count - index - 2) {
            index = start.distance(to: UnsafeRawPointer(quote))
            if line[index + 1] == 0x27, line[index + 2] == 0x09 { return true }
            index += 1
        }
        return false
    }
}
