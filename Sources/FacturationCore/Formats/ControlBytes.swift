/// A fast test for bytes that may belong to a control character or a noncharacter in UTF-8 text.
///
/// True when `bytes` hold a byte below 0x20 (C0 controls, line breaks and tabs included), 0x7F,
/// or a lead byte 0xC2 (which starts U+0080–U+00BF, the C1 controls among them) or 0xEF (which
/// starts U+F000–U+FFFF, U+FFFE and U+FFFF among them). False means the text surely holds none;
/// true means it may (a no-break space starts with 0xC2 too), for an exact check to follow
/// (``TextCleaning``).
///
/// Performance: the CSV reader runs it on every field, on its parsing thread (which has spare
/// time), so that the converters' thread, the one that limits an import, skips the exact check
/// for the rows that cannot need it. Eight bytes at a time; the last 1–7 in a word padded with
/// 'a'. `HardeningTests` compares it with the byte-by-byte rule at every position.
enum ControlBytes {
    @inline(__always)
    static func mayHold(_ bytes: UnsafeRawBufferPointer) -> Bool {
        let ones: UInt64 = 0x0101_0101_0101_0101
        let highs: UInt64 = 0x8080_8080_8080_8080
        @inline(__always) func has(_ word: UInt64, _ byte: UInt64) -> Bool {
            let x = word ^ (ones &* byte)
            return (x &- ones) & ~x & highs != 0
        }
        @inline(__always) func suspect(_ word: UInt64) -> Bool {
            // A byte below 0x20 (only bytes below 0x80 can set a high bit through the subtraction).
            if (word &- ones &* 0x20) & ~word & highs != 0 || has(word, 0x7F) { return true }
            // Lead bytes of multi-byte characters only in words that have one (most are ASCII).
            return word & highs != 0 && (has(word, 0xC2) || has(word, 0xEF))
        }
        var index = 0
        while index + 8 <= bytes.count {
            if suspect(bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)) { return true }
            index += 8
        }
        guard index < bytes.count, let base = bytes.baseAddress else { return false }
        var tail: UInt64 = 0x6161_6161_6161_6161
        withUnsafeMutableBytes(of: &tail) {
            $0.baseAddress!.copyMemory(from: base + index, byteCount: bytes.count - index)
        }
        return suspect(tail)
    }
}
