import Foundation
import Testing

@testable import FacturationCore

/// The invariants of the shared box behind ``InvoiceDocument`` (fenced performance code): a copy is
/// still a value (changing one copy never changes another), equality compares the fields, and the
/// JSON is that of the fields themselves (the record format), not of a wrapper.
@Suite("InvoiceDocument box")
struct InvoiceDocumentBoxTests {
    @Test("Changing a copy, field by field or deep inside a part, leaves the original as it was")
    func copiesAreValues() {
        let original = CIISample.standard.document
        var copy = original
        #expect(copy == original)
        copy.number = "F2099-0001"
        copy.seller.name = "Autre vendeur"
        copy.buyer.address.lines.append("Boîte postale 12")
        copy.lines[0].description = "Autre ligne"
        copy.recordKeys.append("te:1")
        copy.numbering = .provisional
        #expect(original == CIISample.standard.document)
        #expect(original.number == CIISample.standard.document.number)
        #expect(original.seller.name == "Demo Conseil SAS")
        #expect(original.buyer.address.lines == CIISample.standard.document.buyer.address.lines)
        #expect(original.recordKeys.isEmpty)
        #expect(original.numbering == nil)
        #expect(copy != original)
        #expect(copy.number == "F2099-0001")
        #expect(copy.seller.name == "Autre vendeur")
        #expect(copy.buyer.address.lines.last == "Boîte postale 12")
        #expect(copy.lines[0].description == "Autre ligne")
        #expect(copy.recordKeys == ["te:1"])
        #expect(copy.numbering == .provisional)
    }

    @Test("Two documents built apart with the same fields are equal; one field apart, they are not")
    func equalityComparesFields() {
        let a = CIISample.creditNote.document
        var b = CIISample.creditNote.document
        #expect(a == b)
        b.totals.duePayableMinor += 1
        #expect(a != b)
        b.totals.duePayableMinor -= 1
        #expect(a == b)
        #expect(a.withoutRecordKeys == a)
    }

    @Test("The JSON is the fields' own: the record keys at the top level, an absent optional left out")
    func encodingIsTheFields() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var document = CIISample.standard.document
        document.reason = nil
        let keys = [
            "approval", "buyer", "clientCode", "currency", "dueDate", "formatVersion", "issueDate", "kind",
            "legalNotes", "lines", "number", "origin", "payment", "recordKeys", "seller", "title", "totals",
            "vatOnDebits", "vatTreatment",
        ]
        let object = try #require(
            try JSONSerialization.jsonObject(with: try encoder.encode(document)) as? [String: Any])
        let optional: Set<String> = [
            "servicePeriod", "oxygeneClientCode", "precedingInvoice", "deliveryAddress", "numbering",
        ]
        #expect(Set(object.keys).subtracting(optional) == Set(keys))
        #expect(object["numbering"] == nil && object["reason"] == nil)
        #expect((object["seller"] as? [String: Any])?["name"] as? String == "Demo Conseil SAS")
        #expect(object["number"] as? String == document.number)

        document.numbering = .provisional
        let line = try encoder.encode(document)
        let again = try #require(try JSONSerialization.jsonObject(with: line) as? [String: Any])
        #expect(again["numbering"] as? String == "provisional")
        #expect(try JSONDecoder().decode(InvoiceDocument.self, from: line) == document)
        #expect(try encoder.encode(try JSONDecoder().decode(InvoiceDocument.self, from: line)) == line)
    }
}
