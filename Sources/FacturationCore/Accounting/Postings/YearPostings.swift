import Foundation

/// The entries a run's accounting stage posts: those of the fiscal years whose monthly files it
/// renders (the open years, a closed year whose identity changed or one of whose months is no
/// longer published as its checkpoint says), and every closed year's identity (``ClosedYearFEC``).
///
/// Why (issue #9, "read the open items and the current period"): the stage posted every document
/// and bank line of history on every full pass, then hashed the closed years' entries to learn
/// they had not changed. Now a closed year's documents and receipts only go through
/// ``Postings/Pass/note(_:)-(InvoiceDocument)`` and ``Postings/Pass/note(_:allocations:)``: what
/// the open year's receipts need of the invoices they pay (client, pending VAT, open amount) and
/// the suspense lines, without making an entry. A closed year is posted only when it is rendered:
/// its receipts then need those facts as they were when each was booked, so everything is gone
/// through again from the start, the rendered years posted and the others noted.
struct YearPostings {
    private(set) var entries = PackedEntries()
    private(set) var pass: Postings.Pass

    private init(_ postings: Postings) { pass = Postings.Pass(postings) }

    /// Every year's entries (for a publisher that may export any year), and the closed years'
    /// identities.
    static func everyYear(
        _ snapshot: RunSnapshot, layout: ArchiveLayout, today: CivilDate
    ) -> (postings: YearPostings, identities: ClosedYearFEC.Inputs) {
        let identities = ClosedYearFEC.Inputs(layout: layout, firstMonth: layout.pipeline.firstMonth)
        return (sweep(snapshot, layout: layout, today: today, all: true, hashing: identities).made, identities)
    }

    /// The entries of the years ``FECPublisher/monthly()`` renders: the open years, and the closed
    /// ones ``ClosedYears`` finds must be rendered.
    static func forMonthly(
        _ snapshot: RunSnapshot, layout: ArchiveLayout, today: CivilDate
    ) throws -> (postings: YearPostings, years: ClosedYears) {
        guard let firstMonth = layout.pipeline.firstMonth else {
            return (sweep(snapshot, layout: layout, today: today, all: false, hashing: nil).made, ClosedYears())
        }
        let checkpoints = ClosedYears.checkpoints(layout, firstMonth: firstMonth, today: today)
        guard let lastClosing = checkpoints.last?.closing else {
            return (sweep(snapshot, layout: layout, today: today, all: false, hashing: nil).made, ClosedYears())
        }
        let sources = try ClosedYearFEC.Sources(snapshot, layout: layout, firstMonth: firstMonth)
        // The inputs are hashed unless every closed year's checkpoint recorded the files as they
        // are now (``ClosedYearFEC/Sources``); the closed years' records are then not gone through
        // either when the notes of the same files are kept (``ClosedYearNotes``).
        let recorded = checkpoints.allSatisfy { $0.checkpoint?.sources == sources.key }
        let key = ClosedYearNotes.key(sources, lastClosing: lastClosing)
        let identities = recorded ? nil : ClosedYearFEC.Inputs(layout: layout, firstMonth: firstMonth)
        var made: YearPostings
        if recorded, let notes = ClosedYearNotes.read(layout, key: key),
            let carried = carried(notes, snapshot: snapshot, layout: layout, today: today)
        {
            made = carried
        } else {
            let swept = sweep(snapshot, layout: layout, today: today, all: false, hashing: identities)
            made = swept.made
            if sources.trusted, var notes = swept.notes {
                notes.key = key
                notes.write(layout)
            }
        }
        let years = try ClosedYears(
            identities, checkpoints: checkpoints, sources: sources.recordable, layout: layout)
        guard !years.rendered.isEmpty else { return (made, years) }
        return (again(snapshot, postings: made.pass.postings, rendered: years.rendered, today: today), years)
    }

    /// Every record posted or noted from the start: a rendered closed year's receipts need the facts
    /// as they were when each was booked.
    private static func again(
        _ snapshot: RunSnapshot, postings: Postings, rendered: Set<CivilDate>, today: CivilDate
    ) -> YearPostings {
        var fiscal = FiscalYears(postings.settings)
        var again = YearPostings(postings)
        let posted = { (closing: CivilDate) in closing >= today || rendered.contains(closing) }
        let issued = snapshot.issued
        again.pass.reserve(documents: issued.count)
        for index in issued.indices {
            again.add(issued[index], post: posted(fiscal.end(containing: issued[index].issueDate)))
        }
        let matches = Self.matches(snapshot), recorded = snapshot.matches
        for line in snapshot.bank {
            again.add(
                line, allocations: matches[line.key].map { recorded[$0].allocations }, today: today,
                post: posted(fiscal.end(containing: line.bookingDate)))
        }
        return again
    }

