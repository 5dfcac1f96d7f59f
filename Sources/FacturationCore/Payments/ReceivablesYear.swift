/// What one closed year leaves of the receivables (issue #9, step 1; README "Benchmark results"):
/// its invoices as on 31 December, folded from its documents and the matches booked by then, kept
/// on disk by ``ReceivablesYearSummary`` and continued by ``Receivables/init(closed:open:matches:documents:)``
/// with what came later.
///
/// The receivables apply every credit note (in issue order) before any match (oldest first), and
/// the invoice states print `applied` in that order, so each invoice keeps its credits first and
/// counts them (``Invoice/creditCount``): continued with the later credit notes (inserted after its
/// own) and matches (appended), it gives the `applied` the records give, in the same order
/// (``ReceivablesYearTests``).
package struct ReceivablesYear: Equatable, Sendable {
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
        /// Credit notes naming it (issue order), then the allocations of the matches naming it
        /// (oldest receipt first): kept as the receivables' own array, so that a settled row takes
        /// it as it is (no copy per invoice).
        package var applied: [Receivables.Applied] = []
        /// How many of `applied` are credit notes.
        package var creditCount = 0

        package static func == (lhs: Self, rhs: Self) -> Bool {
            (lhs.number, lhs.totalMinor, lhs.clientCode, lhs.buyerName) == (
                rhs.number, rhs.totalMinor, rhs.clientCode, rhs.buyerName
            )
                && (lhs.issueDate, lhs.dueDate, lhs.creditCount) == (rhs.issueDate, rhs.dueDate, rhs.creditCount)
                && ReceivablesYear.same(lhs.applied, rhs.applied)
        }
    }

    /// A credit note of the year that names an invoice of another year.
    package struct ForeignCredit: Equatable, Sendable {
        package var invoice: String
        package var credit: Receivables.Applied

        package static func == (lhs: Self, rhs: Self) -> Bool {
            lhs.invoice == rhs.invoice && ReceivablesYear.same([lhs.credit], [rhs.credit])
        }
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
            let credit = (note.issueDate, note.totals.grandTotalMinor, note.number)
            if let at = position[named] {
                invoices[at].applied.append(credit)
                invoices[at].creditCount += 1
            } else {
                foreignCredits.append(ForeignCredit(invoice: named, credit: credit))
            }
        }
        let end = CivilDate(year: year, month: 12, day: 31)!
        for match in matches where match.bookingDate <= end {
            for allocation in match.allocations {
                guard let at = position[allocation.invoice] else { continue }
                invoices[at].applied.append((match.bookingDate, allocation.amountMinor, match.receipt))
            }
        }
    }

    /// Whether two lists of applied amounts are the same (tuples are not `Equatable`).
    static func same(_ lhs: [Receivables.Applied], _ rhs: [Receivables.Applied]) -> Bool {
        lhs.count == rhs.count
            && zip(lhs, rhs).allSatisfy {
                $0.date == $1.date && $0.amountMinor == $1.amountMinor && $0.source == $1.source
            }
    }
}
