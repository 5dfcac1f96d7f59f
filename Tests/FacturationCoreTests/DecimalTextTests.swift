import Testing

@testable import FacturationCore

private func parse(_ text: String, scale: Int = 2, _ style: DecimalText.Style) -> Result<Int64, DecimalText.Problem> {
    DecimalText.minorUnits(text, scale: scale, style: style)
}

private func value(_ text: String, scale: Int = 2, _ style: DecimalText.Style) -> Int64? {
    try? parse(text, scale: scale, style).get()
}

private func problem(_ text: String, scale: Int = 2, _ style: DecimalText.Style) -> String? {
    if case .failure(let problem) = parse(text, scale: scale, style) { return problem.message }
    return nil
}

@Suite("DecimalText")
struct DecimalTextTests {
    // MARK: - French style (decimal comma)

    @Test(
        "French amounts with every kind of thousands space",
        arguments: [
            "-1 292,79",  // normal space
            "-1\u{00A0}292,79",  // no-break space
            "-1\u{202F}292,79",  // narrow no-break space
            "  -1 292,79\u{00A0}",  // surrounding spaces are ignored
            "- 1 292,79",  // a space after the sign
            "\u{2212}1 292,79",  // U+2212 MINUS SIGN
        ])
    func frenchNegativeWithSpaces(text: String) {
        #expect(value(text, .commaDecimal) == -129_279)
    }

    @Test func frenchWithDotThousands() {
        #expect(value("1.234,56", .commaDecimal) == 123_456)
        #expect(value("1.234.567,89", .commaDecimal) == 123_456_789)
        #expect(value("1 234 567,8", .commaDecimal) == 123_456_780)
        #expect(value("+2 040,00", .commaDecimal) == 204_000)
        #expect(value("0,05", .commaDecimal) == 5)
        #expect(value("-0,05", .commaDecimal) == -5)
        #expect(value("89,99", .commaDecimal) == 8_999)
        #expect(value("600", .commaDecimal) == 60_000)
        #expect(value(",5", .commaDecimal) == 50)
        #expect(value("12,", .commaDecimal) == 1_200)
    }

