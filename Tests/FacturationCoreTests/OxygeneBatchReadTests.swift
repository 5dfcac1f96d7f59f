import Foundation
import Testing

@testable import FacturationCore

/// The Oxygène batch files read from their bytes (``InvoiceStore/OxygeneBatch/read(_:)``,
/// performance code) against `JSONDecoder`.
@Suite("OxygeneBatch read")
struct OxygeneBatchReadTests {
    static func fast(_ text: String) -> [String]? {
        Array(text.utf8).withUnsafeBufferPointer { InvoiceStore.OxygeneBatch.read($0) }
    }

    static func decoded(_ text: String) -> [String]? {
        try? JSONDecoder().decode(InvoiceStore.OxygeneBatch.self, from: Data(text.utf8)).numbers
    }

    /// What the store writes (``InvoiceStore/recordOxygeneBatch(_:)``'s encoder).
    static func written(_ numbers: [String]) throws -> String {
        let batch = InvoiceStore.OxygeneBatch(name: "oxygene-x", numbers: numbers)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return String(decoding: try encoder.encode(batch), as: UTF8.self) + "\n"
    }

    @Test("What the store writes is read by the fast path, as JSONDecoder reads it")
    func writtenFiles() throws {
        for numbers in [[], ["F2025-00001"], (1...100).map { "F2025-\($0)" }, ["é\"\\/\u{1F600}", "a\nb", ""]] {
            let text = try Self.written(numbers)
            #expect(Self.fast(text) == numbers, "\(text)")
            #expect(Self.decoded(text) == numbers)
        }
    }

    @Test(
        "Other forms are left to JSONDecoder, or read as it reads them",
        arguments: [
            #"{"name":"x","numbers":["A","B"]}"#, #" {"numbers":["A"],"name":"x"} "#,
            #"{"name":"x","numbers":["A"],"extra":1}"#, #"{"name":"x","numbers":["A"],"numbers":["B"]}"#,
            #"{"numbers":["A"]}"#, #"{"name":"x"}"#, #"{"name":null,"numbers":["A"]}"#, #"{"name":"x","numbers":null}"#,
            #"{"name":"x","numbers":["\ud800"]}"#, #"{"name":"x","numbers":["\u0041"]}"#,
            #"{"name":"x","numbers":[1]}"#,
            #"{"name":"x","numbers":["A",]}"#, #"{"name":"x","numbers":["A"]}x"#, #"{"name":"x","numbers":["A"]"#,
            "\u{FEFF}{\"name\":\"x\",\"numbers\":[\"A\"]}", #"[]"#, "", #"{"n\u0061me":"x","numbers":["A"]}"#,
        ])
    func otherForms(text: String) {
        let fast = Self.fast(text)
        #expect(fast == nil || fast == Self.decoded(text), "\(text)")
    }

    @Test("The forms the fast path takes and leaves")
    func bounds() {
        #expect(Self.fast(#"{"numbers":["A"],"name":"x"}"#) == ["A"])
        #expect(Self.fast(#"{"name":"x","numbers":["\u0041"]}"#) == ["A"])
        // Unknown or repeated keys, a lone surrogate: JSONDecoder decides.
        #expect(Self.fast(#"{"name":"x","numbers":["A"],"extra":1}"#) == nil)
        #expect(Self.decoded(#"{"name":"x","numbers":["A"],"extra":1}"#) == ["A"])
        #expect(Self.fast(#"{"name":"x","numbers":["A"],"numbers":["B"]}"#) == nil)
        #expect(Self.fast(#"{"name":"x","numbers":["\ud800"]}"#) == nil)
        #expect(Self.fast(#"{"numbers":["A"]}"#) == nil)
    }

    @Test("A store's exported numbers are the union of its batch files, damaged ones reported")
    func exportedNumbers() throws {
        let fixture = try ReportDeliveryTests.Fixture()
        let layout = fixture.layout
        let store = InvoiceStore(layout: layout)
        try store.recordOxygeneBatch(InvoiceStore.OxygeneBatch(name: "oxygene-1", numbers: ["F1", "F2"]))
        try store.recordOxygeneBatch(InvoiceStore.OxygeneBatch(name: "oxygene-2", numbers: ["F3"]))
        try #"{"name":"oxygene-3","numbers":["F4"],"note":"by hand"}"#.write(
            toFile: Path.join(layout.oxygeneBatches, "oxygene-3.json"), atomically: true, encoding: .utf8)
        #expect(try store.exportedToOxygene() == ["F1", "F2", "F3", "F4"])
        try #"{"name":"oxygene-4","numbers":["F5"#.write(
            toFile: Path.join(layout.oxygeneBatches, "oxygene-4.json"), atomically: true, encoding: .utf8)
        #expect(throws: FacturationError.self) { try store.exportedToOxygene() }
    }
}
