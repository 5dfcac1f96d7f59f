import Foundation
import Testing

@testable import FacturationCore

/// ``DeferredDigest`` and the scan that leaves its digest to it: the digest is the SHA-256 of the
/// file whoever hashes which chunk (its thread alone, the caller taking over at once or in the
/// middle of the file), and the thread stops once the digest is taken over or abandoned.
@Suite("Deferred digest")
struct DeferredDigestTests {
    /// A file of `count` bytes that differ from chunk to chunk (a chunk hashed twice, skipped or
    /// swapped changes the digest); its path and the expected digest.
    static func file(_ count: Int, in folder: URL) throws -> (path: String, digest: DeferredDigest.Digest) {
        var bytes = [UInt8](repeating: 0, count: count)
        for index in 0..<count { bytes[index] = UInt8(truncatingIfNeeded: index &* 31 ^ index >> 11) }
        let path = folder.appendingPathComponent("file-\(count).bin").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return (path, .init(hex: bytes.withUnsafeBytes { SHA256Hasher.hex($0) }, bytes: Int64(count)))
    }

    /// A sparse file of `count` zero bytes (large at no cost); its path.
    static func zeros(_ count: Int64, in folder: URL) throws -> String {
        let path = folder.appendingPathComponent("zeros.bin").path
        #expect(FileManager.default.createFile(atPath: path, contents: nil))
        let handle = try FileHandle(forWritingTo: URL(fileURLWithPath: path))
        try handle.truncate(atOffset: UInt64(count))
        try handle.close()
        return path
    }

    /// The digest of `count` zero bytes.
    static func zerosDigest(_ count: Int64) -> DeferredDigest.Digest {
        let hasher = SHA256Hasher()
        let chunk = [UInt8](repeating: 0, count: 1 << 20)
        var left = count
        while left > 0 {
            let part = Int(min(left, Int64(chunk.count)))
            hasher.update(chunk, count: part)
            left -= Int64(part)
        }
        return .init(hex: hasher.finishHex(), bytes: count)
    }

    static func folder() throws -> URL {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("deferred-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        return folder
    }

    /// Waits (up to 20 s) until `condition` holds.
    static func eventually(_ condition: () -> Bool) -> Bool {
        for _ in 0..<2_000 {
            if condition() { return true }
            usleep(10_000)
        }
        return false
    }

    static func ended(_ digest: DeferredDigest) -> Bool {
        eventually { !digest.threadRuns.load(ordering: .acquiring) }
    }

    static let chunk = DeferredDigest.chunkBytes
    static let sizes = [0, 1, chunk - 1, chunk, chunk + 1, 3 * chunk + 17]

    /// The thread alone, or the caller taking over at once (the thread hashes at most a chunk more).
    @Test(arguments: sizes)
    func theDigestIsTheFilesWhoeverHashesIt(size: Int) throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let (path, expected) = try Self.file(size, in: folder)
        for takenOver in [false, true] {
            let digest = DeferredDigest(file: try InputFile(path: path))
            if !takenOver {
                #expect(Self.eventually { digest.finishedDigest != nil })
                #expect(digest.finishedDigest == expected.hex)
            }
            #expect(try digest.finish() == expected, "taken over: \(takenOver)")
            #expect(try digest.finish() == expected, "a second finish gives the same digest")
            #expect(digest.finishedDigest == expected.hex)
            #expect(Self.ended(digest))
        }
    }

    /// Taken over in the middle of 512 MB: the caller goes on from the thread's last copy, and the
    /// thread stops long before the end.
    @Test func aDigestTakenOverInTheMiddleGivesTheSameDigest() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = try Self.zeros(512 << 20, in: folder)
        let expected = Self.zerosDigest(512 << 20)
        let digest = DeferredDigest(file: try InputFile(path: path))
        #expect(Self.eventually { digest.threadChunks.load(ordering: .relaxed) >= 3 })
        #expect(try digest.finish() == expected)
        #expect(Self.ended(digest))
        let hashed = digest.threadChunks.load(ordering: .relaxed)
        #expect(hashed >= 3 && hashed < 256, "the thread hashed \(hashed) of 512 chunks")
    }

    /// The nice value of this process's thread named `name` (`/proc/self/task/*/stat`), if one runs.
    static func niceValue(ofThread name: String) -> Int? {
        let tasks = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task")) ?? []
        for task in tasks {
            guard let comm = try? String(contentsOfFile: "/proc/self/task/\(task)/comm", encoding: .utf8),
                comm.trimmingCharacters(in: .whitespacesAndNewlines) == name,
                let stat = try? String(contentsOfFile: "/proc/self/task/\(task)/stat", encoding: .utf8),
                let close = stat.lastIndex(of: ")")
            else { continue }
            // After "pid (comm)": state is field 3, nice field 19.
            let fields = stat[stat.index(after: close)...].split(separator: " ")
            return fields.count > 16 ? Int(fields[16]) : nil
        }
        return nil
    }

    /// The thread hashes at the usual priority until the run yields, then at nice 19.
    @Test func theThreadYieldsOnlyWhenTheRunSaysSo() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = try Self.zeros(2 << 30, in: folder)
        let digest = DeferredDigest(file: try InputFile(path: path))
        defer { digest.abandon() }
        #expect(Self.eventually { digest.threadChunks.load(ordering: .relaxed) >= 2 })
        #expect(Self.niceValue(ofThread: "input-sha256") == 0)
        digest.yieldToTheRun()
        // Lowered at its next chunk, which it hashes at the usual priority.
        #expect(Self.eventually { Self.niceValue(ofThread: "input-sha256") == 19 })
    }

    @Test func anAbandonedDigestStopsItsThread() throws {
        let folder = try Self.folder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = try Self.zeros(2 << 30, in: folder)
        let digest = DeferredDigest(file: try InputFile(path: path))
        digest.abandon()
        #expect(Self.ended(digest))
        #expect(digest.finishedDigest == nil)
        let hashed = digest.threadChunks.load(ordering: .relaxed)
        #expect(hashed < 1_024, "the thread hashed \(hashed) of 2,048 chunks")
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
        #expect(finished.hashedBytes == plain.size && plain.hashedBytes == nil)
        #expect(partial.finishedDeferredDigest == plain.sha256)
        let under = try FileScan.scan(path: path, deferringDigestFrom: Int64(text.utf8.count + 1))
        #expect(!under.digestIsDeferred)
    }
}
