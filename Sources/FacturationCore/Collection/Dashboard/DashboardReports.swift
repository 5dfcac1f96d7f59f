/// The CSV reports written beside the page (`outbox/dashboard/*.csv`), from the same
/// ``DashboardFigures`` the page is rendered from: amounts with a point and two decimals, dates
/// ISO, months `YYYY-MM` (like the other reports of the outbox).
package enum DashboardReports {
    private static let euros = ReportTable.Kind.money(currency: "EUR")

    /// Every report, by its file name in `dashboard/`.
    package static func all(_ figures: DashboardFigures) -> [(name: String, table: ReportTable)] {
        [
            ("chiffre-affaires.csv", revenue(figures)), ("clients.csv", clients(figures)),
            ("dso.csv", dso(figures)), ("balance-agee.csv", aged(figures)), ("temps-facturable.csv", time(figures)),
        ]
    }

    package static func revenue(_ figures: DashboardFigures) -> ReportTable {
        var table = ReportTable(
            sheetName: "Chiffre d'affaires",
            columns: [
                .init("month", "Mois"), .init("issued_excl_vat", "Émis HT", euros),
                .init("issued_incl_vat", "Émis TTC", euros), .init("paid", "Encaissé", euros),
            ], asOf: figures.today)
        for month in figures.months {
            table.append([
                .text(month.month.monthKey), .money(month.issuedExclVATMinor), .money(month.issuedInclVATMinor),
                .money(month.paidMinor),
            ])
        }
        return table
    }

    package static func clients(_ figures: DashboardFigures) -> ReportTable {
        var table = ReportTable(
            sheetName: "Clients",
            columns: [
                .init("rank", "Rang", .integer), .init("client_code", "Code client"), .init("client_name", "Client"),
                .init("issued_incl_vat", "Émis TTC", euros), .init("paid", "Encaissé", euros),
                .init("open", "Reste dû", euros),
            ], asOf: figures.today)
        for (rank, client) in figures.clients.enumerated() {
            table.append([
                .integer(Int64(rank + 1)), ReportTable.text(client.code), ReportTable.text(client.name),
                .money(client.issuedInclVATMinor), .money(client.paidMinor), .money(client.openMinor),
            ])
        }
        return table
    }

    package static func dso(_ figures: DashboardFigures) -> ReportTable {
        var table = ReportTable(
            sheetName: "DSO",
            columns: [
                .init("month", "Mois"), .init("as_of", "Au", .date), .init("open", "Créances ouvertes", euros),
                .init("revenue_3_months", "CA TTC des 3 mois", euros), .init("dso_days", "DSO (jours)"),
            ], asOf: figures.today)
        for point in figures.dso {
            table.append([
                .text(point.month.monthKey), .date(point.asOf), .money(point.openMinor), .money(point.revenueMinor),
                point.tenthsOfDays.map { .text(DecimalText.format(minorUnits: $0, scale: 1)) } ?? .empty,
            ])
        }
        return table
    }

    package static func aged(_ figures: DashboardFigures) -> ReportTable {
        var table = ReportTable(
            sheetName: "Balance âgée",
            columns: [
                .init("client_code", "Code client"), .init("client_name", "Client"),
                .init("not_due", "Non échu", euros), .init("days_1_30", "1 à 30 jours", euros),
                .init("days_31_60", "31 à 60 jours", euros), .init("days_61_90", "61 à 90 jours", euros),
                .init("over_90", "Plus de 90 jours", euros), .init("total", "Total", euros),
            ], asOf: figures.today)
        for row in figures.aged {
            table.append(
                [ReportTable.text(row.code), ReportTable.text(row.name)] + row.bucketsMinor.map { .money($0) }
                    + [.money(row.totalMinor)])
        }
        let total = figures.agedTotal
        table.appendFooter(
            [.text("TOTAL"), .empty] + total.bucketsMinor.map { .money($0) } + [.money(total.totalMinor)])
        return table
    }

    package static func time(_ figures: DashboardFigures) -> ReportTable {
        var table = ReportTable(
            sheetName: "Temps facturable",
            columns: [
                .init("month", "Mois"), .init("billable_hours", "Heures facturables"),
                .init("flat_fee_hours", "Heures au forfait"), .init("internal_hours", "Heures internes"),
                .init("total_hours", "Heures totales"), .init("billable_ratio_percent", "Taux facturable (%)"),
            ], asOf: figures.today)
        func hours(_ seconds: Int64) -> ReportTable.Cell {
            .text(DecimalText.format(minorUnits: DashboardFormat.hundredthsOfHours(seconds), scale: 2))
        }
        for month in figures.time {
            table.append([
                .text(month.month.monthKey), hours(month.billableSeconds), hours(month.flatFeeSeconds),
                hours(month.internalSeconds), hours(month.totalSeconds),
                month.billableRatioPermille.map { .text(DecimalText.format(minorUnits: $0, scale: 1)) } ?? .empty,
            ])
        }
        return table
    }
}
