import Foundation
import TestSupport
import Testing

@testable import FacturationCore

/// The readable invoice, checked with poppler's tools (Debian poppler-utils, installed by
/// scripts/setup-deps): the text a person reads, every font embedded, pages numbered.
@Suite("Invoice PDF")
struct InvoicePDFTests {
    static func tool(_ name: String, _ arguments: [String]) throws -> String {
        let result = try runTool("/usr/bin/\(name)", arguments)
        #expect(result.status == 0, "\(name) \(arguments): \(result.output)")
        return result.output
    }

    /// `FACTURATION_KEEP_PDF=<folder>` keeps every PDF the tests render there, to look at them.
    static let kept = ProcessInfo.processInfo.environment["FACTURATION_KEEP_PDF"]

    static func render(_ document: InvoiceDocument) throws -> (path: String, text: String) {
        let folder = kept.map { $0 + "/" } ?? NSTemporaryDirectory()
        let path = folder + "facturation-\(document.number)-\(UUID().uuidString.prefix(8)).pdf"
        try InvoicePDF.write(document, to: path)
        return (path, try tool("pdftotext", ["-layout", path, "-"]))
    }

    static func discard(_ path: String) {
        if kept == nil { try? FileManager.default.removeItem(atPath: path) }
    }

    @Test func anInvoiceShowsWhatTheLawAsksForOnOnePage() throws {
        let document = CIISample.standard.document
        let (path, text) = try Self.render(document)
        defer { Self.discard(path) }
        for expected in [
            "FACTURE", "N° F2025-0042", "Date : 31/08/2025", "Échéance : 31/10/2025", "Demo Conseil SAS",
            "SIREN 812345676", "Facturé à", "Total HT", "Total TTC", "Net à payer",
            "770,60 €", "IBAN", "F2025-0042 – page 1/1",
        ] {
            #expect(text.contains(expected), "missing \(expected) in:\n\(text)")
        }
        #expect(text.contains(document.legalNotes.recoveryIndemnity.prefix(40)))
        let fonts = try Self.tool("pdffonts", [path]).split(separator: "\n").dropFirst(2)
        #expect(!fonts.isEmpty)
        for font in fonts {
            // Columns: name type encoding emb sub uni object ID; "emb" must be yes.
            let columns = font.split(separator: " ", omittingEmptySubsequences: true)
            #expect(columns.contains("yes"), "a font is not embedded: \(font)")
        }
    }

    @Test func manyLinesFlowOntoNumberedPagesUnderRepeatedTitles() throws {
        var document = CIISample.standard.document
        let template = document.lines[0]
        document.lines = (1...120).map { number in
            var line = template
            line.number = number
            line.description =
                "Ligne \(number) : " + String(repeating: "développement et recette ", count: number % 7 + 1)
            return line
        }
        let (path, text) = try Self.render(document)
        defer { Self.discard(path) }
        let pages = text.split(separator: "\u{0C}", omittingEmptySubsequences: true)
        #expect(pages.count >= 3, "\(pages.count) pages")
        for (index, page) in pages.enumerated() {
            #expect(page.contains("page \(index + 1)/\(pages.count)"), "page \(index + 1)")
            #expect(page.contains("Désignation") && page.contains("Montant HT"), "titles on page \(index + 1)")
        }
        for number in [1, 60, 120] { #expect(text.contains("Ligne \(number) :"), "line \(number)") }
    }

    @Test func aCreditNoteHasNoDueDateNorPenalties() throws {
        let document = CIISample.creditNote.document
        let (path, text) = try Self.render(document)
        defer { Self.discard(path) }
        #expect(text.contains("AVOIR"))
        #expect(text.contains("Montant de l'avoir"))
        #expect(text.contains("Facture d'origine"))
        #expect(!text.contains("Échéance"))
        #expect(!text.contains(document.legalNotes.latePenalty.prefix(30)))
    }

    @Test func theSameDocumentGivesTheSameBytes() throws {
        let first = try Self.render(CIISample.standard.document).path
        let second = try Self.render(CIISample.standard.document).path
        defer { for path in [first, second] { Self.discard(path) } }
        #expect(FileManager.default.contents(atPath: first) == FileManager.default.contents(atPath: second))
    }

    /// The height cache of `PDFCanvas` (performance code): a cached height is always the height
    /// measured afresh, for repeated and new texts, across widths and styles, and after the cache
    /// was emptied for being full.
    @Test func aCachedCellHeightIsTheMeasuredHeight() throws {
        let path = NSTemporaryDirectory() + "facturation-heights-\(UUID().uuidString.prefix(8)).pdf"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let canvas = try PDFCanvas(
            path: path, metadata: .init(title: "t", author: "a", subject: "s", date: "2025-08-01T00:00:00Z"))
        let texts = [
            "01/08/2025", "Alice Martin", "Projet X – audit", String(repeating: "mot ", count: 80), "", "7,50",
        ]
        let styles = [TextStyle(size: 7), TextStyle(size: 8.5, bold: true)]
        for round in 0..<(PDFCanvas.heightCacheLimit / 12 + 10) {  // past the limit: the cache is emptied once
            for text in texts + ["texte \(round)", "ligne \(round)\nsuite"] {
                for style in styles {
                    for width in [40.0, 120.0, 400.0] {
                        #expect(
                            canvas.height(of: text, width: width, style: style)
                                == canvas.measuredHeight(of: text, width: width, style: style))
                    }
                }
            }
        }
        #expect(canvas.height(of: String(repeating: "mot ", count: 80), width: 40, style: styles[0]) > 50)
    }

