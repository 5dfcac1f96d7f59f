import Foundation

@testable import FacturationCore

/// The readers under test, each called the way a run calls it, on a scratch folder of its own
/// (in /dev/shm when it exists: thousands of small files, nothing to keep).
final class FuzzScratch: @unchecked Sendable {
    let folder: String
    let pipeline: PipelineConfig
    let zone: ZoneConverter

    /// A pipeline with clients, aliases and rules, so that the classifier and client matching run too.
    static let pipelineText =
        ConversionHarness.basePipeline + """
            [[clients]]
            code = "LAA"
            name = "Les Automatismes Appliqués"
            aliases = ["LAA", "LAA Maroc"]
            [[clients]]
            code = "PHARMABEST"
            name = "PharmaBest"
            [[clients]]
            code = "PETRAS"
            name = "Petras Industrie"
            [[rules]]
            project = "*interne*"
            category = "INTERNE"
            [[rules]]
            client = "PETRAS"
            description = "*forfait*"
            category = "FORFAIT"

            """

    init(name: String) throws {
        let base =
            FileManager.default.isWritableFile(atPath: "/dev/shm")
            ? "/dev/shm"
            : FileManager.default.temporaryDirectory.path
        folder = base + "/facturation-fuzz-\(name)-\(UUID().uuidString.prefix(8))"
        try FileManager.default.createDirectory(atPath: folder + "/normalized", withIntermediateDirectories: true)
        let path = folder + "/pipeline.toml"
        try FuzzScratch.pipelineText.write(toFile: path, atomically: false, encoding: .utf8)
        pipeline = try PipelineLoader.load(path: path, shownAs: "pipelines/fuzz.toml")
        zone = ZoneConverter(timeZone: pipeline.timeZone)
    }

    deinit { try? FileManager.default.removeItem(atPath: folder) }

    func write(_ bytes: [UInt8], name: String) throws -> String {
        let path = folder + "/" + name
        guard FileManager.default.createFile(atPath: path, contents: Data(bytes)) else {
            throw CocoaError(.fileWriteUnknown)
        }
        return path
    }

    var claim: Claim {
        Claim(
            id: "20250901-090000-000-0001-fuzz", folder: folder, pipelineID: pipeline.id, originalName: "input",
            storedName: "input", claimedAt: "2025-09-01T09:00:00+02:00")
    }
}

enum FuzzReaders {
    /// A file dropped into the inbox, dispatched as ``FileProcessor`` does: a request, a payment
    /// decision, or an export (sniffed, then converted); a rejection is rendered as its reason file.
    static func inboxFile(_ bytes: [UInt8], scratch: FuzzScratch) throws -> FuzzVerdict {
        let path = try scratch.write(bytes, name: "input")
        let scan = try FileScan.scan(path: path)
        if scan.encoding != nil, RequestFile.looksLikeRequest(scan.head) {
            return try request(path: path, scratch: scratch)
        }
        if scan.encoding != nil, PaymentDecisionFile.looksLikeDecision(scan.head) {
            return try decision(path: path, scratch: scratch, scan: scan)
        }
        let detection: FormatSniffer.Detection
        switch FormatSniffer.detect(scan) {
        case .success(let detected): detection = detected
        case .failure(let rejection): return reason(rejection, scratch: scratch, scan: scan)
        }
        let normalized = scratch.folder + "/normalized"
        let output = try NormalizedOutput(directory: normalized, kind: detection.format.ledger)
        defer {
            try? output.finish()
            for file in output.partitionFiles.values { unlink(file) }
        }
        let context = ConversionContext(
            path: path, sourceName: "input", scan: scan, detection: detection, pipeline: scratch.pipeline,
            zone: scratch.zone, classifier: EntryClassifier(pipeline: scratch.pipeline), output: output, progress: nil)
        let report: ConversionReport
        do {
            report = try Importer.convert(context)
        } catch let rejection as Rejection {
            return reason(rejection, scratch: scratch, scan: scan)
        }
        try output.finish()
        try checkRows(output, kind: detection.format.ledger, report: report)
        return .accepted
    }

    /// Imported rows must be well-formed ledger rows, as many as the report says.
    private static func checkRows(_ output: NormalizedOutput, kind: LedgerKind, report: ConversionReport) throws {
        var count = 0
        for file in output.partitionFiles.values {
            for row in try LedgerFile.readRows(path: file, header: nil) {
                count += 1
                if row.count != kind.columns.count {
                    throw FuzzBug("a normalized row has \(row.count) fields instead of \(kind.columns.count): \(row)")
                }
            }
        }
        if count != report.records { throw FuzzBug("the report says \(report.records) records, \(count) were written") }
    }

    /// A request file (approval form or credit note), read as a run reads it.
    static func request(path: String, scratch: FuzzScratch) throws -> FuzzVerdict {
        let text = try Storage.readText(path, limit: 1 << 20)
        return verdict(RequestFile.parse(text), scratch: scratch, scan: nil)
    }

    /// The request parser on any text, whether or not the sniffer would take it for a request.
    static func requestText(_ bytes: [UInt8], scratch: FuzzScratch) throws -> FuzzVerdict {
        _ = RequestFile.looksLikeRequest(bytes)
        return verdict(RequestFile.parse(String(decoding: bytes, as: UTF8.self)), scratch: scratch, scan: nil)
    }

    static func decision(path: String, scratch: FuzzScratch, scan: FileScan?) throws -> FuzzVerdict {
        verdict(try PaymentDecisionFile.read(path: path), scratch: scratch, scan: scan)
    }

    /// A payment decision file, whether or not its header is right.
    static func decisionFile(_ bytes: [UInt8], scratch: FuzzScratch) throws -> FuzzVerdict {
        _ = PaymentDecisionFile.looksLikeDecision(bytes)
        return try decision(path: try scratch.write(bytes, name: "decision.csv"), scratch: scratch, scan: nil)
    }

    /// A pipeline file, loaded and validated as `check` and every run do.
    static func pipelineFile(_ bytes: [UInt8], scratch: FuzzScratch) throws -> FuzzVerdict {
        let path = try scratch.write(bytes, name: "fuzz.toml")
        do throws(ConfigErrors) {
            _ = try PipelineLoader.load(path: path, shownAs: "pipelines/fuzz.toml")
            return .accepted
        } catch {
            if error.errors.isEmpty { return .rejected(reason: "") }
            if let empty = error.errors.first(where: { $0.message.trimmed.isEmpty }) {
                throw FuzzBug("an error without a message at \(empty.file):\(empty.line ?? 0)")
            }
            return .rejected(reason: error.description)
        }
    }

    private static func verdict<T>(_ result: Result<T, Rejection>, scratch: FuzzScratch, scan: FileScan?) -> FuzzVerdict
    {
        switch result {
        case .success: .accepted
        case .failure(let rejection): reason(rejection, scratch: scratch, scan: scan)
        }
    }

    /// The reason file a run would write (empty when the rejection says nothing).
    private static func reason(_ rejection: Rejection, scratch: FuzzScratch, scan: FileScan?) -> FuzzVerdict {
        guard !rejection.summary.trimmed.isEmpty,
            rejection.problems.listed.allSatisfy({ !$0.message.trimmed.isEmpty })
        else { return .rejected(reason: "") }
        return .rejected(reason: ReasonReport.render(rejection: rejection, claim: scratch.claim, scan: scan))
    }
}

/// A reader misbehaved without crashing (inconsistent output, an empty message…).
struct FuzzBug: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
