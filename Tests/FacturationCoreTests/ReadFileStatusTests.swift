import Foundation
import Synchronization
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

    /// A closed year (2023) whose only record file is a link, to `v1.jsonl` (two invoices) and
    /// `v2.jsonl` (one more document): `point(to:)` switches it atomically, as `mv` of a link does.
    struct LinkedYear {
        let store: InvoiceStore
        let root: String
        let link: String

        init() throws {
            (store, root) = try InvoiceStoreRecordTests.store()
            let all = InvoicingHistoryTests.records.filter { $0.issueDate.year == 2023 }
            try store.recordIssued(Array(all.prefix(2)))
            let folder = Path.join(store.layout.issued, "2023")
            link = Path.join(folder, try #require(try store.recordFiles(inFolder: "2023").first))
            try FileManager.default.moveItem(atPath: link, toPath: Path.join(root, "v1.jsonl"))
            try store.recordIssued(Array(all.prefix(3)))
            let second = Path.join(folder, try #require(try store.recordFiles(inFolder: "2023").first))
            try FileManager.default.moveItem(atPath: second, toPath: Path.join(root, "v2.jsonl"))
            try point(to: "v1.jsonl")
        }

        /// The year's identity with the link on v1, then on v2 (where the link is left).
        func identities() throws -> (first: String, second: String) {
            try point(to: "v1.jsonl")
            let first = try IssuedYearSummary.identity(store.layout, folder: "2023")
            try point(to: "v2.jsonl")
            return (first, try IssuedYearSummary.identity(store.layout, folder: "2023"))
        }

        func point(to name: String) throws {
            let next = link + ".next"
            try FileManager.default.createSymbolicLink(atPath: next, withDestinationPath: Path.join(root, name))
            guard rename(next, link) == 0 else { throw POSIXError(.init(rawValue: errno) ?? .EIO) }
        }
    }

    /// A year's summary is rebuilt only from the files its key names: the key taken from the paths
    /// (link on v1), then the link switched to v2 before the read, gives no summary (it would
    /// describe v2 under v1's key, trusted by every later run while the link stays on v1).
    @Test func aYearSummaryIsNotKeyedByFilesOtherThanTheOnesRead() throws {
        let year = try LinkedYear()
        defer { try? FileManager.default.removeItem(atPath: year.root) }
        let layout = year.store.layout
        let (first, second) = try year.identities()
        #expect(first != second)
        #expect(try IssuedYearSummary.rebuilt(layout, folder: "2023", inputs: first) == nil)
        #expect(try IssuedYearSummary.rebuilt(layout, folder: "2023", inputs: second)?.documents == 3)
    }

    /// The record pack keys a year read from its files by what was read: the identity taken from
    /// the paths (link on v1), the link switched to v2 for the read, then back: the year read is
    /// v2's and is not packed while the link names v1 (it was, under v1's key); it is while the
    /// link names v2.
    @Test func aYearIsPackedUnderTheIdentityOfTheFilesRead() throws {
        let year = try LinkedYear()
        defer { try? FileManager.default.removeItem(atPath: year.root) }
        let layout = year.store.layout
        let first = try IssuedYearSummary.identity(layout, folder: "2023")
        try year.point(to: "v2.jsonl")
        var recordedIn: [String: String] = [:]
        let read = try IssuedRecordPack.Year.read(year.store, folder: "2023", recordedIn: &recordedIn)
        try year.point(to: "v1.jsonl")
        #expect(read.documents.count == 3)
        #expect(read.identity != first)
        // Later than the racy window: only the identity decides.
        let later = Clock.Instant(seconds: Clock.system.now().seconds + 3600, nanoseconds: 0)
        #expect(!read.isTrusted(layout, now: later))
        try year.point(to: "v2.jsonl")
        #expect(read.identity == (try IssuedYearSummary.identity(layout, folder: "2023")))
        #expect(read.isTrusted(layout, now: later))
    }

    /// Through the run's reading (``IssuedRecordPack/records(_:before:clock:)``) while another
    /// thread switches the record link between v1 and v2 as fast as it can: whatever the timing,
    /// a pack written pairs v1's identity with v1's two documents or v2's with v2's three. With the
    /// identity taken from the paths before the read (the bug this guards), 178 to 857 of the 2,000
    /// passes packed the other file's documents (three tries); with it, 1,084 to 1,606 packs, none torn.
    @Test func aRecordLinkSwitchedWhileRunsReadNeverLeavesATornPack() throws {
        let year = try LinkedYear()
        defer { try? FileManager.default.removeItem(atPath: year.root) }
        let layout = year.store.layout
        let (first, second) = try year.identities()
        let later = Clock { Clock.Instant(seconds: Clock.system.now().seconds + 3600, nanoseconds: 0) }
        let stop = Atomic<Bool>(false)
        let stopped = DispatchSemaphore(value: 0)
        Thread {
            var flips = 0
            while !stop.load(ordering: .relaxed) {
                flips += 1
                try? year.point(to: flips % 2 == 0 ? "v2.jsonl" : "v1.jsonl")
            }
            stopped.signal()
        }.start()
        defer {
            stop.store(true, ordering: .relaxed)
            stopped.wait()
        }
        var packed = 0
        var torn = 0
        for _ in 0..<2_000 {
            try? FileManager.default.removeItem(atPath: layout.issuedRecordPack)
            guard (try? IssuedRecordPack.records(layout, before: 2024, clock: later)) != nil,
                let bytes = try? Storage.read(layout.issuedRecordPack, limit: 1 << 20)
            else { continue }
            let pack = try #require(IssuedRecordPack.decoded(bytes))
            let years = pack.years.map { [$0.identity: $0.documents.count] }
            if years != [[first: 2]] && years != [[second: 3]] { torn += 1 }
            packed += 1
        }
        #expect(torn == 0, "\(torn) of \(packed) packs pair one file's identity with the other's documents")
        #expect(packed > 0)
    }

    /// The closed fiscal years' sources (``ClosedYearFEC/Sources``, which key the closed years' FEC
    /// and notes) name each bank ledger as the run's snapshot took its lines: a ledger rewritten
    /// after the snapshot's read leaves the run's key unchanged (it still describes the lines the
    /// run posted), and the next run's snapshot, which reads the new file, has another key. With a
    /// `stat` of the path at the sources' time, the run recorded the new file's key beside the old
    /// lines' entries, which the next run trusted.
    @Test func theClosedYearsSourcesNameTheLedgersAsTheSnapshotReadThem() throws {
        let (store, root) = try InvoiceStoreRecordTests.store()
        defer { try? FileManager.default.removeItem(atPath: root) }
        let layout = store.layout
        let folder = URL(fileURLWithPath: Path.join(layout.ledgers, LedgerKind.bankTransactions.rawValue))
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        _ = try Self.ledger(folder, "2025-01.csv", rows: 3)
        let firstMonth = try #require(CivilDate(iso: "2025-01-01"))
        func key(_ snapshot: RunSnapshot) throws -> String {
            try ClosedYearFEC.Sources(snapshot, layout: layout, firstMonth: firstMonth).key
        }
        let snapshot = try RunSnapshot(layout: layout, openYear: 2026, packedMatches: true)
        let before = try key(snapshot)
        _ = try Self.ledger(folder, "2025-01.csv", rows: 4)
        #expect(try key(snapshot) == before)
        #expect(try key(RunSnapshot(layout: layout, openYear: 2026, packedMatches: true)) != before)
    }
}
