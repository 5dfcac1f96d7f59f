import FacturationCore
import Foundation
import Testing

/// Issue #8, sections 2 and 3: no accepted value can crash a later run, and text from outside
/// never breaks an output. Every case goes through the real binary, and the next run must work.
@Suite("Hostile values")
struct HostileValueTests {
    static let qontoHeader =
        "Statut;Date de la valeur (UTC);Date de la valeur (local);Date de l'opération (UTC);"
        + "Date de l'opération (local);Montant total (TTC);Débit;Crédit;Solde;Devise;Nom du compte;IBAN du compte;"
        + "Nom de la contrepartie;IBAN de la contrepartie;Méthode de paiement;Identifiant de transaction;Référence;Note\n"

    static func qontoRow(id: String, amount: String, date: String = "07-07-2025 10:02:51") -> String {
        "Exécuté;;\(date);;\(date);\(amount);;\(amount);0,00;EUR;Compte principal;FR7216958000010123456789012;"
            + "Client;FR7630003000701234567890185;Virement;\(id);;\n"
    }

    static func clockifyRow(
        project: String = "LAA - INFRA", description: String = "Audit",
        start: String = "15/07/2025", end: String = "15/07/2025", duration: String = "01:30:00"
    ) -> String {
        "\"\(project)\",\"Les Automatismes Appliqués\",\"\(description)\",\"\",\"Camille Martin\",\"\",\"camille@demo.fr\","
            + "\"\",\"Yes\",\"\(start)\",\"09:00:00\",\"\(end)\",\"10:30:00\",\"\(duration)\",\"1.50\",\"110.00\",\"165.00\"\n"
    }

    static let clockifyHeader = QueueProtocolTests.clockifyCSV.split(separator: "\n").first.map { String($0) + "\n" }!

