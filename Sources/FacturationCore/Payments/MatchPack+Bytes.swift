import Foundation

/// The pack's file: five header lines (format, binary, folder, counts, the body's SHA-256), then
/// the body, binary and little-endian: the matches, then the entries. A text is its UTF-8 length
/// (4 bytes) and bytes; an entry's name ends with a NUL besides, so that `fstatat` takes it where
/// it lies in the file (``MatchPack/unchangedMatches(_:store:)``).
///
/// Binary rather than JSON: decoding 12,000 matches with `JSONDecoder` costs more than reading their
/// files did; here a match is two integers, a date and texts copied into `String`s.
extension MatchPack {
    func bytes() -> [UInt8] {
        var body = PackWriter()
        for match in matches { body.append(match) }
        let entriesAt = body.bytes.count
        for entry in entries { body.append(entry) }
        let folderLine = folder.map { "folder \($0.inode) \($0.modified) \($0.changed)" } ?? "folder -"
        let header =
            "facturation match-pack \(Self.currentVersion)\nbinary \(RunStamp.executableIdentity())\n\(folderLine)\n"
            + "counts \(matches.count) \(entries.count) \(entriesAt)\n"
            + "body-sha256 \(body.bytes.withUnsafeBytes { SHA256Hasher.hex($0) })\n"
        return Array(header.utf8) + body.bytes
    }

    /// The pack in `bytes` when it is whole, of this version and binary; nil otherwise.
    static func decoded(_ bytes: [UInt8]) -> MatchPack? {
        guard let header = Header(bytes) else { return nil }
        return bytes.withUnsafeBytes { raw -> MatchPack? in
            var reader = PackReader(raw, at: header.bodyStart)
            do {
                let matches = try reader.matches(header.matches)
                guard reader.at == header.entriesAt else { return nil }
                var entries: [Entry] = []
                entries.reserveCapacity(header.entries)
                for _ in 0..<header.entries {
                    let (file, name) = try reader.fileAndName()
                    let match = try reader.int()
                    guard match >= 0, match < matches.count else { return nil }
                    entries.append(Entry(name: String(cString: name), file: file, match: match))
                }
                guard reader.at == raw.count else { return nil }
                return MatchPack(folder: header.folder, entries: entries, matches: matches)
            } catch {
                return nil
            }
        }
    }

    /// The header of a pack whose body is whole (its SHA-256), of this version and binary.
    struct Header {
        var folder: FolderIdentity?
        var matches: Int
        var entries: Int
        /// Offsets in the file.
        var bodyStart: Int
        var entriesAt: Int
        /// The folder and body checksum lines: the same for the same match files as packed.
        var identity: String

        init?(_ bytes: [UInt8]) {
            guard let (lines, offset) = CheckedHeader.read(bytes, lines: 5),
                lines[0] == "facturation match-pack \(MatchPack.currentVersion)",
                lines[1] == "binary " + RunStamp.executableIdentity()
            else { return nil }
            let folder = Array(lines[2].split(separator: " ").dropFirst())
            let counts = lines[3].split(separator: " ").dropFirst().compactMap { Int($0) }
            guard lines[2].hasPrefix("folder "), lines[3].hasPrefix("counts "), counts.count == 3,
                counts.allSatisfy({ $0 >= 0 }), counts[2] <= bytes.count - offset
            else { return nil }
            if folder.count == 3, let inode = UInt64(folder[0]), let modified = Int64(folder[1]),
                let changed = Int64(folder[2])
            {
                self.folder = FolderIdentity(inode: inode, modified: modified, changed: changed)
            } else if folder.elementsEqual(["-"]) {
                self.folder = nil
            } else {
                return nil
            }
            matches = counts[0]
            entries = counts[1]
            bodyStart = offset
            entriesAt = offset + counts[2]
            identity = lines[2] + "|" + lines[4]
        }
    }
}

/// Appends the pack's body.
struct PackWriter {
    var bytes: [UInt8] = []

