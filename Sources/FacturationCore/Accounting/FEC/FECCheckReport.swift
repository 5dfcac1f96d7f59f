/// What ``FECChecker`` found in one FEC file: how it is written, its totals, and for each violated
/// rule the number of violations and the first few, with their line numbers. Encodes to the JSON of
/// `facturation fec-check --json` (amounts in cents, dates as written in the file).
package struct FECCheckReport: Sendable, Codable, Equatable {
    /// One violation shown as an example.
    package struct Example: Sendable, Codable, Equatable {
        /// The line of the file (the header is line 1), or nil for a file-level finding (name, totals).
        package var line: Int?
        /// The offending value as written (truncated to 120 characters).
        package var value: String
        /// What is wrong with it, in words.
        package var message: String

        package init(line: Int?, value: String, message: String) {
            self.line = line
            self.value = value
            self.message = message
        }
    }

    /// All violations of one rule.
    package struct Finding: Sendable, Codable, Equatable {
        /// The rule id (`FEC-32`).
        package var rule: String
        package var severity: FECRule.Severity
        /// The rule's one-line summary.
        package var description: String
        /// How many violations (lines, entries or values, depending on the rule).
        package var count: Int
        /// The first violations, in file order (at most ``FECChecker/Options/maxExamples``).
        package var examples: [Example]
    }

    /// Totals of one journal.
    package struct JournalTotal: Sendable, Codable, Equatable {
        package var code: String
        /// The first JournalLib seen for this code.
        package var label: String
        package var lines: Int
        package var entries: Int
        package var debitMinor: Int64
        package var creditMinor: Int64
    }

    /// Totals of one general-ledger account.
    package struct AccountTotal: Sendable, Codable, Equatable {
        package var number: String
        /// The first CompteLib seen for this account.
        package var label: String
        package var lines: Int
        package var debitMinor: Int64
        package var creditMinor: Int64
    }

    /// The file name the name rules were applied to (nil: not checked).
    package var fileName: String?
    /// `YYYY-MM-DD to YYYY-MM-DD` when the file was checked as an extract of its fiscal year (a monthly
    /// FEC); nil for a whole fiscal year.
    package var period: String?
    /// `ASCII`, `UTF-8`, `UTF-8 with BOM` or `ISO-8859-15`.
    package var encoding: String
    /// `tab` or `|` (nil when no legal separator was found in the header).
    package var separator: String?
    /// `CRLF`, `LF` or `CR` (the first record's), nil for a one-line file without terminator.
    package var lineEnding: String?
    /// The header's field names, as written.
    package var columns: [String]
    /// `Debit/Credit` or `Montant/Sens`.
    package var amountColumns: String
    /// `global` (one sequence for the file) or `per journal` (the same EcritureNum appears in two
    /// journals), nil without entries.
    package var numbering: String?
    /// Entry lines (header and blank lines excluded).
    package var lines: Int
    /// Entries (distinct JournalCode + EcritureNum).
    package var entries: Int
    package var debitMinor: Int64
    package var creditMinor: Int64
    /// Σ class 7 − Σ class 6 (credit − debit): the year's result to compare with the tax return.
    package var resultMinor: Int64
    /// Credit − debit of the 44574 accounts (VAT on receipts not yet due) at the end of the file.
    package var vatOnReceiptsBalanceMinor: Int64
    /// Per journal, in order of first appearance.
    package var journals: [JournalTotal]
    /// Per account, sorted by number.
    package var accounts: [AccountTotal]
    /// Violated rules, in rule order.
    package var findings: [Finding]
    /// Violations of error rules, summed.
    package var errorCount: Int
    /// Violations of warning rules, summed.
    package var warningCount: Int

    /// True when no error rule is violated (warnings allowed).
    package var isValid: Bool { errorCount == 0 }

    /// The finding of a rule, if it was violated.
    package func finding(_ rule: FECRule) -> Finding? { findings.first { $0.rule == rule.id } }

    /// How many times a rule was violated.
    package func count(_ rule: FECRule) -> Int { finding(rule)?.count ?? 0 }

    /// The exit status of `facturation fec-check`: 0 valid, 1 errors, 2 warnings only.
    package var exitStatus: Int32 { errorCount > 0 ? 1 : warningCount > 0 ? 2 : 0 }

    /// The human-readable report printed by `facturation fec-check`.
    package func text(showAccounts: Bool = false) -> String {
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
        out +=
            "  format:   \(encoding), separator \(separator ?? "none"), records end with \(lineEnding ?? "nothing"), "
            + "\(columns.count) columns (\(amountColumns))\n"
        out +=
            "  content:  \(Self.plural(lines, "line")), \(Self.plural(entries, "entry", "entries"))"
            + (numbering.map { ", numbering \($0)" } ?? "") + "\n"
        out += "  totals:   debit \(FECFormat.amountText(debitMinor)), credit \(FECFormat.amountText(creditMinor))\n"
        out += "  result:   \(FECFormat.amountText(resultMinor)) (class 7 - class 6)"
        out +=
            vatOnReceiptsBalanceMinor != 0
            ? "; VAT on receipts (44574) still due: \(FECFormat.amountText(vatOnReceiptsBalanceMinor))\n" : "\n"
        if !journals.isEmpty {
            out += "  journals:\n"
            let width = journals.map(\.code.count).max() ?? 2
            for journal in journals {
                let code = journal.code + String(repeating: " ", count: max(0, width - journal.code.count))
                out +=
                    "    \(code)  \(journal.label): \(Self.plural(journal.lines, "line")), "
                    + "\(Self.plural(journal.entries, "entry", "entries")), debit \(FECFormat.amountText(journal.debitMinor)), "
                    + "credit \(FECFormat.amountText(journal.creditMinor))\n"
            }
        }
        if showAccounts, !accounts.isEmpty {
            out += "  accounts:\n"
            for account in accounts {
                out +=
                    "    \(account.number)  \(account.label): debit \(FECFormat.amountText(account.debitMinor)), "
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