    private func reason(_ workspace: TestWorkspace, _ name: String) throws -> String {
        try workspace.text(
            try #require(workspace.files(under: "archive/rejected").first { $0.hasSuffix(name + ".reason.txt") }))
    }

    /// The scan decides a file's encoding from all of its bytes (32 at a time with AVX2): one
    /// Windows-1252 byte, or a UTF-8 sequence cut short, deep in an otherwise ASCII export (past
    /// the 64 KiB head the sniffer reads) and at any offset within a 32-byte block, makes the whole
    /// file Windows-1252, read as such; a whole UTF-8 sequence there leaves it UTF-8. Either way
    /// nothing is rejected and the next run has nothing to do.
    @Test func oneNonUTF8ByteDeepInAnExportMakesItWindows1252WhereverItSits() throws {
        let workspace = try TestWorkspace()
        let ascii = Self.clockifyRow().replacingOccurrences(of: "Appliqués", with: "Appliques")
        let body =
            Self.clockifyHeader
            + (0..<500).map { ascii.replacingOccurrences(of: "\"Audit\"", with: "\"Audit \($0)\"") }.joined()
        var expected: [String] = []
        for padding in [0, 9, 18, 31] {
            let pad = String(repeating: "x", count: padding)
            for (name, bytes, reads) in [
                ("cp1252", [0x63, 0x61, 0x66, 0xE9] as [UInt8], "caf\u{E9}"),
                ("cut", [0x63, 0x61, 0x66, 0xC3], "caf\u{C3}"),
                ("utf8", [0x63, 0x61, 0x66, 0xC3, 0xA9], "caf\u{E9}"),
            ] {
                var data = Data(body.utf8)
                // A new entry (its own day) whose description holds the bytes.
                data += Data(
                    Self.clockifyRow(description: "D", start: "16/07/2025", end: "16/07/2025")
                        .replacingOccurrences(of: "Appliqués", with: "Appliques")
                        .replacingOccurrences(of: "\"D\"", with: "\"\(pad)\(name)-").utf8)
                let cut = data.firstRange(of: Data("\(name)-".utf8))!.upperBound
                data.insert(contentsOf: bytes + [0x22], at: cut)
                _ = try workspace.drop("export-\(name)-\(padding).csv", data)
                expected.append("\(pad)\(name)-\(reads)")
            }
        }
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 0, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(workspace.files(under: "archive/rejected").isEmpty)
        let ledger = try workspace.text("archive/ledgers/demo-conseil/time-entries/2025-07.csv")
        for description in expected {
            #expect(ledger.contains("," + description + ","), "\(description.debugDescription)")
        }
        let next = try workspace.run(["run", "--settle", "0"])
        #expect(next.status == 0, "\(next.stdout)\n\(next.stderr)")
    }

    /// A UTF-8 export with one byte of another encoding deep in it (past the 64 KiB head: the
    /// `é` of one description as Windows-1252 writes it) is rejected with the place named, not
    /// read as Windows-1252: that garbled every accent, so the client's name no longer matched
    /// (its hours went without a client) and the mended file imported the same entries again
    /// under other fingerprints. A file cut inside a character is rejected as cut short; the same
    /// rows written in Windows-1252 throughout are imported with their accents, and the mended
    /// UTF-8 file then brings nothing new.
    @Test func aUTF8ExportWithOneByteOfAnotherEncodingIsRejectedNotGarbled() throws {
        let workspace = try TestWorkspace()
        let body =
            Self.clockifyHeader
            + (0..<1_000).map { Self.clockifyRow(project: "Audit réseau", description: "Réunion n° \($0)") }.joined()
        let utf8 = Data(body.utf8)
        var mixed = utf8
        let place = try #require(mixed.firstRange(of: Data("Réunion n° 700\"".utf8))).lowerBound + 1
        mixed.replaceSubrange(place..<(place + 2), with: [0xE9])
        try workspace.drop("mixed.csv", mixed)
        let cutAt = try #require(utf8.firstRange(of: Data("Réunion n° 900\"".utf8))).lowerBound + 2
        try workspace.drop("cut.csv", utf8.prefix(cutAt))
        try workspace.drop("latin.csv", try #require(body.data(using: .windowsCP1252)))
        // A small Windows-1252 export whose quotes make UTF-8 sequences by chance (`É”` is C9 94).
        let chance = Self.clockifyHeader + Self.clockifyRow(project: "Audit réseau", description: "Atelier “CAFÉ”")
        try workspace.drop("chance.csv", try #require(chance.data(using: .windowsCP1252)))
        // Three UTF-8 rows before the Windows-1252 ones.
        let minority =
            Data(body.prefix(while: { $0 != "\n" }).utf8) + Data("\n".utf8)
            + Data(
                (0..<3).map { Self.clockifyRow(project: "Audit réseau", description: "Bilan \($0)") }.joined().utf8)
            + (body.split(separator: "\n").dropFirst().prefix(30).map { $0 + "\n" }.joined()
                .replacingOccurrences(of: "Réunion", with: "Revue").data(using: .windowsCP1252) ?? Data())
        try workspace.drop("minority.csv", minority)
        let first = try workspace.run(["run", "--settle", "0"])
        #expect(first.status == 2, "stdout: \(first.stdout)\nstderr: \(first.stderr)")
        #expect(first.stdout.contains("2 imported, 3 rejected"), "\(first.stdout)")
        #expect(try reason(workspace, "minority.csv").contains("Line 5: \"\"Audit r<E9>seau\""))
        let mixedReason = try reason(workspace, "mixed.csv")
        #expect(
            mixedReason.contains(
                "Encoding:  UTF-8, with 1 place that is not (the first at byte \(place + 1), line 702)"),
            "\(mixedReason)")
        #expect(mixedReason.contains("Format:    Clockify detailed report (CSV)"), "\(mixedReason)")
        #expect(mixedReason.contains("one place in it is not"), "\(mixedReason)")
        #expect(mixedReason.contains("Line 702: \""), "\(mixedReason)")
        #expect(mixedReason.contains("R<E9>union n° 700"), "\(mixedReason)")
        #expect(mixedReason.contains("byte \(place + 1) of the file is not UTF-8"), "\(mixedReason)")
        let cutReason = try reason(workspace, "cut.csv")
        #expect(cutReason.contains("ends in the middle of a character"), "\(cutReason)")
        #expect(cutReason.contains("Line 902: \""), "\(cutReason)")
        #expect(cutReason.contains("\"R<C3>\""), "\(cutReason)")
        let ledger = try workspace.csvRecords("archive/ledgers/demo-conseil/time-entries/2025-07.csv")
        #expect(ledger.count == 1_001)
        #expect(ledger.contains { $0["description"] == "Atelier “CAFÉ”" })
        #expect(ledger.allSatisfy { $0["client_name"] == "Les Automatismes Appliqués" && $0["client_code"] == "LAA" })
        #expect(ledger.contains { $0["description"] == "Réunion n° 700" })
        // The same entries in UTF-8, mended: known already, whichever encoding brought them.
        try workspace.drop("mended.csv", utf8)
        let second = try workspace.run(["run", "--settle", "0"])
        #expect(second.status == 0, "\(second.stdout)\n\(second.stderr)")
        #expect(second.stdout.contains("(0 new, 0 updated, 1000 already known)"), "\(second.stdout)")
        let next = try workspace.run(["run", "--settle", "0"])
        #expect(next.status == 0, "\(next.stdout)\n\(next.stderr)")
    }

    /// A file of payment decisions and an Oxygène register export written in UTF-8 with one byte
    /// of another encoding are rejected the same way (they were read as Windows-1252: the names in
    /// them garbled); the same register in ISO-8859-1 throughout, as Oxygène writes it, is taken.
    @Test func decisionsAndRegistersWithAByteOfAnotherEncodingAreRejectedToo() throws {
        let workspace = try TestWorkspace(invoicing: true)
        let decisions =
            Data("receipt,invoice,amount,by,comment\nr-1,F2025-0001,100.00,Hélène,".utf8)
            + Data([0x63, 0x61, 0x66, 0xE9, 0x0A])
        try workspace.drop("decisions.csv", decisions)
        let register =
            OxygeneHistoryTests.header
            + OxygeneHistoryTests.row("F 20250701", "LAA01 - SOCIÉTÉ", "30/06/2025", "1000", "1200", due: "1200")
        var damaged = Data(register.utf8)
        let place = try #require(damaged.firstRange(of: Data("SOCIÉ".utf8))).lowerBound + 4
        damaged.replaceSubrange(place..<(place + 2), with: [0xC9])
        try workspace.drop("Factures clients.csv", damaged)
        let result = try workspace.run(["run", "--settle", "0", "--date", "2025-07-02"])
        #expect(result.status == 2, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        let decisionsReason = try reason(workspace, "decisions.csv")
        #expect(decisionsReason.contains("This file of payment decisions is written in UTF-8"), "\(decisionsReason)")
        #expect(decisionsReason.contains("Line 2: \"r-1,F2025-0001,100.00,Hélène,caf<E9>\""), "\(decisionsReason)")
        let registerReason = try reason(workspace, "Factures clients.csv")
        #expect(registerReason.contains("This Oxygène register export is written in UTF-8"), "\(registerReason)")
        #expect(registerReason.contains("SOCI<C9>T"), "\(registerReason)")
        try workspace.drop("Factures clients.csv", OxygeneRoundTripTests.latin1(register))
        let next = try workspace.run(["run", "--settle", "0", "--date", "2025-07-02"])
        #expect(next.status == 0, "\(next.stdout)\n\(next.stderr)")
        #expect(workspace.files(under: "archive/rejected").filter { $0.hasSuffix(".reason.txt") }.count == 2)
    }

    @Test func aQontoAmountNearTheIntegerLimitIsRejectedWithLineAndColumn() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.drop(
            "qonto-huge.csv", Self.qontoHeader + Self.qontoRow(id: "t-1", amount: "92233720368547758,07"))
        try workspace.drop(
            "qonto-large.csv", Self.qontoHeader + Self.qontoRow(id: "t-2", amount: "10000000000000000,00"))
        let result = try workspace.run(["run", "--settle", "0", "--date", "2025-08-01"])
        #expect(result.status == 2, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        for name in ["qonto-huge.csv", "qonto-large.csv"] {
            let text = try reason(workspace, name)
            #expect(text.contains("Line 2, column \"Montant total (TTC)\""), "\(text)")
            #expect(text.contains("beyond the 1000000000.00"), "\(text)")
        }
        // The runs after it keep working (they died with SIGILL before).
        for day in ["2025-09-01", "2025-10-01"] {
            let next = try workspace.run(["run", "--settle", "0", "--date", day])
            #expect(next.status == 0, "\(day): \(next.stdout)\n\(next.stderr)")
        }
    }

