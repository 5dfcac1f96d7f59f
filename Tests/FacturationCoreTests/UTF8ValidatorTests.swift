import CSupport
import Testing

@testable import FacturationCore

/// ``UTF8Validator`` (the scan of every input file) checks whole sequences in C and leaves what
/// that stops at to its byte-by-byte rules: on random texts fed in random chunks, its verdict,
/// first invalid offset and non-ASCII flag are those of the rules of Unicode's table 3-7 written
/// plainly, and its verdict is Swift's own.
@Suite("UTF-8 validator")
struct UTF8ValidatorTests {
    /// Seeded, so that a failure can be replayed.
    struct Generator {
        var state: UInt64
        mutating func next(_ bound: Int) -> Int {
            state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
            return Int((state >> 33) % UInt64(bound))
        }
    }

    /// Valid scalars of every length and at the edges of the ranges, and the usual faults:
    /// lone continuations, overlong forms, surrogates, past U+10FFFF, bytes never used, cut sequences.
    static let pieces: [[UInt8]] = [
        Array("é".utf8), Array("É".utf8), Array("«".utf8), Array("€".utf8), Array("’".utf8), Array("😀".utf8),
        [0xC2, 0x80], [0xDF, 0xBF], [0xE0, 0xA0, 0x80], [0xED, 0x9F, 0xBF], [0xEE, 0x80, 0x80],
        [0xEF, 0xBF, 0xBF], [0xF0, 0x90, 0x80, 0x80], [0xF4, 0x8F, 0xBF, 0xBF], [0xF3, 0xBF, 0xBF, 0xBF],
    ]
    static let faults: [[UInt8]] = [
        [0x80], [0xBF], [0xC0, 0x80], [0xC1, 0xBF], [0xE0, 0x80, 0x80], [0xED, 0xA0, 0x80],
        [0xF0, 0x80, 0x80, 0x80], [0xF4, 0x90, 0x80, 0x80], [0xF5, 0x80], [0xFF], [0xC3], [0xE2, 0x82],
        [0xF0, 0x9F, 0x98], [0xC3, 0x41], [0xE2, 0x41, 0x80], [0xF0, 0x9F, 0x41, 0x80],
    ]

    static func text(_ random: inout Generator) -> [UInt8] {
        var bytes: [UInt8] = []
        let parts = random.next(60)
        for _ in 0..<parts {
            switch random.next(10) {
            case 0..<5: bytes += (0..<random.next(40)).map { _ in UInt8(0x20 + random.next(0x5F)) }
            case 5..<9: bytes += pieces[random.next(pieces.count)]
            default: bytes += random.next(4) == 0 ? faults[random.next(faults.count)] : [UInt8(random.next(256))]
            }
        }
        return bytes
    }

    /// Unicode's table 3-7 (well-formed UTF-8 byte sequences): lead bytes, the range of the
    /// second byte, the sequence's length; every later byte is 80...BF.
    static let wellFormed: [(lead: ClosedRange<UInt8>, second: ClosedRange<UInt8>, length: Int)] = [
        (0xC2...0xDF, 0x80...0xBF, 2), (0xE0...0xE0, 0xA0...0xBF, 3), (0xE1...0xEC, 0x80...0xBF, 3),
        (0xED...0xED, 0x80...0x9F, 3), (0xEE...0xEF, 0x80...0xBF, 3), (0xF0...0xF0, 0x90...0xBF, 4),
        (0xF1...0xF3, 0x80...0xBF, 4), (0xF4...0xF4, 0x80...0x8F, 4),
    ]

    /// The table applied plainly: the offset of the first byte that breaks it (the end of the
    /// text for a sequence it cuts), nil when the text is valid.
    static func firstInvalid(_ bytes: [UInt8]) -> Int? {
        var index = 0
        while index < bytes.count {
            if bytes[index] < 0x80 { index += 1; continue }
            guard let row = wellFormed.first(where: { $0.lead.contains(bytes[index]) }) else { return index }
            for step in 1..<row.length {
                guard index + step < bytes.count else { return bytes.count }
                guard (step == 1 ? row.second : 0x80...0xBF).contains(bytes[index + step]) else { return index + step }
            }
            index += row.length
        }
        return nil
    }

    /// A validator fed `bytes` in random chunks of 1 to `largest` bytes, then finished.
    static func fed(_ bytes: [UInt8], in largest: Int, _ random: inout Generator, census: Bool) -> UTF8Validator {
        var validator = UTF8Validator(census: census)
        var start = 0
        while start < bytes.count {
            let size = min(bytes.count - start, 1 + random.next(largest))
            bytes[start..<(start + size)].withUnsafeBytes { validator.feed($0) }
            start += size
        }
        validator.finish()
        return validator
    }

