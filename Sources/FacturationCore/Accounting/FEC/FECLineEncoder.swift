/// Encodes lines into a byte buffer (shared by ``FECWriter/bytes(_:format:)`` and ``FECWriter/Stream``).
///
/// A line is encoded from a ``FECLine`` (``append(_:number:)``), or field by field inside
/// ``appendLine(_:)`` by a table that holds its texts as bytes (``PackedEntries``: no `String` or
/// ``FECLine`` made per line); both write the same bytes, each text through ``sanitised(_:)``.
package final class FECLineEncoder {
    private let separator: UInt8
    private let latin9: Bool
    private let buffer: ByteBuffer
    /// The pairs of fields ``appendPair(_:_:number:_:)`` encoded once: their bytes, and per pair
    /// kind and key where they are (offset << 32 | length; -1: not yet encoded).
    private let pairBytes = ByteBuffer(capacity: 1 << 16)
    private var pairSpans: [[Int]] = [[], [], []]
    private let numberScratch = ByteBuffer(capacity: 64)

    init(format: FECFormat, buffer: ByteBuffer) {
        separator = format.separator.byte
        latin9 = format.encoding == .iso8859_15
        self.buffer = buffer
    }

    func appendHeader() {
        for (index, name) in FECFormat.columnNames.enumerated() {
            if index > 0 { buffer.append(separator) }
            buffer.append(name.utf8)
        }
        buffer.append(0x0D)
        buffer.append(0x0A)
    }

    /// Appends one record; on error the buffer is left as it was before the call.
    func append(_ line: FECLine, number: Int) throws(FECWriter.UnencodableCharacter) {
        try appendLine { () throws(FECWriter.UnencodableCharacter) in
            try text(line.journalCode, 0, number)
            try text(line.journalLabel, 1, number)
            try text(line.entryNumber, 2, number)
            date(line.entryDate)
            try text(line.accountNumber, 4, number)
            try text(line.accountLabel, 5, number)
            try text(line.auxiliaryNumber, 6, number)
            try text(line.auxiliaryLabel, 7, number)
            try text(line.pieceRef, 8, number)
            date(line.pieceDate)
            try text(line.label, 10, number)
            amount(line.debitMinor)
            amount(line.creditMinor)
            try text(line.letteringCode, 13, number)
            if let letteringDate = line.letteringDate { date(letteringDate) } else { buffer.append(separator) }
            date(line.validationDate)
            if let foreign = line.foreignAmountMinor { amount(foreign) } else { buffer.append(separator) }
            try text(line.currency, 17, number)
        }
    }

    /// Appends one record whose 18 fields `fields` appends (each ending with a separator); on
    /// error the buffer is left as it was before the call.
    func appendLine(_ fields: () throws(FECWriter.UnencodableCharacter) -> Void) throws(FECWriter.UnencodableCharacter)
    {
        let start = buffer.count
        buffer.reserve(256)
        do throws(FECWriter.UnencodableCharacter) {
            try fields()
        } catch {
            buffer.truncate(to: start)
            throw error
        }
        // Every field ends with a separator; the last one is replaced by the record terminator.
        buffer[buffer.count - 1] = 0x0D
        buffer.append(0x0A)
    }

    // MARK: - Fields from bytes (inside ``appendLine(_:)``)

    /// Two fields that go together and repeat on many lines: a journal's code and label, an
    /// account's number and label, a client's code and name (the raw value: the first column).
    enum Pair: Int {
        case journal = 0
        case account = 4
        case auxiliary = 6

        var slot: Int { self == .journal ? 0 : self == .account ? 1 : 2 }
    }

    /// Appends the pair `key` of `pair` (two texts, each then a separator): sanitised by
    /// ``text(_:_:_:)`` the first time (`texts` gives them), copied afterwards.
    ///
    /// Why (performance code, fenced): a yearly FEC has a million lines but a few journals and
    /// accounts and some thousand clients; made into strings and sanitised on every line, they
    /// were a third of the encoding thread's time. The bytes are the same: sanitising is a function
    /// of the text and the format alone (`FECCheckedWriterTests`).
    func appendPair(
        _ pair: Pair, _ key: Int, number: Int, _ texts: () -> (String?, String?)
    ) throws(FECWriter.UnencodableCharacter) {
        let slot = pair.slot
        if key < pairSpans[slot].count, pairSpans[slot][key] >= 0 {
            let span = pairSpans[slot][key]
            buffer.append(UnsafeRawBufferPointer(start: pairBytes.base + (span >> 32), count: span & 0xFFFF_FFFF))
            return
        }
        let start = buffer.count
        let (first, second) = texts()
        try text(first, pair.rawValue, number)
        try text(second, pair.rawValue + 1, number)
        if key >= pairSpans[slot].count {
            pairSpans[slot] += Array(repeating: -1, count: key + 1 - pairSpans[slot].count)
        }
        pairSpans[slot][key] = pairBytes.count << 32 | (buffer.count - start)
        pairBytes.append(UnsafeRawBufferPointer(start: buffer.base + start, count: buffer.count - start))
    }

    /// Appends a text given as UTF-8 bytes (valid: a `String`'s) then a separator, as
    /// ``text(_:_:_:)`` does for the same `String`.
    func field(_ utf8: UnsafeRawBufferPointer, _ column: Int, _ number: Int) throws(FECWriter.UnencodableCharacter) {
        try endField(sanitised(utf8), column, number)
    }

    /// Appends `EcritureNum`, the journal's code then the sequence on at least six digits
    /// (``FECBuilder/EntryNumber/text``), then a separator.
    func entryNumber(_ entryNumber: FECBuilder.EntryNumber, _ number: Int) throws(FECWriter.UnencodableCharacter) {
        numberScratch.removeAll()
        numberScratch.append(entryNumber.code.utf8)
        let sequence = entryNumber.sequence
        var width = 1
        while width < 6 || sequence >= Self.powersOfTen[width] { width += 1 }
        numberScratch.appendDirect(maximum: width) { out in
            var value = sequence
            for position in stride(from: width - 1, through: 0, by: -1) {
                out[position] = 0x30 + UInt8(value % 10)
                value /= 10
            }
            return width
        }
        try field(numberScratch.bytes, 2, number)
    }

    /// 10^0 … 10^18: a sequence (≥ 0, < 2^31) has `width` digits when it is below 10^width.
    private static let powersOfTen: [Int] = (0...18).map { (0..<$0).reduce(1) { value, _ in value * 10 } }

    /// Appends an empty field (its separator).
    func empty() { buffer.append(separator) }

    /// Appends a date then a separator.
    func date(_ day: EntryDay) {
        date(year: Int(day.value >> 9), month: Int(day.value >> 5 & 0xF), day: Int(day.value & 0x1F))
    }

    private func date(_ date: CivilDate) { self.date(year: date.year, month: date.month, day: date.day) }

    private func date(year: Int, month: Int, day dayOfMonth: Int) {
        buffer.reserve(9)
        buffer.append(0x30 + UInt8(year / 1000 % 10))
        buffer.append(0x30 + UInt8(year / 100 % 10))
        buffer.append(0x30 + UInt8(year / 10 % 10))
        buffer.append(0x30 + UInt8(year % 10))
        buffer.append(0x30 + UInt8(month / 10))
        buffer.append(0x30 + UInt8(month % 10))
        buffer.append(0x30 + UInt8(dayOfMonth / 10))
        buffer.append(0x30 + UInt8(dayOfMonth % 10))
        buffer.append(separator)
    }

    // MARK: - Fields (each appends its value then a separator)

    private func text(_ value: String?, _ column: Int, _ number: Int) throws(FECWriter.UnencodableCharacter) {
        guard var value else { return buffer.append(separator) }
        try endField(value.withUTF8 { sanitised(UnsafeRawBufferPointer($0)) }, column, number)
    }

    /// Ends a text field: its separator, or the error for its character Latin-9 has no byte for.
    private func endField(
        _ unencodable: UInt32?, _ column: Int, _ number: Int
    ) throws(FECWriter.UnencodableCharacter) {
        if let unencodable {
            throw FECWriter.UnencodableCharacter(
                line: number, field: FECFormat.columnNames[column], scalar: unencodable)
        }
        buffer.append(separator)
    }

    /// Appends the sanitised, trimmed text; returns the first scalar Latin-9 cannot encode, if any.
    private func sanitised(_ utf8: UnsafeRawBufferPointer) -> UInt32? {
        let fieldStart = buffer.count
        buffer.reserve(utf8.count)
        var started = false
        var index = 0
        while index < utf8.count {
            let byte = utf8[index]
            if byte >= 0x20, byte < 0x7F, byte != 0x7C, started || byte != 0x20 {
                (index, started) = (appendPrintableRun(utf8, from: index), true)
                continue
            }
            if byte < 0x80 {
                let out: UInt8 = (byte < 0x20 || byte == 0x7F || byte == 0x7C) ? 0x20 : byte
                if out != 0x20 || started {
                    buffer.append(out)
                    started = true
                }
                index += 1
                continue
            }
            // Decode one scalar (the String guarantees valid UTF-8).
            let scalar: UInt32
            let width: Int
            if byte < 0xE0 {
                scalar = UInt32(byte & 0x1F) << 6 | UInt32(utf8[index + 1] & 0x3F)
                width = 2
            } else if byte < 0xF0 {
                scalar =
                    UInt32(byte & 0x0F) << 12 | UInt32(utf8[index + 1] & 0x3F) << 6 | UInt32(utf8[index + 2] & 0x3F)
                width = 3
            } else {
                scalar =
                    UInt32(byte & 0x07) << 18 | UInt32(utf8[index + 1] & 0x3F) << 12
                    | UInt32(utf8[index + 2] & 0x3F) << 6 | UInt32(utf8[index + 3] & 0x3F)
                width = 4
            }
            if scalar < 0xA0 {
                // C1 control character: a space, like the C0 ones.
                if started { buffer.append(0x20) }
            } else if latin9 {
                // A character Latin-9 has no byte for (a typographic apostrophe in a bank label, an
                // emoji) is written as its closest ASCII form, else '?': the FEC is still written,
                // rather than failing every run on a text that is in the archive for good.
                if let out = Latin9.byte(for: scalar) {
                    buffer.append(out)
                } else {
                    for out in Latin9.substitute(for: scalar) { buffer.append(out) }
                }
                started = true
            } else {
                for offset in 0..<width { buffer.append(utf8[index + offset]) }
                started = true
            }
            index += width
        }
        var end = buffer.count
        while end > fieldStart, buffer[end - 1] == 0x20 { end -= 1 }
        buffer.truncate(to: end)
        return nil
    }

    /// Appends the run of printable ASCII but `|` that starts at `start` as it is, at once (most
    /// texts are only that: byte by byte, this was a tenth of the writing thread's time); returns
    /// where the run ends.
    private func appendPrintableRun(_ utf8: UnsafeRawBufferPointer, from start: Int) -> Int {
        var end = start + 1
        while end < utf8.count, utf8[end] >= 0x20, utf8[end] < 0x7F, utf8[end] != 0x7C { end += 1 }
        buffer.append(UnsafeRawBufferPointer(rebasing: utf8[start..<end]))
        return end
    }

    func amount(_ minor: Int64) {
        buffer.reserve(24)
        if minor < 0 { buffer.append(0x2D) }
        let magnitude = minor.magnitude
        var units = magnitude / 100
        let cents = UInt8(magnitude % 100)
        // Integer part, most significant digit first (units < 10^17, so the divisor cannot overflow).
        var divisor: UInt64 = 1
        while divisor <= units / 10 { divisor *= 10 }
        while divisor > 0 {
            buffer.append(0x30 + UInt8(units / divisor))
            units %= divisor
            divisor /= 10
        }
        buffer.append(0x2C)
        buffer.append(0x30 + cents / 10)
        buffer.append(0x30 + cents % 10)
        buffer.append(separator)
    }
}
