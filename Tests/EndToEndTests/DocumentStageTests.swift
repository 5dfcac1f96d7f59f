import Foundation
import TestSupport
import Testing

/// The documents stage of `facturation run`: every issued document gets its Factur-X PDF, made
/// once from the archive, archived beside its XML and delivered to `outbox/invoices/`.
@Suite("Documents stage, end to end")
struct DocumentStageTests {
    static func demo(through days: [String]) throws -> TestWorkspace {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.dropDemoFiles()
        for day in days {
            let result = try workspace.run(["run", "--settle", "0", "--date", day])
            #expect(result.status == 0 || result.status == 2, "\(day): \(result.stderr)")
        }
        return workspace
    }

    @Test func everyIssuedDocumentGetsItsPDFOnceArchivedAndDelivered() throws {
        let workspace = try Self.demo(through: ["2025-07-01", "2025-08-01"])
        let numbers = try workspace.issuedRecords(pipeline: "demo-conseil").keys.sorted()
        #expect(numbers.count >= 15, "\(numbers)")
        for number in numbers {
            let archived = "archive/invoicing/demo-conseil/documents/2025/\(number).pdf"
            #expect(workspace.exists(archived), "\(archived)")
            #expect(try workspace.data("outbox/invoices/\(number).pdf") == (try workspace.data(archived)), "\(number)")
        }
        let check = try runTool(
            Repository.root.appendingPathComponent(".venv-fx/bin/python").path,
            [Repository.root.appendingPathComponent("scripts/facturx_pdf_check.py").path]
                + numbers.prefix(3).map { workspace.path + "/outbox/invoices/\($0).pdf" })
        #expect(check.status == 0, "\(check.output)")

        // A PDF someone took from the outbox is not delivered again; nothing is made twice.
        try FileManager.default.removeItem(
            at: workspace.root.appendingPathComponent("outbox/invoices/\(numbers[0]).pdf"))
        let again = try workspace.run(["run", "--settle", "0", "--date", "2025-08-02", "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        let documents = try Self.documentsReport(again.stdout)
        #expect(documents["rendered"] as? [String] == [], "\(documents)")
        #expect(documents["delivered"] as? [String] == [], "\(documents)")
        #expect(!workspace.exists("outbox/invoices/\(numbers[0]).pdf"))
    }

    /// A year whose folder has not moved is not listed (``ArchivedDocumentsCache``); a PDF deleted
    /// from it moves the folder, and is made again with the same bytes.
    @Test func aPDFDeletedFromAYearKnownCompleteIsMadeAgain() throws {
        let workspace = try Self.demo(through: ["2025-07-01", "2025-08-01"])
        try QuietRunTests.age(workspace)
        // Their change times are now: once those are 2 s old, the folders can be trusted.
        Thread.sleep(forTimeInterval: 2.1)
        let first = try workspace.run(["run", "--settle", "0", "--date", "2025-08-02", "--json"])
        #expect(first.status == 0, "\(first.stderr)")
        let cache = try workspace.text("archive/checkpoints/demo-conseil/archived-documents.json")
        #expect(cache.contains("\"2025\""), "the year is known complete: \(cache)")
        let number = try #require(try workspace.issuedRecords(pipeline: "demo-conseil").keys.sorted().first)
        let archived = "archive/invoicing/demo-conseil/documents/2025/\(number).pdf"
        let bytes = try workspace.data(archived)
        try FileManager.default.removeItem(at: workspace.root.appendingPathComponent(archived))

        let again = try workspace.run(["run", "--settle", "0", "--date", "2025-08-02", "--json"])
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try Self.documentsReport(again.stdout)["rendered"] as? [String] == [number])
        #expect(try workspace.data(archived) == bytes)
    }

    @Test func aDocumentWhosePDFCannotBeMadeIsReportedAndTheOthersGoOn() throws {
        let workspace = try Self.demo(through: ["2025-07-01"])
        // August's time invoices will lose their archived annexes before the run that renders them.
        let annexesBefore = Set(workspace.files(under: "archive/invoicing/demo-conseil/annexes"))
        let result = try workspace.runPaused(["run", "--settle", "0", "--date", "2025-08-01"], at: "before-documents") {
            for annex in Set(workspace.files(under: "archive/invoicing/demo-conseil/annexes")).subtracting(
                annexesBefore)
            {
                try FileManager.default.moveItem(
                    at: workspace.root.appendingPathComponent(annex),
                    to: workspace.root.appendingPathComponent("kept-" + (annex as NSString).lastPathComponent))
            }
        }
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("ERROR      no PDF for F2025080"), "\(result.stdout)")
        #expect(result.stdout.contains("is missing"), "\(result.stdout)")
        // The recurring invoices of August got theirs.
        let august = try workspace.issuedRecords(pipeline: "demo-conseil").filter { $0.key.hasPrefix("F202508") }
        let recurring = august.filter { $0.value.contains(#""type":"recurring""#) }.keys
        #expect(!recurring.isEmpty)
        for number in recurring { #expect(workspace.exists("outbox/invoices/\(number).pdf"), "\(number)") }

        // The annexes back: the next run makes the missing PDFs.
        for kept in workspace.files(under: "").filter({ $0.hasPrefix("kept-") }) {
            try FileManager.default.moveItem(
                at: workspace.root.appendingPathComponent(kept),
                to: workspace.root.appendingPathComponent(
                    "archive/invoicing/demo-conseil/annexes/" + kept.dropFirst("kept-".count)))
        }
        let next = try workspace.run(["run", "--settle", "0", "--date", "2025-08-01"])
        #expect(next.status == 0, "\(next.stdout)\n\(next.stderr)")
        for number in august.keys { #expect(workspace.exists("outbox/invoices/\(number).pdf"), "\(number)") }
    }

    @Test func somethingInTheWayInTheOutboxIsNamedAndStopsNothing() throws {
        let workspace = try Self.demo(through: ["2025-07-01"])
        // A folder where August's first PDF will be delivered.
        try FileManager.default.createDirectory(
            at: workspace.root.appendingPathComponent("outbox/invoices/F20250801.pdf/x"),
            withIntermediateDirectories: true)
        let august = try workspace.run(["run", "--settle", "0", "--date", "2025-08-01"])
        #expect(august.status == 0, "\(august.stdout)\n\(august.stderr)")
        #expect(august.stdout.contains("differs from the archived PDF of F20250801"), "\(august.stdout)")
        #expect(workspace.exists("archive/invoicing/demo-conseil/documents/2025/F20250801.pdf"))
        #expect(workspace.exists("outbox/invoices/F20250802.pdf"), "the others are delivered")
    }

    /// The `documents` part of a `--json` run summary (its only pipeline).
    static func documentsReport(_ json: String) throws -> [String: Any] {
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any])
        let documents = try #require(summary["documents"] as? [[String: Any]])
        return try #require(documents.first)
    }
}
