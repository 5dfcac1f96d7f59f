/// The findings of one check, tallied per rule, and what every rule needs to word them: the
/// current line number and the file's encoding (values are shown decoded as the file is).
///
/// One instance is shared by the parts of ``FECChecker`` (a class, so that each part can flag
/// without being handed the tallies back and forth). Only the first `maxExamples` findings of a
/// rule are worded: the value and message are autoclosures, so the millions of lines of a clean
/// file never build a String.
final class FECFindingLog {
    struct Tally {
        var count = 0
        var examples: [FECCheckReport.Example] = []
    }

    private(set) var tallies: [Tally]
    private let maxExamples: Int
    /// The physical line being read (the header is line 1).
    var lineNumber = 0
    /// Set by ``FECEncodingDetector`` once a line proved the file is ISO-8859-15.
    var isLatin9 = false

    init(maxExamples: Int) {
        self.maxExamples = maxExamples
        tallies = [Tally](repeating: Tally(), count: FECRule.allCases.count)
    }

    func flag(_ rule: FECRule, line: Int?, _ value: @autoclosure () -> String, _ message: @autoclosure () -> String) {
        let index = rule.ordinal
        tallies[index].count += 1
        if tallies[index].examples.count < maxExamples {
            var shown = value()
            if shown.count > 120 { shown = String(shown.prefix(120)) + "…" }
            tallies[index].examples.append(FECCheckReport.Example(line: line, value: shown, message: message()))
        }
    }

    /// `flag` on the current line.
    func flagHere(_ rule: FECRule, _ value: @autoclosure () -> String, _ message: @autoclosure () -> String) {
        flag(rule, line: lineNumber, value(), message())
    }

    /// The bytes `first..<last` of a line, decoded in the file's encoding ("" when empty).
    func text(_ line: UnsafeRawBufferPointer, _ first: Int, _ last: Int) -> String {
        guard first < last else { return "" }
        return decode(UnsafeRawBufferPointer(rebasing: line[first..<last]))
    }

    func decode(_ bytes: some Collection<UInt8>) -> String {
        isLatin9 ? Latin9.decode(bytes) : String(decoding: bytes, as: UTF8.self)
    }
}
