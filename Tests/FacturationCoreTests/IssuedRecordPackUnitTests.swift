import Foundation
import Testing

@testable import FacturationCore

/// The closed years' record pack (``IssuedRecordPack``) gives back every document it packed, every
/// field and every byte of every text, and refuses a damaged pack. The run's use of it (each change
/// of the records seen, the outputs of a workspace without it) is `IssuedRecordPackTests`.
@Suite("IssuedRecordPack")
struct IssuedRecordPackUnitTests {
    /// A credit note with every optional field set, in a provisional numbering, with texts that are
    /// equal as `String`s but not as bytes (a composed and a decomposed accent).
    static func everyFieldSet() -> InvoiceDocument {
        var document = CIISample.creditNote.document
        document.oxygeneClientCode = "CLI-é"
        document.servicePeriod = .init(start: CivilDate(iso: "2024-02-01")!, end: CivilDate(iso: "2024-02-29")!)
        document.reason = "Erreur de quantité"
        document.precedingInvoice = .init(number: "F2024-0007", issueDate: CivilDate(iso: "2024-01-31")!)
        document.deliveryAddress = .init(
            lines: ["1 rue", "bât. B", "3e"], postcode: "69001", city: "Lyon", country: "FR")
        document.numbering = .provisional
        document.recordKeys = ["te:1", "te:é", "te:e\u{301}"]
        document.buyer = .init(
            name: "Cafe\u{301}", legalForm: "SARL", shareCapital: "1 000 €", rcsCity: "Lyon", siren: "123456789",
            siret: "12345678900011", vatNumber: "FR00123456789",
            address: .init(lines: ["x"], postcode: "1", city: "c", country: "BE"), email: "a@b.example")
        document.payment.iban = "FR76"
        document.payment.bic = "BIC"
        document.approval.comment = "vu"
        document.origin.contract = "C1"
        document.origin.period = "2024-02"
        document.lines[0].period = .init(start: CivilDate(iso: "2024-02-01")!, end: CivilDate(iso: "2024-02-10")!)
        document.totals.vatBreakdown[0].exemptionReason = "Exonération"
        document.totals.vatBreakdown[0].exemptionCode = "VATEX-EU-O"
        return document
    }

    /// What the store would write of each document: the test of every byte.
    static func records(_ documents: [InvoiceDocument]) throws -> [[UInt8]] {
        try documents.map { document in
            var line: [UInt8] = []
            try InvoiceStore.appendRecord(of: document, to: &line)
            return line
        }
    }

    static func documents() -> [InvoiceDocument] {
        var random = SplitMix64(seed: 20_261_206)
        var documents = CIISample.allCases.map(\.document)
        documents.append(Self.everyFieldSet())
        var composed = Self.everyFieldSet()
        composed.number = "F2024-0009"
        composed.buyer.name = "Café"
        composed.numbering = .confirmed
        documents.append(composed)
        documents += (0..<300).map { IssuedRecordDecoderTests.generated($0, &random) }
        return documents
    }

    static func pack(_ documents: [InvoiceDocument]) -> IssuedRecordPack {
        let half = documents.count / 2
        return IssuedRecordPack(years: [
            .init(
                folder: "2023", identity: "a1", files: ["F1.jsonl", "F2.json"], documents: Array(documents[..<half]),
                fileOf: documents[..<half].indices.map { $0 % 2 }),
            .init(folder: "2024", identity: "b2", files: [], documents: [], fileOf: []),
            .init(
                folder: "2025", identity: "c3", files: ["é.jsonl"], documents: Array(documents[half...]),
                fileOf: documents[half...].map { _ in 0 }),
        ])
    }

    @Test("Every document comes back equal, byte for byte, in its year and file")
    func roundTrip() throws {
        let documents = Self.documents()
        let pack = Self.pack(documents)
        let decoded = try #require(IssuedRecordPack.decoded(pack.bytes()))
        #expect(decoded == pack)
        let back = decoded.years.flatMap(\.documents)
        #expect(try Self.records(back) == Self.records(documents))
        #expect(back[CIISample.allCases.count].buyer.name.utf8.elementsEqual("Cafe\u{301}".utf8))
        #expect(decoded.bytes() == pack.bytes(), "the same bytes for the same documents")
    }

