import Testing

@testable import FacturationCore

@Suite("CSVLineBuilder")
struct CSVLineBuilderTests {
    private func line(_ build: (inout CSVLineBuilder) -> Void) -> String {
        var builder = CSVLineBuilder()
        build(&builder)
        builder.endLine()
        return String(decoding: builder.bytes, as: UTF8.self)
    }

    @Test("Fields are quoted only when they must be, whatever the position of the special byte")
    func quoting() {
        let long = String(repeating: "abcdefgh", count: 5)  // 40 bytes: SIMD, word and byte paths
        #expect(line { $0.field(long) } == long + "\r\n")
        for special in [",", "\"", "\n", "\r"] {
            for position in [0, 7, 15, 16, 23, 39] {
                var text = Array(long)
                text[position] = Character(special)
                let value = String(text)
                // A CR first also takes the formula guard.
                let quoted = "\"" + CSVFormulaGuard.stored(value).replacingOccurrences(of: "\"", with: "\"\"") + "\""
                #expect(
                    line { $0.field(value) } == quoted + "\r\n", "special \(special.debugDescription) at \(position)")
            }
        }
        #expect(line { $0.field(" padded") } == "\" padded\"\r\n")
        #expect(line { $0.field("tab\t") } == "\"tab\t\"\r\n")
        #expect(
            line {
                $0.field(""); $0.field("a"); $0.field("")
            } == ",a,\r\n")
    }

    @Test("Quotes are doubled wherever they are, however many, past the buffer's capacity")
    func doubledQuotes() {
        func reference(_ value: String) -> String {
            "\"" + CSVFormulaGuard.stored(value).replacingOccurrences(of: "\"", with: "\"\"") + "\""
        }
        let values = [
            "\"", "\"\"", "\"\"\"", "a\"", "\"a", "a\"b\"c", "a\"\"b", "x,y", ",", "\",\"",
            "=1+\"2\"", "@\"", String(repeating: "\"", count: 5_000),
            String(repeating: "ab\"c,", count: 3_000), String(repeating: "é\"", count: 700) + ",",
        ]
        for value in values {
            #expect(line { $0.field(value) } == reference(value) + "\r\n", "\(value.prefix(20).debugDescription)")
            // From a buffer of 16 bytes, after a field and its comma: the buffer grows to the
            // field's worst case (comma, formula mark, quotes, every byte doubled) first.
            var small = CSVLineBuilder(capacity: 16)
            small.field("x")
            small.field(value)
            #expect(String(decoding: small.bytes, as: UTF8.self) == "x," + reference(value), "small buffer")
        }
        // The worst case exactly: a guarded field of quotes after a comma.
        for count in 1...40 {
            var small = CSVLineBuilder(capacity: 1)
            small.field("")
            let value = "=" + String(repeating: "\"", count: count)
            small.field(value)
            #expect(String(decoding: small.bytes, as: UTF8.self) == "," + reference(value))
        }
        // Several quoted fields in a row, each after its comma.
        #expect(
            line {
                $0.field("a\"b"); $0.field("c,d"); $0.field("\"")
            } == "\"a\"\"b\",\"c,d\",\"\"\"\"\r\n")
    }

    @Test("Timestamps: fixed layout, offsets, days before 1970, a date cache that follows the day")
    func timestamps() {
        #expect(line { $0.timestampField(0, offset: nil) } == "1970-01-01T00:00:00Z\r\n")
        #expect(line { $0.timestampField(-1, offset: nil) } == "1969-12-31T23:59:59Z\r\n")
        let summer = Int64(1_751_378_400)  // 2025-07-01T14:00:00Z
        #expect(
            line {
                $0.field("x")
                $0.timestampField(summer + 7_200, offset: 7_200)
                $0.timestampField(summer, offset: nil)
                $0.timestampField(summer + 86_399 - 50_400, offset: -3_600)
                $0.timestampField(summer + 86_400, offset: 19_800)
            }
                == "x,2025-07-01T16:00:00+02:00,2025-07-01T14:00:00Z,2025-07-01T23:59:59-01:00,2025-07-02T14:00:00+05:30\r\n"
        )
        let year999 = CivilDate(year: 999, month: 3, day: 4)!.daysSinceEpoch * 86_400 + 3_661
        #expect(line { $0.timestampField(year999, offset: nil) } == "0999-03-04T01:01:01Z\r\n")
        // Beyond year 9999 (never in a real export), the byte-by-byte path keeps the same layout.
        let far = CivilDate(daysSinceEpoch: 3_700_000)
        #expect(far.year > 9_999)
        #expect(
            line {
                $0.field("y"); $0.timestampField(3_700_000 * 86_400 + 45, offset: 3_600)
            }
                == "y,\(far.year)-\(CivilDate.pad(far.month, 2))-\(CivilDate.pad(far.day, 2))T00:00:45+01:00\r\n")
    }

    @Test("Integers and decimals: every digit count, both signs, the extremes, zeros padded after the point")
    func numbers() {
        var values: [Int64] = [0, 1, 9, 10, 99, 100, .max, .min, .max - 1, .min + 1]
        var power: Int64 = 1
        for _ in 0..<18 {
            power *= 10
            values += [power - 1, power, power + 1, -power, -(power - 1)]
        }
        for value in values {
            #expect(line { $0.field(value) } == "\(value)\r\n")
            let magnitude = value.magnitude
            for scale in 0...4 {
                var divisor: UInt64 = 1
                for _ in 0..<scale { divisor *= 10 }
                let fraction = scale == 0 ? "" : String(magnitude % divisor)
                let padded = String(repeating: "0", count: scale - fraction.count) + fraction
                let expected = (value < 0 ? "-" : "") + String(magnitude / divisor) + (scale > 0 ? "." + padded : "")
                let written = line { $0.decimalField(value, scale: scale) }
                #expect(written == expected + "\r\n", "\(value) at scale \(scale)")
            }
        }
        let mixed = line {
            $0.field(Int64(7))
            $0.field(Int64?.none)
            $0.decimalField(5, scale: 2)
        }
        #expect(mixed == "7,,0.05\r\n")
    }

    @Test("Empty fields and the program's own words take their place among the others, first or not")
    func emptyAndPlainFields() {
        #expect(line { $0.emptyField() } == "\r\n")
        #expect(
            line {
                $0.emptyField(); $0.emptyField()
            } == ",\r\n")
        #expect(
            line {
                $0.plainField("minute"); $0.emptyField(); $0.field(true); $0.field(false)
            } == "minute,,true,false\r\n")
        #expect(
            line {
                $0.field("a"); $0.plainField("second"); $0.emptyField()
            } == "a,second,\r\n")
    }

    /// The static words of the formats and categories are their raw values, plain words, and
    /// written as the String field was.
    @Test func formatAndCategoryWordsAreTheirRawValues() {
        let words =
            InputFormat.allCases.map { ($0.word, $0.rawValue) }
            + PipelineConfig.Category.allCases.map { ($0.word, $0.rawValue) }
        for (word, raw) in words {
            #expect(word.description == raw)
            #expect(
                CSVLineBuilder.isPlainWord(UnsafeRawBufferPointer(start: word.utf8Start, count: word.utf8CodeUnitCount))
            )
            #expect(
                line {
                    $0.field("x"); $0.plainField(word)
                }
                    == line {
                        $0.field("x"); $0.field(raw)
                    })
        }
        for bad in ["", "_a", "1a", "a b", "a,b", "=a", "é"] {
            var text = bad
            #expect(!text.withUTF8 { CSVLineBuilder.isPlainWord(UnsafeRawBufferPointer($0)) }, "\(bad)")
        }
    }
}
