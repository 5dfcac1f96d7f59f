/// What clients are expected to pay in the horizon: open invoices, and the contracts' fees not
/// invoiced yet, each at its due date moved by the client's observed delay.
package struct ExpectedReceipts {
    /// Each client's observed payment delay, in days (``PaymentDelays``).
    package var delays: PaymentDelays
    package var today: CivilDate
    package var horizon: Int

    package init(delays: PaymentDelays, today: CivilDate, horizon: Int) {
        self.delays = delays
        self.today = today
        self.horizon = horizon
    }

    /// The day an amount due on `due` is expected from `client`: due + the client's delay; when that
    /// day is already past (an overdue invoice), today + the delay (at least tomorrow).
    package func expectedDate(due: CivilDate, client: String) -> CivilDate {
        let delay = delays.delay(of: client)
        let expected = due.adding(days: delay)
        if expected > today { return expected }
        return today.adding(days: max(delay, 1))
    }

    /// Every open invoice (something left to pay), for what is left to pay.
    package func openInvoices(_ receivables: Receivables) -> [CashForecast.Flow] {
        receivables.open(on: today).map { item in
            CashForecast.Flow(
                date: expectedDate(due: item.document.dueDate, client: item.document.clientCode), kind: .invoice,
                amountMinor: item.openMinor,
                label: item.fromRegister ? "\(item.document.number) (registre Oxygène)" : item.document.number,
                clientCode: item.document.clientCode)
        }
    }

    /// The contracts' periods billed after today (within the horizon) and not issued yet, incl. VAT,
    /// at their due date (the client's terms) moved by the client's delay. A period billed on or
    /// before today and not issued (a draft waiting for approval) is not counted: it may be refused.
    package func contracts(
        _ settings: InvoicingSettings, clients: [PipelineConfig.Client], issued: [InvoiceDocument]
    ) throws(ArithmeticOverflow) -> [CashForecast.Flow] {
        let billing = Dictionary(clients.compactMap { client in client.billing.map { (client.code, $0) } }) { a, _ in a
        }
        let issuedIDs = Set(issued.map(\.origin.draftID))
        let from = max(today.adding(days: 1), settings.start)
        let last = today.adding(days: horizon)
        var flows: [CashForecast.Flow] = []
        guard from <= last else { return [] }
        for contract in settings.contracts {
            guard let terms = billing[contract.clientCode] else { continue }
            for period in RecurringSchedule.duePeriods(of: contract, from: from, today: last) {
                guard !issuedIDs.contains(RecurringSchedule.draftID(contract: contract, period: period)) else {
                    continue
                }
                let vat = InvoiceTotals.roundHalfUp(
                    try Checked.multiply(
                        contract.amountMinor, Int64(terms.vatRateBasisPoints), "VAT of \(contract.id)"),
                    divisor: 10_000)
                let total = try Checked.add(contract.amountMinor, vat, "total of \(contract.id)")
                let due = terms.paymentTerms.dueDate(issuedOn: period.billingDate)
                let date = expectedDate(due: due, client: contract.clientCode)
                guard date <= last else { continue }
                flows.append(
                    CashForecast.Flow(
                        date: date, kind: .contract,
                        amountMinor: total, label: "\(contract.id) \(period.key)", clientCode: contract.clientCode))
            }
        }
        return flows
    }
}

/// Each client's observed payment delay: the median of (day it was settled − due date) over its
/// invoices paid in full by bank receipts up to today, in days (negative: it pays early).
///
/// With an even number of invoices, the lower of the two middle values (the median is a day that
/// happened). Invoices settled by a credit note (even in part) say nothing of how a client pays and
/// are left out. A client with no such invoice gets `defaultDays` (`[forecast] default_delay_days`).
package struct PaymentDelays: Sendable {
    package private(set) var byClient: [String: Int] = [:]
    /// How many paid invoices each median is taken over.
    package private(set) var counts: [String: Int] = [:]
    package var defaultDays: Int

    package init(receivables: Receivables, creditNotes: Set<String>, today: CivilDate, defaultDays: Int) {
        self.defaultDays = defaultDays
        var delays: [String: [Int]] = [:]
        for item in receivables.rows {
            // A register invoice's due date is a guess and its settlement in Oxygène has no date.
            guard !item.fromRegister, let settled = item.settledOn,
                settled <= today,
                !item.applied.contains(where: { creditNotes.contains($0.source) })
            else { continue }
            let days = Int(settled.daysSinceEpoch - item.dueDate.daysSinceEpoch)
            delays[item.clientCode, default: []].append(days)
        }
        for (client, values) in delays {
            byClient[client] = Self.median(values)
            counts[client] = values.count
        }
    }

    package init(byClient: [String: Int], defaultDays: Int) {
        self.byClient = byClient
        self.defaultDays = defaultDays
    }

    package func delay(of client: String) -> Int { byClient[client] ?? defaultDays }

    /// The lower median of `values` (not empty).
    package static func median(_ values: [Int]) -> Int {
        let sorted = values.sorted()
        return sorted[(sorted.count - 1) / 2]
    }
}
