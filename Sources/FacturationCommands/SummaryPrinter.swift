import FacturationCore
import Foundation

/// Renders a run summary for people (text) or scripts (JSON).
enum SummaryPrinter {
    static func json(_ summary: RunSummary) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(summary)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    /// One producer's result: the files dropped, the cursor (its failure is printed by the caller).
    static func fetch(_ report: FetchReport) -> String {
        var out = "  fetched    \(report.source.rawValue) (\(report.pipeline)): "
        if report.source == .mail {
            out += "\(report.entries) new message(s)"
        } else {
            out +=
                "\(report.pages) page" + (report.pages == 1 ? "" : "s") + ", \(report.entries) entr"
                + (report.entries == 1 ? "y" : "ies")
        }
        if let position = report.position { out += ", cursor \(position)" }
        out += "\n"
        for file in report.files { out += "  dropped    \(file)\n" }
        for skipped in report.skipped ?? [] { out += "  skipped    \(skipped)\n" }
        if let error = report.error { out += "  FAILED     \(error)\n" }
        return out
    }

    static func text(_ summary: RunSummary) -> String {
        var out = "facturation run: \(summary.workspace) (today \(summary.today))\n"
        if isIdle(summary) { return out + "Nothing to do: the inbox is empty and no invoice is due.\n" }
        for file in summary.files {
            out += inboxFile(file)
        }
        for waiting in summary.waiting {
            out += "  waiting    \(waiting.path): \(waiting.reason)\n"
        }
        for report in summary.fetch ?? [] where report.error == nil || !report.files.isEmpty {
            out += fetch(report)
        }
        for error in summary.errors {
            out += "  ERROR      \(error)\n"
        }
        for report in summary.invoicing {
            out += invoicing(report, several: summary.invoicing.count > 1)
        }
        for report in summary.documents ?? [] {
            out += documents(report, several: (summary.documents ?? []).count > 1)
        }
        for report in summary.sending ?? [] {
            out += sending(report, several: (summary.sending ?? []).count > 1)
        }
        for report in summary.payments {
            out += payments(report, several: summary.payments.count > 1)
        }
        for report in summary.replies ?? [] {
            out += replies(report, several: (summary.replies ?? []).count > 1)
        }
        for report in summary.dunning ?? [] {
            out += dunning(report, several: (summary.dunning ?? []).count > 1)
        }
        out += accounting(summary.fec)
        for line in summary.reconciliation { out += line + "\n" }
        for report in summary.forecast ?? [] {
            out += forecast(report, several: (summary.forecast ?? []).count > 1)
        }
        for report in summary.digest ?? [] { out += digest(report) }
        for report in summary.dashboard ?? [] {
            for warning in report.warnings { out += "  WARNING    \(warning)\n" }
        }
        for warning in summary.warnings ?? [] { out += "  WARNING    \(warning)\n" }
        out += totals(summary)
        return out
    }

    /// True when the run had nothing to report: no file, no stage that did or found anything.
    private static func isIdle(_ summary: RunSummary) -> Bool {
        let invoicingDidSomething = summary.invoicing.contains {
            !$0.issued.isEmpty || !$0.waitingApproval.isEmpty || !$0.refused.isEmpty || !$0.errors.isEmpty
                || !$0.warnings.isEmpty || !$0.rejected.isEmpty
        }
        let sendingDidSomething = (summary.sending ?? []).contains {
            !$0.queued.isEmpty || !$0.sent.isEmpty || !$0.waiting.isEmpty || !$0.failed.isEmpty
                || !$0.warnings.isEmpty || !$0.errors.isEmpty
        }
        let documentsDidSomething = (summary.documents ?? []).contains {
            !$0.rendered.isEmpty || !$0.delivered.isEmpty || !$0.warnings.isEmpty || !$0.errors.isEmpty
        }
        let dunningDidSomething = (summary.dunning ?? []).contains {
            !$0.sent.isEmpty || !$0.awaitingApproval.isEmpty || !$0.approved.isEmpty || !$0.refused.isEmpty
                || !$0.warnings.isEmpty
        }
        let cashAlert = (summary.forecast ?? []).contains { !$0.warnings.isEmpty }
        return summary.files.isEmpty && summary.waiting.isEmpty && summary.errors.isEmpty && !invoicingDidSomething
            && !sendingDidSomething && !documentsDidSomething && !dunningDidSomething && !cashAlert
            && (summary.digest ?? []).isEmpty && (summary.replies ?? []).isEmpty && (summary.warnings ?? []).isEmpty
    }

