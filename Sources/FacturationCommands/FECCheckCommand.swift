import ArgumentParser
import FacturationCore
import Foundation

/// `facturation fec-check FILE`: checks any FEC file (ours or another program's) against the legal
/// format (article A47 A-1 LPF) and the accounting rules auditors apply (``FECRule``).
struct FECCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "fec-check",
        abstract: "Check a FEC file (Fichier des Écritures Comptables): format, fields, entries, numbering, totals.",
        discussion: """
            Reads the file once, whatever its size; detects the separator (tab or |), the encoding (UTF-8 or \
            ISO-8859-15) and the columns (Debit/Credit or Montant/Sens). Prints the format, the totals per \
            journal and, per violated rule, its count and the first offending lines. `--rules` lists the rules.

            The name's date must be the fiscal year's closing date (give it with --year-end to check it). A file \
            in a folder named after a period, YYYY-MM or YYYY-MM-DD_YYYY-MM-DD (outbox/fec/mensuel/2025-07/, \
            outbox/fec/periodes/…/), is checked as an extract of its fiscal year covering that period (or give \
            --period): its entries must lie in the period, and lettering may continue outside it.

            Exit status: 0 compliant; 1 errors (the file is not compliant, or cannot be read); \
            2 warnings only; 64 wrong command line.
            """)

    @Argument(help: ArgumentHelp("The FEC file to check.", valueName: "file"))
    var file: String?

    @Flag(help: "Print the report as JSON (amounts in cents).")
    var json = false

    @Option(help: ArgumentHelp("How many offending lines to show per rule.", valueName: "n"))
    var maxExamples = 10

    @Option(help: ArgumentHelp("Check the file as if it had this name (SIREN, closing date).", valueName: "name"))
    var name: String?

    @Option(
        help: ArgumentHelp(
            "First day of the fiscal year, YYYY-MM-DD (default: 12 months before the closing date, warnings only).",
            valueName: "date"))
    var yearStart: String?

    @Option(
        help: ArgumentHelp(
            "Closing date of the fiscal year, YYYY-MM-DD: the date in the file name must be this one.",
            valueName: "date"))
    var yearEnd: String?

    @Option(
        help: ArgumentHelp(
            "The file is an extract covering this period: YYYY-MM or YYYY-MM-DD_YYYY-MM-DD (default: the folder's name "
                + "when it is one).", valueName: "period"))
    var period: String?

    @Option(
        help: ArgumentHelp(
            "The day of the check, YYYY-MM-DD: a later ValidDate is an error (default: today).",
            valueName: "date"))
    var today: String?

    @Flag(help: "The file is one of our own exports: lines out of validation order are errors, not warnings.")
    var ownExport = false

    @Flag(help: "Also print the debit and credit totals of every account.")
    var accounts = false

    @Flag(help: "List the rules (id, severity, what they require) and exit.")
    var rules = false

    func validate() throws {
        if rules { return }
        guard let file else { throw ValidationError("Missing the FEC file to check (facturation fec-check FILE)") }
        guard let status = Storage.status(file) else {
            throw ValidationError("\(file): no such file")
        }
        if status.isDirectory { throw ValidationError("\(file) is a folder, not a FEC file") }
        if maxExamples < 0 { throw ValidationError("--max-examples must be 0 or more (got \(maxExamples))") }
        if let yearStart, CivilDate(iso: yearStart) == nil {
            throw ValidationError("--year-start must be a real date written YYYY-MM-DD (got \"\(yearStart)\")")
        }
        if let yearEnd, CivilDate(iso: yearEnd) == nil {
            throw ValidationError("--year-end must be a real date written YYYY-MM-DD (got \"\(yearEnd)\")")
        }
        if let period, FECFormat.period(folderName: period) == nil {
            throw ValidationError(
                "--period must be YYYY-MM or YYYY-MM-DD_YYYY-MM-DD, the first day not after the last "
                    + "(got \"\(period)\")")
        }
        if let today, CivilDate(iso: today) == nil {
            throw ValidationError("--today must be a real date written YYYY-MM-DD (got \"\(today)\")")
        }
    }

    func run() throws {
        if rules {
            var out = ""
            for rule in FECRule.allCases {
                let severity = rule.severity.rawValue
                out +=
                    rule.id.padding(toLength: 8, withPad: " ", startingAt: 0)
                    + severity.padding(toLength: 8, withPad: " ", startingAt: 0) + rule.summary + "\n"
            }
            StandardStreams.out(out)
            return
        }
        guard let file else { throw ExitCode(ExitStatus.usage) }
        let options = FECChecker.Options(
            fileName: name ?? Path.name(of: file), maxExamples: maxExamples,
            fiscalYearStart: yearStart.flatMap { CivilDate(iso: $0) },
            closingDate: yearEnd.flatMap { CivilDate(iso: $0) },
            period: FECFormat.period(folderName: period ?? Path.name(of: Path.parent(of: file))),
            today: try today.flatMap { CivilDate(iso: $0) } ?? Self.localToday(), ownExport: ownExport)
        let report: FECCheckReport
        do {
            report = try FECChecker.check(path: file, options: options)
        } catch {
            StandardStreams.err("facturation fec-check: cannot read \(file): \(error)\n")
            throw ExitCode(ExitStatus.failure)
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            StandardStreams.out(String(decoding: try encoder.encode(report), as: UTF8.self) + "\n")
        } else {
            StandardStreams.out(report.text(showAccounts: accounts))
        }
        if report.exitStatus != 0 { throw ExitCode(report.exitStatus) }
    }

    /// Today in the machine's time zone, on the process's clock (`FACTURATION_NOW`).
    private static func localToday() throws -> CivilDate? {
        CivilDate.today(in: .current, clock: try Clock.fromEnvironment())
    }
}
