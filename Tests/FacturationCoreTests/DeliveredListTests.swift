import Testing

@testable import FacturationCore

/// The delivered list's lines read from bytes (``DeliveredList/names(in:)``, performance code)
/// against the `Character` split it stands in for.
@Suite("DeliveredList")
struct DeliveredListTests {
    static func bySplit(_ text: String) -> Set<String> { Set(text.split(separator: "\n").map(String.init)) }

    @Test(
        "Lines read the same as the Character split",
        arguments: [
            "", "\n", "\n\n", "F2025-0001\nF2025-0002\n", "F2025-0001\n\nF2025-0002", "a\u{301}\nb\n",
            "\u{301}\n\u{301}", "é\nè\n", "a\r\nb\r\n", "a\rb\n", "\r\n\r\n", "a\n\rb", "x\u{200D}\ny",
            "🇫🇷\n👍🏽\n", "factures/F1.pdf\nfactures/F2.pdf\n", "\n\u{0}\n",
        ])
    func sameLines(text: String) {
        #expect(DeliveredList.names(in: text) == Self.bySplit(text), "\(text.debugDescription)")
    }

    @Test("Random texts of line feeds, carriage returns, combining marks and letters read the same")
    func randomTexts() {
        var random = SplitMix64(seed: 5)
        let pieces = ["\n", "\n", "\r", "a", "F2025-", "0", "\u{301}", "é", "\u{200D}", "👍", "\u{1F3FD}"]
        for _ in 0..<5_000 {
            let text = (0..<Int(random.next() % 12)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }
                .joined()
            #expect(DeliveredList.names(in: text) == Self.bySplit(text), "\(text.debugDescription)")
        }
    }
}
