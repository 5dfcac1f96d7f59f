import Foundation
import Testing

@testable import FacturationCore

/// The fenced fast reading of match files (``PaymentStore/MatchFolder``, what the FEC uses through
/// ``PaymentStore/matches(for:)``): every file the store writes takes it and reads as
/// ``PaymentStore/match(for:)`` reads it; anything else (no file, damage, a key `JSONDecoder`
/// reads, a FIFO or a folder where the file was, a large file, no folder) gives the same match,
/// nil or error as ``PaymentStore/match(for:)``.
@Suite("Match files read from their folder")
struct MatchFolderTests {
    /// A store in a fresh workspace holding `count` generated matches (and the workspace's root).
    static func store(count: Int) throws -> (PaymentStore, [PaymentMatch], String) {
        let (invoices, root) = try InvoiceStoreRecordTests.store()
        let store = PaymentStore(layout: invoices.layout)
        var random = SplitMix64(seed: 9)
        var matches: [PaymentMatch] = []
        for index in 0..<count {
            var match = MatchRecordDecoderTests.generated(index, &random)
            match.receipt = "qonto:receipt-\(index)"
            try store.record(match)
            matches.append(match)
        }
        return (store, matches, root)
    }

    /// An error, by what it says.
    struct Failure: Error, Equatable {
        let text: String
    }

    /// The matches of `results` without failures.
    static func successes(_ results: [Result<PaymentMatch?, Failure>]) -> [PaymentMatch?] {
        results.map { if case .success(let match) = $0 { match } else { nil } }
    }

    /// What ``PaymentStore/match(for:)`` gives for each receipt.
    static func oneByOne(_ store: PaymentStore, _ receipts: [String?]) -> [Result<PaymentMatch?, Failure>] {
        receipts.map { receipt in
            do {
                return .success(try receipt.flatMap { try store.match(for: $0) })
            } catch {
                return .failure(Failure(text: "\(error)"))
            }
        }
    }

    @Test("Every file the store writes is read on the fast path, as match(for:) reads it")
    func writtenFilesTakeTheFastPath() throws {
        let (store, matches, root) = try Self.store(count: 40)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let folder = try #require(PaymentStore.MatchFolder(store))
        for match in matches {
            let fast = try #require(folder.match(for: match.receipt), "\(match.receipt) left the fast path")
            #expect(fast == match)
        }
        #expect(folder.match(for: "qonto:never-matched") == .some(nil))
        let receipts: [String?] = matches.map(\.receipt) + ["qonto:never-matched", nil]
        #expect(try store.matches(for: receipts) == Self.successes(Self.oneByOne(store, receipts)))
    }

    @Test("Damage, a key JSONDecoder reads, a FIFO, a folder or a large file: match(for:)'s answer or error")
    func unexpectedFilesGetTheUsualAnswer() throws {
        let (store, matches, root) = try Self.store(count: 12)
        defer { try? FileManager.default.removeItem(atPath: root) }
        let path = { (index: Int) in store.path(of: matches[index].receipt) }
        try "{\"receipt\": truncated".write(toFile: path(0), atomically: false, encoding: .utf8)
        var text = String(decoding: try PaymentStore.encoded(matches[1]), as: UTF8.self)
        text = text.replacingOccurrences(of: "\"rule\"", with: "\"extra\" : 1,\n  \"rule\"")
        try text.write(toFile: path(1), atomically: false, encoding: .utf8)
        try FileManager.default.removeItem(atPath: path(2))
        #expect(mkfifo(path(2), 0o644) == 0)
        try FileManager.default.removeItem(atPath: path(3))
        try FileManager.default.createDirectory(atPath: path(3), withIntermediateDirectories: false)
        var large = matches[4]
        large.evidence = String(repeating: "é", count: PaymentStore.MatchFolder.stackLimit)
        try FileManager.default.removeItem(atPath: path(4))
        try Data(try PaymentStore.encoded(large)).write(to: URL(fileURLWithPath: path(4)))
        let folder = try #require(PaymentStore.MatchFolder(store))
        for index in 0...4 { #expect(folder.match(for: matches[index].receipt) == nil, "file \(index)") }
        #expect(try store.match(for: matches[1].receipt) == matches[1])
        #expect(try store.match(for: matches[4].receipt) == large)
        // Each unexpected file alone among written ones (the error is the first in order's).
        for index in 0...4 {
            let receipts: [String?] = [matches[index].receipt] + matches[5...].map(\.receipt)
            let expected = Self.oneByOne(store, receipts)
            let firstFailure = expected.compactMap { if case .failure(let failure) = $0 { failure } else { nil } }.first
            do {
                let read = try store.matches(for: receipts)
                #expect(firstFailure == nil, "file \(index)")
                #expect(read == Self.successes(expected), "file \(index)")
            } catch {
                #expect(firstFailure == Failure(text: "\(error)"))
                #expect(index == 0 || index == 2 || index == 3, "file \(index): \(error)")
            }
        }
    }

    @Test("Without a matches folder, no receipt has a match")
    func noFolderNoMatch() throws {
        let (invoices, root) = try InvoiceStoreRecordTests.store()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let store = PaymentStore(layout: invoices.layout)
        #expect(PaymentStore.MatchFolder(store) == nil)
        let receipts: [String?] = (0..<10).map { "qonto:\($0)" }
        #expect(try store.matches(for: receipts) == Array(repeating: nil, count: 10))
    }
}
