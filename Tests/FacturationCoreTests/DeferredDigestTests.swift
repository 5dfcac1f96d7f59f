import Foundation
import Testing

@testable import FacturationCore

/// ``DeferredDigest`` and the scan that leaves its digest to it: the digest is the SHA-256 of the
/// file whoever hashes which chunk (its thread, the caller that takes it over at once, or after a
/// part), and the thread ends on every path.
@Suite("Deferred digest")
struct DeferredDigestTests {
    /// A file of `count` bytes that differ from chunk to chunk (a chunk hashed twice, skipped or
    /// swapped changes the digest); its path and the digest `sha256sum` would give.
    static func file(_ count: Int, in folder: URL) throws -> (path: String, sha256: String) {
        var bytes = [UInt8](repeating: 0, count: count)
        for index in 0..<count { bytes[index] = UInt8(truncatingIfNeeded: index &* 31 ^ index >> 11) }
        let path = folder.appendingPathComponent("file-\(count).bin").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, bytes.withUnsafeBytes { SHA256Hasher.hex($0) })
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("deferred-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Waits (up to 10 s) until `condition` holds.
    static func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<1_000 {
            if condition() { return true }
            usleep(10_000)
        }
        return false
    }

    static let chunk = DeferredDigest.chunkBytes
    static let sizes = [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk + 17]

    @Test(arguments: sizes)
    func theThreadAloneGivesTheDigestOfTheFile(size: Int) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (path, expected) = try Self.file(size, in: folder)
        let digest = DeferredDigest(file: try InputFile(path: path))
        #expect(Self.eventually { digest.finishedDigest != nil })
        #expect(digest.finishedDigest == expected)
        #expect(try digest.finish() == expected)
        #expect(try digest.finish() == expected, "a second finish gives the same digest")
        #expect(Self.eventually { !digest.threadRuns.load(ordering: .acquiring) })
    }

    /// Taken over at once, or after the thread hashed a part: the caller hashes what is left.
    @Test(arguments: sizes)
    func aDigestTakenOverGivesTheSameDigest(size: Int) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (path, expected) = try Self.file(size, in: folder)
        for pause: UInt32 in [0, 300, 2_000] {
            let digest = DeferredDigest(file: try InputFile(path: path))
            if pause > 0 { usleep(pause) }
            #expect(try digest.finish() == expected, "taken over after \(pause) µs")
            #expect(digest.finishedDigest == expected)
            #expect(Self.eventually { !digest.threadRuns.load(ordering: .acquiring) }, "after \(pause) µs")
        }
    }

    @Test func anAbandonedDigestEndsItsThread() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (path, _) = try Self.file(24 * Self.chunk, in: folder)
        let digest = DeferredDigest(file: try InputFile(path: path))
        digest.abandon()
        #expect(Self.eventually { !digest.threadRuns.load(ordering: .acquiring) })
    }

    /// The scan that defers its digest tells the same as the one that does not, once finished;
    /// under the threshold it hashes as before.
    @Test func aScanWithItsDigestDeferredTellsWhatTheOtherTells() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let text = "Project,Client\n\"Café\",\"Bérard\"\n" + String(repeating: "a,b\n", count: 300_000)
        let path = folder.appendingPathComponent("export.csv").path
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
        let plain = try FileScan.scan(path: path)
        let partial = try FileScan.scan(path: path, deferringDigestFrom: 1)
        #expect(partial.digestIsDeferred && !plain.digestIsDeferred)
        #expect(partial.size == plain.size && partial.encoding == plain.encoding && partial.head == plain.head)
        let finished = try partial.finishingDigest()
        #expect(!finished.digestIsDeferred && finished.sha256 == plain.sha256)
        #expect(partial.finishedDeferredDigest == plain.sha256)
        #expect(
            try FileScan.scan(path: path, deferringDigestFrom: Int64(text.utf8.count + 1)).digestIsDeferred == false)
    }
}