    @Test func randomTextsInRandomChunksFollowTheRules() {
        var random = Generator(state: 20_261_206)
        for round in 0..<4_000 {
            let bytes = Self.text(&random)
            let validator = Self.fed(bytes, in: round % 3 == 0 ? 5 : 70, &random, census: false)
            let expected = Self.firstInvalid(bytes)
            #expect(validator.firstInvalidOffset == expected.map(Int64.init), "round \(round): \(bytes)")
            #expect((expected == nil) == (String(validating: bytes, as: UTF8.self) != nil), "round \(round)")
            let seen = bytes.prefix(expected.map { $0 + 1 } ?? bytes.count).contains { $0 >= 0x80 }
            #expect(validator.sawNonASCII == seen, "round \(round)")
        }
    }

    /// The table applied plainly to the whole text, as the Unicode standard counts replacement
    /// characters (U+FFFD for each maximal part that is not UTF-8): the invalid places, the whole
    /// sequences of two to four bytes after the first of them, and whether the text ends inside one.
    static func census(
        _ bytes: [UInt8]
    ) -> (
        places: Int, sequencesAfter: Int, endsInside: Bool, firstPart: Int?, sequenceBefore: Bool
    ) {
        var index = 0
        var firstPart: Int?
        var sequenceBefore = false
        var places = 0
        var after = 0
        var endsInside = false
        while index < bytes.count {
            if bytes[index] < 0x80 { index += 1; continue }
            guard let row = wellFormed.first(where: { $0.lead.contains(bytes[index]) }) else {
                if places == 0 { firstPart = index }
                places += 1
                index += 1
                continue
            }
            var step = 1
            while step < row.length, index + step < bytes.count,
                (step == 1 ? row.second : 0x80...0xBF).contains(bytes[index + step])
            {
                step += 1
            }
            if step == row.length {
                if places > 0 { after += 1 } else { sequenceBefore = true }
            } else {
                if places == 0 { firstPart = index }
                places += 1
                endsInside = index + step == bytes.count
            }
            index += step
        }
        return (places, after, endsInside, firstPart, sequenceBefore)
    }

