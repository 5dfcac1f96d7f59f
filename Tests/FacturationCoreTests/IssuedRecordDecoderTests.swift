import Foundation
import Testing

@testable import FacturationCore

/// The invariant of the fenced fast path for issued records (``IssuedRecordDecoder``): whatever it
/// returns is what `JSONDecoder` returns for the same line, and every line the store writes is
/// read by it (else it would only be slow, and the tests would not see it).
@Suite("IssuedRecordDecoder")
struct IssuedRecordDecoderTests {
    /// The fast document of `line`, or nil.
    static func fast(_ line: [UInt8]) -> InvoiceDocument? {
        line.withUnsafeBufferPointer { IssuedRecordDecoder.document(from: $0) }
    }

    static func record(_ document: InvoiceDocument) throws -> [UInt8] {
        var line: [UInt8] = []
        try InvoiceStore.appendRecord(of: document, to: &line)
        return line
    }

    @Test(
        "Every sample document, as the store writes it, reads back equal to JSONDecoder's",
        arguments: CIISample.allCases)
    func samplesRoundTrip(_ sample: CIISample) throws {
        var document = sample.document
        document.recordKeys = ["te:1", "te:quote\"and\\back", "te:é✓"]
        let line = try Self.record(document)
        let decoded = try JSONDecoder().decode(InvoiceDocument.self, from: Data(line))
        #expect(decoded == document)
        #expect(Self.fast(line) == decoded)
    }

    @Test("Generated documents (optional fields present or not, escapes, any Unicode) read back equal")
    func generatedDocumentsRoundTrip() throws {
        var random = SplitMix64(seed: 20_261_205)
        for index in 0..<400 {
            let document = Self.generated(index, &random)
            let line = try Self.record(document)
            let decoded = try JSONDecoder().decode(InvoiceDocument.self, from: Data(line))
            #expect(decoded == document)
            let fast = Self.fast(line)
            #expect(fast == decoded, "document \(index): \(String(decoding: line, as: UTF8.self))")
            if fast != decoded { return }
        }
    }

    @Test("The lines of one file, read in order with their repeated parts taken again, equal JSONDecoder's")
    func repeatedPartsOfAFile() throws {
        var random = SplitMix64(seed: 20_261_206)
        let sellers = [CIISample.demoSeller, Self.generated(1, &random).seller, Self.generated(2, &random).seller]
        let buyers = (0..<4).map { Self.generated($0, &random).buyer }
        let notes = [CIISample.legalNotes, Self.generated(3, &random).legalNotes]
        var parts = RepeatedParts()
        var reused = 0
        for index in 0..<600 {
            var document = Self.generated(index, &random)
            // Runs of the same parts, as in a batch file, and changes in the middle of a file.
            document.seller = sellers[index / 50 % sellers.count]
            document.buyer = buyers[Int(random.next() % 5) % buyers.count]
            document.legalNotes = notes[index / 7 % notes.count]
            if index % 97 == 0 { document.seller.name += "x" }
            let line = try Self.record(document)
            let decoded = try JSONDecoder().decode(InvoiceDocument.self, from: Data(line))
            let before = parts
            let fast = line.withUnsafeBufferPointer { IssuedRecordDecoder.document(from: $0, repeating: &parts) }
            #expect(fast == decoded, "document \(index): \(String(decoding: line, as: UTF8.self))")
            #expect(Self.fast(line) == decoded)
            if fast != decoded { return }
            if before.seller.value != nil && before.seller.value == fast?.seller { reused += 1 }
        }
        #expect(reused > 500)
    }

    @Test("A part that differs from the one before is read again, and the one before after it")
    func changedPartIsReadAgain() throws {
        var parts = RepeatedParts()
        var first = CIISample.standard.document
        first.buyer.email = nil
        var second = first
        second.buyer.email = "compta@laa.fr"
        for document in [first, second, first] {
            let line = try Self.record(document)
            let fast = line.withUnsafeBufferPointer { IssuedRecordDecoder.document(from: $0, repeating: &parts) }
            #expect(fast == document)
        }
    }

