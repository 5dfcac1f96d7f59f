/// An exact non-negative or negative quantity with four decimals (hours, days, units), e.g. `12.25`.
///
/// EN 16931 (BR-FR-DEC-02) allows at most four decimals on quantities; values are kept as an
/// integer count of ten-thousandths so arithmetic is exact.
package struct Quantity: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    /// The quantity in ten-thousandths (`12.25` is `122_500`).
    package var tenThousandths: Int64

    package static let scale = 4
    package static let one = Quantity(tenThousandths: 10_000)

    package init(tenThousandths: Int64) { self.tenThousandths = tenThousandths }

    /// A whole quantity (`Quantity(units: 3)` is 3).
    package init(units: Int64) { tenThousandths = units * 10_000 }

    /// Parses plain decimal text with a dot (`"12.5"`, `"3"`), nil when it has more than four decimals.
    package init?(_ text: String) {
        guard case .success(let value) = DecimalText.minorUnits(text, scale: Quantity.scale, style: .dotDecimal) else {
            return nil
        }
        tenThousandths = value
    }

    /// Plain text with the decimals that matter, at least two (`12.25`, `3.00`, `0.1250`).
    package var description: String { text(minimumDecimals: 2, decimalMark: ".") }

    /// The quantity with between `minimumDecimals` and four decimals, trailing zeros dropped.
    package func text(minimumDecimals: Int, decimalMark: Character) -> String {
        var full = DecimalText.format(minorUnits: tenThousandths, scale: Quantity.scale, decimalMark: decimalMark)
        var decimals = Quantity.scale
        while decimals > minimumDecimals, full.hasSuffix("0") {
            full.removeLast()
            decimals -= 1
        }
        if decimals == 0, full.hasSuffix(String(decimalMark)) { full.removeLast() }
        return full
    }

    package static func < (lhs: Quantity, rhs: Quantity) -> Bool { lhs.tenThousandths < rhs.tenThousandths }

    package func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }

    package init(from decoder: any Decoder) throws {
        let container = try decoder.singleValueContainer()
        let text = try container.decode(String.self)
        guard let value = Quantity(text) else {
            throw DecodingError.dataCorruptedError(in: container, debugDescription: "'\(text)' is not a quantity")
        }
        self = value
    }
}
