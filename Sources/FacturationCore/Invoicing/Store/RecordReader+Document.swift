/// The fields of an issued record, as `InvoiceDocument`'s synthesized `Decodable` reads them:
/// required keys must be present, optional ones may be absent or `null`, and any other key gives
/// up (see ``IssuedRecordDecoder``).
extension RecordReader {
    mutating func document(repeating parts: inout RepeatedParts) throws(UnreadRecord) -> InvoiceDocument {
        var fields = DocumentFields()
        try object { (reader, key) throws(UnreadRecord) in try fields.read(key, from: &reader, repeating: &parts) }
        return try fields.document()
    }

    mutating func party() throws(UnreadRecord) -> InvoiceDocument.Party {
        var seen = SeenKeys()
        var name: String?
        var legalForm: String?, shareCapital: String?, rcsCity: String?, siren: String?, siret: String?
        var vatNumber: String?, email: String?
        var address: InvoiceDocument.PostalAddress?
        try object { (reader, key) throws(UnreadRecord) in
            switch key {
            case "name": try seen.mark(0); name = try reader.keptString()
            case "legalForm": try seen.mark(1); legalForm = try reader.optionalString()
            case "shareCapital": try seen.mark(2); shareCapital = try reader.optionalString()
            case "rcsCity": try seen.mark(3); rcsCity = try reader.optionalString()
            case "siren": try seen.mark(4); siren = try reader.optionalString()
            case "siret": try seen.mark(5); siret = try reader.optionalString()
            case "vatNumber": try seen.mark(6); vatNumber = try reader.optionalString()
            case "address": try seen.mark(7); address = try reader.address()
            case "email": try seen.mark(8); email = try reader.optionalString()
            default: throw UnreadRecord()
            }
        }
        return InvoiceDocument.Party(
            name: try required(name), legalForm: legalForm, shareCapital: shareCapital, rcsCity: rcsCity,
            siren: siren, siret: siret, vatNumber: vatNumber, address: try required(address), email: email)
    }

    mutating func address() throws(UnreadRecord) -> InvoiceDocument.PostalAddress {
        var seen = SeenKeys()
        var lines: [String]?
        var postcode: String?, city: String?, country: String?
        try object { (reader, key) throws(UnreadRecord) in
            switch key {
            case "lines": try seen.mark(0); lines = try reader.strings()
            case "postcode": try seen.mark(1); postcode = try reader.string()
            case "city": try seen.mark(2); city = try reader.string()
            case "country": try seen.mark(3); country = try reader.string()
            default: throw UnreadRecord()
            }
        }
        return InvoiceDocument.PostalAddress(
            lines: try required(lines), postcode: try required(postcode), city: try required(city),
            country: try required(country))
    }

    mutating func payment() throws(UnreadRecord) -> InvoiceDocument.PaymentInfo {
        var seen = SeenKeys()
        var termsText: String?, meansCode: String?, oxygeneMethodCode: String?, iban: String?, bic: String?
        var days: Int?
        var endOfMonth: Bool?
        try object { (reader, key) throws(UnreadRecord) in
            switch key {
            case "termsText": try seen.mark(0); termsText = try reader.string()
            case "days": try seen.mark(1); days = try reader.int()
            case "endOfMonth": try seen.mark(2); endOfMonth = try reader.bool()
            case "meansCode": try seen.mark(3); meansCode = try reader.string()
            case "oxygeneMethodCode": try seen.mark(4); oxygeneMethodCode = try reader.string()
            case "iban": try seen.mark(5); iban = try reader.optionalString()
            case "bic": try seen.mark(6); bic = try reader.optionalString()
            default: throw UnreadRecord()
            }
        }
        return InvoiceDocument.PaymentInfo(
            termsText: try required(termsText), days: try required(days), endOfMonth: try required(endOfMonth),
            meansCode: try required(meansCode), oxygeneMethodCode: try required(oxygeneMethodCode), iban: iban,
            bic: bic)
    }

    mutating func legalNotes() throws(UnreadRecord) -> InvoiceDocument.LegalNotes {
        var seen = SeenKeys()
        var recoveryIndemnity: String?, latePenalty: String?, discount: String?
        try object { (reader, key) throws(UnreadRecord) in
            switch key {
            case "recoveryIndemnity": try seen.mark(0); recoveryIndemnity = try reader.string()
            case "latePenalty": try seen.mark(1); latePenalty = try reader.string()
            case "discount": try seen.mark(2); discount = try reader.string()
            default: throw UnreadRecord()
            }
        }
        return InvoiceDocument.LegalNotes(
            recoveryIndemnity: try required(recoveryIndemnity), latePenalty: try required(latePenalty),
            discount: try required(discount))
    }

    mutating func dateRange() throws(UnreadRecord) -> InvoiceDocument.DateRange {
        var seen = SeenKeys()
        var start: CivilDate?, end: CivilDate?
        try object { (reader, key) throws(UnreadRecord) in
            switch key {
            case "start": try seen.mark(0); start = try reader.date()
            case "end": try seen.mark(1); end = try reader.date()
            default: throw UnreadRecord()
            }
        }
        return InvoiceDocument.DateRange(start: try required(start), end: try required(end))
    }

    mutating func optionalString() throws(UnreadRecord) -> String? {
        try optional { (reader) throws(UnreadRecord) in try reader.string() }
    }

    mutating func optionalKeptString() throws(UnreadRecord) -> String? {
        try optional { (reader) throws(UnreadRecord) in try reader.keptString() }
    }

    mutating func optionalDateRange() throws(UnreadRecord) -> InvoiceDocument.DateRange? {
        try optional { (reader) throws(UnreadRecord) in try reader.dateRange() }
    }

    mutating func reference() throws(UnreadRecord) -> InvoiceDocument.DocumentReference {
        var seen = SeenKeys()
        var number: String?
        var issueDate: CivilDate?
        try object { (reader, key) throws(UnreadRecord) in
            switch key {
            case "number": try seen.mark(0); number = try reader.keptString()
            case "issueDate": try seen.mark(1); issueDate = try reader.date()
            default: throw UnreadRecord()
            }
        }
        return InvoiceDocument.DocumentReference(number: try required(number), issueDate: try required(issueDate))
    }
}
