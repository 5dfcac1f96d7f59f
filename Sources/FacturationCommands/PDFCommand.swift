import ArgumentParser
import FacturationCore

/// `facturation pdf F20250801`: the Factur-X PDF/A-3 of issued documents, into outbox/invoices/.
struct PDFCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pdf",
        abstract: "Write the Factur-X PDF of issued invoices or credit notes into outbox/invoices/<number>.pdf.",
        discussion: "The PDF is made from the archived record, its archived XML (embedded as issued) and, for a "
            + "time-based invoice, its archived annex. Until the run delivers PDFs itself, this is how to get them.")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Document numbers.", valueName: "number"))
    var numbers: [String]

    func run() throws {
        let workspace = global.resolvedWorkspace
        let pipelines = try global.loadPipelines(workspace)
        try global.withWorkspaceLock(workspace) {
            var missing = Set(numbers)
            for layout in workspace.layouts(for: pipelines) where layout.pipeline.invoicing != nil {
                let wanted = Set(numbers)
                for document in try InvoiceStore(layout: layout).issued() where wanted.contains(document.number) {
                    let delivered = try Self.deliver(document, layout: layout)
                    StandardStreams.out("\(document.number): \(delivered)\n")
                    missing.remove(document.number)
                }
            }
            guard missing.isEmpty else {
                StandardStreams.err("error: no issued document " + missing.sorted().joined(separator: ", ") + "\n")
                throw ExitCode(ExitStatus.usage)
            }
        }
    }

    /// Renders into the pipeline's temporary folder, then delivers (the outbox's current version).
    static func deliver(_ document: InvoiceDocument, layout: ArchiveLayout) throws -> String {
        try Storage.makeDirectory(layout.temporary)
        let scratch = Path.join(layout.temporary, "pdf-" + document.number + ".pdf")
        try IssuedDocumentPDF(layout: layout).write(document, to: scratch)
        let relative = layout.documentPDFOutbox(number: document.number)
        _ = try Outbox(layout: layout).deliverCurrentVersion(of: scratch, to: relative)
        try Storage.removeFile(scratch)
        return layout.shown(relative)
    }
}
