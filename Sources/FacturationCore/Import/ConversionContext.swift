/// Everything a converter needs to turn one claimed file into normalized rows.
package struct ConversionContext {
    /// Path of the claimed file (inside `work/`).
    package let path: String
    /// The file's original name as people see it (``Claim/originalName``), written in the
    /// `source_file` column of every ledger, cleaned like any text entering one (``TextCleaning``).
    package let sourceName: String
    package let scan: FileScan
    package let detection: FormatSniffer.Detection
    package let pipeline: PipelineConfig
    package let zone: ZoneConverter
    package let classifier: EntryClassifier
    package let output: NormalizedOutput
    /// Called with (bytes read, total bytes) while a large file is read.
    package let progress: ((Int64, Int64) -> Void)?
    /// For a file whose digest is computed beside the conversion (``FileScan/digestIsDeferred``):
    /// true when the digest is known and the index holds it; with `wait`, the digest is finished
    /// first (on the calling thread). A converter then stops (``ConversionStopped``): the file is
    /// a duplicate and nothing converted from it is kept. The Clockify conversion in pieces asks
    /// before it starts and before it hands on each window of pieces (two windows are converted
    /// ahead meanwhile), waiting once past half of them (a starved digest thread does not let a
    /// duplicate be converted whole), and waits before a one-core pass.
    package var alreadyImported: ((_ wait: Bool) -> Bool)?

    package init(
        path: String, sourceName: String, scan: FileScan, detection: FormatSniffer.Detection,
        pipeline: PipelineConfig, zone: ZoneConverter, classifier: EntryClassifier,
        output: NormalizedOutput, progress: ((Int64, Int64) -> Void)?
    ) {
        self.path = path
        self.sourceName = TextCleaning.cleaned(sourceName)
        self.scan = scan
        self.detection = detection
        self.pipeline = pipeline
        self.zone = zone
        self.classifier = classifier
        self.output = output
        self.progress = progress
    }
}

/// Thrown by a converter that stopped because its file is imported already
/// (``ConversionContext/alreadyImported``).
package struct ConversionStopped: Error {}

/// What a successful conversion produced.
package struct ConversionReport: Sendable {
    package var format: InputFormat
    /// Records written (all partitions).
    package var records: Int
    /// Records per partition (`YYYY-MM` or `pending`).
    package var partitions: [String: Int]
    /// Things worth telling that are not errors (skipped running timers, a TOTAL row, …).
    package var notes: [String]
}
