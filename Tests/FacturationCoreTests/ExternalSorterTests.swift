import CSupport
import Foundation
import Testing

@testable import FacturationCore

/// The sorter's order is the bytewise order of the keys, whether a comparison is decided by the
/// keys' heads kept in the entries (``KeyHead``) or by the bytes after them, in memory and
/// through spilled runs.
@Suite("External sorter")
struct ExternalSorterTests {
    let folder: URL

    init() throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent("sorter-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
    }

    /// Seeded keys that stress the heads: lengths around 24 bytes, zero bytes (the heads' padding),
    /// long shared prefixes, keys that are prefixes of others. Unique, as callers make them.
    static func keys(seed: UInt64, count: Int) -> [[UInt8]] {
        var state = seed
        func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        let alphabet: [UInt8] = [0x00, 0x01, 0x1E, 0x30, 0x31, 0x7F, 0x80, 0xFF]
        let shared = Array("2025-03-15T08:40:00Z".utf8)
        var seen = Set<[UInt8]>()
        var keys: [[UInt8]] = []
        while keys.count < count {
            let length = Int(next() % 40)
            var key: [UInt8] = next() % 2 == 0 ? Array(shared.prefix(Int(next() % 21))) : []
            while key.count < length { key.append(alphabet[Int(next() % UInt64(alphabet.count))]) }
            if seen.insert(key).inserted { keys.append(key) }
        }
        return keys
    }

    static func bytewise(_ lhs: [UInt8], _ rhs: [UInt8]) -> Bool { lhs.lexicographicallyPrecedes(rhs) }

    func sortedBySorter(_ keys: [[UInt8]], budget: Int) throws -> (keys: [[UInt8]], runs: Int) {
        let sorter = ExternalSorter(folder: folder.appendingPathComponent("runs-\(budget)").path, memoryBudget: budget)
        defer { sorter.removeRuns() }
        for (index, key) in keys.enumerated() {
            let payload = Array("payload \(index)".utf8)
            try key.withUnsafeBytes { k in try payload.withUnsafeBytes { try sorter.add(orderKey: k, payload: $0) } }
        }
        let runs = sorter.spilledRuns
        var sorted = try sorter.sorted()
        var got: [[UInt8]] = []
        while let record = sorted.next() { got.append(Array(record.orderKey)) }
        try sorted.checkError()
        return (got, runs)
    }

    @Test(arguments: [1 as UInt64, 2, 3])
    func inMemoryOrderIsBytewise(seed: UInt64) throws {
        let keys = Self.keys(seed: seed, count: 3000)
        let (got, runs) = try sortedBySorter(keys, budget: 1 << 20)
        #expect(runs == 0)
        #expect(got == keys.sorted(by: Self.bytewise))
    }

    @Test func spilledRunsMergeInBytewiseOrder() throws {
        let keys = Self.keys(seed: 7, count: 3000)
        let (got, runs) = try sortedBySorter(keys, budget: 16 << 10)
        #expect(runs > 3)
        #expect(got == keys.sorted(by: Self.bytewise))
    }