    @Test func ratesAreWrittenTheFrenchWay() {
        #expect(InvoicePDF.rate(2000) == "20 %")
        #expect(InvoicePDF.rate(550) == "5,5 %")
        #expect(InvoicePDF.rate(210) == "2,1 %")
        #expect(InvoicePDF.rate(1) == "0,01 %")
    }
}

/// The Factur-X PDF/A-3: every sample document (invoice, credit note, reverse charge, franchise…)
/// packaged with its CII XML, then read back as a receiver would: `qpdf --check`, the factur-x
/// library (XML extracted, XSD), a pikepdf structural pre-flight (`scripts/facturx_pdf_check.py`),
/// the schematrons on the extracted XML, and every font embedded.
@Suite("Factur-X PDF/A-3")
struct FacturXPDFTests {
    static let python = (repositoryRoot as NSString).appendingPathComponent(".venv-fx/bin/python")
    static let checker = (repositoryRoot as NSString).appendingPathComponent("scripts/facturx_pdf_check.py")

    static func run(_ executable: String, _ arguments: [String]) throws -> (status: Int32, output: String) {
        try runTool(executable, arguments)
    }

    @Test func everySampleIsAValidFacturXPDF() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        var pdfs: [String] = []
        for sample in CIISample.allCases {
            let document = sample.document
            let path = folder.appendingPathComponent("\(sample).pdf").path
            let xml = try CIIWriter.xml(for: document)
            try InvoicePDF.writeFacturX(document, xml: xml, to: path)
            #expect(!FileManager.default.fileExists(atPath: path + ".visual"), "the drawn file is removed")
            let check = try Self.run("/usr/bin/qpdf", ["--check", path])
            #expect(check.status == 0, "\(check.output)")
            let fonts = try InvoicePDFTests.tool("pdffonts", [path]).split(separator: "\n").dropFirst(2)
            #expect(!fonts.isEmpty && fonts.allSatisfy { $0.split(separator: " ").contains("yes") }, "\(fonts)")
            pdfs.append(path)
        }
        let preflight = try Self.run(Self.python, [Self.checker] + pdfs)
        #expect(preflight.status == 0, "\(preflight.output)")
        for (sample, pdf) in zip(CIISample.allCases, pdfs) {
            let extracted = try Data(contentsOf: URL(fileURLWithPath: pdf + ".xml"))
            #expect(Array(extracted) == (try CIIWriter.xml(for: sample.document)), "\(sample): the XML as issued")
        }
        guard let catalog = locateSchemas(), let tools = ValidationTools(catalog) else { return }
        let schematrons = try tools.svrlCheck(pdfs.map { $0 + ".xml" })
        #expect(schematrons.status == 0, "\(schematrons.output)")
    }

    /// The checks can fail: a drawn PDF without the packaging is refused on every point that matters.
    @Test func aPlainDrawnPDFFailsThePreflight() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let path = folder.appendingPathComponent("plain.pdf").path
        try InvoicePDF.write(CIISample.standard.document, to: path)
        let preflight = try Self.run(Self.python, [Self.checker, path])
        #expect(preflight.status == 1)
        for problem in ["factur-x:", "no GTS_PDFA1 OutputIntent", "not 3B", "not in the catalog /AF"] {
            #expect(preflight.output.contains(problem), "\(preflight.output)")
        }
    }

    @Test func theSameRecordGivesTheSameFacturXBytes() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let document = CIISample.creditNote.document
        let xml = try CIIWriter.xml(for: document)
        let paths = ["a.pdf", "b.pdf"].map { folder.appendingPathComponent($0).path }
        for path in paths { try InvoicePDF.writeFacturX(document, xml: xml, to: path) }
        #expect(FileManager.default.contents(atPath: paths[0]) == FileManager.default.contents(atPath: paths[1]))
    }
}