    mutating func int(_ value: Int64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    /// A length: texts and lists of a match file, which is at most 1 MiB.
    mutating func length(_ value: Int) {
        withUnsafeBytes(of: UInt32(value).littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func text(_ value: String) {
        length(value.utf8.count)
        bytes.append(contentsOf: value.utf8)
    }

    mutating func append(_ match: PaymentMatch) {
        int(match.amountMinor)
        int(match.bookingDate.daysSinceEpoch)
        text(match.receipt)
        text(match.rule)
        text(match.by)
        text(match.evidence)
        bytes.append(match.source == nil ? 0 : 1)
        if let source = match.source { text(source) }
        length(match.allocations.count)
        for allocation in match.allocations {
            text(allocation.invoice)
            int(allocation.amountMinor)
        }
    }

    mutating func append(_ entry: MatchPack.Entry) {
        int(Int64(bitPattern: entry.file.inode))
        int(entry.file.size)
        int(entry.file.modified)
        int(entry.file.changed)
        text(entry.name)
        bytes.append(0)
        int(Int64(entry.match))
    }
}

/// Reads the pack's body, every read checked against its end (a damaged pack is refused, never
/// read past).
struct PackReader {
    struct Damaged: Error {}

    let bytes: UnsafeRawBufferPointer
    var at: Int

    init(_ bytes: UnsafeRawBufferPointer, at: Int) {
        self.bytes = bytes
        self.at = at
    }

    mutating func int() throws(Damaged) -> Int {
        guard at >= 0, bytes.count - at >= 8 else { throw Damaged() }
        defer { at += 8 }
        return Int(Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int64.self)))
    }

    mutating func length() throws(Damaged) -> Int {
        guard at >= 0, bytes.count - at >= 4 else { throw Damaged() }
        defer { at += 4 }
        let value = Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
        guard value <= bytes.count - at - 4 else { throw Damaged() }
        return value
    }

    mutating func text() throws(Damaged) -> String {
        let count = try length()
        defer { at += count }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[at..<at + count]), as: UTF8.self)
    }

    mutating func matches(_ count: Int) throws(Damaged) -> [PaymentMatch] {
        // Each match takes at least 37 bytes: a count beyond that is damage, not an allocation.
        guard count <= (bytes.count - at) / 37 else { throw Damaged() }
        var matches: [PaymentMatch] = []
        matches.reserveCapacity(count)
        for _ in 0..<count { matches.append(try match()) }
        return matches
    }

    mutating func match() throws(Damaged) -> PaymentMatch {
        let amount = Int64(try int())
        let booked = CivilDate(daysSinceEpoch: Int64(try int()))
        let receipt = try text(), rule = try text(), by = try text(), evidence = try text()
        guard at < bytes.count, bytes[at] <= 1 else { throw Damaged() }
        at += 1
        let source = bytes[at - 1] == 1 ? try text() : nil
        let count = try length()
        var allocations: [PaymentMatch.Allocation] = []
        allocations.reserveCapacity(count)
        for _ in 0..<count {
            let invoice = try text()
            allocations.append(PaymentMatch.Allocation(invoice: invoice, amountMinor: Int64(try int())))
        }
        return PaymentMatch(
            receipt: receipt, bookingDate: booked, amountMinor: amount, rule: rule, allocations: allocations, by: by,
            evidence: evidence, source: source)
    }

    /// An entry's identity and its name, NUL-terminated where it lies.
    mutating func fileAndName() throws(Damaged) -> (MatchPack.FileIdentity, UnsafePointer<CChar>) {
        let file = MatchPack.FileIdentity(
            inode: UInt64(bitPattern: Int64(try int())), size: Int64(try int()), modified: Int64(try int()),
            changed: Int64(try int()))
        let count = try length()
        guard count > 0, bytes.count - at > count, bytes[at + count] == 0,
            !bytes[at..<at + count].contains(0)
        else { throw Damaged() }
        defer { at += count + 1 }
        return (file, (bytes.baseAddress! + at).assumingMemoryBound(to: CChar.self))
    }
}

extension FolderIdentity {
    /// A folder's identity as a pack's header recorded it.
    init(inode: UInt64, modified: Int64, changed: Int64) {
        self.inode = inode
        self.modified = modified
        self.changed = changed
    }
}
