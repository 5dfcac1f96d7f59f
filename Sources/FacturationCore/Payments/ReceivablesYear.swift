/// What one closed year leaves of the receivables (issue #9, step 1; README "Benchmark results"):
/// its invoices as on 31 December, folded from its documents and the matches booked by then, kept
/// on disk by ``ReceivablesYearSummary`` and continued by ``Receivables/init(closed:open:matches:documents:)``
/// with what came later.
///
/// The receivables apply every credit note (in issue order) before any match (oldest first), and
/// the invoice states print `applied` in that order, so a year keeps its credits and its matches
/// apart; continued with the later credit notes and matches, they give each invoice the `applied`
/// the records give, in the same order (``ReceivablesYearTests``).
package struct ReceivablesYear: Equatable, Sendable {
    package struct Applied: Equatable, Sendable {
        package var date: CivilDate
        package var amountMinor: Int64
        package var source: String
    }

    /// One invoice of the year as on 31 December (a ``ReceivableLine``: open amount zero, it stays a
    /// settled row of the receivables; anything else, it is live).
    package struct Invoice: Equatable, Sendable {
        package var number: String
        package var totalMinor: Int64
        /// What the readers that list every invoice print of a settled one (invoice states, payment
        /// delays, DSO), so that they need not load its document.
        package var clientCode: String
        package var buyerName: String
        package var issueDate: CivilDate
        package var dueDate: CivilDate
        /// Credit notes naming it, in issue order.
        package var credits: [Applied] = []
        /// Allocations of the matches naming it, oldest receipt first.
        package var matches: [Applied] = []
    }

    /// A credit note of the year that names an invoice of another year.
    package struct ForeignCredit: Equatable, Sendable {
        package var invoice: String
        package var credit: Applied
    }

    package var year: Int
    /// The year's invoices in issue order (date, number).
    package var invoices: [Invoice]
    package var foreignCredits: [ForeignCredit]

    package init(year: Int, invoices: [Invoice], foreignCredits: [ForeignCredit]) {
        self.year = year
        self.invoices = invoices
        self.foreignCredits = foreignCredits
    }

    /// `documents`: the year's records in issue order; `matches`: every match, oldest first. Nil
    /// when a number is issued twice in the year (such a year is read from its records).
    package init?(year: Int, documents: [InvoiceDocument], matches: [PaymentMatch]) {
        self.year = year
        invoices = []
        foreignCredits = []
        var position: [String: Int] = [:]
        for index in documents.indices where documents[index].kind == .invoice {
            let document = documents[index]
            guard position.updateValue(invoices.count, forKey: document.number) == nil else { return nil }
            invoices.append(
                Invoice(
                    number: document.number, totalMinor: document.totals.grandTotalMinor,
                    clientCode: document.clientCode, buyerName: document.buyer.name, issueDate: document.issueDate,
                    dueDate: document.dueDate))
        }
        for index in documents.indices where documents[index].kind == .creditNote {
            let note = documents[index]
            guard let named = note.precedingInvoice?.number else { continue }
            let credit = Applied(date: note.issueDate, amountMinor: note.totals.grandTotalMinor, source: note.number)
            if let at = position[named] {
                invoices[at].credits.append(credit)
            } else {
                foreignCredits.append(ForeignCredit(invoice: named, credit: credit))
            }
        }
        let end = CivilDate(year: year, month: 12, day: 31)!
        for match in matches where match.bookingDate <= end {
            for allocation in match.allocations {
                guard let at = position[allocation.invoice] else { continue }
                invoices[at].matches.append(
                    Applied(date: match.bookingDate, amountMinor: allocation.amountMinor, source: match.receipt))
            }
        }
    }

    /// Every invoice's applied amounts, as the records' receivables give them: the closed `years`
    /// (ascending) from their summaries, the `open` documents (the years after, in issue order) and
    /// the matches booked after each closed year's end. Nil when a number is issued in two years.
    package static func applied(
        closed years: [ReceivablesYear], open documents: [InvoiceDocument], matches: [PaymentMatch]
    ) -> [String: [Applied]]? {
        var credits: [String: [Applied]] = [:]
        var matched: [String: [Applied]] = [:]
        var yearOf: [String: Int] = [:]
        for year in years {
            for invoice in year.invoices {
                guard yearOf.updateValue(year.year, forKey: invoice.number) == nil else { return nil }
                matched[invoice.number] = invoice.matches
            }
        }
        for document in documents where document.kind == .invoice {
            guard yearOf.updateValue(Int.max, forKey: document.number) == nil else { return nil }
            matched[document.number] = []
        }
        // Credit notes in issue order: each year's own and foreign ones, then the open years' notes.
        for year in years {
            for invoice in year.invoices { credits[invoice.number, default: []] += invoice.credits }
            for foreign in year.foreignCredits where yearOf[foreign.invoice] != nil {
                credits[foreign.invoice, default: []].append(foreign.credit)
            }
        }
        for note in documents where note.kind == .creditNote {
            guard let named = note.precedingInvoice?.number, yearOf[named] != nil else { continue }
            credits[named, default: []].append(
                Applied(date: note.issueDate, amountMinor: note.totals.grandTotalMinor, source: note.number))
        }
        // Matches booked after the year of the invoice they name (those before are in its summary).
        for match in matches {
            for allocation in match.allocations {
                guard let year = yearOf[allocation.invoice] else { continue }
                guard year == Int.max || match.bookingDate.year > year else { continue }
                matched[allocation.invoice, default: []].append(
                    Applied(date: match.bookingDate, amountMinor: allocation.amountMinor, source: match.receipt))
            }
        }
        return matched.reduce(into: [:]) { result, entry in result[entry.key] = (credits[entry.key] ?? []) + entry.value
        }
    }
}
