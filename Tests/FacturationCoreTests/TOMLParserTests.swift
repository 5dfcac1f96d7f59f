import FacturationCore
import Testing

// MARK: - Helpers

private func pos(_ line: Int, _ column: Int) -> TOMLPosition {
    TOMLPosition(line: line, column: column)
}

private func subtable(_ table: TOMLTable, _ key: String) -> TOMLTable? {
    if case .table(let child)? = table[key]?.kind { return child }
    return nil
}

private func elements(_ table: TOMLTable, _ key: String) -> [TOMLValue]? {
    if case .array(let values)? = table[key]?.kind { return values }
    return nil
}

private func tableValue(_ value: TOMLValue) -> TOMLTable? {
    if case .table(let table) = value.kind { return table }
    return nil
}

// MARK: - Valid documents

@Suite("TOMLParser: values and positions")
struct TOMLParserValueTests {
    @Test func realisticCompanyConfiguration() throws {
        let text = """
            # Company
            [company]
            name = "SYAGA Consulting"
            siren = "123456789"
            time_zone = "Europe/Paris"
            address = { street = "1 rue de la Paix", postcode = "75002", city = "Paris", country = "FR" }

            [[clients]]
            code = "LAA"
            aliases = ["LAA", "Les Automatismes Appliqués"]
            rate = 100.00

            [[clients]]
            code = "PHARMA"

            """
        let root = try TOMLParser.parse(text)
        #expect(root.keys == ["company", "clients"])
        #expect(root.position == pos(1, 1))

        let company = try #require(subtable(root, "company"))
        #expect(company.position == pos(2, 1))
        #expect(root.keyPosition("company") == pos(2, 2))
        #expect(root["company"]?.position == pos(2, 1))
        #expect(company.keys == ["name", "siren", "time_zone", "address"])
        #expect(company["name"] == TOMLValue(kind: .string("SYAGA Consulting"), position: pos(3, 8)))
        #expect(company.keyPosition("name") == pos(3, 1))
        #expect(company["siren"] == TOMLValue(kind: .string("123456789"), position: pos(4, 9)))
        #expect(company.keyPosition("siren") == pos(4, 1))
        #expect(company["time_zone"]?.kind == .string("Europe/Paris"))

        let address = try #require(subtable(company, "address"))
        #expect(company["address"]?.position == pos(6, 11))
        #expect(address.position == pos(6, 11))
        #expect(address.keys == ["street", "postcode", "city", "country"])
        #expect(address["street"] == TOMLValue(kind: .string("1 rue de la Paix"), position: pos(6, 22)))
        #expect(address.keyPosition("street") == pos(6, 13))
        #expect(address["postcode"] == TOMLValue(kind: .string("75002"), position: pos(6, 53)))
        #expect(address.keyPosition("postcode") == pos(6, 42))
        #expect(address["country"] == TOMLValue(kind: .string("FR"), position: pos(6, 88)))
        #expect(address.keyPosition("country") == pos(6, 78))

        let clients = try #require(elements(root, "clients"))
        #expect(root["clients"]?.position == pos(8, 1))
        #expect(root.keyPosition("clients") == pos(8, 3))
        #expect(clients.count == 2)
        #expect(clients.map(\.position) == [pos(8, 1), pos(13, 1)])

        let laa = try #require(tableValue(clients[0]))
        #expect(laa.position == pos(8, 1))
        #expect(laa.keys == ["code", "aliases", "rate"])
        #expect(laa["code"] == TOMLValue(kind: .string("LAA"), position: pos(9, 8)))
        #expect(
            laa["aliases"]
                == TOMLValue(
                    kind: .array([
                        TOMLValue(kind: .string("LAA"), position: pos(10, 12)),
                        TOMLValue(kind: .string("Les Automatismes Appliqués"), position: pos(10, 19)),
                    ]),
                    position: pos(10, 11)))
        #expect(laa["rate"] == TOMLValue(kind: .float("100.00"), position: pos(11, 8)))
        #expect(laa.keyPosition("rate") == pos(11, 1))

