/// Builds the input of one fuzz case: random bytes or text (about one case in six), otherwise a
/// seed input with one to several mutations stacked (one case in twenty gets up to 40).
enum FuzzInput {
    /// Inputs are kept below this size so that a case stays fast in the debug build.
    static let maximumSize = 300_000

    static func make(_ target: FuzzTarget, using generator: inout SplitMix64) -> [UInt8] {
        if target.seeds.isEmpty || generator.chance(percent: 16) {
            return random(target, using: &generator)
        }
        var bytes = generator.pick(target.seeds)
        let rounds = generator.chance(percent: 5) ? 1 + generator.below(40) : 1 + generator.below(5)
        var mutator = Mutator(target: target, generator: SplitMix64(seed: generator.next()))
        for _ in 0..<rounds {
            mutator.mutate(&bytes)
            if bytes.count > maximumSize { bytes.removeLast(bytes.count - maximumSize) }
        }
        return bytes
    }

    /// Random bytes, or random text made of the reader's tokens, separators and line breaks.
    private static func random(_ target: FuzzTarget, using generator: inout SplitMix64) -> [UInt8] {
        switch generator.below(4) {
        case 0:
            return (0..<generator.below(2_000)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }
        case 1:
            // Printable ASCII and line breaks only: gets past the binary check.
            let alphabet = Array(" \t\r\n,;\"'=[]{}:#-+.0123456789aeAEZz\\/".utf8)
            return (0..<generator.below(4_000)).map { _ in generator.pick(alphabet) }
        default:
            var bytes: [UInt8] = []
            if let seed = target.seeds.isEmpty ? nil : generator.pick(target.seeds), generator.chance(percent: 60) {
                // The first line of a seed (a header the sniffer recognises), then token soup.
                bytes = Array(seed.prefix { $0 != 0x0A }) + [0x0A]
            }
            let separators: [[UInt8]] = [[0x2C], [0x3B], [0x09], [0x0A], [0x0D, 0x0A], [0x20], [0x22], [0x3D], [0x3A]]
            for _ in 0..<generator.below(400) {
                bytes +=
                    generator.chance(percent: 50) && !target.dictionary.isEmpty
                    ? generator.pick(target.dictionary) : generator.pick(separators)
            }
            return bytes
        }
    }
}

/// The mutations: byte-level (flip, set, insert, delete), line-level (duplicate, delete, swap,
/// truncate, line-end style) and field-level (replace with a token, a huge number, quotes,
/// separators, BOMs, control characters, invalid UTF-8, very long runs, deep nesting, splices).
struct Mutator {
    let target: FuzzTarget
    var generator: SplitMix64

    static let interestingBytes: [UInt8] = [
        0x00, 0x01, 0x09, 0x0A, 0x0D, 0x1F, 0x20, 0x22, 0x23, 0x27, 0x2C, 0x2D,
        0x2E, 0x30, 0x39, 0x3A, 0x3B, 0x3D, 0x5B, 0x5C, 0x5D, 0x7B, 0x7D, 0x7F,
        0x80, 0xBF, 0xC0, 0xC3, 0xE2, 0xEF, 0xF0, 0xFE, 0xFF,
    ]
    static let hugeNumbers = [
        "99999999999999999999999999", "9223372036854775807", "-9223372036854775808",
        "9223372036854775808", "18446744073709551616", "1e308", "-1e309", "1E-400", "0.0000000001",
        "92233720368547758.07", "-92233720368547758.08", "99999999999999999,99", "1 000 000 000 000 000,00",
        "4294967296", "2147483648", "-0", "00000000000000000000001", "NaN", "inf", "0x7FFFFFFFFFFFFFFF",
    ]
    static let controls: [[UInt8]] = [
        [0x00], [0x07], [0x08], [0x0B], [0x0C], [0x0D], [0x1B], [0x7F],
        [0xC2, 0x85], [0xE2, 0x80, 0xA8], [0xE2, 0x80, 0xA9], [0xEF, 0xBF, 0xBE],
    ]
    static let invalidUTF8: [[UInt8]] = [
        [0xC3], [0xFF], [0xFE], [0x80], [0xC0, 0x80], [0xED, 0xA0, 0x80],
        [0xF4, 0x90, 0x80, 0x80], [0xE2, 0x82], [0xF0, 0x9F, 0x98],
    ]
    static let byteOrderMarks: [[UInt8]] = [
        [0xEF, 0xBB, 0xBF], [0xFF, 0xFE], [0xFE, 0xFF], [0xEF, 0xBB, 0xBF, 0xEF, 0xBB, 0xBF],
    ]

