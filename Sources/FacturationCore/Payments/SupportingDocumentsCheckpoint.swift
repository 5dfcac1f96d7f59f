/// The months whose supporting documents all had their marker, each kept with what its documents
/// are made from and its marker folder's identity, so that ``SupportingDocuments`` does not look
/// at such a month's matches again while neither has changed.
///
/// Why (issue #9, "a run whose cost does not grow with history"): naming every match's documents
/// and looking their markers up was 25 ms of a full pass at 10 years (11,900 matches), for months
/// where nothing is ever delivered again (README, "Benchmark results").
///
/// A month is skipped when, as recorded:
/// - its inputs (``inputs(_:)``): the receipts booked in it (key, date, amount, payer) and the
///   matches booked in it (receipt, invoices); a match is recorded with its receipt's booking
///   date, once, and never rewritten, so a receipt matched since, or changed, changes its month's;
/// - the identity of its marker folder (``FolderIdentity``: a marker added, removed or renamed
///   moves it), recorded only when older than ``RunStamp/racyWindow``; or no document was expected;
/// - the invoices its matches name that have no document of ours (a historical invoice of the
///   register, or no invoice under that number) still have none.
///
/// Derived data in `archive/checkpoints/<pipeline>/justificatifs.json`, keyed by the binary:
/// missing, damaged, of another version or build, every month is looked at, as before.
struct SupportingDocumentsCheckpoint: Codable, Equatable {
    /// Bumped when the file's meaning changes: another version is not read.
    static let currentVersion = 1

    /// One month whose documents all had their marker.
    struct Month: Codable, Equatable {
        var inputs: String
        /// nil when none of its matches' invoices has a document of ours (the folder was not read).
        var markers: FolderIdentity?
        var documentless: [String]
    }

    var version = currentVersion
    var binary: String
    /// By month (`YYYY-MM`).
    var months: [String: Month] = [:]

    /// A month as a number (`year * 100 + month`), and its key in the file.
    static func month(_ date: CivilDate) -> Int { date.year * 100 + date.month }
    static func key(_ month: Int) -> String { CivilDate.pad(month / 100, 4) + "-" + CivilDate.pad(month % 100, 2) }

    /// The checkpoint on disk, or an empty one when it is missing, damaged or of another version or build.
    static func load(_ layout: ArchiveLayout) -> SupportingDocumentsCheckpoint {
        let binary = RunStamp.executableIdentity()
        guard
            let known = FolderIdentity.checkpoint(
                SupportingDocumentsCheckpoint.self, at: layout.supportingDocumentsCheckpoint),
            known.version == currentVersion, known.binary == binary
        else { return SupportingDocumentsCheckpoint(binary: binary) }
        return known
    }

    /// Whether `month` needs no look: recorded with these inputs, its marker folder unchanged, and
    /// its documentless invoices still without a document.
    func isComplete(_ month: Int, inputs: String, folder: String, receivables: Receivables) -> Bool {
        guard let known = months[Self.key(month)], known.inputs == inputs else { return false }
        if let markers = known.markers, FolderIdentity(of: folder) != markers { return false }
        return known.documentless.allSatisfy { receivables.item($0).map { $0.fromRegister } ?? true }
    }

    /// Writes the checkpoint when it differs from `known`, keeping only the months whose marker
    /// folder's times are old enough to trust.
    func save(replacing known: SupportingDocumentsCheckpoint, layout: ArchiveLayout) throws {
        let now = Clock.system.now()
        var kept = self
        kept.months = months.filter { $0.value.markers?.isTrusted(now: now) ?? true }
        guard kept != known else { return }
        try Storage.replaceJSON(kept, at: layout.supportingDocumentsCheckpoint, temporaryDirectory: layout.temporary)
    }

    /// By month, a digest of what its documents are made from: the receipts booked in it and the
    /// matches booked in it, each hashed (``ByteHash``) and summed, so that the order they come
    /// in (a dictionary's) does not matter. Each record is read in place, by index: iterating
    /// copied each with all its texts (retains were 2.7 of this function's 4.4 ms at 10 years).
    static func inputs(_ state: PaymentPass.State) -> [Int: String] {
        var digests: [Int: Digest] = [:]
        let receipts = state.receipts
        for index in receipts.indices {
            var hash = Digest.mix(0x7265_6365_6970_7473, Digest.hash(receipts[index].key))
            hash = Digest.mix(hash, UInt64(bitPattern: receipts[index].bookingDate.daysSinceEpoch))
            hash = Digest.mix(hash, UInt64(bitPattern: receipts[index].amountMinor))
            hash = Digest.mix(hash, Digest.hash(receipts[index].counterpartyName))
            digests[month(receipts[index].bookingDate), default: Digest()].add(hash)
        }
        let matches = state.matches.values
        for index in matches.indices {
            var hash = Digest.mix(0x6D61_7463_6865_7300, Digest.hash(matches[index].receipt))
            for allocation in matches[index].allocations.indices {
                hash = Digest.mix(hash, Digest.hash(matches[index].allocations[allocation].invoice))
            }
            digests[month(matches[index].bookingDate), default: Digest()].add(hash)
        }
        return digests.mapValues(\.text)
    }

    /// A count and two sums of 64-bit hashes (not cryptographic: it tells a change of the
    /// records, which nobody crafts, from none).
    struct Digest {
        var count: UInt64 = 0
        var sum: UInt64 = 0
        var mixed: UInt64 = 0

        mutating func add(_ hash: UInt64) {
            count += 1
            sum &+= hash
            mixed &+= Self.mix(hash, 0x9E37_79B9_7F4A_7C15)
        }

        var text: String { [count, sum, mixed].map { String($0, radix: 16) }.joined(separator: "-") }

        static func mix(_ hash: UInt64, _ value: UInt64) -> UInt64 {
            let mixed = (hash ^ value) &* 0xFF51_AFD7_ED55_8CCD
            return mixed ^ (mixed >> 32)
        }

        static func hash(_ text: String) -> UInt64 {
            if let hash = text.utf8.withContiguousStorageIfAvailable({ ByteHash.of(UnsafeRawBufferPointer($0)) }) {
                return hash
            }
            var text = text
            return text.withUTF8 { ByteHash.of(UnsafeRawBufferPointer($0)) }
        }
    }
}
