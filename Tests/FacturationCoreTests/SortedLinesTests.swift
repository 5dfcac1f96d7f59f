import Foundation
import Testing

@testable import FacturationCore

/// Sorted lines looked up by binary search (``SortedLines``, performance code) answer as the
/// `Set<String>` and `[String: String]` they stand in for, canonical equivalence included; the
/// delivered list read as such lines answers as the set of its lines.
@Suite("SortedLines")
struct SortedLinesTests {
    static let pieces = ["F2025-", "0", "1", "9", "a", "é", "e\u{301}", "\u{212A}", "K", "rec-", "|", "-", " ", "ü"]

    static func randomName(_ random: inout SplitMix64) -> String {
        (0..<Int(1 + random.next() % 5)).map { _ in pieces[Int(random.next() % UInt64(pieces.count))] }.joined()
    }

    @Test func lookupsAnswerAsTheSetAndTheDictionary() throws {
        var random = SplitMix64(seed: 9)
        for _ in 0..<300 {
            let names = Set((0..<Int(random.next() % 40)).map { _ in Self.randomName(&random) })
            var values: [String: String] = [:]
            for name in names where random.next() % 2 == 0 { values[name] = Self.randomName(&random) }
            let lines = try #require(SortedLines(lines: names))
            let valued = try #require(SortedLines(lines: values.map { $0.key + "\t" + $0.value }, valued: true))
            #expect(lines.count == names.count)
            for _ in 0..<40 {
                let probe = Self.randomName(&random)
                #expect(lines.contains(probe) == names.contains(probe), "\(probe.debugDescription) in \(names)")
                let bytes = Array(probe.utf8)
                #expect(bytes.withUnsafeBytes { lines.contains(utf8: $0) } == names.contains(probe))
                #expect(valued.value(of: probe) == values[probe], "\(probe.debugDescription)")
            }
            for name in names { #expect(lines.contains(name)) }
        }
    }

    @Test func namesThatCannotBeLinesAreRefused() {
        #expect(SortedLines(lines: ["a\nb"]) == nil)
        #expect(SortedLines(lines: ["a\tb"]) == nil)
        #expect(SortedLines(lines: ["a\tb\tc"], valued: true) == nil)
        #expect(SortedLines(lines: ["a\tb", "a\tc"], valued: true) == nil, "one name twice")
        #expect(SortedLines(lines: ["x\u{0}"]) == nil)
    }

    @Test func theDeliveredListAnswersAsTheSetOfItsLines() throws {
        var random = SplitMix64(seed: 11)
        for round in 0..<300 {
            var names = (0..<Int(random.next() % 30)).map { _ in "F2025-" + String(random.next() % 500) }
            names = Set(names).sorted()
            // A third of the lists not in the written form (unsorted, a non-ASCII name): read as a set.
            if round % 3 == 1 { names.shuffle(using: &random) }
            if round % 3 == 2 { names.append("Fé") }
            let text = names.map { $0 + "\n" }.joined()
            let sorted = DeliveredList.sortedLines(Array(text.utf8))
            if round % 3 == 0 || names.count < 2 && round % 3 == 1 { #expect(sorted != nil) }
            if round % 3 == 2 { #expect(sorted == nil) }
            let set = DeliveredList.names(in: text)
            for probe in 0..<520 {
                let name = "F2025-" + String(probe)
                if let sorted { #expect(sorted.contains(name) == set.contains(name)) }
            }
        }
    }
}
