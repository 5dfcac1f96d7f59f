import CSupport

/// Splits one record into its fields (FEC-05, 08, 14, 29, 29b) and gives each legal field's bytes.
///
/// Why raw offsets: a record is never copied. `starts`/`ends` are the byte offsets of each column
/// in the line (trimmed of outer spaces), reused from line to line, so the millions of records of
/// a yearly FEC allocate nothing; ``range(_:)`` maps a legal field to its column through the
/// header's layout.
final class FECRecordFields {
    private(set) var layout: FECColumnLayout
    private var starts: UnsafeMutablePointer<Int>
    private var ends: UnsafeMutablePointer<Int>
    private var capacity: Int

    init() {
        layout = FECColumnLayout()
        capacity = 32
        starts = .allocate(capacity: capacity)
        ends = .allocate(capacity: capacity)
    }

    deinit {
        starts.deallocate()
        ends.deallocate()
        specials.deallocate()
    }

    /// The offsets of a line's separators, controls and DEL (``cut(_:)``), reused from line to line.
    private let specials = UnsafeMutablePointer<Int32>.allocate(capacity: FECRecordFields.specialsCapacity)
    /// A FEC line has one separator per column (18, or 22 with the currency columns); a line with
    /// more special bytes than this is cut byte by byte.
    static let specialsCapacity = 256

    /// Takes the header's layout (and room for all its columns).
    func use(_ layout: FECColumnLayout) {
        self.layout = layout
        if layout.columnCount + 2 > capacity {
            starts.deallocate()
            ends.deallocate()
            capacity = layout.columnCount + 2
            starts = .allocate(capacity: capacity)
            ends = .allocate(capacity: capacity)
        }
    }

    /// The bytes of a legal field (``FECField``) in the current record: `(0, 0)` when the header
    /// does not name it.
    @inline(__always)
    func range(_ field: Int) -> (Int, Int) {
        let index = layout.column[field]
        return index >= 0 ? (starts[index], ends[index]) : (0, 0)
    }

    @inline(__always)
    func isEmpty(_ field: Int) -> Bool {
        let (first, last) = range(field)
        return first >= last
    }

    /// The column name of a legal field (as the header writes it).
    func name(_ field: Int) -> String { layout.columns[layout.column[field]] }

    /// Splits `line`; false when its field count is wrong (the record is then not checked further).
    func split(_ line: UnsafeRawBufferPointer, _ log: FECFindingLog) -> Bool {
        let (fieldCount, controlAt, otherField) = cut(line)
        if controlAt >= 0 {
            let byte = line[controlAt]
            let hex = (byte < 0x10 ? "0" : "") + String(byte, radix: 16, uppercase: true)
            log.flagHere(
                .controlCharacter, "0x" + hex,
                "control character 0x\(hex) at column \(controlAt + 1)\(byte == 0 ? " (NUL)" : ""): "
                    + "remove it from the source data")
        }
        if fieldCount != layout.columnCount {
            reportFieldCount(line, fieldCount, log)
            return false
        }
        if otherField >= 0 {
            let other = FECColumnLayout.name(of: layout.otherSeparator)
            log.flagHere(
                .separatorInValue, log.text(line, starts[otherField], ends[otherField]),
                "\(layout.columns[otherField]) contains a '\(other)': values must contain neither tab nor '|'")
        }
        trimSpaces(line, log)
        return true
    }

    /// One pass over the bytes: the field offsets, the first control character, the first field
    /// holding the other separator.
    ///
    /// Why in C (performance code, fenced): looking at every byte of the file one by one was an
    /// eighth of the checking thread, the longer of the two that write and check a FEC of
    /// 1,000,000 lines (issue #9). `fct_fec_special_bytes` finds the bytes this loop needs a look
    /// at (controls, tab, '|', DEL) sixteen at a time; only those are looked at, with the same
    /// steps as ``cutPlainly(_:)``, which cuts a line with more of them. `FECRecordFieldsTests`
    /// compares the two on random lines.
    func cut(_ line: UnsafeRawBufferPointer) -> (fields: Int, controlAt: Int, otherField: Int) {
        let count = line.count
        guard let base = line.baseAddress, count < Int(Int32.max) else { return cutPlainly(line) }
        let found = fct_fec_special_bytes(
            base.assumingMemoryBound(to: UInt8.self), count, specials, Self.specialsCapacity)
        guard found >= 0 else { return cutPlainly(line) }
        var cut = Cut()
        for position in 0..<found {
            let index = Int(specials[position])
            look(at: line[index], index, &cut)
        }
        return finishCut(count, cut)
    }

