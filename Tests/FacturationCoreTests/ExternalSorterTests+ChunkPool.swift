import Foundation
import Testing

@testable import FacturationCore

/// The sorters of one ``DirectLedgerRows`` share a ``ChunkPool``: a spilled arena's chunks serve
/// the next records of any sorter, so the pool holds what is in use at once, not what was ever
/// filled; records stay whole wherever they land (in a chunk, or in their own allocation when
/// larger than a chunk), and runs written from the chunks (``StagedScratchFile``) read back the
/// same.
extension ExternalSorterTests {
    static func payload(_ index: Int, size: Int) -> [UInt8] {
        (0..<size).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
    }

    /// Three sorters share a pool of 16 KiB chunks and spill in the background forty times each
    /// (about 40 KiB a spill): the pool never holds more than the records of the three sorters and
    /// two spills in flight, where without giving chunks back it would hold every spill's (360).
    @Test func backgroundSpillsReuseTheSharedChunks() throws {
        let pool = ChunkPool(chunkSize: 16 << 10, hugePages: false)
        let worker = SpillWorker()
        let sorters = (0..<3).map {
            ExternalSorter(folder: folder.appendingPathComponent("s\($0)").path, memoryBudget: 1 << 30, pool: pool)
        }
        defer { for sorter in sorters { sorter.removeRuns() } }
        var expected: [[[UInt8]]] = [[], [], []]
        for index in 0..<(3 * 40 * 100) {
            let which = index % 3
            let key = Array(String(format: "key %08d", 999_999 - index).utf8)
            let payload = Self.payload(index, size: 380)
            try key.withUnsafeBytes { k in
                try payload.withUnsafeBytes { try sorters[which].add(orderKey: k, payload: $0) }
            }
            expected[which].append(key)
            if index % 300 >= 297 { try sorters[which].spillInBackground(on: worker) }
        }
        try worker.wait()
        #expect(sorters.allSatisfy { $0.spilledRuns == 40 })
        #expect(pool.allocatedChunks <= 5 * 3 + 2 * 3)
        for (which, sorter) in sorters.enumerated() {
            var sorted = try sorter.sorted()
            var got: [[UInt8]] = []
            while let record = sorted.nextInPlace() {
                let key = Array(record.orderKey)
                let index = 999_999 - Int(String(decoding: key.dropFirst(4), as: UTF8.self))!
                #expect(Array(record.payload) == Self.payload(index, size: 380))
                got.append(key)
            }
            try sorted.checkError()
            #expect(got == expected[which].sorted(by: ExternalSorterTests.bytewise))
        }
    }

    /// Records larger than a chunk, between small ones, in memory and through runs: each comes
    /// back whole; the chunks of a spilled arena go back to the pool, and the merge returns the
    /// spare ones to the system.
    @Test func recordsLargerThanAChunkComeBackWhole() throws {
        let pool = ChunkPool(chunkSize: 4 << 10, hugePages: false)
        let sorter = ExternalSorter(
            folder: folder.appendingPathComponent("large").path, memoryBudget: 64 << 10, pool: pool)
        defer { sorter.removeRuns() }
        let sizes = [10, 9_000, 4_083, 4_085, 3, 70_000, 200, 4_096, 1]
        for (index, size) in sizes.enumerated() {
            let key = Array("key \(index)".utf8)
            try key.withUnsafeBytes { k in
                try Self.payload(index, size: size).withUnsafeBytes { try sorter.add(orderKey: k, payload: $0) }
            }
        }
        #expect(sorter.spilledRuns == 1)
        #expect(pool.freeChunks > 0)
        let allocated = pool.allocatedChunks
        var sorted = try sorter.sorted()
        #expect(pool.freeChunks == 0 && pool.allocatedChunks < allocated)  // the spare ones unmapped
        var index = 0
        while let record = sorted.nextInPlace() {
            #expect(Array(record.orderKey) == Array("key \(index)".utf8))
            #expect(Array(record.payload) == Self.payload(index, size: sizes[index]))
            index += 1
        }
        try sorted.checkError()
        #expect(index == sizes.count)
    }

    /// The runs a sorter spills, in the background and on its own thread, are written straight to
    /// the disk (``StagedScratchFile``): once written, none of their blocks but the last partial
    /// one is in the page cache, and they read back in order (the tests above read them back too).
    @Test func spilledRunsAreWrittenStraightToTheDisk() throws {
        let worker = SpillWorker()
        let background = ExternalSorter(folder: folder.appendingPathComponent("bg").path, memoryBudget: 1 << 30)
        let own = ExternalSorter(folder: folder.appendingPathComponent("own").path, memoryBudget: 4 << 20)
        defer { for sorter in [background, own] { sorter.removeRuns() } }
        let pattern = Self.payload(0, size: 380 + 256)
        func payload(_ index: Int) -> ArraySlice<UInt8> { pattern[(index % 256)..<(index % 256 + 380)] }
        for index in 0..<30_000 {
            let key = Array(String(format: "key %08d", 99_999 - index).utf8)
            let payload = payload(index)
            for sorter in [background, own] {
                try key.withUnsafeBytes { k in try payload.withUnsafeBytes { try sorter.add(orderKey: k, payload: $0) }
                }
            }
            if index % 10_000 == 9_999 { try background.spillInBackground(on: worker) }
        }
        try worker.wait()
        #expect(background.spilledRuns == 3 && own.spilledRuns == 3)
        for sorter in [background, own] {
            let runs = try FileManager.default.contentsOfDirectory(atPath: sorter.folderPath)
            #expect(runs.count == 3)
            for run in runs {
                let path = Path.join(sorter.folderPath, run)
                let size = try #require(Storage.status(path)).size
                #expect(size > 3 << 20, "a run of 10,000 records of about 400 bytes")
                #expect(try DirectOutputFileTests.residentPages(of: path) <= 1, "\(run) went through the page cache")
            }
            var sorted = try sorter.sorted()
            var count = 0
            var previous: [UInt8] = []
            while let record = sorted.nextInPlace() {
                let key = Array(record.orderKey)
                let index = try 99_999 - #require(Int(String(decoding: key.dropFirst(4), as: UTF8.self)))
                #expect(record.payload.elementsEqual(payload(index)))
                #expect(ExternalSorterTests.bytewise(previous, key))
                previous = key
                count += 1
            }
            try sorted.checkError()
            #expect(count == 30_000)
        }
    }

    /// Prefetching a slot is only a hint: an empty set, a set about to grow, and the insertions
    /// after it behave as without it.
    @Test func prefetchingAKeyHashChangesNothing() {
        var plain = KeyHashSet()
        var hinted = KeyHashSet()
        hinted.prefetch(42)
        for value in (0..<5_000).map({ UInt64($0 % 3_000) &* 0x9E37_79B9_7F4A_7C15 }) {
            hinted.prefetch(value)
            #expect(hinted.insert(value) == plain.insert(value))
        }
        #expect(hinted.count == plain.count && hinted.count == 3_000)
    }
}
