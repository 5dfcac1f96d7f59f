import Testing

@testable import FacturationCore

/// The direct path of the CSV reader (``CSVCommonRows``) against libcsv alone: the same rows,
/// fields, lines and control flags, and the same syntax error (line, column, reason), on seeded
/// files mixing the common rows with hostile ones, cut into chunks anywhere.
@Suite("CSVCommonRows")
struct CSVCommonRowsTests {
    /// What a reader made of some chunks.
    struct Outcome: Equatable, CustomStringConvertible {
        struct Row: Equatable {
            var line: Int
            var fields: [[UInt8]]
            var controls: Bool
        }
        var rows: [Row] = []
        var error: String?
        var description: String {
            rows.map { "\($0.line) \($0.controls) \($0.fields.map { String(decoding: $0, as: UTF8.self) })" }
                .joined(separator: "\n") + "\nerror: \(error ?? "none")"
        }
    }

    static func read(_ chunks: [[UInt8]], delimiter: UInt8, direct: Bool) -> (Outcome, Int) {
        let reader = CSVReader(delimiter: delimiter, firstLine: 1, direct: direct)
        var outcome = Outcome()
        do {
            try reader.read(chunks: chunks) { batch in
                for row in 0..<batch.rowCount {
                    let fields = (0..<batch.fieldCount(row)).map { field in batch.withField(row, field) { Array($0) } }
                    outcome.rows.append(
                        .init(line: batch.line(row), fields: fields, controls: batch.mayHoldControlCharacters(row)))
                }
            }
        } catch let error as CSVSyntaxError {
            outcome.error = "\(error.line):\(error.column) \(error.message)"
        } catch {
            outcome.error = "\(error)"
        }
        return (outcome, reader.rowsReadDirectly)
    }

    /// Pieces of fields, common and hostile.
    static func field(_ random: inout SplitMix64, delimiter: UInt8) -> [UInt8] {
        let d = delimiter
        let texts: [[UInt8]] = [
            Array("\"Développement\"".utf8), Array("\"Réunion, point\"".utf8), Array("\"a \"\"v2\"\" b\"".utf8),
            Array("\"\"".utf8), [], Array("plain".utf8), Array("12.50".utf8), Array("\"line\nbreak\"".utf8),
            Array("\"cr\rinside\"".utf8), Array("\"crlf\r\ninside\"".utf8), Array(" lead".utf8),
            Array("trail ".utf8), Array("\ttab".utf8), Array("in\"side".utf8), Array("\"x\"junk".utf8),
            Array("\"x\" ".utf8), Array(" \"x\"".utf8), Array("\"\"\"\"".utf8), Array("\"a\"\"\"".utf8),
            [0x22, 0x00, 0x41, 0x22], [0x41, 0x00, 0x42], [0xFF, 0xFE, 0x41], [0x22, 0xC3, 0x22],
            [0xEF, 0xBB, 0xBF, 0x22, 0x41, 0x22], [0xEF, 0xBF, 0xBE], Array("\"é — « » ’\"".utf8),
            Array("\"open".utf8), Array("mid dle".utf8), [0x22, d, d, 0x22], Array("\"\u{7F}\"".utf8),
        ]
        if random.chance(percent: 2) {
            // Longer than a chunk, quoted or not, sometimes with doubled quotes inside.
            let length = 1 + random.below(70_000)
            var long = [UInt8](repeating: 0x61, count: length)
            if random.chance(percent: 50) {
                for _ in 0..<random.below(4) { long[random.below(length)] = 0x22 }
                return [0x22] + long.flatMap { $0 == 0x22 ? [0x22, 0x22] : [$0] } + [0x22]
            }
            return long
        }
        return random.pick(texts)
    }

    static func file(_ random: inout SplitMix64, delimiter: UInt8) -> [UInt8] {
        var bytes: [UInt8] = random.chance(percent: 5) ? [0xEF, 0xBB, 0xBF] : []
        let hostile = random.chance(percent: 50)
        for _ in 0..<(1 + random.below(40)) {
            let fields = random.below(6)
            for index in 0..<fields {
                if index > 0 { bytes.append(delimiter) }
                bytes += hostile || random.chance(percent: 10) ? field(&random, delimiter: delimiter) : common(&random)
            }
            bytes += random.pick([
                [0x0A], [0x0A], [0x0A], [0x0D, 0x0A], [0x0D], [0x0A, 0x0A], [0x0D, 0x0A, 0x0D, 0x0A],
            ])
        }
        if random.chance(percent: 30) { bytes.removeLast() }
        return bytes
    }

    /// A common Clockify field: quoted, sometimes with doubled quotes or a line break.
    static func common(_ random: inout SplitMix64) -> [UInt8] {
        random.pick([
            Array("\"Projet Éa\"".utf8), Array("\"2025-01-02\"".utf8), Array("\"a, \"\"b\"\"\"".utf8),
            Array("\"\"".utf8), Array("\"deux\nlignes\"".utf8), Array("110.00".utf8), [],
        ])
    }

    static func chunks(_ bytes: [UInt8], _ random: inout SplitMix64) -> [[UInt8]] {
        let sizes = [1, 2, 3, 7, 64, 1 << 15, bytes.count + 1]
        let size = random.pick(sizes)
        var chunks: [[UInt8]] = []
        var start = 0
        while start < bytes.count {
            // Sometimes a random size per chunk.
            let length = random.chance(percent: 30) ? 1 + random.below(97) : size
            let end = min(bytes.count, start + length)
            chunks.append(Array(bytes[start..<end]))
            start = end
        }
        return chunks
    }

    @Test(
        "the direct path reads as libcsv does, row for row and error for error", arguments: [UInt8(0x2C), 0x3B, 0x09])
    func sameAsLibcsv(delimiter: UInt8) {
        var random = SplitMix64(seed: 0x00C5_F00D ^ UInt64(delimiter))
        var direct = 0
        for index in 0..<3_000 {
            let bytes = Self.file(&random, delimiter: delimiter)
            let chunks = Self.chunks(bytes, &random)
            let (expected, none) = Self.read(chunks, delimiter: delimiter, direct: false)
            let (got, count) = Self.read(chunks, delimiter: delimiter, direct: true)
            #expect(none == 0)
            direct += count
            guard got == expected else {
                Issue.record("case \(index): \(Array(bytes.prefix(400)))\nlibcsv:\n\(expected)\ndirect:\n\(got)")
                return
            }
        }
        // Most rows of the common files went the direct way (else this test proves little).
        #expect(direct > 10_000)
    }

    @Test func commonRowsAreReadDirectly() {
        let text = "\"Project\",\"Client\",\"Description\"\n\"A\",\"\",\"x \"\"y\"\", z\"\n\"B\",\"C\",\"two\nlines\"\n"
        let (outcome, direct) = Self.read([Array(text.utf8)], delimiter: 0x2C, direct: true)
        #expect(direct == 3)
        #expect(outcome.rows.map(\.line) == [1, 2, 3])
        #expect(outcome.rows[1].fields == [Array("A".utf8), [], Array("x \"y\", z".utf8)])
        #expect(outcome.rows[2].controls)
    }
}
