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

    /// A ledger and its outbox copy in `folder`, as ``LedgerUpdater`` makes them for a new ledger.
    static func ledgerAndCopy(in folder: String, skippingPageCache: Bool = false) throws -> (OutputFile, OutputFile) {
        let output = try OutputFile(directory: folder)
        let copy = try OutputFile(directory: folder)
        output.hashAndCopy(to: copy)
        if skippingPageCache {
            output.skipPageCache()
            copy.skipPageCache()
        }
        return (output, copy)
    }

    @Test func aLargeFileWithItsCopyHoldsEveryByteWritten() throws {
        let folder = try Self.makeFolder()
        defer { try? Storage.removeTree(folder) }
        let (output, copy) = try Self.ledgerAndCopy(in: folder)
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

/// ``OutputFile/skipPageCache()`` (``DirectIO``): a ledger and its copy written straight to the
/// disk hold every byte written, in order, with the same SHA-256; only whole aligned blocks go
/// directly, the last partial block through the page cache; and the written blocks are not left
/// in the page cache (what the mode is for).
@Suite("Output file skipping the page cache")
struct DirectOutputFileTests {
    @Test func aLedgerAndItsCopyWrittenDirectlyHoldEveryByte() throws {
        let folder = try OutputFileTests.makeFolder()
        defer { try? Storage.removeTree(folder) }
        let (output, copy) = try OutputFileTests.ledgerAndCopy(in: folder, skippingPageCache: true)
        // About 21 MB in odd-sized chunks: every flush leaves a partial block behind; the last
        // write leaves more than a block for the commit's flush.
        var expected = try OutputFileTests.writeRounds(700, of: 30_000, into: output)
        let last = [UInt8](repeating: 0x2C, count: 100_007)
        try output.write(last)
        expected += last
        let paths = ["ledger.csv", "copy.csv"].map { Path.join(folder, $0) }
        try output.commit(to: paths[0])
        try copy.commit(to: paths[1])
        for path in paths { #expect(try Data(contentsOf: URL(fileURLWithPath: path)) == Data(expected)) }
        #expect(output.writtenSHA256() == (try Storage.sha256(of: paths[1])))
        #expect(output.bytesWritten == Int64(expected.count))
        #expect(copy.bytesWritten == Int64(expected.count))
        // All but the last partial block went directly (the temporary folder is on a disk here).
        let whole = Int64(DirectIO.wholeBlocks(expected.count))
        #expect(output.bytesWrittenDirectly == whole)
        #expect(copy.bytesWrittenDirectly == whole)
    }

    @Test func blocksWrittenDirectlyAreNotLeftInThePageCache() throws {
        let folder = try OutputFileTests.makeFolder()
        defer { try? Storage.removeTree(folder) }
        var resident: [Bool: Int] = [:]
        for direct in [false, true] {
            let output = try OutputFile(directory: folder)
            if direct { output.skipPageCache() }
            _ = try OutputFileTests.writeRounds(300, of: 30_000, into: output)
            let path = Path.join(folder, "file-\(direct).csv")
            try output.commit(to: path)
            resident[direct] = try Self.residentPages(of: path)
        }
        let pages = 300 * 30_000 / DirectIO.alignment
        #expect(resident[false]! > pages / 2, "written through the page cache, the file stays there")
        #expect(resident[true]! <= 1, "only the last partial block went through the page cache")
    }

    /// A file whose first write cannot go directly (a partial block: a small file) is written
    /// through the page cache from start to end.
    @Test func aSmallFileNeverGoesDirectly() throws {
        let folder = try OutputFileTests.makeFolder()
        defer { try? Storage.removeTree(folder) }
        let output = try OutputFile(directory: folder)
        output.skipPageCache()
        try output.write(Array("record_key,start\r\n".utf8))
        let path = Path.join(folder, "small.csv")
        try output.commit(to: path)
        #expect(output.bytesWrittenDirectly == 0)
        #expect(try String(contentsOfFile: path, encoding: .utf8) == "record_key,start\r\n")
    }

    /// A file system that refuses direct writes with EINVAL (``DirectIO/refusalAfter``, the seam
    /// that plays one): at the first direct write, or after `refusedAfter` of them, in the middle
    /// of a large file. The rest goes through the page cache: the ledger, its copy and the SHA-256
    /// are the bytes of the same file written through the page cache from the start.
    @Test(arguments: [0, 2])
    func aRefusedDirectWriteGoesOnThroughThePageCache(refusedAfter: Int) throws {
        let folder = try OutputFileTests.makeFolder()
        defer { try? Storage.removeTree(folder) }
        let (output, copy) = try OutputFileTests.ledgerAndCopy(in: folder)
        output.skipPageCache(refusedAfter: refusedAfter)
        copy.skipPageCache(refusedAfter: refusedAfter)
        let buffered = try OutputFile(directory: folder)
        // About 6 MB: a direct write at each 1 MB flush before the refusal.
        let expected = try OutputFileTests.writeRounds(200, of: 30_000, into: output)
        _ = try OutputFileTests.writeRounds(200, of: 30_000, into: buffered)
        let paths = ["ledger.csv", "copy.csv", "buffered.csv"].map { Path.join(folder, $0) }
        try output.commit(to: paths[0])
        try copy.commit(to: paths[1])
        try buffered.commit(to: paths[2])
        let written = try paths.map { try Data(contentsOf: URL(fileURLWithPath: $0)) }
        #expect(written[2] == Data(expected))
        #expect(written[0] == written[2] && written[1] == written[2])
        #expect(output.writtenSHA256() == (try Storage.sha256(of: paths[2])))
        #expect(output.bytesWritten == Int64(expected.count) && copy.bytesWritten == Int64(expected.count))
        // What went directly: nothing, or the whole blocks of the first writes only.
        for file in [output, copy] {
            #expect((file.bytesWrittenDirectly == 0) == (refusedAfter == 0))
            #expect(file.bytesWrittenDirectly < Int64(expected.count / 2))
        }
    }

    @Test func theRulesOfADirectWrite() {
        let memory = ByteBuffer(capacity: 3 * DirectIO.alignment, alignment: DirectIO.alignment)
        let base = UnsafeRawPointer(memory.base)
        let block = DirectIO.alignment
        #expect(DirectIO.obeysRules(UnsafeRawBufferPointer(start: base, count: 2 * block), at: 0))
        #expect(DirectIO.obeysRules(UnsafeRawBufferPointer(start: base, count: block), at: Int64(3 * block)))
        #expect(!DirectIO.obeysRules(UnsafeRawBufferPointer(start: base, count: block + 1), at: 0))
        #expect(!DirectIO.obeysRules(UnsafeRawBufferPointer(start: base + 512, count: block), at: 0))
        #expect(!DirectIO.obeysRules(UnsafeRawBufferPointer(start: base, count: block), at: 512))
        #expect(!DirectIO.obeysRules(UnsafeRawBufferPointer(start: base, count: 0), at: 0))
        #expect(DirectIO.wholeBlocks(3 * block + 17) == 3 * block)
    }

    /// The pages of the file at `path` held in the page cache (`mincore` of a mapping).
    static func residentPages(of path: String) throws -> Int {
        let fd = open(path, O_RDONLY)
        try #require(fd >= 0)
        defer { close(fd) }
        var status = stat()
        try #require(fstat(fd, &status) == 0)
        let size = Int(status.st_size)
        guard let mapping = mmap(nil, size, PROT_READ, MAP_SHARED, fd, 0), mapping != MAP_FAILED else {
            Issue.record("mmap failed")
            return -1
        }
        defer { munmap(mapping, size) }
        var vector = [UInt8](repeating: 0, count: (size + DirectIO.alignment - 1) / DirectIO.alignment)
        try #require(mincore(mapping, size, &vector) == 0)
        return vector.filter { $0 & 1 != 0 }.count
    }
}
