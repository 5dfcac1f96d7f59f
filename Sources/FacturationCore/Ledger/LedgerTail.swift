/// The newest date of a ledger, read from the end of its newest month file.
///
/// **Why (performance, fenced).** The daily digest and `status --health` need only the newest
/// booking date and time-entry date, and a month of time entries can be hundreds of megabytes (the
/// benchmark's million-entry month); `status --health` may be called every few minutes by a
/// monitoring system. Ledger rows are sorted by ``LedgerKind/sortColumns`` and never hold a line
/// break (control characters are cleaned at import), so the newest row of a month is its last
/// line: reading the last ``window`` bytes answers in a millisecond. When the tail cannot tell
/// (a row longer than the window, or a newest row after `today` in a replay with `--date`), the
/// month is read whole. `LedgerTailTests` checks the answer against reading every row.
package enum LedgerTail {
    /// Bytes read from the end of a file.
    package static let window = 64 << 10

    /// The newest date in column `index` (its first 10 characters, `YYYY-MM-DD`) among the monthly files of
    /// `kind` up to `today`'s month, not after `today`.
    package static func newestDate(
        _ kind: LedgerKind, column index: Int, layout: ArchiveLayout, today: CivilDate
    ) throws -> CivilDate? {
        let folder = Path.join(layout.ledgers, kind.rawValue)
        let month = String(today.description.prefix(7))
        let partitions = try Storage.listIfPresent(folder).filter { $0.hasSuffix(".csv") }
            .map { String($0.dropLast(4)) }.filter { $0.count == 7 && $0 <= month }.sorted(by: >)
        for partition in partitions {
            let path = layout.ledger(kind, partition)
            if let last = try lastRecord(path: path), index < last.count,
                let date = CivilDate(iso: last[index].prefix(10)), date <= today
            {
                return date
            }
            if let date = try scan(path: path, kind: kind, index: index, today: today) { return date }
        }
        return nil
    }

    /// The newest date of `path` not after `today`, from every row (the slow path).
    package static func scan(path: String, kind: LedgerKind, index: Int, today: CivilDate) throws -> CivilDate? {
        var newest: CivilDate?
        try LedgerFile.forEachRow(path: path, header: kind.columns) { fields in
            guard let date = CivilDate(iso: String(decoding: fields[index].prefix(10), as: UTF8.self)), date <= today
            else { return }
            if newest.map({ date > $0 }) ?? true { newest = date }
        }
        return newest
    }

    /// The fields of the last line of `path` when it is a complete record (not the header, not cut
    /// by the window); nil when the tail cannot tell.
    package static func lastRecord(path: String) throws -> [String]? {
        guard Storage.exists(path) else { return nil }
        let file = try InputFile(path: path)
        let start = max(0, file.size - Int64(window))
        try file.seek(to: start)
        var bytes = [UInt8](repeating: 0, count: Int(file.size - start))
        var filled = 0
        while filled < bytes.count {
            let count = try bytes.withUnsafeMutableBytes { buffer throws(StorageError) in
                try file.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[filled...]))
            }
            if count == 0 { break }
            filled += count
        }
        let lines = bytes[..<filled].split(separator: 0x0A)
        // Two lines at least: the last one then follows a line break inside the window (so it is
        // whole) and is not the header (the first line of the file).
        guard lines.count >= 2, let last = lines.last else { return nil }
        return fields(of: last)
    }

    /// The fields of one CSV line as the ledger writer quotes them (RFC 4180, `,`, `"` doubled).
    package static func fields(of line: ArraySlice<UInt8>) -> [String] {
        var fields: [String] = []
        var current: [UInt8] = []
        var quoted = false
        var position = line.startIndex
        while position < line.endIndex {
            let byte = line[position]
            if quoted {
                if byte == UInt8(ascii: "\"") {
                    if line.index(after: position) < line.endIndex && line[line.index(after: position)] == byte {
                        current.append(byte)
                        position += 1
                    } else {
                        quoted = false
                    }
                } else {
                    current.append(byte)
                }
            } else if byte == UInt8(ascii: "\"") {
                quoted = true
            } else if byte == UInt8(ascii: ",") {
                fields.append(String(decoding: current, as: UTF8.self))
                current.removeAll(keepingCapacity: true)
            } else if byte != 0x0D {
                current.append(byte)
            }
            position += 1
        }
        fields.append(String(decoding: current, as: UTF8.self))
        return fields
    }
}
