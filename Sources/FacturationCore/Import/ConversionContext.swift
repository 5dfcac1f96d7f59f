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