    mutating func mutate(_ bytes: inout [UInt8]) {
        switch generator.below(25) {
        case 0: if !bytes.isEmpty { bytes[position(bytes)] ^= 1 << UInt8(generator.below(8)) }
        case 1: if !bytes.isEmpty { bytes[position(bytes)] = generator.pick(Self.interestingBytes) }
        case 2:
            insert((0..<1 + generator.below(16)).map { _ in UInt8(truncatingIfNeeded: generator.next()) }, into: &bytes)
        case 3: deleteRange(&bytes)
        case 4, 5: editLines(&bytes)
        case 6: bytes.removeLast(bytes.isEmpty ? 0 : generator.below(bytes.count))
        case 7, 8, 9: replaceField(&bytes, with: token())
        case 10: insert(token(), into: &bytes)
        case 11: replaceNumber(&bytes, with: Array(generator.pick(Self.hugeNumbers).utf8))
        case 12: insert([0x22], into: &bytes)
        case 13: insert([generator.pick([0x2C, 0x3B, 0x09, 0x7C, 0x3D, 0x3A, 0x2E])], into: &bytes)
        case 14:
            bytes =
                generator.pick(Self.byteOrderMarks)
                + (generator.chance(percent: 50) ? bytes : Array(bytes.drop { $0 == 0xEF || $0 == 0xBB || $0 == 0xBF }))
        case 15: insert(generator.pick(Self.controls), into: &bytes)
        case 16: insert(generator.pick(Self.invalidUTF8), into: &bytes)
        case 17: insert(longRun(), into: &bytes)
        case 18: splice(&bytes)
        case 19: repeatChunk(&bytes)
        case 20: insert(nesting(), into: &bytes)
        case 21: changeLineEnds(&bytes)
        case 22: swapCase(&bytes)
        case 23: replaceNumber(&bytes, with: randomNumber())
        default: replaceField(&bytes, with: [])
        }
    }

    // MARK: - Byte level

    private mutating func position(_ bytes: [UInt8]) -> Int { generator.below(bytes.count) }

    private mutating func insertionPoint(_ bytes: [UInt8]) -> Int { generator.below(bytes.count + 1) }

    private mutating func insert(_ piece: [UInt8], into bytes: inout [UInt8]) {
        bytes.insert(contentsOf: piece, at: insertionPoint(bytes))
    }

    private mutating func deleteRange(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        let start = position(bytes)
        let length = 1 + generator.below(generator.chance(percent: 80) ? 8 : 256)
        bytes.removeSubrange(start..<min(bytes.count, start + length))
    }

    // MARK: - Line level

