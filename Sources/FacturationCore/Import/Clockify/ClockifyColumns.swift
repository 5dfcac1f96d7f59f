/// The columns of a Clockify detailed report, with the names they carry in each UI language.
///
/// Columns are found by name, never by position: Clockify adds, removes and moves columns
/// depending on workspace settings.
enum ClockifyColumns: Int, CaseIterable {
    case project, client, description, task, user, group, email, tags, type, billable, invoiced, invoiceID
    case startDate, startTime, endDate, endTime, durationHours, durationDecimal, rate, amount, dateOfCreation

    /// Header names (English, German, French), compared ignoring case.
    var names: [String] {
        switch self {
        case .project: ["Project", "Projekt", "Projet"]
        case .client: ["Client", "Kunde"]
        case .description: ["Description", "Beschreibung"]
        case .task: ["Task", "Activity", "Aufgabe", "Tâche"]
        case .user: ["User", "Benutzer", "Utilisateur"]
        case .group: ["Group", "Gruppe", "Groupe"]
        case .email: ["Email", "E-mail"]
        case .tags: ["Tags", "Étiquettes"]
        case .type: ["Type", "Typ"]
        case .billable: ["Billable", "Abrechenbar", "Facturable"]
        case .invoiced: ["Invoiced", "Abgerechnet", "Facturé"]
        case .invoiceID: ["Invoice ID", "Rechnungs-ID", "ID de facture"]
        case .startDate: ["Start Date", "Startdatum", "Date de début"]
        case .startTime: ["Start Time", "Startzeit", "Heure de début"]
        case .endDate: ["End Date", "Enddatum", "Date de fin"]
        case .endTime: ["End Time", "Endzeit", "Heure de fin"]
        case .durationHours: ["Duration (h)", "Dauer (h)", "Durée (h)"]
        case .durationDecimal: ["Duration (decimal)", "Dauer (dezimal)", "Durée (décimal)"]
        case .rate: ["Billable Rate", "Abrechenbarer Tarif", "Taux facturable"]
        case .amount: ["Billable Amount", "Rechnungsbetrag", "Montant facturable"]
        case .dateOfCreation: ["Date of creation", "Erstellungsdatum", "Date de création"]
        }
    }

    /// True for the money columns, whose header ends with the currency: `Billable Rate (EUR)`.
    var carriesCurrency: Bool { self == .rate || self == .amount }

    /// Maps header names to column positions; also returns the currency read from the money columns.
    static func map(header: [String]) -> (columns: [ClockifyColumns: Int], currency: String?, conflict: String?) {
        var columns: [ClockifyColumns: Int] = [:]
        var currency: String?
        var conflict: String?
        for (position, raw) in header.enumerated() {
            let name = HeaderName.fold(raw)
            for column in allCases where columns[column] == nil {
                if column.carriesCurrency {
                    for base in column.names.map(HeaderName.fold) where name.hasPrefix(base) {
                        let rest = name.dropFirst(base.count).trimmed
                        if rest.isEmpty {
                            columns[column] = position
                        } else if rest.hasPrefix("("), rest.hasSuffix(")"), rest.count == 5 {
                            let code = String(rest.dropFirst().dropLast()).uppercased()
                            if let known = currency, known != code { conflict = "\(known) and \(code)" }
                            currency = code
                            columns[column] = position
                        }
                    }
                } else if column.names.contains(where: { HeaderName.fold($0) == name }) {
                    columns[column] = position
                }
            }
        }
        return (columns, currency, conflict)
    }
}
