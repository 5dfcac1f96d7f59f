/// Builds the fingerprint keys of records without a source id (``RecordKey``): `te:<hash>` for
/// time entries of a Clockify CSV export, `bank:<hash>` for bank rows without a transaction id.
///
/// The one rule for every converter: the identifying fields, each as the converter normalizes
/// it, joined by 0x1F (the ASCII unit separator), hashed with SHA-256, and the first 16 bytes
/// written as 32 lowercase hexadecimal digits after the prefix. A change here changes every
/// fingerprint in every ledger (a re-import would then add rows instead of recognizing them), so
/// FingerprintTests pin known keys.
///
/// Why a reusable builder: the Clockify converter builds a key for each of millions of rows from
/// bytes borrowed from the CSV reader; the builder keeps one buffer for all of them, so a key
/// costs no allocation besides its own bytes.
final class FingerprintBuilder {
    // Exclusivity: see ``ExclusivityNote`` (why the `@exclusivity(unchecked)` properties here are safe and needed).
    /// What the key identifies: its prefix.
    enum Kind: String, CaseIterable {
        case timeEntry = "te:"
        case bank = "bank:"

        /// The raw value's bytes, without a String to walk for every row (walking `rawValue.utf8`
        /// was 0.6 % of the 1 GB `run`'s samples, issue #9). `FingerprintBuilderTests` holds
        /// them to the raw value.
        var prefix: StaticString {
            switch self {
            case .timeEntry: "te:"
            case .bank: "bank:"
            }
        }
    }

    /// Hexadecimal digits of the hash kept in a key (16 bytes).
    static let hashDigits = 32

    private let input = ByteBuffer(capacity: 1024)
    @exclusivity(unchecked) private var fields = 0

    /// Starts a new key.
    func start() {
        input.removeAll()
        fields = 0
    }

    private func separate() {
        if fields > 0 { input.append(0x1F) }
        fields += 1
    }

    /// A field as it is.
    func append(_ text: String) {
        separate()
        var text = text
        text.withUTF8 { input.append(UnsafeRawBufferPointer($0)) }
    }

    /// An integer in decimal.
    func append(_ value: Int64) {
        separate()
        Self.appendDecimal(value, to: input)
    }

    /// A user name or address: spaces and tabs trimmed, lowercased (bytes beyond ASCII through
    /// `String`'s Unicode rules).
    func appendLowercasedTrimmed(_ bytes: UnsafeRawBufferPointer) {
        separate()
        if bytes.contains(where: { $0 >= 0x80 }) {
            input.append(String(decoding: bytes, as: UTF8.self).trimmed.lowercased().utf8)
        } else {
            for byte in Self.trimmed(bytes) {
                input.append(byte >= 0x41 && byte <= 0x5A ? byte | 0x20 : byte)
            }
        }
    }

    /// Text with runs of white space (space, tab, CR, LF) collapsed to one space and the ends trimmed.
    func appendCollapsingSpaces(_ text: UnsafeRawBufferPointer) {
        separate()
        Self.appendCollapsingSpaces(text, to: input)
    }

    static func appendCollapsingSpaces(_ text: UnsafeRawBufferPointer, to buffer: ByteBuffer) {
        // Most texts have nothing to collapse: copy them whole.
        if let first = text.first, let last = text.last, first != 0x20, last != 0x20 {
            var clean = true
            var previousSpace = false
            for byte in text {
                if byte == 0x09 || byte == 0x0A || byte == 0x0D || (byte == 0x20 && previousSpace) {
                    clean = false; break
                }
                previousSpace = byte == 0x20
            }
            if clean { buffer.append(text); return }
        }
        var pendingSpace = false
        var wroteAny = false
        for byte in text {
            if byte == 0x20 || byte == 0x09 || byte == 0x0A || byte == 0x0D {
                pendingSpace = wroteAny
            } else {
                if pendingSpace { buffer.append(0x20); pendingSpace = false }
                buffer.append(byte)
                wroteAny = true
            }
        }
    }

    /// Writes the key of the fields appended since ``start()`` into `key` (prefix + 32 digits).
    func write(_ kind: Kind, into key: UnsafeMutableRawBufferPointer) {
        let prefix = UnsafeRawBufferPointer(start: kind.prefix.utf8Start, count: kind.prefix.utf8CodeUnitCount)
        precondition(key.count == prefix.count + Self.hashDigits, "a fingerprint key buffer of the wrong size")
        key.copyMemory(from: prefix)
        Hex.write(
            SHA256Hasher.digest(input.bytes), count: Self.hashDigits / 2,
            into: UnsafeMutableRawBufferPointer(rebasing: key[prefix.count...]))
    }

    /// The key of the fields appended since ``start()``.
    func key(_ kind: Kind) -> String {
        let length = kind.rawValue.utf8.count + Self.hashDigits
        return String(unsafeUninitializedCapacity: length) { buffer in
            write(kind, into: UnsafeMutableRawBufferPointer(buffer))
            return length
        }
    }

    // MARK: - Byte helpers

    static func trimmed(_ bytes: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        var start = 0, end = bytes.count
        while start < end, bytes[start] == 0x20 || bytes[start] == 0x09 { start += 1 }
        while end > start, bytes[end - 1] == 0x20 || bytes[end - 1] == 0x09 { end -= 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<end])
    }

    static func appendDecimal(_ value: Int64, to buffer: ByteBuffer) {
        if value < 0 { buffer.append(0x2D) }
        var magnitude = value.magnitude
        var start = buffer.count
        repeat {
            buffer.append(UInt8(truncatingIfNeeded: magnitude % 10) + 0x30)
            magnitude /= 10
        } while magnitude > 0
        var end = buffer.count - 1
        while start < end {
            let swap = buffer[start]
            buffer[start] = buffer[end]
            buffer[end] = swap
            start += 1
            end -= 1
        }
    }
}