        let pharma = try #require(tableValue(clients[1]))
        #expect(pharma.position == pos(13, 1))
        #expect(pharma.keys == ["code"])
        #expect(pharma["code"] == TOMLValue(kind: .string("PHARMA"), position: pos(14, 8)))
        #expect(pharma["rate"] == nil)
        #expect(pharma.keyPosition("rate") == nil)
    }

    @Test func stringsOfEveryKind() throws {
        let text = #"""
            basic = "tab\there \"quoted\" back\\slash \u00E9 \U0001F600 \b\f\r\n"
            literal = 'C:\Users\nodejs\templates'
            multi = """
            Roses are red
            Violets are blue"""
            trimmed = """\
                The quick \
                brown fox.\
                """
            literalMulti = '''
            first line
              second 'quoted' line \n
            '''
            quotes = """Two quotation marks: "". Simple enough."""
            endQuotes = """ends with two quotes"""""
            literalQuotes = ''''That,' she said, 'is still pointless.''''
            empty = ""
            emptyLiteral = ''
            "quoted key" = 1
            'literal "key"' = 2
            "" = 3
            tabbed = "a	b"
            """#
        let root = try TOMLParser.parse(text)
        #expect(root["basic"]?.kind == .string("tab\there \"quoted\" back\\slash é 😀 \u{8}\u{C}\r\n"))
        #expect(root["literal"]?.kind == .string(#"C:\Users\nodejs\templates"#))
        #expect(root["multi"] == TOMLValue(kind: .string("Roses are red\nViolets are blue"), position: pos(3, 9)))
        #expect(root["trimmed"] == TOMLValue(kind: .string("The quick brown fox."), position: pos(6, 11)))
        #expect(root.keyPosition("trimmed") == pos(6, 1))
        #expect(root["literalMulti"]?.kind == .string("first line\n  second 'quoted' line \\n\n"))
        #expect(root["quotes"]?.kind == .string(#"Two quotation marks: "". Simple enough."#))
        #expect(root["endQuotes"]?.kind == .string(#"ends with two quotes"""#))
        #expect(root["literalQuotes"]?.kind == .string("'That,' she said, 'is still pointless.'"))
        #expect(root["empty"]?.kind == .string(""))
        #expect(root["emptyLiteral"]?.kind == .string(""))
        #expect(root["quoted key"]?.kind == .integer(1))
        #expect(root.keyPosition("quoted key") == pos(19, 1))
        #expect(root["literal \"key\""]?.kind == .integer(2))
        #expect(root[""]?.kind == .integer(3))
        #expect(root["tabbed"]?.kind == .string("a\tb"))
        #expect(root["literalQuotes"]?.position == pos(16, 17))
    }

    @Test func integers() throws {
        let text = """
            a = 42
            b = +17
            c = -17
            d = 0
            e = 1_000_000
            f = 0xDEAD_beef
            g = 0o755
            h = 0b1101_0110
            max = 9223372036854775807
            min = -9223372036854775808
            hexmax = 0x7FFFFFFFFFFFFFFF
            negzero = -0
            padded = 0x0001
            """
        let root = try TOMLParser.parse(text)
        let expected: [(String, Int64)] = [
            ("a", 42), ("b", 17), ("c", -17), ("d", 0), ("e", 1_000_000), ("f", 0xDEAD_BEEF), ("g", 0o755),
            ("h", 0b1101_0110), ("max", Int64.max), ("min", Int64.min), ("hexmax", Int64.max), ("negzero", 0),
            ("padded", 1),
        ]
        for (key, value) in expected {
            #expect(root[key]?.kind == .integer(value), "\(key)")
        }
        #expect(root["f"]?.position == pos(6, 5))
        #expect(root["max"]?.position == pos(9, 7))
        #expect(root.keys == expected.map(\.0))
    }

    @Test func floatsKeepTheirSourceText() throws {
        let text = """
            amount = 1400.00
            grouped = 1_000.5
            negative = -3.5e2
            exponent = 5e+22
            small = 6.626e-34
            upper = 1E6
            plus = +1.5
            zero = -0.0
            zeroExponent = 1e05
            fraction = 3.141_592
            positiveInfinity = +inf
            infinity = inf
            negativeNan = -nan
            notANumber = nan
            inArray = [0.10, 2.50]
            """
        let root = try TOMLParser.parse(text)
        let expected = [
            ("amount", "1400.00"), ("grouped", "1000.5"), ("negative", "-3.5e2"), ("exponent", "5e+22"),
            ("small", "6.626e-34"), ("upper", "1E6"), ("plus", "+1.5"), ("zero", "-0.0"), ("zeroExponent", "1e05"),
            ("fraction", "3.141592"), ("positiveInfinity", "+inf"), ("infinity", "inf"), ("negativeNan", "-nan"),
            ("notANumber", "nan"),
        ]
        for (key, value) in expected {
            #expect(root[key]?.kind == .float(value), "\(key)")
        }
        #expect(root["amount"]?.position == pos(1, 10))
        #expect(root["grouped"]?.position == pos(2, 11))
        #expect(
            root["inArray"]?.kind
                == .array([
                    TOMLValue(kind: .float("0.10"), position: pos(15, 12)),
                    TOMLValue(kind: .float("2.50"), position: pos(15, 18)),
                ]))
    }

    @Test func booleans() throws {
        let root = try TOMLParser.parse("yes = true\nno = false # comment\n")
        #expect(root["yes"] == TOMLValue(kind: .boolean(true), position: pos(1, 7)))
        #expect(root["no"] == TOMLValue(kind: .boolean(false), position: pos(2, 6)))
    }

    @Test func datesAndTimes() throws {
        let text = """
            odt1 = 1979-05-27T07:32:00Z
            odt2 = 1979-05-27T00:32:00-07:00
            odt3 = 1979-05-27T00:32:00.999999+05:30
            odt4 = 1979-05-27 07:32:00Z
            ldt1 = 1979-05-27T07:32:00
            ldt2 = 1979-05-27 00:32:00.999
            ld1 = 2025-01-31
            ld2 = 2025-01-31 # a date followed by a comment
            leap = 2024-02-29
            lt1 = 07:32:00
            lt2 = 00:32:00.999999
            lower = 1979-05-27t07:32:00z
            leapSecond = 1990-12-31T23:59:60Z
            list = [2025-01-31, 07:32:00, 1979-05-27 07:32:00]
            """
        let root = try TOMLParser.parse(text)
        #expect(root["odt1"] == TOMLValue(kind: .offsetDateTime("1979-05-27T07:32:00Z"), position: pos(1, 8)))
        #expect(root["odt2"]?.kind == .offsetDateTime("1979-05-27T00:32:00-07:00"))
        #expect(root["odt3"]?.kind == .offsetDateTime("1979-05-27T00:32:00.999999+05:30"))
        #expect(root["odt4"]?.kind == .offsetDateTime("1979-05-27T07:32:00Z"))
        #expect(root["ldt1"]?.kind == .localDateTime("1979-05-27T07:32:00"))
        #expect(root["ldt2"]?.kind == .localDateTime("1979-05-27T00:32:00.999"))
        #expect(root["ld1"] == TOMLValue(kind: .localDate("2025-01-31"), position: pos(7, 7)))
        #expect(root["ld2"]?.kind == .localDate("2025-01-31"))
        #expect(root["leap"]?.kind == .localDate("2024-02-29"))
        #expect(root["lt1"] == TOMLValue(kind: .localTime("07:32:00"), position: pos(10, 7)))
        #expect(root["lt2"]?.kind == .localTime("00:32:00.999999"))
        #expect(root["lower"]?.kind == .offsetDateTime("1979-05-27t07:32:00z"))
        #expect(root["leapSecond"]?.kind == .offsetDateTime("1990-12-31T23:59:60Z"))
        #expect(
            root["list"]?.kind
                == .array([
                    TOMLValue(kind: .localDate("2025-01-31"), position: pos(14, 9)),
                    TOMLValue(kind: .localTime("07:32:00"), position: pos(14, 21)),
                    TOMLValue(kind: .localDateTime("1979-05-27T07:32:00"), position: pos(14, 31)),
                ]))
    }

    @Test func arraysAcrossLinesWithComments() throws {
        let text = """
            ints = [1, 2, 3]
            mixed = [ 1, "two", 3.0, true, [4], { six = 6 } ]
            multi = [
              "a", # first
              # only a comment
              "b",
            ]
            empty = [ ]
            nested = [[1, 2], ["a"]]
            """
        let root = try TOMLParser.parse(text)
        #expect(
            root["ints"]?.kind
                == .array([
                    TOMLValue(kind: .integer(1), position: pos(1, 9)),
                    TOMLValue(kind: .integer(2), position: pos(1, 12)),
                    TOMLValue(kind: .integer(3), position: pos(1, 15)),
                ]))
        let mixed = try #require(elements(root, "mixed"))
        #expect(mixed.map(\.position) == [pos(2, 11), pos(2, 14), pos(2, 21), pos(2, 26), pos(2, 32), pos(2, 37)])
        #expect(mixed[1].kind == .string("two"))
        #expect(mixed[2].kind == .float("3.0"))
        #expect(mixed[3].kind == .boolean(true))
        #expect(mixed[4].kind == .array([TOMLValue(kind: .integer(4), position: pos(2, 33))]))
        let six = try #require(tableValue(mixed[5]))
        #expect(six["six"] == TOMLValue(kind: .integer(6), position: pos(2, 45)))
        #expect(
            root["multi"]
                == TOMLValue(
                    kind: .array([
                        TOMLValue(kind: .string("a"), position: pos(4, 3)),
                        TOMLValue(kind: .string("b"), position: pos(6, 3)),
                    ]),
                    position: pos(3, 9)))
        #expect(root["empty"]?.kind == .array([]))
        let nested = try #require(elements(root, "nested"))
        #expect(nested.count == 2)
        #expect(nested[1].kind == .array([TOMLValue(kind: .string("a"), position: pos(9, 20))]))
        #expect(root.keyPosition("nested") == pos(9, 1))
    }

    @Test func inlineTables() throws {
        let text = """
            point = { x = 1, y = 2 }
            nested = { inner = { deep = true }, list = [1, 2] }
            dotted = { a.b = 1, a.c = 2 }
            empty = {}
            """
        let root = try TOMLParser.parse(text)
        let point = try #require(subtable(root, "point"))
        #expect(point.position == pos(1, 9))
        #expect(point.keys == ["x", "y"])
        #expect(point["y"] == TOMLValue(kind: .integer(2), position: pos(1, 22)))
        #expect(point.keyPosition("y") == pos(1, 18))
        let nested = try #require(subtable(root, "nested"))
        let inner = try #require(subtable(nested, "inner"))
        #expect(inner.position == pos(2, 20))
        #expect(inner["deep"]?.kind == .boolean(true))
        let dotted = try #require(subtable(root, "dotted"))
        let dottedA = try #require(subtable(dotted, "a"))
        #expect(dottedA.keys == ["b", "c"])
        #expect(dottedA.keyPosition("c") == pos(3, 23))
        #expect(root["empty"]?.position == pos(4, 9))
        #expect(try #require(subtable(root, "empty")).keys.isEmpty)
    }

    @Test func dottedKeysAndTableHeaders() throws {
        let text = """
            name.first = "Ada"
            name . last = "Lovelace"
            "quoted.dot" = true
            site."google.com" = true
            3.14159 = "pi"

            [fruit]
            apple.color = "red"
            apple.taste.sweet = true

            [fruit.apple.texture]
            smooth = true

            [ x . y . z ]
            w = 1

            [x]
            v = 2
            """
        let root = try TOMLParser.parse(text)
        #expect(root.keys == ["name", "quoted.dot", "site", "3", "fruit", "x"])
        let name = try #require(subtable(root, "name"))
        #expect(name.position == pos(1, 1))
        #expect(name.keys == ["first", "last"])
        #expect(name.keyPosition("last") == pos(2, 8))
        #expect(name["last"] == TOMLValue(kind: .string("Lovelace"), position: pos(2, 15)))
        #expect(root["quoted.dot"]?.kind == .boolean(true))
        #expect(try #require(subtable(root, "site"))["google.com"]?.kind == .boolean(true))
        #expect(try #require(subtable(root, "3"))["14159"]?.kind == .string("pi"))

        let fruit = try #require(subtable(root, "fruit"))
        let apple = try #require(subtable(fruit, "apple"))
        #expect(apple.keys == ["color", "taste", "texture"])
        #expect(apple.position == pos(8, 1))
        #expect(try #require(subtable(apple, "taste"))["sweet"]?.kind == .boolean(true))
        let texture = try #require(subtable(apple, "texture"))
        #expect(texture.position == pos(11, 1))
        #expect(texture["smooth"] == TOMLValue(kind: .boolean(true), position: pos(12, 10)))

        let x = try #require(subtable(root, "x"))
        #expect(x.position == pos(17, 1), "an implicit table takes the position of the header that defines it")
        #expect(root.keyPosition("x") == pos(14, 3))
        #expect(x.keys == ["y", "v"])
        let y = try #require(subtable(x, "y"))
        #expect(x.keyPosition("y") == pos(14, 7))
        #expect(try #require(subtable(y, "z"))["w"]?.kind == .integer(1))
        #expect(x["v"]?.kind == .integer(2))
    }

    @Test func arraysOfTablesKeepOnePositionPerElement() throws {
        let text = """
            [[fruits]]
            name = "apple"

            [fruits.physical]
            color = "red"

            [[fruits.varieties]]
            name = "red delicious"

            [[fruits.varieties]]
            name = "granny smith"

            [[fruits]]
            name = "banana"

            [[fruits.varieties]]
            name = "plantain"
            """
        let root = try TOMLParser.parse(text)
        let fruits = try #require(elements(root, "fruits"))
        #expect(root["fruits"]?.position == pos(1, 1))
        #expect(root.keyPosition("fruits") == pos(1, 3))
        #expect(fruits.map(\.position) == [pos(1, 1), pos(13, 1)])

        let apple = try #require(tableValue(fruits[0]))
        #expect(apple.keys == ["name", "physical", "varieties"])
        #expect(apple["name"] == TOMLValue(kind: .string("apple"), position: pos(2, 8)))
        #expect(try #require(subtable(apple, "physical")).position == pos(4, 1))
        let appleVarieties = try #require(elements(apple, "varieties"))
        #expect(appleVarieties.map(\.position) == [pos(7, 1), pos(10, 1)])
        #expect(try #require(tableValue(appleVarieties[1]))["name"]?.kind == .string("granny smith"))
        #expect(apple.keyPosition("varieties") == pos(7, 10))

        let banana = try #require(tableValue(fruits[1]))
        let bananaVarieties = try #require(elements(banana, "varieties"))
        #expect(bananaVarieties.map(\.position) == [pos(16, 1)])
        #expect(
            try #require(tableValue(bananaVarieties[0]))["name"]
                == TOMLValue(kind: .string("plantain"), position: pos(17, 8)))
    }

    @Test func tablesMayBeDefinedInAnyOrder() throws {
        let root = try TOMLParser.parse("[a.b.c]\nz = 1\n[a]\nx = 2\n[[list]]\n[list.sub]\n[[list]]\n[list.sub]\n")
        let a = try #require(subtable(root, "a"))
        #expect(a.keys == ["b", "x"])
        #expect(a.position == pos(3, 1))
        #expect(try #require(elements(root, "list")).count == 2)
    }

    @Test func crlfLineEndings() throws {
        let text =
            "# comment\r\nname = \"x\"\r\n[t]\r\ns = \"\"\"\r\nline1\r\nline2 \\\r\n   joined\"\"\"\r\nlit = '''\r\na\r\nb'''\r\nlist = [\r\n  1,\r\n  2,\r\n]\r\n"
        let root = try TOMLParser.parse(text)
        #expect(root["name"] == TOMLValue(kind: .string("x"), position: pos(2, 8)))
        let t = try #require(subtable(root, "t"))
        #expect(t.position == pos(3, 1))
        #expect(t["s"] == TOMLValue(kind: .string("line1\nline2 joined"), position: pos(4, 5)))
        #expect(t["lit"] == TOMLValue(kind: .string("a\nb"), position: pos(8, 7)))
        #expect(
            t["list"]?.kind
                == .array([
                    TOMLValue(kind: .integer(1), position: pos(12, 3)),
                    TOMLValue(kind: .integer(2), position: pos(13, 3)),
                ]))
    }

    @Test func byteOrderMarkIsSkipped() throws {
        let root = try TOMLParser.parse("\u{FEFF}siren = \"123456789\"\nx = 1")
        #expect(root.keys == ["siren", "x"])
        #expect(root.keyPosition("siren") == pos(1, 1))
        #expect(root["siren"] == TOMLValue(kind: .string("123456789"), position: pos(1, 9)))
        #expect(root["x"]?.position == pos(2, 5))
    }

    @Test func columnsCountCharactersNotBytes() throws {
        let root = try TOMLParser.parse("\"société\" = \"été\"\ncity = { \"é\" = \"Orléans\", next = 1 }")
        #expect(root["société"] == TOMLValue(kind: .string("été"), position: pos(1, 13)))
        let city = try #require(subtable(root, "city"))
        #expect(city["é"] == TOMLValue(kind: .string("Orléans"), position: pos(2, 16)))
        #expect(city.keyPosition("next") == pos(2, 27))
        #expect(city["next"]?.position == pos(2, 34))
    }

    @Test func emptyAndCommentOnlyDocuments() throws {
        #expect(try TOMLParser.parse("").keys.isEmpty)
        #expect(try TOMLParser.parse("\n# just a comment\n\n   \t\n").keys.isEmpty)
        #expect(try TOMLParser.parse("# no final newline").keys.isEmpty)
    }

    @Test func errorDescriptionIsLineColumnMessage() throws {
        #expect(TOMLError(line: 3, column: 7, message: "boom").description == "line 3, column 7: boom")
        do {
            _ = try TOMLParser.parse("a = 1\nb = 2\nsiren = \"1\"\nsiren = \"2\"")
            Issue.record("expected an error")
        } catch {
            #expect(error.description == "line 4, column 1: duplicate key \"siren\" (first defined on line 3)")
        }
    }
}