    /// With a census the validator goes on past the first invalid byte (``UTF8Damage``): on
    /// random texts in random chunks, its counts are those of the table, and its places those of
    /// Swift's own decoding (one U+FFFD each) wherever the text holds no U+FFFD of its own.
    @Test func pastTheFirstFaultTheCountsFollowTheRules() {
        var random = Generator(state: 20_261_207)
        for round in 0..<4_000 {
            let bytes = Self.text(&random)
            let validator = Self.fed(bytes, in: round % 3 == 0 ? 5 : 70, &random, census: true)
            let expected = Self.census(bytes)
            #expect(validator.invalidPlaces == expected.places, "round \(round): \(bytes)")
            #expect(validator.sequencesAfterFirstInvalid == expected.sequencesAfter, "round \(round): \(bytes)")
            #expect(validator.endedInsideSequence == expected.endsInside, "round \(round): \(bytes)")
            #expect(validator.firstInvalidPartOffset == expected.firstPart.map(Int64.init), "round \(round): \(bytes)")
            #expect(validator.sawSequenceBeforeFirstInvalid == expected.sequenceBefore, "round \(round): \(bytes)")
            #expect(validator.firstInvalidOffset == Self.firstInvalid(bytes).map(Int64.init), "round \(round)")
            let decoded = String(decoding: bytes, as: UTF8.self)
            let holdsReplacement = bytes.indices.dropLast(2).contains {
                bytes[$0] == 0xEF && bytes[$0 + 1] == 0xBF && bytes[$0 + 2] == 0xBD
            }
            if !holdsReplacement {
                #expect(
                    decoded.unicodeScalars.count(where: { $0 == "\u{FFFD}" }) == validator.invalidPlaces,
                    "round \(round): \(bytes)")
            }
        }
    }

    /// A long ASCII run with one fault at every offset of a 16-byte block and past it.
    @Test func aFaultAnywhereInALongASCIIRunIsFoundWhereItIs() {
        for offset in 0..<70 {
            for fault in [[0x80], [0xC3, 0x41], [0xE2, 0x82]] as [[UInt8]] {
                var bytes = [UInt8](repeating: 0x61, count: 100)
                bytes.replaceSubrange(offset..<(offset + fault.count), with: fault)
                var validator = UTF8Validator()
                bytes.withUnsafeBytes { validator.feed($0) }
                validator.finish()
                #expect(validator.firstInvalidOffset == Self.firstInvalid(bytes).map(Int64.init), "\(offset) \(fault)")
            }
        }
    }

    /// The valid prefix and the non-ASCII flag of the 32-byte path (``fct_utf8_valid_prefix``)
    /// and of the scalar one, for `bytes`.
    static func bothPaths(_ bytes: [UInt8]) -> (simd: (Int, Int32), scalar: (Int, Int32)) {
        bytes.withUnsafeBufferPointer { buffer in
            var simdSaw: Int32 = 0
            var scalarSaw: Int32 = 0
            let simd = fct_utf8_valid_prefix(buffer.baseAddress, buffer.count, &simdSaw)
            let scalar = fct_utf8_valid_prefix_scalar(buffer.baseAddress, buffer.count, &scalarSaw)
            return ((simd, simdSaw), (scalar, scalarSaw))
        }
    }

    /// Every sequence of two bytes, the three-byte ones of every lead with every second byte,
    /// and the four-byte ones of every lead, second byte and a few later bytes, each at the
    /// offsets around a 32-byte block's end in ASCII text: both paths agree.
    @Test(.enabled(if: fct_utf8_simd_used() == 1, "the 32-byte path needs AVX2"))
    func the32BytePathAgreesWithTheScalarOneOnEverySequence() {
        var sequences: [[UInt8]] = []
        for first in 0x80...0xFF { for second in 0...0xFF { sequences.append([UInt8(first), UInt8(second)]) } }
        for lead in 0xE0...0xF4 {
            for second in 0...0xFF {
                for third: UInt8 in [0x41, 0x80, 0xBF, 0xC3] { sequences.append([UInt8(lead), UInt8(second), third]) }
            }
        }
        for lead in 0xF0...0xFF {
            for second in 0x70...0xCF {
                for tail: [UInt8] in [[0x80, 0x80], [0xBF, 0xBF], [0x80, 0x41], [0x41, 0x80], [0xBF, 0xC3]] {
                    sequences.append([UInt8(lead), UInt8(second)] + tail)
                }
            }
        }
        var disagreements = 0
        for sequence in sequences {
            // Around the blocks' ends (32, 64) and their 16-byte halves (16, 48, 80): the byte
            // before a block's first comes from the other half of the previous block.
            for offset in [0, 13, 14, 15, 16, 27, 29, 30, 31, 32, 45, 46, 47, 48, 60, 63, 64, 80, 90] {
                var bytes = [UInt8](repeating: 0x61, count: 128)
                bytes.replaceSubrange(offset..<(offset + sequence.count), with: sequence)
                let (simd, scalar) = Self.bothPaths(bytes)
                if simd != scalar {
                    disagreements += 1
                    if disagreements < 10 { Issue.record("\(sequence) at \(offset): \(simd) against \(scalar)") }
                }
            }
        }
        #expect(disagreements == 0)
    }

    /// Sequences cut by the end of the bytes, for every length from 64 to 99 (the last bytes are
    /// left to the scalar path, from the last whole sequence before them): both paths agree.
    @Test(.enabled(if: fct_utf8_simd_used() == 1, "the 32-byte path needs AVX2"))
    func sequencesCutByTheEndAgree() {
        let valid = Self.pieces + [[0x41]]
        for length in 64..<100 {
            for piece in valid + Self.faults {
                for cut in 0..<piece.count {
                    var bytes = [UInt8](repeating: 0x62, count: length - cut)
                    bytes.replaceSubrange(
                        (bytes.count - (piece.count - cut))..<bytes.count, with: piece.prefix(piece.count - cut))
                    let (simd, scalar) = Self.bothPaths(bytes)
                    #expect(simd == scalar, "\(piece) cut to \(piece.count - cut) at the end of \(bytes.count)")
                }
            }
        }
    }

    /// Random texts of 64 bytes to 3 KB (valid pieces, faults, ASCII runs), from every start
    /// offset of their first bytes: both paths agree.
    @Test(.enabled(if: fct_utf8_simd_used() == 1, "the 32-byte path needs AVX2"))
    func the32BytePathAgreesWithTheScalarOneOnRandomTexts() {
        var random = Generator(state: 20_261_207)
        for round in 0..<3_000 {
            var bytes: [UInt8] = []
            while bytes.count < 64 + random.next(3_000) {
                bytes += round % 4 == 0 ? Self.pieces[random.next(Self.pieces.count)] : Self.text(&random)
            }
            let (simd, scalar) = Self.bothPaths(bytes)
            #expect(simd == scalar, "round \(round): \(simd) against \(scalar)")
        }
        // A long valid text: the whole of it, with the flag.
        let valid = Array(String(repeating: "Déploiement « parcours » — 😀 réf. 1, ", count: 200).utf8)
        let (simd, scalar) = Self.bothPaths(valid)
        #expect(simd == (valid.count, 1) && scalar == (valid.count, 1))
    }
}