    /// ``cut(_:)`` byte by byte.
    func cutPlainly(_ line: UnsafeRawBufferPointer) -> (fields: Int, controlAt: Int, otherField: Int) {
        var cut = Cut()
        for index in 0..<line.count {
            let byte = line[index]
            // Text bytes first: only controls, DEL and '|' need a look.
            if byte >= 0x20, byte != 0x7C, byte != 0x7F { continue }
            look(at: byte, index, &cut)
        }
        return finishCut(line.count, cut)
    }

    /// What a cut has found so far.
    private struct Cut {
        var fieldCount = 0, fieldStart = 0, controlAt = -1, otherField = -1
    }

    /// One control, tab, '|' or DEL at `index`: a field ends, the other separator or a control.
    @inline(__always)
    private func look(at byte: UInt8, _ index: Int, _ cut: inout Cut) {
        if byte == layout.separator {
            if cut.fieldCount < capacity {
                starts[cut.fieldCount] = cut.fieldStart
                ends[cut.fieldCount] = index
            }
            cut.fieldCount += 1
            cut.fieldStart = index + 1
        } else if byte == layout.otherSeparator {
            if cut.otherField < 0 { cut.otherField = cut.fieldCount }
        } else if cut.controlAt < 0 {
            cut.controlAt = index
        }
    }

    /// The last field (after the last separator) and the count of fields.
    private func finishCut(_ count: Int, _ cut: Cut) -> (fields: Int, controlAt: Int, otherField: Int) {
        var fieldCount = cut.fieldCount
        if fieldCount < capacity {
            starts[fieldCount] = cut.fieldStart
            ends[fieldCount] = count
        }
        fieldCount += 1
        let columnCount = layout.columnCount
        if layout.trailingSeparator, fieldCount == columnCount + 1, starts[columnCount] == count { fieldCount -= 1 }
        return (fieldCount, cut.controlAt, cut.otherField)
    }

    /// FEC-08 (the whole line uses the other separator) or FEC-14.
    private func reportFieldCount(_ line: UnsafeRawBufferPointer, _ fieldCount: Int, _ log: FECFindingLog) {
        var others = 0
        for byte in line where byte == layout.otherSeparator { others += 1 }
        let separator = FECColumnLayout.name(of: layout.separator)
        if others + 1 == layout.columnCount {
            log.flagHere(
                .separator, log.text(line, 0, min(line.count, 120)),
                "this line is separated by '\(FECColumnLayout.name(of: layout.otherSeparator))' while the "
                    + "header uses '\(separator)'")
        } else {
            log.flagHere(
                .fieldCount, log.text(line, 0, min(line.count, 120)),
                "\(fieldCount) fields instead of \(layout.columnCount) (a '\(separator)' inside a value, "
                    + "or a missing field?)")
        }
    }

    /// FEC-29b: outer spaces are reported once per line, and trimmed so the rules see the value.
    private func trimSpaces(_ line: UnsafeRawBufferPointer, _ log: FECFindingLog) {
        var spacedField = -1
        for field in 0..<layout.columnCount {
            var first = starts[field]
            var last = ends[field]
            guard first < last, line[first] == 0x20 || line[last - 1] == 0x20 else { continue }
            if spacedField < 0 { spacedField = field }
            while first < last, line[first] == 0x20 { first += 1 }
            while last > first, line[last - 1] == 0x20 { last -= 1 }
            starts[field] = first
            ends[field] = last
        }
        if spacedField >= 0 {
            log.flagHere(
                .outerSpaces, layout.columns[spacedField],
                "\(layout.columns[spacedField]) has leading or trailing spaces")
        }
    }
}
