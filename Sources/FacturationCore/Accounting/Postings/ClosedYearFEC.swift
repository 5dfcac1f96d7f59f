import Foundation

/// The monthly FEC files of one closed fiscal year as they were published, kept with the identity
/// of what the year's accounting entries are made of, so that a run neither posts the year's
/// documents and bank lines nor numbers, letters, writes and hashes its months again
/// (`archive/checkpoints/<pipeline>/fec-exercices/`).
///
/// Why (issue #9, "closed years summarised once"): the accounting stage posted every document and
/// bank line of history and rendered every closed month (120 after ten years) on every full pass.
/// With this checkpoint a closed year costs the hash of its inputs (``Inputs``) and, per month, two
/// `stat` calls and the read of its delivery record (``isStillPublished(_:relativePath:layout:)``):
/// see the README, "Benchmark results".
///
/// What a closed year's files depend on (the study this identity comes from), read in
/// ``Postings`` and ``FECBuilder``:
/// - numbering (`EcritureNum`) and lettering are per fiscal year: only the year's entries count
///   (the FEC has no opening entries, and a lettering group of an earlier year's invoice is made
///   of the lines of the year alone); so do the file names (closing date, SIREN), the format and
///   the reports' paths;
/// - the year's entries are made from its documents (number, kind, date, client, totals, VAT
///   breakdown, the invoice a credit note corrects), its bank lines booked by `today` (amount,
///   date, texts, piece reference) with the allocations of their match, and the settings (accounts,
///   journals, rules, VAT on receipts or on debits);
/// - across years, only through what a receipt reads of each invoice it pays: the invoice's client
///   (the first document with its number), and for the VAT transfer the VAT still pending and the
///   amount still open before the receipt. Those depend on documents of any year (a credit note of
///   the open year naming an invoice of a closed year counts from the start, as every document is
///   posted before the first bank line) and on the receipts before it. They are hashed as the
///   receipt sees them, so a change elsewhere that does not reach them leaves the year alone;
/// - the monthly `compte-attente` report lists the suspense lines of every year: a closed year's
///   are found without posting it (``Postings/Pass/note(_:allocations:)``).
/// So the identity covers the year's documents and booked bank lines with their allocations as
/// the postings read them, what each receipt reads of the invoices it pays, the settings, the first
/// month, the outbox and the executable. It is hashed from the run's decoded records, not from the
/// record files' names, sizes and times as ``IssuedYearSummary`` does: the legal view of a document
/// comes from its confirmation too (Oxygène numbering), and a record may be dated in another year
/// than its folder's; the documents' fields cost about what the files' `stat` calls would.
///
/// And the open year needs from the closed ones exactly that: the client, pending VAT and open
/// amount of the invoices its receipts pay, and the closed years' suspense lines. Both come from a
/// pass over the closed years' documents and receipts that makes no entry (``YearPostings``).
///
/// Closed-year facts can still change (a late bank line booked in the year, a person's decision
/// on a receipt of the year, an edited record, a credit note naming an invoice the year's receipts
/// pay): the identity then differs, the year is posted, every month is rendered and compared with
/// its monthly checkpoint as before, and this file is rewritten. Derived data: missing, damaged, of
/// another version or another binary, it is rebuilt the same way; the published files and the
/// records stay the truth.
struct ClosedYearFEC: Codable {
    /// Bumped when the file's meaning changes: another version is rebuilt.
    static let currentVersion = 2

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
        /// The outbox file as last hashed, when its times could be trusted (nil: hashed next time).
        var delivered: DeliveredCopy?
    }

    var version: Int
    /// The fiscal year's closing date.
    var closing: String
    /// SHA-256 of what the year's files are made from (``Inputs``).
    var inputs: String
    /// The identity of the files every closed year's inputs were decoded from when `inputs` was
    /// found (``Sources``): while the run's is the same, `inputs` is the year's without hashing a
    /// field. Nil when not known or not trusted (the inputs are then hashed).
    var sources: String?
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
}

