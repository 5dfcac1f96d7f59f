/// The record keys of a month's billable entries, each named by an id; a key becomes a String (or
/// bytes) only when it is read.
///
/// Why: the invoicing stage keeps the key of every billable entry of the month until its invoice
/// is issued (a million for the 5,000-client month). A key's usual forms are hexadecimal after a
/// fixed prefix (`clockify:` + 24 digits for an entry with a Clockify id, `te:` + 32 for a
/// fingerprint), so those are stored as the bytes the digits stand for, 12 or 16 per key in
/// fixed-width chunks (``HexKeyColumn``), instead of 33 or 35 bytes of text and an 8-byte offset
/// in one doubling array (67 MB at the month's peak, heaptrack). Any other key (uppercase digits,
/// an occurrence number `#2`…) is kept as text in a ``ByteTextPool``. A key reads back as the
/// exact bytes it was added with (a test checks every form); keys that are not valid UTF-8 are
/// stored as `String(decoding:)` makes them, the String every reader used to get.
struct RecordKeyArena {
    /// The column an id names: its top bits (``tagShift``); the index in the column below them.
    private enum Tag: Int32 {
        case clockify = 0
        case fingerprint = 1
        case text = 2
    }

    private static let tagShift: Int32 = 29
    private var clockify = HexKeyColumn(prefix: "clockify:", byteWidth: 12)
    private var fingerprints = HexKeyColumn(prefix: "te:", byteWidth: 16)
    private var texts = ByteTextPool()
    private var textRefs = ChunkedArray<ByteTextPool.Ref>()

    var count: Int { clockify.count + fingerprints.count + textRefs.count }

    /// Adds a key (its UTF-8 bytes); returns its id.
    mutating func add(_ key: UnsafeRawBufferPointer) -> Int32 {
        if let index = clockify.add(key) { return Self.id(.clockify, index) }
        if let index = fingerprints.add(key) { return Self.id(.fingerprint, index) }
        if key.allSatisfy({ $0 < 0x80 }) {
            textRefs.append(texts.append(key))
        } else {
            textRefs.append(texts.append(String(decoding: key, as: UTF8.self)))
        }
        return Self.id(.text, textRefs.count - 1)
    }

    mutating func add(_ key: String) -> Int32 {
        var key = key
        return key.withUTF8 { add(UnsafeRawBufferPointer($0)) }
    }

    private static func id(_ tag: Tag, _ index: Int) -> Int32 {
        precondition(index < 1 << Int(tagShift), "more than 2^29 record keys of one form")
        return tag.rawValue << tagShift | Int32(index)
    }

    /// Calls `body` with the UTF-8 bytes of key `id`.
    func withKey<R>(_ id: Int32, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let index = Int(id & (1 << Self.tagShift - 1))
        switch Tag(rawValue: id >> Self.tagShift) {
        case .clockify: return try clockify.withKey(index, body)
        case .fingerprint: return try fingerprints.withKey(index, body)
        case .text, nil: return try texts.withUTF8(textRefs[index], body)
        }
    }

    subscript(id: Int32) -> String {
        withKey(id) { String(decoding: $0, as: UTF8.self) }
    }
}

/// Keys made of a fixed prefix and `2 × byteWidth` lowercase hexadecimal digits, each stored as
/// its `byteWidth` bytes, in chunks of 32,768 keys (no doubling copy). See ``RecordKeyArena``.
struct HexKeyColumn {
    private let prefix: [UInt8]
    private let byteWidth: Int
    private var chunks: [[UInt8]] = []
    private(set) var count = 0
    private static let keysPerChunk = 1 << 15
    private static let digits = Array("0123456789abcdef".utf8)

    init(prefix: String, byteWidth: Int) {
        self.prefix = Array(prefix.utf8)
        self.byteWidth = byteWidth
    }

    /// Appends `key` when it has this column's form; returns its index, nil otherwise.
    mutating func add(_ key: UnsafeRawBufferPointer) -> Int? {
        guard key.count == prefix.count + 2 * byteWidth, key.starts(with: prefix) else { return nil }
        let digits = UnsafeRawBufferPointer(rebasing: key[prefix.count...])
        guard digits.allSatisfy({ Self.value(of: $0) != nil }) else { return nil }
        if count % Self.keysPerChunk == 0 {
            var chunk: [UInt8] = []
            chunk.reserveCapacity(Self.keysPerChunk * byteWidth)
            chunks.append(chunk)
        }
        for position in 0..<byteWidth {
            let high = Self.value(of: digits[2 * position])!, low = Self.value(of: digits[2 * position + 1])!
            chunks[chunks.count - 1].append(high << 4 | low)
        }
        count += 1
        return count - 1
    }

    /// Calls `body` with the key at `index` written out: the prefix, then the digits.
    func withKey<R>(_ index: Int, _ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        let length = prefix.count + 2 * byteWidth
        return try withUnsafeTemporaryAllocation(of: UInt8.self, capacity: length) { out in
            for (position, byte) in prefix.enumerated() { out[position] = byte }
            let digits = Self.digits
            chunks[index / Self.keysPerChunk].withUnsafeBufferPointer { chunk in
                let start = (index % Self.keysPerChunk) * byteWidth
                for position in 0..<byteWidth {
                    let byte = chunk[start + position]
                    out[prefix.count + 2 * position] = digits[Int(byte >> 4)]
                    out[prefix.count + 2 * position + 1] = digits[Int(byte & 0x0F)]
                }
            }
            return try body(UnsafeRawBufferPointer(out))
        }
    }

    /// The value of a lowercase hexadecimal digit.
    @inline(__always)
    private static func value(of digit: UInt8) -> UInt8? {
        switch digit {
        case 0x30...0x39: digit - 0x30
        case 0x61...0x66: digit - 0x61 + 10
        default: nil
        }
    }
}
