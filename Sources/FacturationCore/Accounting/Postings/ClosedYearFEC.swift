import Foundation

/// The monthly FEC files of one closed fiscal year as they were published, kept with the content
/// identity of the year's accounting entries, so that a run does not number, letter, write and
/// hash again every month of every closed year (`archive/checkpoints/<pipeline>/fec-exercices/`).
///
/// Why (issue #9, "closed years summarised once"): the accounting stage rendered every closed
/// month since invoicing started on every full pass (120 months after ten years), each from the
/// entries of its whole fiscal year, to compare it with its monthly checkpoint. With this
/// checkpoint a closed year costs the hash of its entries and, per month, a `stat` and the hash of
/// the delivered file (as before): see the README, "Benchmark results".
///
/// What the stages read of a closed year (the study this checkpoint starts from):
/// - accounting (this type): the year's entries, made from every document (number, dates, client,
///   totals, VAT breakdown, the invoice a credit note corrects), every booked bank line of the
///   year and the allocations of its match; only their FEC lines matter, so their identity is the
///   bytes ``PackedEntries/appendIdentity(at:to:)`` gives;
/// - invoicing: every number (counters, duplicates), draft id (already issued), time month
///   (`client|period`), released record keys, the client history of the approval rules, and the
///   sales-register rows;
/// - payments, dunning, forecast, dashboard: receivables (each invoice with its credit notes and
///   allocations: only open ones matter once a year is closed, but a late receipt or credit note
///   may reopen or settle an old one), payer learning (IBAN → client of every match), payment
///   delays (forecast), invoice-state rows and yearly figures (dashboard);
/// - reconciliation: every document and match up to the FEC's coverage.
/// Those are not summarised yet: the snapshot still decodes every record (README, "Not done").
///
/// Closed-year facts can still change (a late bank line booked in the year, a person's decision
/// on a receipt of the year, an edited record): the identity then differs, every month of the year
/// is rendered and compared with its monthly checkpoint as before, and this file is rewritten.
/// Derived data: missing, damaged, of another version or another binary, it is rebuilt the same
/// way; the published files and the records stay the truth.
struct ClosedYearFEC: Codable {
    /// Bumped when the file's meaning changes: another version is rebuilt.
    static let currentVersion = 1

    /// One month of the year that has a FEC (a month without entries has none).
    struct Month: Codable {
        /// `YYYY-MM`.
        var month: String
        /// Relative to the outbox, as delivered (`fec/mensuel/<YYYY-MM>/<name>`).
        var relativePath: String
        /// Size and SHA-256 of the published bytes.
        var size: Int64
        var sha256: String
        var export: FECPublisher.Export
    }

    var version: Int
    /// The fiscal year's closing date.
    var closing: String
    /// SHA-256 of what the year's files are made from (``identity(of:positions:closing:firstMonth:layout:)``).
    var inputs: String
    /// In month order, from the first month of the year on or after the invoicing start.
    var months: [Month]

    /// The checkpoint of the year closing on `closing`, when it is readable, of this version and
    /// of this year; nil otherwise (the year is rendered again).
    static func read(_ layout: ArchiveLayout, closing: CivilDate) -> ClosedYearFEC? {
        let path = layout.closedYearFEC(closing: closing)
        guard Storage.exists(path),
            let known = try? FacturationError.decode(ClosedYearFEC.self, at: path, limit: 16 << 20),
            known.version == currentVersion, known.closing == closing.description
        else { return nil }
        return known
    }

    /// Written through a temporary file, fsynced, renamed over the old one, folder fsynced.
    func write(_ layout: ArchiveLayout) throws {
        try Storage.replaceJSON(
            self, at: layout.closedYearFEC(closing: CivilDate(iso: closing)!), temporaryDirectory: layout.temporary)
    }

    /// SHA-256 of the year's entries (those at `positions`, in that order: the order breaks ties
    /// in the numbering) and of everything else a monthly file of the year depends on: the first
    /// month published, the company's SIREN (the file name), the FEC format, where the outbox is
    /// (the reports name it) and the executable (another build may write other bytes).
    static func identity(
        of entries: PackedEntries, positions: [Int], closing: CivilDate, firstMonth: CivilDate,
        layout: ArchiveLayout
    ) -> String {
        let hasher = SHA256Hasher()
        let pipeline = layout.pipeline
        var bytes = Array(
            "closed-year-fec \(currentVersion)|\(closing)|\(firstMonth)|\(pipeline.company.siren)|"
                .utf8)
        bytes += Array("\(pipeline.accounting.format)|\(layout.shown("fec"))|\(RunStamp.executableIdentity())\n".utf8)
        for position in positions {
            entries.appendIdentity(at: position, to: &bytes)
            // Hashed in slices: a fiscal year may hold hundreds of thousands of entries.
            if bytes.count >= 1 << 16 {
                hasher.update(bytes)
                bytes.removeAll(keepingCapacity: true)
            }
        }
        hasher.update(bytes)
        return hasher.finishHex()
    }
}

extension FECPublisher {
    /// One fiscal year while ``monthly()`` walks its months: either its checkpoint still describes
    /// it (`known`), or its months are published as usual and recorded for a new checkpoint once
    /// the year is closed.
    struct YearWalk {
        let closing: CivilDate
        /// The checkpoint, when its identity is the year's (nil: render every month).
        let known: ClosedYearFEC?
        /// The identity to record (nil for the open year: nothing is recorded).
        let inputs: String?
        var recorded: [ClosedYearFEC.Month] = []

        /// The checkpoint's entry for `month` when the year is known: `.some(nil)` means the month
        /// has no FEC; nil means the year is not known (render the month).
        func knownMonth(_ month: CivilDate) -> ClosedYearFEC.Month?? {
            guard let known else { return nil }
            return .some(known.months.first { $0.month == month.monthKey })
        }

        /// Writes the checkpoint of a closed year whose months were rendered.
        func finish(_ layout: ArchiveLayout) throws {
            guard known == nil, let inputs else { return }
            try ClosedYearFEC(
                version: ClosedYearFEC.currentVersion, closing: closing.description, inputs: inputs,
                months: recorded
            ).write(layout)
        }
    }

    /// The walk of the fiscal year closing on `closing`: its checkpoint is looked at only when the
    /// year is closed on `today` (every month of it is then published).
    func startYear(closing: CivilDate, firstMonth: CivilDate, positions: [Int]) -> YearWalk {
        guard closing < today else { return YearWalk(closing: closing, known: nil, inputs: nil) }
        let inputs = ClosedYearFEC.identity(
            of: books.entries, positions: positions, closing: closing, firstMonth: firstMonth, layout: layout)
        let checkpoint = ClosedYearFEC.read(layout, closing: closing)
        return YearWalk(closing: closing, known: checkpoint?.inputs == inputs ? checkpoint : nil, inputs: inputs)
    }

    /// True when the month recorded in a checkpoint is still published as it says: the archived
    /// copy has its size and the outbox file is one the pipeline delivered (the checks
    /// ``publishIfChanged(_:from:to:relativePath:)`` makes besides the bytes).
    func isStillPublished(_ month: ClosedYearFEC.Month, relativePath: String) throws -> Bool {
        guard month.relativePath == relativePath,
            Storage.status(layout.publishedFEC(relativePath))?.size == month.size
        else { return false }
        return try Outbox(layout: layout).isUnchangedDelivery(relativePath)
    }
}
