import FacturationCore
import Foundation
import Testing

/// A file system that refuses a direct write with EINVAL (`FACTURATION_TEST_DIRECT_REFUSAL`, the
/// seam that plays one: no file system here refuses, see ``DirectIO``), through the real binary:
/// the new month ledger of a one-month Clockify export, large enough to be written directly
/// (several 1 MB flushes), and its outbox copy go on through the page cache, byte for byte the
/// files of a run whose writes were never refused.
@Suite("Direct writes refused, end to end")
struct DirectIOFallbackRunTests {
    static let header =
        "\"Project\",\"Client\",\"Description\",\"Task\",\"User\",\"Group\",\"Email\",\"Tags\",\"Billable\","
        + "\"Start Date\",\"Start Time\",\"End Date\",\"End Time\",\"Duration (h)\",\"Duration (decimal)\","
        + "\"Billable Rate (EUR)\",\"Billable Amount (EUR)\"\n"

    /// `rows` half-hour entries in 2025, each with its own description, taking `months` in turn
    /// (July alone by default).
    static func export(rows: Int, months: [Int] = [7]) -> String {
        var text = header
        text.reserveCapacity(rows * 260)
        for row in 0..<rows {
            let month = months[row % months.count]
            let day = String(format: "%02d/%02d/2025", (row / months.count) % 31 + 1, month)
            let minute = (row / (31 * months.count)) % 960
            let start = String(format: "%02d:%02d:00", 6 + minute / 60, minute % 60)
            let end = String(format: "%02d:%02d:00", 6 + (minute + 30) / 60, (minute + 30) % 60)
            text +=
                "\"LAA - INFRA\",\"Les Automatismes Appliqués\",\"Audit du poste \(row)\",\"\",\"Camille Martin\","
                + "\"\",\"camille@demo.fr\",\"\",\"Yes\",\"\(day)\",\"\(start)\",\"\(day)\",\"\(end)\",\"00:30:00\","
                + "\"0.50\",\"110.00\",\"55.00\"\n"
        }
        return text
    }

    /// Runs the export with direct writes refused after `refusedAfter` of each file's (nil:
    /// never); the ledgers and outbox copies it wrote, and its stderr.
    static func run(_ export: String, refusedAfter: Int?) throws -> (files: [String: Data], stderr: String) {
        try run(export, environment: refusedAfter.map { ["FACTURATION_TEST_DIRECT_REFUSAL": "\($0)"] } ?? [:])
    }

    static func run(_ export: String, environment: [String: String]) throws -> (files: [String: Data], stderr: String) {
        try ClockifyPiecesRunTests.run(
            ["Clockify_Time_Report_Detailed_01_07_2025-31_07_2025.csv": export], environment: environment)
    }

    /// The lines of `stderr` that say a direct write was refused.
    static func refusals(_ stderr: String) -> [String] {
        stderr.split(separator: "\n").map(String.init).filter { $0.hasPrefix("direct-io refused") }
    }

