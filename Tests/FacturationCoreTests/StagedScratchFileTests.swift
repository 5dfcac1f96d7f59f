import Foundation
import Testing

@testable import FacturationCore

/// ``StagedScratchFile``: the file is the concatenation of what was written, whatever the sizes
/// (empty pieces, pieces larger than the staging buffer, a total that ends mid-block); its whole
/// blocks go straight to the disk and are not left in the page cache; a refusal of the file
/// system, at the first direct write or later, and a small file go through the page cache with
/// the same bytes; the staging buffer serves one file after another.
@Suite("Staged scratch file")
struct StagedScratchFileTests {
    /// Pieces of odd sizes, an empty one every seventh, and one of 3 MB (three times the staging
    /// size) in the middle.
    static func pieces(count: Int) -> [[UInt8]] {
        let pattern = (0..<3_000_300).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        return (0..<count).map { index in
            let size = index == count / 2 ? 3_000_017 : (index % 7 == 0 ? 0 : index * 37 % 9_000)
            return Array(pattern[(index % 251)..<(index % 251 + size)])
        }
    }

    static func write(_ pieces: [[UInt8]], to file: StagedScratchFile) throws {
        for piece in pieces { try piece.withUnsafeBytes { try file.write($0) } }
        try file.close()
    }

    @Test func everyByteInOrderAndTheWholeBlocksStraightToTheDisk() throws {
        let folder = try OutputFileTests.makeFolder()
        defer { try? Storage.removeTree(folder) }
        let pieces = Self.pieces(count: 2_001)
        let expected = Data(pieces.joined())
        #expect(expected.count % DirectIO.alignment != 0, "the last block is partial")
        let path = Path.join(folder, "run.bin")
        let file = try StagedScratchFile(path: path, staging: StagedScratchFile.makeStaging(), refusedAfter: nil)
        try Self.write(pieces, to: file)
        // Before anything reads the file back (which would bring it into the page cache).
        #expect(try DirectOutputFileTests.residentPages(of: path) <= 1, "only the last partial block is cached")
        #expect(file.bytesWrittenDirectly == Int64(DirectIO.wholeBlocks(expected.count)))
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == expected)
    }

    /// A file system that refuses direct writes (``DirectIO/refusalAfter``'s seam): from the first
    /// one, or after two; the file holds the same bytes.
    @Test(arguments: [0, 2])
    func aRefusedDirectWriteGoesOnThroughThePageCache(refusedAfter: Int) throws {
        let folder = try OutputFileTests.makeFolder()
        defer { try? Storage.removeTree(folder) }
        let pieces = Self.pieces(count: 1_501)
        let path = Path.join(folder, "run.bin")
        let file = try StagedScratchFile(
            path: path, staging: StagedScratchFile.makeStaging(), refusedAfter: refusedAfter)
        try Self.write(pieces, to: file)
        let expected = Data(pieces.joined())
        #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == expected)
        #expect((file.bytesWrittenDirectly == 0) == (refusedAfter == 0))
        // The direct writes before the refusal come before the large piece: each one staging
        // buffer's whole blocks, at most 1 MiB and one piece.
        #expect(file.bytesWrittenDirectly <= Int64(refusedAfter * (StagedScratchFile.stagingBytes + 9_000)))
    }

    /// Two files, one after the other, with one staging buffer: the second starts empty even when
    /// the first left bytes staged (it was released without a close), and a file smaller than a
    /// block never goes directly.
    @Test func oneStagingBufferServesOneFileAfterAnother() throws {
        let folder = try OutputFileTests.makeFolder()
        defer { try? Storage.removeTree(folder) }
        let staging = StagedScratchFile.makeStaging()
        do {
            let abandoned = try StagedScratchFile(
                path: Path.join(folder, "abandoned.bin"), staging: staging, refusedAfter: nil)
            try [UInt8](repeating: 0xAB, count: 5_000).withUnsafeBytes { try abandoned.write($0) }
        }
        let path = Path.join(folder, "small.bin")
        let small = try StagedScratchFile(path: path, staging: staging, refusedAfter: nil)
        try Self.write([Array("record".utf8), [], Array(" 1\n".utf8)], to: small)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "record 1\n")
        #expect(small.bytesWrittenDirectly == 0)
    }
}
