import FacturationCore
import Foundation

/// Renders a run summary for people (text) or scripts (JSON).
enum SummaryPrinter {
    static func json(_ summary: RunSummary) -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = (try? encoder.encode(summary)) ?? Data("{}".utf8)
        return String(decoding: data, as: UTF8.self) + "\n"
    }

    static func text(_ summary: RunSummary) -> String {
        var out = "facturation run: \(summary.workspace) (today \(summary.today))\n"
        if summary.files.isEmpty && summary.waiting.isEmpty && summary.errors.isEmpty {
            return out + "Nothing to do: the inbox is empty.\n"
        }
        for file in summary.files {
            switch file.kind {
            case .imported:
                let kind: LedgerKind? = file.format.flatMap(InputFormat.init(rawValue:))?.ledger
                let noun: String = kind.map { file.records == 1 ? $0.recordNoun.singular : $0.recordNoun.plural }
                    ?? "records"
                out += "  imported   \(file.name): \(file.records) \(noun)"
                out += " (\(file.counts.added) new, \(file.counts.updated) updated, \(file.counts.unchanged) already known"
                if file.counts.removed > 0 { out += ", \(file.counts.removed) pending replaced" }
                out += ")\n"
                for path in file.delivered { out += "             -> \(path)\n" }
                for note in file.notes { out += "             note: \(note)\n" }
                for warning in file.warnings { out += "             WARNING: \(warning)\n" }
            case .rejected:
                out += "  REJECTED   \(file.name): \(file.reason ?? "")\n"
                out += "             reason: \(file.reasonFile ?? "")\n"
            case .duplicate:
                out += "  duplicate  \(file.name): same content as \(file.duplicateOf ?? "an earlier file"); "
                    + "not imported again\n"
            }
        }
        for waiting in summary.waiting {
            out += "  waiting    \(waiting.path): \(waiting.reason)\n"
        }
        for error in summary.errors {
            out += "  ERROR      \(error)\n"
        }
        out += "Summary: \(summary.files.count) file\(summary.files.count == 1 ? "" : "s") processed: "
            + "\(summary.importedCount) imported, \(summary.rejectedCount) rejected, \(summary.duplicateCount) duplicate"
            + (summary.waiting.isEmpty ? "" : "; \(summary.waiting.count) left in the inbox") + ".\n"
        if summary.rejectedCount > 0 {
            out += "Rejected files are in archive/rejected/ next to their .reason.txt (copies of the reasons "
                + "are in outbox/rejected/). Fix them and drop them into inbox/ again.\n"
        }
        return out
    }
}