    private mutating func editLines(_ bytes: inout [UInt8]) {
        var lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false).map(Array.init)
        guard !lines.isEmpty else { return }
        let index = generator.below(lines.count)
        switch generator.below(4) {
        case 0: lines.insert(lines[index], at: index)
        case 1: if lines.count > 1 { lines.remove(at: index) }
        case 2: lines.swapAt(index, generator.below(lines.count))
        default: lines.insert(lines[index], at: generator.below(lines.count + 1))
        }
        bytes = Array(lines.joined(separator: [0x0A]))
    }

    private mutating func changeLineEnds(_ bytes: inout [UInt8]) {
        let lines = bytes.split(separator: 0x0A, omittingEmptySubsequences: false)
        let end: [UInt8] = generator.pick([
            [0x0D, 0x0A], [0x0D], [0x0A, 0x0A], [0xE2, 0x80, 0xA8], [0x0D, 0x0D, 0x0A],
        ])
        bytes = Array(lines.map { Array($0.last == 0x0D ? $0.dropLast() : $0) }.joined(separator: end))
    }

    // MARK: - Field level

    private mutating func token() -> [UInt8] {
        switch generator.below(10) {
        case 0: return Array(generator.pick(Self.hugeNumbers).utf8)
        case 1: return generator.pick(Self.controls)
        default: return target.dictionary.isEmpty ? [0x22] : generator.pick(target.dictionary)
        }
    }

    /// The bounds of the field around a random position: between separators, quotes or line ends.
    private mutating func fieldBounds(_ bytes: [UInt8]) -> Range<Int>? {
        guard !bytes.isEmpty else { return nil }
        let stops: Set<UInt8> = [0x2C, 0x3B, 0x09, 0x0A, 0x0D, 0x22, 0x3A, 0x3D, 0x5B, 0x5D, 0x7B, 0x7D]
        let middle = position(bytes)
        var start = middle
        while start > 0, !stops.contains(bytes[start - 1]) { start -= 1 }
        var end = middle
        while end < bytes.count, !stops.contains(bytes[end]) { end += 1 }
        return start..<end
    }

    private mutating func replaceField(_ bytes: inout [UInt8], with piece: [UInt8]) {
        guard let bounds = fieldBounds(bytes) else { bytes = piece; return }
        bytes.replaceSubrange(bounds, with: piece)
    }

    /// Digits of any length up to 22 (most of them overflow something once multiplied), maybe
    /// signed, maybe with decimals.
    private mutating func randomNumber() -> [UInt8] {
        var text: [UInt8] = generator.chance(percent: 15) ? [0x2D] : []
        let length = 1 + generator.below(generator.chance(percent: 50) ? 22 : 6)
        text.append(UInt8(0x31 + generator.below(9)))
        for _ in 1..<length { text.append(UInt8(0x30 + generator.below(10))) }
        if generator.chance(percent: 20) {
            text.append(generator.pick([0x2E, 0x2C]))
            for _ in 0..<1 + generator.below(4) { text.append(UInt8(0x30 + generator.below(10))) }
        }
        return text
    }

    /// Replaces a whole number of the input (its digits, points and commas) by `number`.
    private mutating func replaceNumber(_ bytes: inout [UInt8], with number: [UInt8]) {
        let digits = bytes.indices.filter { (0x30...0x39).contains(bytes[$0]) }
        guard !digits.isEmpty else { insert(number, into: &bytes); return }
        var start = generator.pick(digits)
        while start > 0,
            (0x30...0x39).contains(bytes[start - 1]) || bytes[start - 1] == 0x2E || bytes[start - 1] == 0x2C
        {
            start -= 1
        }
        var end = start
        while end < bytes.count, (0x30...0x39).contains(bytes[end]) || bytes[end] == 0x2E || bytes[end] == 0x2C {
            end += 1
        }
        bytes.replaceSubrange(start..<end, with: number)
    }

    private mutating func longRun() -> [UInt8] {
        let unit: [UInt8] =
            generator.chance(percent: 50)
            ? [generator.pick(Self.interestingBytes + [0x41, 0x61, 0x31])]
            : token()
        let count = generator.chance(percent: 70) ? 100 + generator.below(2_000) : 10_000 + generator.below(90_000)
        var run: [UInt8] = []
        run.reserveCapacity(min(FuzzInput.maximumSize, unit.count * count))
        while run.count < count, run.count < FuzzInput.maximumSize { run += unit }
        return run
    }

    private mutating func nesting() -> [UInt8] {
        let opener = generator.pick(
            [[0x5B], [0x7B], [0x5B, 0x7B, 0x22, 0x61, 0x22, 0x3A], [0x7B, 0x22, 0x61, 0x22, 0x3A]] as [[UInt8]])
        return Array(repeating: opener, count: 10 + generator.below(generator.chance(percent: 50) ? 100 : 5_000))
            .flatMap { $0 }
    }

    /// A piece of another seed (or of this input) inserted at a random place.
    private mutating func splice(_ bytes: inout [UInt8]) {
        let donor = target.seeds.isEmpty || generator.chance(percent: 30) ? bytes : generator.pick(target.seeds)
        guard !donor.isEmpty else { return }
        let start = generator.below(donor.count)
        let piece = Array(donor[start..<min(donor.count, start + 1 + generator.below(400))])
        if generator.chance(percent: 50), let bounds = fieldBounds(bytes) {
            bytes.replaceSubrange(bounds, with: piece)
        } else {
            insert(piece, into: &bytes)
        }
    }

    private mutating func repeatChunk(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        let start = position(bytes)
        let chunk = Array(bytes[start..<min(bytes.count, start + 1 + generator.below(200))])
        let times = 2 + generator.below(generator.chance(percent: 80) ? 10 : 1_000)
        var piece: [UInt8] = []
        for _ in 0..<times where piece.count < FuzzInput.maximumSize { piece += chunk }
        bytes.insert(contentsOf: piece, at: start)
    }

    private mutating func swapCase(_ bytes: inout [UInt8]) {
        guard !bytes.isEmpty else { return }
        let start = position(bytes)
        for index in start..<min(bytes.count, start + 1 + generator.below(64)) {
            let byte = bytes[index]
            if (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) { bytes[index] = byte ^ 0x20 }
        }
    }
}
