import Foundation

/// The booked lines of the bank ledgers of closed years, read once and kept in one derived file
/// (`archive/checkpoints/<pipeline>/lignes-bancaires.pack`, ``ArchiveLayout/bankLinePack``) with the
/// identity of each ledger they were read from, so that a run's snapshot parses only the open
/// year's ledgers.
///
/// Why (issue #9, a full pass that does not grow with history): ``RunSnapshot`` parsed every
/// month's bank ledger of history on every full pass (`BankLine.packed`, 17–19 ms of the 10-year
/// pass, README "Benchmark results").
///
/// Derived data, the ledgers stay the only truth. The pack is taken only when it names exactly the
/// closed years' ledgers as listed and each one's `stat` through links (``Storage/targetStatus(_:)``:
/// what the reader opens) gives the inode, size, modification and change times packed: an edit in
/// place moves the change time even when the size and modification time are put back. Otherwise
/// every closed year's ledger is read as before (the same errors, in the same order) and the pack
/// written again (temporary file, fsync, rename, fsync of its folder) when every ledger's times are
/// older than ``RunStamp/racyWindow``. A pack that is missing, damaged (the body's SHA-256), of
/// another version, binary or currency is not used.
struct BankLinePack {
    /// Bumped when the file's meaning changes: another version is not read.
    static let currentVersion = 1

    /// One packed ledger: its name and what `stat` said of it before it was read.
    struct Ledger: Equatable {
        var name: String
        var file: MatchPack.FileIdentity
    }

    var ledgers: [Ledger]
    /// The rows the closed years' ledgers left out.
    var leftOut: BankLine.LeftOut
    /// Their kept lines, in the order read (not sorted).
    var lines: PackedBankLines

    /// How many of `names` (sorted) come first and are ledgers of a year before `openYear`
    /// (`YYYY-MM.csv`): the ones a pack may hold.
    static func closedPrefix(_ names: [String], before openYear: Int) -> Int {
        var count = 0
        for name in names {
            guard let year = year(of: name), year < openYear else { break }
            count += 1
        }
        return count
    }

    /// The year of a month's ledger named `YYYY-MM.csv`, nil for any other name.
    static func year(of name: String) -> Int? {
        let bytes = Array(name.utf8)
        func digits(_ range: Range<Int>) -> Bool { bytes[range].allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }
        guard bytes.count == 11, digits(0..<4), bytes[4] == UInt8(ascii: "-"), digits(5..<7), name.hasSuffix(".csv")
        else { return nil }
        return Int(name.prefix(4))
    }

    /// The lines and left-out rows of the ledgers `names` of `folder`, as ``BankLine/read(_:currency:into:leftOut:)``
    /// gives them one file after the other: from the pack when it describes them, else from the files
    /// (and the pack written again).
    /// `read`: each ledger's identity as its lines were taken (the pack's, which the path still
    /// has; or the descriptor's of the file read).
    static func lines(
        _ layout: ArchiveLayout, folder: String, names: ArraySlice<String>,
        read: inout [String: MatchPack.FileIdentity]
    ) throws -> (PackedBankLines, BankLine.LeftOut) {
        guard !names.isEmpty else { return (PackedBankLines(), BankLine.LeftOut()) }
        let currency = layout.pipeline.currency.code
        let path = layout.bankLinePack
        let bytes = Storage.exists(path) ? try? Storage.read(path, limit: 1 << 30) : nil
        if let bytes, let pack = decoded(bytes, currency: currency), pack.describes(folder, names: names) {
            for ledger in pack.ledgers { read[ledger.name] = ledger.file }
            return (pack.lines, pack.leftOut)
        }
        let now = Clock.system.now()
        var pack = BankLinePack(ledgers: [], leftOut: BankLine.LeftOut(), lines: PackedBankLines())
        var trusted = true
        for name in names {
            let file = Path.join(folder, name)
            // The identity of the file read, from its descriptor: a `stat` of the path before or
            // after could name another file (a link switched during the run) than the lines packed.
            let status = try BankLine.read(file, currency: currency, into: &pack.lines, leftOut: &pack.leftOut)
            if let status { read[name] = MatchPack.FileIdentity(status) }
            if let status, case let identity = MatchPack.FileIdentity(status), identity.isTrusted(now: now) {
                pack.ledgers.append(Ledger(name: name, file: identity))
            } else {
                trusted = false
            }
        }
        if trusted {
            let encoded = pack.bytes(currency: currency)
            if encoded != bytes {
                Storage.replaceDerived(encoded, at: path, temporaryDirectory: layout.temporary)
            }
        }
        return (pack.lines, pack.leftOut)
    }

