import Testing

@testable import FacturationCore

/// The one fingerprint rule (``FingerprintBuilder``): a change would re-key every ledger, so the
/// keys are pinned (computed independently with Python's hashlib over the same joined fields).
@Suite("Fingerprint builder")
struct FingerprintBuilderTests {
    private func bytes<T>(_ text: String, _ body: (UnsafeRawBufferPointer) -> T) -> T {
        Array(text.utf8).withUnsafeBytes(body)
    }

    @Test func timeEntryKeyIsPinned() {
        let builder = FingerprintBuilder()
        builder.start()
        bytes("  Ana@Example.FR\t") { builder.appendLowercasedTrimmed($0) }
        builder.append(29_000_000)
        builder.append(29_000_090)
        bytes(" Site  web ") { builder.appendCollapsingSpaces($0) }
        bytes("Dev") { builder.appendCollapsingSpaces($0) }
        bytes("Atelier\r\ncadrage") { builder.appendCollapsingSpaces($0) }
        #expect(builder.key(.timeEntry) == "te:f4c70ff86db4a828bd50cd83de36721c")
        var key = [UInt8](repeating: 0, count: 35)
        key.withUnsafeMutableBytes { builder.write(.timeEntry, into: $0) }
        #expect(String(decoding: key, as: UTF8.self) == "te:f4c70ff86db4a828bd50cd83de36721c")
    }

    @Test func bankKeyIsPinnedAndTheBuilderIsReusable() {
        let builder = FingerprintBuilder()
        builder.start()
        builder.append("something else entirely")
        builder.start()
        builder.append("FR76")
        builder.append("2025-07-01")
        builder.append(-12_050)
        builder.append("EUR")
        builder.append("acme sarl facture 12")
        #expect(builder.key(.bank) == "bank:e6471a6a358a703892e0b64298651ec8")
    }

    @Test func eachKindsPrefixIsItsRawValue() {
        for kind in FingerprintBuilder.Kind.allCases {
            #expect(kind.prefix.description == kind.rawValue)
        }
    }

    @Test func nonASCIINamesAreLowercasedByUnicodeRules() {
        let builder = FingerprintBuilder()
        builder.start()
        bytes(" ÉLODIE.Roux@example.fr ") { builder.appendLowercasedTrimmed($0) }
        let viaBytes = builder.key(.timeEntry)
        builder.start()
        builder.append("élodie.roux@example.fr")
        #expect(viaBytes == builder.key(.timeEntry))
    }

    @Test(
        "decimals",
        arguments: [(Int64(0), "0"), (7, "7"), (-7, "-7"), (1_234_567, "1234567"), (.min, "-9223372036854775808")])
    func decimals(value: Int64, text: String) {
        let buffer = ByteBuffer(capacity: 32)
        FingerprintBuilder.appendDecimal(value, to: buffer)
        #expect(String(decoding: buffer.bytes, as: UTF8.self) == text)
    }
}
