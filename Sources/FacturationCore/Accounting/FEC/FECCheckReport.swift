/// What ``FECChecker`` found in one FEC file: how it is written, its totals, and for each violated
/// rule the number of violations and the first few, with their line numbers. Encodes to the JSON of
/// `facturation fec-check --json` (amounts in cents, dates as written in the file).
public struct FECCheckReport: Sendable, Codable, Equatable {
    /// One violation shown as an example.
    public struct Example: Sendable, Codable, Equatable {
        /// The line of the file (the header is line 1), or nil for a file-level finding (name, totals).
        public var line: Int?
        /// The offending value as written (truncated to 120 characters).
        public var value: String
        /// What is wrong with it, in words.
        public var message: String

        public init(line: Int?, value: String, message: String) {
            self.line = line
            self.value = value
            self.message = message
        }
    }

    /// All violations of one rule.
    public struct Finding: Sendable, Codable, Equatable {
        /// The rule id (`FEC-32`).
        public var rule: String
        public var severity: FECRule.Severity
        /// The rule's one-line summary.
        public var description: String
        /// How many violations (lines, entries or values, depending on the rule).
        public var count: Int
        /// The first violations, in file order (at most ``FECChecker/Options/maxExamples``).
        public var examples: [Example]
    }

    /// Totals of one journal.
    public struct JournalTotal: Sendable, Codable, Equatable {
        public var code: String
        /// The first JournalLib seen for this code.
        public var label: String
        public var lines: Int
        public var entries: Int
        public var debitMinor: Int64
        public var creditMinor: Int64
    }

    /// Totals of one general-ledger account.
    public struct AccountTotal: Sendable, Codable, Equatable {
        public var number: String
        /// The first CompteLib seen for this account.
        public var label: String
        public var lines: Int
        public var debitMinor: Int64
        public var creditMinor: Int64
    }

    /// The file name the name rules were applied to (nil: not checked).
    public var fileName: String?
    /// `YYYY-MM-DD to YYYY-MM-DD` when the file was checked as an extract of its fiscal year (a monthly
    /// FEC); nil for a whole fiscal year.
    public var period: String?
    /// `ASCII`, `UTF-8`, `UTF-8 with BOM` or `ISO-8859-15`.
    public var encoding: String
    /// `tab` or `|` (nil when no legal separator was found in the header).
    public var separator: String?
    /// `CRLF`, `LF` or `CR` (the first record's), nil for a one-line file without terminator.
    public var lineEnding: String?
    /// The header's field names, as written.
    public var columns: [String]
    /// `Debit/Credit` or `Montant/Sens`.
    public var amountColumns: String
    /// `global` (one sequence for the file) or `per journal` (the same EcritureNum appears in two
    /// journals), nil without entries.
    public var numbering: String?
    /// Entry lines (header and blank lines excluded).
    public var lines: Int
    /// Entries (distinct JournalCode + EcritureNum).
    public var entries: Int
    public var debitMinor: Int64
    public var creditMinor: Int64
    /// Σ class 7 − Σ class 6 (credit − debit): the year's result to compare with the tax return.
    public var resultMinor: Int64
    /// Credit − debit of the 44574 accounts (VAT on receipts not yet due) at the end of the file.
    public var vatOnReceiptsBalanceMinor: Int64
    /// Per journal, in order of first appearance.
    public var journals: [JournalTotal]
    /// Per account, sorted by number.
    public var accounts: [AccountTotal]
    /// Violated rules, in rule order.
    public var findings: [Finding]
    /// Violations of error rules, summed.
    public var errorCount: Int
    /// Violations of warning rules, summed.
    public var warningCount: Int

    /// True when no error rule is violated (warnings allowed).
    public var isValid: Bool { errorCount == 0 }

    /// The finding of a rule, if it was violated.
    public func finding(_ rule: FECRule) -> Finding? { findings.first { $0.rule == rule.id } }

    /// How many times a rule was violated.
    public func count(_ rule: FECRule) -> Int { finding(rule)?.count ?? 0 }

    /// The exit status of `facturation fec-check`: 0 valid, 1 errors, 2 warnings only.
    public var exitStatus: Int32 { errorCount > 0 ? 1 : warningCount > 0 ? 2 : 0 }

    /// The human-readable report printed by `facturation fec-check`.
    public func text(showAccounts: Bool = false) -> String {
        var out = "\(fileName ?? "FEC file"): "
        if errorCount > 0 {
            out += "NOT COMPLIANT, \(Self.plural(errorCount, "error"))"
            out += warningCount > 0 ? ", \(Self.plural(warningCount, "warning"))\n" : "\n"
        } else if warningCount > 0 {
            out += "compliant, with \(Self.plural(warningCount, "warning"))\n"
        } else {
            out += "compliant\n"
        }
        if let period { out += "  period:   \(period) (an extract of the fiscal year)\n" }
        out += "  format:   \(encoding), separator \(separator ?? "none"), records end with \(lineEnding ?? "nothing"), "
            + "\(columns.count) columns (\(amountColumns))\n"
        out += "  content:  \(Self.plural(lines, "line")), \(Self.plural(entries, "entry", "entries"))"
            + (numbering.map { ", numbering \($0)" } ?? "") + "\n"
        out += "  totals:   debit \(FECFormat.amountText(debitMinor)), credit \(FECFormat.amountText(creditMinor))\n"
        out += "  result:   \(FECFormat.amountText(resultMinor)) (class 7 - class 6)"
        out += vatOnReceiptsBalanceMinor != 0
            ? "; VAT on receipts (44574) still due: \(FECFormat.amountText(vatOnReceiptsBalanceMinor))\n" : "\n"
        if !journals.isEmpty {
            out += "  journals:\n"
            let width = journals.map(\.code.count).max() ?? 2
            for journal in journals {
                let code = journal.code + String(repeating: " ", count: max(0, width - journal.code.count))
                out += "    \(code)  \(journal.label): \(Self.plural(journal.lines, "line")), "
                    + "\(Self.plural(journal.entries, "entry", "entries")), debit \(FECFormat.amountText(journal.debitMinor)), "
                    + "credit \(FECFormat.amountText(journal.creditMinor))\n"
            }
        }
        if showAccounts, !accounts.isEmpty {
            out += "  accounts:\n"
            for account in accounts {
                out += "    \(account.number)  \(account.label): debit \(FECFormat.amountText(account.debitMinor)), "
                    + "credit \(FECFormat.amountText(account.creditMinor))\n"
            }
        }
        for severity in [FECRule.Severity.error, .warning] {
            let selected = findings.filter { $0.severity == severity }
            guard !selected.isEmpty else { continue }
            out += severity == .error ? "\nErrors:\n" : "\nWarnings:\n"
            for finding in selected {
                out += "  \(finding.rule)  \(finding.description): \(finding.count)\n"
                for example in finding.examples {
                    let place = example.line.map { "line \($0)" } ?? "file"
                    let value = example.value.isEmpty ? "" : " '\(example.value)'"
                    out += "    \(place):\(value) \(example.message)\n"
                }
                if finding.count > finding.examples.count {
                    out += "    … and \(finding.count - finding.examples.count) more\n"
                }
            }
        }
        return out
    }

    private static func plural(_ count: Int, _ singular: String, _ plural: String? = nil) -> String {
        "\(count) " + (count == 1 ? singular : plural ?? singular + "s")
    }
}