extension ClosedYearFEC {
    /// The identity of each closed fiscal year's inputs, hashed as a pass goes through the records
    /// (documents in issue order, then bank lines in booking order, as they are posted): what the
    /// year's entries are made of (see the type's comment), and nothing they do not read.
    final class Inputs {
        /// What every year's identity starts with besides its closing date: the format of this
        /// hash, the first month published, the SIREN (the file names), the settings the postings
        /// read, the FEC format, where the outbox is (the reports name it), and the executable
        /// (another build may write other bytes).
        private let common: String
        private var years: [CivilDate: YearHasher] = [:]
        /// The year last added to (records come grouped by year).
        private var last: (closing: CivilDate, hasher: YearHasher)?

        init(layout: ArchiveLayout, firstMonth: CivilDate?) {
            common = Self.common(layout: layout, firstMonth: firstMonth)
        }

        /// What every year's identity starts with (see `common`); ``Sources`` starts with it too.
        static func common(layout: ArchiveLayout, firstMonth: CivilDate?) -> String {
            let pipeline = layout.pipeline
            return "closed-year-fec \(currentVersion)|\(firstMonth?.description ?? "")|\(pipeline.company.siren)|"
                + "\(pipeline.company.vatOnDebits)|\(String(reflecting: pipeline.accounting))|"
                + "\(layout.shown("fec"))|\(RunStamp.executableIdentity())\n"
        }

        private func hasher(_ closing: CivilDate) -> YearHasher {
            if let last, last.closing == closing { return last.hasher }
            let hasher = years[closing] ?? YearHasher("\(closing)|" + common)
            years[closing] = hasher
            last = (closing, hasher)
            return hasher
        }

        /// A document of the year closing on `closing`: what its sales entry and the facts its
        /// receipts read are made of.
        func add(_ document: InvoiceDocument, closing: CivilDate) {
            let year = hasher(closing)
            year.text("D")
            year.text(document.number)
            year.number(document.kind == .invoice ? 1 : 2)
            year.date(document.issueDate)
            year.text(document.clientCode)
            year.text(document.buyer.name)
            year.number(document.totals.grandTotalMinor)
            for group in document.totals.vatBreakdown {
                year.text(group.category)
                year.number(group.basisMinor)
                year.number(group.taxMinor)
            }
            year.text(document.precedingInvoice.map { "=" + $0.number } ?? "")
            year.flushIfFull()
        }

        /// A bank line booked in the year closing on `closing`, with its match's allocations and
        /// what its receipt entries read of each invoice they pay (`pass`, before the line).
        func add(
            _ line: BankLine, allocations: [PaymentMatch.Allocation]?, closing: CivilDate, pass: Postings.Pass
        ) {
            let year = hasher(closing)
            year.text("B")
            year.text(line.key)
            year.date(line.bookingDate)
            year.number(line.amountMinor)
            year.text(line.counterpartyName)
            year.text(line.label)
            year.text(line.remittance)
            year.text(line.pieceRef)
            year.number(Int64(allocations?.count ?? -1))
            for allocation in allocations ?? [] {
                year.text(allocation.invoice)
                year.number(allocation.amountMinor)
                let seen = pass.seen(allocation.invoice)
                year.text(seen.client.map { "=" + $0.0 } ?? "")
                year.text(seen.client?.1 ?? "")
                year.number(seen.pendingVAT ?? Int64.min)
                year.number(seen.openTTC ?? Int64.min)
            }
            year.flushIfFull()
        }

        /// The identity of the year closing on `closing` (that of a year without any record when
        /// nothing was added to it).
        func identity(of closing: CivilDate) -> String {
            (years[closing] ?? YearHasher("\(closing)|" + common)).finish()
        }
    }