    @Test func aClockifyJSONDurationThatDisagreesWithItsIntervalIsRejected() throws {
        let workspace = try TestWorkspace(invoicing: true)
        func entry(_ id: String, _ duration: String) -> String {
            """
            {"_id": "\(id)", "description": "Audit", "userName": "Camille", "projectName": "LAA - INFRA",
             "clientName": "Les Automatismes Appliqués", "billable": true, "rate": 10000,
             "timeInterval": {"start": "2025-07-15T09:00:00+02:00", "end": "2025-07-15T10:00:00+02:00", "duration": \(duration)}}
            """
        }
        try workspace.drop("huge.json", "{\"timeentries\": [\(entry("a1", "1000000000000000"))]}")
        try workspace.drop("lie.json", "{\"timeentries\": [\(entry("a2", "7200"))]}")
        try workspace.drop("iso.json", "{\"timeentries\": [\(entry("a3", "\"P99999999999999999999D\""))]}")
        let result = try workspace.run(["run", "--settle", "0", "--date", "2025-08-01"])
        #expect(result.status == 2, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(try reason(workspace, "huge.json").contains("the duration does not match the start and end"))
        #expect(try reason(workspace, "lie.json").contains("they are 3600 seconds apart"))
        #expect(try reason(workspace, "iso.json").contains("expected seconds or an ISO 8601 duration"))
        #expect(!workspace.exists("archive/ledgers/demo-conseil/time-entries/2025-07.csv"))
        let next = try workspace.run(["run", "--settle", "0", "--date", "2025-09-01"])
        #expect(next.status == 0, "\(next.stdout)\n\(next.stderr)")
    }

    @Test func farDatesAndLongEntriesAreRejectedAndCreateNoLedger() throws {
        let workspace = try TestWorkspace()
        try workspace.drop("old.csv", Self.clockifyHeader + Self.clockifyRow(start: "01/01/0001", end: "01/01/0001"))
        try workspace.drop("future.csv", Self.clockifyHeader + Self.clockifyRow(start: "31/12/9999", end: "31/12/9999"))
        try workspace.drop(
            "weekend.csv",
            Self.clockifyHeader
                + Self.clockifyRow(start: "11/07/2025", end: "15/07/2025", duration: "97:30:00"))
        try workspace.drop(
            "qonto-old.csv", Self.qontoHeader + Self.qontoRow(id: "t-3", amount: "10,00", date: "01-01-0001 10:00:00"))
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 2, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        #expect(try reason(workspace, "old.csv").contains("outside the years 2000 to 2099"))
        #expect(try reason(workspace, "future.csv").contains("outside the years 2000 to 2099"))
        #expect(try reason(workspace, "weekend.csv").contains("more than the 72 hours"))
        #expect(try reason(workspace, "qonto-old.csv").contains("outside the years 2000 to 2099"))
        #expect(workspace.files(under: "archive/ledgers").isEmpty, "\(workspace.files(under: "archive/ledgers"))")
    }

    @Test func twoRowsWithTheSameTransactionIdAndDifferentAmountsAreAConflict() throws {
        let workspace = try TestWorkspace()
        try workspace.drop(
            "qonto-twice.csv",
            Self.qontoHeader + Self.qontoRow(id: "t-9", amount: "100,00")
                + Self.qontoRow(id: "t-9", amount: "1 000,00"))
        try workspace.drop(
            "qonto-same.csv",
            Self.qontoHeader + Self.qontoRow(id: "t-8", amount: "50,00")
                + Self.qontoRow(id: "t-8", amount: "50,00"))
        let result = try workspace.run(["run", "--settle", "0"])
        #expect(result.status == 2, "stdout: \(result.stdout)\nstderr: \(result.stderr)")
        let text = try reason(workspace, "qonto-twice.csv")
        #expect(text.contains("Line 3, column \"Identifiant de transaction\""), "\(text)")
        #expect(
            text.contains("this transaction id is also on line 2 with another amount (100.00 there, 1000.00 here)"),
            "\(text)")
        // The same row twice is not a conflict.
        #expect(result.stdout.contains("imported   qonto-same.csv"), "\(result.stdout)")
    }

    @Test func controlCharactersInNamesAreCleanedAndTheInvoiceIsIssued() throws {
        let workspace = try TestWorkspace(invoicing: true)
        let project = "LAA - INFRA\u{1B}[31m"
        let description = "Audit\u{FFFF} réseau\u{7}"
        try workspace.drop(
            "hostile.csv", Self.clockifyHeader + Self.clockifyRow(project: project, description: description))
        let first = try workspace.run(["run", "--settle", "0", "--date", "2025-07-20"])
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        let ledger = try workspace.csvRecords("archive/ledgers/demo-conseil/time-entries/2025-07.csv")
        #expect(ledger.first?["project_name"] == "LAA - INFRA [31m")
        #expect(ledger.first?["description"] == "Audit\u{FFFD} réseau ")
        let result = try workspace.run(["run", "--settle", "0", "--date", "2025-08-01"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let invoices = workspace.files(under: "outbox/invoices").filter { $0.hasSuffix(".xml") }
        let xml = try #require(
            try invoices.map { try workspace.text($0) }.first { $0.contains("LAA - INFRA") },
            "no invoice bills the hostile entry: \(invoices)")
        #expect(xml.contains("LAA - INFRA [31m"), "the project name is on the invoice, cleaned")
        #expect(!xml.contains("&#27;") && !xml.contains("&#7;"))
        // And it passes the official schema (the run validates every invoice before numbering it).
        #expect(result.stdout.contains("issued     invoice"), "\(result.stdout)")
    }

    /// The Type cell is the one text of a row the converter keeps apart from the row's own bytes
    /// (``PinnedText``, with the file's name, the currency and the client code): it is cleaned
    /// like the others.
    @Test func aControlCharacterInTheTypeCellIsCleaned() throws {
        let workspace = try TestWorkspace()
        let header =
            "\"Project\",\"Client\",\"Description\",\"Task\",\"User\",\"Email\",\"Type\",\"Billable\",\"Start Date\","
            + "\"Start Time\",\"End Date\",\"End Time\",\"Duration (h)\",\"Billable Rate (EUR)\",\"Billable Amount (EUR)\"\n"
        func row(_ type: String, _ start: String, _ end: String) -> String {
            "\"LAA - INFRA\",\"Les Automatismes Appliqués\",\"Audit\",\"\",\"Camille Martin\",\"camille@demo.fr\","
                + "\"\(type)\",\"Yes\",\"15/07/2025\",\"\(start)\",\"15/07/2025\",\"\(end)\",\"01:00:00\",\"110.00\",\"110.00\"\n"
        }
        try workspace.drop(
            "types.csv", header + row("Re\u{1B}gular", "09:00:00", "10:00:00") + row("BREAK", "10:00:00", "11:00:00"))
        let result = try workspace.run(["run", "--settle", "0", "--date", "2025-07-20"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        let ledger = try workspace.csvRecords("archive/ledgers/demo-conseil/time-entries/2025-07.csv")
        #expect(ledger.map { $0["entry_type"] } == ["re gular", "break"])
    }

    /// A file name holding a noncharacter (U+FFFF; control characters are already escaped in the
    /// shown name) is written the same, cleaned, in the time and the bank ledgers, and the next
    /// run works.
    @Test func aNoncharacterInAFileNameIsCleanedInEveryLedger() throws {
        let workspace = try TestWorkspace()
        try workspace.drop("temps\u{FFFF}.csv", Self.clockifyHeader + Self.clockifyRow())
        try workspace.drop("banque\u{FFFF}.csv", Self.qontoHeader + Self.qontoRow(id: "t-1", amount: "10,00"))
        let first = try workspace.run(["run", "--settle", "0", "--date", "2025-07-20"])
        #expect(first.status == 0, "\(first.stdout)\n\(first.stderr)")
        let time = try workspace.csvRecords("archive/ledgers/demo-conseil/time-entries/2025-07.csv")
        let bank = try workspace.csvRecords("archive/ledgers/demo-conseil/bank-transactions/2025-07.csv")
        #expect(time.map { $0["source_file"] } == ["temps\u{FFFD}.csv"])
        #expect(bank.map { $0["source_file"] } == ["banque\u{FFFD}.csv"])
        let next = try workspace.run(["run", "--settle", "0", "--date", "2025-07-21"])
        #expect(next.status == 0, "\(next.stdout)\n\(next.stderr)")
    }

    /// Ledgers written before the import bounds existed may hold values no import accepts today (a
    /// duration of 10^15 s, an amount near 2^63): invoicing, payments and accounting leave those rows
    /// out with a warning, and every run goes on (they used to trap on every run).
    @Test func rowsOfOlderLedgersBeyondTheBoundsAreLeftOutWithAWarning() throws {
        let workspace = try TestWorkspace(invoicing: true)
        try workspace.drop("a.csv", QueueProtocolTests.clockifyCSV)
        try workspace.drop("qonto.csv", Self.qontoHeader + Self.qontoRow(id: "old-1", amount: "100,00"))
        #expect(try workspace.run(["run", "--settle", "0", "--date", "2025-07-20"]).status == 0)
        func poison(_ relative: String, _ old: String, _ new: String) throws {
            let text = try workspace.text(relative)
            #expect(text.contains(old), "\(relative): \(text)")
            try text.replacingOccurrences(of: old, with: new)
                .write(toFile: workspace.path + "/" + relative, atomically: true, encoding: .utf8)
        }
        try poison(
            "archive/ledgers/demo-conseil/time-entries/2025-07.csv", ",5400,second,", ",1000000000000000,second,")
        try poison(
            "archive/ledgers/demo-conseil/bank-transactions/2025-07.csv", ",10000,100.00,",
            ",9223372036854775807,92233720368547758.07,")
        for day in ["2025-08-01", "2025-09-01"] {
            let result = try workspace.run(["run", "--settle", "0", "--date", day])
            #expect(result.status == 0 && !result.killedBySignal, "\(day): \(result.stdout)\n\(result.stderr)")
            if day == "2025-08-01" {
                #expect(
                    result.stdout.contains("1 billable time entries of 2025-07.csv last longer than 72 hours"),
                    "\(result.stdout)")
            }
            #expect(
                result.stdout.contains("1 booked bank transaction has an amount beyond 1,000,000,000.00"),
                "\(result.stdout)")
        }
        #expect(!(try workspace.issuedRecords(pipeline: "demo-conseil").values.contains { $0.contains("time-LAA") }))
    }

    /// `status` shows the last run's errors with their text, those of its invoicing stage included:
    /// a problem that recurs on every run must be visible without reading the run summaries.
    @Test func statusShowsTheLastRunsErrors() throws {
        let demo = try Repository.demoPipeline()
        let workspace = try TestWorkspace(
            pipeline: demo.replacingOccurrences(of: "oxygene_code = \"LAA01\"\n", with: ""))
        let result = try workspace.run(["run", "--settle", "0", "--date", "2025-08-01"])
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        let status = try workspace.run(["status"])
        #expect(status.stdout.contains("(exit status 1)"), "\(status.stdout)")
        #expect(status.stdout.contains("ERROR [demo-conseil] Oxygène export: "), "\(status.stdout)")
        #expect(status.stdout.contains("left out (the other documents are exported)"), "\(status.stdout)")
        #expect(status.stdout.contains("client LAA ("), "\(status.stdout)")
        #expect(status.stdout.contains("has no Oxygène client code"), "\(status.stdout)")
    }

    /// `fec-check` reads any FEC: amounts that add up beyond 64-bit cents are one finding, not a
    /// crash and not a wrong balance.
    @Test func fecCheckReportsAmountsThatAddUpBeyondWhatCanBeComputed() throws {
        let workspace = try TestWorkspace()
        let header =
            "JournalCode|JournalLib|EcritureNum|EcritureDate|CompteNum|CompteLib|CompAuxNum|CompAuxLib|PieceRef|"
            + "PieceDate|EcritureLib|Debit|Credit|EcritureLet|DateLet|ValidDate|Montantdevise|Idevise\r\n"
        let debit =
            "VT|Ventes|VT000001|20250701|411000|Clients|||F1|20250701|x|9999999999999999,99|0,00|||20250701||\r\n"
        let credit =
            "VT|Ventes|VT000001|20250701|706000|Ventes|||F1|20250701|x|0,00|9999999999999999,99|||20250701||\r\n"
        try workspace.drop(
            "552081317FEC20251231.txt", header + String(repeating: debit, count: 1000) + credit, into: "fec")
        let result = try workspace.run(
            ["fec-check", workspace.path + "/fec/552081317FEC20251231.txt"], workspaceFlag: false)
        #expect(result.status == 1, "\(result.stdout)\n\(result.stderr)")
        #expect(!result.killedBySignal)
        #expect(result.stdout.contains("add up beyond 92233720368547758,07"), "\(result.stdout)")
    }
}

