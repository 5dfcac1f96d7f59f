import Foundation
import Testing

@testable import FacturationCore

/// A report whose table is the one last delivered is not rendered or written again
/// (``Outbox/deliverReportIfChanged(_:to:xlsx:temporaryDirectory:)``, ``ReportCheckpoint``),
/// while the outbox still holds what was delivered; anything else delivers it as before.
@Suite("Reports not written again when unchanged")
struct ReportDeliveryTests {
    static let csv = "paiements/etat-factures.csv"
    static let workbook = "paiements/etat-factures.xlsx"

    /// A fresh workspace with one pipeline, and its outbox.
    final class Fixture {
        let root: String
        let layout: ArchiveLayout
        var outbox: Outbox { Outbox(layout: layout) }

        init() throws {
            root = FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID().uuidString)").path
            let workspace = Workspace(root: root)
            try FileManager.default.createDirectory(atPath: workspace.temporary, withIntermediateDirectories: true)
            let pipelineFile = Path.join(root, "pipelines/test.toml")
            try FileManager.default.createDirectory(
                atPath: Path.parent(of: pipelineFile), withIntermediateDirectories: true)
            try ReportDeliveryTests.pipeline.write(toFile: pipelineFile, atomically: true, encoding: .utf8)
            let pipeline = try PipelineLoader.load(path: pipelineFile, shownAs: "pipelines/test.toml")
            layout = workspace.layout(for: pipeline, pipelineCount: 1)
        }

        deinit { try? FileManager.default.removeItem(atPath: root) }

        @discardableResult
        func deliver(_ table: ReportTable, xlsx: Bool = true) throws -> Outbox.ReportDelivery {
            try outbox.deliverReportIfChanged(table, to: csv, xlsx: xlsx, temporaryDirectory: layout.temporary)
        }

        func outboxPath(_ relative: String) -> String { Path.join(layout.outbox, relative) }
        var checkpoint: String { layout.reportCheckpoint(csv) }

        func bytes(_ path: String) throws -> Data { try Data(contentsOf: URL(fileURLWithPath: path)) }

        /// Inode and modification time of a file, or of the temporary folder (which moves when a
        /// temporary file is written there and removed).
        func identity(_ path: String) throws -> [Int64] {
            let status = try #require(Storage.status(path))
            return [Int64(bitPattern: status.inode), status.modified, status.changed]
        }

