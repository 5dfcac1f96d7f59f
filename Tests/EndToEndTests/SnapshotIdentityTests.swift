import FacturationCore
import Foundation
import Testing

/// The identities checkpoints are keyed by. The one a run keys a closed year's summaries by
/// (``RunSnapshot/recordFolderIdentity(_:)``)
/// is that of the record files its snapshot read, for the whole run: a run that issues a batch
/// (in the open year) and whose closed year's record is edited after the snapshot read it, before
/// the receivables and the FEC are summarised, must not key the summaries of the documents read by
/// the edited file's identity, which the next run would believe (adversarial review of c805278).
@Suite("The snapshot's record identities", .serialized)
struct SnapshotIdentityTests {
    static let year = "archive/invoicing/demo-conseil/issued/2025"
    /// The closed year's receivables (``ReceivablesYearSummary``'s line file): no identity in it.
    static let receivables = "archive/checkpoints/demo-conseil/creances-annees/2025.tsv"

    /// F20250701's due date (unpaid: its receivable, reminders and forecast use it) moved a day in
    /// place, the file's size and modification time kept, while a run that issues a credit note of
    /// 2026 waits before its documents stage (after the invoicing stage, before payments and
    /// accounting); then a quiet run. Both runs' outputs, and the closed year's receivables the
    /// second one keeps, are those of a workspace whose checkpoints are deleted before each run,
    /// through the same edit at the same point. (Before, the first run keyed the receivables of the
    /// documents it had read by the edited file's identity, and every later run kept the old due
    /// date: no output shows it in the demo, the summary lied.)
    @Test func aClosedYearsRecordEditedDuringARunThatIssuesIsReadAgainByTheNextRun() throws {
        let (packed, reference) = try IssuedRecordPackTests.history()
        for workspace in [packed, reference] {
            try workspace.drop(
                "avoir-2026.toml", "[credit_note]\ninvoice = \"F20250704\"\nreason = \"erreur\"\nby = \"Camille\"\n")
            if workspace === reference { try ClosedYearFECTests.removeCheckpoints(workspace) }
            let result = try workspace.runPaused(
                ["run", "--settle", "0", "--date", "2026-01-07"], at: "before-documents"
            ) {
                try Self.edit(workspace, "F20250701", #""dueDate":"2025-07-31""#, to: #""dueDate":"2025-07-30""#)
            }
            #expect(result.status == 0 || result.status == 2, "\(result.stderr)")
            let issued = workspace.files(under: "archive/invoicing/demo-conseil/issued/2026")
            #expect(
                try issued.contains { try workspace.text($0).contains("F20250704") },
                "the credit note is issued in 2026")
        }
        try ClosedYearFECTests.runs(packed, ["2026-01-08"])
        try ClosedYearFECTests.runs(reference, ["2026-01-08"], beforeEach: ClosedYearFECTests.removeCheckpoints)
        try DemoReplayTests.expectSameOutputs(packed, as: reference)
        #expect(try packed.text(Self.receivables) == reference.text(Self.receivables))
        #expect(try reference.text(Self.receivables).contains("\tF20250701\t") == true)
    }

    /// A binary rewritten in place (the same inode; here with its own bytes), its size and
    /// modification time put back, is another build to the checkpoints: the record pack is written
    /// again under its new identity (before, the identity had no change time, and the checkpoints
    /// of the build it replaced were kept).
    @Test func aBinaryRewrittenInPlaceIsAnotherBuildToTheCheckpoints() throws {
        let workspace = try IssuedYearSummaryTests.workspace()
        try IssuedYearSummaryTests.history(workspace, then: ["2026-01-05"], beforeEach: { _ in })
        let binary = FileManager.default.temporaryDirectory.appendingPathComponent("facturation-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Binary.url, to: binary)
        defer { try? FileManager.default.removeItem(at: binary) }
        func packedBy(_ day: String) throws -> String {
            let result = try Binary.run(
                ["run", "--settle", "0", "--date", day, "--workspace", workspace.path], executable: binary)
            #expect(result.status == 0 || result.status == 2, "\(day): \(result.stderr)")
            return try IssuedRecordPackTests.header(workspace)[1]
        }
        Thread.sleep(forTimeInterval: 2.5)
        let before = try packedBy("2026-01-06")
        let bytes = try Data(contentsOf: binary)
        let reference = FileManager.default.temporaryDirectory.appendingPathComponent("time-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: reference) }
        try Data().write(to: reference)
        try ClosedYearFECTests.touch(reference, like: binary)
        let handle = try FileHandle(forUpdating: binary)
        try handle.write(contentsOf: bytes)
        try handle.close()
        try ClosedYearFECTests.touch(binary, like: reference)
        #expect(before.hasPrefix("binary "))
        #expect(try packedBy("2026-01-07") != before, "the pack written again for the rewritten binary")
    }

    /// `text` made `replacement` (as long) in `number`'s line of its record file, in place, the
    /// file's size and modification time kept (`touch -r`; its change time moves).
    static func edit(_ workspace: TestWorkspace, _ number: String, _ text: String, to replacement: String) throws {
        #expect(text.utf8.count == replacement.utf8.count)
        let relative = try #require(
            workspace.files(under: year).first {
                (try? workspace.text($0))?.contains(#""number":"\#(number)""#) == true
            })
        let file = workspace.root.appendingPathComponent(relative)
        let original = try String(contentsOf: file, encoding: .utf8)
        let line = try #require(original.range(of: #""number":"\#(number)""#))
        let start = original[..<line.lowerBound].lastIndex(of: "\n").map { original.index(after: $0) }
        let end = original[line.upperBound...].firstIndex(of: "\n") ?? original.endIndex
        let range = try #require(original[(start ?? original.startIndex)..<end].range(of: text))
        let reference = FileManager.default.temporaryDirectory.appendingPathComponent("edit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: reference) }
        try Data(original.utf8).write(to: reference)
        try ClosedYearFECTests.touch(reference, like: file)
        let handle = try FileHandle(forUpdating: file)
        try handle.write(contentsOf: Data(original.replacingCharacters(in: range, with: replacement).utf8))
        try handle.close()
        try ClosedYearFECTests.touch(file, like: reference)
    }
}