    /// Whether the pack holds exactly the ledgers `names` of `folder`, each as it is now.
    func describes(_ folder: String, names: ArraySlice<String>) -> Bool {
        guard ledgers.count == names.count else { return false }
        for (ledger, name) in zip(ledgers, names) {
            // By bytes: two names may differ in bytes and be equal as `String`s (composed accents).
            guard ledger.name.utf8.elementsEqual(name.utf8),
                let status = Storage.targetStatus(Path.join(folder, name)),
                MatchPack.FileIdentity(status) == ledger.file
            else { return false }
        }
        return true
    }
}

extension MatchPack.FileIdentity {
    /// A file's identity from its status (``Storage/targetStatus(_:)``).
    init(_ status: Storage.Status) {
        self.init(inode: status.inode, size: status.size, modified: status.modified, changed: status.changed)
    }
}

/// The pack's file: five header lines (format, binary, currency, counts, the body's SHA-256), then
/// the body, binary and little-endian (``PackWriter``): each ledger's name and identity, the rows
/// left out, then the lines (``PackedBankLines/write(to:)``).
extension BankLinePack {
    func bytes(currency: String) -> [UInt8] {
        var body = PackWriter()
        for ledger in ledgers {
            body.text(ledger.name)
            body.int(Int64(bitPattern: ledger.file.inode))
            body.int(ledger.file.size)
            body.int(ledger.file.modified)
            body.int(ledger.file.changed)
        }
        body.int(Int64(leftOut.outOfBounds))
        body.length(leftOut.otherCurrencies.count)
        // Sorted: the same ledgers give the same bytes (a dictionary's order is not kept).
        for (code, count) in leftOut.otherCurrencies.sorted(by: { $0.key < $1.key }) {
            body.text(code)
            body.int(Int64(count))
        }
        lines.write(to: &body)
        let header =
            "facturation bank-line-pack \(Self.currentVersion)\nbinary \(RunStamp.executableIdentity())\n"
            + "currency \(currency)\ncounts \(ledgers.count) \(lines.count)\n"
            + "body-sha256 \(body.bytes.withUnsafeBytes { SHA256Hasher.hex($0) })\n"
        return Array(header.utf8) + body.bytes
    }

    /// The pack in `bytes` when it is whole, of this version, binary and `currency`; nil otherwise.
    static func decoded(_ bytes: [UInt8], currency: String) -> BankLinePack? {
        guard let (lines, offset) = CheckedHeader.read(bytes, lines: 5),
            lines[0] == "facturation bank-line-pack \(currentVersion)",
            lines[1] == "binary " + RunStamp.executableIdentity(), lines[2] == "currency " + currency,
            case let counts = lines[3].split(separator: " ").dropFirst().compactMap({ Int($0) }),
            lines[3].hasPrefix("counts "), counts.count == 2, counts.allSatisfy({ $0 >= 0 })
        else { return nil }
        return bytes.withUnsafeBytes { raw -> BankLinePack? in
            var reader = PackReader(raw, at: offset)
            do {
                // Each ledger takes at least 36 bytes: a count beyond that is damage, not an allocation.
                guard counts[0] <= (raw.count - offset) / 36 else { return nil }
                var pack = BankLinePack(ledgers: [], leftOut: BankLine.LeftOut(), lines: PackedBankLines())
                for _ in 0..<counts[0] {
                    let name = try reader.text()
                    let file = MatchPack.FileIdentity(
                        inode: UInt64(bitPattern: Int64(try reader.int())), size: Int64(try reader.int()),
                        modified: Int64(try reader.int()), changed: Int64(try reader.int()))
                    pack.ledgers.append(Ledger(name: name, file: file))
                }
                pack.leftOut.outOfBounds = try reader.int()
                for _ in 0..<(try reader.length()) {
                    let code = try reader.text()
                    pack.leftOut.otherCurrencies[code] = try reader.int()
                }
                try pack.lines.read(counts[1], from: &reader)
                return reader.at == raw.count ? pack : nil
            } catch {
                return nil
            }
        }
    }
}

extension PackWriter {
    /// A text given as its bytes (length-prefixed, as ``text(_:)``).
    mutating func text(bytes raw: UnsafeRawBufferPointer) {
        length(raw.count)
        bytes.append(contentsOf: raw)
    }
}

extension PackReader {
    /// A text's bytes where they lie (valid while the pack's bytes are).
    mutating func textBytes() throws(Damaged) -> UnsafeRawBufferPointer {
        let count = try length()
        defer { at += count }
        return UnsafeRawBufferPointer(rebasing: bytes[at..<at + count])
    }
}
