import FacturationCore
import Foundation
import Testing

/// The identity a run keys a closed year's summaries by (``RunSnapshot/recordFolderIdentity(_:)``)
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
