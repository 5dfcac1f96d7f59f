/// Origin, approval, lines and totals of an issued record (see ``IssuedRecordDecoder``).
extension RecordReader {
    mutating func origin() throws(UnreadRecord) -> InvoiceDocument.Origin {
        var seen = SeenKeys()
        var type: InvoiceDocument.Origin.Kind?
        var draftID: String?, contract: String?, period: String?
        try object { (reader, key) throws(UnreadRecord) in
            switch key {
            case "type": try seen.mark(0); type = try reader.value(InvoiceDocument.Origin.Kind.self)
            case "draftID": try seen.mark(1); draftID = try reader.string()
            case "contract": try seen.mark(2); contract = try reader.optionalString()
            case "period": try seen.mark(3); period = try reader.optionalString()
            default: throw UnreadRecord()
            }
        }
        return InvoiceDocument.Origin(
            type: try required(type), draftID: try required(draftID), contract: contract, period: period)
    }

    mutating func approval() throws(UnreadRecord) -> InvoiceDocument.ApprovalNote {
        var seen = SeenKeys()
        var decision: InvoiceDocument.ApprovalNote.Decision?
        var by: String?, at: String?, comment: String?
        try object { (reader, key) throws(UnreadRecord) in
            switch key {
            case "decision": try seen.mark(0); decision = try reader.value(InvoiceDocument.ApprovalNote.Decision.self)
            case "by": try seen.mark(1); by = try reader.string()
            case "at": try seen.mark(2); at = try reader.string()
            case "comment":
                try seen.mark(3)
                comment = try reader.optionalString()
            default: throw UnreadRecord()
            }
        }
        return InvoiceDocument.ApprovalNote(
            decision: try required(decision), by: try required(by), at: try required(at), comment: comment)
    }

    mutating func line() throws(UnreadRecord) -> InvoiceLine {
        var seen = SeenKeys()
        var number: Int?, vatRateBasisPoints: Int?, entryCount: Int?
        var articleCode: String?, description: String?, unitCode: String?, vatCategory: String?
        var quantity: Quantity?
        var unitPriceMinor: Int64?, netAmountMinor: Int64?
        var period: InvoiceDocument.DateRange?
        try object { (reader, key) throws(UnreadRecord) in
            switch key {
            case "number": try seen.mark(0); number = try reader.int()
            case "articleCode": try seen.mark(1); articleCode = try reader.string()
            case "description": try seen.mark(2); description = try reader.string()
            case "quantity": try seen.mark(3); quantity = try reader.quantity()
            case "unitCode": try seen.mark(4); unitCode = try reader.string()
            case "unitPriceMinor": try seen.mark(5); unitPriceMinor = try reader.int64()
            case "netAmountMinor": try seen.mark(6); netAmountMinor = try reader.int64()
            case "vatCategory": try seen.mark(7); vatCategory = try reader.string()
            case "vatRateBasisPoints": try seen.mark(8); vatRateBasisPoints = try reader.int()
            case "period": try seen.mark(9); period = try reader.optionalDateRange()
            case "entryCount": try seen.mark(10); entryCount = try reader.int()
            default: throw UnreadRecord()
            }
        }
        return InvoiceLine(
            number: try required(number), articleCode: try required(articleCode),
            description: try required(description), quantity: try required(quantity), unitCode: try required(unitCode),
            unitPriceMinor: try required(unitPriceMinor), netAmountMinor: try required(netAmountMinor),
            vatCategory: try required(vatCategory), vatRateBasisPoints: try required(vatRateBasisPoints),
            period: period, entryCount: try required(entryCount))
    }

    mutating func totals() throws(UnreadRecord) -> InvoiceTotals {
        var seen = SeenKeys()
        var amounts: [Int64?] = [nil, nil, nil, nil, nil]
        var groups: [InvoiceTotals.VATGroup]?
        try object { (reader, key) throws(UnreadRecord) in
            let slot: Int
            switch key {
            case "lineTotalMinor": slot = 0
            case "taxBasisTotalMinor": slot = 1
            case "taxTotalMinor": slot = 2
            case "grandTotalMinor": slot = 3
            case "duePayableMinor": slot = 4
            case "vatBreakdown":
                try seen.mark(5)
                groups = try reader.array { (r) throws(UnreadRecord) in try r.vatGroup() }
                return
            default: throw UnreadRecord()
            }
            try seen.mark(slot)
            amounts[slot] = try reader.int64()
        }
        return InvoiceTotals(
            lineTotalMinor: try required(amounts[0]), taxBasisTotalMinor: try required(amounts[1]),
            vatBreakdown: try required(groups), taxTotalMinor: try required(amounts[2]),
            grandTotalMinor: try required(amounts[3]), duePayableMinor: try required(amounts[4]))
    }

