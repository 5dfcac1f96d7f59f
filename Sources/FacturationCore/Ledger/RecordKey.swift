#if canImport(Glibc)
import Glibc
#endif

/// Stable identities of normalized records (the `record_key` column).
///
/// With a source id the key is `<system>:<scope>:<id>`. Without one (Clockify CSV, bank exports
/// without transaction ids) the key is a fingerprint of the fields that identify the record,
/// `te:<hash>` or `bank:<hash>`; identical fingerprints are then told apart by an occurrence
/// number (`#1`, `#2`) assigned when the ledger is merged.
package enum RecordKey {
    /// Separator between a fingerprint and its occurrence number.
    package static let occurrenceSeparator: Character = "#"

    /// True for fingerprint keys, whose duplicates inside one file are distinct records.
    package static func isFingerprint(_ key: String) -> Bool {
        key.hasPrefix("te:") || key.hasPrefix("bank:")
    }

    /// The key without its occurrence number.
    package static func base(of key: String) -> Substring {
        guard isFingerprint(key), let hash = key.lastIndex(of: occurrenceSeparator) else { return Substring(key) }
        return key[..<hash]
    }

    /// Length in bytes of the key without its occurrence number (`te:ab12#2` → 7).
    ///
    /// A plain loop on bytes: it runs for every row of a large export (issue #9, `run` scenario),
    /// where the generic `lastIndex(of:)` was a visible share of the ledger writers' time.
    static func baseLength(of key: UnsafeRawBufferPointer) -> Int {
        // Most keys hold no `#` at all: `memchr` says so without the loop.
        guard isFingerprint(bytes: key), let start = key.baseAddress, memchr(start, 0x23, key.count) != nil else {
            return key.count
        }
        var index = key.count
        while index > 0 {
            index -= 1
            if key[index] == 0x23 { return index }  // #
        }
        return key.count
    }

    /// True when `bytes` start with `te:` or `bank:` (a fingerprint key, or a line starting with one).
    @inline(__always)
    static func isFingerprint(bytes: UnsafeRawBufferPointer) -> Bool {
        let count = bytes.count
        guard count >= 3 else { return false }
        if bytes[0] == 0x74, bytes[1] == 0x65, bytes[2] == 0x3A { return true }  // te:
        return count >= 5 && bytes[0] == 0x62 && bytes[1] == 0x61 && bytes[2] == 0x6E && bytes[3] == 0x6B
            && bytes[4] == 0x3A  // bank:
    }

    /// The occurrence number of a fingerprint key (`te:…#2` → 2), or nil.
    package static func occurrence(of key: String) -> UInt64? {
        guard isFingerprint(key), let hash = key.lastIndex(of: occurrenceSeparator) else { return nil }
        return UInt64(key[key.index(after: hash)...])
    }

    /// Collapses runs of white space and trims, so cosmetic spacing does not change identity.
    static func normalize(_ text: String) -> String {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }
}

/// Keys of time entries with a Clockify id (fingerprints are built by ``FingerprintBuilder``).
enum TimeEntryKey {
    /// Key of an entry with a Clockify id.
    static func clockify(id: String) -> String { "clockify:" + id }
}
