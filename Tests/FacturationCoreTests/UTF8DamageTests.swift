import Foundation
import Testing

@testable import FacturationCore

/// ``UTF8Damage`` through the scan of real files: a UTF-8 text with a byte of another encoding,
/// or cut inside a character, is found damaged wherever the place sits (in the head, past the
/// first megabyte the second read takes at a time), with its line and the bytes around it; a
/// Windows-1252 text, even with sequences that are UTF-8 by chance, and an ASCII text with one
/// stray byte, are Windows-1252 as before.
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
        #expect(damage.sequences == 1)
        #expect(damage.line == 2)
        #expect(damage.context == "Audit,Caf<E9>")
    }

    /// A Windows-1252 text holds sequences that are UTF-8 by chance (`É’` is C9 92): one per
    /// 20 places at most would make it damaged UTF-8; French text has far fewer.
    @Test func windows1252TextStaysWindows1252() throws {
        var text = Self.lines(5_000).joined()
        text += "\"L'ÉTÉ’S\",\"CAFÉ”\",\"NOËL’\"\n"
        let bytes = Array(text.data(using: .windowsCP1252)!)
        let scan = try scan(bytes)
        #expect(scan.encoding == .windows1252)
        #expect(scan.utf8Damage == nil)
    }

    @Test func anASCIITextWithOneStrayByteStaysWindows1252() throws {
        var bytes = Array(String(repeating: "Audit,Cafe,1.50\n", count: 10_000).utf8)
        bytes[100_000] = 0xE9
        let scan = try scan(bytes)
        #expect(scan.encoding == .windows1252)
        #expect(scan.utf8Damage == nil)
    }

    @Test func theThresholdIsTwentyPlacesPerSequence() {
        #expect(UTF8Damage.isDamage(sequences: 1, places: 20))
        #expect(!UTF8Damage.isDamage(sequences: 1, places: 21))
        #expect(UTF8Damage.isDamage(sequences: 3, places: 60))
        #expect(!UTF8Damage.isDamage(sequences: 0, places: 1))
        #expect(!UTF8Damage.isDamage(sequences: 5, places: 0))
    }

    @Test func bytesThatAreNotUTF8AreShownByTheirValue() {
        #expect(
            UTF8Damage.shown(ArraySlice(Array("né".utf8) + [0xE9, 0x80, 0xF0, 0x9F, 0x98] + Array("😀".utf8)))
                == "né<E9><80><F0><9F><98>😀")
    }
}