    mutating func vatGroup() throws(UnreadRecord) -> InvoiceTotals.VATGroup {
        var seen = SeenKeys()
        var category: String?, exemptionReason: String?, exemptionCode: String?
        var rateBasisPoints: Int?
        var basisMinor: Int64?, taxMinor: Int64?
        try object { (reader, key) throws(UnreadRecord) in
            switch key {
            case "category": try seen.mark(0); category = try reader.keptString()
            case "rateBasisPoints": try seen.mark(1); rateBasisPoints = try reader.int()
            case "basisMinor": try seen.mark(2); basisMinor = try reader.int64()
            case "taxMinor": try seen.mark(3); taxMinor = try reader.int64()
            case "exemptionReason": try seen.mark(4); exemptionReason = try reader.optionalKeptString()
            case "exemptionCode": try seen.mark(5); exemptionCode = try reader.optionalKeptString()
            default: throw UnreadRecord()
            }
        }
        return InvoiceTotals.VATGroup(
            category: try required(category), rateBasisPoints: try required(rateBasisPoints),
            basisMinor: try required(basisMinor), taxMinor: try required(taxMinor), exemptionReason: exemptionReason,
            exemptionCode: exemptionCode)
    }
}

/// The top-level fields of an issued record as they are read, in any order.
struct DocumentFields {
    private var seen = SeenKeys()
    var formatVersion: Int?, kind: InvoiceDocument.Kind?, number: String?, issueDate: CivilDate?
    var dueDate: CivilDate?, servicePeriod: InvoiceDocument.DateRange?, currency: String?
    var seller: InvoiceDocument.Party?, buyer: InvoiceDocument.Party?, clientCode: String?
    var oxygeneClientCode: String?, payment: InvoiceDocument.PaymentInfo?, vatTreatment: VATTreatment?
    var vatOnDebits: Bool?, legalNotes: InvoiceDocument.LegalNotes?, title: String?, lines: [InvoiceLine]?
    var totals: InvoiceTotals?, precedingInvoice: InvoiceDocument.DocumentReference?, reason: String?
    var origin: InvoiceDocument.Origin?, recordKeys: [String]?, approval: InvoiceDocument.ApprovalNote?
    var deliveryAddress: InvoiceDocument.PostalAddress?

    mutating func read(
        _ key: FieldName, from reader: inout RecordReader, repeating parts: inout RepeatedParts
    ) throws(UnreadRecord) {
        switch key {
        case "formatVersion": try seen.mark(0); formatVersion = try reader.int()
        case "kind": try seen.mark(1); kind = try reader.value(InvoiceDocument.Kind.self)
        case "number": try seen.mark(2); number = try reader.keptString()
        case "issueDate": try seen.mark(3); issueDate = try reader.date()
        case "dueDate": try seen.mark(4); dueDate = try reader.date()
        case "servicePeriod": try seen.mark(5); servicePeriod = try reader.optionalDateRange()
        case "currency": try seen.mark(6); currency = try reader.string()
        case "seller":
            try seen.mark(7)
            seller = try reader.repeated(&parts.seller) { (r) throws(UnreadRecord) in try r.party() }
        case "buyer":
            try seen.mark(8)
            buyer = try reader.repeated(&parts.buyer) { (r) throws(UnreadRecord) in try r.party() }
        case "clientCode": try seen.mark(9); clientCode = try reader.keptString()
        case "oxygeneClientCode": try seen.mark(10); oxygeneClientCode = try reader.optionalString()
        case "payment": try seen.mark(11); payment = try reader.payment()
        case "vatTreatment": try seen.mark(12); vatTreatment = try reader.value(VATTreatment.self)
        case "vatOnDebits": try seen.mark(13); vatOnDebits = try reader.bool()
        case "legalNotes":
            try seen.mark(14)
            legalNotes = try reader.repeated(&parts.legalNotes) { (r) throws(UnreadRecord) in try r.legalNotes() }
        case "title": try seen.mark(15); title = try reader.string()
        case "lines": try seen.mark(16); lines = try reader.array { (r) throws(UnreadRecord) in try r.line() }
        case "totals": try seen.mark(17); totals = try reader.totals()
        case "precedingInvoice":
            try seen.mark(18)
            precedingInvoice = try reader.optional { (r) throws(UnreadRecord) in try r.reference() }
        case "reason": try seen.mark(19); reason = try reader.optionalString()
        case "origin": try seen.mark(20); origin = try reader.origin()
        case "recordKeys": try seen.mark(21); recordKeys = try reader.strings()
        case "approval": try seen.mark(22); approval = try reader.approval()
        case "deliveryAddress":
            try seen.mark(23)
            deliveryAddress = try reader.optional { (r) throws(UnreadRecord) in try r.address() }
        default: throw UnreadRecord()
        }
    }

    func document() throws(UnreadRecord) -> InvoiceDocument {
        InvoiceDocument(
            formatVersion: try required(formatVersion), kind: try required(kind), number: try required(number),
            issueDate: try required(issueDate), dueDate: try required(dueDate), servicePeriod: servicePeriod,
            currency: try required(currency), seller: try required(seller), buyer: try required(buyer),
            clientCode: try required(clientCode), oxygeneClientCode: oxygeneClientCode,
            payment: try required(payment), vatTreatment: try required(vatTreatment),
            vatOnDebits: try required(vatOnDebits), legalNotes: try required(legalNotes), title: try required(title),
            lines: try required(lines), totals: try required(totals), precedingInvoice: precedingInvoice,
            reason: reason, origin: try required(origin), recordKeys: try required(recordKeys),
            approval: try required(approval), deliveryAddress: deliveryAddress)
    }
}
