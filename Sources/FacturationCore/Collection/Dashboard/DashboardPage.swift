/// `outbox/dashboard/index.html`: one static page (no script, no external resource, styles
/// inline, printable), French labels and numbers, charts as inline SVG with their values, and
/// under each chart the table of the same numbers (also written as CSV, ``DashboardReports``).
package enum DashboardPage {
    /// The page of `figures` for `company`.
    package static func html(_ figures: DashboardFigures, company: String, settings: DashboardSettings) -> String {
        let today = DashboardFormat.date(figures.today)
        var out = "<!DOCTYPE html>\n<html lang=\"fr\">\n<head>\n<meta charset=\"utf-8\">\n"
        out += "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
        out += "<title>Tableau de bord — \(DashboardFormat.html(company)) — \(today)</title>\n"
        out += "<style>\n\(DashboardStyle.css)</style>\n</head>\n<body>\n"
        out += "<header><h1>Tableau de bord</h1><p>\(DashboardFormat.html(company)) · situation au \(today)"
        out += " · \(settings.months) derniers mois</p></header>\n<main>\n"
        out += revenue(figures) + clients(figures, settings: settings) + dso(figures) + aged(figures)
        out += time(figures) + forecast(figures) + queues(figures)
        out += "</main>\n<footer><p>Écrit par facturation à chaque exécution. Les mêmes chiffres sont dans les "
        out += "fichiers CSV de ce dossier : chiffre-affaires.csv, clients.csv, dso.csv, balance-agee.csv, "
        out += "temps-facturable.csv.</p></footer>\n</body>\n</html>\n"
        return out
    }

    // MARK: - Tables

    /// A cell: `n` marks a number (right-aligned).
    private static func cell(_ text: String, number: Bool = true) -> String {
        (number ? "<td class=\"n\">" : "<td>") + DashboardFormat.html(text) + "</td>"
    }

    private static func table(
        id: String, caption: String, headers: [String], rows: [String], footer: String? = nil
    )
        -> String
    {
        var out = "<table id=\"\(id)\"><caption>\(DashboardFormat.html(caption))</caption>\n<thead><tr>"
        out += headers.map { "<th scope=\"col\">\(DashboardFormat.html($0))</th>" }.joined()
        out += "</tr></thead>\n<tbody>\n"
        out += rows.map { "<tr>\($0)</tr>\n" }.joined()
        out += "</tbody>\n"
        if let footer { out += "<tfoot><tr>\(footer)</tr></tfoot>\n" }
        return out + "</table>\n"
    }

    private static func section(id: String, title: String, _ body: String) -> String {
        "<section id=\"\(id)\">\n<h2>\(DashboardFormat.html(title))</h2>\n\(body)</section>\n"
    }

    private static func note(_ text: String) -> String { "<p class=\"note\">\(DashboardFormat.html(text))</p>\n" }

    // MARK: - Sections

    private static func revenue(_ figures: DashboardFigures) -> String {
        let months = figures.months
        let chart = DashboardSVG.bars(
            "Chiffre d'affaires émis TTC et encaissé par mois",
            categories: months.map { DashboardFormat.shortMonth($0.month) },
            series: [
                .init(name: "Émis TTC", cssClass: "s1", values: months.map(\.issuedInclVATMinor)),
                .init(name: "Encaissé", cssClass: "s2", values: months.map(\.paidMinor)),
            ], label: DashboardFormat.euros)
        let rows = months.map {
            cell(DashboardFormat.month($0.month), number: false) + cell(DashboardFormat.euros($0.issuedExclVATMinor))
                + cell(DashboardFormat.euros($0.issuedInclVATMinor)) + cell(DashboardFormat.euros($0.paidMinor))
        }
        return section(
            id: "chiffre-affaires", title: "Chiffre d'affaires par mois",
            chart
                + table(
                    id: "t-chiffre-affaires",
                    caption: "Factures moins avoirs, par date d'émission ; encaissements "
                        + "affectés aux factures, par date de valeur en banque",
                    headers: ["Mois", "Émis HT", "Émis TTC", "Encaissé"], rows: rows))
    }

    private static func clients(_ figures: DashboardFigures, settings: DashboardSettings) -> String {
        guard !figures.clients.isEmpty else {
            return section(id: "clients", title: "Meilleurs clients", note("Aucune facture sur la période."))
        }
        let rows = figures.clients.enumerated().map { rank, client in
            cell("\(rank + 1)") + cell(client.code, number: false) + cell(client.name, number: false)
                + cell(DashboardFormat.euros(client.issuedInclVATMinor)) + cell(DashboardFormat.euros(client.paidMinor))
                + cell(DashboardFormat.euros(client.openMinor))
        }
        return section(
            id: "clients", title: "Meilleurs clients (\(settings.months) derniers mois)",
            table(
                id: "t-clients",
                caption: "Les \(settings.topClients) premiers par montant émis TTC ; reste dû à ce jour",
                headers: ["Rang", "Code", "Client", "Émis TTC", "Encaissé", "Reste dû"], rows: rows))
    }

    private static func dso(_ figures: DashboardFigures) -> String {
        let points = figures.dso.map {
            DashboardSVG.Point(
                axisLabel: DashboardFormat.shortMonth($0.month), value: $0.tenthsOfDays,
                valueLabel: $0.tenthsOfDays.map { DashboardFormat.days(tenths: $0) })
        }
        let rows = figures.dso.map {
            cell(DashboardFormat.month($0.month), number: false) + cell(DashboardFormat.date($0.asOf))
                + cell(DashboardFormat.euros($0.openMinor)) + cell(DashboardFormat.euros($0.revenueMinor))
                + cell($0.tenthsOfDays.map { DashboardFormat.days(tenths: $0) } ?? "—")
        }
        return section(
            id: "dso", title: "Délai moyen de paiement (DSO)",
            DashboardSVG.line("DSO en jours, fin de chaque mois", points: points)
                + note(
                    "DSO = créances ouvertes TTC en fin de mois ÷ chiffre d'affaires TTC émis sur les 3 derniers mois "
                        + "× 91 jours. Mois en cours : au jour de la situation. « — » : rien d'émis sur 3 mois.")
                + table(
                    id: "t-dso", caption: "Créances ouvertes : factures émises moins encaissements et avoirs à la date",
                    headers: ["Mois", "Au", "Créances ouvertes", "CA TTC 3 mois", "DSO"], rows: rows))
    }

    private static let bucketTitles = ["Non échu", "1 à 30 j", "31 à 60 j", "61 à 90 j", "Plus de 90 j"]

    private static func aged(_ figures: DashboardFigures) -> String {
        let total = figures.agedTotal
        let chart = DashboardSVG.bars(
            "Balance âgée, total par ancienneté du retard", categories: bucketTitles,
            series: [.init(name: "Reste dû TTC", cssClass: "s3", values: total.bucketsMinor)],
            label: DashboardFormat.euros)
        func cells(_ row: DashboardFigures.AgedRow) -> String {
            row.bucketsMinor.map { cell(DashboardFormat.euros($0)) }.joined()
                + cell(DashboardFormat.euros(row.totalMinor))
        }
        let rows = figures.aged.map { cell($0.code, number: false) + cell($0.name, number: false) + cells($0) }
        return section(
            id: "balance-agee", title: "Balance âgée au \(DashboardFormat.date(figures.today))",
            chart
                + table(
                    id: "t-balance-agee", caption: "Reste dû TTC par client, selon les jours écoulés depuis l'échéance",
                    headers: ["Code", "Client"] + bucketTitles + ["Total"], rows: rows,
                    footer: "<th scope=\"row\" colspan=\"2\">Total</th>" + cells(total))
                + (figures.agedFromRegisterMinor > 0
                    ? note(
                        "Dont \(DashboardFormat.euros(figures.agedFromRegisterMinor)) sur des factures du registre "
                            + "Oxygène émises avant facturation ([oxygene] open_since).") : ""))
    }

    private static func time(_ figures: DashboardFigures) -> String {
        let chart = DashboardSVG.bars(
            "Taux facturable du temps saisi par mois",
            categories: figures.time.map { DashboardFormat.shortMonth($0.month) },
            series: [
                .init(
                    name: "Taux facturable", cssClass: "s4", values: figures.time.map { $0.billableRatioPermille ?? 0 })
            ],
            fullScale: 1000, label: { DashboardFormat.percent(permille: $0) })
        let rows = figures.time.map {
            cell(DashboardFormat.month($0.month), number: false) + cell(DashboardFormat.hours($0.billableSeconds))
                + cell(DashboardFormat.hours($0.flatFeeSeconds)) + cell(DashboardFormat.hours($0.internalSeconds))
                + cell(DashboardFormat.hours($0.totalSeconds))
                + cell($0.billableRatioPermille.map { DashboardFormat.percent(permille: $0) } ?? "—")
        }
        return section(
            id: "temps-facturable", title: "Temps facturable",
            chart
                + note(
                    "Taux facturable = heures FACTURABLE ÷ toutes les heures saisies du mois (forfait et interne compris)."
                )
                + table(
                    id: "t-temps-facturable", caption: "Heures des saisies de temps, par catégorie",
                    headers: ["Mois", "Facturable", "Forfait", "Interne", "Total", "Taux facturable"], rows: rows))
    }

    private static func forecast(_ figures: DashboardFigures) -> String {
        guard let first = figures.forecast.first, let last = figures.forecast.last else {
            return section(id: "tresorerie", title: "Prévision de trésorerie", note("Pas de prévision."))
        }
        let lowest = figures.forecast.min { $0.balanceMinor < $1.balanceMinor } ?? first
        let step = max(1, figures.forecast.count / 6)
        let points = figures.forecast.enumerated().map { index, day in
            let labelled = day.day == first.day || day.day == last.day || day.day == lowest.day
            return DashboardSVG.Point(
                axisLabel: index % step == 0 ? DashboardFormat.date(day.day) : nil, value: day.balanceMinor,
                valueLabel: labelled ? DashboardFormat.euros(day.balanceMinor) : nil)
        }
        let threshold = figures.forecastThresholdMinor.map { ($0, "Seuil d'alerte " + DashboardFormat.euros($0)) }
        let summary =
            "Solde prévu le \(DashboardFormat.date(first.day)) : \(DashboardFormat.euros(first.balanceMinor)) ; "
            + "au plus bas le \(DashboardFormat.date(lowest.day)) : \(DashboardFormat.euros(lowest.balanceMinor)) ; "
            + "le \(DashboardFormat.date(last.day)) : \(DashboardFormat.euros(last.balanceMinor))."
        return section(
            id: "tresorerie", title: "Prévision de trésorerie",
            DashboardSVG.line("Solde bancaire prévu par jour", points: points, threshold: threshold) + note(summary))
    }

    private static func queues(_ figures: DashboardFigures) -> String {
        let rows = figures.queues.map {
            cell($0.kind.label, number: false) + cell("\($0.count)")
                + cell($0.oldestDays.map { "\($0)\u{A0}j" } ?? "—") + cell($0.kind.folder, number: false)
        }
        return section(
            id: "files-attente", title: "En attente d'une personne",
            table(
                id: "t-files-attente", caption: "Nombre d'éléments et âge du plus ancien (jours depuis son arrivée)",
                headers: ["File", "Nombre", "Plus ancien", "Dossier (outbox)"], rows: rows))
    }
}
