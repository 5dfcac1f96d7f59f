import FacturationCore
import Foundation
import Testing

/// A FEC whose file cannot be written to the end (the disk full, a quota, a file-size limit) is
/// never published, says why, and the next run publishes the file an uninterrupted run makes.
///
/// The failure is a real one, through the real binary: the process runs under a file-size limit
/// (`ulimit -f`, RLIMIT_FSIZE) with SIGXFSZ ignored, so the kernel refuses the write that would
/// cross the limit with EFBIG, as it refuses a write on a full disk with ENOSPC. The FEC is
/// encoded and written on a thread of its own while the caller's thread checks it
/// (``FECCheckedWriter``). The demo's small file fails at its last flush, when it is committed; the
/// 20,000-line one on the writing thread, after its first chunks were checked, and the failure
/// must reach the checking thread through the pipe, not leave it with a file that looks whole.
@Suite("The FEC under a failing write", .serialized)
struct FECWriteFailureTests {
    static let yearly = "outbox/fec/812345676FEC20251231.txt"
    static let archived = "archive/accounting/demo-conseil/fec/812345676FEC20251231.txt"
    static let arguments = ["fec", "--year", "2025", "--date", "2025-10-02"]

    @Test func aFECThatCannotBeWrittenIsNotPublishedAndTheNextRunPublishesIt() throws {
        let workspace = try AccountingTests.demoWorkspace()
        // The file an uninterrupted run publishes, from a copy of the same workspace.
        let twin = URL(fileURLWithPath: workspace.path + "-twin")
        try FileManager.default.copyItem(at: workspace.root, to: twin)
        defer { try? FileManager.default.removeItem(at: twin) }
        let uninterrupted = try Binary.run(Self.arguments + ["--workspace", twin.path])
        #expect(uninterrupted.status == 0, "\(uninterrupted.stderr)")
        let expected = try Data(contentsOf: twin.appendingPathComponent(Self.yearly))

        // The demo's yearly FEC is about 24 kB; 16 blocks of 512 bytes let every smaller file of
        // the command be written (the lock, the temporary folder), not the FEC.
        #expect(expected.count > 16 * 512)
        let limited = try Self.runUnderFileSizeLimit(blocks: 16, Self.arguments + ["--workspace", workspace.path])
        #expect(limited.status == 1 && !limited.killedBySignal)
        #expect(limited.stderr.contains("the FEC 812345676FEC20251231.txt could not be written"), "\(limited.stderr)")
        #expect(limited.stderr.contains("File too large"))
        #expect(limited.stderr.contains("nothing was published"))
        #expect(!workspace.exists(Self.yearly))
        #expect(!workspace.exists(Self.archived))
        #expect(!workspace.exists("archive/deliveries/demo-conseil/fec/812345676FEC20251231.txt.sha256"))

        let again = try workspace.run(Self.arguments)
        #expect(again.status == 0, "\(again.stderr)")
        #expect(try workspace.data(Self.yearly) == expected)
        #expect(try workspace.data(Self.archived) == expected)
        // The half-written temporary file did not outlive the next run.
        #expect(workspace.files(under: "work/tmp").isEmpty)
    }

    /// A FEC of 20,000 lines (3.3 MB, the bench's generated records): the limit lets its first
    /// 1 MiB chunk be written and checked, and refuses a later one on the writing thread. The
    /// expected bytes are those the generator computed in memory.
    @Test func aFECRefusedOnItsWritingThreadAfterItsFirstChunksIsNotPublished() throws {
        let (folder, workspace, generated) = try Self.generatedWorkspace(lines: 20_000)
        defer { try? FileManager.default.removeItem(at: folder) }
        let facts = Dictionary(
            generated.stdout.split(separator: "\n").map { $0.split(separator: "=", maxSplits: 1).map(String.init) }
                .filter { $0.count == 2 }.map { ($0[0], $0[1]) }, uniquingKeysWith: { first, _ in first })
        let bytes = try #require(facts["bytes"].flatMap(Int.init))
        let limit = 3_000  // blocks of 512 bytes: 1.5 MB
        #expect(bytes > 2 * limit * 512 && limit * 512 > 1 << 20)
        let arguments = ["fec", "--year", "2025", "--date", "2026-01-15", "--workspace", workspace]
        let outbox = workspace + "/outbox/fec/812345676FEC20251231.txt"

        let limited = try Self.runUnderFileSizeLimit(blocks: limit, arguments)
        #expect(limited.status == 1 && !limited.killedBySignal)
        #expect(limited.stderr.contains("the FEC 812345676FEC20251231.txt could not be written"), "\(limited.stderr)")
        #expect(limited.stderr.contains("nothing was published"))
        #expect(!FileManager.default.fileExists(atPath: outbox))
        #expect(!FileManager.default.fileExists(atPath: workspace + "/archive/accounting"))

        let again = try Binary.run(arguments)
        #expect(again.status == 0, "\(again.stderr)")
        let published = try Data(contentsOf: URL(fileURLWithPath: outbox))
        #expect(published.count == bytes)
        #expect(published.withUnsafeBytes { SHA256Hasher.hex($0) } == facts["sha256"])
    }

    /// A folder where a match file goes (the archive damaged by hand): the export stops, names
    /// the file and says to restore it, and publishes nothing.
    @Test func aFolderWhereAMatchFileGoesIsNamedAndNothingIsPublished() throws {
        let (folder, workspace, _) = try Self.generatedWorkspace(lines: 2_000)
        defer { try? FileManager.default.removeItem(at: folder) }
        let matches = workspace + "/archive/payments/bench/matches"
        let name = try #require(try FileManager.default.contentsOfDirectory(atPath: matches).sorted().first)
        try FileManager.default.removeItem(atPath: matches + "/" + name)
        try FileManager.default.createDirectory(atPath: matches + "/" + name, withIntermediateDirectories: false)
        let result = try Binary.run(["fec", "--year", "2025", "--date", "2026-01-15", "--workspace", workspace])
        #expect(result.status == 1)
        #expect(result.stderr.contains("\(name) is damaged"), "\(result.stderr)")
        #expect(result.stderr.contains("restore it from a backup"))
        #expect(!FileManager.default.fileExists(atPath: workspace + "/outbox/fec/812345676FEC20251231.txt"))
    }

    /// A workspace whose records make a FEC of `lines` lines, written by the bench's generator
    /// (`--measure fec`) in a new temporary folder (remove `folder` after use); `generated` is the
    /// generator's output (`bytes=`, `sha256=` of the FEC it computed in memory).
    static func generatedWorkspace(lines: Int) throws -> (folder: URL, workspace: String, generated: CommandResult) {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "facturation-fec-\(UUID().uuidString.prefix(8))")
        let workspace = folder.appendingPathComponent("child").path
        let generated = try Binary.run(
            ["--measure", "fec", "\(lines)", "7", workspace], executable: BenchCommandTests.bench)
        #expect(generated.status == 0, "\(generated.stderr)")
        return (folder, workspace, generated)
    }

    /// Runs the binary with a file-size limit of `blocks` 512-byte blocks (`ulimit -f`, as sh
    /// counts) and SIGXFSZ ignored (inherited across `exec`), so a write past it fails with EFBIG.
    static func runUnderFileSizeLimit(blocks: Int, _ arguments: [String]) throws -> CommandResult {
        try Binary.run(
            ["-c", "ulimit -f \(blocks) && trap '' XFSZ && exec \"$0\" \"$@\"", Binary.url.path] + arguments,
            executable: URL(fileURLWithPath: "/bin/sh"))
    }
}