/// Issue #8, section 3: a way out of a draft that cannot be issued, recorded in the archive.
@Suite("Drafts that cannot be issued")
struct UnissuableDraftTests {
    @Test func aDraftWhoseAmountsAreBeyondTheBoundWaitsForAPersonAndCanBeRejected() throws {
        let demo = try Repository.demoPipeline()
        // LAA's rate is the largest a pipeline file accepts: 1.5 hours of it is beyond what one document may total.
        let pipeline = demo.replacingOccurrences(
            of: "hourly_rate = 100\npayment_terms = \"30 days\"\noxygene_code = \"LAA01\"",
            with: "hourly_rate = 1000000000\npayment_terms = \"30 days\"\noxygene_code = \"LAA01\"")
        #expect(pipeline != demo)
        let workspace = try TestWorkspace(pipeline: pipeline)
        try workspace.drop("laa.csv", QueueProtocolTests.clockifyCSV)
        let result = try workspace.run(["run", "--settle", "0", "--date", "2025-08-01"])
        #expect(result.status == 0, "\(result.stdout)\n\(result.stderr)")
        #expect(result.stdout.contains("set aside for a person"), "\(result.stdout)")
        let form = try #require(workspace.files(under: "outbox/to-approve").first { $0.contains("time-LAA-2025-07") })
        #expect(try workspace.text(form).contains("cannot be issued"))
        #expect(
            !(try workspace.issuedRecords(pipeline: "demo-conseil").values.contains { $0.contains("time-LAA-2025-07") }),
            "no number was used for it")