    /// Every record, in the order of posting (documents in issue order, then bank lines in booking
    /// order): the closed years' hashed into `identities` (when given), and posted when `all`,
    /// else noted. With the notes the open years' postings need of the closed years, when the
    /// closed years' lines all come before the open ones (``ClosedYearNotes``; its key left empty).
    private static func sweep(
        _ snapshot: RunSnapshot, layout: ArchiveLayout, today: CivilDate, all: Bool,
        hashing identities: ClosedYearFEC.Inputs?
    ) -> (made: YearPostings, notes: ClosedYearNotes?) {
        var made = YearPostings(Postings(pipeline: layout.pipeline))
        var fiscal = FiscalYears(made.pass.postings.settings)
        let issued = snapshot.issued, bank = snapshot.bank
        made.pass.reserve(documents: issued.count)
        // By index: a loop over the documents would copy each.
        for index in issued.indices {
            let closing = fiscal.end(containing: issued[index].issueDate)
            if closing < today { identities?.add(issued[index], closing: closing) }
            made.add(issued[index], post: all || closing >= today)
        }
        let matches = Self.matches(snapshot), recorded = snapshot.matches
        var notes: ClosedYearNotes? = ClosedYearNotes(
            key: "", openBank: bank.count, suspense: [], facts: [], matches: [])
        var open = false
        for index in bank.indices {
            let closing = fiscal.end(containing: bank[index].bookingDate)
            let first = matches[bank[index].key]
            let allocations = first.map { recorded[$0].allocations }
            if closing < today {
                identities?.add(bank[index], allocations: allocations, closing: closing, pass: made.pass)
                // A closed year's line after an open year's: the notes would not be the pass's.
                if open { notes = nil }
                let suspended = made.pass.suspense.count
                made.add(bank[index], allocations: allocations, today: today, post: all)
                if made.pass.suspense.count > suspended { notes?.suspense.append(index) }
                continue
            }
            if !open {
                open = true
                notes?.openBank = index
                notes?.facts = facts(made.pass, paidBy: bank[index...], matches: matches, recorded: recorded)
            }
            notes?.matches.append(first ?? -1)
            made.add(bank[index], allocations: allocations, today: today, post: true)
        }
        return (made, notes)
    }

    /// What `pass` says of every invoice the first matches of `lines` pay.
    private static func facts(
        _ pass: Postings.Pass, paidBy lines: ArraySlice<BankLine>, matches: [String: Int], recorded: [PaymentMatch]
    ) -> [ClosedYearNotes.Fact] {
        var facts: [ClosedYearNotes.Fact] = []
        var seen: Set<String> = []
        for line in lines {
            guard let first = matches[line.key] else { continue }
            for allocation in recorded[first].allocations where seen.insert(allocation.invoice).inserted {
                let known = pass.seen(allocation.invoice)
                guard known.client != nil || known.pendingVAT != nil || known.openTTC != nil else { continue }
                facts.append(
                    ClosedYearNotes.Fact(
                        invoice: allocation.invoice, client: known.client.map { (number: $0.0, label: $0.1) },
                        pendingVAT: known.pendingVAT, openTTC: known.openTTC))
            }
        }
        return facts
    }

    /// The open years' entries from `notes` (what the closed years' records left the pass with),
    /// as ``sweep(_:layout:today:all:hashing:)`` makes them; nil when the notes do not fit the
    /// snapshot (the sweep is then made).
    private static func carried(
        _ notes: ClosedYearNotes, snapshot: RunSnapshot, layout: ArchiveLayout, today: CivilDate
    ) -> YearPostings? {
        var made = YearPostings(Postings(pipeline: layout.pipeline))
        var fiscal = FiscalYears(made.pass.postings.settings)
        let issued = snapshot.issued, bank = snapshot.bank, matches = snapshot.matches
        guard notes.openBank <= bank.count, notes.matches.count == bank.count - notes.openBank,
            notes.openBank == 0 || fiscal.end(containing: bank[notes.openBank - 1].bookingDate) < today,
            notes.openBank == bank.count || fiscal.end(containing: bank[notes.openBank].bookingDate) >= today,
            notes.suspense.allSatisfy({ $0 >= 0 && $0 < notes.openBank })
        else { return nil }
        // The documents' facts are in the notes (every document is folded before the first line).
        for index in issued.indices where fiscal.end(containing: issued[index].issueDate) >= today {
            made.entries.append(made.pass.entry(of: issued[index]))
        }
        for index in notes.suspense { made.pass.restoreSuspense(bank[index]) }
        for fact in notes.facts {
            made.pass.restore(
                fact.invoice, client: fact.client.map { ($0.number, $0.label) }, pendingVAT: fact.pendingVAT,
                openTTC: fact.openTTC)
        }
        for (offset, first) in notes.matches.enumerated() {
            let line = bank[notes.openBank + offset]
            guard first == -1 || (matches.indices.contains(first) && matches[first].receipt == line.key) else {
                return nil
            }
            made.add(line, allocations: first < 0 ? nil : matches[first].allocations, today: today, post: true)
        }
        return made
    }

    /// Each receipt's first match (its index in the snapshot's matches).
    private static func matches(_ snapshot: RunSnapshot) -> [String: Int] {
        let matches = snapshot.matches
        var first = [String: Int](minimumCapacity: matches.count)
        for index in matches.indices where first[matches[index].receipt] == nil {
            first[matches[index].receipt] = index
        }
        return first
    }

    private mutating func add(_ document: InvoiceDocument, post: Bool) {
        if post { entries.append(pass.post(document)) } else { pass.note(document) }
    }

    /// A bank line booked by `today` (lines come in booking order); later ones are left out.
    private mutating func add(
        _ line: BankLine, allocations: [PaymentMatch.Allocation]?, today: CivilDate, post: Bool
    ) {
        guard line.bookingDate <= today else { return }
        guard post else { return pass.note(line, allocations: allocations) }
        let (entry, transfer) = pass.post(line, allocations: allocations)
        entries.append(entry)
        if let transfer { entries.append(transfer) }
    }
}

/// The closing date of the fiscal year of each date, the last year found kept: records come in
/// date order, so most dates fall in the year of the one before.
struct FiscalYears {
    let settings: AccountingSettings
    private var last: (start: CivilDate, end: CivilDate)?

    init(_ settings: AccountingSettings) { self.settings = settings }

    mutating func end(containing date: CivilDate) -> CivilDate {
        if let last, last.start <= date, date <= last.end { return last.end }
        let year = settings.fiscalYear(containing: date)
        last = year
        return year.end
    }
}
