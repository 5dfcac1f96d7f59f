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

/// The fast bytewise order of folder listings (``Storage/bytewiseLess(_:_:)``) is the order of the
/// UTF-8 bytes, as `lexicographicallyPrecedes` over `utf8` gives it.
@Suite("Storage listing order")
struct StorageListingOrderTests {
    @Test("Names of any length and script sort as their UTF-8 bytes do")
    func bytewiseOrderIsTheUTF8Order() throws {
        var random = SplitMix64(seed: 20_261_207)
        let pieces = ["", "a", "A", "0", "_", "é", "e\u{301}", "Z", "z", "✓", "😀", "\u{7F}", "F2025", "F2025-"]
        var names: [String] = pieces
        for _ in 0..<2_000 {
            var name = ""
            for _ in 0..<(random.next() % 5) { name += pieces[Int(random.next() % UInt64(pieces.count))] }
            names.append(name)
        }
        for index in names.indices.dropFirst() {
            let (a, b) = (names[index - 1], names[index])
            #expect(Storage.bytewiseLess(a, b) == a.utf8.lexicographicallyPrecedes(b.utf8), "\(a) < \(b)")
            #expect(Storage.bytewiseLess(b, a) == b.utf8.lexicographicallyPrecedes(a.utf8), "\(b) < \(a)")
        }
        #expect(names.sorted(by: Storage.bytewiseLess) == names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        // Strings made again from slices compare the same.
        let made = names.prefix(200).map { String(Substring($0)) + "" }
        #expect(made.sorted(by: Storage.bytewiseLess) == made.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
    }

    @Test("A folder lists in that order")
    func folderListsBytewise() throws {
        let folder = Path.join(NSTemporaryDirectory(), "listing-\(getpid())-\(UInt32.random(in: 0...UInt32.max))")
        try Storage.makeDirectory(folder)
        defer { try? Storage.removeTree(folder) }
        let names = ["b", "a", "B", "é", "e", "a0", "a-", "Z1", "z", "F2025-0010.xml", "F2025-0009.xml"]
        for name in names {
            try Storage.write(Array(name.utf8), to: Path.join(folder, name), temporaryDirectory: folder)
        }
        #expect(try Storage.list(folder) == names.sorted { $0.utf8.lexicographicallyPrecedes($1.utf8) })
        #expect(try Storage.list(folder).first == "B")
    }
}