        /// The identities of everything a delivery may write.
        func identities() throws -> [[Int64]] {
            try [outboxPath(csv), outboxPath(workbook), checkpoint, layout.temporary].map(identity)
        }
    }

    static let pipeline = pipelineText(
        clients: """
            [[clients]]
            code = "LAA"
            name = "Les Automatismes Appliqués"
            siren = "552081317"
            address = { lines = ["Zone Industrielle Nord"], postcode = "13100", city = "Aix-en-Provence" }
            hourly_rate = 100
            """, invoicing: "")

    /// A table of `rows` invoices; `amountAsText` writes the first amount as text (same CSV).
    static func table(rows: Int = 3, day: Int = 5, amountAsText: Bool = false) -> ReportTable {
        var table = ReportTable(
            sheetName: "État des factures",
            columns: [
                .init("number", "Numéro"), .init("amount", "Montant", .money(currency: "EUR")),
                .init("due_date", "Échéance", .date), .init("days", "Jours", .integer),
            ],
            asOf: CivilDate(year: 2025, month: 9, day: day)!)
        for index in 0..<rows {
            let amount: ReportTable.Cell = amountAsText && index == 0 ? .text("12.00") : .money(1_200 + Int64(index))
            table.append([
                .text("F2025-\(index)"), amount, .date(CivilDate(year: 2025, month: 8, day: 1 + index % 28)!),
                index % 2 == 0 ? .integer(Int64(index)) : .empty,
            ])
        }
        return table
    }

    @Test func anUnchangedTableIsNeitherRenderedNorWrittenAgain() throws {
        let fixture = try Fixture()
        let first = try fixture.deliver(Self.table())
        #expect(first == Outbox.ReportDelivery(warnings: [], unchanged: false))
        let csv = try fixture.bytes(fixture.outboxPath(Self.csv))
        #expect(
            String(decoding: csv, as: UTF8.self).hasPrefix(
                "number,amount,due_date,days\r\nF2025-0,12.00,2025-08-01,0\r\n"))
        let before = try fixture.identities()
        Thread.sleep(forTimeInterval: 0.01)
        for _ in 0..<3 {
            #expect(try fixture.deliver(Self.table()) == Outbox.ReportDelivery(warnings: [], unchanged: true))
        }
        // Same inode and times for both files and the checkpoint; the temporary folder did not
        // move (nothing was written there and removed).
        #expect(try fixture.identities() == before)
        #expect(try fixture.bytes(fixture.outboxPath(Self.csv)) == csv)
        // The plain entry point skips the same way.
        #expect(
            try fixture.outbox.deliverReport(
                Self.table(), to: Self.csv, xlsx: true, temporaryDirectory: fixture.layout.temporary) == [])
        #expect(try fixture.identities() == before)
    }

    @Test func aChangedTableIsDeliveredAgain() throws {
        let fixture = try Fixture()
        try fixture.deliver(Self.table())
        let csv = try fixture.bytes(fixture.outboxPath(Self.csv))
        let workbook = try fixture.bytes(fixture.outboxPath(Self.workbook))
        let checkpoint = try fixture.bytes(fixture.checkpoint)

        // One more row: both files change.
        #expect(try fixture.deliver(Self.table(rows: 4)).unchanged == false)
        #expect(try fixture.bytes(fixture.outboxPath(Self.csv)) != csv)
        #expect(try fixture.bytes(fixture.outboxPath(Self.workbook)) != workbook)
        #expect(try fixture.bytes(fixture.checkpoint) != checkpoint)
        #expect(try fixture.deliver(Self.table(rows: 4)).unchanged)

        // Another day: the same CSV (left as it is), a workbook with another creation date.
        let csv4 = try fixture.identity(fixture.outboxPath(Self.csv))
        let workbook4 = try fixture.bytes(fixture.outboxPath(Self.workbook))
        #expect(try fixture.deliver(Self.table(rows: 4, day: 6)).unchanged == false)
        #expect(try fixture.identity(fixture.outboxPath(Self.csv)) == csv4)
        #expect(try fixture.bytes(fixture.outboxPath(Self.workbook)) != workbook4)

        // A text cell where an amount was: the CSV cannot tell, the workbook can.
        let textCSV = try fixture.identity(fixture.outboxPath(Self.csv))
        let amountWorkbook = try fixture.bytes(fixture.outboxPath(Self.workbook))
        #expect(try fixture.deliver(Self.table(rows: 4, day: 6, amountAsText: true)).unchanged == false)
        #expect(try fixture.identity(fixture.outboxPath(Self.csv)) == textCSV)
        #expect(try fixture.bytes(fixture.outboxPath(Self.workbook)) != amountWorkbook)

        // The report without its workbook is another delivery.
        #expect(try fixture.deliver(Self.table(rows: 4, day: 6, amountAsText: true), xlsx: false).unchanged == false)
        #expect(try fixture.deliver(Self.table(rows: 4, day: 6, amountAsText: true), xlsx: false).unchanged)
    }

    @Test func aDeletedEditedOrReplacedCopyIsNotTakenForTheDelivery() throws {
        let fixture = try Fixture()
        try fixture.deliver(Self.table())
        let csv = try fixture.bytes(fixture.outboxPath(Self.csv))
        let workbook = try fixture.bytes(fixture.outboxPath(Self.workbook))

        // Deleted: delivered again.
        try FileManager.default.removeItem(atPath: fixture.outboxPath(Self.workbook))
        #expect(try fixture.deliver(Self.table()) == Outbox.ReportDelivery(warnings: [], unchanged: false))
        #expect(try fixture.bytes(fixture.outboxPath(Self.workbook)) == workbook)
        #expect(try fixture.deliver(Self.table()).unchanged)

        // Replaced by a copy of the same bytes (another inode): still the delivery.
        let copy = fixture.outboxPath(Self.csv) + ".copy"
        try csv.write(to: URL(fileURLWithPath: copy))
        try FileManager.default.removeItem(atPath: fixture.outboxPath(Self.csv))
        try FileManager.default.moveItem(atPath: copy, toPath: fixture.outboxPath(Self.csv))
        #expect(try fixture.deliver(Self.table()).unchanged)

        // Edited with the same size: left alone, the update delivered beside it, on every run.
        var edited = csv
        edited[edited.count - 3] = UInt8(ascii: "9")  // the last cell, before CRLF
        try edited.write(to: URL(fileURLWithPath: fixture.outboxPath(Self.csv)))
        for _ in 0..<2 {
            let delivery = try fixture.deliver(Self.table())
            #expect(delivery.unchanged == false)
            #expect(delivery.warnings.count == 1 && delivery.warnings[0].contains("was changed by someone"))
        }
        #expect(try fixture.bytes(fixture.outboxPath(Self.csv)) == edited)

        // Put back as delivered: skipped again.
        try csv.write(to: URL(fileURLWithPath: fixture.outboxPath(Self.csv)))
        #expect(try fixture.deliver(Self.table()) == Outbox.ReportDelivery(warnings: [], unchanged: true))

        // The workbook replaced by another file: a person's file, left alone.
        try Data("not a workbook".utf8).write(to: URL(fileURLWithPath: fixture.outboxPath(Self.workbook)))
        let delivery = try fixture.deliver(Self.table())
        #expect(delivery.unchanged == false && delivery.warnings.count == 1)
        #expect(try fixture.bytes(fixture.outboxPath(Self.workbook)) == Data("not a workbook".utf8))
    }

    @Test(arguments: ["deleted", "truncated", "garbage", "other version", "other identity", "other files"])
    func aMissingOrDamagedCheckpointDeliversAgainAndIsRewritten(_ damage: String) throws {
        let fixture = try Fixture()
        try fixture.deliver(Self.table())
        let files = try [Self.csv, Self.workbook].map { try fixture.bytes(fixture.outboxPath($0)) }
        let checkpoint = try fixture.bytes(fixture.checkpoint)
        let text = String(decoding: checkpoint, as: UTF8.self)
        let url = URL(fileURLWithPath: fixture.checkpoint)
        switch damage {
        case "deleted": try FileManager.default.removeItem(at: url)
        case "truncated": try checkpoint.prefix(checkpoint.count / 2).write(to: url)
        case "garbage": try Data((0..<200).map { UInt8(truncatingIfNeeded: $0 &* 37) }).write(to: url)
        case "other version":
            try Data(text.replacingOccurrences(of: #""version":1"#, with: #""version":2"#).utf8).write(to: url)
        case "other identity":
            let known = try #require(ReportCheckpoint.read(fixture.checkpoint))
            try Data(text.replacingOccurrences(of: known.identity, with: String(repeating: "0", count: 64)).utf8)
                .write(to: url)
        default:
            try Data(text.replacingOccurrences(of: "etat-factures.xlsx", with: "autre.xlsx").utf8).write(to: url)
        }
        if damage != "deleted" { #expect(try fixture.bytes(fixture.checkpoint) != checkpoint) }
        #expect(try fixture.deliver(Self.table()) == Outbox.ReportDelivery(warnings: [], unchanged: false))
        #expect(try [Self.csv, Self.workbook].map { try fixture.bytes(fixture.outboxPath($0)) } == files)
        #expect(try fixture.bytes(fixture.checkpoint) == checkpoint)
        #expect(try fixture.deliver(Self.table()).unchanged)
    }

    /// The identity tells apart every difference a rendering can show, and nothing else.
    @Test func theIdentityCoversWhatTheFilesShow() throws {
        func identity(_ table: ReportTable, csv: String = Self.csv, workbook: String? = Self.workbook) -> String {
            ReportCheckpoint.identity(of: table, csvPath: csv, workbookPath: workbook)
        }
        let base = Self.table()
        #expect(identity(base) == identity(Self.table()))
        var variants: [ReportTable] = [Self.table(rows: 4), Self.table(day: 6), Self.table(amountAsText: true)]
        var renamed = base
        renamed.sheetName = "Autre"
        var retitled = base
        retitled.columns[0].title = "No"
        var rekeyed = base
        rekeyed.columns[0].key = "no"
        var dollars = base
        dollars.columns[1].kind = .money(currency: "USD")
        var footer = Self.table(rows: 2)
        footer.appendFooter([
            .text("F2025-2"), .money(1_202), .date(CivilDate(year: 2025, month: 8, day: 3)!), .integer(2),
        ])
        variants += [renamed, retitled, rekeyed, dollars, footer]
        // Cells that would run into each other without their lengths.
        var split = ReportTable(sheetName: "S", columns: [.init("a", "A"), .init("b", "B")], asOf: base.asOf)
        split.append([.text("ab"), .text("c")])
        var joined = ReportTable(sheetName: "S", columns: [.init("a", "A"), .init("b", "B")], asOf: base.asOf)
        joined.append([.text("a"), .text("bc")])
        var empty = ReportTable(sheetName: "S", columns: [.init("a", "A"), .init("b", "B")], asOf: base.asOf)
        empty.append([.text("a"), .empty])
        variants += [split, joined, empty]
        let identities =
            [identity(base)] + variants.map { identity($0) }
            + [identity(base, workbook: nil), identity(base, csv: "autre.csv", workbook: "autre.xlsx")]
        #expect(Set(identities).count == identities.count)
        // More rows than one hashed slice (64 KiB) still hash the same way each time.
        #expect(identity(Self.table(rows: 5_000)) == identity(Self.table(rows: 5_000)))
        #expect(identity(Self.table(rows: 5_000)) != identity(Self.table(rows: 5_001)))
    }
}