    /// The lines of one inbox file: what it became, where its records went, its notes and warnings.
    private static func inboxFile(_ file: FileOutcome) -> String {
        switch file.kind {
        case .imported where file.format == "request":
            return "  request    \(file.name): " + file.notes.joined(separator: "; ") + "\n"
        case .imported:
            let kind: LedgerKind? = file.format.flatMap(InputFormat.init(rawValue:))?.ledger
            let noun: String =
                kind.map { file.records == 1 ? $0.recordNoun.singular : $0.recordNoun.plural }
                ?? "records"
            var out = "  imported   \(file.name): \(file.records) \(noun)"
            out += " (\(file.counts.added) new, \(file.counts.updated) updated, \(file.counts.unchanged) already known"
            if file.counts.removed > 0 { out += ", \(file.counts.removed) pending replaced" }
            out += ")\n"
            for path in file.delivered { out += "             -> \(path)\n" }
            for note in file.notes { out += "             note: \(note)\n" }
            for warning in file.warnings { out += "             WARNING: \(warning)\n" }
            return out
        case .rejected:
            return "  REJECTED   \(file.name): \(file.reason ?? "")\n"
                + "             reason: \(file.reasonFile ?? "")\n"
        case .duplicate:
            return "  duplicate  \(file.name): same content as \(file.duplicateOf ?? "an earlier file"); "
                + (file.reason ?? "not imported again") + "\n"
        case .requeued:
            return "  put back   \(file.name): \(file.reason ?? "")\n"
        }
    }

    private static func documents(_ report: DocumentReport, several: Bool) -> String {
        let prefix = several ? "[\(report.pipeline)] " : ""
        var out = ""
        for warning in report.warnings { out += "  WARNING    \(prefix)\(warning)\n" }
        for error in report.errors { out += "  ERROR      \(prefix)\(error)\n" }
        if !report.rendered.isEmpty || !report.delivered.isEmpty {
            out +=
                "Documents: \(report.rendered.count) PDF\(report.rendered.count == 1 ? "" : "s") made and archived, "
                + "\(report.delivered.count) delivered (outbox/invoices/).\n"
        }
        return out
    }

    static func sending(_ report: SendReport, several: Bool) -> String {
        let prefix = several ? "[\(report.pipeline)] " : ""
        var out = ""
        for line in report.sent { out += "  sent       \(prefix)\(line)\n" }
        for line in report.waiting { out += "  to retry   \(prefix)\(line)\n" }
        for line in report.failed { out += "  NOT SENT   \(prefix)\(line)\n" }
        for warning in report.warnings { out += "  WARNING    \(prefix)\(warning)\n" }
        for error in report.errors { out += "  ERROR      \(prefix)\(error)\n" }
        if !report.queued.isEmpty || !report.sent.isEmpty || !report.failed.isEmpty {
            out +=
                "Sending: \(report.queued.count) queued (outbox/to-send/), \(report.sent.count) sent "
                + "(proof in archive/sent/), \(report.failed.count) not sent (outbox/send-failed/).\n"
        }
        return out
    }

    private static func dunning(_ report: DunningReport, several: Bool) -> String {
        let prefix = several ? "[\(report.pipeline)] " : ""
        var out = ""
        for line in report.sent { out += "  reminded   \(prefix)\(line)\n" }
        for line in report.awaitingApproval { out += "  to approve \(prefix)\(line)\n" }
        for id in report.approved { out += "  approved   \(prefix)\(id) (formal notice sent)\n" }
        for id in report.refused { out += "  refused    \(prefix)\(id) (formal notice never sent)\n" }
        for line in report.skipped { out += "  skipped    \(prefix)\(line)\n" }
        for line in report.held { out += "  held       \(prefix)\(line)\n" }
        for warning in report.warnings { out += "  WARNING    \(prefix)\(warning)\n" }
        if !report.sent.isEmpty || !report.approved.isEmpty {
            out +=
                "Dunning: \(report.sent.count + report.approved.count) reminder(s) sent (outbox/relances/), "
                + "\(report.queued.count) e-mailed, \(report.awaitingApproval.count) formal notice(s) waiting for "
                + "approval (outbox/to-approve/).\n"
        }
        return out
    }

    /// One line per reply classified in this run.
    private static func replies(_ report: ReplyReport, several: Bool) -> String {
        let prefix = several ? "[\(report.pipeline)] " : ""
        var out = ""
        for line in report.replies {
            let documents = line.documents.isEmpty ? "no document" : line.documents.joined(separator: " ")
            let held = line.held.isEmpty ? "" : "; reminders of \(line.held.joined(separator: ", ")) held"
            out +=
                "  reply      \(prefix)\(line.reply.rawValue) (\(line.rule)): \(documents), from \(line.from)\(held)\n"
        }
        for warning in report.warnings { out += "  WARNING    \(prefix)\(warning)\n" }
        return out + "Replies: \(report.replies.count) classified (outbox/reponses/reponses.csv).\n"
    }

    /// The digest written, and what it says needs a person.
    private static func digest(_ report: DigestReport) -> String {
        var out =
            "Digest: \(report.digest)" + (report.queued.map { ", e-mailed as \($0)" } ?? "")
            + (report.problems.isEmpty ? "; nothing needs a person.\n" : "; \(report.problems.count) to look at:\n")
        for problem in report.problems { out += "  HEALTH     [\(report.pipeline)] \(problem)\n" }
        for warning in report.warnings { out += "  WARNING    [\(report.pipeline)] \(warning)\n" }
        return out
    }

