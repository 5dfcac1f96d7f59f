/// Issues the batches of a run, in order, on background threads while the invoicing pass
/// prepares the next batch (the waits for the disk overlap with building and validating XML).
///
/// For each batch, on one thread: the Factur-X XML and the annexes are archived (rewritten
/// identically if the run is interrupted before the record), the batch's record file is written
/// (the commit point) and the issued drafts are cleaned up. A second thread then delivers the
/// batch to the outbox. A batch that fails stops the committer: later batches, whose numbers
/// follow it, are never recorded.
///
/// The committer owns what it needs (the layout, the delivery state): the worker threads never
/// call back into the invoicing pass. What they produce lives in ``Progress``, written only by
/// them and read by the pass only after ``finish()`` has joined them.
final class BatchCommitter {
    typealias Issue = InvoicingPass.Issue

    /// What the worker threads produced.
    private final class Progress {
        var committed: [Issue] = []
        var delivered: [String] = []
        var delivery: InvoiceDelivery

        init(delivery: InvoiceDelivery) { self.delivery = delivery }
    }

    private let progress: Progress
    private let recorder: BackgroundWorker<[Issue]>
    private let deliverer: BackgroundWorker<[InvoiceDelivery.Item]>

    init(layout: ArchiveLayout, delivery: InvoiceDelivery) {
        let progress = Progress(delivery: delivery)
        let deliverer = BackgroundWorker<[InvoiceDelivery.Item]>(name: "invoicing-deliver") { items in
            progress.delivered += try progress.delivery.deliver(items)
        }
        self.progress = progress
        self.deliverer = deliverer
        // A bounded pipeline of two: the pass prepares a batch while this thread issues the one
        // before (limit 0: no third batch waits). A batch of 1,000 time-based invoices holds its
        // XML (about 8 MB) until it is committed; its billed entries were held since generation.
        recorder = BackgroundWorker(limit: 0, name: "invoicing-commit") { batch in
            let items = try Self.commit(batch, layout: layout)
            // The report and the later stages need only the document (without its record keys),
            // approval and notes: the XML, the annex and the keys are on disk now, and keeping them
            // would hold every annex and billed entry of the month until the run ends.
            progress.committed += batch.map { issue in
                var draft = issue.draft
                draft.annex = []
                draft.recordKeys = []
                return Issue(
                    draft: draft, document: issue.document.withoutRecordKeys, approval: issue.approval, xml: [],
                    billed: nil)
            }
            try deliverer.submit(items)
        }
    }

    /// Read only after ``finish()``.
    var committed: [Issue] { progress.committed }
    var delivered: [String] { progress.delivered }
    var delivery: InvoiceDelivery { progress.delivery }

    /// Hands a batch to the committing thread (waits until it has issued the one before); throws
    /// if an earlier batch failed.
    func submit(_ batch: [Issue]) throws {
        try recorder.submit(batch)
        // The batch before was issued and its annexes, keys and XML freed (see FreePages).
        FreePages.release()
    }

    /// Waits until every submitted batch is issued and delivered; throws the first failure.
    func finish() throws {
        do {
            try recorder.finish()
        } catch {
            try? deliverer.finish()
            throw error
        }
        try deliverer.finish()
    }

    /// Archives a batch's files, writes its record (the commit point), cleans up its drafts;
    /// returns what to deliver.
    private static func commit(_ batch: [Issue], layout: ArchiveLayout) throws -> [InvoiceDelivery.Item] {
        let store = InvoiceStore(layout: layout)
        let files = FileBatch(temporaryDirectory: layout.temporary)
        var items: [InvoiceDelivery.Item] = []
        for issue in batch {
            let document = issue.document
            let xmlPath = layout.documentXML(number: document.number, issuedIn: document.issueDate.year)
            // A provisional document (`numbering = "oxygene"`) has no Factur-X under its reference:
            // its XML is archived and delivered once Oxygène's number is confirmed.
            let provisional = document.isAwaitingNumber
            if !provisional { try files.add(issue.xml, to: xmlPath, collision: .replace) }
            var annexPath: String?
            if let annex = issue.billed.map({ $0.annexCSV() })
                ?? (issue.draft.annex.isEmpty ? nil : AnnexWriter.csv(issue.draft.annex))
            {
                let path = layout.annex(draftID: issue.draft.id)
                try files.add(annex, to: path, collision: .replace)
                annexPath = path
            }
            // Delivered as copies of the archived files (read back from the page cache): the
            // batch's bytes are not held until the deliverer's turn.
            if !provisional {
                items.append((document.number, .archived(path: xmlPath), annexPath.map { .archived(path: $0) }))
            }
        }
        try files.commit()
        try store.recordIssued(
            batch.map(\.document),
            keys: batch.map { issue in issue.billed.map { billed in { billed.appendRecordKeys(to: &$0) } } })
        for issue in batch {
            try store.removeDraft(id: issue.draft.id)
            try InvoicingPass.removeApprovalRequest(issue.draft.id, layout: layout)
        }
        return items
    }
}