    @Test func refusedDirectWritesGiveTheFilesOfAnUnrefusedRun() throws {
        let export = Self.export(rows: 10_000)
        let plain = try Self.run(export, refusedAfter: nil)
        let ledger = try #require(plain.files.first { $0.key.hasPrefix("archive/ledgers") && $0.key.hasSuffix(".csv") })
        // Several 1 MB flushes, so that a refusal can come after direct writes.
        #expect(ledger.value.count > 3 << 20, "\(ledger.key): \(ledger.value.count) bytes")
        #expect(Self.refusals(plain.stderr).isEmpty)
        // Its hash, fed on another thread while its direct writes wait (``BackgroundDigest``), is
        // the outbox copy's: the delivery record names the bytes delivered.
        let month = Path.name(of: ledger.key)
        let copy = try #require(plain.files.first { $0.key.hasPrefix("outbox/") && $0.key.hasSuffix("/" + month) })
        let record = try #require(plain.files.first { $0.key.hasSuffix("/" + month + ".sha256") })
        let digest = copy.value.withUnsafeBytes { SHA256Hasher.hex($0) }
        #expect(String(decoding: record.value, as: UTF8.self).contains(digest), "\(record.key)")
        for refusedAfter in [0, 2] {
            let refused = try Self.run(export, refusedAfter: refusedAfter)
            // The ledger and its outbox copy each met the refusal where it was set.
            #expect(
                Self.refusals(refused.stderr) == Array(repeating: "direct-io refused after \(refusedAfter)", count: 2),
                "\(refused.stderr)")
            #expect(refused.files == plain.files, "\(Set(refused.files.keys).symmetricDifference(plain.files.keys))")
        }
    }

    /// Months spilled to run files (`FACTURATION_LEDGER_ROW_BYTES`: a small budget of held rows),
    /// whose whole blocks go straight to the disk (``StagedScratchFile``), give the ledgers of a run
    /// that held every row; so do run files whose direct writes the file system refuses. Two months
    /// taking turns, and one month alone (which holds the whole budget at each spill).
    @Test(arguments: [[7, 8], [7]])
    func spilledMonthsGiveTheLedgersOfARunThatHeldEveryRow(months: [Int]) throws {
        let export = Self.export(rows: 10_000, months: months)
        let held = try Self.run(export, refusedAfter: nil)
        let spilling = ["FACTURATION_LEDGER_ROW_BYTES": "\(256 << 10)"]
        let spilled = try Self.run(export, environment: spilling)
        let spills = spilled.stderr.split(separator: "\n").filter { $0 == "ledger-rows spill" }.count
        // About 4 MB of rows: a spill at each 256 KB, of the month holding the most.
        #expect(spills >= 10, "\(spilled.stderr)")
        #expect(Self.refusals(spilled.stderr).isEmpty)
        #expect(
            held.files.keys.filter { $0.hasPrefix("archive/ledgers") && $0.hasSuffix(".csv") }.count == months.count)
        #expect(spilled.files == held.files, "\(Set(spilled.files.keys).symmetricDifference(held.files.keys))")
        var refusing = spilling
        refusing["FACTURATION_TEST_DIRECT_REFUSAL"] = "0"
        let refused = try Self.run(export, environment: refusing)
        // Each run file (each larger than a block: half the budget at least) met the refusal at its
        // first direct write, as did each ledger and its copy.
        let refusedSpills = refused.stderr.split(separator: "\n").filter { $0 == "ledger-rows spill" }.count
        #expect(refusedSpills == spills)
        #expect(Self.refusals(refused.stderr).count == spills + 2 * months.count, "\(refused.stderr)")
        #expect(refused.files == held.files, "\(Set(refused.files.keys).symmetricDifference(held.files.keys))")
    }

    /// A month spilled in more runs than the merge takes at once (a row budget of one byte: one
    /// run per row, 1,500 of them), in a run allowed 256 open files: merged in passes, it gives the
    /// ledger of a run that held every row, not "Too many open files" (which stopped every run).
    @Test func moreRunsThanTheMergeTakesAtOnceGiveTheSameLedger() throws {
        let export = Self.export(rows: 1_500)
        let held = try Self.run(export, refusedAfter: nil)
        let spilled = try ClockifyPiecesRunTests.run(
            ["Clockify_Time_Report_Detailed_01_07_2025-31_07_2025.csv": export],
            environment: ["FACTURATION_LEDGER_ROW_BYTES": "1"], openFiles: 256)
        let spills = spilled.stderr.split(separator: "\n").filter { $0 == "ledger-rows spill" }.count
        #expect(spills == 1_500, "\(spilled.stderr.suffix(500))")
        #expect(!held.files.isEmpty)
        #expect(spilled.files == held.files, "\(spilled.stderr.suffix(500))")
    }
}