@Suite("Invoice PDF, time annex")
struct InvoiceAnnexPDFTests {
    /// 300 time entries: the annex starts on a page of its own, flows under repeated titles, and
    /// ends with the count and the total of hours (as the CSV annex rounds them).
    @Test func theTimeAnnexFollowsOnItsOwnPages() throws {
        let document = CIISample.standard.document
        let annex = (1...300).map { index in
            InvoiceDraft.AnnexEntry(
                recordKey: "clockify:\(index)", date: "2025-08-\(CivilDate.pad(index % 28 + 1, 2))T09:00:00",
                user: "Camille Martin", project: "Refonte SI", task: index % 3 == 0 ? "" : "Recette",
                description: "Entrée \(index) " + String(repeating: "analyse ", count: index % 5),
                durationSeconds: Int64(900 * (index % 8 + 1)), line: 1)
        }
        let path = NSTemporaryDirectory() + "facturation-annex-\(UUID().uuidString).pdf"
        defer { InvoicePDFTests.discard(path) }
        try InvoicePDF.write(document, annex: annex, to: path)
        let text = try InvoicePDFTests.tool("pdftotext", ["-layout", path, "-"])
        let pages = text.split(separator: "\u{0C}", omittingEmptySubsequences: true)
        #expect(pages.count >= 4, "\(pages.count) pages")
        #expect(!pages[0].contains("Annexe"), "the annex starts on a page of its own")
        #expect(pages[1].contains("Annexe – détail des temps de la facture F2025-0042"))
        for (index, page) in pages.enumerated().dropFirst(2) {
            #expect(page.contains("annexe (suite)") && page.contains("Intervenant"), "page \(index + 1)")
            #expect(page.contains("page \(index + 1)/\(pages.count)"))
        }
        for index in [1, 150, 300] { #expect(text.contains("Entrée \(index) "), "entry \(index)") }
        #expect(text.contains("02/08/2025"), "a date is never cut")
        let seconds = annex.reduce(Int64(0)) { $0 + $1.durationSeconds }
        #expect(text.contains("300 entrées, \(InvoiceAnnexTable.hours(seconds)) heures"))
        #expect(InvoiceAnnexTable.hours(5_400) == "1,50")
        #expect(InvoiceAnnexTable.hours(61) == "0,02")
    }
}

@Suite("Invoice PDF, company logo")
struct CompanyLogoTests {
    /// A 1×1 RGBA PNG.
    static let png = Data(
        base64Encoded:
            "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg==")!

    static func pipeline(logo: String, in folder: URL) throws -> Result<PipelineConfig, ConfigErrors> {
        let text = """
            [company]
            name = "Test Conseil SAS"
            siren = "812345676"
            time_zone = "Europe/Paris"
            logo = "\(logo)"

            [company.address]
            lines = ["12 rue de la République"]
            postcode = "13001"
            city = "Marseille"
            """
        let path = folder.appendingPathComponent("test.toml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        do { return .success(try PipelineLoader.load(path: path, shownAs: "pipelines/test.toml")) } catch {
            return .failure(error)
        }
    }

