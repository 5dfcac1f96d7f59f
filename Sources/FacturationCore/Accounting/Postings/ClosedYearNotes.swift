import Foundation

/// What the open years' postings need of the closed fiscal years' records, as a pass through them
/// found it, kept in one derived file (`archive/checkpoints/<pipeline>/notes-exercices-clos.pack`,
/// ``ArchiveLayout/closedYearNotes``) with the identity of the files they were decoded from.
///
/// Why (issue #9, "a run whose cost does not grow with history"): while the closed years' FEC come
/// from their checkpoints (``ClosedYearFEC``), the accounting stage still went through every
/// closed-year document and receipt (``Postings/Pass/note(_:)-(InvoiceDocument)``) to learn what the
/// open years' receipts read of the invoices they pay, and the closed years' suspense lines: 13 ms
/// of a 10-year full pass, and 3 more for every match's allocations.
///
/// What it holds, found at the first bank line of the open years (every document noted or posted,
/// every closed year's bank line noted): what ``Postings/Pass/seen(_:)`` says of each invoice the
/// allocations of the open years' lines name (client, pending VAT, open amount), the closed years'
/// suspense lines and each open line's first match (indices into the snapshot's bank lines and
/// matches), and where the open years' lines start. With those, ``YearPostings`` posts the open
/// years' documents and lines as the whole pass would, entry for entry.
///
/// Keyed by the run's ``ClosedYearFEC/Sources`` (the identity of every file the records, matches
/// and bank lines were decoded from, the counts, the settings and the binary: what a closed year's
/// checkpoint trusts to skip hashing its inputs) and the last closed year: equal keys mean the same
/// records, so the same pass. Recorded only when that identity is trusted (no time within the racy
/// window). Derived data, the records stay the truth: missing, damaged (the body's SHA-256), of
/// another version or binary, of another key or not fitting the snapshot (an index out of place), it
/// is not used; the pass goes through every record as before and writes it again (temporary file,
/// fsync, rename, fsync of the folder; not where a folder stands).
struct ClosedYearNotes: Equatable {
    /// Bumped when the file's meaning changes: another version is not read.
    static let currentVersion = 1

    /// What a receipt reads of one invoice (``Postings/Pass/seen(_:)``).
    struct Fact: Equatable {
        var invoice: String
        var client: (number: String, label: String)?
        var pendingVAT: Int64?
        var openTTC: Int64?

        static func == (left: Fact, right: Fact) -> Bool {
            left.invoice == right.invoice && left.client?.number == right.client?.number
                && left.client?.label == right.client?.label && left.pendingVAT == right.pendingVAT
                && left.openTTC == right.openTTC
        }
    }

    /// ``key(_:lastClosing:)`` of the run that found them.
    var key: String
    /// Index in the snapshot's bank lines of the first line of the open years: the closed years'
    /// lines are those before it.
    var openBank: Int
    /// The closed years' lines sent to the suspense account, by index, in order.
    var suspense: [Int]
    var facts: [Fact]
    /// For each line from `openBank` on, its first match's index in the snapshot's matches (-1: none).
    var matches: [Int]

    /// The identity the notes are valid for: the run's sources and its last closed year.
    static func key(_ sources: ClosedYearFEC.Sources, lastClosing: CivilDate) -> String {
        "\(sources.key)|\(lastClosing)"
    }

    /// The notes of `layout` when they are whole, of this version and binary, and of `key`.
    static func read(_ layout: ArchiveLayout, key: String) -> ClosedYearNotes? {
        guard let bytes = try? Storage.read(layout.closedYearNotes, limit: 256 << 20),
            let notes = decoded(bytes), notes.key == key
        else { return nil }
        return notes
    }

    /// Written when the file does not hold these bytes already.
    func write(_ layout: ArchiveLayout) {
        let bytes = bytes()
        if let known = try? Storage.read(layout.closedYearNotes, limit: 256 << 20), known == bytes { return }
        Storage.replaceDerived(bytes, at: layout.closedYearNotes, temporaryDirectory: layout.temporary)
    }
}

extension ClosedYearNotes {
    /// Five header lines (format, binary, key, counts, the body's SHA-256), then the body, binary
    /// and little-endian (``PackWriter``): the suspense indices, the facts, the match indices.
    func bytes() -> [UInt8] {
        var body = PackWriter()
        for index in suspense { body.int(Int64(index)) }
        for fact in facts {
            body.text(fact.invoice)
            body.bytes.append(
                (fact.client == nil ? 0 : 1) | (fact.pendingVAT == nil ? 0 : 2) | (fact.openTTC == nil ? 0 : 4))
            if let client = fact.client {
                body.text(client.number)
                body.text(client.label)
            }
            if let pending = fact.pendingVAT { body.int(pending) }
            if let open = fact.openTTC { body.int(open) }
        }
        for index in matches { body.int(Int64(index)) }
        return CheckedHeader.bytes(
            Self.format + [
                "key \(key)", "counts \(openBank) \(suspense.count) \(facts.count) \(matches.count)",
            ], body: body.bytes)
    }

    /// The header's first lines: the format and the binary.
    private static var format: [String] {
        ["facturation closed-year-notes \(currentVersion)", "binary " + RunStamp.executableIdentity()]
    }

    /// The notes in `bytes` when they are whole, of this version and binary; nil otherwise.
    static func decoded(_ bytes: [UInt8]) -> ClosedYearNotes? {
        guard let (lines, offset) = CheckedHeader.read(bytes, lines: 5), Array(lines.prefix(2)) == format,
            lines[2].hasPrefix("key "), lines[3].hasPrefix("counts ")
        else { return nil }
        let counts = lines[3].split(separator: " ").dropFirst().compactMap { Int($0) }
        // Each listed number takes 8 bytes and each fact at least 5: larger counts are damage (the
        // first count is an index into the snapshot's lines, checked against them).
        guard counts.count == 4, counts.allSatisfy({ $0 >= 0 }), counts.dropFirst().allSatisfy({ $0 <= bytes.count })
        else { return nil }
        return bytes.withUnsafeBytes { raw -> ClosedYearNotes? in
            var reader = PackReader(raw, at: offset)
            do {
                var notes = ClosedYearNotes(
                    key: String(lines[2].dropFirst(4)), openBank: counts[0], suspense: [], facts: [], matches: [])
                for _ in 0..<counts[1] { notes.suspense.append(try reader.int()) }
                for _ in 0..<counts[2] { notes.facts.append(try fact(&reader)) }
                for _ in 0..<counts[3] { notes.matches.append(try reader.int()) }
                guard reader.at == raw.count else { return nil }
                return notes
            } catch {
                return nil
            }
        }
    }

    private static func fact(_ reader: inout PackReader) throws(PackReader.Damaged) -> Fact {
        var fact = Fact(invoice: try reader.text())
        guard reader.at < reader.bytes.count, reader.bytes[reader.at] < 8 else { throw PackReader.Damaged() }
        let flags = reader.bytes[reader.at]
        reader.at += 1
        if flags & 1 != 0 { fact.client = (try reader.text(), try reader.text()) }
        if flags & 2 != 0 { fact.pendingVAT = Int64(try reader.int()) }
        if flags & 4 != 0 { fact.openTTC = Int64(try reader.int()) }
        return fact
    }
}
