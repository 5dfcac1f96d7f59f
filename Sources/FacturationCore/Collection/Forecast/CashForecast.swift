/// The cash-flow forecast of one pipeline on one day: the balance of each of the next days, what
/// comes in and goes out, and the alert (``PipelineRun/forecast``, read by the digest and the
/// dashboard).
package struct CashForecast: Sendable, Equatable {
    /// One day of the forecast.
    package struct Day: Sendable, Equatable {
        package var date: CivilDate
        /// Money expected in on that day (positive), and out (positive), in minor units.
        package var receiptsMinor: Int64
        package var paymentsMinor: Int64
        /// The balance at the end of the day.
        package var balanceMinor: Int64
    }

    /// One expected movement: an invoice or a contract paid, an expense.
    package struct Flow: Sendable, Equatable {
        package enum Kind: String, Sendable, Equatable {
            /// An issued invoice still open.
            case invoice
            /// A contract's fee not invoiced yet.
            case contract
            /// A recurring expense detected in the bank history.
            case detectedExpense = "detected-expense"
            /// An expense of `[[forecast.expenses]]`.
            case knownExpense = "known-expense"
        }
        package var date: CivilDate
        package var kind: Kind
        /// Positive in, negative out.
        package var amountMinor: Int64
        /// What it is: invoice number, contract id and period, counterparty.
        package var label: String
        /// The client, for receipts.
        package var clientCode: String?
    }

    /// The run's day: the balance below is at its end.
    package var today: CivilDate
    package var openingBalanceMinor: Int64
    /// False when no `[forecast] opening_balance` is configured: balances are sums from zero.
    package var balanceIsAbsolute: Bool
    /// The next `horizon` days, from tomorrow.
    package var days: [Day]
    package var flows: [Flow]
    package var thresholdMinor: Int64
    /// The first day whose balance is below the threshold, today included (only for an absolute balance).
    package var firstDayBelow: CivilDate?
    /// The lowest balance of the horizon, and its first day.
    package var lowest: (date: CivilDate, balanceMinor: Int64)

    package static func == (lhs: CashForecast, rhs: CashForecast) -> Bool {
        lhs.today == rhs.today && lhs.openingBalanceMinor == rhs.openingBalanceMinor
            && lhs.balanceIsAbsolute == rhs.balanceIsAbsolute && lhs.days == rhs.days && lhs.flows == rhs.flows
            && lhs.thresholdMinor == rhs.thresholdMinor && lhs.firstDayBelow == rhs.firstDayBelow
            && lhs.lowest == rhs.lowest
    }

    /// The balance at the end of `today + offset` days (offset 0 = today's balance).
    package func balance(after offset: Int) -> Int64? {
        if offset == 0 { return openingBalanceMinor }
        return offset <= days.count ? days[offset - 1].balanceMinor : nil
    }

    /// The projected balance goes below the threshold within the horizon.
    package var isAlert: Bool { firstDayBelow != nil }

    /// Lays `flows` on the days after `today` (flows outside the horizon are dropped).
    package init(
        today: CivilDate, openingBalanceMinor: Int64, balanceIsAbsolute: Bool, horizon: Int, flows: [Flow],
        thresholdMinor: Int64
    ) throws(ArithmeticOverflow) {
        self.today = today
        self.openingBalanceMinor = openingBalanceMinor
        self.balanceIsAbsolute = balanceIsAbsolute
        self.thresholdMinor = thresholdMinor
        let last = today.adding(days: horizon)
        self.flows = flows.filter { $0.date > today && $0.date <= last }.sorted {
            ($0.date, $0.kind.rawValue, $0.label) < ($1.date, $1.kind.rawValue, $1.label)
        }
        var days = (1...horizon).map {
            Day(date: today.adding(days: $0), receiptsMinor: 0, paymentsMinor: 0, balanceMinor: 0)
        }
        for flow in self.flows {
            let index = Int(flow.date.daysSinceEpoch - today.daysSinceEpoch) - 1
            if flow.amountMinor >= 0 {
                days[index].receiptsMinor = try Checked.add(
                    days[index].receiptsMinor, flow.amountMinor, "receipts of \(flow.date)")
            } else {
                days[index].paymentsMinor = try Checked.subtract(
                    days[index].paymentsMinor, flow.amountMinor, "payments of \(flow.date)")
            }
        }
        var balance = openingBalanceMinor
        var lowest = (date: today, balanceMinor: openingBalanceMinor)
        var firstBelow: CivilDate? = balanceIsAbsolute && openingBalanceMinor < thresholdMinor ? today : nil
        for index in days.indices {
            balance = try Checked.add(balance, days[index].receiptsMinor, "forecast balance")
            balance = try Checked.subtract(balance, days[index].paymentsMinor, "forecast balance")
            days[index].balanceMinor = balance
            if balance < lowest.balanceMinor { lowest = (days[index].date, balance) }
            if balanceIsAbsolute, firstBelow == nil, balance < thresholdMinor { firstBelow = days[index].date }
        }
        self.days = days
        self.lowest = lowest
        firstDayBelow = firstBelow
    }
}
