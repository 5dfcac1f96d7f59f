import Foundation
import TestSupport
import Testing

/// `facturation pdf`: the Factur-X PDF of issued documents, from the archive, through the real binary.
@Suite("PDF command, end to end")
struct PDFCommandTests {
    @Test func theDemoInvoicesBecomeValidFacturXPDFsWithTheirAnnex() throws {
        // The demo pipeline with a logo next to it (a 1×1 PNG).
        let text = try Repository.demoPipeline().replacingOccurrences(
            of: "[company]\n", with: "[company]\nlogo = \"logo.png\"\n")
        let workspace = try TestWorkspace(pipeline: text)
        try Data(
            base64Encoded:
                "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
        )!.write(to: workspace.root.appendingPathComponent("pipelines/logo.png"))
        try workspace.dropDemoFiles()
        for day in ["2025-07-01", "2025-08-01"] { _ = try workspace.run(["run", "--settle", "0", "--date", day]) }
        let records = try workspace.issuedRecords(pipeline: "demo-conseil")
        let time = try #require(records.first { $0.value.contains(#""type":"time""#) }?.key)
        let fee = try #require(records.first { $0.value.contains(#""type":"recurring""#) }?.key)
        // The run made, archived and delivered them; the command makes a lost one again, byte for byte.
        let pdfs = [time, fee].map { "outbox/invoices/\($0).pdf" }
        let archived = try #require(workspace.files(under: "archive").first { $0.hasSuffix("/\(time).pdf") })
        let asIssued = try workspace.data(archived)
        #expect(try workspace.data(pdfs[0]) == asIssued, "the outbox copy is the archived PDF")
        for path in [archived, pdfs[0], pdfs[1]] {
            try FileManager.default.removeItem(at: workspace.root.appendingPathComponent(path))
        }
        let result = try workspace.run(["pdf", time, fee])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        for pdf in pdfs { #expect(workspace.exists(pdf), "\(pdf)") }
        #expect(try workspace.data(archived) == asIssued, "made again from the archive: the same bytes")

        // As a receiver checks it: the embedded XML is the archived one, the structure is PDF/A-3b.
        let python = Repository.root.appendingPathComponent(".venv-fx/bin/python").path
        let check = try runTool(
            python,
            [Repository.root.appendingPathComponent("scripts/facturx_pdf_check.py").path]
                + pdfs.map { workspace.path + "/" + $0 })
        #expect(check.status == 0, "\(check.output)")
        for number in [time, fee] {
            let extracted = try workspace.data("outbox/invoices/\(number).pdf.xml")
            #expect(extracted == (try workspace.data("outbox/invoices/\(number).xml")), "\(number): XML as issued")
        }
        let pageText = try runTool("/usr/bin/pdftotext", ["-layout", workspace.path + "/" + pdfs[0], "-"])
        #expect(
            pageText.output.contains("Annexe – détail des temps de la facture \(time)"),
            "\(pageText.output.prefix(2000))")
        let images = try runTool("/usr/bin/pdfimages", ["-list", workspace.path + "/" + pdfs[1]])
        #expect(images.output.split(separator: "\n").count == 3, "the logo, once: \(images.output)")

        // A time invoice whose archived annex (and PDF) were lost: no PDF without its time entries, a reason instead.
        let annexes = try #require(workspace.files(under: "archive/invoicing/demo-conseil/annexes").first)
        let draftID = String((annexes as NSString).lastPathComponent.dropLast(".csv".count))
        let owner = try #require(records.first { $0.value.contains("\"draftID\":\"\(draftID)\"") }?.key)
        try FileManager.default.removeItem(at: workspace.root.appendingPathComponent(annexes))
        let ownerPDF = try #require(workspace.files(under: "archive").first { $0.hasSuffix("/\(owner).pdf") })
        try FileManager.default.removeItem(at: workspace.root.appendingPathComponent(ownerPDF))
        let lost = try workspace.run(["pdf", owner])
        #expect(lost.status != 0 && lost.stderr.contains("the archived annex of \(owner) is missing"), "\(lost.stderr)")
        #expect(!workspace.exists(ownerPDF))

        // An unknown number: a usage error naming it, nothing else written.
        let unknown = try workspace.run(["pdf", "F20990101"])
        #expect(unknown.status == 64 && unknown.stderr.contains("no issued document F20990101"), "\(unknown.stderr)")
    }
}
