import FacturationCore
import Testing

// MARK: - Helpers

private func pos(_ line: Int, _ column: Int) -> JSONPosition {
    JSONPosition(line: line, column: column)
}

private func jsonNode(_ value: JSONValue, _ line: Int, _ column: Int) -> JSONNode {
    JSONNode(value: value, position: pos(line, column))
}

private func jsonMember(_ key: String, _ value: JSONValue, _ line: Int, _ column: Int) -> JSONMember {
    JSONMember(key: key, node: jsonNode(value, line, column))
}

private func utf8Bytes(_ text: String) -> [UInt8] { Array(text.utf8) }

/// One malformed input with the exact place and a key part of the message expected.
struct JSONErrorCase: Sendable, CustomTestStringConvertible {
    let input: [UInt8]
    let line: Int
    let column: Int
    let message: String

    init(_ text: String, _ line: Int, _ column: Int, _ message: String) {
        self.init(Array(text.utf8), line, column, message)
    }

    init(_ input: [UInt8], _ line: Int, _ column: Int, _ message: String) {
        self.input = input
        self.line = line
        self.column = column
        self.message = message
    }

    var testDescription: String { String(decoding: input, as: UTF8.self).debugDescription }
}

// MARK: - Values and positions

@Suite("JSONParser values")
struct JSONParserValueTests {
    @Test func scalarsAtTopLevel() throws {
        #expect(try JSONParser.parse(#""abc""#) == jsonNode(.string("abc"), 1, 1))
        #expect(try JSONParser.parse("true") == jsonNode(.bool(true), 1, 1))
        #expect(try JSONParser.parse("false") == jsonNode(.bool(false), 1, 1))
        #expect(try JSONParser.parse("null") == jsonNode(.null, 1, 1))
        #expect(try JSONParser.parse("  \n  42 \n") == jsonNode(.number("42"), 2, 3))
        #expect(try JSONParser.parse(#""""#) == jsonNode(.string(""), 1, 1))
    }

    @Test(arguments: [
        "0", "-0", "42", "1234.56", "-0.5", "-12.50", "1E+2", "1e3", "2.5e-3", "0.000001", "10E0",
        "123456789012345678901234567890.123456789012345678901234567890",
    ])
    func numbersKeepTheirExactText(text: String) throws {
        #expect(try JSONParser.parse(text).numberText == text)
        let inArray = try JSONParser.parse("[\(text), \(text)]")
        #expect(inArray.array == [jsonNode(.number(text), 1, 2), jsonNode(.number(text), 1, 4 + text.count)])
    }

    @Test func nestedArrayHasExactValuesAndPositions() throws {
        let parsed = try JSONParser.parse(#"[1, [true, null], {"a": "b"}, []]"#)
        let expected = jsonNode(
            .array([
                jsonNode(.number("1"), 1, 2),
                jsonNode(.array([jsonNode(.bool(true), 1, 6), jsonNode(.null, 1, 12)]), 1, 5),
                jsonNode(.object(JSONObject(members: [jsonMember("a", .string("b"), 1, 25)])), 1, 19),
                jsonNode(.array([]), 1, 31),
            ]), 1, 1)
        #expect(parsed == expected)
    }

    @Test func multiLineObjectHasExactPositions() throws {
        let text = """
            {
              "id": 7,
              "lines": [
                {"label": "Conseil", "amount": "1234.56"},
                {"label": "Frais", "amount": -12.50}
              ]
            }
            """
        let root = try JSONParser.parse(text)
        #expect(root.position == pos(1, 1))
        #expect(root["id"] == jsonNode(.number("7"), 2, 9))
        let lines = try #require(root["lines"])
        #expect(lines.position == pos(3, 12))
        let expectedFirst = jsonNode(
            .object(
                JSONObject(members: [
                    jsonMember("label", .string("Conseil"), 4, 15),
                    jsonMember("amount", .string("1234.56"), 4, 36),
                ])), 4, 5)
        #expect(lines[0] == expectedFirst)
        #expect(lines[1]?.position == pos(5, 5))
        #expect(lines[1]?["amount"] == jsonNode(.number("-12.50"), 5, 34))
        #expect(root.object?.keys == ["id", "lines"])
    }

    @Test func emptyContainersAndSurroundingWhitespace() throws {
        #expect(try JSONParser.parse("{}") == jsonNode(.object(JSONObject()), 1, 1))
        #expect(try JSONParser.parse("{ \n }") == jsonNode(.object(JSONObject()), 1, 1))
        #expect(try JSONParser.parse(" \t\n[ ]\n\n") == jsonNode(.array([]), 2, 1))
        #expect(
            try JSONParser.parse("[[],{}]").array == [
                jsonNode(.array([]), 1, 2), jsonNode(.object(JSONObject()), 1, 5),
            ])
    }

