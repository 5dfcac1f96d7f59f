import Foundation
import Testing

@testable import FacturationCore

@Suite("SHA256Hasher")
struct SHA256Tests {
    // FIPS 180-2 test vectors.
    static let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    static let abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"

    @Test func oneShotDigestsMatchTheStandardVectors() {
        #expect(SHA256Hasher.hex("") == Self.empty)
        #expect(SHA256Hasher.hex("abc") == Self.abc)
        let digest = Array("abc".utf8).withUnsafeBytes { SHA256Hasher.digest($0) }
        #expect(Hex.encode((0..<32).map { digest[$0] }) == Self.abc)
    }

    @Test func incrementalHashingMatchesAndResetsAfterEachDigest() {
        let hasher = SHA256Hasher()
        hasher.update(Array("a".utf8))
        hasher.update(Array("bc".utf8))
        #expect(hasher.finishHex() == Self.abc)
        #expect(hasher.finishHex() == Self.empty)
    }

    @Test func oneShotDigestsAgreeAcrossThreads() {
        let inputs = (0..<2_000).map { "te:\($0)|alice@example.com|\($0 * 7)" }
        let expected = inputs.map { SHA256Hasher.hex($0) }
        let results = Parallel.map(4) { part in
            stride(from: part, to: inputs.count, by: 4).map { SHA256Hasher.hex(inputs[$0]) }
        }
        for part in 0..<4 {
            #expect(results[part] == Array(stride(from: part, to: inputs.count, by: 4).map { expected[$0] }))
        }
    }

    @Test("A large file is hashed on a second thread: same digest, encoding still decided")
    func largeFileScanHashesLikeTheOneShotDigest() throws {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(9 << 20)
        var line = 0
        while bytes.count < 9 << 20 {
            bytes += Array("ligne \(line),Café,\(line * 31)\n".utf8)
            line += 1
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("scan-\(UUID().uuidString).csv").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let scan = try FileScan.scan(path: path)
        #expect(scan.sha256 == bytes.withUnsafeBytes { SHA256Hasher.hex($0) })
        #expect(scan.size == Int64(bytes.count))
        #expect(scan.encoding == .utf8)
        #expect(scan.head == Array(bytes.prefix(65_536)))
    }
}
