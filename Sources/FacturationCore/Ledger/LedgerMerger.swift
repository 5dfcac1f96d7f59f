/// Counts of what a merge did to one ledger file.
public struct MergeCounts: Sendable, Equatable, Codable {
    /// Records whose key was not in the ledger.
    public var added = 0
    /// Records already in the ledger whose content changed (the newer export wins).
    public var updated = 0
    /// Records already in the ledger with the same content (overlapping exports).
    public var unchanged = 0
    /// Records removed (pending bank rows replaced by their booked version).
    public var removed = 0

    public init() {}

    /// True when the merged ledger differs from the one before.
    public var changedLedger: Bool { added + updated + removed > 0 }

    public static func + (lhs: MergeCounts, rhs: MergeCounts) -> MergeCounts {
        var sum = lhs
        sum.added += rhs.added
        sum.updated += rhs.updated
        sum.unchanged += rhs.unchanged
        sum.removed += rhs.removed
        return sum
    }
}

/// Merges newly normalized rows into a ledger file, idempotently and in bounded memory.
///
/// Rules, by `record_key`:
/// - a key not in the ledger is added;
/// - a key already there keeps its row when the content is the same (only the provenance
///   columns `source_format`, `source_file`, `source_row` may differ: the first import is kept),
///   and takes the new row when the content differs (the newer export wins); with several new
///   rows for one id in a file, the last one wins;
/// - fingerprint keys (`te:…`, `bank:…`) are multisets: a file with two identical entries
///   keeps two (`#1`, `#2`), and merging an overlapping export keeps max(old count, new count);
/// - rows are written sorted by the ledger's sort columns, then by key, so merging the same
///   data twice gives a byte-identical file.
///
/// Rows are copied as stored (``LedgerFile/Form/stored``): their formula guard is kept, never
/// doubled. Rows are first sorted by key (to find each key's old and new rows), then by the sort
/// columns, each time with ``ExternalSorter``: memory stays bounded whatever the ledger size.
public enum LedgerMerger {
    /// What to merge.
    public struct Input {
        public var kind: LedgerKind
        /// The current ledger file (may not exist yet).
        public var existing: String
        /// Scratch files of new rows (no header), in order.
        public var incoming: [String]
        /// Keys to remove from the existing ledger.
        public var removeKeys: Set<String> = []
        /// Incoming keys to ignore.
        public var ignoreKeys: Set<String> = []

        public init(kind: LedgerKind, existing: String, incoming: [String]) {
            self.kind = kind
            self.existing = existing
            self.incoming = incoming
        }
    }

    /// Writes the merged ledger (header and rows) into `output` and returns the counts.
    ///
    /// - Parameters:
    ///   - scratch: a folder for spilled runs (same file system; emptied afterwards).
    ///   - memoryBudget: bytes of rows kept in memory by each of the two sorts.
    public static func merge(_ input: Input, into output: OutputFile, scratch: String,
                             memoryBudget: Int = 16 << 20) throws -> MergeCounts {
        let byKey = ExternalSorter(folder: scratch, memoryBudget: memoryBudget)
        let bySortColumns = ExternalSorter(folder: scratch, memoryBudget: memoryBudget)
        defer {
            byKey.removeRuns()
            bySortColumns.removeRuns()
        }
        let builder = RowRecordBuilder(kind: input.kind)
        var counts = MergeCounts()

        // 1. Every old and new row, keyed by (base key, old/new, occurrence or sequence).
        var sequence: UInt64 = 0
        try LedgerFile.forEachRow(path: input.existing, header: input.kind.columns, form: .stored) { fields in
            let key = String(decoding: fields[0], as: UTF8.self)
            if input.removeKeys.contains(key) {
                counts.removed += 1
                return
            }
            sequence += 1
            let occurrence = RecordKey.occurrence(of: key) ?? sequence
            try builder.addKeyRecord(fields: fields, old: true, order: occurrence, to: byKey)
        }
        for path in input.incoming {
            try LedgerFile.forEachRow(path: path, header: nil, form: .stored) { fields in
                if !input.ignoreKeys.isEmpty, input.ignoreKeys.contains(String(decoding: fields[0], as: UTF8.self)) {
                    counts.unchanged += 1
                    return
                }
                sequence += 1
                try builder.addKeyRecord(fields: fields, old: false, order: sequence, to: byKey)
            }
        }

        // 2. Decide each key, feeding the surviving rows to the second sort.
        var records = try byKey.sorted()
        var group: [RowRecordBuilder.KeyedRow] = []
        var groupBase: [UInt8] = []
        func flush() throws {
            guard !group.isEmpty else { return }
            for row in resolve(group, base: groupBase, counts: &counts) {
                try builder.addLineRecord(row, to: bySortColumns)
            }
            group.removeAll(keepingCapacity: true)
        }
        while let record = records.next() {
            let row = RowRecordBuilder.decode(record)
            if row.base != groupBase { try flush(); groupBase = row.base }
            group.append(row)
        }
        try records.checkError()
        try flush()

        // 3. Write the rows in ledger order.
        var header = CSVLineBuilder(capacity: 1024)
        header.line(input.kind.columns)
        try output.write(header.buffer.bytes)
        var sorted = try bySortColumns.sorted()
        while let record = sorted.next() {
            try output.write(record.payload)
            try output.write([0x0D, 0x0A])
        }
        try sorted.checkError()
        return counts
    }

