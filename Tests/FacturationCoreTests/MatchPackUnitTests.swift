import Foundation
import Testing

@testable import FacturationCore

/// ``MatchPack``: the matches it gives are ``PaymentStore/matches()``'s (order, contents, errors)
/// whatever happened to the files since it was written, it is taken whole only while nothing moved,
/// and it keeps only the files whose times are older than the racy window.
@Suite("The match pack, in process", .serialized)
struct MatchPackUnitTests {
    /// What a read gives: the matches, or the error's text.
    static func outcome(_ read: () throws -> [PaymentMatch]) -> Result<[PaymentMatch], MatchFolderTests.Failure> {
        do {
            return .success(try read())
        } catch {
            return .failure(MatchFolderTests.Failure(text: "\(error)"))
        }
    }

    static func expectAsTheStore(_ store: PaymentStore, _ comment: String) {
        let expected = outcome { try store.matches() }
        #expect(outcome { try MatchPack.matches(store.layout) } == expected, "\(comment)")
        // And again, from the pack just written.
        #expect(outcome { try MatchPack.matches(store.layout) } == expected, "\(comment), again")
    }

    static func unchanged(_ store: PaymentStore) throws -> [PaymentMatch]? {
        guard Storage.exists(store.layout.matchPack) else { return nil }
        return MatchPack.unchangedMatches(try Storage.read(store.layout.matchPack), store: store)?.matches
    }

    @Test func theMatchesAreTheStoresAndThePackIsTakenWholeOnlyWhileNothingMoved() throws {
        let (store, matches, root) = try MatchFolderTests.store(count: 40)
        defer { try? FileManager.default.removeItem(atPath: root) }
        // Two files for one receipt and booking date (a copy made by hand): the order of ties too.
        let copy = Path.join(store.matchesFolder, "copie.json")
        try Data(try PaymentStore.encoded(matches[3])).write(to: URL(fileURLWithPath: copy))
        // Written just now: not packed (racy), so not taken whole.
        Self.expectAsTheStore(store, "fresh files")
        #expect(try Self.unchanged(store) == nil)
        Thread.sleep(forTimeInterval: 2.5)
        Self.expectAsTheStore(store, "older files")
        #expect(try Self.unchanged(store) == (try store.matches()))

        // Edited in place (the same inode; the times move): not whole, and read again.
        var edited = matches[5]
        edited.amountMinor += 1
        try Data(try PaymentStore.encoded(edited)).write(to: URL(fileURLWithPath: store.path(of: edited.receipt)))
        #expect(try Self.unchanged(store) == nil)
        Self.expectAsTheStore(store, "edited in place")
        #expect(try MatchPack.matches(store.layout).contains(edited))

        // Removed, renamed, a key only JSONDecoder reads, damaged, a folder: as the store.
        try FileManager.default.removeItem(atPath: store.path(of: matches[6].receipt))
        Self.expectAsTheStore(store, "removed")
        try FileManager.default.moveItem(atPath: store.path(of: matches[7].receipt), toPath: copy + ".json")
        Self.expectAsTheStore(store, "renamed")
        var text = String(decoding: try PaymentStore.encoded(matches[8]), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"rule\"", with: "\"extra\" : 1,\n  \"rule\"")
        try text.write(toFile: store.path(of: matches[8].receipt), atomically: false, encoding: .utf8)
        Self.expectAsTheStore(store, "a key JSONDecoder reads")
        try "{\"receipt\": truncated".write(
            toFile: store.path(of: matches[9].receipt), atomically: false, encoding: .utf8)
        Self.expectAsTheStore(store, "damaged")
        try FileManager.default.removeItem(atPath: store.path(of: matches[9].receipt))
        try FileManager.default.createDirectory(
            atPath: store.path(of: matches[9].receipt), withIntermediateDirectories: false)
        Self.expectAsTheStore(store, "a folder")
    }

    @Test func aPackOfGarbageOrOfAnotherFolderIsNotBelieved() throws {
        let (store, _, root) = try MatchFolderTests.store(count: 12)
        defer { try? FileManager.default.removeItem(atPath: root) }
        Thread.sleep(forTimeInterval: 2.5)
        Self.expectAsTheStore(store, "written")
        let original = try Storage.read(store.layout.matchPack)
        #expect(MatchPack.decoded(original)?.entries.count == 12)
        for (damage, bytes) in [
            ("truncated", Array(original.dropLast(3))),
            ("empty", []),
            ("header only", Array(original.prefix(while: { $0 != 0x0A }))),
            ("a byte changed", original.dropLast() + [original.last! ^ 1]),
        ] as [(String, [UInt8])] {
            #expect(MatchPack.decoded(bytes) == nil, "\(damage)")
            try Data(bytes).write(to: URL(fileURLWithPath: store.layout.matchPack))
            Self.expectAsTheStore(store, damage)
            #expect(try Storage.read(store.layout.matchPack) == original, "\(damage): rebuilt")
        }
    }
}
