/// Issues the batches of a run, in order, on background threads while the invoicing stage
/// prepares the next batch (the waits for the disk overlap with building and validating XML).
///
/// For each batch, on one thread: the Factur-X XML and the annexes are archived (rewritten
/// identically if the run is interrupted before the record), the batch's record file is written
/// (the commit point) and the issued drafts are cleaned up. A second thread then delivers the
/// batch to the outbox. A batch that fails stops the committer: later batches, whose numbers
/// follow it, are never recorded.
final class BatchCommitter: @unchecked Sendable {
    private let stage: InvoicingStage
    private var recorder: BackgroundWorker<[InvoicingStage.Issue]>!
    private var deliverer: BackgroundWorker<[InvoiceDelivery.Item]>!
    /// Read only after ``finish()``.
    private(set) var committed: [InvoicingStage.Issue] = []
    private(set) var delivered: [String] = []
    private(set) var delivery: InvoiceDelivery

    init(stage: InvoicingStage, delivery: InvoiceDelivery) {
        self.stage = stage
        self.delivery = delivery
        deliverer = BackgroundWorker(name: "invoicing-deliver") { [unowned self] items in
            delivered += try self.delivery.deliver(items)
        }
        recorder = BackgroundWorker(name: "invoicing-commit") { [unowned self] batch in try self.commit(batch) }
    }

    /// Queues a batch (waits while another one is queued); throws if an earlier batch failed.
    func submit(_ batch: [InvoicingStage.Issue]) throws {
        try recorder.submit(batch)
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

    private func commit(_ batch: [InvoicingStage.Issue]) throws {
        let store = stage.store
        let files = FileBatch(temporaryDirectory: stage.workspace.temporary)
        var items: [InvoiceDelivery.Item] = []
        for issue in batch {
            try files.add(issue.xml, to: stage.documentPath(issue.document), collision: .replace)
            let annex = issue.draft.annex.isEmpty ? nil : AnnexWriter.csv(issue.draft.annex)
            if let annex {
                try files.add(annex, to: store.annexPath(draftID: issue.draft.id), collision: .replace)
            }
            items.append((issue.document.number, issue.xml, annex))
        }
        try files.commit()
        try store.recordIssued(batch.map(\.document))
        // The report needs only the document, approval and notes: the XML and the annex are on
        // disk now, and keeping them would hold every annex of the month until the run ends.
        committed += batch.map { issue in
            var draft = issue.draft
            draft.annex = []
            return InvoicingStage.Issue(draft: draft, document: issue.document, approval: issue.approval, xml: [])
        }
        for issue in batch {
            try store.removeDraft(id: issue.draft.id)
            try stage.removeApprovalRequest(issue.draft.id)
        }
        try deliverer.submit(items)
    }
}
