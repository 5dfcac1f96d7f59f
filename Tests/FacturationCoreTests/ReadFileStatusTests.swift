import Foundation
import Testing

@testable import FacturationCore

/// The status a reader reports is that of the bytes it read (the descriptor's `fstat`), not of
/// what the path names later: ``BankLinePack`` records it beside the lines it packs, and a `stat`
/// of the path taken apart from the read could pair one file's identity with another's lines (a
/// ledger's link switched during a run).
@Suite("The status of the file read")
struct ReadFileStatusTests {
    static let header = LedgerKind.bankTransactions.columns

    static func ledger(_ folder: URL, _ name: String, rows: Int) throws -> URL {
        let url = folder.appendingPathComponent(name)
        let row = Array(repeating: "x", count: header.count).joined(separator: ",")
        let text = ([header.joined(separator: ",")] + Array(repeating: row, count: rows)).joined(separator: "\n")
        try Data((text + "\n").utf8).write(to: url)
        return url
    }

    @Test func aLedgerReadThroughALinkSwitchedDuringTheReadReportsTheFileItRead() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("status-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: folder) }
        let first = try Self.ledger(folder, "v1.csv", rows: 3)
        let second = try Self.ledger(folder, "v2.csv", rows: 5)
        let link = folder.appendingPathComponent("2015-03.csv")
        try FileManager.default.createSymbolicLink(at: link, withDestinationURL: first)
        var rows = 0
        let status = try LedgerFile.forEachRow(path: link.path, header: Self.header) { _ in
            rows += 1
            if rows == 1 {
                // The link now names the other file; the read goes on in the one it opened.
                let next = folder.appendingPathComponent("next.csv")
                try FileManager.default.createSymbolicLink(at: next, withDestinationURL: second)
                #expect(rename(next.path, link.path) == 0)
            }
        }
        #expect(rows == 3)
        let read = try #require(status)
        #expect(read.inode == Storage.targetStatus(first.path)?.inode)
        #expect(read.size == Storage.targetStatus(first.path)?.size)
        #expect(read.inode != Storage.targetStatus(link.path)?.inode)
        let missing = folder.appendingPathComponent("none.csv").path
        #expect(try LedgerFile.forEachRow(path: missing, header: nil) { _ in } == nil)
    }
}
