/// One-off invoices: the request becomes a waiting draft that the invoicing stage of the same run
/// puts through the approval rules, numbers and issues like any other (README, "One-off invoices").
extension RequestProcessor {
    /// The article code of a line that names none: the daily article for days, else this one.
    static let oneOffArticle = "PREST-FORF"

    /// Saves the draft of a requested one-off invoice, once per reference (or per file when the
    /// request has no reference), after checking the client and computing every amount.
    func draftOneOff(
        _ request: OneOffRequest, fileHash: String, settings: InvoicingSettings, store: InvoiceStore
    ) throws -> Result<String, Rejection> {
        guard let client = pipeline.clients.first(where: { $0.code == request.client }) else {
            return Self.refuse(
                "pipeline \(pipeline.id) has no client \(request.client)",
                "Use the client's code from the [[clients]] entries of \(Path.name(of: pipeline.file)).")
        }
        guard let billing = client.billing else {
            return Self.refuse(
                "client \(client.code) has no billing details in \(Path.name(of: pipeline.file))",
                "Give the client its billing keys (legal name, address, payment terms, VAT) and drop the file again.")
        }
        let unique = request.reference.map { "ref:" + $0 } ?? "file:" + fileHash
        let id = "one-\(client.code)-" + SHA256Hasher.hex(unique).prefix(10)
        if try store.draft(id: id) != nil || store.decisions()[id] != nil
            || store.records().contains(where: { $0.origin.draftID == id })
        {
            let what = request.reference.map { "reference \"\($0)\"" } ?? "this request"
            return .success("one-off invoice \(id) (\(what)) already requested; nothing more done")
        }
        let lines: [InvoiceLine]
        let totals: InvoiceTotals
        switch Self.lines(of: request, billing: billing, settings: settings) {
        case .failure(let rejection): return .failure(rejection)
        case .success(let built): lines = built
        }
        do {
            totals = try InvoiceBuilder.totals(of: lines)
        } catch {
            return Self.refuse(
                "the amounts of this one-off invoice are too large to be computed exactly (\(error.operation))",
                "Check the amounts and quantities of its lines (or split it into several invoices), then drop the "
                    + "corrected file again.")
        }
        let draft = InvoiceDraft(
            id: id, kind: .invoice, clientCode: client.code,
            origin: .init(type: .oneOff, draftID: id, contract: nil, period: nil), title: request.title,
            servicePeriod: request.period, lines: lines, recordKeys: [], dueOn: receivedOn(),
            precedingInvoice: nil, reason: request.reference,
            notes: ["requested by \(request.by.isEmpty ? "unknown" : request.by) (\(source(fileHash)))"], annex: [])
        try store.saveDraft(draft)
        return .success(
            "one-off invoice \(id) for \(client.code) requested (\(FrenchDates.euros(totals.grandTotalMinor)) TTC); "
                + "the approval rules decide in this run")
    }

    /// The request's lines with their amounts, VAT from the client's billing.
    static func lines(
        of request: OneOffRequest, billing: ClientBilling, settings: InvoicingSettings
    ) -> Result<[InvoiceLine], Rejection> {
        var lines: [InvoiceLine] = []
        for (index, line) in request.lines.enumerated() {
            let quantity: Quantity
            let price: Int64
            let unit: String
            var article = line.article ?? oneOffArticle
            switch line.pricing {
            case .fixed(let amount):
                (quantity, price, unit) = (.one, amount, OneOffRequest.UnitCode.unit.rawValue)
            case .days(let days, let rate):
                guard let rate = rate ?? billing.dailyRateMinor else {
                    return .failure(
                        Rejection(
                            format: nil,
                            summary: "line \(index + 1) counts days, but client \(request.client) has no daily rate",
                            advice: "Write daily_rate = 850.00 on the line, or give the client a daily_rate in the "
                                + "pipeline file, and drop the file again."))
                }
                (quantity, price, unit) = (days, rate, OneOffRequest.UnitCode.day.rawValue)
                article = line.article ?? settings.dailyArticle
            case .units(let count, let unitPrice, let code):
                (quantity, price, unit) = (count, unitPrice, code.rawValue)
            }
            guard let net = try? InvoiceTotals.lineNet(quantity: quantity, unitPriceMinor: price) else {
                return .failure(
                    Rejection(
                        format: nil, summary: "line \(index + 1): quantity × price is too large to compute",
                        advice: "Check the quantity and the price of that line, then drop the file again."))
            }
            lines.append(
                InvoiceLine(
                    number: index + 1, articleCode: article, description: line.description, quantity: quantity,
                    unitCode: unit, unitPriceMinor: price, netAmountMinor: net, vatCategory: billing.vat.categoryCode,
                    vatRateBasisPoints: billing.vatRateBasisPoints, period: nil, entryCount: 0))
        }
        return .success(lines)
    }

    /// The day the request was taken, in the pipeline's time zone: orders the draft among the others.
    private func receivedOn() -> CivilDate {
        let seconds = ISOTimestamp.parse(now)?.utc ?? 0
        return ZoneConverter(timeZone: pipeline.timeZone).localDate(utc: seconds)
    }

    private func source(_ fileHash: String) -> String { "inbox:" + fileHash.prefix(16) }
}
