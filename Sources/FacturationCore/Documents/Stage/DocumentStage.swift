/// The documents stage: the Factur-X PDF of every issued document, archived beside its XML and
/// delivered to `outbox/invoices/`, for each pipeline with an `[invoicing]` section.
package struct DocumentStage: PipelineStage {
    package var name: StageName { .documents }
    package var schedule: Schedule { .everyRun }

    package init() {}

    package func applies(to pipeline: PipelineConfig) -> Bool { pipeline.invoicing != nil }

    package func run(_ run: PipelineRun, summary: inout RunSummary) throws {
        let report = try DocumentPass(layout: run.layout, documents: try run.snapshot().issued).run()
        summary.documents = (summary.documents ?? []) + [report]
    }
}

/// What the documents stage did for one pipeline in one run (part of the run summary).
package struct DocumentReport: Sendable, Codable {
    package var pipeline: String
    /// Numbers whose PDF was made and archived in this run.
    package var rendered: [String] = []
    /// Files delivered to the outbox (relative to the workspace).
    package var delivered: [String] = []
    /// Things a person should look at; nothing was lost.
    package var warnings: [String] = []
    /// Documents whose PDF could not be made (what to fix); tried again on the next run.
    package var errors: [String] = []

    package init(pipeline: String) { self.pipeline = pipeline }
}