    /// One year's SHA-256, fed in slices: a fiscal year may hold hundreds of thousands of records.
    final class YearHasher {
        private let hasher = SHA256Hasher()
        // Appended to for every field of every record: no run-time exclusivity check (the object
        // never leaves the pass that feeds it).
        @exclusivity(unchecked) private var bytes: [UInt8] = []
        private var digest: String?

        init(_ header: String) {
            bytes.reserveCapacity(1 << 16 + 4096)
            bytes += header.utf8
        }

        /// A text, after its length: two records give the same bytes only when their fields are equal.
        func text(_ value: String) {
            number(Int64(value.utf8.count))
            bytes += value.utf8
        }

        func number(_ value: Int64) {
            withUnsafeBytes(of: value.littleEndian) { bytes += $0 }
        }

        func date(_ value: CivilDate) {
            number(Int64(value.year * 10_000 + value.month * 100 + value.day))
        }

        func flushIfFull() {
            guard bytes.count >= 1 << 16 else { return }
            hasher.update(bytes)
            bytes.removeAll(keepingCapacity: true)
        }

        func finish() -> String {
            if let digest { return digest }
            hasher.update(bytes)
            let made = hasher.finishHex()
            digest = made
            return made
        }
    }

    /// True when the month is still published as recorded: the archived copy has its size and the
    /// outbox file is one the pipeline delivered (the checks ``FECPublisher`` makes besides the
    /// bytes when it publishes a month). The outbox file is hashed only when its `stat` is not the
    /// one recorded (``DeliveredCopy``); the month returned records what was found.
    static func isStillPublished(
        _ month: Month, relativePath: String, layout: ArchiveLayout
    ) throws -> (published: Bool, month: Month) {
        guard month.relativePath == relativePath,
            Storage.status(layout.publishedFEC(relativePath))?.size == month.size
        else { return (false, month) }
        let (unchanged, copy) = try Outbox(layout: layout).isUnchangedDelivery(relativePath, known: month.delivered)
        var seen = month
        seen.delivered = copy
        return (unchanged, seen)
    }
}

/// The closed fiscal years of a run as the accounting stage finds them before posting anything:
/// each one's identity, and those whose checkpoint holds it.
struct ClosedYears {
    /// A closed year whose checkpoint has its identity.
    struct Known {
        var checkpoint: ClosedYearFEC
        /// Its months (`YYYY-MM`) no longer published as the checkpoint says: rendered again.
        var stale: Set<String>
    }

    /// The identity of every closed year ``FECPublisher/monthly()`` walks.
    private(set) var inputs: [CivilDate: String] = [:]
    private(set) var known: [CivilDate: Known] = [:]
    /// The closed years walked whose entries are needed: no checkpoint of their identity, or a
    /// month to render again.
    private(set) var rendered: Set<CivilDate> = []
    /// The run's ``ClosedYearFEC/Sources`` to record in a checkpoint written (nil: none recorded).
    private(set) var sources: String?

    init() {}

    /// Every closed year from the one of `firstMonth` to the last one closed before `today`, in
    /// order, with its checkpoint when it is readable.
    static func checkpoints(
        _ layout: ArchiveLayout, firstMonth: CivilDate, today: CivilDate
    ) -> [(closing: CivilDate, checkpoint: ClosedYearFEC?)] {
        let settings = layout.pipeline.accounting
        var found: [(CivilDate, ClosedYearFEC?)] = []
        var closing = settings.fiscalYear(containing: firstMonth).end
        while closing < today {
            found.append((closing, ClosedYearFEC.read(layout, closing: closing)))
            closing = settings.fiscalYear(containing: closing.adding(days: 1)).end
        }
        return found
    }

