/// The binary records ``LedgerMerger`` sorts with ``ExternalSorter``: the one place that knows
/// their layout.
///
/// Why binary: the merge sorts every row of a partition twice, in bounded memory (spilling to run
/// files, ``RunFormat``). A record whose order key compares with one `memcmp` and whose payload
/// carries the row already serialized needs no CSV parsing between the two sorts.
///
/// Every integer is **big-endian**: order keys must compare bytewise in numeric order, and the
/// lengths inside payloads and run files follow the same rule so that there is only one.
///
/// **Key record** (first sort: brings every old and new row of one base key together, old rows
/// first, each side in order):
///
///     order key = base key · 0x00 · origin:u8 · sequence:u64
///     payload   = digest:16 · origin:u8 · key length:u32 · key · sort key length:u32 · sort key · rest
///
/// - base key: the record key without its occurrence number (``RecordKey/baseLength(of:)``); keys
///   never hold 0x00 (text is cleaned of control characters), so the separator ends it;
/// - origin: 0 for a row of the existing ledger, 1 for a new row;
/// - sequence: an old fingerprint row's occurrence number, otherwise the row's rank in the input;
/// - digest: the first 16 bytes of SHA-256 over the content columns (every column after the
///   provenance columns, each followed by 0x1F); all zero when the ledger has no old rows (it is
///   only ever compared with an old row's);
/// - sort key: the stored bytes of each of ``LedgerKind/sortColumns``, each followed by 0x1E;
/// - rest: the stored CSV of every column after the key, each preceded by its comma.
///
/// **Line record** (second sort: ledger order):
///
///     order key = sort key · 0x00 · key
///     payload   = the ledger line (stored CSV, no line end)
enum MergeRecord {
    /// Length of what follows the base key in a key record's order key (0x00, origin, sequence).
    static let keyOrderSuffix = 10
    /// Length of a content digest.
    static let digestLength = 16

    /// Whose a row is.
    enum Origin: UInt8 {
        case existing = 0
        case incoming = 1
    }

    /// One decoded key record: views into the sorted record's bytes (no copy per field).
    struct KeyRecord {
        let record: SortRecord
        let origin: Origin
        let keyRange: Range<Int>
        let sortKeyRange: Range<Int>
        let restStart: Int
        /// Set when the merge gives the row a new occurrence number.
        var replacementKey: String?

        var isOld: Bool { origin == .existing }
        var base: ArraySlice<UInt8> { record.orderKey.dropLast(MergeRecord.keyOrderSuffix) }
        var digest: ArraySlice<UInt8> { record.payload.prefix(MergeRecord.digestLength) }
        var storedKey: ArraySlice<UInt8> { record.payload[keyRange] }
        var sortKey: ArraySlice<UInt8> { record.payload[sortKeyRange] }
        var rest: ArraySlice<UInt8> { record.payload[restStart...] }
        /// The key the row is written under.
        var key: String { replacementKey ?? String(decoding: storedKey, as: UTF8.self) }
    }

    /// Decodes a key record (the inverse of ``Encoder/keyRecord(fields:origin:sequence:)``).
    static func decodeKeyRecord(_ record: SortRecord) -> KeyRecord {
        let payload = record.payload
        var index = payload.startIndex + digestLength
        let origin = Origin(rawValue: payload[index]) ?? .incoming
        index += 1
        let keyLength = readUInt32(payload, at: index)
        index += 4
        let keyRange = index..<(index + keyLength)
        index += keyLength
        let sortLength = readUInt32(payload, at: index)
        index += 4
        let sortKeyRange = index..<(index + sortLength)
        return KeyRecord(
            record: record, origin: origin, keyRange: keyRange, sortKeyRange: sortKeyRange,
            restStart: sortKeyRange.upperBound)
    }

    /// Builds records into reusable buffers (one encoder per merge: no allocation per row).
    final class Encoder {
        let kind: LedgerKind
        /// False when no old row exists to compare with: the digest is then left at zero.
        let computesDigests: Bool
        private let content = ByteBuffer(capacity: 4096)
        private let order = ByteBuffer(capacity: 1024)
        private let payload = ByteBuffer(capacity: 8192)

        init(kind: LedgerKind, computesDigests: Bool = true) {
            self.kind = kind
            self.computesDigests = computesDigests
        }

