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
        var cache = ArchivedDocumentsCache.load(layout)
        var archived = try archivedNumbers(Self.years(of: documents), cache: cache)
        let missing = documents.filter { !archived.contains($0) }
        for start in stride(from: 0, to: missing.count, by: Self.batchSize) {
            let batch = missing[start..<min(start + Self.batchSize, missing.count)]
            let made = try archive(batch, report: &report)
            archived.listed.formUnion(made)
            report.rendered += made
        }
        try remember(archived, in: &cache)
        var list = try DeliveredList(layout: layout, path: layout.deliveredPDFs)
        let undelivered = documents.filter { archived.contains($0) && !list.contains($0.number) }
        for start in stride(from: 0, to: undelivered.count, by: Self.batchSize) {
            let batch = undelivered[start..<min(start + Self.batchSize, undelivered.count)]
            report.delivered += try deliver(batch, report: &report)
            try list.record(batch.map(\.number))
        }
        return report
    }

    /// Which documents have their PDF archived: every document of a year the cache knows complete
    /// (its folder unchanged, not listed), and the numbers listed in the other years' folders.
    ///
    /// Why (issue #9): the numbers of every year were put in one set per pass (24,000 hash
    /// insertions at 10 years, with a copy of every document grouped by year) to find the few
    /// documents of the open year without a PDF; a year known complete is now one comparison.
    struct Archived {
        /// Per year: the positions of its documents in `documents` and its folder before the listing.
        var years: [Int: (documents: [Int], folder: ArchivedDocumentsCache.Year?)]
        /// The years the cache knows complete.
        var complete: Set<Int>
        /// The PDFs found in the other years' folders, and those made in this pass.
        var listed: Set<String>

        func contains(_ document: InvoiceDocument) -> Bool {
            complete.contains(document.issueDate.year) || listed.contains(document.number)
        }
    }

    /// The positions of each year's documents.
    static func years(of documents: [InvoiceDocument]) -> [Int: [Int]] {
        var years: [Int: [Int]] = [:]
        for index in documents.indices { years[documents[index].issueDate.year, default: []].append(index) }
        return years
    }

    /// The digest the cache keys a year's documents by: SHA-256 of their numbers in issue order,
    /// separated by line feeds (fed one by one, not joined into one string).
    func digest(_ positions: [Int]) -> String {
        let hasher = SHA256Hasher()
        for (offset, index) in positions.enumerated() {
            var number = documents[index].number
            if offset > 0 { hasher.update([0x0A]) }
            number.withUTF8 { hasher.update(UnsafeRawBufferPointer($0)) }
        }
        return hasher.finishHex()
    }

    /// The archived PDFs, and each year's folder as it was before it was listed. A year the cache
    /// knows complete, its folder unchanged, is not listed.
    private func archivedNumbers(_ years: [Int: [Int]], cache: ArchivedDocumentsCache) throws -> Archived {
        var archived = Archived(years: [:], complete: [], listed: [])
        for (year, positions) in years {
            let folder = layout.documents(issuedIn: year)
            // Taken before the listing: a PDF removed meanwhile moves the folder after it.
            let before = ArchivedDocumentsCache.identity(of: folder, numbers: digest(positions))
            archived.years[year] = (positions, before)
            if cache.allArchived(year: year, now: before) {
                archived.complete.insert(year)
                continue
            }
            // A set: the order of the listing does not matter (no sort of every year's names).
            for name in try Storage.unorderedNamesIfPresent(folder) where name.hasSuffix(".pdf") {
                archived.listed.insert(String(name.dropLast(4)))
            }
        }
        return archived
    }

    /// Records in the cache the years whose documents are all archived in a folder that did not
    /// move during the pass (a year that got PDFs in this run is listed once more next time).
    private func remember(_ archived: Archived, in cache: inout ArchivedDocumentsCache) throws {
        let known = cache
        let now = Clock.system.now()
        for (year, (positions, folder)) in archived.years {
            let after = ArchivedDocumentsCache.identity(
                of: layout.documents(issuedIn: year), numbers: folder?.numbers ?? "")
            let all =
                archived.complete.contains(year)
                || positions.allSatisfy { archived.listed.contains(documents[$0].number) }
            cache.update(year: year, allArchived: all, before: folder, after: after, now: now)
        }
        // Years no longer issued in (none in practice) are dropped with the rest.
        cache.years = cache.years.filter { archived.years[Int($0.key) ?? -1] != nil }
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