    /// More runs than the merge takes at once (``ExternalSorter/mergeFanIn``, 3 here) are merged
    /// in passes first: each key comes back once, with its payload, in order, and no more than
    /// three run files are left to read at the end.
    @Test func runsBeyondTheFanInAreMergedInPasses() throws {
        let keys = Self.keys(seed: 17, count: 3000)
        let sorter = ExternalSorter(folder: folder.appendingPathComponent("passes").path, memoryBudget: 8 << 10)
        defer { sorter.removeRuns() }
        for (index, key) in keys.enumerated() {
            let payload = Array("payload \(index)".utf8)
            try key.withUnsafeBytes { k in try payload.withUnsafeBytes { try sorter.add(orderKey: k, payload: $0) } }
        }
        #expect(sorter.spilledRuns > 20)
        let payloads = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, "payload \($0)") })
        var sorted = try sorter.sorted(fanIn: 3)
        #expect(sorter.spilledRuns <= 3)
        #expect(try FileManager.default.contentsOfDirectory(atPath: sorter.folderPath).count == sorter.spilledRuns)
        var got: [[UInt8]] = []
        while let record = sorted.nextInPlace() {
            let key = Array(record.orderKey)
            #expect(String(decoding: record.payload, as: UTF8.self) == payloads[key])
            got.append(key)
        }
        try sorted.checkError()
        #expect(got == keys.sorted(by: Self.bytewise))
    }

    @Test func aLargeArenaOnHugePagesSortsTheSame() throws {
        let keys = Self.keys(seed: 11, count: 2000)
        let (got, runs) = try sortedBySorter(keys, budget: 32 << 20)
        #expect(runs == 0)
        #expect(got == keys.sorted(by: Self.bytewise))
    }

    /// Sorted through background spills (``SpillWorker``) and merged in place
    /// (``SortedRecords/nextInPlace()``): every key comes back with its own payload, in order.
    @Test func backgroundSpillsMergedInPlaceSortTheSame() throws {
        let keys = Self.keys(seed: 13, count: 3000)
        let worker = SpillWorker()
        let sorter = ExternalSorter(folder: folder.appendingPathComponent("background").path, memoryBudget: 1 << 20)
        defer { sorter.removeRuns() }
        for (index, key) in keys.enumerated() {
            let payload = Array("payload \(index)".utf8)
            try key.withUnsafeBytes { k in try payload.withUnsafeBytes { try sorter.add(orderKey: k, payload: $0) } }
            if index % 97 == 96 { try sorter.spillInBackground(on: worker) }
        }
        #expect(sorter.spilledRuns == 30)
        let payloads = Dictionary(uniqueKeysWithValues: keys.enumerated().map { ($1, "payload \($0)") })
        var sorted = try sorter.sorted()
        var got: [[UInt8]] = []
        while let record = sorted.nextInPlace() {
            let key = Array(record.orderKey)
            #expect(String(decoding: record.payload, as: UTF8.self) == payloads[key])
            got.append(key)
        }
        try sorted.checkError()
        #expect(got == keys.sorted(by: Self.bytewise))
    }

    /// Records longer than a run reader's buffer come back whole, and a record handed out in place
    /// stays as it was until the next call; a truncated run ends the merge with an error.
    @Test func longRecordsComeBackWholeAndATruncatedRunFails() throws {
        let path = folder.appendingPathComponent("long").path
        let sorter = ExternalSorter(folder: path, memoryBudget: 100 << 10)
        defer { sorter.removeRuns() }
        let sizes = [10, 70_000, 5, 150_000, 64 << 10, 3, 90_000]
        func payload(_ index: Int) -> [UInt8] {
            (0..<sizes[index]).map { UInt8(truncatingIfNeeded: $0 &* 31 &+ index) }
        }
        for index in sizes.indices {
            let key = Array("key \(index)".utf8)
            try key.withUnsafeBytes { k in
                try payload(index).withUnsafeBytes { try sorter.add(orderKey: k, payload: $0) }
            }
        }
        #expect(sorter.spilledRuns == 2)
        var sorted = try sorter.sorted()
        var index = 0
        while let record = sorted.nextInPlace() {
            #expect(Array(record.orderKey) == Array("key \(index)".utf8))
            #expect(Array(record.payload) == payload(index))
            index += 1
        }
        try sorted.checkError()
        #expect(index == sizes.count)

        let truncated = ExternalSorter(folder: path + "-cut", memoryBudget: 100 << 10)
        defer { truncated.removeRuns() }
        for index in sizes.indices {
            let key = Array("key \(index)".utf8)
            try key.withUnsafeBytes { k in
                try payload(index).withUnsafeBytes { try truncated.add(orderKey: k, payload: $0) }
            }
        }
        let run = try #require(try FileManager.default.contentsOfDirectory(atPath: path + "-cut").sorted().first)
        let handle = try #require(FileHandle(forWritingAtPath: path + "-cut/" + run))
        try handle.truncate(atOffset: 100_000)
        try handle.close()
        var cut = try truncated.sorted()
        while cut.nextInPlace() != nil {}
        #expect(throws: StorageError.self) { try cut.checkError() }
    }

    @Test func headsOrderAsTheirBytesAndEqualHeadsMeanEqualFirstBytes() {
        let keys = Self.keys(seed: 5, count: 400)
        for left in keys {
            for right in keys {
                let l = left.withUnsafeBytes { KeyHead($0.baseAddress, count: $0.count) }
                let r = right.withUnsafeBytes { KeyHead($0.baseAddress, count: $0.count) }
                if l != r {
                    #expect((l < r) == Self.bytewise(left, right))
                } else {
                    let common = min(left.count, right.count, KeyHead.byteCount)
                    #expect(left.prefix(common) == right.prefix(common))
                }
            }
        }
    }

    @Test func hugePageAdviceTakesAnyRange() {
        let large = UnsafeMutableRawPointer.allocate(byteCount: 8 << 20, alignment: 16)
        defer { large.deallocate() }
        #expect(fct_advise_huge_pages(large, 8 << 20) == 0)
        let small = UnsafeMutableRawPointer.allocate(byteCount: 4096, alignment: 16)
        defer { small.deallocate() }
        #expect(fct_advise_huge_pages(small, 4096) == 0)
    }

    @Test func fingerprintBaseLengthOnBytes() {
        func base(_ key: String) -> Int { Array(key.utf8).withUnsafeBytes { RecordKey.baseLength(of: $0) } }
        #expect(base("te:ab12#2") == 7)
        #expect(base("te:ab12") == 7)
        #expect(base("bank:9f#10") == 7)
        #expect(base("clockify:1#2") == 12)
        #expect(base("te") == 2)
        #expect(base("") == 0)
        #expect(base("te:a#b#3") == 6)
        let line = Array("te:ab12,2025-03-15T08:40:00Z,x".utf8)
        #expect(line.withUnsafeBytes { LedgerLine.firstComma($0) } == 7)
        #expect(Array("abc".utf8).withUnsafeBytes { LedgerLine.firstComma($0) } == 3)
        #expect(Array("bank:1".utf8).withUnsafeBytes { RecordKey.isFingerprint(bytes: $0) })
        #expect(!Array("bank1:".utf8).withUnsafeBytes { RecordKey.isFingerprint(bytes: $0) })
    }
}
