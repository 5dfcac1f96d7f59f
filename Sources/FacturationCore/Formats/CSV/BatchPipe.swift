/// The hand-off between the CSV reader's parsing thread and its converting thread (``HandOff``):
/// files of 4 MB or more are parsed on a second thread (libcsv on one core, the converter on the
/// other). The parsing thread fills batches and the converting thread empties them; a fixed pool of
/// batches bounds memory whatever the file size, and batches reach the consumer in the order they
/// were filled.
typealias BatchPipe = HandOff<CSVBatch>

extension HandOff where Item == CSVBatch {
    convenience init(batches: [CSVBatch]) { self.init(items: batches) }

    /// Producer: a batch to fill next, waiting for one; nil once the consumer cancelled.
    func freeBatch() -> CSVBatch? { freeItem() }
}
