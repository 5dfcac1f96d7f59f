import FacturationCore
import Foundation
import TestSupport
import Testing

#if canImport(Glibc)
import Glibc
#endif

/// Issue #8, section 1: a file the run cannot finish never blocks the others.
@Suite("Poison files")
struct PoisonFileTests {
    static let goodCSV = QueueProtocolTests.clockifyCSV

    /// Every run below must leave nothing claimed in work/ and take the good file.
    private func expectGoodFileImported(_ workspace: TestWorkspace, _ result: CommandResult) {
        #expect(result.stdout.contains("imported   good.csv: 1 time entry"), "stdout: \(result.stdout)")
        #expect(
            workspace.files(under: "work/claims").isEmpty, "left in work/: \(workspace.files(under: "work/claims"))")
    }

    @Test func aRejectedFileWithAVeryLongNameIsRejectedUnderAShortenedName() throws {
        let workspace = try TestWorkspace()
        let long = String(repeating: "relevé-très-long-", count: 12) + "fin.txt"  // 235 bytes
        #expect(long.utf8.count >= 209 && long.utf8.count <= 255)
        try workspace.drop(long, "pas un export\n")
        try workspace.drop("good.csv", Self.goodCSV)
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 2, "stderr: \(result.stderr)")
        expectGoodFileImported(workspace, result)
        let reasons = workspace.files(under: "archive/rejected").filter { $0.hasSuffix(".reason.txt") }
        let reason = try workspace.text(try #require(reasons.first))
        #expect(reason.contains("File:      \(long)"), "the reason names the original file")
        #expect(reason.contains("Kept as:"))
        let stored = try #require(
            workspace.files(under: "archive/rejected").first {
                !$0.hasSuffix(".reason.txt") && !$0.hasSuffix("/.claim")
            })
        #expect(Path.name(of: stored).utf8.count <= InboxName.maximumStoredBytes)
        #expect(Path.name(of: stored).hasSuffix(".txt"), "the extension is kept")
        #expect(try workspace.text(stored) == "pas un export\n", "kept byte for byte")
        #expect(workspace.files(under: "outbox/rejected").count == 1)
        // The next run has nothing left to do.
        let again = try workspace.run(["run", "--settle", "0"])
        #expect(again.status == 0, "stdout: \(again.stdout) stderr: \(again.stderr)")
    }

    @Test func aDuplicateWithAVeryLongNameIsRecordedAsADuplicate() throws {
        let workspace = try TestWorkspace()
        try workspace.drop("good.csv", Self.goodCSV)
        #expect(try workspace.run(["run", "--settle", "0"]).status == 0)
        let long = String(repeating: "x", count: 246) + ".csv"
        try workspace.drop(long, Self.goodCSV)
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 0, "stdout: \(result.stdout) stderr: \(result.stderr)")
        #expect(result.stdout.contains("duplicate  \(long)"))
        let notes = workspace.files(under: "archive/duplicates").filter { $0.hasSuffix(".duplicate.txt") }
        #expect(try workspace.text(try #require(notes.first)).contains(long))
        #expect(workspace.files(under: "work/claims").isEmpty)
    }

    @Test func aFileNameThatIsNotUTF8IsProcessedAndShownEscaped() throws {
        let workspace = try TestWorkspace()
        let raw: [UInt8] = Array("relev".utf8) + [0xE9] + Array(".csv".utf8)
        try writeRaw(name: raw, in: workspace.path + "/inbox", contents: Array(Self.goodCSV.utf8))
        let status = try workspace.run(["status"])
        #expect(status.stdout.contains("relev\\xE9.csv"), "status: \(status.stdout)")
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 0, "stdout: \(result.stdout) stderr: \(result.stderr)")
        #expect(result.stdout.contains("imported   relev\\xE9.csv: 1 time entry"))
        #expect(try workspace.text("archive/ledgers/demo-conseil/time-entries/2025-07.csv").contains("Audit"))
        let archived = try #require(workspace.files(under: "archive/files").first { !$0.hasSuffix("/.claim") })
        #expect(archived.hasSuffix("/relev_.csv"))
        let markers = workspace.files(under: "archive/index")
        #expect(
            try workspace.text(try #require(markers.first)).contains("relev\\\\xE9.csv"),
            "the index keeps the original name")
        #expect(try FileManager.default.contentsOfDirectory(atPath: workspace.path + "/inbox").isEmpty)
    }

    @Test func aFileTheServiceUserCannotReadIsRejectedAndTheOthersGoOn() throws {
        let workspace = try TestWorkspace()
        try workspace.drop("good.csv", Self.goodCSV)
        let locked = try workspace.drop("locked.csv", Self.goodCSV + "\"x\"\n")
        #expect(chmod(locked.path, 0) == 0)
        let result = try runAsUnprivileged(workspace, ["run", "--settle", "0"])
        #expect(result.status == 2, "stdout: \(result.stdout) stderr: \(result.stderr)")
        expectGoodFileImported(workspace, result)
        #expect(
            result.stdout.contains("REJECTED   locked.csv: the file cannot be read by the user running facturation"))
        let reason = try #require(workspace.files(under: "archive/rejected").first { $0.hasSuffix(".reason.txt") })
        #expect(try workspace.text(reason).contains("chmod a+r"))
        #expect(!(try workspace.text(reason).contains("folder")), "the folder is not blamed")
        let again = try runAsUnprivileged(workspace, ["run", "--settle", "0"])
        #expect(again.status == 0, "stdout: \(again.stdout) stderr: \(again.stderr)")
    }

    // MARK: - A file that changes after it was claimed

    @Test(arguments: ["after-conversion", "after-merge"])
    func aFileThatChangesAfterTheClaimGoesBackToTheInbox(point: String) throws {
        let workspace = try TestWorkspace()
        try workspace.drop("growing.csv", Self.goodCSV)
        // The producer was not done: it appends a second entry to the file the run has claimed.
        let second =
            "\"LAA - INFRA\",\"Les Automatismes Appliqués\",\"Revue\",\"\",\"Camille Martin\",\"\","
            + "\"camille@demo.fr\",\"\",\"Yes\",\"16/07/2025\",\"09:00:00\",\"16/07/2025\",\"10:00:00\",\"01:00:00\","
            + "\"1.00\",\"110.00\",\"110.00\"\n"
        let result = try workspace.runPaused(at: point, claimedFile: "growing.csv") {
            try TestWorkspace.append(second, to: $0)
        }
        #expect(result.status == 0, "stdout: \(result.stdout) stderr: \(result.stderr)")
        #expect(result.stdout.contains("put back   growing.csv: the file changed"), "stdout: \(result.stdout)")
        #expect(workspace.files(under: "archive/files").isEmpty, "nothing archived under a stale hash")
        #expect(workspace.files(under: "work/claims").isEmpty)
        #expect(try workspace.text("inbox/growing.csv") == Self.goodCSV + second)

        // The next run takes the complete file: both entries, archived byte for byte, hash matching.
        let next = try workspace.run(["run", "--settle", "0"])
        #expect(next.status == 0, "stdout: \(next.stdout) stderr: \(next.stderr)")
        #expect(next.stdout.contains("imported   growing.csv: 2 time entries"), "stdout: \(next.stdout)")
        let archived = try #require(workspace.files(under: "archive/files").first { !$0.hasSuffix("/.claim") })
        #expect(try workspace.text(archived) == Self.goodCSV + second)
        let marker = try workspace.text(try #require(workspace.files(under: "archive/index").first))
        #expect(marker.contains(sha256Hex(Array((Self.goodCSV + second).utf8))))
        let ledger = try workspace.csvRecords("archive/ledgers/demo-conseil/time-entries/2025-07.csv")
        #expect(ledger.count == 2, "each entry once")
    }

    /// A file that changed after its claim cannot go back to the inbox when a new file with the same
    /// name is already there: it is rejected with a reason, neither file is lost.
    @Test func aChangedFileWhoseNameWasTakenMeanwhileIsRejectedNotLost() throws {
        let workspace = try TestWorkspace()
        try workspace.drop("export.csv", Self.goodCSV)
        let result = try workspace.runPaused(at: "after-conversion", claimedFile: "export.csv") { claimed in
            try TestWorkspace.append("\"x\"\n", to: claimed)
            try workspace.drop("export.csv", "the producer's next file\n")
        }
        #expect(result.status == 2, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("REJECTED   export.csv: the file changed"), "\(result.stdout)")
        #expect(result.stdout.contains("a new file with the same name is already in the inbox"))
        #expect(try workspace.text("inbox/export.csv") == "the producer's next file\n")
        let kept = try #require(workspace.files(under: "archive/rejected").first { $0.hasSuffix("/export.csv") })
        #expect(try workspace.text(kept) == Self.goodCSV + "\"x\"\n")
        #expect(workspace.files(under: "work/claims").isEmpty)
    }

    /// A link that took a claimed file's place (here: the claim of an interrupted run) is rejected,
    /// never followed: the reason quotes nothing of what it points at.
    @Test func aLinkInPlaceOfAClaimedFileIsRejectedNotFollowed() throws {
        let workspace = try TestWorkspace()
        let secret = try workspace.drop("secret.txt", "mot de passe: hunter2\n", into: "elsewhere")
        let claim = workspace.path + "/work/claims/20250801-090000-000-0001-0badc0de"
        try FileManager.default.createDirectory(atPath: claim, withIntermediateDirectories: true)
        try "pipeline: demo-conseil\nname: export.csv\noriginal: export.csv\nclaimed_at: 2025-08-01T09:00:00+02:00\n"
            .write(toFile: claim + "/.claim", atomically: true, encoding: .utf8)
        try FileManager.default.createSymbolicLink(atPath: claim + "/export.csv", withDestinationPath: secret.path)
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 2, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("REJECTED   export.csv: this is not a regular file"), "\(result.stdout)")
        let reason = try #require(workspace.files(under: "archive/rejected").first { $0.hasSuffix(".reason.txt") })
        #expect(!(try workspace.text(reason).contains("hunter2")))
        #expect(try workspace.text("elsewhere/secret.txt") == "mot de passe: hunter2\n")
    }

    // MARK: - Helpers

    private func writeRaw(name: [UInt8], in folder: String, contents: [UInt8]) throws {
        let path = Array(folder.utf8) + [0x2F] + name + [0]
        let fd = path.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { open($0.baseAddress!, O_WRONLY | O_CREAT | O_EXCL, 0o644) }
        }
        #expect(fd >= 0)
        _ = contents.withUnsafeBytes { write(fd, $0.baseAddress, $0.count) }
        close(fd)
    }

    private func sha256Hex(_ bytes: [UInt8]) -> String {
        bytes.withUnsafeBytes { SHA256Hasher.hex($0) }
    }

    /// Runs the binary as an unprivileged user: as root (CI), `chmod 000` would not stop a read.
    private func runAsUnprivileged(_ workspace: TestWorkspace, _ arguments: [String]) throws -> CommandResult {
        guard getuid() == 0 else { return try workspace.run(arguments) }
        return try UnprivilegedRun.run(workspace, arguments)
    }
}

