import Foundation
import Testing

@testable import FacturationCore

/// ``OutputFile`` hands large files to the disk's write-back as it goes (every 8 MB): the committed
/// file, its outbox copy and the SHA-256 computed on the way are still exactly the bytes written.
@Suite("Output file")
struct OutputFileTests {
    /// A fresh folder for one test's files (the caller removes it).
    static func makeFolder() throws -> String {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "facturation-output-\(UUID().uuidString.prefix(8))"
        ).path
        try Storage.makeDirectory(folder)
        return folder
    }

    /// Writes `rounds` odd-sized chunks of about `size` bytes, each of another byte, so that
    /// flushes and write-back starts fall anywhere; returns every byte written.
    static func writeRounds(_ rounds: Int, of size: Int, into output: OutputFile) throws -> [UInt8] {
        var expected: [UInt8] = []
        for round in 0..<rounds {
            let chunk = [UInt8](repeating: UInt8(truncatingIfNeeded: round &* 31 &+ 7), count: size + round % 97)
            try output.write(chunk)
            expected += chunk
        }
        return expected
    }

    @Test func aLargeFileWithItsCopyHoldsEveryByteWritten() throws {
        let folder = try Self.makeFolder()
        defer { try? Storage.removeTree(folder) }
        let output = try OutputFile(directory: folder)
        let copy = try OutputFile(directory: folder)
        output.hashAndCopy(to: copy)
        // About 21 MB.
        let expected = try Self.writeRounds(700, of: 30_000, into: output)
        let path = Path.join(folder, "ledger.csv")
        let copyPath = Path.join(folder, "copy.csv")
        try output.commit(to: path)
        try copy.commit(to: copyPath)
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(expected))
        #expect(try Data(contentsOf: URL(fileURLWithPath: copyPath)) == Data(expected))
        #expect(output.writtenSHA256() == (try Storage.sha256(of: path)))
        #expect(output.bytesWritten == Int64(expected.count))
        // The copy is written from the ledger's buffer (not copied into its own): it counts every byte too.
        #expect(copy.bytesWritten == Int64(expected.count))
    }

    /// A copy that is itself hashed and copied (not done by the code today) still hashes and
    /// passes on every byte: the written-through path is only for a copy that does neither.
    @Test func aCopyThatHashesAndCopiesGetsEveryByte() throws {
        let folder = try Self.makeFolder()
        defer { try? Storage.removeTree(folder) }
        let output = try OutputFile(directory: folder)
        let copy = try OutputFile(directory: folder)
        let second = try OutputFile(directory: folder)
        output.hashAndCopy(to: copy)
        copy.hashAndCopy(to: second)
        let expected = try Self.writeRounds(200, of: 20_000, into: output)
        let paths = ["ledger.csv", "copy.csv", "second.csv"].map { Path.join(folder, $0) }
        try output.commit(to: paths[0])
        try copy.commit(to: paths[1])
        try second.commit(to: paths[2])
        for path in paths { #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(expected)) }
        let copyHash = copy.writtenSHA256()
        #expect(copyHash == output.writtenSHA256())
        #expect(copyHash == (try Storage.sha256(of: paths[1])))
        #expect(copy.writtenSHA256() == copyHash, "the digest is the same when asked again")
    }
}
