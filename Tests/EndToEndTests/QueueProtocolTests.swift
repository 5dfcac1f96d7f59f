import FacturationCore
import Foundation
import TestSupport
import Testing

/// The folder protocol promised in the README, checked through the real binary.
@Suite("Queue protocol")
struct QueueProtocolTests {
    static let clockifyCSV = """
        "Project","Client","Description","Task","User","Group","Email","Tags","Billable","Start Date","Start Time","End Date","End Time","Duration (h)","Duration (decimal)","Billable Rate (EUR)","Billable Amount (EUR)"
        "LAA - INFRA","Les Automatismes Appliqués","Audit","","Camille Martin","","camille@demo.fr","","Yes","15/07/2025","09:00:00","15/07/2025","10:30:00","01:30:00","1.50","110.00","165.00"

        """

    @Test func filesStillBeingWrittenAreLeftInTheInbox() throws {
        let workspace = try TestWorkspace()
        try workspace.drop("export.csv.part", Self.clockifyCSV)
        try workspace.drop(".hidden.csv", Self.clockifyCSV)
        try workspace.drop("download.crdownload", Self.clockifyCSV)

        // A writer that keeps appending while the run observes the settle window.
        let growing = try workspace.drop("growing.csv", "\"Project\",")
        let writer = Thread {
            guard let handle = try? FileHandle(forWritingTo: growing) else { return }
            for _ in 0..<30 {
                handle.seekToEndOfFile()
                handle.write(Data("\"x\",".utf8))
                Thread.sleep(forTimeInterval: 0.05)
            }
            try? handle.close()
        }
        writer.start()
        Thread.sleep(forTimeInterval: 0.1)
        let result = try workspace.run(["run", "--settle", "0.5"])
        #expect(result.status == 0, "stderr: \(result.stderr)")
        #expect(result.stdout.contains("growing.csv: still changing"))
        #expect(result.stdout.contains("export.csv.part: still being written"))
        #expect(workspace.exists("inbox/growing.csv"))
        #expect(workspace.exists("inbox/export.csv.part"))
        #expect(workspace.exists("inbox/.hidden.csv"))
        #expect(workspace.exists("inbox/download.crdownload"))
        // Nothing imported: only the run's summary and the day's digest (with its records) are written.
        #expect(
            workspace.files(under: "archive").filter {
                !$0.hasPrefix("archive/runs/") && !$0.hasPrefix("archive/digest/")
                    && !$0.hasPrefix("archive/deliveries/demo-conseil/synthese/")
            }.isEmpty)
        Thread.sleep(forTimeInterval: 1.6)

