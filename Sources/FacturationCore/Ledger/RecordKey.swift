/// Stable identities of normalized records (the `record_key` column).
///
/// With a source id the key is `<system>:<scope>:<id>`. Without one (Clockify CSV, bank exports
/// without transaction ids) the key is a fingerprint of the fields that identify the record,
/// `te:<hash>` or `bank:<hash>`; identical fingerprints are then told apart by an occurrence
/// number (`#1`, `#2`) assigned when the ledger is merged.
public enum RecordKey {
    /// Separator between a fingerprint and its occurrence number.
    public static let occurrenceSeparator: Character = "#"

    /// True for fingerprint keys, whose duplicates inside one file are distinct records.
    public static func isFingerprint(_ key: String) -> Bool {
        key.hasPrefix("te:") || key.hasPrefix("bank:")
    }

    /// The key without its occurrence number.
    public static func base(of key: String) -> Substring {
        guard isFingerprint(key), let hash = key.lastIndex(of: occurrenceSeparator) else { return Substring(key) }
        return key[..<hash]
    }

    /// Hash of fields joined by an ASCII unit separator, shortened to 128 bits of hexadecimal.
    static func hash(_ fields: [String]) -> String {
        String(SHA256Hasher.hex(fields.joined(separator: "\u{1F}")).prefix(32))
    }

    /// Collapses runs of white space and trims, so cosmetic spacing does not change identity.
    static func normalize(_ text: String) -> String {
        text.split(whereSeparator: { $0 == " " || $0 == "\t" || $0 == "\n" || $0 == "\r" }).joined(separator: " ")
    }
}

/// Keys of time entries.
enum TimeEntryKey {
    /// Fingerprint of an entry without a source id: user, start and end to the minute (the same
    /// entry is exported with or without seconds), project, task and description.
    static func fingerprint(user: String, startUTC: Int64, endUTC: Int64, project: String, task: String,
                            description: String) -> String {
        "te:" + RecordKey.hash([
            user.trimmed.lowercased(), String(floorDivide(startUTC, 60)), String(floorDivide(endUTC, 60)),
            RecordKey.normalize(project), RecordKey.normalize(task), RecordKey.normalize(description),
        ])
    }

    /// Key of an entry with a Clockify id.
    static func clockify(id: String) -> String { "clockify:" + id }

    private static func floorDivide(_ value: Int64, _ divisor: Int64) -> Int64 {
        value >= 0 ? value / divisor : (value - divisor + 1) / divisor
    }
}