    @Test func theLogoIsAPNGNextToThePipelineFileCheckedWhenLoaded() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        try Self.png.write(to: folder.appendingPathComponent("logo.png"))
        try Data("GIF89a".utf8).write(to: folder.appendingPathComponent("logo.gif"))
        let loaded = try Self.pipeline(logo: "logo.png", in: folder).get()
        #expect(loaded.company.logo == folder.appendingPathComponent("logo.png").path)
        // A PNG header declaring 30,000 × 30,000 pixels (a decompression bomb) is refused at load.
        var bomb = Self.png
        bomb.replaceSubrange(16..<24, with: [0x00, 0x00, 0x75, 0x30, 0x00, 0x00, 0x75, 0x30])
        try bomb.write(to: folder.appendingPathComponent("huge.png"))
        for (name, message) in [
            ("missing.png", "cannot be read"), ("logo.gif", "is not a PNG file"),
            ("huge.png", "30000 × 30000 pixels: save it at most 4000 × 4000"),
        ] {
            guard case .failure(let errors) = try Self.pipeline(logo: name, in: folder) else {
                Issue.record("\(name) was accepted")
                continue
            }
            #expect(errors.errors.count == 1 && errors.errors[0].line == 5, "\(errors)")
            #expect(errors.errors[0].message.contains("company.logo: ") && errors.errors[0].message.contains(message))
        }
    }

    /// A file with the PNG signature but damaged content: the PDF is not written, with a reason.
    @Test func aDamagedLogoStopsThePDFWithAReason() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let logo = folder.appendingPathComponent("broken.png").path
        try Data(Self.png.prefix(20) + Data(repeating: 0x41, count: 40)).write(to: URL(fileURLWithPath: logo))
        let path = folder.appendingPathComponent("broken.pdf").path
        #expect {
            try InvoicePDF.write(CIISample.standard.document, logo: logo, to: path)
        } throws: { error in
            "\(error)".contains("cannot be read as PNG")
        }
        #expect(!FileManager.default.fileExists(atPath: path))
    }

    @Test func theLogoIsDrawnAndTheFacturXPDFStaysValid() throws {
        let folder = try temporaryFolder()
        defer { try? FileManager.default.removeItem(at: folder) }
        let logo = folder.appendingPathComponent("logo.png").path
        try Self.png.write(to: URL(fileURLWithPath: logo))
        let document = CIISample.standard.document
        let path = folder.appendingPathComponent("with-logo.pdf").path
        try InvoicePDF.writeFacturX(document, logo: logo, xml: try CIIWriter.xml(for: document), to: path)
        let images = try InvoicePDFTests.tool("pdfimages", ["-list", path]).split(separator: "\n").dropFirst(2)
        #expect(images.contains { $0.contains("image") }, "\(images)")
        let preflight = try FacturXPDFTests.run(FacturXPDFTests.python, [FacturXPDFTests.checker, path])
        #expect(preflight.status == 0, "\(preflight.output)")
        let plain = folder.appendingPathComponent("plain.pdf").path
        try InvoicePDF.write(document, to: plain)
        #expect(try InvoicePDFTests.tool("pdfimages", ["-list", plain]).split(separator: "\n").count <= 2)
    }
}

@Suite("Invoice PDF, hostile text")
struct InvoicePDFHostileTextTests {
    /// A time entry's description has no length bound at import: one longer than a page is
    /// continued on the next pages, never cut at the bottom of one.
    @Test func aCellTallerThanAPageContinuesOnTheNextPage() throws {
        let long = "DÉBUT " + (1...3_000).map { "mot\($0)" }.joined(separator: " ") + " FINDUTEXTE"
        let annex = [
            InvoiceDraft.AnnexEntry(
                recordKey: "k1", date: "2025-08-01", user: "Camille", project: "P", task: "", description: long,
                durationSeconds: 3_600, line: 1),
            InvoiceDraft.AnnexEntry(
                recordKey: "k2", date: "2025-08-02", user: "Camille", project: "P", task: "", description: "après",
                durationSeconds: 1_800, line: 1),
        ]
        let path = NSTemporaryDirectory() + "facturation-hostile-\(UUID().uuidString).pdf"
        defer { InvoicePDFTests.discard(path) }
        try InvoicePDF.write(CIISample.standard.document, annex: annex, to: path)
        let text = try InvoicePDFTests.tool("pdftotext", ["-raw", path, "-"])
        for word in ["DÉBUT", "mot1500", "mot2999", "mot3000", "FINDUTEXTE", "après", "2 entrées"] {
            #expect(text.contains(word), "\(word) is missing: cut off the page?")
        }
    }
}
