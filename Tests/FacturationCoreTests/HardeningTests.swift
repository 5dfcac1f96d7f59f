import Testing

@testable import FacturationCore

@Suite("Inbox names")
struct InboxNameTests {
    @Test func aSafeNameIsKept() {
        let name = InboxName(raw: Array("Clockify_Time_Report.csv".utf8))
        #expect(name.shown == "Clockify_Time_Report.csv")
        #expect(name.stored == "Clockify_Time_Report.csv")
        #expect(!name.isChanged)
    }

    @Test func bytesThatAreNotUTF8AndControlsAreEscapedForPeopleAndReplacedOnDisk() {
        let name = InboxName(raw: Array("relev".utf8) + [0xE9] + Array(".csv".utf8))
        #expect(name.shown == "relev\\xE9.csv")
        #expect(name.stored == "relev_.csv")
        let control = InboxName(raw: Array("a\nb\u{85}c.csv".utf8))
        #expect(control.shown == "a\\x0Ab\\u{85}c.csv")
        #expect(control.stored == "a_b_c.csv")
        // A literal backslash is doubled, so "n\xE9.txt" on disk never looks like byte 0xE9.
        let literal = InboxName(raw: Array("n\\xE9.txt".utf8))
        #expect(literal.shown == "n\\\\xE9.txt")
        #expect(literal.stored == "n\\xE9.txt")
        // A right-to-left override cannot make "gnp.csv" look like another name.
        let reversed = InboxName(raw: Array("\u{202E}gnp.csv".utf8))
        #expect(reversed.shown == "\\u{202E}gnp.csv")
        #expect(reversed.stored == "_gnp.csv")
    }

    @Test func aLongNameKeepsItsStartItsExtensionAndAHashWithinTheLimit() {
        let raw = Array((String(repeating: "é", count: 120) + ".csv").utf8)  // 244 bytes
        let name = InboxName(raw: raw)
        #expect(name.stored.utf8.count <= InboxName.maximumStoredBytes)
        #expect(name.stored.hasPrefix("ééé"))
        #expect(name.stored.hasSuffix(".csv"))
        #expect(name.stored.contains("~"))
        #expect(name.shown == String(decoding: raw, as: UTF8.self))
        // Another long name with the same start gets another stored name.
        let other = InboxName(raw: Array((String(repeating: "é", count: 121) + ".csv").utf8))
        #expect(other.stored != name.stored)
    }
}

@Suite("Import text and bounds")
struct TextCleaningTests {
    @Test func controlCharactersBecomeSpacesAndNoncharactersTheReplacementCharacter() {
        #expect(TextCleaning.cleaned("LAA\u{1B}[31m\tx\r\ny\u{7F}z\u{85}") == "LAA [31m x  y z ")
        #expect(TextCleaning.cleaned("a\u{FFFE}b\u{FFFF}c") == "a\u{FFFD}b\u{FFFD}c")
        #expect(TextCleaning.cleaned("Réunion « client » ° ½ \u{FFFD}") == "Réunion « client » ° ½ \u{FFFD}")
    }

    /// Text that reaches an XML document from elsewhere than an import (an older ledger) gets the
    /// same rule: no character reference XML 1.0 refuses, no line break in a one-line field.
    @Test func theXMLWriterAppliesTheSameRule() throws {
        let writer = XMLWriter(indent: false)
        writer.start("a")
        writer.element("b", "PharmaBest\r\nSARL\u{85}\u{1B}\u{FFFF}", attributes: [("c", "x\u{7}y")])
        writer.end()
        let xml = String(decoding: try writer.finish(), as: UTF8.self)
        #expect(xml.contains("<b c=\"x y\">PharmaBest  SARL  \u{FFFD}</b>"), "\(xml)")
        #expect(!xml.contains("&#"))
    }