    @Test("A field name is matched by its bytes: an escaped name is left to JSONDecoder, which reads the same")
    func escapedFieldNameGivesUp() throws {
        let line = String(decoding: try Self.record(CIISample.standard.document), as: UTF8.self)
        for (name, escaped) in [("currency", #"curr\u0065ncy"#), ("seller", #"sell\u0065r"#), ("name", #"n\u0061me"#)] {
            let variant = line.replacingOccurrences(of: "\"\(name)\":", with: "\"\(escaped)\":")
            #expect(variant != line)
            #expect(Self.fast(Array(variant.utf8)) == nil, "\(variant)")
            let decoded = try JSONDecoder().decode(InvoiceDocument.self, from: Data(variant.utf8))
            #expect(decoded == CIISample.standard.document)
        }
        // A name that is a prefix or an extension of a field's is not that field.
        for variant in [#""currenc":"EUR""#, #""currencyy":"EUR""#, #""":"EUR""#] {
            let changed = line.replacingOccurrences(of: #""currency":"EUR""#, with: variant)
            #expect(Self.fast(Array(changed.utf8)) == nil, "\(changed)")
        }
    }

    @Test("Pretty-printed JSON with spaces and escaped slashes reads the same")
    func prettyPrintedJSON() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        for sample in CIISample.allCases {
            let bytes = Array(try encoder.encode(sample.document))
            #expect(Self.fast(bytes) == sample.document, "\(sample)")
        }
    }

    @Test("What the fast path does not fully read is left to JSONDecoder")
    func unreadFormsGiveUp() throws {
        let line = String(decoding: try Self.record(CIISample.standard.document), as: UTF8.self)
        let variants = [
            line.replacingOccurrences(of: #""currency":"EUR""#, with: #""currency":"EUR","extra":1"#),
            line.replacingOccurrences(of: #""currency":"EUR""#, with: #""currency":"EUR","currency":"USD""#),
            line.replacingOccurrences(of: #""formatVersion":1"#, with: #""formatVersion":1.0"#),
            line.replacingOccurrences(of: #""formatVersion":1"#, with: #""formatVersion":1e0"#),
            line.replacingOccurrences(of: #""formatVersion":1"#, with: #""formatVersion":01"#),
            line.replacingOccurrences(of: #""formatVersion":1"#, with: #""formatVersion":99999999999999999999"#),
            line.replacingOccurrences(of: #""currency":"EUR""#, with: #""currency":"\ud800""#),
            line.replacingOccurrences(of: #""currency":"EUR""#, with: #""currency":"\q""#),
            line.replacingOccurrences(of: #""currency":"EUR","#, with: ""),
            line.replacingOccurrences(of: #""kind":"invoice""#, with: #""kind":"receipt""#),
            line.replacingOccurrences(of: #""issueDate":"2025-08-31""#, with: #""issueDate":"2025-02-31""#),
            line.replacingOccurrences(of: #""quantity":"12.50""#, with: #""quantity":"12.50001""#),
            line.replacingOccurrences(of: #""currency":"EUR""#, with: #""currency":null"#),
            String(line.dropLast()), line + "x", line + ",{}",
        ]
        for variant in variants {
            #expect(variant != line)
            #expect(Self.fast(Array(variant.utf8)) == nil, "\(variant)")
        }
        // `null` for an optional field is read as absent, as `decodeIfPresent` does.
        let nulled = line.replacingOccurrences(of: #""currency":"EUR""#, with: #""currency":"EUR","reason":null"#)
        #expect(Self.fast(Array(nulled.utf8)) == CIISample.standard.document)
    }

    @Test("Dates in every form: the fast path reads what JSONDecoder reads, or leaves the line to it")
    func datesInEveryForm() throws {
        let line = String(decoding: try Self.record(CIISample.standard.document), as: UTF8.self)
        let forms = [
            "2025-08-30", "2024-02-29", "2025-02-29", "2025-13-01", "0000-01-01", "+025-08-31", "2025-+8-31",
            "2025-8-31", "2025-08-31 ", "2025/08/31", "2025-08-3a", #"2025-08-3\u0031"#, "",
        ]
        var read = 0
        for form in forms {
            let changed = line.replacingOccurrences(of: #""issueDate":"2025-08-31""#, with: #""issueDate":"\#(form)""#)
            #expect(changed != line)
            let decoded = try? JSONDecoder().decode(InvoiceDocument.self, from: Data(changed.utf8))
            let fast = Self.fast(Array(changed.utf8))
            if fast != nil { read += 1 }
            #expect(fast == nil || fast == decoded, "\(form)")
            #expect((fast == nil) == (decoded == nil), "\(form)")
        }
        // The plain dates, the signed parts and the escaped digit are read by the fast path.
        #expect(read == 5)
    }

    @Test("Mutated lines: whatever the fast path accepts, JSONDecoder reads the same")
    func mutatedLinesAgreeWithJSONDecoder() throws {
        var random = SplitMix64(seed: 7)
        let lines = try CIISample.allCases.map { try Self.record($0.document) }
        var accepted = 0
        for case_ in 0..<3_000 {
            var line = lines[case_ % lines.count]
            Self.mutate(&line, &random)
            guard let fast = Self.fast(line) else { continue }
            accepted += 1
            let decoded = try? JSONDecoder().decode(InvoiceDocument.self, from: Data(line))
            #expect(decoded == fast, "case \(case_): \(String(decoding: line, as: UTF8.self))")
        }
        // Some mutations keep a valid record (a digit changed): the comparison above is not empty.
        #expect(accepted > 100)
    }

    /// One to three bytes of `line` changed, removed or added (JSON's punctuation, digits, letters
    /// of its literals, controls, bytes of UTF-8 and of invalid UTF-8).
    static func mutate(_ line: inout [UInt8], _ random: inout SplitMix64) {
        let alphabet = Array(#"{}[]":,\"0123456789-.eEtrufalsn u"#.utf8) + [0x00, 0x0A, 0xC3, 0xA9, 0xFF]
        for _ in 0...(random.next() % 3) {
            let at = Int(random.next() % UInt64(line.count))
            switch random.next() % 3 {
            case 0: line[at] = alphabet[Int(random.next() % UInt64(alphabet.count))]
            case 1: line.remove(at: at)
            default: line.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: at)
            }
        }
    }

    // MARK: - Sales (what the FEC export reads)

    /// Whether a line reads as a sale (``IssuedRecordDecoder/sale(from:repeating:)``) exactly when
    /// it reads as a document, and then as what the postings read of that document; each form with
    /// its own repeated parts, as a file is read.
    static func saleAgrees(
        _ line: [UInt8], _ parts: inout RepeatedParts, _ saleParts: inout RepeatedParts
    ) -> Bool {
        line.withUnsafeBufferPointer { bytes in
            let document = IssuedRecordDecoder.document(from: bytes, repeating: &parts)
            let sale = IssuedRecordDecoder.sale(from: bytes, repeating: &saleParts)
            return sale == document.map(IssuedSale.init)
        }
    }

    @Test("A sale is read from exactly the lines a document is read from, with the document's fields")
    func salesAgreeWithDocuments() throws {
        var random = SplitMix64(seed: 20_261_207)
        var lines = try CIISample.allCases.map { try Self.record($0.document) }
        let buyers = (0..<3).map { Self.generated($0, &random).buyer }
        for index in 0..<400 {
            var document = Self.generated(index, &random)
            // Runs of the same buyer, as in a batch file, so that repeated parts are taken again.
            if index % 3 == 0 { document.buyer = buyers[index / 30 % buyers.count] }
            lines.append(try Self.record(document))
        }
        var read = 0, refused = 0
        var parts = RepeatedParts(), saleParts = RepeatedParts()
        for case_ in 0..<6_000 {
            var line = lines[case_ % lines.count]
            // Half the lines as written, half mutated.
            if case_ >= lines.count && case_ % 2 == 1 { Self.mutate(&line, &random) }
            let agrees = Self.saleAgrees(line, &parts, &saleParts)
            #expect(agrees, "case \(case_): \(String(decoding: line, as: UTF8.self))")
            if !agrees { return }
            var fresh = RepeatedParts()
            if line.withUnsafeBufferPointer({ IssuedRecordDecoder.sale(from: $0, repeating: &fresh) }) != nil {
                read += 1
            } else {
                refused += 1
            }
        }
        // Both sides compared: lines read, and mutated lines the fast path leaves to JSONDecoder.
        #expect(read > 3_000 && refused > 1_000)
    }

    @Test("The kept fields of a sale are read whatever their form; every other string is checked as for a document")
    func saleChecksWhatItDoesNotKeep() throws {
        var document = CIISample.creditNote.document
        document.buyer.name = "Cl\"ient é\\ 漢, long enough not to be stored inline"
        document.clientCode = "C\u{1}é"
        document.title = "Plain title"
        let line = Array(try Self.record(document))
        var parts = RepeatedParts(), saleParts = RepeatedParts()
        #expect(Self.saleAgrees(line, &parts, &saleParts))
        var fresh = RepeatedParts()
        #expect(
            line.withUnsafeBufferPointer { IssuedRecordDecoder.sale(from: $0, repeating: &fresh) }
                == IssuedSale(document))
        // A string no sale keeps, damaged (a control character, an unknown escape, a lone
        // surrogate, invalid UTF-8): refused as the document is, and left to JSONDecoder.
        let text = String(decoding: line, as: UTF8.self)
        for damaged in ["ti\u{1}tle", #"\q"#, #"\ud800"#] {
            let changed = Array(text.replacingOccurrences(of: "Plain title", with: damaged).utf8)
            #expect(changed != line)
            var fresh = RepeatedParts()
            #expect(changed.withUnsafeBufferPointer { IssuedRecordDecoder.sale(from: $0, repeating: &fresh) } == nil)
            #expect(Self.fast(changed) == nil)
        }
        var invalid = line
        invalid.replaceSubrange(invalid.firstRange(of: Array("Plain".utf8))!, with: [0xC3, 0x28])
        fresh = RepeatedParts()
        #expect(invalid.withUnsafeBufferPointer { IssuedRecordDecoder.sale(from: $0, repeating: &fresh) } == nil)
    }

    // MARK: - Generated documents

    static func generated(_ index: Int, _ random: inout SplitMix64) -> InvoiceDocument {
        var document = CIISample.allCases[index % CIISample.allCases.count].document
        func text() -> String { randomText(&random) }
        func maybe(_ value: String) -> String? { random.next() % 2 == 0 ? nil : value }
        document.number = "F\(index)-" + text()
        document.title = text()
        document.clientCode = text()
        document.oxygeneClientCode = maybe(text())
        document.reason = maybe(text())
        document.buyer.name = text()
        document.buyer.email = maybe(text())
        document.buyer.siren = maybe(text())
        document.buyer.address.lines = (0..<Int(random.next() % 4)).map { _ in text() }
        document.seller.shareCapital = maybe(text())
        document.payment.iban = maybe(text())
        document.payment.days = Int(random.next() % 200)
        document.payment.endOfMonth = random.next() % 2 == 0
        document.legalNotes.discount = text()
        document.deliveryAddress =
            random.next() % 2 == 0 ? nil : .init(lines: [text()], postcode: text(), city: text(), country: "FR")
        document.servicePeriod = random.next() % 3 == 0 ? nil : document.servicePeriod
        document.origin = .init(
            type: [.recurring, .time, .creditNote][Int(random.next() % 3)], draftID: text(), contract: maybe(text()),
            period: maybe(text()))
        document.approval = .init(
            decision: random.next() % 2 == 0 ? .automatic : .approved, by: text(), at: text(), comment: maybe(text()))
        document.recordKeys = (0..<Int(random.next() % 5)).map { _ in text() }
        for index in document.lines.indices {
            document.lines[index].description = text()
            document.lines[index].unitPriceMinor = Int64(bitPattern: random.next()) / 1_000_000
            document.lines[index].entryCount = Int(random.next() % 10_000)
        }
        document.totals.grandTotalMinor = random.next() % 7 == 0 ? .min : Int64(bitPattern: random.next())
        document.totals.taxTotalMinor = random.next() % 7 == 0 ? .max : -Int64(random.next() % 1_000_000)
        return document
    }

    /// Text of up to 12 characters: ASCII, the characters JSON escapes, accents, emoji, controls.
    static func randomText(_ random: inout SplitMix64) -> String {
        let pieces = [
            "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{08}", "\u{0C}", "\u{01}", "\u{1F}", "\u{7F}",
            "é", "€", "✓", "😀", "\u{2028}", "\u{FEFF}", "\u{0}", "ü", "漢",
        ]
        return String(
            (0..<Int(random.next() % 13)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined())
    }
}
