#if canImport(Glibc)
import Glibc
#endif

/// How a month's sorter holds a line of a new month ledger (``MonthRows``): without its key and
/// its provenance, which are put back when the ledger is written.
///
/// Why (fenced performance code, issue #9, `run` scenario): a 1 GB Clockify export makes about 1.8
/// GB of sort runs, written through the page cache on the spill thread, and copying them there was
/// a quarter of the run's CPU (`copy_folio_from_iter_atomic`: on this virtual machine every page
/// of the runs is a fresh one, whose first touch costs more than the copy). Of a line's ~430
/// bytes, the key (about 35) is already in the record's order key, and the source format and file
/// (about 80) are the same in every line of an import. Held without them, a row is about a quarter
/// smaller in memory and in the runs.
///
/// A held record is: order key = ``LedgerOrderKey`` (sort columns · 0x1E · 0x00 · written key ·
/// 0x00) · sequence (8 bytes); payload = the line from the comma after its `source_file` field
/// (`,source_row,…`). The written key is `<base>#1` for a fingerprint, the line's key otherwise;
/// the line's own key is the written one without the `#1` added to fingerprints. The provenance
/// (`,source_format,source_file` as stored, quotes included) is the month's: taken from its first
/// line, and every later line must hold the same bytes.
///
/// A line that cannot be held so (its key is not what the order key gives back, e.g. an id ending
/// in `#2`; its provenance differs from the month's first line; a quoted source format) makes the
/// month leave the direct path (``MonthRows/demote(to:)``), as a repeated key does: the general
/// merge then writes it, so the ledger is the same either way (DirectLedgerRowsTests).
struct CompactLedgerLine {
    /// `,source_format,source_file` as the month's first line stored them; nil before it.
    private(set) var provenance: [UInt8]?

    /// Where the held part of `line` starts (the comma after its provenance), or nil when the line
    /// cannot be held compact. `order` is the line's prepared order key (without the sequence).
    /// The first line accepted sets the month's provenance.
    mutating func payloadStart(of line: UnsafeRawBufferPointer, order: UnsafeRawBufferPointer) -> Int? {
        let keyEnd = LedgerLine.firstComma(line)
        let key = Self.lineKey(written: Self.writtenKey(inOrder: order))
        guard keyEnd == key.count, key.isEmpty || memcmp(line.baseAddress!, key.baseAddress!, key.count) == 0 else {
            return nil
        }
        guard let provenance else {
            guard let end = Self.provenanceEnd(of: line, keyEnd: keyEnd) else { return nil }
            provenance = Array(line[keyEnd..<end])
            return end
        }
        let end = keyEnd + provenance.count
        guard end < line.count, line[end] == 0x2C,
            provenance.withUnsafeBytes({ memcmp(line.baseAddress! + keyEnd, $0.baseAddress!, $0.count) }) == 0
        else { return nil }
        return end
    }

    /// The key the ledger writes, from a prepared order key (ending with its 0x00): the bytes
    /// between its last two 0x00 (a key holds none: text is cleaned of control characters).
    static func writtenKey(inOrder order: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        let end = order.count - 1
        var start = end
        while start > 0, order[start - 1] != 0 { start -= 1 }
        return UnsafeRawBufferPointer(rebasing: order[start..<end])
    }

    /// The key the ledger writes, from a held record's order key (the prepared one and its sequence).
    static func writtenKey(ofHeld orderKey: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        writtenKey(inOrder: UnsafeRawBufferPointer(rebasing: orderKey[0..<(orderKey.count - 8)]))
    }

    /// The line's own key: the written key without the `#1` that ``LedgerOrderKey`` adds to a
    /// fingerprint.
    static func lineKey(written: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard RecordKey.isFingerprint(bytes: written), written.count >= 2 else { return written }
        return UnsafeRawBufferPointer(rebasing: written[0..<(written.count - LedgerLine.firstOccurrence.count)])
    }

    /// The whole line of a held record (as the converter built it), appended to `buffer`.
    func appendLine(orderKey: UnsafeRawBufferPointer, payload: UnsafeRawBufferPointer, to buffer: ByteBuffer) {
        buffer.append(Self.lineKey(written: Self.writtenKey(ofHeld: orderKey)))
        provenance?.withUnsafeBytes { buffer.append($0) }
        buffer.append(payload)
    }

    /// The index of the comma that ends the `source_file` field (the third field) of a line whose
    /// key ends at `keyEnd`; nil when the source format is quoted or the line ends first.
    private static func provenanceEnd(of line: UnsafeRawBufferPointer, keyEnd: Int) -> Int? {
        let formatStart = keyEnd + 1
        guard formatStart < line.count, line[formatStart] != 0x22,
            let formatEnd = nextComma(line, from: formatStart)
        else { return nil }
        let fileStart = formatEnd + 1
        guard fileStart <= line.count else { return nil }
        if fileStart < line.count, line[fileStart] == 0x22 {
            let closing = LedgerLine.endOfQuoted(line, from: fileStart)
            guard closing + 1 < line.count, line[closing + 1] == 0x2C else { return nil }
            return closing + 1
        }
        return nextComma(line, from: fileStart)
    }

    private static func nextComma(_ line: UnsafeRawBufferPointer, from index: Int) -> Int? {
        guard index < line.count, let start = line.baseAddress,
            let comma = memchr(start + index, 0x2C, line.count - index)
        else { return nil }
        return start.distance(to: UnsafeRawPointer(comma))
    }
}
