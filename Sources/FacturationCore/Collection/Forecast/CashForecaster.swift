/// Makes a pipeline's forecast on one day from the archive's records as read (the stage passes
/// the run snapshot's; the backtest passes a generated history), using only what is known on that
/// day: invoices issued, receipts matched and bank lines booked by then.
package struct CashForecaster {
    package var pipeline: PipelineConfig
    package var today: CivilDate
    package var settings: ForecastSettings

    package init(pipeline: PipelineConfig, today: CivilDate) {
        self.pipeline = pipeline
        self.today = today
        settings = pipeline.forecast ?? ForecastSettings()
    }

    /// `historical`: the Oxygène register's open invoices (``OxygeneHistory``), expected like ours.
    /// `known`: the receivables of these records as `today` knows them, when the caller has them
    /// (the stage passes the run's, ``RunSnapshot/receivables(asOf:)``); nil: built here.
    package func forecast(
        issued allIssued: [InvoiceDocument], matches: [PaymentMatch], bank allBank: [BankLine],
        historical: [OxygeneHistory.Invoice] = [], receivables known: Receivables? = nil
    ) throws(ArithmeticOverflow) -> (CashForecast, [RecurringExpenses.Detected]) {
        // No copy of every document when all were issued by today (every run but a replay of the past).
        let issued =
            allIssued.indices.allSatisfy { allIssued[$0].issueDate <= today }
            ? allIssued : allIssued.filter { $0.issueDate <= today }
        let bank = allBank.filter { $0.bookingDate <= today }
        let receivables = known ?? receivables(issued: issued, matches: matches, historical: historical)
        let creditNotes = Set(issued.filter { $0.kind == .creditNote }.map(\.number))
        let delays = PaymentDelays(
            receivables: receivables, creditNotes: creditNotes, today: today, defaultDays: settings.defaultDelayDays)
        let expected = ExpectedReceipts(delays: delays, today: today, horizon: settings.horizonDays)
        var flows = expected.openInvoices(receivables)
        if let invoicing = pipeline.invoicing {
            flows += try expected.contracts(invoicing, clients: pipeline.clients, issued: issued)
        }
        let detected = RecurringExpenses.detect(in: bank, today: today, ignore: settings.ignore)
        flows += RecurringExpenses.flows(
            detected: detected, known: settings.expenses, today: today, horizon: settings.horizonDays)
        let forecast = try CashForecast(
            today: today, openingBalanceMinor: try balanceToday(allBank), balanceIsAbsolute: settings.opening != nil,
            horizon: settings.horizonDays, flows: flows, thresholdMinor: settings.alertBelowMinor)
        return (forecast, detected)
    }

    /// The receivables of `issued` (already limited to today) as `today` knows them.
    private func receivables(
        issued: [InvoiceDocument], matches: [PaymentMatch], historical: [OxygeneHistory.Invoice]
    ) -> Receivables {
        var receivables = Receivables(issued: issued, historical: historical.filter { $0.document.issueDate <= today })
        for match in matches where match.bookingDate <= today { receivables.apply(match) }
        return receivables
    }

    /// The balance at the end of today: the configured opening balance moved by the bank lines
    /// booked between its day and today; without one, the sum of every line booked by today.
    package func balanceToday(_ bank: [BankLine]) throws(ArithmeticOverflow) -> Int64 {
        guard let opening = settings.opening else {
            return try Checked.sum(bank.lazy.filter { $0.bookingDate <= today }.map(\.amountMinor), "bank balance")
        }
        if today >= opening.date {
            let moved = bank.lazy.filter { $0.bookingDate > opening.date && $0.bookingDate <= today }
            return try Checked.add(
                opening.balanceMinor, try Checked.sum(moved.map(\.amountMinor), "bank balance"), "bank balance")
        }
        // A replay dated before the opening balance's day: the lines booked in between are taken back.
        let moved = bank.lazy.filter { $0.bookingDate > today && $0.bookingDate <= opening.date }
        return try Checked.subtract(
            opening.balanceMinor, try Checked.sum(moved.map(\.amountMinor), "bank balance"), "bank balance")
    }
}
