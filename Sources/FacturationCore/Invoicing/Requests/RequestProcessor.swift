/// Carries out a request file from the inbox: records an approval decision, or creates the
/// draft of a requested credit note (approved by the request itself). Idempotent: processing
/// the same file again after a crash finds its own decision and does nothing more.
package struct RequestProcessor {
    package let layout: ArchiveLayout
    package let now: String
    var pipeline: PipelineConfig { layout.pipeline }

    package init(layout: ArchiveLayout, now: String) {
        self.layout = layout
        self.now = now
    }

    /// What was done, one sentence; or the rejection that explains why nothing was.
    package func handle(_ request: RequestFile, fileHash: String) throws -> Result<String, Rejection> {
        let source = "inbox:" + fileHash.prefix(16)
        let store = InvoiceStore(layout: layout)
        guard let settings = pipeline.invoicing else {
            return Self.refuse(
                "pipeline \(pipeline.id) does not issue invoices (no [invoicing] section)",
                "Drop the file into the inbox of the pipeline that issued the invoice.")
        }
        switch request {
        case .approval(let draft, let approve, let by, let reason):
            return try recordApproval(of: draft, approve: approve, by: by, reason: reason, source: source, store: store)
        case .creditNote(let number, let reason, let lineNumbers, let rebill, let by):
            let request = CreditNoteRequest(
                id: "cn-\(number)-\(fileHash.prefix(10))", invoice: number, reason: reason,
                lineNumbers: lineNumbers, rebill: rebill, by: by, source: source)
            return try draftCreditNote(request, settings: settings, store: store)
        case .dunningHold(let invoice, let client, let reason, let by, let lift):
            let hold = ReminderHold(
                invoice: invoice, client: client, reason: reason, by: by.isEmpty ? "unknown" : by, lift: lift,
                at: now, source: source)
            return try recordHold(hold, name: String(fileHash.prefix(16)))
        case .oneOff(let oneOff):
            return try draftOneOff(oneOff, fileHash: fileHash, settings: settings, store: store)
        case .numberConfirmation(let reference, let number, let by):
            let request = ConfirmedNumberStore.Request(
                reference: reference, number: number, by: by.isEmpty ? "unknown" : by, at: now, source: source)
            return try recordNumberRequest(request, settings: settings, store: store)
        }
    }

    /// Records which register number a document awaiting its number is (`numbering = "oxygene"`,
    /// identical pieces); the next invoicing pass checks it against the register and confirms it.
    private func recordNumberRequest(
        _ request: ConfirmedNumberStore.Request, settings: InvoicingSettings, store: InvoiceStore
    ) throws -> Result<String, Rejection> {
        guard settings.numberingMode == .oxygene else {
            return Self.refuse(
                "pipeline \(pipeline.id) numbers its own documents (numbering = \"facturation\"): there is nothing to confirm",
                "A [confirmation] request is for numbering = \"oxygene\" only; remove the file.")
        }
        let confirmations = ConfirmedNumberStore(layout: layout)
        guard try store.records().contains(where: { $0.isAwaitingNumber && $0.number == request.reference }) else {
            return Self.refuse(
                "pipeline \(pipeline.id) has no provisional document \(request.reference)",
                "Check the reference (the WEB_ID of the Oxygène file, listed in outbox/oxygene/confirmation.csv) "
                    + "and drop the corrected file again.")
        }
        if let done = try confirmations.all().byReference[request.reference] {
            return .success("\(request.reference) was already confirmed as \(done.number); nothing was changed")
        }
        try confirmations.record(request)
        return .success(
            "\(request.reference) will be confirmed as \(request.number) by the invoicing stage, if the register "
                + "holds that piece")
    }

    /// Records a hold on reminders, or its lifting (once per request file).
    private func recordHold(_ hold: ReminderHold, name: String) throws -> Result<String, Rejection> {
        let what = hold.invoice.map { "invoice \($0)" } ?? "client \(hold.client ?? "")"
        if let client = hold.client, !pipeline.clients.contains(where: { $0.code == client }) {
            return Self.refuse(
                "pipeline \(pipeline.id) has no client \(client)",
                "Use the client's code from the [[clients]] entries of \(Path.name(of: pipeline.file)).")
        }
        if let invoice = hold.invoice,
            try !InvoiceStore(layout: layout).issued().contains(where: { $0.number == invoice })
        {
            return Self.refuse(
                "no invoice \(invoice) was issued by pipeline \(pipeline.id)",
                "Check the number in outbox/registre-ventes.csv and drop the corrected file again.")
        }
        guard try DunningStore(layout: layout).recordHold(hold, name: name) else {
            return .success("hold request on \(what) already recorded")
        }
        return .success(
            hold.lift
                ? "reminders of \(what) resume (hold lifted by \(hold.by))"
                : "reminders of \(what) suspended by \(hold.by): \(hold.reason)")
    }

    /// The fields of a credit-note request file, and the draft id it gets.
    private struct CreditNoteRequest {
        let id: String
        let invoice: String
        let reason: String
        let lineNumbers: [Int]?
        let rebill: Bool
        let by: String
        let source: String
    }

    static func refuse(_ summary: String, _ advice: String) -> Result<String, Rejection> {
        .failure(Rejection(format: nil, summary: summary, advice: advice))
    }

    /// Records an approval or a rejection of a waiting draft (once per request file).
    private func recordApproval(
        of draft: String, approve: Bool, by: String, reason: String?, source: String, store: InvoiceStore
    ) throws -> Result<String, Rejection> {
        if let earlier = try store.decisions()[draft], earlier.source == source {
            return .success("decision on \(draft) already recorded")
        }
        if let earlier = try DunningStore(layout: layout).decisions()[draft], earlier.source == source {
            return .success("decision on \(draft) already recorded")
        }
        do {
            try ApprovalDesk.decide(
                draftID: draft, decision: approve ? .approve : .reject, by: by, comment: reason,
                source: source, layout: layout, now: now)
        } catch let error as FacturationError where error.kind == .invoicing {
            return Self.refuse(error.message, "Check the draft id against outbox/to-approve/; nothing was changed.")
        }
        return .success("\(draft) \(approve ? "approved" : "rejected") by \(by.isEmpty ? "unknown" : by)")
    }

    /// Saves the draft of the requested credit note with its approval (the request is the approval),
    /// after checking that the invoice exists, has the lines named, and is not credited beyond its total.
    private func draftCreditNote(
        _ request: CreditNoteRequest, settings: InvoicingSettings, store: InvoiceStore
    ) throws -> Result<String, Rejection> {
        let id = request.id
        let number = request.invoice
        if try store.decisions()[id] != nil { return .success("credit note request \(id) already recorded") }
        let issued = try store.issued()
        guard let invoice = issued.first(where: { $0.number == number && $0.kind == .invoice }) else {
            return Self.refuse(
                "no invoice \(number) was issued by pipeline \(pipeline.id)",
                "Check the number in outbox/registre-ventes.csv and drop the corrected file again.")
        }
        let selected = request.lineNumbers ?? invoice.lines.map(\.number)
        let unknown = selected.filter { number in !invoice.lines.contains { $0.number == number } }
        if !unknown.isEmpty {
            return Self.refuse(
                "invoice \(number) has no line " + unknown.map(String.init).joined(separator: ", "),
                "Its lines are numbered 1 to \(invoice.lines.count); fix `lines` and drop the file again.")
        }
        let lines = Self.creditedLines(of: invoice, selected: selected)
        // Lines of an issued invoice: their totals were computed when it was issued.
        let amount = try InvoiceBuilder.totals(of: lines).grandTotalMinor
        let alreadyCredited = try creditedSoFar(invoice: number, issued: try store.records(), store: store)
        if alreadyCredited > invoice.totals.grandTotalMinor - amount {
            return Self.refuse(
                "invoice \(number) (\(FrenchDates.euros(invoice.totals.grandTotalMinor)) TTC) would be "
                    + "credited \(FrenchDates.euros(alreadyCredited &+ amount)) in all",
                "Credit only the lines not credited yet (see outbox/registre-ventes.csv).")
        }
        var keys: [String] = []
        if request.rebill, !invoice.recordKeys.isEmpty {
            keys = try AnnexReader.keys(at: store.annexPath(draftID: invoice.origin.draftID), lines: Set(selected))
        }
        let draft = InvoiceDraft(
            id: id, kind: .creditNote, clientCode: invoice.clientCode,
            origin: .init(type: .creditNote, draftID: id, contract: nil, period: invoice.origin.period),
            title: "Avoir sur facture \(number) – \(request.reason)", servicePeriod: invoice.servicePeriod,
            lines: lines,
            recordKeys: keys, dueOn: max(invoice.issueDate, settings.start),
            precedingInvoice: .init(number: number, issueDate: invoice.issueDate), reason: request.reason, notes: [],
            annex: [])
        try store.saveDraft(draft)
        try store.recordDecision(
            ApprovalDecision(
                draftID: id, decision: .approved,
                by: request.by.isEmpty ? "unknown" : request.by, at: now,
                comment: request.reason, source: request.source))
        return .success("credit note on \(number) requested (\(FrenchDates.euros(amount)) TTC); issued by this run")
    }

    /// The selected lines of `invoice`, numbered again from 1.
    private static func creditedLines(of invoice: InvoiceDocument, selected: [Int]) -> [InvoiceLine] {
        var lines: [InvoiceLine] = []
        for (index, line) in invoice.lines.filter({ selected.contains($0.number) }).enumerated() {
            var copy = line
            copy.number = index + 1
            lines.append(copy)
        }
        return lines
    }

    /// What the credit notes on invoice `number` already take from it: issued ones (awaiting their
    /// number too) and drafts waiting.
    private func creditedSoFar(invoice number: String, issued: [InvoiceDocument], store: InvoiceStore) throws -> Int64 {
        var credited = issued.filter { $0.kind == .creditNote && $0.precedingInvoice?.number == number }
            .map(\.totals.grandTotalMinor)
        for waiting in try store.waitingDrafts()
        where waiting.kind == .creditNote
            && waiting.precedingInvoice?.number == number
        {
            credited.append(try InvoiceBuilder.totals(of: waiting.lines).grandTotalMinor)
        }
        return try Checked.sum(credited, "amounts already credited")
    }
}

/// Reads back which time entries an invoice line billed, from the invoice's annex CSV.
enum AnnexReader {
    static func keys(at path: String, lines: Set<Int>) throws -> [String] {
        var keys: [String] = []
        try LedgerFile.forEachRow(path: path, header: AnnexWriter.header) { fields in
            let line = Int(String(decoding: fields[0], as: UTF8.self)) ?? 0
            if lines.contains(line) { keys.append(String(decoding: fields[8], as: UTF8.self)) }
        }
        return keys.sorted()
    }
}
