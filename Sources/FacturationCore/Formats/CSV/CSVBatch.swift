/// Why this shape: a file of millions of rows must not cost a String (or an Array) per field.
/// libcsv hands each field to a callback; the batch copies its bytes into one growing buffer and
/// keeps only offsets (where each field ends, where each row starts), so a converter reads fields
/// as borrowed byte views (``CSVRows``) and the buffers are reused from batch to batch.
///
/// Invariants (CSVBatchTests):
/// - `rowStarts[r]..<rowStarts[r + 1]` are the field indexes of complete row `r`; fields after
///   `rowStarts.last` belong to the row still open (`openFields` of them);
/// - `fieldEnds` is non-decreasing and its last value is `storage.count`;
/// - ``reset()`` and ``moveOpenFields(to:)`` keep the open row's fields, bytes and control flag,
///   so a row split across chunks (and across batches, on the threaded path) arrives whole.
/// A batch of parsed CSV rows sharing one byte buffer; valid only during the callback that receives it.
package final class CSVBatch {
    // Exclusivity: see ``ExclusivityNote`` (why the `@exclusivity(unchecked)` properties here are safe and needed).
    private let storage = ByteBuffer(capacity: 1 << 21)
    @exclusivity(unchecked) private var fieldEnds: [Int] = []
    @exclusivity(unchecked) private var rowStarts: [Int] = [0]
    @exclusivity(unchecked) private var rowLines: [Int] = []
    /// Per complete row: a field may hold a control character or a noncharacter (``ControlBytes``).
    @exclusivity(unchecked) private var controlRows: [Bool] = []
    /// The same for the row still open.
    @exclusivity(unchecked) var openRowMayHoldControls = false
    @exclusivity(unchecked) private var openFields = 0
    /// Bytes of the file read when the batch was handed out (for progress displays).
    @exclusivity(unchecked) package internal(set) var bytesRead: Int64 = 0

    init() {
        fieldEnds.reserveCapacity(1 << 16)
        rowStarts.reserveCapacity(1 << 13)
        rowLines.reserveCapacity(1 << 13)
    }

    /// Number of complete rows in the batch.
    package var rowCount: Int { rowLines.count }

    var openFieldCount: Int { openFields }

    @inline(__always)
    func appendField(_ field: UnsafeRawBufferPointer) {
        storage.append(field)
        fieldEnds.append(storage.count)
        openFields += 1
    }

    func closeRow(line: Int) {
        rowLines.append(line)
        controlRows.append(openRowMayHoldControls)
        openRowMayHoldControls = false
        rowStarts.append(fieldEnds.count)
        openFields = 0
    }

    /// Drops the complete rows, keeping the fields of a row that is still open (a row whose
    /// end has not been read yet: its fields arrive across chunks).
    func reset() {
        let firstOpen = fieldEnds.count - openFields
        let keepFrom = firstOpen == 0 ? 0 : fieldEnds[firstOpen - 1]
        let openEnds = fieldEnds[firstOpen...].map { $0 - keepFrom }
        storage.removeFirst(keepFrom)
        fieldEnds.removeAll(keepingCapacity: true)
        fieldEnds.append(contentsOf: openEnds)
        rowStarts.removeAll(keepingCapacity: true)
        rowStarts.append(0)
        rowLines.removeAll(keepingCapacity: true)
        controlRows.removeAll(keepingCapacity: true)
    }

    /// Moves the fields of the row still open into `other` (an empty batch), leaving only
    /// complete rows here.
    func moveOpenFields(to other: CSVBatch) {
        guard openFields > 0 else { return }
        let firstOpen = fieldEnds.count - openFields
        let keepFrom = firstOpen == 0 ? 0 : fieldEnds[firstOpen - 1]
        for index in firstOpen..<fieldEnds.count {
            let start = index == 0 ? 0 : fieldEnds[index - 1]
            other.appendField(UnsafeRawBufferPointer(rebasing: storage.bytes[start..<fieldEnds[index]]))
        }
        other.openRowMayHoldControls = openRowMayHoldControls
        openRowMayHoldControls = false
        fieldEnds.removeLast(openFields)
        storage.truncate(to: keepFrom)
        openFields = 0
    }

    /// False when no field of row `row` holds a control character (line breaks and tabs included)
    /// or a noncharacter U+FFFE/U+FFFF; true when one may (see ``ControlBytes``).
    package func mayHoldControlCharacters(_ row: Int) -> Bool { controlRows[row] }

    /// The physical line (1-based) on which row `row` starts.
    package func line(_ row: Int) -> Int { rowLines[row] }

    /// Number of fields in row `row`.
    package func fieldCount(_ row: Int) -> Int { rowStarts[row + 1] - rowStarts[row] }

    /// Calls `body` with a view that hands out every field of the batch as raw bytes without
    /// copying; the view is valid only inside `body`.
    package func withRows<T>(_ body: (CSVRows) throws -> T) rethrows -> T {
        try fieldEnds.withUnsafeBufferPointer { ends in
            try rowStarts.withUnsafeBufferPointer { starts in
                try body(CSVRows(base: storage.bytes, fieldEnds: ends, rowStarts: starts))
            }
        }
    }

    /// Calls `body` with the raw UTF-8 bytes of a field (empty when the field does not exist).
    package func withField<T>(_ row: Int, _ field: Int, _ body: (UnsafeRawBufferPointer) throws -> T) rethrows -> T {
        try withRows { try body($0.field(row, field)) }
    }

    /// The field as a String (empty when the field does not exist).
    package func string(_ row: Int, _ field: Int) -> String {
        withField(row, field) { String(decoding: $0, as: UTF8.self) }
    }

    /// All fields of a row as Strings.
    package func strings(_ row: Int) -> [String] {
        (0..<fieldCount(row)).map { string(row, $0) }
    }
}

/// Borrowed, zero-copy access to the fields of a ``CSVBatch`` (see ``CSVBatch/withRows(_:)``).
package struct CSVRows {
    let base: UnsafeRawBufferPointer
    let fieldEnds: UnsafeBufferPointer<Int>
    let rowStarts: UnsafeBufferPointer<Int>

    /// Number of fields in row `row`.
    @inline(__always)
    package func fieldCount(_ row: Int) -> Int { rowStarts[row + 1] - rowStarts[row] }

    /// The bytes of a field; empty when the field does not exist (`field` < 0 or past the row).
    @inline(__always)
    package func field(_ row: Int, _ field: Int) -> UnsafeRawBufferPointer {
        let first = rowStarts[row]
        guard field >= 0, field < rowStarts[row + 1] - first else {
            return UnsafeRawBufferPointer(start: nil, count: 0)
        }
        let index = first + field
        let start = index == 0 ? 0 : fieldEnds[index - 1]
        return UnsafeRawBufferPointer(rebasing: base[start..<fieldEnds[index]])
    }
}