        // The run after it does the same, without an error: the draft waits.
        let again = try workspace.run(["run", "--settle", "0", "--date", "2025-08-02"])
        #expect(again.status == 0, "\(again.stdout)\n\(again.stderr)")

        // Approving it does not make it issuable: every run reports it as an error...
        let id = String(Path.name(of: form).dropLast(".toml".count))
        #expect(try workspace.run(["approve", id, "--by", "Hugo"]).status == 0)
        let approved = try workspace.run(["run", "--settle", "0", "--date", "2025-08-03"])
        #expect(approved.status == 1, "\(approved.stdout)\n\(approved.stderr)")
        #expect(approved.stdout.contains("approved, but still not issued"), "\(approved.stdout)")

        // ...until a person rejects it, which may follow an approval that could not be issued;
        // the decision is recorded in the archive.
        let rejected = try workspace.run(["reject", id, "--reason", "taux horaire erroné", "--by", "Camille"])
        #expect(rejected.status == 0, "\(rejected.stdout)\n\(rejected.stderr)")
        #expect(workspace.exists("archive/invoicing/demo-conseil/decisions/\(id).json"))
        #expect(workspace.exists("archive/invoicing/demo-conseil/decisions/\(id).rejected-after-approval.json"))
        // A second rejection is refused: the decision is made.
        #expect(try workspace.run(["reject", id, "--reason", "encore"]).status == 1)
        let after = try workspace.run(["run", "--settle", "0", "--date", "2025-09-01"])
        #expect(after.status == 0, "\(after.stdout)\n\(after.stderr)")
        #expect(!after.stdout.contains("ERROR"), "\(after.stdout)")
        #expect(!workspace.exists(form), "the form of a rejected draft goes")
    }
}
