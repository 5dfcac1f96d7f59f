import Foundation
import Testing

@testable import FacturationCore

/// Runs the real sniffer and converters on a file written by a test, with a pipeline written
/// as TOML, and reads back the normalized rows.
struct ConversionHarness {
    static let basePipeline = """
        [company]
        name = "Test Conseil"
        siren = "812345676"
        iban = "FR7216958000010123456789012"
        time_zone = "Europe/Paris"
        [company.address]
        lines = ["1 rue"]
        postcode = "75001"
        city = "Paris"

        """

    let folder: URL
    let pipeline: PipelineConfig

    /// `company` is added to the `[company]` table (`other_ibans = [...]`), `extra` after the base pipeline.
    init(pipeline extra: String = "", company: String = "") throws {
        folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "facturation-unit-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let path = folder.appendingPathComponent("test.toml").path
        let base = ConversionHarness.basePipeline.replacingOccurrences(
            of: "[company.address]", with: company + "\n[company.address]")
        try (base + extra).write(toFile: path, atomically: true, encoding: .utf8)
        pipeline = try PipelineLoader.load(path: path, shownAs: "pipelines/test.toml")
    }

    func cleanUp() { try? FileManager.default.removeItem(at: folder) }

    /// The outcome of converting one file.
    struct Outcome {
        var report: ConversionReport?
        var rejection: Rejection?
        /// Rows by partition, each row as a dictionary keyed by column name.
        var rows: [String: [[String: String]]] = [:]

        var allRows: [[String: String]] { rows.keys.sorted().flatMap { rows[$0]! } }

        /// The reason file's problem lines.
        var problems: [String] { rejection?.problems.listed.map(\.description) ?? [] }
    }

    func convert(_ text: String, name: String = "input.csv") throws -> Outcome {
        try convert(Data(text.utf8), name: name)
    }

    func convert(_ data: Data, name: String = "input.csv") throws -> Outcome {
        let path = folder.appendingPathComponent(name).path
        try data.write(to: URL(fileURLWithPath: path))
        let scan = try FileScan.scan(path: path)
        var outcome = Outcome()
        let detection: FormatSniffer.Detection
        switch FormatSniffer.detect(scan) {
        case .success(let detected): detection = detected
        case .failure(let rejection):
            outcome.rejection = rejection
            return outcome
        }
        let scratch = folder.appendingPathComponent("scratch-\(UUID().uuidString.prefix(6))").path
        let output = try NormalizedOutput(directory: scratch, kind: detection.format.ledger)
        let context = ConversionContext(
            path: path, sourceName: name, scan: scan, detection: detection, pipeline: pipeline,
            zone: ZoneConverter(timeZone: pipeline.timeZone),
            classifier: EntryClassifier(pipeline: pipeline), output: output, progress: nil)
        do {
            outcome.report = try Importer.convert(context)
        } catch let rejection as Rejection {
            outcome.rejection = rejection
            return outcome
        }
        let columns = detection.format.ledger.columns
        for (partition, file) in output.partitionFiles {
            outcome.rows[partition] = try LedgerFile.readRows(path: file, header: nil).map {
                Dictionary(uniqueKeysWithValues: zip(columns, $0))
            }
        }
        return outcome
    }
}
