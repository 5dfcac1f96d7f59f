/// Carries out a request file from the inbox: records an approval decision, or creates the
/// draft of a requested credit note (approved by the request itself). Idempotent: processing
/// the same file again after a crash finds its own decision and does nothing more.
public struct RequestProcessor {
    public let layout: ArchiveLayout
    public let now: String
    var pipeline: PipelineConfig { layout.pipeline }

    public init(layout: ArchiveLayout, now: String) {
        self.layout = layout
        self.now = now
    }

    /// What was done, one sentence; or the rejection that explains why nothing was.
    public func handle(_ request: RequestFile, fileHash: String) throws -> Result<String, Rejection> {
        let source = "inbox:" + fileHash.prefix(16)
        let store = InvoiceStore(layout: layout)
        func refuse(_ summary: String, _ advice: String) -> Result<String, Rejection> {
            .failure(Rejection(format: nil, summary: summary, advice: advice))
        }
        guard let settings = pipeline.invoicing else {
            return refuse("pipeline \(pipeline.id) does not issue invoices (no [invoicing] section)",
                          "Drop the file into the inbox of the pipeline that issued the invoice.")
        }
        switch request {
        case .approval(let draft, let approve, let by, let reason):
            if let earlier = try store.decisions()[draft], earlier.source == source {
                return .success("decision on \(draft) already recorded")
            }
            do {
                try ApprovalDesk.decide(draftID: draft, decision: approve ? .approve : .reject, by: by, comment: reason,
                                        source: source, layout: layout, now: now)
            } catch let error as FacturationError where error.kind == .invoicing {
                return refuse(error.message, "Check the draft id against outbox/to-approve/; nothing was changed.")
            }
            return .success("\(draft) \(approve ? "approved" : "rejected") by \(by.isEmpty ? "unknown" : by)")

        case .creditNote(let number, let reason, let lineNumbers, let rebill, let by):
            let id = "cn-\(number)-\(fileHash.prefix(10))"
            if try store.decisions()[id] != nil { return .success("credit note request \(id) already recorded") }
            let issued = try store.issued()
            guard let invoice = issued.first(where: { $0.number == number && $0.kind == .invoice }) else {
                return refuse("no invoice \(number) was issued by pipeline \(pipeline.id)",
                              "Check the number in outbox/registre-ventes.csv and drop the corrected file again.")
            }
            let selected = lineNumbers ?? invoice.lines.map(\.number)
            let unknown = selected.filter { number in !invoice.lines.contains { $0.number == number } }
            if !unknown.isEmpty {
                return refuse("invoice \(number) has no line " + unknown.map(String.init).joined(separator: ", "),
                              "Its lines are numbered 1 to \(invoice.lines.count); fix `lines` and drop the file again.")
            }
            var lines: [InvoiceLine] = []
            for (index, line) in invoice.lines.filter({ selected.contains($0.number) }).enumerated() {
                var copy = line
                copy.number = index + 1
                lines.append(copy)
            }
            // Lines of an issued invoice: their totals were computed when it was issued.
            let amount = try InvoiceBuilder.totals(of: lines).grandTotalMinor
            var credited = issued.filter { $0.kind == .creditNote && $0.precedingInvoice?.number == number }
                .map(\.totals.grandTotalMinor)
            for waiting in try store.waitingDrafts() where waiting.kind == .creditNote
                && waiting.precedingInvoice?.number == number {
                credited.append(try InvoiceBuilder.totals(of: waiting.lines).grandTotalMinor)
            }
            let alreadyCredited = try Checked.sum(credited, "amounts already credited")
            if alreadyCredited > invoice.totals.grandTotalMinor - amount {
                return refuse("invoice \(number) (\(FrenchDates.euros(invoice.totals.grandTotalMinor)) TTC) would be "
                    + "credited \(FrenchDates.euros(alreadyCredited &+ amount)) in all",
                    "Credit only the lines not credited yet (see outbox/registre-ventes.csv).")
            }
            var keys: [String] = []
            if rebill, !invoice.recordKeys.isEmpty {
                keys = try AnnexReader.keys(at: store.annexPath(draftID: invoice.origin.draftID), lines: Set(selected))
            }
            let draft = InvoiceDraft(
                id: id, kind: .creditNote, clientCode: invoice.clientCode,
                origin: .init(type: .creditNote, draftID: id, contract: nil, period: invoice.origin.period),
                title: "Avoir sur facture \(number) – \(reason)", servicePeriod: invoice.servicePeriod, lines: lines,
                recordKeys: keys, dueOn: max(invoice.issueDate, settings.start),
                precedingInvoice: .init(number: number, issueDate: invoice.issueDate), reason: reason, notes: [],
                annex: [])
            try store.saveDraft(draft)
            try store.recordDecision(ApprovalDecision(draftID: id, decision: .approved,
                                                      by: by.isEmpty ? "unknown" : by, at: now,
                                                      comment: reason, source: source))
            return .success("credit note on \(number) requested (\(FrenchDates.euros(amount)) TTC); issued by this run")
        }
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
