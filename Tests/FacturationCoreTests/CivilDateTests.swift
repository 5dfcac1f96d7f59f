import Testing

@testable import FacturationCore

/// The fixed-width reading of `YYYY-MM-DD` (``CivilDate/fixedWidth(_:)``, performance code) against
/// the general one it stands in for (``CivilDate/splitting(_:)``).
@Suite("CivilDate")
struct CivilDateTests {
    static func fixed(_ text: String) -> CivilDate.FixedWidth {
        Array(text.utf8).withUnsafeBufferPointer { CivilDate.fixedWidth($0) }
    }

    /// What `CivilDate(iso:)` gives must be what the general reading gives, whichever path took it.
    static func expectSame(_ text: String, sourceLocation: SourceLocation = #_sourceLocation) {
        let general = CivilDate.splitting(text)
        #expect(CivilDate(iso: text) == general, "\(text)", sourceLocation: sourceLocation)
        #expect(CivilDate(iso: Substring(text)) == general, "\(text) (substring)", sourceLocation: sourceLocation)
        switch fixed(text) {
        case .date(let date): #expect(date == general, "\(text)", sourceLocation: sourceLocation)
        case .invalid: #expect(general == nil, "\(text)", sourceLocation: sourceLocation)
        case .other: break
        }
    }

    @Test("Every day of 1999–2101 and every out-of-range day of those years reads the same both ways")
    func everyDay() {
        var read = 0
        for year in 1999...2101 {
            for month in 0...13 {
                for day in 0...32 {
                    let text = CivilDate.pad(year, 4) + "-" + CivilDate.pad(month, 2) + "-" + CivilDate.pad(day, 2)
                    Self.expectSame(text)
                    if case .date(let date) = Self.fixed(text) {
                        #expect((date.year, date.month, date.day) == (year, month, day))
                        read += 1
                    }
                }
            }
        }
        // 103 years of real days took the fixed path.
        #expect(read == (1999...2101).map { CivilDate.isLeapYear($0) ? 366 : 365 }.reduce(0, +))
    }

    @Test(
        "Odd and invalid texts read the same both ways",
        arguments: [
            "2024-02-29", "2023-02-29", "0000-01-01", "0001-01-01", "9999-12-31", "2024-00-10", "2024-13-01",
            "2024-1-01", "2024-01-1", "24-01-01", "2024/01/01", "2024-01-01 ", " 2024-01-01", "2024-01-01x",
            "+999-01-01", "2024-+1-01", "2024-01-+1", "-999-01-01", "2024--1-01", "2024-01--1", "202a-01-01",
            "2024-0a-01", "2024-01-0a", "２０２４-01-01", "2024-01-0\u{301}", "2024-01-01-", "", "-", "--",
            "2024-01", "2024_01_01", "2024-01-01T00:00", "\u{0}024-01-01", "2024-01-3\u{0}",
        ])
    func oddTexts(text: String) {
        Self.expectSame(text)
    }

    @Test("Only the plain form takes the fixed path; signs and other forms are left to the general reading")
    func fixedPathBounds() {
        #expect(Self.fixed("2024-02-29") == .date(CivilDate(year: 2024, month: 2, day: 29)!))
        #expect(Self.fixed("2023-02-29") == .invalid)
        #expect(Self.fixed("0000-01-01") == .invalid)
        #expect(Self.fixed("+999-01-01") == .other)
        #expect(CivilDate(iso: "+999-01-01") == CivilDate(year: 999, month: 1, day: 1))
        #expect(Self.fixed("2024-01-01 ") == .other)
    }

    @Test("Random bytes over the date alphabet read the same both ways")
    func randomTexts() {
        var random = SplitMix64(seed: 11)
        let odd = Array("-+ a/0".utf8)
        var kinds: [String: Int] = [:]
        for _ in 0..<20_000 {
            // Mostly the plain form, with a byte changed now and then, and now and then one more or less.
            let plain =
                CivilDate.pad(Int(random.next() % 10_000), 4) + "-" + CivilDate.pad(Int(random.next() % 14), 2) + "-"
                + CivilDate.pad(Int(random.next() % 33), 2)
            var bytes = Array(plain.utf8).map { byte in
                random.next() % 16 == 0 ? odd[Int(random.next() % UInt64(odd.count))] : byte
            }
            switch random.next() % 10 {
            case 0: bytes.removeLast()
            case 1: bytes.append(UInt8(ascii: "0") + UInt8(random.next() % 10))
            default: break
            }
            let text = String(decoding: bytes, as: UTF8.self)
            Self.expectSame(text)
            kinds["\(Self.fixed(text))".prefix(4).description, default: 0] += 1
        }
        // Each of the three outcomes was met many times.
        #expect(kinds.count == 3 && kinds.values.allSatisfy { $0 > 500 }, "\(kinds)")
    }
}
