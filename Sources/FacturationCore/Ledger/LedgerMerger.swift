/// Counts of what a merge did to one ledger file.
public struct MergeCounts: Sendable, Equatable, Codable {
    /// Records whose key was not in the ledger.
    public var added = 0
    /// Records already in the ledger whose content changed (the newer export wins).
    public var updated = 0
    /// Records already in the ledger with the same content (overlapping exports).
    public var unchanged = 0
    /// Records removed (pending bank rows replaced by their booked version).
    public var removed = 0

    public init() {}

    public static func + (lhs: MergeCounts, rhs: MergeCounts) -> MergeCounts {
        var sum = lhs
        sum.added += rhs.added
        sum.updated += rhs.updated
        sum.unchanged += rhs.unchanged
        sum.removed += rhs.removed
        return sum
    }
}

/// Merges newly normalized rows into a ledger file, idempotently.
///
/// Rules, by `record_key`:
/// - a key not in the ledger is added;
/// - a key already there keeps its row when the content is the same (only the provenance
///   columns `source_format`, `source_file`, `source_row` may differ: the first import is kept),
///   and takes the new row when the content differs (the newer export wins);
/// - fingerprint keys (`te:…`, `bank:…`) are multisets: a file with two identical entries
///   keeps two (`#1`, `#2`), and merging an overlapping export keeps max(old count, new count);
/// - rows are written sorted (time entries by start, bank rows by booking date), then by key,
///   so merging the same data twice gives a byte-identical file.
public enum LedgerMerger {
    /// The provenance columns, ignored when deciding whether content changed.
    static let provenanceColumns: Set<Int> = [1, 2, 3]

    /// Merges `incoming` into `existing` and returns the merged rows and the counts.
    public static func merge(kind: LedgerKind, existing: [[String]], incoming: [[String]]) -> (rows: [[String]], counts: MergeCounts) {
        var existingByBase: [Substring: [[String]]] = [:]
        var order: [Substring] = []
        for row in existing {
            let base = RecordKey.base(of: row[0])
            if existingByBase[base] == nil { order.append(base) }
            existingByBase[base, default: []].append(row)
        }
        var incomingByBase: [Substring: [[String]]] = [:]
        for row in incoming {
            let base = RecordKey.base(of: row[0])
            if existingByBase[base] == nil, incomingByBase[base] == nil { order.append(base) }
            incomingByBase[base, default: []].append(row)
        }
        var counts = MergeCounts()
        var result: [[String]] = []
        result.reserveCapacity(existing.count + incoming.count)
        for base in order {
            let old = existingByBase[base] ?? []
            guard var new = incomingByBase[base] else {
                result.append(contentsOf: old)
                continue
            }
            let fingerprint = RecordKey.isFingerprint(String(base))
            if !fingerprint {
                // One record per id: the last one in the file wins.
                new = [new[new.count - 1]]
            }
            let occurrences = fingerprint ? max(old.count, new.count) : 1
            for index in 0..<occurrences {
                var row: [String]
                if index < new.count {
                    row = new[index]
                    if fingerprint { row[0] = "\(base)\(RecordKey.occurrenceSeparator)\(index + 1)" }
                    if index < old.count {
                        if sameContent(old[index], row) {
                            row = old[index]
                            counts.unchanged += 1
                        } else {
                            counts.updated += 1
                        }
                    } else {
                        counts.added += 1
                    }
                } else {
                    row = old[index]
                }
                result.append(row)
            }
        }
        sort(&result, kind: kind)
        return (result, counts)
    }

    /// Removes the rows whose key is in `keys`; returns the remaining rows and how many were removed.
    public static func removing(keys: Set<String>, from rows: [[String]]) -> (rows: [[String]], removed: Int) {
        let kept = rows.filter { !keys.contains($0[0]) }
        return (kept, rows.count - kept.count)
    }

    static func sameContent(_ lhs: [String], _ rhs: [String]) -> Bool {
        guard lhs.count == rhs.count else { return false }
        for index in lhs.indices where !provenanceColumns.contains(index) && lhs[index] != rhs[index] {
            return false
        }
        return true
    }

    static func sort(_ rows: inout [[String]], kind: LedgerKind) {
        let columns = kind.sortColumns
        rows.sort { lhs, rhs in
            for column in columns where lhs[column] != rhs[column] {
                return lhs[column].utf8.lexicographicallyPrecedes(rhs[column].utf8)
            }
            return lhs[0].utf8.lexicographicallyPrecedes(rhs[0].utf8)
        }
    }
}