    @Test func frenchErrors() {
        #expect(problem("1,2,3", .commaDecimal) == "the amount has two decimal marks (',')")
        #expect(problem("1 250,00,5", .commaDecimal) == "the amount has two decimal marks (',')")
        #expect(problem("12 34,00", .commaDecimal) == "the thousands separators are misplaced (use ',' for decimals)")
        #expect(
            problem("1234 567,00", .commaDecimal) == "the thousands separators are misplaced (use ',' for decimals)")
        #expect(problem("1.23,45", .commaDecimal) == "the thousands separators are misplaced (use ',' for decimals)")
        // A dot after the decimal comma is not a thousands separator.
        #expect(
            problem("1,234.5", .commaDecimal)
                == "'.' is not allowed in an amount (expected a number like 1 234,56)")
        #expect(
            problem("12,5 €", .commaDecimal)
                == "' ' is not allowed in an amount (expected a number like 1 234,56)")
    }

    // MARK: - Dot style

    @Test func dotStyle() {
        #expect(value("1234.56", .dotDecimal) == 123_456)
        #expect(value("1,234.56", .dotDecimal) == 123_456)
        #expect(value("1,234,567.01", .dotDecimal) == 123_456_701)
        #expect(value("+5", .dotDecimal) == 500)
        #expect(value(".5", .dotDecimal) == 50)
        #expect(value("-.5", .dotDecimal) == -50)
        #expect(value("12.500", .dotDecimal) == 1_250)
        #expect(value("12.5000000", .dotDecimal) == 1_250)
        #expect(value("0", .dotDecimal) == 0)
        #expect(value("-0.00", .dotDecimal) == 0)
        #expect(value("\u{2212}12.30", .dotDecimal) == -1_230)
        #expect(value("\t42.1 ", .dotDecimal) == 4_210)
    }

    @Test func dotStyleErrors() {
        #expect(problem("12.505", .dotDecimal) == "the amount has more than 2 decimals")
        #expect(problem("0.001", .dotDecimal) == "the amount has more than 2 decimals")
        #expect(problem("1.2.3", .dotDecimal) == "the amount has two decimal marks ('.')")
        #expect(problem("1,23.45", .dotDecimal) == "the thousands separators are misplaced (use '.' for decimals)")
        #expect(problem("1234,567.00", .dotDecimal) == "the thousands separators are misplaced (use '.' for decimals)")
        #expect(problem("1,2345", .dotDecimal) == "the thousands separators are misplaced (use '.' for decimals)")
        #expect(problem(",123", .dotDecimal) == "the thousands separators are misplaced (use '.' for decimals)")
        // A French amount read as dot style is refused, not guessed.
        #expect(problem("1 234,56", .dotDecimal) == "' ' is not allowed in an amount (expected a number like 1234.56)")
    }

    @Test func lettersAreNamed() {
        #expect(problem("11O.00", .dotDecimal) == "'O' is not allowed in an amount (expected a number like 1234.56)")
        #expect(problem("1l,00", .commaDecimal) == "'l' is not allowed in an amount (expected a number like 1 234,56)")
        #expect(problem("12€", .dotDecimal) == "'€' is not allowed in an amount (expected a number like 1234.56)")
        #expect(problem("EUR 12", .dotDecimal) == "'E' is not allowed in an amount (expected a number like 1234.56)")
        #expect(problem("1é", .commaDecimal) == "'é' is not allowed in an amount (expected a number like 1 234,56)")
        #expect(problem("--5", .dotDecimal) == "'-' is not allowed in an amount (expected a number like 1234.56)")
        #expect(problem("1e5", .dotDecimal) == "'e' is not allowed in an amount (expected a number like 1234.56)")
    }

    @Test func emptyAndSignOnly() {
        #expect(problem("", .dotDecimal) == "the amount is empty")
        #expect(problem("   ", .commaDecimal) == "the amount is empty")
        #expect(problem("\u{00A0}\u{202F}\t", .commaDecimal) == "the amount is empty")
        #expect(problem("-", .dotDecimal) == "the amount has no digits")
        #expect(problem("+", .commaDecimal) == "the amount has no digits")
        #expect(problem(".", .dotDecimal) == "the amount has no digits")
        #expect(problem(",", .commaDecimal) == "the amount has no digits")
    }

    @Test func overflow() {
        // Int64.max is 9223372036854775807.
        #expect(value("92233720368547758.07", .dotDecimal) == Int64.max)
        #expect(value("-92233720368547758.07", .dotDecimal) == -Int64.max)
        #expect(problem("92233720368547758.08", .dotDecimal) == "the amount is too large")
        #expect(problem("99999999999999999999", .dotDecimal) == "the amount is too large")
        #expect(problem("9223372036854775807", scale: 1, .dotDecimal) == "the amount is too large")
        #expect(value("9223372036854775807", scale: 0, .dotDecimal) == Int64.max)
        #expect(problem("123456789012345678901234567890,00", .commaDecimal) == "the amount is too large")
    }

    @Test func otherScales() {
        #expect(value("1 234", scale: 0, .commaDecimal) == 1_234)
        #expect(value("12,0", scale: 0, .commaDecimal) == 12)
        #expect(value("-7", scale: 0, .dotDecimal) == -7)
        #expect(problem("12,5", scale: 0, .commaDecimal) == "the amount has more than 0 decimals")
        #expect(value("1,5", scale: 3, .commaDecimal) == 1_500)
        #expect(value("0.001", scale: 3, .dotDecimal) == 1)
        #expect(value("-1,234.567", scale: 3, .dotDecimal) == -1_234_567)
        #expect(value("2.1000", scale: 3, .dotDecimal) == 2_100)
        #expect(problem("0.0005", scale: 3, .dotDecimal) == "the amount has more than 3 decimals")
    }

    @Test func parsesRawUTF8Bytes() throws {
        let bytes = Array("-1\u{202F}292,79".utf8)
        let result = bytes.withUnsafeBytes { DecimalText.minorUnits(bytes: $0, scale: 2, style: .commaDecimal) }
        #expect(try result.get() == -129_279)
        let slice = Array("xx12.34yy".utf8)
        let inner = slice.withUnsafeBytes {
            DecimalText.minorUnits(bytes: UnsafeRawBufferPointer(rebasing: $0[2..<7]), scale: 2, style: .dotDecimal)
        }
        #expect(try inner.get() == 1_234)
    }

    // MARK: - Formatting

    @Test func formatValues() {
        #expect(DecimalText.format(minorUnits: -129_279, scale: 2) == "-1292.79")
        #expect(DecimalText.format(minorUnits: 129_279, scale: 2) == "1292.79")
        #expect(DecimalText.format(minorUnits: -5, scale: 2) == "-0.05")
        #expect(DecimalText.format(minorUnits: 5, scale: 2) == "0.05")
        #expect(DecimalText.format(minorUnits: -50, scale: 2) == "-0.50")
        #expect(DecimalText.format(minorUnits: 0, scale: 2) == "0.00")
        #expect(DecimalText.format(minorUnits: 100, scale: 2) == "1.00")
        #expect(DecimalText.format(minorUnits: 1_234, scale: 0) == "1234")
        #expect(DecimalText.format(minorUnits: -1_234, scale: 0) == "-1234")
        #expect(DecimalText.format(minorUnits: 1, scale: 3) == "0.001")
        #expect(DecimalText.format(minorUnits: -1_234_567, scale: 3) == "-1234.567")
        #expect(DecimalText.format(minorUnits: -129_279, scale: 2, decimalMark: ",") == "-1292,79")
        #expect(DecimalText.format(minorUnits: Int64.max, scale: 2) == "92233720368547758.07")
        #expect(DecimalText.format(minorUnits: Int64.min, scale: 2) == "-92233720368547758.08")
    }

    @Test("format then parse gives the same minor units", arguments: [0, 2, 3])
    func roundTrip(scale: Int) throws {
        let values: [Int64] = [
            0, 1, -1, 5, -5, 9, -10, 99, -100, 101, 12_345, -129_279, 1_000_000,
            -987_654_321, 4_000_000_000_000, Int64.max, -Int64.max,
        ]
        for minor in values {
            let dot = DecimalText.format(minorUnits: minor, scale: scale)
            #expect(try DecimalText.minorUnits(dot, scale: scale, style: .dotDecimal).get() == minor, "\(dot)")
            let comma = DecimalText.format(minorUnits: minor, scale: scale, decimalMark: ",")
            #expect(try DecimalText.minorUnits(comma, scale: scale, style: .commaDecimal).get() == minor, "\(comma)")
        }
    }
}
