/// The daily digest as people read it: short French plain text, for a terminal and an e-mail
/// (lines under 100 columns, no markup). One line per fact; a list under a line names what it counts.
package enum DigestText {
    /// The whole digest of `facts`, with the problems judged by ``DigestFacts/problems(_:)``.
    package static func render(_ facts: DigestFacts, problems: [HealthProblem]) -> String {
        var lines = [title(facts)]
        lines.append(
            facts.since.map { "Depuis la synthèse du \(FrenchDates.slashed($0))." }
                ?? "Première synthèse : tout ce que l'archive contient.")
        lines.append("")
        lines += state(problems)
        lines.append("")
        lines += invoicing(facts)
        lines += queues(facts)
        lines += money(facts)
        lines += inputs(facts)
        return lines.joined(separator: "\n") + "\n"
    }

    /// The subject of its e-mail.
    package static func title(_ facts: DigestFacts) -> String {
        "Synthèse du \(FrenchDates.slashed(facts.day)) : \(facts.company) (\(facts.pipeline))"
    }

    static func state(_ problems: [HealthProblem]) -> [String] {
        guard let worst = problems.map(\.level).max() else { return ["État : rien à signaler."] }
        let heading = worst == .critical ? "à traiter aujourd'hui" : "à surveiller"
        var lines = ["État : \(heading) (\(problems.count) point\(problems.count == 1 ? "" : "s"))."]
        for problem in problems { lines.append("  - " + label(problem.kind)) }
        return lines
    }

    /// One French line per kind of problem (the facts below give the numbers).
    static func label(_ kind: HealthProblem.Kind) -> String {
        switch kind {
        case .staleBank: "relevés bancaires trop anciens"
        case .staleTime: "temps saisis trop anciens"
        case .oldApproval: "brouillons en attente d'approbation depuis trop longtemps"
        case .reconciliationDifferences: "différences au rapprochement"
        case .sendFailures: "envois en échec"
        case .cashAlert: "alerte de trésorerie"
        case .criticalUnpaid: "impayés de plus de \(DigestFacts.criticalDays) jours"
        case .failedRun: "le dernier passage a échoué"
        case .derivedPlace: "un fichier dérivé ne peut être remplacé"
        }
    }

    static func invoicing(_ facts: DigestFacts) -> [String] {
        let issued = facts.issued
        var line =
            "Factures émises : \(issued.invoices)"
            + (issued.invoices > 0 ? ", \(FrenchDates.euros(issued.invoicesTotalMinor)) TTC" : "")
        if issued.creditNotes > 0 {
            line += " ; avoirs : \(issued.creditNotes), \(FrenchDates.euros(issued.creditNotesTotalMinor)) TTC"
        }
        var lines = [line]
        if let oldest = facts.drafts.max(by: { $0.days < $1.days }) {
            lines.append(
                "Brouillons à approuver : \(facts.drafts.count), le plus ancien depuis \(days(oldest.days)) "
                    + "(\(oldest.id), outbox/to-approve/)")
        } else {
            lines.append("Brouillons à approuver : 0")
        }
        return lines
    }

    static func queues(_ facts: DigestFacts) -> [String] {
        var lines = ["Encaissements à examiner : \(facts.receiptsToReview)"]
        lines.append("Fichiers rejetés : \(facts.rejected.count)")
        lines += facts.rejected.map { "  - \($0)" }
        if let sent = facts.remindersSent {
            lines.append("Relances envoyées : \(sent)")
        }
        if let waiting = facts.remindersAwaitingApproval {
            lines.append("Mises en demeure à approuver : \(waiting)")
        }
        lines += replies(facts.replies ?? [])
        lines.append("Envois en échec : \(facts.sendFailures.count)")
        lines += facts.sendFailures.map { "  - \($0) (outbox/send-failed/)" }
        return lines
    }

    /// "Réponses reçues : 2 (contestations : 1)", then one line per reply (class, documents, sender, subject).
    static func replies(_ replies: [ReplyReport.Line]) -> [String] {
        guard !replies.isEmpty else { return [] }
        let disputes = replies.filter { $0.reply == .dispute }.count
        var lines = ["Réponses reçues : \(replies.count) (contestations : \(disputes), outbox/reponses/)"]
        for reply in replies {
            let documents = reply.documents.isEmpty ? "" : "  " + reply.documents.joined(separator: " ")
            let held = reply.held.isEmpty ? "" : ", relances suspendues"
            lines.append("  - \(reply.reply.rawValue)\(documents)  \(reply.from) : « \(reply.subject) »\(held)")
        }
        return lines
    }

    static func money(_ facts: DigestFacts) -> [String] {
        var lines = ["Impayés de plus de \(DigestFacts.criticalDays) jours : \(facts.criticalUnpaid.count)"]
        for unpaid in facts.criticalUnpaid {
            lines.append(
                "  - \(unpaid.number)  \(unpaid.client)  \(FrenchDates.euros(unpaid.owedMinor)) dus, "
                    + "\(days(unpaid.daysLate)) de retard"
                    + (unpaid.fromRegister == true ? " (registre Oxygène)" : ""))
        }
        if let reconciliation = facts.reconciliation {
            lines.append(
                "Rapprochement : \(reconciliation.differences) différence\(reconciliation.differences > 1 ? "s" : "") "
                    + "(\(reconciliation.report))")
        } else {
            lines.append("Rapprochement : aucun rapport")
        }
        if let alert = facts.cashAlert {
            lines.append(
                "Alerte de trésorerie : solde prévu \(FrenchDates.euros(alert.balanceMinor)) "
                    + "le \(FrenchDates.slashed(alert.day))")
        }
        return lines
    }

    static func inputs(_ facts: DigestFacts) -> [String] {
        func newest(_ date: CivilDate?, none: String) -> String {
            guard let date else { return none }
            let age = facts.age(of: date)
            return FrenchDates.slashed(date) + (age == 0 ? " (aujourd'hui)" : " (il y a \(days(age)))")
        }
        return [
            "Dernière opération bancaire : \(newest(facts.newestBankOperation, none: "aucune"))",
            "Dernier temps saisi : \(newest(facts.newestTimeEntry, none: "aucun"))",
        ]
    }

    static func days(_ count: Int) -> String { "\(count) jour\(count > 1 ? "s" : "")" }
}
