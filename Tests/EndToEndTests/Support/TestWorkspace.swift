import FacturationCore
import Foundation
import TestSupport
import Testing

/// A temporary workspace on disk, driven through the real `facturation` binary.
final class TestWorkspace {
    let root: URL
    var path: String { root.path }

    /// Creates an empty workspace folder with the demo pipeline (or the given pipeline text).
    ///
    /// The demo pipeline's invoicing sections (everything from `[invoicing]` on) are kept only when
    /// `invoicing` is true, so the pipeline-core tests see the queue alone.
    init(pipeline: String? = nil, name: String = "demo-conseil", invoicing: Bool = false) throws {
        root = FileManager.default.temporaryDirectory
            .appendingPathComponent("facturation-e2e-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("pipelines"),
            withIntermediateDirectories: true)
        try FileManager.default.createDirectory(
            at: root.appendingPathComponent("inbox"),
            withIntermediateDirectories: true)
        var text = try pipeline ?? Repository.demoPipeline()
        if pipeline == nil, !invoicing, let cut = text.range(of: "\n[invoicing]") {
            text = String(text[..<cut.lowerBound]) + "\n"
        }
        try text.write(to: root.appendingPathComponent("pipelines/\(name).toml"), atomically: true, encoding: .utf8)
    }

    deinit {
        try? FileManager.default.removeItem(at: root)
    }

    /// Writes a file into the inbox (or another relative folder).
    @discardableResult
    func drop(_ name: String, _ contents: String, into folder: String = "inbox") throws -> URL {
        try drop(name, Data(contents.utf8), into: folder)
    }

    @discardableResult
    func drop(_ name: String, _ data: Data, into folder: String = "inbox") throws -> URL {
        let directory = root.appendingPathComponent(folder)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let url = directory.appendingPathComponent(name)
        try data.write(to: url)
        return url
    }

    /// Copies the demo exports of the repository into the inbox.
    func dropDemoFiles() throws {
        for name in try Repository.demoFiles() {
            let data = try Data(contentsOf: Repository.root.appendingPathComponent("demo/inbox/\(name)"))
            try drop(name, data)
        }
    }

    /// Runs `facturation <arguments> --workspace <root>`.
    @discardableResult
    func run(
        _ arguments: [String], environment: [String: String] = [:], workspaceFlag: Bool = true
    ) throws -> CommandResult {
        try Binary.run(arguments + (workspaceFlag ? ["--workspace", path] : []), environment: environment)
    }

    /// Runs `facturation run --settle 0` held at a pause point (`FACTURATION_TEST_PAUSE`, e.g.
    /// `after-conversion`), calls `meanwhile` with the path of the claimed file named `name` (the
    /// test acts there as a producer that has not finished), then lets the run go on.
    func runPaused(at point: String, claimedFile name: String, meanwhile: (URL) throws -> Void) throws -> CommandResult
    {
        try runPaused(["run", "--settle", "0"], at: point) {
            let claimed = try #require(files(under: "work/claims").first { $0.hasSuffix("/" + name) })
            try meanwhile(root.appendingPathComponent(claimed))
        }
    }