        /// The key record of a row given as stored fields; `body` receives (order key, payload).
        func keyRecord<T>(
            fields: [UnsafeRawBufferPointer], origin: Origin, sequence: UInt64,
            _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> T
        ) rethrows -> T {
            let key = fields[0]
            order.removeAll()
            order.append(UnsafeRawBufferPointer(rebasing: key[0..<RecordKey.baseLength(of: key)]))
            order.append(0)
            order.append(origin.rawValue)
            MergeRecord.appendUInt64(sequence, to: order)

            payload.removeAll()
            appendDigest(fields: fields)
            payload.append(origin.rawValue)
            MergeRecord.appendUInt32(key.count, to: payload)
            payload.append(key)
            let sortStart = payload.count
            MergeRecord.appendUInt32(0, to: payload)
            for column in kind.sortColumns {
                payload.append(fields[column])
                payload.append(0x1E)
            }
            MergeRecord.setUInt32(payload.count - sortStart - 4, at: sortStart, in: payload)
            var rest = CSVLineBuilder(appendingTo: payload)
            for field in fields.dropFirst() {
                payload.append(0x2C)
                rest.removeFieldCount()
                rest.storedField(field)
            }
            return try body(order.bytes, payload.bytes)
        }

        private func appendDigest(fields: [UnsafeRawBufferPointer]) {
            guard computesDigests else {
                for _ in 0..<MergeRecord.digestLength { payload.append(0) }
                return
            }
            content.removeAll()
            for index in LedgerMerger.firstContentColumn..<fields.count {
                content.append(fields[index])
                content.append(0x1F)
            }
            let digest = SHA256Hasher.digest(content.bytes)
            withUnsafeBytes(of: digest) {
                payload.append(UnsafeRawBufferPointer(rebasing: $0[0..<MergeRecord.digestLength]))
            }
        }

        /// The line record of a kept row; `body` receives (order key, payload).
        func lineRecord<T>(
            _ row: KeyRecord,
            _ body: (UnsafeRawBufferPointer, UnsafeRawBufferPointer) throws -> T
        ) rethrows -> T {
            order.removeAll()
            order.append(row.sortKey)
            order.append(0)
            payload.removeAll()
            var line = CSVLineBuilder(appendingTo: payload)
            if var replacement = row.replacementKey {
                replacement.withUTF8 { order.append(UnsafeRawBufferPointer($0)) }
                replacement.withUTF8 { line.storedField(UnsafeRawBufferPointer($0)) }
            } else {
                row.storedKey.withUnsafeBytes { key in
                    order.append(key)
                    line.storedField(key)
                }
            }
            payload.append(row.rest)
            return try body(order.bytes, payload.bytes)
        }
    }

    // MARK: - Big-endian integers

    static func appendUInt32(_ value: Int, to buffer: ByteBuffer) {
        precondition(value >= 0 && value <= Int(UInt32.max), "a merge record field is longer than 4 GB")
        withUnsafeBytes(of: UInt32(value).bigEndian) { buffer.append($0) }
    }

    static func appendUInt64(_ value: UInt64, to buffer: ByteBuffer) {
        withUnsafeBytes(of: value.bigEndian) { buffer.append($0) }
    }

    static func setUInt32(_ value: Int, at index: Int, in buffer: ByteBuffer) {
        precondition(value >= 0 && value <= Int(UInt32.max), "a merge record field is longer than 4 GB")
        buffer[index] = UInt8(truncatingIfNeeded: value >> 24)
        buffer[index + 1] = UInt8(truncatingIfNeeded: value >> 16)
        buffer[index + 2] = UInt8(truncatingIfNeeded: value >> 8)
        buffer[index + 3] = UInt8(truncatingIfNeeded: value)
    }

    static func readUInt32(_ bytes: ArraySlice<UInt8>, at index: Int) -> Int {
        Int(bytes[index]) << 24 | Int(bytes[index + 1]) << 16 | Int(bytes[index + 2]) << 8 | Int(bytes[index + 3])
    }

    static func readUInt64(_ bytes: ArraySlice<UInt8>, at index: Int) -> UInt64 {
        var value: UInt64 = 0
        for offset in 0..<8 { value = value << 8 | UInt64(bytes[index + offset]) }
        return value
    }
}
