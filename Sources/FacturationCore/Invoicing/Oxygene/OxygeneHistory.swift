/// The register's open invoices as **historical receivables** (issue #12: "receivables include
/// invoices issued before the product started").
///
/// Nothing is loaded unless a person sets `[oxygene] open_since`: the company's register shows an
/// amount due (`Reste dû`) on most documents back to 2010 because payments are rarely entered in
/// Oxygène. With it, a register invoice is loaded when
/// - it is dated on or after `open_since` and its `Reste dû` is above zero (and not above its total),
/// - it is not one of ours: not a number facturation issued, nor the number Oxygène gave one of our
///   exported pieces (``OxygeneConfirmation``'s `different` rows), so a document is never owed twice,
/// - its client code is the `oxygene_code` of a client of the pipeline (else it is named in a warning).
///
/// Its open amount is the register's `Reste dû`; what the register shows settled (`MT Réglé`,
/// losses, deposits: `Total TTC − Reste dû`) is applied as "registre Oxygène". The register does
/// not link a credit note to an invoice, so a register credit note dated on or after `open_since`
/// with a `Reste dû` below zero is applied to its client's open historical invoices, oldest first;
/// what no historical invoice takes is named in a warning (never applied to our invoices, whose
/// credit notes name the invoice they correct).
///
/// The document of a historical invoice is made for the receivables views only (it is never
/// stored, posted, sent or exported): the register's number, date and totals, the buyer and terms
/// of the pipeline file as they are now; its due date is the client's current terms from its date
/// (the register has none).
package struct OxygeneHistory: Sendable {
    /// One register invoice loaded as a receivable.
    package struct Invoice: Sendable {
        package var document: InvoiceDocument
        /// What the register shows settled already: `Total TTC − Reste dû`.
        package var settledInRegisterMinor: Int64
        /// Register credit notes applied to it: number, date, amount (positive).
        package var credits: [(number: String, date: CivilDate, amountMinor: Int64)] = []
    }

    /// Oldest first (date, then number).
    package var invoices: [Invoice] = []
    /// Register documents that could not be loaded, and credit left over.
    package var warnings: [String] = []
    /// `[oxygene] remind`: whether dunning follows them.
    package var remind = false

    package init() {}

    /// The source named in `Receivables.Item.applied` for what the register shows settled.
    package static let registerSource = "registre Oxygène"

    /// The historical receivables of `pipeline` from its newest register, none without
    /// `[oxygene] open_since` or a register.
    ///
    /// `records` are the issued records as written (``RunSnapshot/records``), `issued` their legal
    /// view: with `numbering = "oxygene"` a piece awaiting its number is in the register under
    /// Oxygène's number before it is confirmed (an ambiguous pair, a redated piece), and must not be
    /// owed as a historical invoice meanwhile, so the pieces are paired from the records.
    package static func load(
        layout: ArchiveLayout, records: [InvoiceDocument], issued: [InvoiceDocument]
    ) throws -> OxygeneHistory {
        let pipeline = layout.pipeline
        guard let settings = pipeline.invoicing, let cutoff = settings.oxygene.openSince,
            let register = try OxygeneRegisterStore(layout: layout).newest()
        else { return OxygeneHistory() }
        let ours = try ourNumbers(
            issued: records, exported: try InvoiceStore(layout: layout).exportedToOxygene(), pipeline: pipeline,
            register: register.entries
        ).union(issued.map(\.number))
        var history = build(
            register.entries, cutoff: cutoff, ours: ours,
            builder: InvoiceBuilder(pipeline: pipeline, settings: settings))
        history.remind = settings.oxygene.remind
        history.warnings = history.warnings.map { "Oxygène register (\(register.record.archived)): " + $0 }
        return history
    }

    /// The register numbers that are our documents: every number we issued, and the numbers
    /// Oxygène gave our exported pieces when it renumbered them.
    static func ourNumbers(
        issued: [InvoiceDocument], exported: Set<String>, pipeline: PipelineConfig,
        register: [OxygeneRegisterEntry]
    ) throws -> Set<String> {
        let codes = OxygeneConfirmation.clientCodes(of: pipeline)
        let pieces = issued.filter { exported.contains($0.number) }.compactMap {
            OxygeneConfirmation.piece(of: $0, codes: codes)
        }
        let renumbered = OxygeneConfirmation.confirm(pieces, register: register).compactMap(\.oxygeneNumber)
        return Set(issued.map(\.number)).union(renumbered)
    }

    /// What ``select(_:cutoff:ours:)`` keeps of a register.
    package struct Selection: Sendable {
        package var invoices: [OxygeneRegisterEntry] = []
        package var credits: [OxygeneRegisterEntry] = []
        package var inconsistent: [OxygeneRegisterEntry] = []
    }

    /// The register's documents that count for `cutoff`, before their clients are looked up: the
    /// invoices dated on or after it with a `Reste dû` above zero, the credit notes with credit left
    /// (`Reste dû` below zero), and the invoices whose `Reste dû` is above their total or below zero
    /// (not loaded, each named in a warning);
    /// the numbers of `ours` left out. Oldest first (date, then number).
    package static func select(_ entries: [OxygeneRegisterEntry], cutoff: CivilDate, ours: Set<String>) -> Selection {
        var selected = Selection()
        let candidates = entries.filter { $0.date >= cutoff && !ours.contains($0.number) }
            .sorted { ($0.date, $0.number) < ($1.date, $1.number) }
        for entry in candidates {
            switch entry.kind {
            case .creditNote where entry.remainingMinor < 0: selected.credits.append(entry)
            // Overpaid (`Reste dû` below zero) or owing more than its total: named, not guessed.
            case .invoice where entry.remainingMinor > entry.totalInclVATMinor || entry.remainingMinor < 0:
                selected.inconsistent.append(entry)
            case .invoice where entry.remainingMinor > 0: selected.invoices.append(entry)
            default: continue
            }
        }
        return selected
    }

    /// The historical receivables of `entries` (see the type's comment).
    static func build(
        _ entries: [OxygeneRegisterEntry], cutoff: CivilDate, ours: Set<String>, builder: InvoiceBuilder
    ) -> OxygeneHistory {
        var history = OxygeneHistory()
        let clients = Dictionary(
            builder.pipeline.clients.compactMap { client in
                client.billing?.oxygeneCode.map { ($0.trimmed, client.code) }
            },
            uniquingKeysWith: { first, _ in first })
        let selected = select(entries, cutoff: cutoff, ours: ours)
        // At most 20 named, the rest counted: a damaged register may show hundreds.
        for entry in selected.inconsistent.prefix(20) {
            let shown =
                entry.remainingMinor < 0
                ? "shows \(FrenchDates.euros(-entry.remainingMinor)) overpaid (Reste dû below zero)"
                : "shows \(FrenchDates.euros(entry.remainingMinor)) due"
            history.warnings.append(
                "\(entry.number) (line \(entry.line)) \(shown) on a total of \(FrenchDates.euros(entry.totalInclVATMinor)): "
                    + "not loaded, check it in Oxygène")
        }
        if selected.inconsistent.count > 20 {
            history.warnings.append(
                "\(selected.inconsistent.count - 20) more invoice(s) of the register with a Reste dû below zero or above "
                    + "their total: not loaded, check them in Oxygène")
        }
        var unknownClients: [String: Int] = [:]
        for entry in selected.invoices {
            guard let client = clients[entry.clientCode] else {
                unknownClients[entry.clientCode, default: 0] += 1
                continue
            }
            do {
                history.invoices.append(
                    Invoice(
                        document: try document(entry, client: client, builder: builder),
                        settledInRegisterMinor: entry.totalInclVATMinor - entry.remainingMinor))
            } catch {
                history.warnings.append("\(entry.number) (line \(entry.line)) not loaded: \(error)")
            }
        }
        if !unknownClients.isEmpty {
            // One warning for them all: the company's register has some fifty clients.
            let listed = unknownClients.sorted { $0.key < $1.key }.prefix(20).map { "\($0.key) (\($0.value))" }
            history.warnings.append(
                "\(unknownClients.values.reduce(0, +)) open invoice(s) of \(unknownClients.count) Oxygène client(s) "
                    + "not loaded, no client of the pipeline has their oxygene_code: " + listed.joined(separator: ", ")
                    + (unknownClients.count > 20 ? ", …" : ""))
        }
        history.apply(selected.credits, clients: clients)
        return history
    }

    /// Applies each credit note to its client's open historical invoices, oldest first.
    private mutating func apply(_ credits: [OxygeneRegisterEntry], clients: [String: String]) {
        for credit in credits {
            var left = -credit.remainingMinor
            let client = clients[credit.clientCode]
            for index in invoices.indices where left > 0 && invoices[index].document.clientCode == client {
                let open =
                    invoices[index].document.totals.grandTotalMinor - invoices[index].settledInRegisterMinor
                    - invoices[index].credits.reduce(0) { $0 + $1.amountMinor }
                guard open > 0 else { continue }
                let taken = min(open, left)
                invoices[index].credits.append((credit.number, credit.date, taken))
                left -= taken
            }
            if left > 0 {
                warnings.append(
                    "credit note \(credit.number) (line \(credit.line)) of \(credit.clientCode): "
                        + "\(FrenchDates.euros(left)) not applied (no open register invoice of that client from "
                        + "open_since on takes it)")
            }
        }
    }

    /// The document of a register invoice, for the receivables views only.
    static func document(
        _ entry: OxygeneRegisterEntry, client: String, builder: InvoiceBuilder
    ) throws
        -> InvoiceDocument
    {
        let origin = InvoiceDocument.Origin(
            type: .register, draftID: "oxygene-\(entry.number)", contract: nil, period: nil)
        let draft = InvoiceDraft(
            id: origin.draftID, kind: .invoice, clientCode: client, origin: origin,
            title: "Facture \(entry.number) (registre Oxygène)", servicePeriod: nil, lines: [], recordKeys: [],
            dueOn: entry.date, precedingInvoice: nil, reason: nil, notes: [], approvalReason: nil, annex: [])
        var document = try builder.document(
            from: draft, number: entry.number, issueDate: entry.date,
            approval: .init(decision: .automatic, by: "oxygene-register", at: "", comment: nil))
        document.totals = InvoiceTotals(
            lineTotalMinor: entry.totalExclVATMinor, taxBasisTotalMinor: entry.totalExclVATMinor, vatBreakdown: [],
            taxTotalMinor: entry.totalInclVATMinor - entry.totalExclVATMinor, grandTotalMinor: entry.totalInclVATMinor,
            duePayableMinor: entry.totalInclVATMinor)
        return document
    }
}