    @Test func duplicateKeysAreKeptAndTheLastOneWins() throws {
        let object = try #require(try JSONParser.parse(#"{"a": 1, "b": 2, "a": 3}"#).object)
        #expect(object.keys == ["a", "b", "a"])
        #expect(object.count == 3)
        #expect(object["a"] == jsonNode(.number("3"), 1, 23))
        #expect(object["b"]?.numberText == "2")
        #expect(object["c"] == nil)
    }

    @Test func largeObjectLookupUsesTheLastDuplicate() throws {
        let members = (0..<20).map { #""k\#($0)": \#($0)"# }.joined(separator: ", ")
        let object = try #require(try JSONParser.parse("{\(members), \"k5\": \"last\"}").object)
        #expect(object.count == 21)
        #expect(object["k5"]?.string == "last")
        #expect(object["k19"]?.numberText == "19")
        #expect(object["k0"]?.position == pos(1, 8))
        #expect(object["k20"] == nil)
    }

    @Test func escapesAreDecoded() throws {
        #expect(try JSONParser.parse(#""\"\\\/\b\f\n\r\t""#).string == "\"\\/\u{08}\u{0C}\n\r\t")
        #expect(try JSONParser.parse(#""caf\u00e9 \u20AC""#).string == "café €")
        #expect(try JSONParser.parse(#""\u0000""#).string == "\u{0}")
        #expect(try JSONParser.parse(#""a\u0041\u00410""#).string == "aAA0")
    }

    @Test func surrogatePairsAreDecoded() throws {
        #expect(try JSONParser.parse(#""\ud83d\ude00""#).string == "😀")
        #expect(try JSONParser.parse(#""\uD83D\uDE00!""#).string == "😀!")
        #expect(try JSONParser.parse(#""x\uD834\uDD1Ey""#).string == "x𝄞y")
    }

    /// Half of a pair stands for no character: it becomes U+FFFD (imports clean text, they do not
    /// reject a whole export for it).
    @Test func unpairedSurrogatesBecomeTheReplacementCharacter() throws {
        #expect(try JSONParser.parse(#"["\ud83d"]"#)[0]?.string == "\u{FFFD}")
        #expect(try JSONParser.parse(#""\ud83d\u0041""#).string == "\u{FFFD}A")
        #expect(try JSONParser.parse(#""x\uDE00""#).string == "x\u{FFFD}")
    }

    @Test func rawUTF8AndEscapesMix() throws {
        #expect(try JSONParser.parse(#""é\n😀x\u00e9ü""#).string == "é\n😀xéü")
        let parsed = try JSONParser.parse(#"["\n\t", 5]"#)
        #expect(parsed[1] == jsonNode(.number("5"), 1, 10))
    }

    @Test func columnsCountUnicodeScalarsNotBytes() throws {
        let root = try JSONParser.parse(#"{"libellé": "café 😀", "n": 1}"#)
        #expect(root["libellé"] == jsonNode(.string("café 😀"), 1, 13))
        #expect(root["n"] == jsonNode(.number("1"), 1, 28))
    }

    @Test func byteOrderMarkIsSkippedAndNotCounted() throws {
        let input: [UInt8] = [0xEF, 0xBB, 0xBF] + utf8Bytes(#"{"a":1}"#)
        let root = try JSONParser.parse(input)
        #expect(root == jsonNode(.object(JSONObject(members: [jsonMember("a", .number("1"), 1, 6)])), 1, 1))
        #expect(try JSONParser.parse("\u{FEFF}[true]")[0] == jsonNode(.bool(true), 1, 2))
    }

    @Test func crlfAndLoneCRCountAsOneLineBreak() throws {
        let root = try JSONParser.parse("{\r\n  \"a\": 1,\r\n  \"b\": [\r\n    true\r\n  ]\r\n}\r\n")
        #expect(root["a"] == jsonNode(.number("1"), 2, 8))
        #expect(root["b"]?.position == pos(3, 8))
        #expect(root["b"]?[0] == jsonNode(.bool(true), 4, 5))
        let lone = try JSONParser.parse("[\r1,\r\r2]")
        #expect(lone.array == [jsonNode(.number("1"), 2, 1), jsonNode(.number("2"), 4, 1)])
    }

    @Test func allInputKindsGiveTheSameResult() throws {
        let text = #"{"montant": "12.30", "ok": [true, null]}"#
        let expected = try JSONParser.parse(text)
        #expect(expected["ok"]?[1] == jsonNode(.null, 1, 35))
        #expect(try JSONParser.parse(utf8Bytes(text)) == expected)
        #expect(try JSONParser.parse(text.utf8) == expected)
        #expect(try JSONParser.parse(utf8Bytes("xx" + text)[2...]) == expected)
        // A collection without contiguous storage goes through the copying path.
        #expect(try JSONParser.parse(text.utf8.lazy.map { $0 }) == expected)
    }

    @Test func accessorsReturnNilForOtherKinds() throws {
        let root = try JSONParser.parse(#"{"s": "x", "n": -1.5, "b": false, "z": null, "a": [1], "o": {}}"#)
        #expect(root["s"]?.string == "x")
        #expect(root["s"]?.numberText == nil)
        #expect(root["n"]?.numberText == "-1.5")
        #expect(root["n"]?.string == nil)
        #expect(root["b"]?.bool == false)
        #expect(root["z"]?.isNull == true)
        #expect(root["b"]?.isNull == false)
        #expect(root["a"]?.array?.count == 1)
        #expect(root["a"]?[0]?.numberText == "1")
        #expect(root["a"]?[1] == nil)
        #expect(root["a"]?[-1] == nil)
        #expect(root["o"]?.object?.isEmpty == true)
        #expect(root["a"]?["x"] == nil)
        #expect(root[0] == nil)
        #expect(root["missing"] == nil)
        #expect(root.value.kindName == "object")
        #expect(root["a"]?.value.kindName == "array")
        #expect(root["b"]?.value.kindName == "true or false")
    }

    @Test func maximumDepthIsAccepted() throws {
        let depth = JSONParser.maximumDepth
        var current = try JSONParser.parse(String(repeating: "[", count: depth) + String(repeating: "]", count: depth))
        var levels = 1
        while let inner = current[0] {
            current = inner
            levels += 1
        }
        #expect(levels == depth)
        #expect(current == jsonNode(.array([]), 1, depth))
    }
}

// MARK: - Realistic documents

@Suite("JSONParser realistic exports")
struct JSONParserExportTests {
    @Test func qontoTransactions() throws {
        let text = #"""
            {
              "transactions": [
                {
                  "transaction_id": "acme-1-transaction-1",
                  "amount": 1234.56,
                  "amount_cents": 123456,
                  "side": "credit",
                  "operation_type": "transfer",
                  "currency": "EUR",
                  "label": "Société Générale — facture F-2024-001",
                  "settled_at": "2024-03-01T10:15:00.000Z",
                  "note": null,
                  "attachment_ids": []
                },
                {
                  "transaction_id": "acme-1-transaction-2",
                  "amount": 12.5,
                  "amount_cents": 1250,
                  "side": "debit",
                  "label": "Café \"Le Zinc\"",
                  "settled_at": "2024-03-02T08:00:00.000Z",
                  "vat_amount": 2.08
                }
              ],
              "meta": {"current_page": 1, "next_page": null, "total_count": 2}
            }
            """#
        let root = try JSONParser.parse(text)
        let transactions = try #require(root["transactions"]?.array)
        #expect(transactions.count == 2)

        let first = transactions[0]
        #expect(first.position == pos(3, 5))
        #expect(first["amount"] == jsonNode(.number("1234.56"), 5, 17))
        #expect(first["amount_cents"]?.numberText == "123456")
        #expect(first["label"]?.string == "Société Générale — facture F-2024-001")
        #expect(first["settled_at"] == jsonNode(.string("2024-03-01T10:15:00.000Z"), 11, 21))
        #expect(first["note"]?.isNull == true)
        #expect(first["attachment_ids"] == jsonNode(.array([]), 13, 25))

        let second = transactions[1]
        #expect(second.position == pos(15, 5))
        #expect(
            second.object?.keys == [
                "transaction_id", "amount", "amount_cents", "side", "label", "settled_at", "vat_amount",
            ])
        #expect(second["amount"] == jsonNode(.number("12.5"), 17, 17))
        #expect(second["label"] == jsonNode(.string(#"Café "Le Zinc""#), 20, 16))
        #expect(second["vat_amount"] == jsonNode(.number("2.08"), 22, 21))

        let meta = try #require(root["meta"])
        #expect(meta.position == pos(25, 11))
        #expect(meta["current_page"] == jsonNode(.number("1"), 25, 28))
        #expect(meta["next_page"]?.isNull == true)
    }

    @Test func clockifyDetailedReport() throws {
        let text = #"""
            {
              "totals": [{"totalTime": 5400, "entriesCount": 1}],
              "timeentries": [
                {
                  "_id": "65f0c0ffee",
                  "description": "Atelier \u00e9quipe",
                  "userName": "Zoë Martin",
                  "projectName": "Client ACME",
                  "clientName": "ACME SAS",
                  "billable": true,
                  "timeInterval": {"start": "2024-03-04T09:00:00+01:00", "end": "2024-03-04T10:30:00+01:00", "duration": 5400},
                  "rate": 9000,
                  "amount": 13500,
                  "tags": [{"name": "conseil"}]
                }
              ]
            }
            """#
        let root = try JSONParser.parse(text)
        #expect(root["totals"]?[0]?["totalTime"] == jsonNode(.number("5400"), 2, 28))
        let entries = try #require(root["timeentries"]?.array)
        #expect(entries.count == 1)
        let entry = entries[0]
        #expect(entry.position == pos(4, 5))
        #expect(entry["description"]?.string == "Atelier équipe")
        #expect(entry["userName"]?.string == "Zoë Martin")
        #expect(entry["billable"]?.bool == true)
        let expectedInterval = jsonNode(
            .object(
                JSONObject(members: [
                    jsonMember("start", .string("2024-03-04T09:00:00+01:00"), 11, 33),
                    jsonMember("end", .string("2024-03-04T10:30:00+01:00"), 11, 69),
                    jsonMember("duration", .number("5400"), 11, 110),
                ])), 11, 23)
        #expect(entry["timeInterval"] == expectedInterval)
        #expect(entry["tags"]?[0]?["name"] == jsonNode(.string("conseil"), 14, 25))
    }

    @Test func clockifyTimeEntryArray() throws {
        let text = """
            [
              {
                "id": "1",
                "description": "Revue comptable",
                "billable": false,
                "timeInterval": {
                  "start": "2024-03-05T14:00:00Z",
                  "end": "2024-03-05T15:15:00Z",
                  "duration": "PT1H15M"
                },
                "hourlyRate": {"amount": 8000, "currency": "EUR"}
              },
              {
                "id": "2",
                "description": "",
                "billable": true,
                "timeInterval": {"start": "2024-03-06T09:00:00Z", "end": null, "duration": null},
                "hourlyRate": null
              }
            ]
            """
        let entries = try #require(try JSONParser.parse(text).array)
        #expect(entries.count == 2)
        #expect(entries[0].position == pos(2, 3))
        let interval = try #require(entries[0]["timeInterval"])
        #expect(interval.position == pos(6, 21))
        #expect(interval["start"] == jsonNode(.string("2024-03-05T14:00:00Z"), 7, 16))
        #expect(interval["duration"] == jsonNode(.string("PT1H15M"), 9, 19))
        #expect(entries[0]["hourlyRate"]?["amount"] == jsonNode(.number("8000"), 11, 30))
        #expect(entries[0]["billable"]?.bool == false)
        #expect(entries[1].position == pos(13, 3))
        #expect(entries[1]["description"]?.string == "")
        #expect(entries[1]["timeInterval"]?["end"]?.isNull == true)
        #expect(entries[1]["hourlyRate"] == jsonNode(.null, 18, 19))
    }
}

// MARK: - Errors

@Suite("JSONParser errors")
struct JSONParserErrorTests {
    static let cases: [JSONErrorCase] = [
        // Truncated files.
        JSONErrorCase(#"{"a": [1, 2"#, 1, 12, "unexpected end of file: the file may be truncated"),
        JSONErrorCase(#"{"a":"#, 1, 6, "unexpected end of file"),
        JSONErrorCase("{\n  \"a\": 1,\n", 3, 1, "unexpected end of file"),
        JSONErrorCase(#"{"a": "abc"#, 1, 7, "unterminated string: the file may be truncated"),
        JSONErrorCase(#""\u12"#, 1, 1, "unterminated string"),
        JSONErrorCase("", 1, 1, "the file is empty"),
        JSONErrorCase("  \n ", 2, 2, "the file is empty"),
        // Trailing commas.
        JSONErrorCase("[1, 2,]", 1, 6, #"trailing comma: remove the "," before "]""#),
        JSONErrorCase(#"{"a": 1,}"#, 1, 8, #"trailing comma: remove the "," before "}""#),
        JSONErrorCase("{\n  \"a\": 1,\n  \"b\": [1, 2,]\n}", 3, 13, "trailing comma"),
        // Numbers.
        JSONErrorCase("[01]", 1, 2, #"invalid number "01": leading zeros are not allowed"#),
        JSONErrorCase(#"{"n": -007}"#, 1, 7, #"invalid number "-007": leading zeros"#),
        JSONErrorCase("[1.]", 1, 2, "a digit must follow the decimal point"),
        JSONErrorCase("[1e+]", 1, 2, #"invalid number "1e+": a digit must follow the exponent"#),
        JSONErrorCase("[-]", 1, 2, #"a digit must follow "-""#),
        JSONErrorCase("[.5]", 1, 2, "write a digit before the decimal point, like 0.5"),
        JSONErrorCase("[+1]", 1, 2, #"a leading "+" is not allowed"#),
        JSONErrorCase("[1.2.3]", 1, 2, #"invalid number "1.2.3""#),
        JSONErrorCase("[NaN]", 1, 2, "NaN and Infinity are not valid JSON numbers"),
        JSONErrorCase(#"{"x": -Infinity}"#, 1, 7, "NaN and Infinity are not valid JSON numbers"),
        // Strings and escapes.
        JSONErrorCase(#""C:\Users""#, 1, 4, #"invalid escape "\U" in a string: write "\\" for a backslash"#),
        JSONErrorCase(#""\u12G4""#, 1, 2, #"invalid escape "\u12G4": \u must be followed by 4 hexadecimal digits"#),
        JSONErrorCase("\"a\tb\"", 1, 3, #"control character U+0009 inside a string: write it as \t"#),
        JSONErrorCase("\"a\u{1}\"", 1, 3, #"control character U+0001 inside a string: write it as \u0001"#),
        JSONErrorCase("[\"abc\n\"]", 1, 6, "line break inside a string: a closing quote (\") may be missing"),
        // Invalid UTF-8 and encodings.
        JSONErrorCase(
            utf8Bytes(#"{"a": "caf"#) + [0xE9] + utf8Bytes(#""}"#), 1, 11,
            "invalid UTF-8 (byte 0xE9): re-export the file as UTF-8"),
        JSONErrorCase(utf8Bytes(#"["é", ""#) + [0xFF] + utf8Bytes(#""]"#), 1, 8, "invalid UTF-8 (byte 0xFF)"),
        JSONErrorCase([0x22, 0xC0, 0xAF, 0x22], 1, 2, "invalid UTF-8 (byte 0xC0)"),
        JSONErrorCase([0x22, 0xED, 0xA0, 0x80, 0x22], 1, 2, "invalid UTF-8 (byte 0xED)"),
        JSONErrorCase([0x22, 0xE2, 0x82], 1, 2, "invalid UTF-8 (byte 0xE2)"),
        JSONErrorCase(utf8Bytes("[1, ") + [0xFF] + utf8Bytes("]"), 1, 5, "invalid UTF-8 (byte 0xFF)"),
        JSONErrorCase(
            [0xFF, 0xFE, 0x7B, 0x00, 0x7D, 0x00], 1, 1, "the file is saved as UTF-16: re-export it as UTF-8"),
        JSONErrorCase(
            utf8Bytes("[1,") + [0xC2, 0xA0] + utf8Bytes("2]"), 1, 4,
            "expected a value but found a non-breaking space (U+00A0)"),
        JSONErrorCase(utf8Bytes("  ") + [0xEF, 0xBB, 0xBF] + utf8Bytes("{}"), 1, 3, "a byte-order mark (U+FEFF)"),
        // Structure.
        JSONErrorCase(
            "{} x", 1, 4, #"unexpected "x" after the end of the JSON data: the file must contain a single value"#),
        JSONErrorCase(#"{"a":1}}"#, 1, 8, #"unexpected "}" after the end of the JSON data"#),
        JSONErrorCase("{}\n{}", 2, 1, "after the end of the JSON data"),
        JSONErrorCase(#"{"a" 1}"#, 1, 6, #"expected ":" after the key "a""#),
        JSONErrorCase("{'a': 1}", 1, 2, "single quotes are not allowed"),
        JSONErrorCase("['x']", 1, 2, "single quotes are not allowed"),
        JSONErrorCase("// export\n{}", 1, 1, "comments are not allowed in JSON"),
        JSONErrorCase(#"{"a": 1 /* note */}"#, 1, 9, "comments are not allowed in JSON"),
        JSONErrorCase("[1 2]", 1, 4, #"expected "," or "]" after an element of an array but found "2""#),
        JSONErrorCase(
            #"{"a":1 "b":2}"#, 1, 8, #"expected "," or "}" after a member of an object but found a quote (")"#),
        JSONErrorCase("True", 1, 1, #""True" must be written in lowercase: true"#),
        JSONErrorCase("{a: 1}", 1, 2, "object keys must be written in double quotes"),
        JSONErrorCase("{1: 2}", 1, 2, #"expected a key in double quotes but found "1""#),
        JSONErrorCase(
            #"{"a": hello}"#, 1, 7, #"unexpected word "hello": text values must be written in double quotes"#),
        JSONErrorCase(#"{"café": tru}"#, 1, 10, #"unexpected word "tru""#),
        JSONErrorCase("[1,,2]", 1, 4, #"expected a value but found ",""#),
        JSONErrorCase(#"{"a":}"#, 1, 6, #"expected a value but found "}""#),
    ]

    @Test(arguments: cases)
    func errorHasExactPositionAndMessage(_ errorCase: JSONErrorCase) {
        let error = #expect(throws: JSONError.self) { try JSONParser.parse(errorCase.input) }
        #expect(error?.line == errorCase.line)
        #expect(error?.column == errorCase.column)
        #expect(error?.message.contains(errorCase.message) == true, "message: \(error?.message ?? "none")")
        #expect(error?.description.hasPrefix("line \(errorCase.line), column \(errorCase.column): ") == true)
    }

    @Test func textInputReportsTheSameErrorAsBytes() {
        let text = "{\n  \"libellé\": \"x\",\n  \"b\": [1, 2,]\n}"
        let fromText = #expect(throws: JSONError.self) { try JSONParser.parse(text) }
        let fromBytes = #expect(throws: JSONError.self) { try JSONParser.parse(utf8Bytes(text)) }
        #expect(fromText == fromBytes)
        #expect(fromText?.description == #"line 3, column 13: trailing comma: remove the "," before "]""#)
        #expect(fromText?.position == pos(3, 13))
    }

    @Test func nestingDeeperThanTheLimitIsRejected() {
        let depth = JSONParser.maximumDepth + 1
        let arrays = String(repeating: "[", count: depth) + String(repeating: "]", count: depth)
        let arrayError = #expect(throws: JSONError.self) { try JSONParser.parse(arrays) }
        #expect(arrayError?.position == pos(1, depth))
        #expect(arrayError?.message == "too deeply nested: more than 512 levels of objects and arrays")

        let objects = String(repeating: #"{"a":"#, count: depth) + "1" + String(repeating: "}", count: depth)
        let objectError = #expect(throws: JSONError.self) { try JSONParser.parse(objects) }
        #expect(objectError?.position == pos(1, 5 * (depth - 1) + 1))
        #expect(objectError?.message.contains("too deeply nested") == true)
    }

    @Test func hostileNestingDoesNotCrash() {
        let hostile = String(repeating: "[", count: 1_000_000)
        let error = #expect(throws: JSONError.self) { try JSONParser.parse(hostile) }
        #expect(error?.column == JSONParser.maximumDepth + 1)
    }
}
