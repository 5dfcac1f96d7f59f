import Foundation
import Testing

@testable import FacturationCore

/// ``UTF8Damage`` through the scan of real files: a UTF-8 text with a byte of another encoding,
/// rows of another encoding, or cut inside a character, is found damaged wherever the place sits
/// (in the head, past the first megabyte the second read takes at a time), with its line and the
/// bytes around it; a Windows-1252 or ISO-8859-1 text, even with sequences that are UTF-8 by
/// chance, and an ASCII text with one stray byte, are Windows-1252 as before.
@Suite("UTF-8 damage")
struct UTF8DamageTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("utf8-damage-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// Lines of French text (`count` of them, about 60 bytes each), numbered from 1.
    static func lines(_ count: Int) -> [String] {
        (1...count).map { "\"Réunion n° \($0)\",\"Société Générale d'Études\",\"À faire\"\n" }
    }

    func scan(_ bytes: [UInt8], name: String = "file.csv") throws -> FileScan {
        let url = folder.appendingPathComponent(name)
        try Data(bytes).write(to: url)
        return try FileScan.scan(path: url.path)
    }

    @Test(arguments: [3, 2_000, 40_000])
    func oneWindows1252ByteInUTF8TextIsDamageOnItsLine(line: Int) throws {
        let text = Self.lines(40_000).joined()
        var bytes = Array(text.utf8)
        let start = Array(Self.lines(line - 1).joined().utf8).count
        // "Réunion" of that line with its é as Windows-1252 writes it.
        let at = start + 2
        #expect(bytes[at] == 0xC3 && bytes[at + 1] == 0xA9)
        bytes.replaceSubrange(at..<(at + 2), with: [0xE9])
        let scan = try scan(bytes)
        let damage = try #require(scan.utf8Damage)
        #expect(scan.encoding == .windows1252)
        #expect(damage.firstOffset == Int64(at))
        #expect(damage.line == line)
        #expect(damage.places == 1)
        #expect(damage.sequences == text.unicodeScalars.count { $0.value >= 0x80 } - 1)
        // From the line's start to 30 bytes past the place, no character cut.
        #expect(damage.context.hasPrefix("\"R<E9>union n° \(line)\",\"Soci"), "\(damage.context)")
        #expect(!damage.context.dropFirst(6).contains("<"), "\(damage.context)")
        #expect(!damage.endsInsideCharacter)
    }

    @Test func aUTF8TextCutInsideACharacterWasCutShort() throws {
        let bytes = Array(Self.lines(100).joined().utf8) + [0x22, 0x52, 0xC3]
        let damage = try #require(try scan(bytes).utf8Damage)
        #expect(damage.endsInsideCharacter)
        #expect(damage.line == 101)
        #expect(damage.context == "\"R<C3>")
        #expect(damage.firstOffset == Int64(bytes.count - 1))
    }

    @Test func aByteOrderMarkAndOneStrayByteAreDamage() throws {
        let bytes = [0xEF, 0xBB, 0xBF] + Array("Project,Client\nAudit,Caf".utf8) + [0xE9] + Array("\n".utf8)
        let damage = try #require(try scan(bytes).utf8Damage)
        #expect(damage.byteOrderMark)
        #expect(damage.sequences == 0)
        #expect(damage.line == 2)
        #expect(damage.context == "Audit,Caf<E9>")
    }

    /// A Windows-1252 (or ISO-8859-1) text holds UTF-8 sequences by chance: `É’` (C9 92), `É”`
    /// (C9 94), `é` + no-break space + `»` (E9 A0 BB), `É` + no-break space + `:`. Small or large,
    /// such a file stays Windows-1252: none of them is the evidence ``UTF8Evidence`` counts.
    @Test(arguments: [
        "\"Atelier “CAFÉ” avec l’équipe\",\"Préparation ÉTÉ’25\",\"DÉCONSEILLÉ\u{A0}: non\"\n",
        "\"Suivi « lot validé\u{A0}»\",\"Société\"\n",
    ])
    func windows1252TextWithChanceSequencesStaysWindows1252(line: String) throws {
        for count in [1, 5_000] {
            let text = String(repeating: line, count: count)
            for encoding in [String.Encoding.windowsCP1252, .isoLatin1] {
                guard let data = text.data(using: encoding) else { continue }
                let scan = try scan(Array(data))
                #expect(scan.encoding == .windows1252, "\(count) \(encoding)")
                #expect(scan.utf8Damage == nil, "\(count) \(encoding)")
            }
        }
    }

    @Test func anASCIITextWithOneStrayByteStaysWindows1252() throws {
        var bytes = Array(String(repeating: "Audit,Cafe,1.50\n", count: 10_000).utf8)
        bytes[100_000] = 0xE9
        let scan = try scan(bytes)
        #expect(scan.encoding == .windows1252)
        #expect(scan.utf8Damage == nil)
    }

    /// A few UTF-8 lines and many Windows-1252 ones, either way round, or a byte-order mark on a
    /// Windows-1252 text: damaged, whatever the share of each.
    @Test func mixedEncodingsAreDamageWhicheverIsTheMinority() throws {
        let line = "\"Réunion n° 1\",\"Société Générale\"\n"
        let utf8 = Array(String(repeating: line, count: 3).utf8)
        let latin = Array(String(repeating: line, count: 30).data(using: .windowsCP1252)!)
        let first = try #require(try scan(utf8 + latin).utf8Damage)
        #expect(first.line == 4)
        #expect(first.sequences == 18)
        #expect(first.places == 180)
        #expect(first.context.hasPrefix("\"R<E9>union n<B0> 1\""), "\(first.context)")
        let second = try #require(try scan(latin + utf8).utf8Damage)
        #expect(second.line == 1)
        #expect(second.firstOffset == 2)
        let sequence = try #require(second.firstSequence)
        #expect(sequence.line == 31)
        #expect(sequence.offset == Int64(latin.count + 2))
        #expect(sequence.context.hasPrefix("\"Réunion n° 1\""), "\(sequence.context)")
        #expect(try scan([0xEF, 0xBB, 0xBF] + latin).utf8Damage?.byteOrderMark == true)
    }

    @Test func aLoneCarriageReturnEndsALine() throws {
        let bytes = Array("\"é\"\r\"a\"\r\n\"b\"\n\"c\"\r\"caf".utf8) + [0xE9, 0x22, 0x0D]
        let damage = try #require(try scan(bytes).utf8Damage)
        #expect(damage.line == 5)
        #expect(damage.context == "\"caf<E9>\"")
    }

    /// The bytes around the first place: at most 76 characters (a reason shows 80), no `<XX>`
    /// cut, no character the window cuts shown as bytes, no byte-order mark.
    @Test func theContextStaysReadable() throws {
        let markers = Array("x".utf8) + [0xE9] + [UInt8](repeating: 0xE9, count: 40) + Array("é\n".utf8)
        let many = try #require(try scan(markers + Array("Société\n".utf8)).utf8Damage)
        #expect(many.context.count <= 76)
        #expect(many.context.hasSuffix(">"))
        for tail in ["éé", "中文", "😀😀"] {
            let bytes =
                Array("Société\nAudit ".utf8) + [0xE9] + Array(String(repeating: "x", count: 25).utf8)
                + Array((tail + String(repeating: "y", count: 40) + "\n").utf8)
            let damage = try #require(try scan(bytes).utf8Damage)
            #expect(!damage.context.dropFirst(7).contains("<"), "\(tail): \(damage.context)")
        }
        let bom = try #require(try scan([0xEF, 0xBB, 0xBF] + Array("Caf".utf8) + [0xE9]).utf8Damage)
        #expect(bom.context == "Caf<E9>")
        let hidden = try #require(
            try scan(Array("é\n\u{1B}[31m\u{202E}x".utf8) + [0xE9] + Array("\n".utf8)).utf8Damage)
        #expect(hidden.context == "<1B>[31m<E2><80><AE>x<E9>", "\(hidden.context)")
    }

    @Test func bytesThatAreNotUTF8AreShownByTheirValue() {
        #expect(
            UTF8Damage.shown(ArraySlice(Array("né".utf8) + [0xE9, 0x80, 0xF0, 0x9F, 0x98] + Array("😀".utf8)))
                == "né<E9><80><F0><9F><98>😀")
    }

    /// The patterns found plainly, one position at a time (each counted where it starts, the
    /// search going on after it).
    static func plainEvidence(_ bytes: [UInt8]) -> (count: Int, first: Int64?) {
        var count = 0
        var first: Int64?
        var index = 0
        func continuation(_ at: Int) -> Bool { at < bytes.count && (0x80...0xBF).contains(bytes[at]) }
        while index < bytes.count {
            let byte = bytes[index]
            var length = 0
            if [0xC2, 0xC3, 0xC5].contains(byte), continuation(index + 1) { length = 2 }
            if byte == 0xE2, index + 1 < bytes.count, [0x80, 0x82].contains(bytes[index + 1]), continuation(index + 2) {
                length = 3
            }
            if byte == 0xF0, index + 1 < bytes.count, bytes[index + 1] == 0x9F, continuation(index + 2),
                continuation(index + 3)
            {
                length = 4
            }
            if length > 0 {
                count += 1
                if first == nil { first = Int64(index) }
            }
            index += max(length, 1)
        }
        return (count, first)
    }

    /// Random bytes rich in lead and continuation bytes, in random chunks: the eight-bytes-at-a-
    /// time search finds what the plain one does.
    @Test func theEvidenceIsThePlainSearchsOnRandomBytes() {
        var random = UTF8ValidatorTests.Generator(state: 20_261_208)
        let alphabet: [UInt8] = [0x41, 0x20, 0xC2, 0xC3, 0xC5, 0xE2, 0xF0, 0x9F, 0x80, 0x82, 0xA9, 0xBF, 0xC0, 0xE9]
        for round in 0..<2_000 {
            let bytes = (0..<random.next(200)).map { _ in
                random.next(3) == 0 ? alphabet[random.next(alphabet.count)] : UInt8(random.next(256))
            }
            var evidence = UTF8Evidence()
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + 1 + random.next(round % 2 == 0 ? 4 : 40))
                bytes[start..<end].withUnsafeBytes { evidence.feed($0, at: Int64(start)) }
                start = end
            }
            let plain = Self.plainEvidence(bytes)
            #expect(evidence.count == plain.count, "round \(round): \(bytes)")
            #expect(evidence.firstOffset == plain.first, "round \(round): \(bytes)")
        }
    }

    /// ``UTF8Evidence`` counts its patterns wherever chunks cut them, and only them.
    @Test func theEvidenceIsCountedWhereverChunksCutIt() {
        let counted = Array("é ° œ ’ € … 😀 À".utf8)
        let chance: [UInt8] = [0xC9, 0x92, 0xE9, 0xA0, 0xBB, 0xC3, 0x41, 0xE2, 0x81, 0x80, 0xF0, 0x9E, 0x80, 0x80]
        let bytes = counted + chance + counted
        for size in 1...9 {
            var evidence = UTF8Evidence()
            var start = 0
            while start < bytes.count {
                let end = min(bytes.count, start + size)
                bytes[start..<end].withUnsafeBytes { evidence.feed($0, at: Int64(start)) }
                start = end
            }
            #expect(evidence.count == 16, "chunks of \(size)")
            #expect(evidence.firstOffset == 0, "chunks of \(size)")
        }
    }
}
