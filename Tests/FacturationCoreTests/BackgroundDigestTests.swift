import Foundation
import Testing

@testable import FacturationCore

/// ``BackgroundDigest``: the SHA-256 of a ledger fed on another thread while the chunk is written
/// is the SHA-256 of the bytes in order, a chunk is no longer read once it is waited for, and the
/// thread ends on every path of its ``OutputFile``.
@Suite("Background digest")
struct BackgroundDigestTests {
    /// Waits (up to 5 s) for the digest's thread to end.
    static func ended(_ digest: BackgroundDigest) -> Bool {
        for _ in 0..<500 {
            if !digest.threadRuns.load(ordering: .acquiring) { return true }
            usleep(10_000)
        }
        return false
    }

    @Test func chunksFedInTurnGiveTheDigestOfTheBytesInOrder() throws {
        let hasher = SHA256Hasher()
        let digest = BackgroundDigest(feeding: hasher)
        var all: [UInt8] = []
        // One buffer, reused for every chunk as the output file reuses its own: a chunk read after
        // its wait would be hashed with the next one's bytes.
        let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 1 << 20, alignment: 16)
        defer { buffer.deallocate() }
        for round in 0..<40 {
            let count = round % 3 == 0 ? Int.random(in: 1..<4096) : Int.random(in: (256 << 10)...(1 << 20))
            let seed = UInt8.random(in: 0...255)
            for index in 0..<count { buffer[index] = seed &+ UInt8(truncatingIfNeeded: index &* 7 ^ index >> 9) }
            let chunk = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            all.append(contentsOf: chunk)
            if count < BackgroundDigest.minimumBytes {
                hasher.update(chunk)
            } else {
                digest.hash(chunk)
                digest.waitForChunk()
            }
            buffer.initializeMemory(as: UInt8.self, repeating: 0xA5)
        }
        digest.close()
        #expect(Self.ended(digest))
        #expect(hasher.finishHex() == all.withUnsafeBytes { SHA256Hasher.hex($0) })
    }

    @Test func aDigestThatWasNeverFedEndsItsThread() {
        let hasher = SHA256Hasher()
        let digest = BackgroundDigest(feeding: hasher)
        digest.close()
        digest.close()
        #expect(Self.ended(digest))
        #expect(hasher.finishHex() == SHA256Hasher.hex(""))
    }

    /// How a test lets go of an output file.
    enum Ending: CaseIterable, Sendable { case commit, discard, drop }

    /// Commit, discard and an output file dropped without either: its digest thread ends each time
    /// (after a commit or a discard while the file is still held: not only by its `deinit`).
    @Test(arguments: Ending.allCases)
    func theThreadOfAnOutputFileEnds(_ ending: Ending) throws {
        let folder = try OutputFileTests.makeFolder()
        defer { try? Storage.removeTree(folder) }
        var digest: BackgroundDigest?
        try {
            let (output, copy) = try OutputFileTests.ledgerAndCopy(in: folder, skippingPageCache: true)
            let written = try OutputFileTests.writeRounds(12, of: 300_000, into: output)
            digest = output.backgroundDigest
            let started = try #require(digest, "large chunks are hashed on the thread")
            let runs = started.threadRuns.load(ordering: .acquiring)
            #expect(runs)
            switch ending {
            case .commit:
                try output.commit(to: Path.join(folder, "ledger.csv"))
                #expect(Self.ended(started), "the commit ends the thread")
                #expect(output.writtenSHA256() == written.withUnsafeBytes { SHA256Hasher.hex($0) })
                #expect(output.writtenSHA256() == (try Storage.sha256(of: Path.join(folder, "ledger.csv"))))
            case .discard:
                output.discard()
                #expect(Self.ended(started), "the discard ends the thread")
            case .drop: break
            }
            copy.discard()
            withExtendedLifetime(output) {}
        }()
        #expect(Self.ended(try #require(digest)))
    }

    /// Through the page cache a write does not wait for the device: the writer hashes its chunks itself.
    @Test func aFileWrittenThroughThePageCacheIsHashedByItsWriter() throws {
        let folder = try OutputFileTests.makeFolder()
        defer { try? Storage.removeTree(folder) }
        let (output, copy) = try OutputFileTests.ledgerAndCopy(in: folder)
        _ = try OutputFileTests.writeRounds(12, of: 300_000, into: output)
        #expect(output.backgroundDigest == nil)
        output.discard()
        copy.discard()
    }
}
