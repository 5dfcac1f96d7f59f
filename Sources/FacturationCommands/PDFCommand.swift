import ArgumentParser
import FacturationCore

/// `facturation pdf F20250801`: the Factur-X PDF/A-3 of issued documents, into outbox/invoices/.
struct PDFCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "pdf",
        abstract: "Write the Factur-X PDF of issued invoices or credit notes into outbox/invoices/<number>.pdf.",
        discussion: "Each run archives and delivers the PDF of every issued document; this command delivers the "
            + "archived PDF again (made first if it is missing: from the archived record, its archived XML, embedded "
            + "as issued, and for a time-based invoice its archived annex).")

    @OptionGroup var global: GlobalOptions

    @Argument(help: ArgumentHelp("Document numbers.", valueName: "number"))
    var numbers: [String]

    func run() throws {
        try IssuedDocuments.each(numbers, global: global) { document, layout in
            "\(document.number): \(try Self.deliver(document, layout: layout))"
        }
    }

    /// Delivers the archived PDF (the outbox's current version), archiving it first if needed.
    static func deliver(_ document: InvoiceDocument, layout: ArchiveLayout) throws -> String {
        let archived = try DocumentPass.archivedPDF(of: document, layout: layout)
        let relative = layout.documentPDFOutbox(number: document.number)
        _ = try Outbox(layout: layout).deliverCurrentVersion(of: archived, to: relative)
        return layout.shown(relative)
    }
}

/// The commands that act on issued documents by number (`pdf`, `resend`).
enum IssuedDocuments {
    /// Under the workspace lock, calls `body` for each issued document among `numbers` and prints
    /// what it returns; exits 64 naming the numbers that were never issued.
    static func each(
        _ numbers: [String], global: GlobalOptions, _ body: (InvoiceDocument, ArchiveLayout) throws -> String
    ) throws {
        let workspace = global.resolvedWorkspace
        let pipelines = try global.loadPipelines(workspace)
        try global.withWorkspaceLock(workspace) {
            var missing = Set(numbers)
            for layout in workspace.layouts(for: pipelines) where layout.pipeline.invoicing != nil {
                for document in try InvoiceStore(layout: layout).issued() where missing.contains(document.number) {
                    StandardStreams.out(try body(document, layout) + "\n")
                    missing.remove(document.number)
                }
            }
            guard missing.isEmpty else {
                StandardStreams.err("error: no issued document " + missing.sorted().joined(separator: ", ") + "\n")
                throw ExitCode(ExitStatus.usage)
            }
        }
    }
}