    private static func payments(_ report: PaymentReport, several: Bool) -> String {
        var out = ""
        let prefix = several ? "[\(report.pipeline)] " : ""
        for match in report.matched { out += "  paid       \(prefix)\(match)\n" }
        for warning in report.warnings { out += "  WARNING    \(prefix)\(warning)\n" }
        if report.openInvoices > 0 || report.toReview > 0 || !report.matched.isEmpty {
            out +=
                "Payments: \(report.matched.count) receipt\(report.matched.count == 1 ? "" : "s") matched in this run; \(report.openInvoices) invoices open "
                + "(\(report.overdueInvoices) overdue, outbox/paiements/); \(report.toReview) receipts to review "
                + "(outbox/review/).\n"
        }
        return out
    }

    /// One line on the monthly FEC files checked by this run (none when there are none).
    private static func accounting(_ fec: [FECPublisher.Export]) -> String {
        guard let last = fec.last else { return "" }
        let suspense = fec.reduce(0) { $0 + $1.suspense }
        return "Accounting: \(fec.count) monthly FEC file\(fec.count == 1 ? "" : "s") checked and up to date "
            + "(outbox/fec/mensuel/, last \(last.path.split(separator: "/").suffix(2).joined(separator: "/"))); "
            + "\(suspense) bank line\(suspense == 1 ? "" : "s") on the suspense account (add [[accounting.rules]]).\n"
    }

    /// The cash alert, and one line on the balances forecast.
    static func forecast(_ report: ForecastReport, several: Bool) -> String {
        let prefix = several ? "[\(report.pipeline)] " : ""
        var out = ""
        for warning in report.warnings { out += "  WARNING    \(prefix)\(warning)\n" }
        guard let today = report.balanceToday else { return out }
        let later = ["30", "60", "90"].compactMap { key in
            report.balances[key].map { "\(FrenchDates.euros($0)) at \(key) days" }
        }
        out +=
            "Forecast: \(prefix)balance \(FrenchDates.euros(today)) today"
            + (report.absolute ? "" : " (relative: no opening_balance)")
            + (later.isEmpty ? "" : ", " + later.joined(separator: ", ")) + "; \(report.recurringExpenses) recurring "
            + "expense\(report.recurringExpenses == 1 ? "" : "s") detected (outbox/tresorerie/).\n"
        return out
    }

    /// The closing counts, and where rejected files went.
    private static func totals(_ summary: RunSummary) -> String {
        var out =
            "Summary: \(summary.files.count) file\(summary.files.count == 1 ? "" : "s") processed: "
            + "\(summary.importedCount) imported, \(summary.rejectedCount) rejected, \(summary.duplicateCount) duplicate"
            + (summary.waiting.isEmpty ? "" : "; \(summary.waiting.count) left in the inbox") + ".\n"
        if summary.rejectedCount > 0 {
            out +=
                "Rejected files are in archive/rejected/ next to their .reason.txt (copies of the reasons "
                + "are in outbox/rejected/). Fix them and drop them into inbox/ again.\n"
        }
        return out
    }

    private static func invoicing(_ report: InvoicingReport, several: Bool) -> String {
        var out = ""
        let prefix = several ? "[\(report.pipeline)] " : ""
        for issued in report.issued {
            let kind = issued.kind == "invoice" ? "invoice" : "credit note"
            out +=
                "  issued     \(prefix)\(kind) \(issued.number) \(issued.client) \(issued.issueDate): "
                + "\(issued.totalExclVAT) HT, \(issued.totalInclVAT) TTC (\(issued.approval))"
                + (report.provisional.contains(issued.number)
                    ? "; provisional reference, awaiting Oxygène's number: nothing is sent before\n" : "\n")
        }
        for confirmed in report.confirmed { out += "  confirmed  \(prefix)\(confirmed)\n" }
        for waiting in report.waitingApproval {
            out +=
                "  to approve \(prefix)\(waiting.draft) \(waiting.client) \(waiting.totalInclVAT) TTC: \(waiting.reason)\n"
        }
        for refused in report.refused {
            out += "  refused    \(prefix)\(refused.draft) \(refused.client): \(refused.reason)\n"
        }
        for draft in report.rejected { out += "  rejected   \(prefix)\(draft) (by a person)\n" }
        for warning in report.warnings { out += "  WARNING    \(prefix)\(warning)\n" }
        for error in report.errors { out += "  ERROR      \(prefix)\(error)\n" }
        if !report.issued.isEmpty || !report.waitingApproval.isEmpty {
            out +=
                "Invoicing: \(report.issued.count) issued (outbox/invoices/, outbox/oxygene/, outbox/registre-ventes.csv"
                + (report.provisional.isEmpty
                    ? "" : "; \(report.provisional.count) under a provisional reference, in outbox/oxygene/ only")
                + "), "
                + "\(report.waitingApproval.count) waiting for approval (outbox/to-approve/).\n"
        }
        return out
    }
}
