/// An ISO 4217 currency and the number of digits of its minor unit.
package struct Currency: Sendable, Hashable, CustomStringConvertible {
    package let code: String
    /// Digits after the decimal mark (2 for EUR, 0 for JPY, 3 for KWD).
    package let minorDigits: Int

    package static let euro = Currency(code: "EUR", minorDigits: 2)

    private static let zeroDigit: Set<String> = [
        "BIF", "CLP", "DJF", "GNF", "ISK", "JPY", "KMF", "KRW", "PYG",
        "RWF", "UGX", "UYI", "VND", "VUV", "XAF", "XOF", "XPF",
    ]
    private static let threeDigit: Set<String> = ["BHD", "IQD", "JOD", "KWD", "LYD", "OMR", "TND"]

    /// The currency with this code, or nil unless the code is three uppercase ASCII letters.
    package init?(code: String) {
        let trimmed = code.trimmed
        guard trimmed.utf8.count == 3, trimmed.utf8.allSatisfy({ (0x41...0x5A).contains($0) }) else { return nil }
        self.init(
            code: trimmed,
            minorDigits: Currency.zeroDigit.contains(trimmed)
                ? 0
                : Currency.threeDigit.contains(trimmed) ? 3 : 2)
    }

    private init(code: String, minorDigits: Int) {
        self.code = code
        self.minorDigits = minorDigits
    }

    package var description: String { code }
}
