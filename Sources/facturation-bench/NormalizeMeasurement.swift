import FacturationCore

/// The child side of the `clockify-normalize` and `qonto-normalize` scenarios: the file-level
/// path `FileProcessor` runs for one claimed file (scan, sniff, convert into scratch files),
/// timed from the first byte read to the last scratch file closed.
///
/// Prints its result as `key=value` lines on stdout for the parent (``ChildResult``).
enum NormalizeMeasurement {
    static func run(file: String, workspaceRoot: String) throws -> [String: String] {
        let workspace = BenchWorkspace(existingRoot: workspaceRoot)
        let pipeline = try workspace.loadPipeline()
        let zone = ZoneConverter(timeZone: pipeline.timeZone)
        let classifier = EntryClassifier(pipeline: pipeline)

        let started = Monotonic.now()
        let scan = try FileScan.scan(path: file)
        let scanned = Monotonic.now()
        let detection: FormatSniffer.Detection
        switch FormatSniffer.detect(scan) {
        case .success(let detected): detection = detected
        case .failure(let rejection): throw BenchError("the sniffer rejected the file:\n" + describe(rejection))
        }
        let output = try NormalizedOutput(directory: Path.join(workspaceRoot, "scratch"), kind: detection.format.ledger)
        let context = ConversionContext(
            path: file, sourceName: Path.name(of: file), scan: scan, detection: detection, pipeline: pipeline,
            zone: zone, classifier: classifier, output: output, progress: nil)
        let report: ConversionReport
        do {
            report = try Importer.convert(context)
        } catch let rejection as Rejection {
            throw BenchError("the converter rejected the file:\n" + describe(rejection))
        }
        let finished = Monotonic.now()

        var outputBytes: Int64 = 0
        for path in output.partitionFiles.values { outputBytes += Storage.status(path)?.size ?? 0 }
        return [
            "format": report.format.rawValue,
            "records": String(report.records),
            "input_bytes": String(scan.size),
            "output_bytes": String(outputBytes),
            "seconds": String(finished - started),
            "scan_seconds": String(scanned - started),
            "convert_seconds": String(finished - scanned),
            "peak_rss_bytes": String(ProcessMemory.peakResidentBytes() ?? -1),
        ]
    }

    /// The rejection as the reason file would tell it: summary, the first problems, advice.
    static func describe(_ rejection: Rejection) -> String {
        var text = "  \(rejection.summary)\n"
        for problem in rejection.problems.listed.prefix(10) { text += "    - \(problem.description)\n" }
        if rejection.problems.total > 10 { text += "    … \(rejection.problems.total - 10) more problems\n" }
        return text + "  Advice: \(rejection.advice)"
    }
}
