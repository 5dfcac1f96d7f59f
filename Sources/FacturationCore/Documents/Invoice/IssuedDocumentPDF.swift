/// The Factur-X PDF of an issued document, made from what the archive holds and nothing else:
/// its record, its archived CII XML (embedded as issued, never regenerated) and, for a
/// time-based invoice, its archived annex CSV; the company's logo from the pipeline file.
package struct IssuedDocumentPDF {
    package let layout: ArchiveLayout

    package init(layout: ArchiveLayout) { self.layout = layout }

    /// Writes the PDF of `document` to `path` (a temporary file: the caller moves it into place).
    package func write(_ document: InvoiceDocument, to path: String) throws {
        let xmlPath = layout.documentXML(number: document.number, issuedIn: document.issueDate.year)
        guard Storage.exists(xmlPath) else {
            throw FacturationError(
                .workspace,
                "the archived XML of \(document.number) is missing (\(xmlPath)): restore the archive from a backup")
        }
        let xml = try Storage.read(xmlPath, limit: 64 << 20)
        try InvoicePDF.writeFacturX(
            document, annex: try annex(of: document), logo: layout.pipeline.company.logo, xml: xml, to: path)
    }

    /// The time entries billed by a time-based invoice, from its archived annex CSV (none otherwise).
    func annex(of document: InvoiceDocument) throws -> [InvoiceDraft.AnnexEntry] {
        guard document.origin.type == .time else { return [] }
        var entries: [InvoiceDraft.AnnexEntry] = []
        let path = layout.annex(draftID: document.origin.draftID)
        // A time-based invoice without its time entries would be incomplete: never made silently.
        guard Storage.exists(path) else {
            throw FacturationError(
                .workspace,
                "the archived annex of \(document.number) is missing (\(path)): restore the archive from a backup")
        }
        try LedgerFile.forEachRow(path: path, header: AnnexWriter.header) { fields in
            func text(_ index: Int) -> String { String(decoding: fields[index], as: UTF8.self) }
            entries.append(
                InvoiceDraft.AnnexEntry(
                    recordKey: text(8), date: text(1), user: text(2), project: text(3), task: text(4),
                    description: text(5), durationSeconds: Int64(text(7)) ?? 0, line: Int(text(0)) ?? 0))
        }
        return entries
    }
}