    /// Applies the merge rules to the old and new rows of one base key.
    private static func resolve(_ rows: [RowRecordBuilder.KeyedRow], base: [UInt8],
                                counts: inout MergeCounts) -> [RowRecordBuilder.KeyedRow] {
        let old = rows.filter(\.isOld)
        var new = rows.filter { !$0.isOld }
        guard !new.isEmpty else { return old }
        let baseKey = String(decoding: base, as: UTF8.self)
        let fingerprint = RecordKey.isFingerprint(baseKey)
        if !fingerprint { new = [new[new.count - 1]] }
        let occurrences = fingerprint ? max(old.count, new.count) : 1
        var result: [RowRecordBuilder.KeyedRow] = []
        for index in 0..<occurrences {
            guard index < new.count else {
                result.append(old[index])
                continue
            }
            var candidate = new[index]
            if fingerprint { candidate.rekey("\(baseKey)\(RecordKey.occurrenceSeparator)\(index + 1)") }
            if index < old.count {
                if old[index].digest == candidate.digest {
                    result.append(old[index])
                    counts.unchanged += 1
                } else {
                    result.append(candidate)
                    counts.updated += 1
                }
            } else {
                result.append(candidate)
                counts.added += 1
            }
        }
        return result
    }
}

/// Builds and decodes the records the merge sorts.
struct RowRecordBuilder {
    /// One ledger row while it is merged.
    struct KeyedRow {
        var base: [UInt8]
        var isOld: Bool
        var key: String
        /// Hash of the content (every column but the key and the provenance columns).
        var digest: [UInt8]
        var sortKey: [UInt8]
        /// The serialized columns after the key (starting with the comma).
        var rest: [UInt8]

        mutating func rekey(_ newKey: String) { key = newKey }
    }

    let kind: LedgerKind
    private let content = ByteBuffer(capacity: 4096)
    private let orderBuffer = ByteBuffer(capacity: 1024)
    private let payload = ByteBuffer(capacity: 8192)

    init(kind: LedgerKind) { self.kind = kind }

    /// Adds the first sort's record for a row: order = base key, old before new, then `order`.
    func addKeyRecord(fields: [UnsafeRawBufferPointer], old: Bool, order: UInt64, to sorter: ExternalSorter) throws {
        let key = fields[0]
        let baseLength = RecordKey.baseLength(of: key)
        orderBuffer.removeAll()
        orderBuffer.append(UnsafeRawBufferPointer(rebasing: key[0..<baseLength]))
        orderBuffer.append(0)
        orderBuffer.append(old ? 0 : 1)
        withUnsafeBytes(of: order.bigEndian) { orderBuffer.append($0) }

        content.removeAll()
        for index in 4..<fields.count {
            content.append(fields[index])
            content.append(0x1F)
        }
        let digest = SHA256Hasher.digest(content.bytes)

        payload.removeAll()
        withUnsafeBytes(of: digest) { payload.append(UnsafeRawBufferPointer(rebasing: $0[0..<16])) }
        payload.append(old ? 0 : 1)
        RowRecordBuilder.appendLength(key.count, to: payload)
        payload.append(key)
        let sortStart = payload.count
        RowRecordBuilder.appendLength(0, to: payload)
        for column in kind.sortColumns {
            payload.append(fields[column])
            payload.append(0x1E)
        }
        RowRecordBuilder.setLength(payload.count - sortStart - 4, at: sortStart, in: payload)
        var rest = CSVLineBuilder(appendingTo: payload)
        for field in fields.dropFirst() {
            payload.append(0x2C)
            rest.removeFieldCount()
            rest.storedField(field)
        }
        try sorter.add(orderKey: orderBuffer.bytes, payload: payload.bytes)
    }

    /// Adds the second sort's record for a kept row: order = sort columns, then key; payload = the line.
    func addLineRecord(_ row: KeyedRow, to sorter: ExternalSorter) throws {
        orderBuffer.removeAll()
        row.sortKey.withUnsafeBytes { orderBuffer.append($0) }
        orderBuffer.append(0)
        orderBuffer.append(row.key.utf8)
        payload.removeAll()
        var line = CSVLineBuilder(appendingTo: payload)
        var key = row.key
        key.withUTF8 { line.storedField(UnsafeRawBufferPointer($0)) }
        row.rest.withUnsafeBytes { payload.append($0) }
        try sorter.add(orderKey: orderBuffer.bytes, payload: payload.bytes)
    }

    static func decode(_ record: SortRecord) -> KeyedRow {
        let payload = record.payload
        var index = 0
        let digest = Array(payload[0..<16])
        index = 16
        let isOld = payload[index] == 0
        index += 1
        let keyLength = readLength(payload, at: index)
        index += 4
        let key = String(decoding: payload[index..<(index + keyLength)], as: UTF8.self)
        index += keyLength
        let sortLength = readLength(payload, at: index)
        index += 4
        let sortKey = Array(payload[index..<(index + sortLength)])
        index += sortLength
        let base = Array(record.orderKey[0..<(record.orderKey.count - 10)])
        return KeyedRow(base: base, isOld: isOld, key: key, digest: digest, sortKey: sortKey,
                        rest: Array(payload[index...]))
    }

    private static func appendLength(_ value: Int, to buffer: ByteBuffer) {
        withUnsafeBytes(of: UInt32(value).bigEndian) { buffer.append($0) }
    }

    private static func setLength(_ value: Int, at index: Int, in buffer: ByteBuffer) {
        buffer[index] = UInt8(truncatingIfNeeded: value >> 24)
        buffer[index + 1] = UInt8(truncatingIfNeeded: value >> 16)
        buffer[index + 2] = UInt8(truncatingIfNeeded: value >> 8)
        buffer[index + 3] = UInt8(truncatingIfNeeded: value)
    }

    private static func readLength(_ bytes: [UInt8], at index: Int) -> Int {
        Int(bytes[index]) << 24 | Int(bytes[index + 1]) << 16 | Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
    }
}
