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
        return (sweep(snapshot, layout: layout, today: today, all: true, hashing: identities), identities)
    }

    /// The entries of the years ``FECPublisher/monthly()`` renders: the open years, and the closed
    /// ones ``ClosedYears`` finds must be rendered.
    static func forMonthly(
        _ snapshot: RunSnapshot, layout: ArchiveLayout, today: CivilDate
    ) throws -> (postings: YearPostings, years: ClosedYears) {
        guard let firstMonth = layout.pipeline.firstMonth else {
            return (sweep(snapshot, layout: layout, today: today, all: false, hashing: nil), ClosedYears())
        }
        let checkpoints = ClosedYears.checkpoints(layout, firstMonth: firstMonth, today: today)
        guard !checkpoints.isEmpty else {
            return (sweep(snapshot, layout: layout, today: today, all: false, hashing: nil), ClosedYears())
        }
        let sources = try ClosedYearFEC.Sources(snapshot, layout: layout, firstMonth: firstMonth)
        // The inputs are hashed unless every closed year's checkpoint recorded the files as they
        // are now (``ClosedYearFEC/Sources``).
        let identities =
            checkpoints.allSatisfy { $0.checkpoint?.sources == sources.key }
            ? nil : ClosedYearFEC.Inputs(layout: layout, firstMonth: firstMonth)
        let made = sweep(snapshot, layout: layout, today: today, all: false, hashing: identities)
        let years = try ClosedYears(
            identities, checkpoints: checkpoints, sources: sources.recordable, layout: layout)
        guard !years.rendered.isEmpty else { return (made, years) }
        // A rendered closed year's receipts need the facts as they were when each was booked:
        // from the start again (the open years' entries made by the sweep are dropped).
        var fiscal = FiscalYears(made.pass.postings.settings)
        var again = YearPostings(made.pass.postings)
        let posted = { (closing: CivilDate) in closing >= today || years.rendered.contains(closing) }
        let issued = snapshot.issued
        again.pass.reserve(documents: issued.count)
        for index in issued.indices {
            again.add(issued[index], post: posted(fiscal.end(containing: issued[index].issueDate)))
        }
        let matches = Self.matches(snapshot)
        for line in snapshot.bank {
            again.add(
                line, allocations: matches[line.key], today: today,
                post: posted(fiscal.end(containing: line.bookingDate)))
        }
        return (again, years)
    }

    /// Every record, in the order of posting (documents in issue order, then bank lines in booking
    /// order): the closed years' hashed into `identities` (when given), and posted when `all`,
    /// else noted.
    private static func sweep(
        _ snapshot: RunSnapshot, layout: ArchiveLayout, today: CivilDate, all: Bool,
        hashing identities: ClosedYearFEC.Inputs?
    ) -> YearPostings {
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
        let matches = Self.matches(snapshot)
        for index in bank.indices {
            let closing = fiscal.end(containing: bank[index].bookingDate)
            let allocations = matches[bank[index].key]
            if closing < today {
                identities?.add(bank[index], allocations: allocations, closing: closing, pass: made.pass)
            }
            made.add(bank[index], allocations: allocations, today: today, post: all || closing >= today)
        }
        return made
    }

    /// Each receipt's allocations (its first match).
    private static func matches(_ snapshot: RunSnapshot) -> [String: [PaymentMatch.Allocation]] {
        let matches = snapshot.matches
        var allocations = [String: [PaymentMatch.Allocation]](minimumCapacity: matches.count)
        for index in matches.indices where allocations[matches[index].receipt] == nil {
            allocations[matches[index].receipt] = matches[index].allocations
        }
        return allocations
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
