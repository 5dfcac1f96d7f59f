/// Everything a converter needs to turn one claimed file into normalized rows.
public struct ConversionContext {
    /// Path of the claimed file (inside `work/`).
    public let path: String
    /// The file's original name, written in the `source_file` column.
    public let sourceName: String
    public let scan: FileScan
    public let detection: FormatSniffer.Detection
    public let pipeline: PipelineConfig
    public let zone: ZoneConverter
    public let classifier: EntryClassifier
    public let output: NormalizedOutput
    /// Called with (bytes read, total bytes) while a large file is read.
    public let progress: ((Int64, Int64) -> Void)?

    public init(path: String, sourceName: String, scan: FileScan, detection: FormatSniffer.Detection,
                pipeline: PipelineConfig, zone: ZoneConverter, classifier: EntryClassifier,
                output: NormalizedOutput, progress: ((Int64, Int64) -> Void)?) {
        self.path = path
        self.sourceName = sourceName
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
public struct ConversionReport: Sendable {
    public var format: InputFormat
    /// Records written (all partitions).
    public var records: Int
    /// Records per partition (`YYYY-MM` or `pending`).
    public var partitions: [String: Int]
    /// Things worth telling that are not errors (skipped running timers, a TOTAL row, …).
    public var notes: [String]
}
