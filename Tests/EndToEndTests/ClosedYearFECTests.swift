import FacturationCore
import Foundation
import TestSupport
import Testing

/// The checkpoint of a closed fiscal year's monthly FEC files (`archive/checkpoints/<pipeline>/
/// fec-exercices/`, issue #9): the same files with and without it, late data of the year still
/// republishes its month, and a missing, damaged, stale or half-written checkpoint is rebuilt.
///
/// The demo with a fiscal year ending on 30 September: the runs of July to October 2025 close the
/// year 2024-10-01 – 2025-09-30, whose monthly files are July, August and September.
@Suite("Closed fiscal years, the FEC checkpoint", .serialized)
struct ClosedYearFECTests {
    static let checkpoint = "archive/checkpoints/demo-conseil/fec-exercices/2025-09-30.json"
    static let september = "outbox/fec/mensuel/2025-09/812345676FEC20250930.txt"
    static let july = "fec/mensuel/2025-07/812345676FEC20250930.txt"
    static let closingRuns = ["2025-07-01", "2025-08-01", "2025-09-01", "2025-10-01"]

    static func workspace() throws -> TestWorkspace {
        let text = try Repository.demoPipeline().replacingOccurrences(
            of: #"fiscal_year_end = "12-31""#, with: #"fiscal_year_end = "09-30""#)
        #expect(text.contains(#"fiscal_year_end = "09-30""#))
        let workspace = try TestWorkspace(pipeline: text)
        try workspace.dropDemoFiles()
        return workspace
    }

    /// Runs on `days`, calling `beforeEach` before each run; returns each run's summary.
    @discardableResult
    static func runs(
        _ workspace: TestWorkspace, _ days: [String], beforeEach: (TestWorkspace) throws -> Void = { _ in }
    ) throws -> [[String: Any]] {
        var summaries: [[String: Any]] = []
        for day in days {
            try beforeEach(workspace)
            let result = try workspace.run(["run", "--settle", "0", "--date", day, "--json"])
            #expect(result.status == 0 || result.status == 2, "\(day): \(result.stderr)")
            summaries.append(
                (try? JSONSerialization.jsonObject(with: Data(result.stdout.utf8))) as? [String: Any] ?? [:])
        }
        return summaries
    }

    /// Late data of September (booked in the closed year): a person decides the two waiting receipts.
    static func decideWaitingReceipts(_ workspace: TestWorkspace) throws {
        let unmatched = try workspace.csvRecords("outbox/paiements/encaissements-non-rapproches.csv")
        #expect(unmatched.count == 2)
        let rows = unmatched.map { "\($0["receipt"]!),\($0["amount"] == "600.00" ? "F20250805" : "IGNORE"),,Camille," }
        try workspace.drop("decisions.csv", "receipt,invoice,amount,by,comment\n" + rows.joined(separator: "\n") + "\n")
    }

    static func checkpointJSON(_ workspace: TestWorkspace) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: try workspace.data(checkpoint)) as? [String: Any] ?? [:]
    }

    /// A credit note for July's F20250704 (an invoice of the closed year), issued in the open one.
    static func creditOldInvoice(_ workspace: TestWorkspace) throws {
        try workspace.drop(
            "avoir.toml", "[credit_note]\ninvoice = \"F20250704\"\nreason = \"erreur\"\nby = \"Camille\"\n")
    }

    /// The `lines` the run summary reports for July's file.
    static func julyLines(_ summary: [String: Any]) -> Int? {
        let exports = summary["fec"] as? [[String: Any]] ?? []
        return exports.first { ($0["path"] as? String)?.hasSuffix(july) == true }?["lines"] as? Int
    }

    /// The monthly FEC files delivered and archived, by path (the suspense report beside them is
    /// dated with the run's day).
    static func fecFiles(_ workspace: TestWorkspace) throws -> [String: Data] {
        var files: [String: Data] = [:]
        for path in workspace.files(under: "outbox/fec/mensuel")
            + workspace.files(under: "archive/accounting/demo-conseil/fec/mensuel")
        {
            files[path] = try workspace.data(path)
        }
        #expect(files.count == 6)
        return files
    }

    @Test func theFilesAreTheSameWithAndWithoutTheCheckpointAndLateDataStillRepublishes() throws {
        let kept = try Self.workspace()
        try Self.runs(kept, Self.closingRuns)
        let written = try Self.checkpointJSON(kept)
        #expect(
            (written["months"] as? [[String: Any]])?.compactMap { $0["month"] as? String } == [
                "2025-07", "2025-08", "2025-09",
            ])
        let septemberAtClose = try kept.text(Self.september)
        try Self.decideWaitingReceipts(kept)
        try Self.runs(kept, ["2025-10-02", "2025-10-03"])
        #expect(try kept.text(Self.september) != septemberAtClose, "the decisions change September")
        #expect(
            try kept.text(Self.september)
                == kept.text("archive/accounting/demo-conseil/fec/mensuel/2025-09/812345676FEC20250930.txt"))
        let rewritten = try Self.checkpointJSON(kept)["inputs"] as? String
        #expect(rewritten != written["inputs"] as? String, "the year's entries changed: the checkpoint is rewritten")
        // A credit note of an old invoice, issued in the open year: its receipts' VAT transfers,
        // booked in the closed year, depend on what the invoice still owes, so the year's entries
        // may change; the checkpoint then describes them, and the next run leaves it as it is.
        try Self.creditOldInvoice(kept)
        try Self.runs(kept, ["2025-10-06"])
        let credited = try kept.csvRecords("outbox/registre-ventes.csv").filter { $0["type"] == "avoir" }
        #expect(credited.contains { $0["references"] == "F20250704" && $0["issue_date"] == "2025-10-06" })
        let afterCredit = try Self.checkpointJSON(kept)["inputs"] as? String
        try Self.runs(kept, ["2025-10-07"])
        #expect(try Self.checkpointJSON(kept)["inputs"] as? String == afterCredit)

        var deleted = 0
        let rebuilt = try Self.workspace()
        let removeCheckpoints = { (workspace: TestWorkspace) in
            let folder = workspace.root.appendingPathComponent("archive/checkpoints")
            if FileManager.default.fileExists(atPath: folder.path) {
                deleted += 1
                try FileManager.default.removeItem(at: folder)
            }
        }
        try Self.runs(rebuilt, Self.closingRuns, beforeEach: removeCheckpoints)
        try Self.decideWaitingReceipts(rebuilt)
        try Self.runs(rebuilt, ["2025-10-02", "2025-10-03"], beforeEach: removeCheckpoints)
        try Self.creditOldInvoice(rebuilt)
        try Self.runs(rebuilt, ["2025-10-06", "2025-10-07"], beforeEach: removeCheckpoints)
        // Every run but the first finds checkpoints to delete (from the first run on, the reports'
        // last deliveries are recorded there).
        #expect(deleted == 7)
        try DemoReplayTests.expectSameOutputs(kept, as: rebuilt)
    }

    @Test func aCheckpointThatStillDescribesTheYearIsReadAndADamagedOneIsRebuilt() throws {
        let workspace = try Self.workspace()
        let closing = try Self.runs(workspace, Self.closingRuns)
        let realLines = try #require(Self.julyLines(closing[3]))
        let original = try Self.checkpointJSON(workspace)
        let files = try Self.fecFiles(workspace)

        // Used: a planted figure for July comes back in the summary (the month is not rendered).
        var planted = original
        var months = try #require(planted["months"] as? [[String: Any]])
        var export = try #require(months[0]["export"] as? [String: Any])
        export["lines"] = realLines + 1000
        months[0]["export"] = export
        planted["months"] = months
        try JSONSerialization.data(withJSONObject: planted).write(
            to: workspace.root.appendingPathComponent(Self.checkpoint))
        let used = try Self.runs(workspace, ["2025-10-02"])
        #expect(Self.julyLines(used[0]) == realLines + 1000)

        // Damaged: rebuilt from the records, the same files, the real figures again.
        let url = workspace.root.appendingPathComponent(Self.checkpoint)
        let damages: [(String, () throws -> Void)] = [
            ("deleted", { try FileManager.default.removeItem(at: url) }),
            ("truncated", { try Data(try Data(contentsOf: url).prefix(40)).write(to: url) }),
            ("garbage", { try Data("\u{0}\u{1}not json at all".utf8).write(to: url) }),
            (
                "another version",
                {
                    var other = original
                    other["version"] = 99
                    try JSONSerialization.data(withJSONObject: other).write(to: url)
                }
            ),
            (
                "stale",
                {
                    var other = original
                    other["inputs"] = String(repeating: "0", count: 64)
                    try JSONSerialization.data(withJSONObject: other).write(to: url)
                }
            ),
        ]
        for (index, (damage, apply)) in damages.enumerated() {
            // Planted again, then damaged: a rebuilt checkpoint gives the real figure.
            try JSONSerialization.data(withJSONObject: planted).write(to: url)
            try apply()
            let summary = try Self.runs(workspace, ["2025-10-\(10 + index)"])
            #expect(Self.julyLines(summary[0]) == realLines, "\(damage)")
            let again = try Self.checkpointJSON(workspace)
            #expect(
                again["version"] as? Int == 2 && again["inputs"] as? String == original["inputs"] as? String,
                "\(damage)")
            #expect(try Self.fecFiles(workspace) == files, "\(damage)")
        }
    }

    @Test func aRunKilledWhileWritingTheCheckpointEndsLikeAnUninterruptedOne() throws {
        let reference = try Self.workspace()
        try Self.runs(reference, Array(Self.closingRuns.prefix(3)))
        let traced = try reference.run(
            ["run", "--settle", "0", "--date", "2025-10-01"], environment: ["FACTURATION_CRASH_TRACE": "1"])
        #expect(traced.status == 0 || traced.status == 2, "\(traced.stderr)")
        let steps = traced.stderr.split(separator: "\n").filter { $0.hasPrefix("crash-point ") }
        // Crash points are numbered from 1.
        let rename = try #require(steps.firstIndex { $0.contains("fec-exercices/2025-09-30.json") }) + 1
        let expected = try Self.fecFiles(reference)
        let expectedCheckpoint = try Self.checkpointJSON(reference)
        // Killed before the rename (the temporary file written), at the rename, and just after.
        for step in [rename - 1, rename, rename + 1] {
            let workspace = try Self.workspace()
            try Self.runs(workspace, Array(Self.closingRuns.prefix(3)))
            let crashed = try workspace.run(
                ["run", "--settle", "0", "--date", "2025-10-01"], environment: ["FACTURATION_CRASH_AFTER": "\(step)"])
            #expect(crashed.killedBySignal, "step \(step): \(crashed.stderr)")
            try Self.runs(workspace, ["2025-10-01"])
            #expect(try Self.fecFiles(workspace) == expected, "step \(step)")
            let checkpoint = try Self.checkpointJSON(workspace)
            #expect(checkpoint["inputs"] as? String == expectedCheckpoint["inputs"] as? String, "step \(step)")
        }
    }

    /// A bank line booked in September 2025 (the closed year) that arrives after the close: a bank
    /// fee no rule explains (suspense).
    static func dropLateBankLine(_ workspace: TestWorkspace) throws {
        let demo = try String(
            contentsOf: Repository.root.appendingPathComponent("demo/inbox/qonto-transactions-juillet-aout-2025.csv"),
            encoding: .utf8)
        let header = try #require(demo.split(separator: "\n").first)
        let line =
            "Exécuté;;20-09-2025 10:00:00;;20-09-2025 10:00:00;-12,00;12,00;;0,00;EUR;Compte principal;"
            + "FR7216958000010123456789012;Frais tenue de compte;;Prélèvement;qonto-late-0001;Frais septembre;"
        try workspace.drop("qonto-tardif.csv", header + "\n" + line + "\n")
    }

    /// The record of July's F20250704 (a closed year's) edited by hand: its client's name.
    static func editRecord(_ workspace: TestWorkspace) throws {
        let folder = "archive/invoicing/demo-conseil/issued/2025"
        let file = try #require(
            workspace.files(under: folder).first {
                (try? workspace.text($0))?.contains(#""number":"F20250704""#) == true
            })
        let lines = try workspace.text(file).split(separator: "\n", omittingEmptySubsequences: false).map { line in
            guard line.contains(#""number":"F20250704""#), let name = line.range(of: #""name":""#) else {
                return String(line)
            }
            return String(line[..<name.upperBound]) + "Corrigé " + String(line[name.upperBound...])
        }
        try Data(lines.joined(separator: "\n").utf8).write(to: workspace.root.appendingPathComponent(file))
    }

    /// What a closed year's entries read changes: a bank line booked in it arrives late, a record of
    /// it is edited, a credit note of the open year names an invoice its receipts paid, another
    /// binary runs. Each time the year's identity changes (it is posted and rendered again), and
    /// every file is the one of a workspace whose checkpoints are deleted before each run.
    @Test func aClosedYearIsRenderedAgainWhenWhatItsEntriesReadChanges() throws {
        let steps: [(String, (TestWorkspace) throws -> Void)] = [
            ("a late bank line", Self.dropLateBankLine),
            ("an edited record", Self.editRecord),
            ("a credit note naming an invoice the year's receipts paid", Self.creditOldInvoice),
            ("another binary", { _ in }),
        ]
        let kept = try Self.workspace(), rebuilt = try Self.workspace()
        let binary = FileManager.default.temporaryDirectory.appendingPathComponent("facturation-\(UUID().uuidString)")
        try FileManager.default.copyItem(at: Binary.url, to: binary)
        defer { try? FileManager.default.removeItem(at: binary) }
        try Self.runs(kept, Self.closingRuns)
        try Self.runs(rebuilt, Self.closingRuns, beforeEach: Self.removeCheckpoints)
        var inputs = try Self.checkpointJSON(kept)["inputs"] as? String
        let september = try kept.text(Self.september)
        for (index, (change, apply)) in steps.enumerated() {
            // Each change on its own day: the runs of 2 to 5 October.
            let day = "2025-10-0\(index + 2)"
            for workspace in [kept, rebuilt] {
                try apply(workspace)
                if workspace === rebuilt { try Self.removeCheckpoints(workspace) }
                let result = try Binary.run(
                    ["run", "--settle", "0", "--date", day, "--json", "--workspace", workspace.path],
                    executable: change == "another binary" ? binary : Binary.url)
                #expect(result.status == 0 || result.status == 2, "\(change): \(result.stderr)")
            }
            let now = try Self.checkpointJSON(kept)["inputs"] as? String
            #expect(now != nil && now != inputs, "\(change): the year is posted and its checkpoint rewritten")
            inputs = now
            #expect(try Self.fecFiles(kept) == Self.fecFiles(rebuilt), "\(change)")
        }
        #expect(try kept.text(Self.september) != september, "the late bank line is in September's file")
        try DemoReplayTests.expectSameOutputs(kept, as: rebuilt)
    }

    /// Once a run with nothing new has recorded the files the closed years' inputs are read from
    /// (`sources`, when their times are older than the racy window), the next run does not hash
    /// the inputs while those files are as recorded: a decision on a receipt of the year, a late
    /// bank line, an edited record and a credit note of the open year each move them, and the year
    /// is rendered again, every file as in a workspace whose checkpoints are deleted before each run.
    @Test func theRecordedSourcesGiveWayToEachChangeOfTheYearsInputs() throws {
        let steps: [(String, (TestWorkspace) throws -> Void)] = [
            ("a decision on a receipt of the year", Self.decideWaitingReceipts),
            ("a late bank line", Self.dropLateBankLine),
            ("an edited record", Self.editRecord),
            ("a credit note naming an invoice the year's receipts paid", Self.creditOldInvoice),
            ("a match file edited in place, its size and time kept", Self.editMatchInPlace),
        ]
        let kept = try Self.workspace(), rebuilt = try Self.workspace()
        try Self.runs(kept, Self.closingRuns)
        try Self.runs(rebuilt, Self.closingRuns, beforeEach: Self.removeCheckpoints)
        for (index, (change, apply)) in steps.enumerated() {
            // A run with nothing new, the files older than the racy window: it records them.
            Thread.sleep(forTimeInterval: 2.5)
            let quiet = "2025-10-\(10 + 2 * index)", changed = "2025-10-\(11 + 2 * index)"
            try Self.runs(kept, [quiet])
            try Self.runs(rebuilt, [quiet], beforeEach: Self.removeCheckpoints)
            let before = try Self.checkpointJSON(kept)
            #expect(before["sources"] is String, "\(change): the files are recorded")
            try apply(kept)
            try apply(rebuilt)
            try Self.runs(kept, [changed])
            try Self.runs(rebuilt, [changed], beforeEach: Self.removeCheckpoints)
            let inputs = try Self.checkpointJSON(kept)["inputs"] as? String
            #expect(inputs != nil && inputs != before["inputs"] as? String, "\(change): the year is rendered again")
            #expect(try Self.fecFiles(kept) == Self.fecFiles(rebuilt), "\(change)")
        }
        try DemoReplayTests.expectSameOutputs(kept, as: rebuilt)
    }

    /// A closed month's outbox file is hashed again only when its `stat` moved: one edited in place
    /// with its size and modification time kept (`touch -r`; its change time moves) is found
    /// changed and delivered again beside it, as when every file was hashed; one deleted is
    /// delivered again.
    @Test func aClosedMonthEditedInPlaceWithItsSizeAndTimeKeptIsDeliveredAgain() throws {
        let workspace = try Self.workspace()
        try Self.runs(workspace, Self.closingRuns)
        // The delivered files older than the racy window: the next run records their `stat`.
        Thread.sleep(forTimeInterval: 2.5)
        try Self.runs(workspace, ["2025-10-02"])
        let months = try #require(Self.checkpointJSON(workspace)["months"] as? [[String: Any]])
        #expect(months.count == 3 && months.allSatisfy { $0["delivered"] is [String: Any] })

        let july = workspace.root.appendingPathComponent("outbox/" + Self.july)
        let (original, edited) = try Self.editInPlace(july)
        #expect(try Data(contentsOf: july).count == original.count)
        try FileManager.default.removeItem(at: workspace.root.appendingPathComponent(Self.september))

        try Self.runs(workspace, ["2025-10-03"])
        let folder = "outbox/fec/mensuel/2025-07"
        let beside = workspace.files(under: folder).filter { $0.contains(".updated-") }
        #expect(beside.count == 1, "\(workspace.files(under: folder))")
        #expect(try beside.first.map { try workspace.data($0) } == original)
        #expect(try Data(contentsOf: july) == edited, "a person's file is left as it is")
        #expect(workspace.exists(Self.september), "a deleted month is delivered again")
    }

    /// A match of the closed year edited by hand in place: the invoice its one allocation pays is
    /// another invoice a match of the year pays (same length), the file's size and modification
    /// time kept (`touch -r`; its change time moves), and its folder's times unmoved.
    static func editMatchInPlace(_ workspace: TestWorkspace) throws {
        let folder = "archive/payments/demo-conseil/matches"
        let matches = try workspace.files(under: folder).map { ($0, try workspace.text($0)) }.filter {
            $0.1.contains(#""bookingDate" : "2025-0"#) && $0.1.components(separatedBy: #""invoice" : ""#).count == 2
        }
        let invoices = matches.compactMap { Self.invoice(in: $0.1) }
        let (file, text) = try #require(matches.first)
        let paid = try #require(Self.invoice(in: text))
        let other = try #require(invoices.first { $0 != paid && $0.utf8.count == paid.utf8.count })
        try Self.rewriteInPlace(
            workspace, file, text.replacingOccurrences(of: "\"\(paid)\"", with: "\"\(other)\""))
    }

    /// `file` rewritten with `text` (of the same length) in place: its size and modification time
    /// kept (`touch -r`; its change time moves), its folder's times unmoved (checked).
    static func rewriteInPlace(_ workspace: TestWorkspace, _ file: String, _ text: String) throws {
        let url = workspace.root.appendingPathComponent(file)
        let folder = url.deletingLastPathComponent()
        let reference = FileManager.default.temporaryDirectory.appendingPathComponent("edit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: reference) }
        try Data().write(to: reference)
        try Self.touch(reference, like: url)
        let folderTimes = try Self.times(folder)
        #expect(try Data(contentsOf: url).count == text.utf8.count)
        let handle = try FileHandle(forUpdating: url)
        try handle.write(contentsOf: Data(text.utf8))
        try handle.close()
        try Self.touch(url, like: reference)
        #expect(try Self.times(folder) == folderTimes)
    }

    /// The demo in the `oxygene` numbering mode, the fiscal year ending on 30 September: July to
    /// September issued under provisional references, confirmed on 2 October by one register
    /// export (Oxygène's numbers F20250700…), and the year closed. `beforeEach` as for ``runs``.
    static func confirmedYear(beforeEach: (TestWorkspace) throws -> Void = { _ in }) throws -> TestWorkspace {
        let text = try Repository.demoPipeline()
            .replacingOccurrences(of: #"fiscal_year_end = "12-31""#, with: #"fiscal_year_end = "09-30""#)
            .replacingOccurrences(of: "[invoicing]\n", with: "[invoicing]\nnumbering = \"oxygene\"\n")
        #expect(text.contains(#"numbering = "oxygene""#))
        let workspace = try TestWorkspace(pipeline: text)
        try workspace.dropDemoFiles()
        try runs(workspace, closingRuns, beforeEach: beforeEach)
        let pieces = try OxygeneNumberingTests.records(workspace).filter { $0.date < "2025-10-01" }
        try #require(pieces.count >= 3 && pieces.allSatisfy { $0.number.hasPrefix("P2025") })
        let numbered = pieces.enumerated().map { ($0.element, "F20250\(700 + $0.offset)") }
        try workspace.drop("Factures clients.csv", OxygeneNumberingTests.register(numbered))
        try runs(workspace, ["2025-10-02"], beforeEach: beforeEach)
        return workspace
    }

    /// A confirmation of the closed year edited by hand in place (Oxygène's number F20250700 made
    /// F20250799, same length, its size and time kept, its folder's times unmoved): the year is
    /// rendered again, as in a workspace without checkpoints (the sources take each confirmation
    /// file as read, not only its folder).
    @Test func aConfirmationEditedInPlaceRendersTheYearAgain() throws {
        let kept = try Self.confirmedYear()
        let rebuilt = try Self.confirmedYear(beforeEach: Self.removeCheckpoints)
        #expect(try Self.fecFiles(kept).values.contains { String(decoding: $0, as: UTF8.self).contains("F20250700") })
        // A run with nothing new, the files older than the racy window: it records them.
        Thread.sleep(forTimeInterval: 2.5)
        try Self.runs(kept, ["2025-10-03"])
        try Self.runs(rebuilt, ["2025-10-03"], beforeEach: Self.removeCheckpoints)
        let before = try Self.checkpointJSON(kept)
        #expect(before["sources"] is String, "the files are recorded")
        for workspace in [kept, rebuilt] {
            let file = try #require(
                workspace.files(under: "archive/invoicing/demo-conseil/confirmed").first {
                    (try? workspace.text($0))?.contains(#""number" : "F20250700""#) == true
                })
            try Self.rewriteInPlace(
                workspace, file, try workspace.text(file).replacingOccurrences(of: "F20250700", with: "F20250799"))
        }
        try Self.runs(kept, ["2025-10-04"])
        try Self.runs(rebuilt, ["2025-10-04"], beforeEach: Self.removeCheckpoints)
        #expect(try Self.checkpointJSON(kept)["inputs"] as? String != before["inputs"] as? String)
        #expect(try Self.fecFiles(kept) == Self.fecFiles(rebuilt))
    }

    /// The invoice of a match file's first allocation.
    static func invoice(in text: String) -> String? {
        guard let start = text.range(of: #""invoice" : ""#)?.upperBound, let end = text[start...].firstIndex(of: "\"")
        else { return nil }
        return String(text[start..<end])
    }

    /// A folder's modification and change times.
    static func times(_ url: URL) throws -> [Date?] {
        let values = try url.resourceValues(forKeys: [.contentModificationDateKey, .attributeModificationDateKey])
        return [values.contentModificationDate, values.attributeModificationDate]
    }

    /// Every checkpoint deleted: the reference workspace, whose every file is read again.
    static func removeCheckpoints(_ workspace: TestWorkspace) throws {
        try workspace.removeIfPresent("archive/checkpoints")
    }

    /// A closed month's bank ledger moved out of the archive and linked back (the link older than
    /// the racy window, so a quiet run records the sources with it), then edited through the link:
    /// the year is rendered again, as in a workspace without checkpoints (the sources take the
    /// link's target, not the link).
    @Test func aLedgerLinkedBackAndEditedThroughItsLinkRendersTheYearAgain() throws {
        let kept = try Self.workspace(), rebuilt = try Self.workspace()
        try Self.runs(kept, Self.closingRuns)
        try Self.runs(rebuilt, Self.closingRuns, beforeEach: Self.removeCheckpoints)
        var targets: [URL] = []
        for workspace in [kept, rebuilt] {
            let ledger = workspace.root.appendingPathComponent(
                "archive/ledgers/demo-conseil/bank-transactions/2025-07.csv")
            let target = workspace.root.appendingPathComponent("elsewhere-2025-07.csv")
            try FileManager.default.moveItem(at: ledger, to: target)
            try FileManager.default.createSymbolicLink(at: ledger, withDestinationURL: target)
            targets.append(target)
        }
        Thread.sleep(forTimeInterval: 2.5)
        try Self.runs(kept, ["2025-10-02"])
        try Self.runs(rebuilt, ["2025-10-02"], beforeEach: Self.removeCheckpoints)
        let before = try Self.checkpointJSON(kept)
        #expect(before["sources"] is String, "the files are recorded")
        for target in targets {
            let text = try String(contentsOf: target, encoding: .utf8)
            let edited = try #require(Self.firstLabelEdited(text))
            try Data(edited.utf8).write(to: target)
        }
        try Self.runs(kept, ["2025-10-03"])
        try Self.runs(rebuilt, ["2025-10-03"], beforeEach: Self.removeCheckpoints)
        let inputs = try Self.checkpointJSON(kept)["inputs"] as? String
        #expect(inputs != nil && inputs != before["inputs"] as? String, "the year is rendered again")
        #expect(try Self.fecFiles(kept) == Self.fecFiles(rebuilt))
    }

    /// A ledger's text with July's rent remittance edited (same length: its first letter capitalised).
    static func firstLabelEdited(_ text: String) -> String? {
        guard text.contains(",Loyer juillet,") else { return nil }
        return text.replacingOccurrences(of: ",Loyer juillet,", with: ",Loyer Juillet,")
    }

    /// A digit of `file` changed in place (same inode and size), its modification time put back
    /// (`touch -r`; its change time moves); returns the bytes before and after.
    static func editInPlace(_ file: URL) throws -> (original: Data, edited: Data) {
        let original = try Data(contentsOf: file)
        let reference = FileManager.default.temporaryDirectory.appendingPathComponent("edit-\(UUID().uuidString)")
        defer { try? FileManager.default.removeItem(at: reference) }
        try original.write(to: reference)
        try Self.touch(reference, like: file)
        var edited = original
        let digit = try #require(edited.lastIndex { $0 >= 0x31 && $0 <= 0x38 })
        edited[digit] += 1
        let handle = try FileHandle(forUpdating: file)
        try handle.write(contentsOf: edited)
        try handle.close()
        try Self.touch(file, like: reference)
        return (original, edited)
    }

    /// `touch -r`: the modification time of `file` set to that of `reference`, to the nanosecond.
    static func touch(_ file: URL, like reference: URL) throws {
        let touch = try runTool("/usr/bin/touch", ["-r", reference.path, file.path])
        #expect(touch.status == 0, "\(touch.output)")
    }
}