    /// The word-at-a-time check must agree with the byte-by-byte rule, at every position.
    @Test func theFastCheckAgreesWithTheRuleEverywhere() {
        let specials: [[UInt8]] = [
            [0x00], [0x09], [0x0A], [0x0D], [0x1B], [0x1F], [0x7F], [0xC2, 0x85], [0xC2, 0x9F],
            [0xEF, 0xBF, 0xBE], [0xEF, 0xBF, 0xBF],
        ]
        let harmless: [[UInt8]] = [
            [0x20], [0x2C], [0x22], [0x7E], [0xC2, 0xA0], [0xC2, 0xAB], [0xC3, 0xA9],
            [0xEF, 0xBF, 0xBD], [0xEF, 0xB7, 0x90], [0xE2, 0x82, 0xAC],
        ]
        for length in 0..<20 {
            for position in 0...length {
                for (insert, expected) in specials.map({ ($0, true) }) + harmless.map({ ($0, false) }) {
                    var bytes = [UInt8](repeating: 0x61, count: length)
                    bytes.insert(contentsOf: insert, at: position)
                    let fast = bytes.withUnsafeBytes { TextCleaning.needsCleaning($0) }
                    let slow = bytes.withUnsafeBytes { TextCleaning.needsCleaningSlowly($0, from: 0) }
                    #expect(fast == expected && slow == expected, "\(bytes)")
                    // The reader's fast test (on its thread) never misses one.
                    if expected { #expect(bytes.withUnsafeBytes { ControlBytes.mayHold($0) }, "\(bytes)") }
                }
            }
        }
    }

    @Test func boundsAcceptRealisticValuesOnly() {
        #expect(ImportBounds.problem(date: CivilDate(year: 2000, month: 1, day: 1)!) == nil)
        #expect(ImportBounds.problem(date: CivilDate(year: 2099, month: 12, day: 31)!) == nil)
        #expect(ImportBounds.problem(date: CivilDate(year: 1999, month: 12, day: 31)!) != nil)
        #expect(ImportBounds.problem(date: CivilDate(year: 2100, month: 1, day: 1)!) != nil)
        #expect(ImportBounds.problem(durationSeconds: 72 * 3600) == nil)
        #expect(ImportBounds.problem(durationSeconds: 72 * 3600 + 1) != nil)
        #expect(ImportBounds.problem(durationSeconds: -1) != nil)
        #expect(ImportBounds.problem(amountMinor: 100_000_000_000, scale: 2) == nil)
        #expect(ImportBounds.problem(amountMinor: -100_000_000_001, scale: 2) != nil)
        #expect(ImportBounds.problem(amountMinor: .min, scale: 2) != nil)
        // Ten million amounts at the bound still add up.
        #expect(Int64.max / ImportBounds.maximumAmountMinor > 10_000_000)
    }
}

@Suite("Checked arithmetic")
struct CheckedArithmeticTests {
    @Test func overflowIsAnErrorNotATrap() throws {
        #expect(try Checked.add(1, 2, "sum") == 3)
        #expect(throws: ArithmeticOverflow.self) { try Checked.add(.max, 1, "sum") }
        #expect(throws: ArithmeticOverflow.self) { try Checked.multiply(.max / 2, 3, "product") }
        #expect(throws: ArithmeticOverflow.self) { try Checked.sum([.max, 1], "sum") }
        #expect(throws: ArithmeticOverflow.self) {
            try InvoicingSettings.HoursRounding.none.hours(seconds: 1_000_000_000_000_000)
        }
    }

    @Test func documentTotalsBeyondTheBoundAreRefused() {
        let line = InvoiceLine(
            number: 1, articleCode: "X", description: "x", quantity: .one, unitCode: "C62",
            unitPriceMinor: 90_000_000_000, netAmountMinor: 90_000_000_000, vatCategory: "S",
            vatRateBasisPoints: 2000, period: nil, entryCount: 0)
        #expect(throws: ArithmeticOverflow.self) { try InvoiceBuilder.totals(of: [line]) }
        var huge = line
        huge.netAmountMinor = .max
        #expect(throws: ArithmeticOverflow.self) { try InvoiceTotals.compute(lines: [huge, huge]) { _ in (nil, nil) } }
        #expect(throws: ArithmeticOverflow.self) {
            try InvoiceTotals.lineNet(quantity: Quantity(tenThousandths: .max / 10), unitPriceMinor: 100)
        }
    }
}