        // Once renamed to its final name, the finished export is taken.
        try FileManager.default.moveItem(
            atPath: workspace.path + "/inbox/export.csv.part",
            toPath: workspace.path + "/inbox/export.csv")
        let second = try workspace.run(["run", "--settle", "0.2"])
        #expect(second.stdout.contains("imported   export.csv: 1 time entry"))
        // The growing file is complete garbage once finished: it is rejected, not lost.
        #expect(second.stdout.contains("REJECTED   growing.csv"))
    }

    @Test func unknownFormatIsRejectedWithTheListOfUnderstoodFormats() throws {
        let workspace = try TestWorkspace()
        try workspace.drop("notes.txt", "Bonjour,\nvoici les heures du mois.\n")
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 2)
        let reasons = workspace.files(under: "archive/rejected").filter { $0.hasSuffix("notes.txt.reason.txt") }
        let reason = try workspace.text(try #require(reasons.first))
        #expect(reason.contains("The format of this file is not recognised"))
        #expect(reason.contains("Bonjour,"))
        for format in InputFormat.allCases { #expect(reason.contains(format.displayName)) }
        #expect(
            try workspace.text(String(reasons[0].dropLast(".reason.txt".count)))
                == "Bonjour,\nvoici les heures du mois.\n")
    }

    /// A zero (NUL) byte: no export holds one. The reason names where it is and, when the bytes
    /// before it are an understood export, which one (a damaged copy, not a stray file); the other
    /// files of the run are imported.
    @Test func aFileWithAZeroByteIsRejectedWithItsPlace() throws {
        let workspace = try TestWorkspace()
        var early = Data(Self.clockifyCSV.utf8)
        let secondLine = try #require(early.firstIndex(of: 0x0A)) + 10
        early[secondLine] = 0
        try workspace.drop("clockify-damaged.csv", early)
        // Past the 64 KiB the sniffer reads: only the byte is named.
        var late = Data(Self.clockifyCSV.utf8)
        let row = Self.clockifyCSV.split(separator: "\n")[1] + "\n"
        while late.count < 70_000 { late.append(contentsOf: Data(row.utf8)) }
        late.append(contentsOf: [0, 0, 0])
        try workspace.drop("clockify-cut.csv", late)
        try workspace.drop("garbage.bin", Data([0x00, 0x01, 0x02, 0xFF, 0x00]))
        // Lines ended by a lone CR (old Mac) count as lines too.
        var carriageReturns = Data(Self.clockifyCSV.replacingOccurrences(of: "\n", with: "\r").utf8)
        carriageReturns[secondLine] = 0
        try workspace.drop("clockify-cr.csv", carriageReturns)
        try workspace.drop("good.csv", Self.clockifyCSV)
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 2)
        #expect(result.stdout.contains("imported   good.csv: 1 time entry"))
        func reason(_ name: String) throws -> String {
            let found = workspace.files(under: "archive/rejected").filter { $0.hasSuffix(name + ".reason.txt") }
            return try workspace.text(try #require(found.first, "\(name) has no reason"))
        }
        let damaged = try reason("clockify-damaged.csv")
        #expect(damaged.contains("This looks like a Clockify detailed report (CSV)"), "\(damaged)")
        #expect(damaged.contains("zero (NUL) byte on line 2 (byte \(secondLine + 1))"), "\(damaged)")
        let cut = try reason("clockify-cut.csv")
        #expect(cut.contains("This looks like a Clockify detailed report (CSV)"), "\(cut)")
        #expect(cut.contains("zero (NUL) byte at byte \(late.count - 2)"), "\(cut)")
        let garbage = try reason("garbage.bin")
        #expect(garbage.contains("not recognised"), "\(garbage)")
        #expect(garbage.contains("zero (NUL) byte on line 1 (byte 1)"), "\(garbage)")
        let carriageReturn = try reason("clockify-cr.csv")
        #expect(carriageReturn.contains("zero (NUL) byte on line 2 (byte \(secondLine + 1))"), "\(carriageReturn)")
    }

    @Test func corruptCSVIsRejectedWithLineAndColumn() throws {
        let workspace = try TestWorkspace()
        let broken = Self.clockifyCSV + "\"LAA - INFRA\",\"Les Automatismes\",\"Audit \"urgent\"\",\"\"\n"
        try workspace.drop("clockify-broken.csv", broken)
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 2)
        let reason = try workspace.text(
            try #require(workspace.files(under: "archive/rejected").first { $0.hasSuffix(".reason.txt") }))
        #expect(reason.contains("The file is not valid CSV"))
        #expect(reason.contains("Line 3, column 42"))
        #expect(reason.contains("quotes must be doubled"))
    }

    @Test func badRowsAreAllListedAndNothingIsImported() throws {
        let workspace = try TestWorkspace()
        var csv = Self.clockifyCSV
        csv +=
            "\"LAA - INFRA\",\"LAA\",\"Bad date\",\"\",\"Camille\",\"\",\"c@d.fr\",\"\",\"Yes\",\"32/07/2025\",\"09:00:00\",\"32/07/2025\",\"10:00:00\",\"01:00:00\",\"1.00\",\"110.00\",\"110.00\"\n"
        csv +=
            "\"LAA - INFRA\",\"LAA\",\"Bad amount\",\"\",\"Camille\",\"\",\"c@d.fr\",\"\",\"Maybe\",\"16/07/2025\",\"09:00:00\",\"16/07/2025\",\"10:00:00\",\"01:00:00\",\"1.00\",\"110.00\",\"11O.00\"\n"
        try workspace.drop("clockify.csv", csv)
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 2)
        #expect(!workspace.exists("outbox/time-entries/2025-07.csv"))
        let reason = try workspace.text(
            try #require(workspace.files(under: "archive/rejected").first { $0.hasSuffix(".reason.txt") }))
        #expect(reason.contains("2 rows of this Clockify report cannot be read"))
        #expect(reason.contains("Line 3, column \"Start Date\" (10): \"32/07/2025\""))
        #expect(reason.contains("Line 4, column \"Billable\" (9): \"Maybe\" - expected Yes or No"))
        #expect(reason.contains("Line 4, column \"Billable Amount (EUR)\" (17): \"11O.00\""))
    }

    @Test func sameNameWithNewContentIsProcessedAndSameContentIsNot() throws {
        let workspace = try TestWorkspace()
        try workspace.drop("clockify.csv", Self.clockifyCSV)
        try workspace.run(["run", "--settle", "0"])
        // Same name, corrected content: a new file, processed; the entry is updated, not duplicated.
        let corrected = Self.clockifyCSV.replacingOccurrences(of: "\"Yes\"", with: "\"No\"")
        try workspace.drop("clockify.csv", corrected)
        let second = try workspace.run(["run", "--settle", "0"])
        #expect(second.stdout.contains("imported   clockify.csv: 1 time entry (0 new, 1 updated, 0 already known)"))
        let rows = try workspace.csvRecords("outbox/time-entries/2025-07.csv")
        #expect(rows.count == 1)
        #expect(rows.first?["billable"] == "false")
        #expect(rows.first?["category"] == "INTERNE")
        #expect(workspace.files(under: "archive/files").filter { $0.hasSuffix("/clockify.csv") }.count == 2)
    }

    /// A 9 MB export (parsed and hashed on second threads) is imported whole, archived byte for
    /// byte, and recognised when dropped again under another name. Also with its digest deferred
    /// (`DeferredDigest`, from 32 MB in production; here from 1 byte by its test seam): computed
    /// beside the conversion in pieces, or finished first when the conversion is on one core (the
    /// copy is then found before any conversion); the same identity, the copy still a duplicate.
    @Test(arguments: [
        [:], ["FACTURATION_DEFERRED_DIGEST": "1"],
        ["FACTURATION_DEFERRED_DIGEST": "1", "FACTURATION_CSV_PIECES": "\(1 << 20)"],
    ])
    func largeExportTakesTheThreadedPathsAndIsRecognisedAgain(environment: [String: String]) throws {
        let workspace = try TestWorkspace()
        let lines = Self.clockifyCSV.split(separator: "\n")
        var text = String(lines[0]) + "\r\n"
        var rows = 0
        func pad(_ value: Int) -> String { value < 10 ? "0\(value)" : "\(value)" }
        while text.utf8.count < 9 << 20 {
            // Spread over July's days and minutes, each with its own description (so its own record key).
            let day = 1 + rows % 31, minute = rows / 31 % 1_440
            let start = "\(pad(minute / 60)):\(pad(minute % 60)):00"
            let end = "\(pad(minute / 60)):\(pad(minute % 60)):30"
            text +=
                "\"LAA - INFRA\",\"Les Automatismes Appliqués\",\"Audit, lot \(rows) – « revue »\",\"\","
                + "\"Camille Martin\",\"\",\"camille@demo.fr\",\"\",\"Yes\",\"\(pad(day))/07/2025\",\"\(start)\","
                + "\"\(pad(day))/07/2025\",\"\(end)\",\"00:00:30\",\"0.01\",\"110.00\",\"0.92\"\r\n"
            rows += 1
        }
        let bytes = Data(text.utf8)
        try workspace.drop("gros-export.csv", bytes)
        let first = try workspace.run(["run", "--settle", "0"], environment: environment)
        #expect(first.status == 0, "stderr: \(first.stderr)")
        #expect(
            first.stderr.contains("csv-pieces ") == (environment["FACTURATION_CSV_PIECES"] != nil), "\(first.stderr)")
        #expect(
            first.stdout.contains("imported   gros-export.csv: \(rows) time entries (\(rows) new"), "\(first.stdout)")
        #expect(try workspace.csvRecords("archive/ledgers/demo-conseil/time-entries/2025-07.csv").count == rows)
        let archived = try #require(workspace.files(under: "archive/files").first { $0.hasSuffix("/gros-export.csv") })
        #expect(try workspace.data(archived) == bytes)
        // The identity is the SHA-256 of the whole file, as sha256sum computes it (not the run's own code).
        let sum = try runTool("/usr/bin/sha256sum", [workspace.root.appendingPathComponent(archived).path])
        #expect(sum.status == 0, "\(sum.output)")
        let digest = String(sum.output.prefix(64))
        #expect(
            workspace.files(under: "archive/index").contains { $0.hasSuffix("/\(digest).txt") },
            "no index marker named after \(digest)")

        try workspace.drop("copie.csv", bytes)
        // The pause point after a conversion, with its gate open: the point leaves a mark if reached.
        let gate = workspace.root.appendingPathComponent("gate").path
        #expect(FileManager.default.createFile(atPath: gate, contents: nil))
        let second = try workspace.run(
            ["run", "--settle", "0"],
            environment: environment.merging(["FACTURATION_TEST_PAUSE": "after-conversion:\(gate)"]) { $1 })
        if environment["FACTURATION_CSV_PIECES"] == nil {
            #expect(!FileManager.default.fileExists(atPath: gate + ".waiting"), "the copy was converted")
        } else {
            // In pieces beside its digest: at the latest past half of the pieces, the conversion
            // finishes the digest, finds the copy in the index and stops.
            #expect(second.stderr.contains("csv-pieces stopped"), "\(second.stderr)")
        }
        #expect(second.status == 0, "stderr: \(second.stderr)")
        #expect(second.stdout.contains("0 imported, 0 rejected, 1 duplicate"), "\(second.stdout)")
        let note = try #require(workspace.files(under: "archive/duplicates").first { $0.hasSuffix(".duplicate.txt") })
        #expect(try workspace.text(note).contains("gros-export.csv"))
        #expect(try workspace.csvRecords("archive/ledgers/demo-conseil/time-entries/2025-07.csv").count == rows)
    }

    /// A file imported before is a duplicate when dropped again, even when its conversion would now
    /// fail (the pipeline's date format changed since: 15/07 is no month/day date). With the digest
    /// deferred (test seam: every export), the file's identity is looked up before its conversion
    /// (one core: it could not stop) or, in pieces, before it is rejected.
    @Test(arguments: [
        [:], ["FACTURATION_DEFERRED_DIGEST": "0"],
        ["FACTURATION_DEFERRED_DIGEST": "0", "FACTURATION_CSV_PIECES": "64"],
    ])
    func aFileImportedBeforeIsADuplicateEvenWhenItWouldNowBeRejected(environment: [String: String]) throws {
        let workspace = try TestWorkspace()
        try workspace.drop("clockify.csv", Self.clockifyCSV)
        let first = try workspace.run(["run", "--settle", "0"], environment: environment)
        #expect(first.stdout.contains("1 imported"), "\(first.stdout)\(first.stderr)")
        let pipeline = workspace.root.appendingPathComponent("pipelines/demo-conseil.toml")
        let text = try String(contentsOf: pipeline, encoding: .utf8)
        try #require(text.contains("date_format = \"DD/MM/YYYY\""))
        try text.replacingOccurrences(of: "date_format = \"DD/MM/YYYY\"", with: "date_format = \"MM/DD/YYYY\"")
            .write(to: pipeline, atomically: true, encoding: .utf8)
        // The same edit of a new file is rejected: the conversion does fail now.
        try workspace.drop("other.csv", Self.clockifyCSV.replacingOccurrences(of: "Audit", with: "Audit 2"))
        try workspace.drop("copie.csv", Self.clockifyCSV)
        let second = try workspace.run(["run", "--settle", "0"], environment: environment)
        #expect(second.stdout.contains("0 imported, 1 rejected, 1 duplicate"), "\(second.stdout)\(second.stderr)")
        // In pieces, the copy was converted beside its digest; the lookup decided, whether the
        // conversion stopped for it or was rejected.
        #expect(second.stderr.contains("csv-pieces ") == (environment["FACTURATION_CSV_PIECES"] != nil))
        let note = try #require(workspace.files(under: "archive/duplicates").first { $0.hasSuffix(".duplicate.txt") })
        #expect(try workspace.text(note).contains("clockify.csv"))
    }

    @Test func anEditedOutboxCopyIsNeverOverwritten() throws {
        let workspace = try TestWorkspace()
        try workspace.drop("clockify.csv", Self.clockifyCSV)
        try workspace.run(["run", "--settle", "0"])
        try workspace.drop("2025-07.csv", "my own notes\n", into: "outbox/time-entries")
        let more = Self.clockifyCSV.replacingOccurrences(of: "Audit", with: "Audit, part 2")
        try workspace.drop("clockify-2.csv", more)
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.stdout.contains("was changed by someone"))
        #expect(try workspace.text("outbox/time-entries/2025-07.csv") == "my own notes\n")
        let updated = try #require(workspace.files(under: "outbox/time-entries").first { $0.contains(".updated-") })
        #expect(try workspace.csvRecords(updated).count == 2)
    }

    @Test func invalidConfigurationIsReportedWithFileAndLineAndNothingRuns() throws {
        let pipeline = """
            [company]
            name = "Demo"
            siren = "812345677"
            sirne = "typo"
            time_zone = "Europe/Pariss"
            [company.address]
            lines = ["1 rue"]
            postcode = "13001"
            city = "Marseille"
            """
        let workspace = try TestWorkspace(pipeline: pipeline, name: "bad")
        try workspace.drop("clockify.csv", Self.clockifyCSV)
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 3)
        #expect(result.stderr.contains("pipelines/bad.toml:3: company.siren: 812345677 is not a valid SIREN"))
        #expect(result.stderr.contains("pipelines/bad.toml:4: unknown key company.sirne; did you mean siren?"))
        #expect(result.stderr.contains("pipelines/bad.toml:5: company.time_zone: unknown time zone \"Europe/Pariss\""))
        #expect(workspace.exists("inbox/clockify.csv"))
        #expect(!workspace.exists("archive"))
        let check = try workspace.run(["check"])
        #expect(check.status == 3)
        #expect(!check.stderr.contains("Fatal error"))
    }

    @Test func aSecondRunRefusesWhileTheWorkspaceIsLocked() throws {
        let workspace = try TestWorkspace()
        try FileManager.default.createDirectory(atPath: workspace.path + "/work", withIntermediateDirectories: true)
        let lock = try #require(try WorkspaceLock(path: workspace.path + "/work/lock"))
        try workspace.drop("clockify.csv", Self.clockifyCSV)
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 4)
        #expect(result.stderr.contains("another facturation run is working on this workspace"))
        #expect(workspace.exists("inbox/clockify.csv"))
        withExtendedLifetime(lock) {}
    }

    @Test func initCreatesAWorkspaceThatChecksClean() throws {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent(
            "facturation-init-\(UUID().uuidString.prefix(8))")
        defer { try? FileManager.default.removeItem(at: folder) }
        let created = try Binary.run(["init", folder.path])
        #expect(created.status == 0)
        for name in ["inbox/README.md", "outbox/README.md", "archive/README.md", "pipelines/company.toml"] {
            #expect(FileManager.default.fileExists(atPath: folder.appendingPathComponent(name).path))
        }
        let check = try Binary.run(["check", "--workspace", folder.path])
        #expect(check.status == 0, "stderr: \(check.stderr)")
        #expect(check.stdout.contains("Example Conseil SAS"))
        let again = try Binary.run(["init", folder.path])
        #expect(again.status == 1)
        #expect(again.stderr.contains("already a workspace"))
    }

    @Test func watchProcessesNewFilesAndStopsCleanlyOnSIGTERM() throws {
        let workspace = try TestWorkspace()
        let watch = try Binary.start(["watch", "--interval", "0.2", "--settle", "0", "--workspace", workspace.path])
        try workspace.drop("clockify.csv", Self.clockifyCSV)
        var processed = false
        for _ in 0..<100 where !processed {
            Thread.sleep(forTimeInterval: 0.1)
            processed = workspace.exists("outbox/time-entries/2025-07.csv")
        }
        #expect(processed)
        watch.terminate()
        // The limit counts from the start: the import above may have taken most of a loaded minute.
        let result = watch.wait(within: .seconds(120))
        #expect(!result.timedOut && !result.killedBySignal && result.status == 0, "\(result.stderr)")
        #expect(result.stdout.contains("imported   clockify.csv"))
    }
}
