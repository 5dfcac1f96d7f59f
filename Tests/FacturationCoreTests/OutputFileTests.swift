import Foundation
import Testing

@testable import FacturationCore

/// ``OutputFile`` hands large files to the disk's write-back as it goes (every 8 MB): the committed
/// file, its outbox copy and the SHA-256 computed on the way are still exactly the bytes written.
@Suite("Output file")
struct OutputFileTests {
    @Test func aLargeFileWithItsCopyHoldsEveryByteWritten() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "facturation-output-\(UUID().uuidString.prefix(8))"
        ).path
        try Storage.makeDirectory(folder)
        defer { try? Storage.removeTree(folder) }
        let output = try OutputFile(directory: folder)
        let copy = try OutputFile(directory: folder)
        output.hashAndCopy(to: copy)
        var expected: [UInt8] = []
        // Odd-sized writes of different bytes, so that flushes and write-back starts fall anywhere:
        // about 21 MB.
        for round in 0..<700 {
            let chunk = [UInt8](repeating: UInt8(truncatingIfNeeded: round &* 31 &+ 7), count: 30_000 + round % 97)
            try output.write(chunk)
            expected += chunk
        }
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
}