    @Test("A truncated, changed, or other version's pack is refused")
    func damagedPacksAreRefused() throws {
        let bytes = Self.pack(Self.documents()).bytes()
        #expect(IssuedRecordPack.decoded(Array(bytes.dropLast())) == nil)
        #expect(IssuedRecordPack.decoded(Array(bytes.prefix(40))) == nil)
        var changed = bytes
        changed[bytes.count - 100] ^= 1
        #expect(IssuedRecordPack.decoded(changed) == nil)
        let text = String(decoding: bytes.prefix(40), as: UTF8.self)
        #expect(text.hasPrefix("facturation issued-record-pack 1\n"))
        var other = bytes
        other[Array("facturation issued-record-pack ".utf8).count] = UInt8(ascii: "9")
        #expect(IssuedRecordPack.decoded(other) == nil)
        #expect(IssuedRecordPack.decoded([]) == nil)
    }

    @Test("A body changed anywhere with its checksum made right is refused or read, never read past")
    func changedBodiesWithTheirChecksumNeverCrash() throws {
        let bytes = Self.pack(Array(Self.documents().prefix(20))).bytes()
        let (lines, offset) = try #require(CheckedHeader.read(bytes, lines: 5))
        var random = SplitMix64(seed: 7)
        for _ in 0..<500 {
            var body = Array(bytes[offset...])
            let at = Int(random.next() % UInt64(body.count))
            body[at] = UInt8(truncatingIfNeeded: random.next())
            let header =
                lines.dropLast().map { $0 + "\n" }.joined() + "body-sha256 "
                + body.withUnsafeBytes { SHA256Hasher.hex($0) } + "\n"
            _ = IssuedRecordPack.decoded(Array(header.utf8) + body)
        }
    }

    /// Every stored property of ``InvoiceDocument/Fields`` and of its nested types, as the record
    /// pack writes them at ``IssuedRecordPack/currentVersion``: `path: type`, `[]` an array's
    /// element, `?` an optional's value. The pack is versioned by hand: this list is what tells.
    static let packedFields = (
        version: 1,
        fields: [
            "formatVersion: Int", "kind: Kind", "number: String", "issueDate.year: Int", "issueDate.month: Int",
            "issueDate.day: Int", "dueDate.year: Int", "dueDate.month: Int", "dueDate.day: Int",
            "servicePeriod?.start.year: Int", "servicePeriod?.start.month: Int", "servicePeriod?.start.day: Int",
            "servicePeriod?.end.year: Int", "servicePeriod?.end.month: Int", "servicePeriod?.end.day: Int",
            "currency: String", "seller.name: String", "seller.legalForm?: String", "seller.shareCapital?: String",
            "seller.rcsCity?: String", "seller.siren?: String", "seller.siret?: String",
            "seller.vatNumber?: String", "seller.address.lines[]: String", "seller.address.postcode: String",
            "seller.address.city: String", "seller.address.country: String", "seller.email?: String",
            "buyer.name: String", "buyer.legalForm?: String", "buyer.shareCapital?: String",
            "buyer.rcsCity?: String", "buyer.siren?: String", "buyer.siret?: String", "buyer.vatNumber?: String",
            "buyer.address.lines[]: String", "buyer.address.postcode: String", "buyer.address.city: String",
            "buyer.address.country: String", "buyer.email?: String", "clientCode: String",
            "oxygeneClientCode?: String", "payment.termsText: String", "payment.days: Int",
            "payment.endOfMonth: Bool", "payment.meansCode: String", "payment.oxygeneMethodCode: String",
            "payment.iban?: String", "payment.bic?: String", "vatTreatment: VATTreatment", "vatOnDebits: Bool",
            "legalNotes.recoveryIndemnity: String", "legalNotes.latePenalty: String",
            "legalNotes.discount: String", "title: String", "lines[].number: Int", "lines[].articleCode: String",
            "lines[].description: String", "lines[].quantity.tenThousandths: Int64", "lines[].unitCode: String",
            "lines[].unitPriceMinor: Int64", "lines[].netAmountMinor: Int64", "lines[].vatCategory: String",
            "lines[].vatRateBasisPoints: Int", "lines[].period?.start.year: Int",
            "lines[].period?.start.month: Int", "lines[].period?.start.day: Int", "lines[].period?.end.year: Int",
            "lines[].period?.end.month: Int", "lines[].period?.end.day: Int", "lines[].entryCount: Int",
            "totals.lineTotalMinor: Int64", "totals.taxBasisTotalMinor: Int64",
            "totals.vatBreakdown[].category: String", "totals.vatBreakdown[].rateBasisPoints: Int",
            "totals.vatBreakdown[].basisMinor: Int64", "totals.vatBreakdown[].taxMinor: Int64",
            "totals.vatBreakdown[].exemptionReason?: String", "totals.vatBreakdown[].exemptionCode?: String",
            "totals.taxTotalMinor: Int64", "totals.grandTotalMinor: Int64", "totals.duePayableMinor: Int64",
            "precedingInvoice?.number: String", "precedingInvoice?.issueDate.year: Int",
            "precedingInvoice?.issueDate.month: Int", "precedingInvoice?.issueDate.day: Int", "reason?: String",
            "origin.type: Kind", "origin.draftID: String", "origin.contract?: String", "origin.period?: String",
            "recordKeys[]: String", "approval.decision: Decision", "approval.by: String", "approval.at: String",
            "approval.comment?: String", "deliveryAddress?.lines[]: String", "deliveryAddress?.postcode: String",
            "deliveryAddress?.city: String", "deliveryAddress?.country: String", "numbering?: NumberState",
        ]
    )