    /// Looks at the `checkpoints` of the closed years (``checkpoints(_:firstMonth:today:)``); a
    /// month's delivery whose `stat` was recorded anew is written back, and so is the run's
    /// `sources` (recordable) when it is not the one recorded.
    ///
    /// `identities`: each year's hashed inputs; nil only when every checkpoint recorded `sources`,
    /// whose inputs are then the years' as recorded (``ClosedYearFEC/Sources``).
    init(
        _ identities: ClosedYearFEC.Inputs?, checkpoints: [(closing: CivilDate, checkpoint: ClosedYearFEC?)],
        sources: String?, layout: ArchiveLayout
    ) throws {
        self.sources = sources
        for (closing, found) in checkpoints {
            guard let identity = identities?.identity(of: closing) ?? found?.inputs else {
                preconditionFailure("a closed year without its identity")
            }
            inputs[closing] = identity
            guard var checkpoint = found, checkpoint.inputs == identity else {
                rendered.insert(closing)
                continue
            }
            var stale: Set<String> = []
            var seen = checkpoint
            for (index, month) in checkpoint.months.enumerated() {
                let name = FECFormat.fileName(siren: layout.pipeline.company.siren, closingDate: closing)
                let check = try ClosedYearFEC.isStillPublished(
                    month, relativePath: "fec/mensuel/\(month.month)/\(name)", layout: layout)
                if !check.published { stale.insert(month.month) }
                seen.months[index] = check.month
            }
            // Recorded with inputs hashed from the same files (an older identity is also still
            // true of these inputs: kept when this run's cannot be trusted).
            if let sources { seen.sources = sources }
            if seen.months.map(\.delivered) != checkpoint.months.map(\.delivered) || seen.sources != checkpoint.sources
            {
                checkpoint = seen
                try checkpoint.write(layout)
            }
            known[closing] = Known(checkpoint: checkpoint, stale: stale)
            if !stale.isEmpty { rendered.insert(closing) }
        }
    }
}

extension FECPublisher {
    /// One fiscal year while ``monthly()`` walks its months: either its checkpoint still describes
    /// it (`known`), or its months are published as usual and recorded for a new checkpoint once
    /// the year is closed.
    struct YearWalk {
        let closing: CivilDate
        /// The checkpoint, when its identity is the year's (nil: render every month).
        let known: ClosedYears.Known?
        /// The identity to record (nil for the open year: nothing is recorded).
        let inputs: String?
        /// The ``ClosedYearFEC/Sources`` to record with it.
        var sources: String?
        var recorded: [ClosedYearFEC.Month] = []

        /// The checkpoint's entry for `month` when the year is known and the month still published
        /// as it says: `.some(nil)` means the month has no FEC; nil means render the month.
        func knownMonth(_ month: CivilDate) -> ClosedYearFEC.Month?? {
            guard let known, !known.stale.contains(month.monthKey) else { return nil }
            return .some(known.checkpoint.months.first { $0.month == month.monthKey })
        }

        /// Writes the checkpoint of a closed year whose months were rendered, with each outbox
        /// file's `stat` and hash when its times can be trusted (``DeliveredCopy``).
        func finish(_ layout: ArchiveLayout) throws {
            guard known == nil, let inputs else { return }
            var months = recorded
            for index in months.indices {
                let target = Path.join(layout.outbox, months[index].relativePath)
                guard let status = Storage.status(target), status.isRegularFile else { continue }
                months[index].delivered = try DeliveredCopy.hash(of: target, status: status, known: nil).copy
            }
            try ClosedYearFEC(
                version: ClosedYearFEC.currentVersion, closing: closing.description, inputs: inputs, sources: sources,
                months: months
            ).write(layout)
        }
    }

    /// The walk of the fiscal year closing on `closing`: its checkpoint is looked at only when the
    /// year is closed on `today` (every month of it is then published).
    func startYear(closing: CivilDate, years: ClosedYears) -> YearWalk {
        guard closing < today else { return YearWalk(closing: closing, known: nil, inputs: nil) }
        return YearWalk(
            closing: closing, known: years.known[closing], inputs: years.inputs[closing], sources: years.sources)
    }
}
