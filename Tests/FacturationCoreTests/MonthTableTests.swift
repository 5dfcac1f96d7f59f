import Testing

@testable import FacturationCore

/// ``MonthTable`` (fenced performance code: an array for sixteen years, a dictionary beyond)
/// gives what a dictionary by (year, month) gives.
@Suite("MonthTable")
struct MonthTableTests {
    private struct Month: Hashable {
        var year: Int
        var month: Int
    }

    @Test("Lookups agree with a dictionary for years that share places, below zero too, and months out of range")
    func agreesWithADictionary() {
        var table = MonthTable<String>()
        var expected: [Month: String] = [:]
        // 2025 and 2041 (and 2009, 1993, -7) share the array's places: one is there, the others in the dictionary.
        let years = [2025, 2041, 2009, 1993, -7, 0, 1, 2024, 2026, 9999]
        var step = 0
        for round in 0..<3 {
            for year in years {
                for month in [0, 1, 6, 12, 13, -1] {
                    step += 1
                    let value = "\(year)-\(month)-\(round)"
                    if step % 3 != 0 {
                        table.set(value, year: year, month: month)
                        if (1...12).contains(month) { expected[Month(year: year, month: month)] = value }
                    }
                    for check in years {
                        for other in [0, 1, 6, 12, 13, -1] {
                            #expect(
                                table[check, other] == expected[Month(year: check, month: other)], "\(check)-\(other)")
                        }
                    }
                }
            }
        }
        table.update { $0.hasSuffix("-2") ? $0 + "!" : nil }
        for (month, value) in expected {
            #expect(table[month.year, month.month] == (value.hasSuffix("-2") ? value + "!" : value))
        }
        table.removeAll()
        for year in years { for month in 1...12 { #expect(table[year, month] == nil) } }
    }
}