// MARK: - Errors

/// One invalid document with the exact location and a key part of the message it must produce.
struct ErrorCase: Sendable, CustomTestStringConvertible {
    let name: String
    let text: String
    let line: Int
    let column: Int
    let message: String

    var testDescription: String { name }
}

private let errorCases: [ErrorCase] = [
    ErrorCase(
        name: "duplicate key", text: "[company]\nname = \"A\"\nsiren = \"1\"\nsiren = \"2\"",
        line: 4, column: 1, message: "duplicate key \"siren\" (first defined on line 3)"),
    ErrorCase(
        name: "duplicate dotted key", text: "a.b = 1\na.b = 2",
        line: 2, column: 3, message: "duplicate key \"a.b\" (first defined on line 1)"),
    ErrorCase(
        name: "duplicate key in inline table", text: "p = { x = 1, x = 2 }",
        line: 1, column: 14, message: "duplicate key \"x\" (first defined on line 1)"),
    ErrorCase(
        name: "table defined twice", text: "[a]\nx = 1\n\n[a]",
        line: 4, column: 1, message: "table [a] is defined twice (first defined on line 1)"),
    ErrorCase(
        name: "header redefines a dotted-key table", text: "[fruit]\napple.color = \"red\"\n[fruit.apple]",
        line: 3, column: 1, message: "table [fruit.apple] was already created by dotted keys on line 2"),
    ErrorCase(
        name: "dotted key extends a header table", text: "[fruit.apple]\ncolor = \"red\"\n[fruit]\napple.taste = 1",
        line: 4, column: 1, message: "table [fruit.apple] has its own header on line 1"),
    ErrorCase(
        name: "dotted key extends a nested header table", text: "[a.b.c]\nz = 9\n[a]\nb.c.t = 1",
        line: 4, column: 3, message: "table [a.b.c] has its own header on line 1"),
    ErrorCase(
        name: "array of tables appends to a static array", text: "fruits = []\n[[fruits]]",
        line: 2, column: 1, message: "cannot add to the array \"fruits\" with [[fruits]]"),
    ErrorCase(
        name: "dotted key extends an inline table", text: "address = { city = \"Paris\" }\naddress.street = \"x\"",
        line: 2, column: 1, message: "cannot add to the inline table \"address\" (line 1)"),
    ErrorCase(
        name: "header extends an inline table", text: "address = { city = \"Paris\" }\n[address.more]",
        line: 2, column: 2, message: "cannot add to the inline table \"address\" (line 1)"),
    ErrorCase(
        name: "array of tables over a table", text: "[a]\n[[a]]",
        line: 2, column: 1, message: "[[a]] conflicts with the table [a] defined on line 1"),
    ErrorCase(
        name: "table over an array of tables", text: "[[a]]\n[a]",
        line: 2, column: 1, message: "table [a] conflicts with the array of tables [[a]] defined on line 1"),
    ErrorCase(
        name: "table over a value", text: "a = 1\n[a]",
        line: 2, column: 2, message: "key \"a\" already has a value on line 1"),
    ErrorCase(
        name: "table inside a static array", text: "a = [1]\n[a.b]",
        line: 2, column: 2, message: "it is already an array defined on line 1"),
    ErrorCase(
        name: "invalid escape", text: #"p = "a\qb""#,
        line: 1, column: 7, message: #"invalid escape sequence "\q""#),
    ErrorCase(
        name: "windows path in basic string", text: #"path = "C:\Users\me""#,
        line: 1, column: 11, message: "must be followed by exactly 8 hexadecimal digits"),
    ErrorCase(
        name: "surrogate unicode escape", text: #"s = "\uD800""#,
        line: 1, column: 6, message: #"escape sequence "\uD800" is not a valid Unicode character"#),
    ErrorCase(
        name: "control character in string", text: "s = \"a\u{07}b\"",
        line: 1, column: 7, message: "control character U+0007 is not allowed in a string"),
    ErrorCase(
        name: "unterminated basic string", text: "x = 1\nname = \"SYAGA\nnext = 2",
        line: 2, column: 8, message: "unterminated string: add the closing \""),
    ErrorCase(
        name: "unterminated literal string", text: "name = 'SYAGA",
        line: 1, column: 8, message: "unterminated string: add the closing '"),
    ErrorCase(
        name: "unterminated multi-line string", text: "s = \"\"\"abc\n\nx = 1",
        line: 1, column: 5, message: "unterminated multi-line string: add the closing \"\"\""),
    ErrorCase(
        name: "too many closing quotes", text: "s = \"\"\"a\"\"\"\"\"\"",
        line: 1, column: 9, message: "too many quotes"),
    ErrorCase(
        name: "leading zeros", text: "postcode = 01234",
        line: 1, column: 12, message: "leading zeros are not allowed"),
    ErrorCase(
        name: "double underscore", text: "n = 1__2",
        line: 1, column: 5, message: "each \"_\" must be between two digits"),
    ErrorCase(
        name: "leading underscore", text: "n = _1",
        line: 1, column: 5, message: "each \"_\" must be between two digits"),
    ErrorCase(
        name: "decimal point without digits", text: "n = 1.",
        line: 1, column: 5, message: "a decimal point must have a digit after it"),
    ErrorCase(
        name: "exponent without digits", text: "n = 1e",
        line: 1, column: 5, message: "the exponent must have digits"),
    ErrorCase(
        name: "signed hexadecimal", text: "n = +0x10",
        line: 1, column: 5, message: "cannot have a sign"),
    ErrorCase(
        name: "integer overflow", text: "n = 9223372036854775808",
        line: 1, column: 5, message: "integer 9223372036854775808 is too large"),
    ErrorCase(
        name: "integer underflow", text: "n = -9223372036854775809",
        line: 1, column: 5, message: "is too small"),
    ErrorCase(
        name: "missing equals sign", text: "name \"x\"",
        line: 1, column: 6, message: "expected \"=\" after key \"name\""),
    ErrorCase(
        name: "missing key", text: "= 1",
        line: 1, column: 1, message: "missing key name before \"=\""),
    ErrorCase(
        name: "missing value", text: "name =",
        line: 1, column: 7, message: "missing value after \"=\" for key \"name\""),
    ErrorCase(
        name: "text after a value", text: "amount = 1400.00 EUR",
        line: 1, column: 18, message: "unexpected text \"EUR\" after the value"),
    ErrorCase(
        name: "text after a header", text: "[a]]",
        line: 1, column: 4, message: "unexpected text \"]\" after the table header [a]"),
    ErrorCase(
        name: "unquoted text", text: "city = Paris",
        line: 1, column: 8, message: "invalid value \"Paris\": text must be written in quotes"),
    ErrorCase(
        name: "capitalised boolean", text: "b = True",
        line: 1, column: 5, message: "write booleans in lowercase"),
    ErrorCase(
        name: "invalid day", text: "d = 2025-02-29",
        line: 1, column: 5, message: "February 2025 has only 28 days"),
    ErrorCase(
        name: "invalid month", text: "d = 2025-13-01",
        line: 1, column: 5, message: "month must be between 01 and 12"),
    ErrorCase(
        name: "invalid hour", text: "t = 24:00:00",
        line: 1, column: 5, message: "hour must be between 00 and 23"),
    ErrorCase(
        name: "missing seconds", text: "t = 1979-05-27T07:32",
        line: 1, column: 5, message: "seconds are required"),
    ErrorCase(
        name: "offset on a local time", text: "t = 07:32:00Z",
        line: 1, column: 5, message: "invalid time \"07:32:00Z\""),
    ErrorCase(
        name: "trailing comma in inline table", text: "a = { x = 1, }",
        line: 1, column: 12, message: "trailing comma"),
    ErrorCase(
        name: "newline in inline table", text: "a = { x = 1,\n y = 2 }",
        line: 1, column: 13, message: "an inline table must be written on a single line"),
    ErrorCase(
        name: "unterminated array", text: "a = [1, 2\n",
        line: 1, column: 5, message: "unterminated array: add the closing \"]\""),
    ErrorCase(
        name: "missing comma in array", text: "a = [1 2]",
        line: 1, column: 8, message: "expected \",\" or \"]\" after an array element"),
    ErrorCase(
        name: "empty array element", text: "a = [1,,2]",
        line: 1, column: 8, message: "missing value before \",\" in array"),
    ErrorCase(
        name: "unclosed table header", text: "[company\nname = 1",
        line: 1, column: 9, message: "expected \"]\" to close the table header [company]"),
    ErrorCase(
        name: "empty table header", text: "[]",
        line: 1, column: 2, message: "missing table name"),
    ErrorCase(
        name: "accented bare key", text: "société = 1",
        line: 1, column: 5, message: "invalid character \"é\" in key"),
    ErrorCase(
        name: "multi-line string as key", text: "\"\"\"a\"\"\" = 1",
        line: 1, column: 1, message: "a key cannot be a multi-line string"),
    ErrorCase(
        name: "lone carriage return", text: "a = 1\rb = 2",
        line: 1, column: 6, message: "stray carriage return"),
    ErrorCase(
        name: "control character in comment", text: "x = 1\n# a\u{01}",
        line: 2, column: 4, message: "control character U+0001 is not allowed in a comment"),
    ErrorCase(
        name: "nesting too deep", text: "a = " + String(repeating: "[", count: 100),
        line: 1, column: 69, message: "nested too deeply"),
    ErrorCase(
        name: "error column after accented text", text: "nom = \"Café\" x",
        line: 1, column: 14, message: "unexpected text \"x\" after the value"),
]

@Suite("TOMLParser: errors")
struct TOMLParserErrorTests {
    @Test(arguments: errorCases)
    func reportsLineColumnAndMessage(_ errorCase: ErrorCase) {
        do {
            let table = try TOMLParser.parse(errorCase.text)
            Issue.record("expected an error, got keys \(table.keys)")
        } catch {
            #expect(error.line == errorCase.line, "\(error)")
            #expect(error.column == errorCase.column, "\(error)")
            #expect(error.message.contains(errorCase.message), "\(error)")
        }
    }

    @Test func accentedKeySuggestsQuotes() {
        #expect(
            throws: TOMLError(
                line: 1, column: 5,
                message: "invalid character \"é\" in key: keys without quotes may only contain ASCII letters, digits, "
                    + "\"-\" and \"_\"; write it in quotes, e.g. \"société\"")
        ) {
            try TOMLParser.parse("société = 1")
        }
    }
}
