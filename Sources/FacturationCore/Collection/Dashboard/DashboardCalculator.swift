/// Computes the dashboard's money figures from the issued documents and the recorded matches.
///
/// Definitions (also in the README, "Dashboard"):
/// - **Issued** (per month, per client): invoices minus credit notes, by issue date, excluding
///   and including VAT. **Paid**: receipts applied to invoices, by the receipt's booking date.
/// - **Open** on a day D: for each invoice issued by D, its total incl. VAT minus the receipts
///   booked and credit notes issued by D; only invoices that still owe something count.
/// - **DSO** at the end of a month (today for the current month):
///   open(D) / (issued incl. VAT in the three months ending with D's month) × 91 days; none when
///   nothing was issued in those three months.
/// - **Aged balance** today: what each open invoice owes, by days past its due date (not due,
///   1–30, 31–60, 61–90, over 90), per client and in total.
///
/// Only what is dated on or before the run's `today` counts, so a replay dated in the past shows
/// what that day knew.
package struct DashboardCalculator {
    package let today: CivilDate
    package let settings: DashboardSettings
    /// The first day of each month shown, oldest first, ending with today's month.
    package let monthStarts: [CivilDate]

    package init(today: CivilDate, settings: DashboardSettings) {
        self.today = today
        self.settings = settings
        let current = CivilDate(year: today.year, month: today.month, day: 1)!
        monthStarts = (0..<settings.months).map { RecurringSchedule.addMonths(current, $0 - settings.months + 1) }
    }

    /// Months counted from year 0, so month arithmetic is integer arithmetic.
    private static func absoluteMonth(_ date: CivilDate) -> Int { date.year * 12 + date.month - 1 }

    /// The position of `date`'s month among ``monthStarts``, if shown.
    private func shownMonth(_ date: CivilDate) -> Int? {
        guard let first = monthStarts.first else { return nil }
        let index = Self.absoluteMonth(date) - Self.absoluteMonth(first)
        return index >= 0 && index < monthStarts.count ? index : nil
    }

    /// The money figures (``DashboardFigures`` without time, forecast and queues).
    /// `historical`: the Oxygène register's open invoices (``OxygeneHistory``), in the open amounts
    /// and the aged balance only (not in revenue nor in the DSO: facturation did not issue them).
    /// `known`: the receivables of these records as `today` knows them, when the caller has them
    /// (the stage passes the run's, ``RunSnapshot/receivables(asOf:)``); nil: built here.
    package func figures(
        issued: [InvoiceDocument], matches: [PaymentMatch], historical: [OxygeneHistory.Invoice] = [],
        receivables known: Receivables? = nil
    ) throws -> DashboardFigures {
        // No copy of every document when all were issued by today (every run but a replay of the past).
        let documents =
            issued.indices.allSatisfy { issued[$0].issueDate <= today }
            ? issued : issued.filter { $0.issueDate <= today }
        let applied = matches.filter { $0.bookingDate <= today }
        let receivables = known ?? Self.receivables(documents, applied, historical: historical, today: today)
        let items = receivables.rows
        var figures = DashboardFigures(today: today)
        figures.months = try revenue(documents, applied)
        figures.clients = try clients(documents, applied, items: items)
        figures.dso = try dso(documents, items: items.filter { !$0.fromRegister })
        (figures.aged, figures.agedTotal) = try aged(items)
        figures.agedFromRegisterMinor = try Checked.sum(
            items.filter { $0.fromRegister && $0.openMinor > 0 }.map(\.openMinor), "aged balance")
        return figures
    }

    /// The receivables of `documents` and `applied` (already limited to `today`).
    private static func receivables(
        _ documents: [InvoiceDocument], _ applied: [PaymentMatch], historical: [OxygeneHistory.Invoice],
        today: CivilDate
    ) -> Receivables {
        var receivables = Receivables(
            issued: documents, historical: historical.filter { $0.document.issueDate <= today })
        for match in applied { receivables.apply(match) }
        return receivables
    }

    /// A document's amounts with their sign: a credit note takes back what its invoice gave.
    private static func signed(_ document: InvoiceDocument) -> (exclVAT: Int64, inclVAT: Int64) {
        let sign: Int64 = document.kind == .creditNote ? -1 : 1
        return (sign * document.totals.taxBasisTotalMinor, sign * document.totals.grandTotalMinor)
    }

    private func revenue(_ documents: [InvoiceDocument], _ matches: [PaymentMatch]) throws -> [DashboardFigures.Month] {
        var months = monthStarts.map { DashboardFigures.Month(month: $0) }
        for document in documents {
            guard let index = shownMonth(document.issueDate) else { continue }
            let amounts = Self.signed(document)
            months[index].issuedExclVATMinor = try Checked.add(
                months[index].issuedExclVATMinor, amounts.exclVAT, "revenue of \(document.issueDate.monthKey)")
            months[index].issuedInclVATMinor = try Checked.add(
                months[index].issuedInclVATMinor, amounts.inclVAT, "revenue of \(document.issueDate.monthKey)")
        }
        for match in matches {
            guard let index = shownMonth(match.bookingDate) else { continue }
            let paid = try Checked.sum(match.allocations.map(\.amountMinor), "receipt \(match.receipt)")
            months[index].paidMinor = try Checked.add(
                months[index].paidMinor, paid, "receipts of \(match.bookingDate.monthKey)")
        }
        return months
    }

    private func clients(
        _ documents: [InvoiceDocument], _ matches: [PaymentMatch], items: [Receivables.Line]
    ) throws -> [DashboardFigures.Client] {
        var byCode: [String: DashboardFigures.Client] = [:]
        var clientOf: [String: String] = [:]
        func touch(_ code: String, _ name: String) {
            if byCode[code] == nil { byCode[code] = .init(code: code, name: name) }
        }
        for document in documents {
            if document.kind == .invoice { clientOf[document.number] = document.clientCode }
            guard shownMonth(document.issueDate) != nil else { continue }
            touch(document.clientCode, document.buyer.name)
            try byCode[document.clientCode]!.issuedInclVATMinor.add(Self.signed(document).inclVAT, "client totals")
        }
        for match in matches where shownMonth(match.bookingDate) != nil {
            for allocation in match.allocations {
                guard let code = clientOf[allocation.invoice], byCode[code] != nil else { continue }
                try byCode[code]!.paidMinor.add(allocation.amountMinor, "client receipts")
            }
        }
        for item in items where item.openMinor > 0 {
            touch(item.clientCode, item.buyerName)
            try byCode[item.clientCode]!.openMinor.add(item.openMinor, "client open amounts")
        }
        let sorted = byCode.values.sorted {
            ($0.issuedInclVATMinor, $0.openMinor, $1.code) > ($1.issuedInclVATMinor, $1.openMinor, $0.code)
        }
        return Array(sorted.prefix(settings.topClients))
    }

    private func dso(_ documents: [InvoiceDocument], items: [Receivables.Line]) throws -> [DashboardFigures.DSO] {
        var issuedByMonth: [Int: Int64] = [:]
        for document in documents {
            try issuedByMonth[Self.absoluteMonth(document.issueDate), default: 0].add(
                Self.signed(document).inclVAT, "monthly revenue")
        }
        // Non-decreasing: the month ends in order, the last one cut at today.
        let asOf = monthStarts.map { start in
            min(
                CivilDate(
                    year: start.year, month: start.month,
                    day: CivilDate.daysInMonth(year: start.year, month: start.month))!, today)
        }
        let open = try openAmounts(items, asOf: asOf)
        return try monthStarts.indices.map { index in
            let month = Self.absoluteMonth(monthStarts[index])
            let revenue = try Checked.sum(
                (month - 2...month).map { issuedByMonth[$0] ?? 0 }, "revenue of three months")
            return DashboardFigures.DSO(
                month: monthStarts[index], asOf: asOf[index], openMinor: open[index], revenueMinor: revenue,
                tenthsOfDays: try Self.tenthsOfDays(open: open[index], revenue: revenue))
        }
    }

    /// What the invoices issued by each day of `asOf` (non-decreasing) still owed on it: each
    /// invoice's total minus the amounts applied by that day, when positive.
    ///
    /// Why not each day through every invoice (issue #9): that went through the invoices of all
    /// history once per month shown (12 × 12,000 at 10 years, 19 ms of a full pass). An invoice
    /// whose every applied amount is dated by the first day it counts on owes the same on each
    /// later day, so it is gone through once; only the others (paid after that day) are gone
    /// through per day.
    private func openAmounts(_ items: [Receivables.Line], asOf: [CivilDate]) throws -> [Int64] {
        var open = [Int64](repeating: 0, count: asOf.count)
        for item in items {
            let issueDate = item.issueDate
            guard let first = asOf.firstIndex(where: { issueDate <= $0 }) else { continue }
            let applied = item.applied
            if applied.allSatisfy({ $0.date <= asOf[first] }) {
                let reduced = try Checked.sum(applied.lazy.map(\.amountMinor), "receipts")
                let owed = try Checked.subtract(item.totalMinor, reduced, "open amount")
                guard owed > 0 else { continue }
                for index in first..<asOf.count { try open[index].add(owed, "open receivables") }
                continue
            }
            for index in first..<asOf.count {
                let day = asOf[index]
                let reduced = try Checked.sum(applied.lazy.filter { $0.date <= day }.map(\.amountMinor), "receipts")
                let owed = try Checked.subtract(item.totalMinor, reduced, "open amount")
                if owed > 0 { try open[index].add(owed, "open receivables") }
            }
        }
        return open
    }

    /// open / revenue × 91 days, in tenths of a day, rounded half up; nil without revenue.
    package static func tenthsOfDays(open: Int64, revenue: Int64) throws -> Int64? {
        guard revenue > 0 else { return nil }
        let scaled = try Checked.multiply(open, 910, "DSO")
        return (try Checked.add(scaled, revenue / 2, "DSO")) / revenue
    }

    private func aged(_ items: [Receivables.Line]) throws -> ([DashboardFigures.AgedRow], DashboardFigures.AgedRow) {
        var rows: [String: DashboardFigures.AgedRow] = [:]
        var total = DashboardFigures.AgedRow(code: "", name: "TOTAL")
        for item in items where item.openMinor > 0 {
            let bucket = DashboardFigures.AgeBucket(daysLate: today.daysSinceEpoch - item.dueDate.daysSinceEpoch)
            var row = rows[item.clientCode] ?? .init(code: item.clientCode, name: item.buyerName)
            try row.bucketsMinor[bucket.rawValue].add(item.openMinor, "aged balance")
            try total.bucketsMinor[bucket.rawValue].add(item.openMinor, "aged balance")
            rows[item.clientCode] = row
        }
        // Every bucket is positive: when the grand total is exact, so is each row's total.
        _ = try Checked.sum(total.bucketsMinor, "aged balance total")
        return (rows.keys.sorted().compactMap { rows[$0] }, total)
    }
}

extension Int64 {
    /// Adds `value` in place, throwing ``ArithmeticOverflow`` (about `operation`) instead of trapping.
    fileprivate mutating func add(_ value: Int64, _ operation: String) throws {
        self = try Checked.add(self, value, operation)
    }
}