/// One pipeline's documents in one run.
///
/// The archived PDF (`archive/invoicing/<pipeline>/documents/<YYYY>/<number>.pdf`) is made once,
/// from the archive alone (``IssuedDocumentPDF``), after the document's record is committed; it is
/// never replaced. Delivery follows from the archive: a document whose PDF is archived and whose
/// number is not in the delivered list gets a copy in the outbox. A run killed anywhere leaves a
/// PDF either not archived (made again, with the same bytes) or archived and not yet delivered
/// (delivered by the next run).
package struct DocumentPass {
    /// PDFs made, fsynced and published together (one sync round each).
    static let batchSize = 64

    let layout: ArchiveLayout
    /// The pipeline's issued documents, in issue order.
    let documents: [InvoiceDocument]

    func run() throws -> DocumentReport {
        TestPause.point("before-documents")
        var report = DocumentReport(pipeline: layout.pipeline.id)
        let years = Dictionary(grouping: documents, by: \.issueDate.year).mapValues { $0.map(\.number) }
        var cache = ArchivedDocumentsCache.load(layout)
        var (archived, folders) = try archivedNumbers(years, cache: cache)
        let missing = documents.filter { !archived.contains($0.number) }
        for start in stride(from: 0, to: missing.count, by: Self.batchSize) {
            let batch = missing[start..<min(start + Self.batchSize, missing.count)]
            let made = try archive(batch, report: &report)
            archived.formUnion(made)
            report.rendered += made
        }
        try remember(years, archived: archived, folders: folders, in: &cache)
        var list = try DeliveredList(layout: layout, path: layout.deliveredPDFs)
        let undelivered = documents.filter { archived.contains($0.number) && !list.contains($0.number) }
        for start in stride(from: 0, to: undelivered.count, by: Self.batchSize) {
            let batch = undelivered[start..<min(start + Self.batchSize, undelivered.count)]
            report.delivered += try deliver(batch, report: &report)
            try list.record(batch.map(\.number))
        }
        return report
    }

    /// The numbers of the documents whose PDF is archived, and each year's folder as it was before
    /// it was listed. A year the cache knows complete, its folder unchanged, is not listed.
    private func archivedNumbers(
        _ years: [Int: [String]], cache: ArchivedDocumentsCache
    ) throws
        -> (Set<String>, [Int: ArchivedDocumentsCache.Year])
    {
        var numbers = Set<String>()
        var folders: [Int: ArchivedDocumentsCache.Year] = [:]
        for (year, documents) in years {
            let folder = layout.documents(issuedIn: year)
            // Taken before the listing: a PDF removed meanwhile moves the folder after it.
            let before = ArchivedDocumentsCache.identity(of: folder, numbers: ArchivedDocumentsCache.digest(documents))
            folders[year] = before
            if cache.allArchived(year: year, now: before) {
                numbers.formUnion(documents)
                continue
            }
            // A set: the order of the listing does not matter (no sort of every year's names).
            for name in try Storage.unorderedNamesIfPresent(folder) where name.hasSuffix(".pdf") {
                numbers.insert(String(name.dropLast(4)))
            }
        }
        return (numbers, folders)
    }

    /// Records in the cache the years whose documents are all archived in a folder that did not
    /// move during the pass (a year that got PDFs in this run is listed once more next time).
    private func remember(
        _ years: [Int: [String]], archived: Set<String>, folders: [Int: ArchivedDocumentsCache.Year],
        in cache: inout ArchivedDocumentsCache
    ) throws {
        let known = cache
        let now = Clock.system.now()
        for (year, documents) in years {
            let after = ArchivedDocumentsCache.identity(
                of: layout.documents(issuedIn: year), numbers: folders[year]?.numbers ?? "")
            cache.update(
                year: year, allArchived: documents.allSatisfy(archived.contains), before: folders[year], after: after,
                now: now)
        }
        // Years no longer issued in (none in practice) are dropped with the rest.
        cache.years = cache.years.filter { years[Int($0.key) ?? -1] != nil }
        if cache != known { try cache.save(layout) }
    }

    /// Makes the PDFs of `batch` and archives them together; returns the numbers archived. A
    /// document whose PDF cannot be made is reported and left for the next run.
    ///
    /// Performance: the documents of a batch are drawn on every core at once (``Parallel/map``):
    /// drawing is text shaping (harfbuzz and pango, about 1 ms per annex row), each document has its
    /// own canvas and scratch file, and pango's default font map is per thread, so the threads
    /// share nothing; the bytes are those of a one-thread run (DemoReplayTests, the kill-and-restart
    /// test). The bench's invoice scenario reports the documents stage's seconds.
    private func archive(_ batch: ArraySlice<InvoiceDocument>, report: inout DocumentReport) throws -> [String] {
        let documents = Array(batch)
        let rendered = Parallel.map(documents.count) { index in
            Result { try Self.render(documents[index], layout: layout) }
        }
        let files = FileBatch(temporaryDirectory: layout.temporary)
        var made: [String] = []
        for (document, result) in zip(documents, rendered) {
            switch result {
            case .success(let bytes):
                // A failure to write stops the batch (nothing half-written is ever published).
                let path = layout.documentPDF(number: document.number, issuedIn: document.issueDate.year)
                try files.add(bytes, to: path, collision: .fail)
                made.append(document.number)
            case .failure(let error):
                // Whatever one document's drawing meets (a damaged annex, an unreadable file), the others go on.
                let message = (error as? FacturationError)?.message ?? "\(error)"
                report.errors.append("no PDF for \(document.number): \(message)")
            }
        }
        try files.commit()
        return made
    }

    /// Copies the archived PDFs of `batch` into the outbox; returns the files delivered.
    private func deliver(_ batch: ArraySlice<InvoiceDocument>, report: inout DocumentReport) throws -> [String] {
        let outbox = Outbox(layout: layout)
        let files = FileBatch(temporaryDirectory: layout.temporary)
        var shown: [String] = []
        for document in batch {
            let relative = layout.documentPDFOutbox(number: document.number)
            let archived = layout.documentPDF(number: document.number, issuedIn: document.issueDate.year)
            let bytes = try Storage.read(archived, limit: 1 << 30)
            let target = layout.inOutbox(relative)
            if Storage.exists(target) {
                // Someone's file (or a PDF made by the `pdf` command of an older version) is never replaced.
                if (try? Storage.read(target, limit: 1 << 30)) != bytes {
                    report.warnings.append(
                        "\(layout.shown(relative)) differs from the archived PDF of \(document.number) and was left "
                            + "as it is; the PDF as issued is \(Path.relative(archived, to: layout.workspace.root))")
                }
                continue
            }
            try outbox.deliverNew(bytes, to: relative, in: files)
            shown.append(layout.shown(relative))
        }
        try files.commit()
        return shown
    }

    /// The PDF of `document`, made in the temporary folder from the archive.
    static func render(_ document: InvoiceDocument, layout: ArchiveLayout) throws -> [UInt8] {
        try Storage.makeDirectory(layout.temporary)
        let scratch = Path.join(layout.temporary, "pdf-" + document.number + ".pdf")
        defer { try? Storage.removeFile(scratch) }
        try IssuedDocumentPDF(layout: layout).write(document, to: scratch)
        return try Storage.read(scratch, limit: 1 << 30)
    }

    /// The archived PDF of `document`, made and archived first if it is not there yet (the `pdf`
    /// command); returns its path.
    package static func archivedPDF(of document: InvoiceDocument, layout: ArchiveLayout) throws -> String {
        let path = layout.documentPDF(number: document.number, issuedIn: document.issueDate.year)
        if !Storage.exists(path) {
            let bytes = try render(document, layout: layout)
            try Storage.makeDirectory(Path.parent(of: path))
            try Storage.publishIdempotently(bytes, to: path, temporaryDirectory: layout.temporary, syncFolder: true)
        }
        return path
    }
}
