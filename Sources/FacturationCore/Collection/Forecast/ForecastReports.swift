/// The files of `outbox/tresorerie/`: the daily forecast, its summary, the expected flows and the
/// recurring expenses (CSV, and XLSX for people), and the chart (``ForecastChart``).
package enum ForecastReports {
    private static let euros = ReportTable.Kind.money(currency: "EUR")

    /// `tresorerie/prevision.csv`: one row per day of the horizon.
    package static func dailyTable(_ forecast: CashForecast) -> ReportTable {
        var table = ReportTable(
            sheetName: "Prévision de trésorerie",
            columns: [
                .init("date", "Date", .date), .init("receipts", "Encaissements", euros),
                .init("payments", "Décaissements", euros), .init("balance", "Solde", euros),
            ], asOf: forecast.today)
        for day in forecast.days {
            table.append([
                .date(day.date), .money(day.receiptsMinor), .money(day.paymentsMinor), .money(day.balanceMinor),
            ])
        }
        return table
    }

    /// `tresorerie/prevision-resume.csv`: today's balance, at 30/60/90 days, the lowest, the alert.
    package static func summaryTable(_ forecast: CashForecast) -> ReportTable {
        var table = ReportTable(
            sheetName: "Résumé",
            columns: [
                .init("indicator", "Indicateur"), .init("label", "Libellé"), .init("date", "Date", .date),
                .init("amount", "Montant", euros), .init("note", "Note"),
            ], asOf: forecast.today)
        let kind =
            forecast.balanceIsAbsolute
            ? "solde bancaire" : "solde relatif (sans opening_balance : somme des opérations)"
        table.append([
            .text("balance_today"), .text("Solde aujourd'hui"), .date(forecast.today),
            .money(forecast.openingBalanceMinor), .text(kind),
        ])
        for offset in [30, 60, 90] where offset <= forecast.days.count {
            let day = forecast.days[offset - 1]
            table.append([
                .text("balance_\(offset)"), .text("Solde à \(offset) jours"), .date(day.date), .money(day.balanceMinor),
                .empty,
            ])
        }
        table.append([
            .text("lowest_balance"), .text("Solde le plus bas"), .date(forecast.lowest.date),
            .money(forecast.lowest.balanceMinor), .empty,
        ])
        table.append([.text("alert_below"), .text("Seuil d'alerte"), .empty, .money(forecast.thresholdMinor), .empty])
        let alert: ReportTable.Cell =
            forecast.balanceIsAbsolute
            ? .text(forecast.isAlert ? "ALERTE : le solde passe sous le seuil" : "pas d'alerte")
            : .text("pas d'alerte sur un solde relatif")
        table.append([
            .text("first_day_below"), .text("Premier jour sous le seuil"),
            forecast.firstDayBelow.map { .date($0) } ?? .empty, .empty, alert,
        ])
        return table
    }

    /// `tresorerie/flux-prevus.csv`: every expected movement, by date.
    package static func flowsTable(_ forecast: CashForecast) -> ReportTable {
        var table = ReportTable(
            sheetName: "Flux prévus",
            columns: [
                .init("date", "Date", .date), .init("kind", "Nature"), .init("label", "Libellé"),
                .init("client_code", "Code client"), .init("amount", "Montant", euros),
            ], asOf: forecast.today)
        for flow in forecast.flows {
            table.append([
                .date(flow.date), .text(kindLabel(flow.kind)), ReportTable.text(flow.label),
                ReportTable.text(flow.clientCode ?? ""), .money(flow.amountMinor),
            ])
        }
        return table
    }

    private static func kindLabel(_ kind: CashForecast.Flow.Kind) -> String {
        switch kind {
        case .invoice: "facture ouverte"
        case .contract: "contrat à facturer"
        case .detectedExpense: "dépense récurrente détectée"
        case .knownExpense: "dépense connue"
        }
    }

    /// `tresorerie/depenses-recurrentes.csv`: what was detected (and ignored), and the known expenses.
    package static func expensesTable(
        detected: [RecurringExpenses.Detected], known: [ForecastSettings.KnownExpense], today: CivilDate
    ) -> ReportTable {
        var table = ReportTable(
            sheetName: "Dépenses récurrentes",
            columns: [
                .init("counterparty", "Contrepartie"), .init("amount", "Montant", euros),
                .init("day", "Jour du mois", .integer), .init("frequency", "Fréquence"),
                .init("last_seen", "Dernière fois", .date), .init("occurrences", "Occurrences", .integer),
                .init("source", "Origine"),
            ], asOf: today)
        for expense in detected {
            table.append([
                ReportTable.text(expense.counterparty), .money(expense.amountMinor), .integer(Int64(expense.day)),
                .text("monthly"), .date(expense.lastSeen), .integer(Int64(expense.occurrences)),
                .text(expense.ignored ? "ignorée ([[forecast.ignore]])" : "détectée"),
            ])
        }
        for expense in known {
            table.append([
                ReportTable.text(expense.label), .money(expense.amountMinor), .integer(Int64(expense.day)),
                .text(expense.frequency.rawValue), .empty, .empty, .text("pipeline ([[forecast.expenses]])"),
            ])
        }
        return table
    }
}