    @Test("A field added to InvoiceDocument is noticed: the pack must write it and change version")
    func thePackedFieldsAreTheDocumentsFields() {
        var found: [String] = []
        Self.storedFields(of: Self.everyFieldSet(), at: "", into: &found)
        // The document's copy-on-write box is not a field.
        let fields = found.map { $0.hasPrefix(".box.fields.") ? String($0.dropFirst(12)) : $0 }
        let added = fields.filter { !Self.packedFields.fields.contains($0) }
        let removed = Self.packedFields.fields.filter { !fields.contains($0) }
        #expect(
            added.isEmpty && removed.isEmpty && IssuedRecordPack.currentVersion == Self.packedFields.version,
            """
            InvoiceDocument's stored fields are not those the record pack was written for. Write and \
            read the field in the pack (RecordPackWriter.append(_:) in IssuedRecordPack+Document.swift \
            and its reader, in declaration order), bump IssuedRecordPack.currentVersion (packs on disk \
            then are rebuilt), set the field in everyFieldSet() (the round trip then checks it), and \
            update packedFields (its fields and version) here.
            added: \(added)
            removed: \(removed)
            version: \(IssuedRecordPack.currentVersion), packedFields: \(Self.packedFields.version)
            """)
    }

    /// The stored properties of `value`, recursively (`Mirror`): leaves with their type; an optional
    /// left nil or an empty array in the sample is listed as such (the round trip would not see it).
    static func storedFields(of value: Any, at path: String, into fields: inout [String]) {
        let mirror = Mirror(reflecting: value)
        switch mirror.displayStyle {
        case .optional?:
            guard let wrapped = mirror.children.first else { return fields.append(path + "? nil in everyFieldSet()") }
            storedFields(of: wrapped.value, at: path + "?", into: &fields)
        case .collection?:
            guard let element = mirror.children.first else {
                return fields.append(path + "[] empty in everyFieldSet()")
            }
            storedFields(of: element.value, at: path + "[]", into: &fields)
        case .struct?, .class?, .tuple?:
            guard !mirror.children.isEmpty else { return fields.append("\(path): \(type(of: value))") }
            for (offset, child) in mirror.children.enumerated() {
                storedFields(of: child.value, at: path + "." + (child.label ?? String(offset)), into: &fields)
            }
        default:
            fields.append("\(path): \(type(of: value))")
        }
    }
}