/// Issue #8, "Done when": a run with any mix of poisoned files, hostile values and hostile text
/// exits 0 or 2, issues every invoice it can, and the next runs do the same.
@Suite("Poison mix", .serialized)
struct PoisonMixTests {
    static let days = ["2025-08-01", "2025-09-01", "2025-10-01"]

    /// Files that must be rejected, or imported without changing any invoice.
    static func dropPoison(into workspace: TestWorkspace) throws {
        let qonto = HostileValueTests.self
        try workspace.drop(String(repeating: "x", count: 240) + ".csv", "pas un export\n")
        try workspace.drop("bad\nname\u{1B}.csv", "pas un export non plus\n")
        try workspace.drop(
            "qonto-huge.csv", qonto.qontoHeader + qonto.qontoRow(id: "p-1", amount: "92233720368547758,07"))
        try workspace.drop(
            "qonto-twice.csv",
            qonto.qontoHeader + qonto.qontoRow(id: "p-2", amount: "1,00")
                + qonto.qontoRow(id: "p-2", amount: "2,00"))
        try workspace.drop(
            "clockify-huge.json",
            """
            {"timeentries": [{"_id": "p-3", "projectName": "LAA - INFRA", "clientName": "LAA", "billable": true,
             "rate": 10000, "timeInterval": {"start": "2025-07-15T09:00:00Z", "end": "2025-07-15T10:00:00Z",
             "duration": 1000000000000000}}]}
            """)
        try workspace.drop(
            "clockify-far.csv", qonto.clockifyHeader + qonto.clockifyRow(start: "31/12/9999", end: "31/12/9999"))
        try workspace.drop("garbage.bin", Data((0..<4096).map { UInt8(truncatingIfNeeded: $0 &* 2_654_435_761 >> 7) }))
        try workspace.drop("empty.csv", "")
        try workspace.drop("deep.json", String(repeating: "[", count: 200_000))
        try workspace.drop("unterminated.csv", qonto.clockifyHeader + "\"LAA - INFRA,\"oops\n")
        try workspace.drop(
            "approval.toml", "[approval]\ndraft = \"time-NOBODY-2025-07-0000000000\"\ndecision = \"approve\"\n")
        try workspace.drop("decisions.csv", "receipt,invoice,amount,by,comment\nqonto:nope,F1,-5,x,y\n")
        // Hostile text that must not change any invoice: an internal entry and a bank expense.
        try workspace.drop(
            "clockify-hostile.csv",
            qonto.clockifyHeader
                .replacingOccurrences(of: "\"Billable\"", with: "\"Billable\"")
                + "\"Interne\u{1B}[2J - Veille\",\"\",\"=HYPERLINK(\"\"http://x.example\"\",\"\"clic\"\")\u{FFFF}\",\"\","
                + "\"Camille Martin\",\"\",\"camille@demo.fr\",\"\",\"No\",\"16/07/2025\",\"09:00:00\",\"16/07/2025\","
                + "\"10:00:00\",\"01:00:00\",\"1.00\",\"0.00\",\"0.00\"\n")
        try workspace.drop(
            "qonto-hostile.csv",
            qonto.qontoHeader
                + "Exécuté;;08-07-2025 10:00:00;;08-07-2025 10:00:00;-10,00;10,00;;0,00;EUR;Compte principal;"
                + "FR7216958000010123456789012;@SUM(1+1)*cmd|' /C calc'!A0\u{1B};;Prélèvement;p-4;=1+1;\n")
        try FileManager.default.createDirectory(
            atPath: workspace.path + "/inbox/a-folder", withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(
            atPath: workspace.path + "/inbox/a-link.csv", withDestinationPath: "/etc/passwd")
    }

    /// Number, client and total of every issued document.
    static func issued(_ workspace: TestWorkspace) throws -> [String] {
        try workspace.csvRecords("outbox/registre-ventes.csv").map {
            "\($0["number"] ?? "") \($0["client_code"] ?? "") \($0["total_incl_vat"] ?? "")"
        }
    }

    @Test func poisonedInboxesNeverStopInvoicing() throws {
        let reference = try TestWorkspace(invoicing: true)
        try reference.dropDemoFiles()
        let poisoned = try TestWorkspace(invoicing: true)
        try poisoned.dropDemoFiles()
        try Self.dropPoison(into: poisoned)
        for day in Self.days {
            try reference.run(["run", "--settle", "0", "--date", day])
            let result = try poisoned.run(["run", "--settle", "0", "--date", day])
            #expect(result.status == 0 || result.status == 2, "\(day): \(result.stdout)\n\(result.stderr)")
            #expect(!result.killedBySignal)
            #expect(poisoned.files(under: "work/claims").isEmpty, "\(day): files left claimed")
            #expect(try Self.issued(poisoned) == Self.issued(reference), "\(day): other invoices than without poison")
            // Poison keeps arriving: the same files again, every month.
            if day != Self.days.last {
                let more = try TestWorkspace(invoicing: true)
                try Self.dropPoison(into: more)
                for name in try FileManager.default.contentsOfDirectory(atPath: more.path + "/inbox")
                where !FileManager.default.fileExists(atPath: poisoned.path + "/inbox/" + name) {
                    try FileManager.default.moveItem(
                        atPath: more.path + "/inbox/" + name,
                        toPath: poisoned.path + "/inbox/" + name)
                }
            }
        }
        #expect(try Self.issued(poisoned).count >= 20)
        let rejected = poisoned.files(under: "archive/rejected").filter { $0.hasSuffix(".reason.txt") }
        #expect(rejected.count >= 2 * 12, "\(rejected.count) reasons")
        let status = try poisoned.run(["status"])
        #expect(status.status == 0)
        #expect(status.stdout.contains("a-folder") && status.stdout.contains("a-link.csv"))
    }
}

/// Runs the binary as user and group 65534 (nobody) on a workspace given to that user.
enum UnprivilegedRun {
    /// `prepare` runs (as root) after the workspace was given to 65534, before the run.
    static func run(
        _ workspace: TestWorkspace, _ arguments: [String],
        prepare: (String) throws -> Void = { _ in }
    ) throws -> CommandResult {
        // A copy of the binary the unprivileged user may run, wherever the build folder is (a CI
        // clone under /root is not readable by others).
        let folder = workspace.root.appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let binary = folder.appendingPathComponent("facturation")
        if !FileManager.default.fileExists(atPath: binary.path) {
            try FileManager.default.copyItem(at: Binary.url, to: binary)
        }
        try FileManager.default.setAttributes([.posixPermissions: 0o755], ofItemAtPath: binary.path)
        let chown = try runTool("/bin/chown", ["-R", "65534:65534", workspace.path])
        #expect(chown.status == 0, "\(chown.output)")
        try prepare(workspace.path)
        return try Binary.run(
            ["--reuid=65534", "--regid=65534", "--clear-groups", binary.path]
                + arguments + ["--workspace", workspace.path],
            executable: URL(fileURLWithPath: "/usr/bin/setpriv"))
    }
}