    /// Runs `facturation <arguments>` held at a pause point (`FACTURATION_TEST_PAUSE`), calls
    /// `meanwhile` while it waits there, then lets it go on.
    func runPaused(_ arguments: [String], at point: String, meanwhile: () throws -> Void) throws -> CommandResult {
        let gate = path + "/gate"
        let running = try Binary.start(
            arguments + ["--workspace", path], environment: ["FACTURATION_TEST_PAUSE": "\(point):\(gate)"])
        for _ in 0..<3_000 where !FileManager.default.fileExists(atPath: gate + ".waiting") {
            Thread.sleep(forTimeInterval: 0.01)
        }
        #expect(FileManager.default.fileExists(atPath: gate + ".waiting"), "the run never reached \(point)")
        let release = { #expect(FileManager.default.createFile(atPath: gate, contents: nil)) }
        do { try meanwhile() } catch {
            release()
            _ = running.wait()
            throw error
        }
        release()
        return running.wait()
    }

    /// Appends `text` to the file at `url`.
    static func append(_ text: String, to url: URL) throws {
        let handle = try FileHandle(forWritingTo: url)
        handle.seekToEndOfFile()
        handle.write(Data(text.utf8))
        try handle.close()
    }

    /// Text of a file of the workspace.
    func text(_ relative: String) throws -> String {
        try String(contentsOf: root.appendingPathComponent(relative), encoding: .utf8)
    }

    func data(_ relative: String) throws -> Data {
        try Data(contentsOf: root.appendingPathComponent(relative))
    }

    func exists(_ relative: String) -> Bool {
        FileManager.default.fileExists(atPath: root.appendingPathComponent(relative).path)
    }

    /// Every regular file below `relative`, as paths relative to the workspace, sorted.
    func files(under relative: String = "") -> [String] {
        let base = relative.isEmpty ? root : root.appendingPathComponent(relative)
        guard let enumerator = FileManager.default.enumerator(at: base, includingPropertiesForKeys: [.isRegularFileKey])
        else {
            return []
        }
        var result: [String] = []
        for case let url as URL in enumerator {
            if (try? url.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true {
                result.append(String(url.path.dropFirst(root.path.count + 1)))
            }
        }
        return result.sorted()
    }

    /// Every folder under the workspace, relative to it.
    func folders() -> [String] {
        guard let enumerator = FileManager.default.enumerator(at: root, includingPropertiesForKeys: [.isDirectoryKey])
        else {
            return []
        }
        var result: [String] = []
        for case let url as URL in enumerator
        where (try? url.resourceValues(forKeys: [.isDirectoryKey]).isDirectory) == true {
            result.append(String(url.path.dropFirst(root.path.count + 1)))
        }
        return result.sorted()
    }

    /// The issued records of a pipeline (`archive/invoicing/<pipeline>/issued/<YYYY>/*.jsonl`, one
    /// JSON document per line), as JSON text by document number.
    func issuedRecords(pipeline: String) throws -> [String: String] {
        var records: [String: String] = [:]
        for file in files(under: "archive/invoicing/\(pipeline)/issued") where file.hasSuffix(".jsonl") {
            for line in try text(file).split(separator: "\n") {
                let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as? [String: Any]
                let number = try #require(object?["number"] as? String, "no number in a record of \(file)")
                #expect(records.updateValue(String(line), forKey: number) == nil, "\(number) recorded twice")
            }
        }
        return records
    }

    /// Rows of a CSV ledger as dictionaries keyed by column name (simple RFC 4180 reader for tests).
    func csvRecords(_ relative: String) throws -> [[String: String]] {
        let rows = SimpleCSV.parse(try text(relative))
        guard let header = rows.first else { return [] }
        return rows.dropFirst().map { Dictionary(uniqueKeysWithValues: zip(header, $0)) }
    }
}

/// The outcome of one run of the binary: its status (the signal number when `killedBySignal`),
/// its output, and whether the test had to stop it (``ChildProcess``).
typealias CommandResult = ChildProcess.Result

/// The repository this test bundle belongs to.
enum Repository {
    static let root: URL = {
        var url = URL(fileURLWithPath: #filePath)
        while url.path != "/" {
            url.deleteLastPathComponent()
            if FileManager.default.fileExists(atPath: url.appendingPathComponent("Package.swift").path) { return url }
        }
        fatalError("Package.swift not found above \(#filePath)")
    }()

    /// The repository's demo pipeline without its e-mailing part (`[delivery]`, which sends to the
    /// local server scripts/demo starts): the tests that send add their own.
    static func demoPipeline() throws -> String {
        let text = try String(contentsOf: root.appendingPathComponent("pipelines/demo-conseil.toml"), encoding: .utf8)
        guard let cut = text.range(of: "\n# E-mailing the documents.") else { return text }
        return String(text[..<cut.lowerBound]) + "\n"
    }

    static func demoFiles() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: root.appendingPathComponent("demo/inbox").path)
            .filter { !$0.hasPrefix(".") }.sorted()
    }

    /// `../shared/fixtures` next to the repository, when it exists (CI has it).
    static var sharedFixtures: URL? {
        let url = root.deletingLastPathComponent().appendingPathComponent("shared/fixtures")
        return FileManager.default.fileExists(atPath: url.path) ? url : nil
    }
}

/// Locates and runs the `facturation` executable built with the tests.
enum Binary {
    static let url: URL = {
        if let explicit = ProcessInfo.processInfo.environment["FACTURATION_BINARY"] {
            return URL(fileURLWithPath: explicit)
        }
        var candidates: [URL] = []
        let runner = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath()
        var folder = runner.deletingLastPathComponent()
        for _ in 0..<4 {
            candidates.append(folder.appendingPathComponent("facturation"))
            folder.deleteLastPathComponent()
        }
        candidates.append(Repository.root.appendingPathComponent(".build/debug/facturation"))
        for candidate in candidates where FileManager.default.isExecutableFile(atPath: candidate.path) {
            return candidate
        }
        fatalError("facturation binary not found (tried \(candidates.map(\.path))); set FACTURATION_BINARY")
    }()

    static func run(
        _ arguments: [String], environment: [String: String] = [:],
        executable: URL? = nil
    ) throws -> CommandResult {
        try start(arguments, environment: environment, executable: executable).wait()
    }

    /// Starts the binary (or `executable`) without waiting for it; ``ChildProcess/wait(within:)``
    /// then gives its result.
    static func start(
        _ arguments: [String], environment: [String: String] = [:],
        executable: URL? = nil
    ) throws -> Running {
        var env = ProcessInfo.processInfo.environment
        env.removeValue(forKey: "FACTURATION_WORKSPACE")
        env.removeValue(forKey: "FACTURATION_CRASH_AFTER")
        env.removeValue(forKey: "FACTURATION_TEST_PAUSE")
        for (key, value) in environment { env[key] = value }
        let running = ChildProcess((executable ?? url).path, arguments, environment: env)
        try running.start()
        return running
    }

    /// A run of the binary started by ``start(_:environment:executable:)``.
    typealias Running = ChildProcess
}

/// A small, independent RFC 4180 parser used to check the pipeline's CSV output.
enum SimpleCSV {
    static func parse(_ text: String, separator: Character = ",") -> [[String]] {
        var rows: [[String]] = []
        var row: [String] = []
        var field = ""
        var inQuotes = false
        var iterator = Array(text.unicodeScalars.map(Character.init))[...]
        while let character = iterator.popFirst() {
            if inQuotes {
                if character == "\"" {
                    if iterator.first == "\"" { field.append("\""); iterator.removeFirst() } else { inQuotes = false }
                } else {
                    field.append(character)
                }
            } else if character == "\"" {
                inQuotes = true
            } else if character == separator {
                row.append(field); field = ""
            } else if character == "\r" {
                continue
            } else if character == "\n" {
                row.append(field); field = ""
                rows.append(row); row = []
            } else {
                field.append(character)
            }
        }
        if !field.isEmpty || !row.isEmpty { row.append(field); rows.append(row) }
        return rows
    }
}
