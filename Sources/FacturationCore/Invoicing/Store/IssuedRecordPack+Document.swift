/// One document in the pack's body: every stored field of ``InvoiceDocument/Fields``, in the order
/// of their declaration (a field added there must be added here, both ways, and
/// ``IssuedRecordPack/currentVersion`` bumped; `IssuedRecordPackTests` round-trips a document with
/// every optional field set).
extension RecordPackWriter {
    mutating func append(_ document: InvoiceDocument) {
        int(document.formatVersion)
        string(document.kind.rawValue)
        string(document.number)
        date(document.issueDate)
        date(document.dueDate)
        range(document.servicePeriod)
        string(document.currency)
        party(document.seller)
        party(document.buyer)
        string(document.clientCode)
        optional(document.oxygeneClientCode)
        append(document.payment)
        string(document.vatTreatment.rawValue)
        bool(document.vatOnDebits)
        string(document.legalNotes.recoveryIndemnity)
        string(document.legalNotes.latePenalty)
        string(document.legalNotes.discount)
        string(document.title)
        word(document.lines.count)
        for line in document.lines { append(line) }
        append(document.totals)
        bool(document.precedingInvoice != nil)
        if let preceding = document.precedingInvoice {
            string(preceding.number)
            date(preceding.issueDate)
        }
        optional(document.reason)
        string(document.origin.type.rawValue)
        string(document.origin.draftID)
        optional(document.origin.contract)
        optional(document.origin.period)
        list(document.recordKeys)
        string(document.approval.decision.rawValue)
        string(document.approval.by)
        string(document.approval.at)
        optional(document.approval.comment)
        bool(document.deliveryAddress != nil)
        if let address = document.deliveryAddress { self.address(address) }
        optional(document.numbering?.rawValue)
    }

    mutating func append(_ payment: InvoiceDocument.PaymentInfo) {
        string(payment.termsText)
        int(payment.days)
        bool(payment.endOfMonth)
        string(payment.meansCode)
        string(payment.oxygeneMethodCode)
        optional(payment.iban)
        optional(payment.bic)
    }

    mutating func append(_ line: InvoiceLine) {
        int(line.number)
        string(line.articleCode)
        string(line.description)
        int(line.quantity.tenThousandths)
        string(line.unitCode)
        int(line.unitPriceMinor)
        int(line.netAmountMinor)
        string(line.vatCategory)
        int(line.vatRateBasisPoints)
        range(line.period)
        int(line.entryCount)
    }

    mutating func append(_ totals: InvoiceTotals) {
        int(totals.lineTotalMinor)
        int(totals.taxBasisTotalMinor)
        word(totals.vatBreakdown.count)
        for group in totals.vatBreakdown {
            string(group.category)
            int(group.rateBasisPoints)
            int(group.basisMinor)
            int(group.taxMinor)
            optional(group.exemptionReason)
            optional(group.exemptionCode)
        }
        int(totals.taxTotalMinor)
        int(totals.grandTotalMinor)
        int(totals.duePayableMinor)
    }
}

extension RecordPackReader {
    mutating func document() throws(Damaged) -> InvoiceDocument {
        let formatVersion = Int(try int()), kind = try value(InvoiceDocument.Kind.self), number = try string()
        let issueDate = try date(), dueDate = try date(), servicePeriod = try range(), currency = try string()
        let seller = try party(), buyer = try party(), clientCode = try string(), oxygeneCode = try optional()
        let payment = try paymentInfo(), vatTreatment = try value(VATTreatment.self), vatOnDebits = try bool()
        let notes = InvoiceDocument.LegalNotes(
            recoveryIndemnity: try string(), latePenalty: try string(), discount: try string())
        let title = try string()
        let lines = try (0..<(try count())).map { _ throws(Damaged) in try line() }
        let totals = try self.totals()
        let preceding =
            try bool() ? InvoiceDocument.DocumentReference(number: try string(), issueDate: try date()) : nil
        let reason = try optional()
        let origin = InvoiceDocument.Origin(
            type: try value(InvoiceDocument.Origin.Kind.self), draftID: try string(), contract: try optional(),
            period: try optional())
        let recordKeys = try list()
        let approval = InvoiceDocument.ApprovalNote(
            decision: try value(InvoiceDocument.ApprovalNote.Decision.self), by: try string(), at: try string(),
            comment: try optional())
        let deliveryAddress = try bool() ? try address() : nil
        let numbering = try optional()
        guard numbering == nil || InvoiceDocument.NumberState(rawValue: numbering!) != nil else { throw Damaged() }
        return InvoiceDocument(
            formatVersion: formatVersion, kind: kind, number: number, issueDate: issueDate, dueDate: dueDate,
            servicePeriod: servicePeriod, currency: currency, seller: seller, buyer: buyer, clientCode: clientCode,
            oxygeneClientCode: oxygeneCode, payment: payment, vatTreatment: vatTreatment, vatOnDebits: vatOnDebits,
            legalNotes: notes, title: title, lines: lines, totals: totals, precedingInvoice: preceding,
            reason: reason, origin: origin, recordKeys: recordKeys, approval: approval,
            deliveryAddress: deliveryAddress, numbering: numbering.flatMap(InvoiceDocument.NumberState.init))
    }

    mutating func paymentInfo() throws(Damaged) -> InvoiceDocument.PaymentInfo {
        InvoiceDocument.PaymentInfo(
            termsText: try string(), days: Int(try int()), endOfMonth: try bool(), meansCode: try string(),
            oxygeneMethodCode: try string(), iban: try optional(), bic: try optional())
    }

    mutating func line() throws(Damaged) -> InvoiceLine {
        InvoiceLine(
            number: Int(try int()), articleCode: try string(), description: try string(),
            quantity: Quantity(tenThousandths: try int()), unitCode: try string(), unitPriceMinor: try int(),
            netAmountMinor: try int(), vatCategory: try string(), vatRateBasisPoints: Int(try int()),
            period: try range(), entryCount: Int(try int()))
    }

    mutating func totals() throws(Damaged) -> InvoiceTotals {
        let lineTotal = try int(), taxBasis = try int()
        let groups = try (0..<(try count())).map { _ throws(Damaged) in
            InvoiceTotals.VATGroup(
                category: try string(), rateBasisPoints: Int(try int()), basisMinor: try int(), taxMinor: try int(),
                exemptionReason: try optional(), exemptionCode: try optional())
        }
        return InvoiceTotals(
            lineTotalMinor: lineTotal, taxBasisTotalMinor: taxBasis, vatBreakdown: groups, taxTotalMinor: try int(),
            grandTotalMinor: try int(), duePayableMinor: try int())
    }
}
