/// A request a person drops into the inbox: an approval decision or a credit-note request (TOML).
///
/// ```toml
/// [approval]                       # from outbox/to-approve/<draft>.toml
/// draft = "time-LAA-2025-07-1a2b3c4d5e"
/// decision = "approve"             # or "reject", with a reason
/// by = "Camille"
/// reason = ""
///
/// [credit_note]
/// invoice = "F20250809"
/// reason = "Heures facturées deux fois"
/// lines = [1]                      # optional: all lines by default
/// rebill = true                    # optional: the credited time entries become billable again
/// by = "Camille"
/// ```
public enum RequestFile: Sendable, Equatable {
    case approval(draft: String, approve: Bool, by: String, reason: String?)
    case creditNote(invoice: String, reason: String, lines: [Int]?, rebill: Bool, by: String)

    /// True when the start of a text file has an `[approval]` or `[credit_note]` table header.
    public static func looksLikeRequest(_ head: [UInt8]) -> Bool {
        let text = String(decoding: head.prefix(16_384), as: UTF8.self)
        return text.split(whereSeparator: \.isNewline).contains {
            let line = $0.trimmingCharacters(in: .whitespaces)
            return line == "[approval]" || line == "[credit_note]"
        }
    }

    /// Parses a request; the rejection lists every problem with its line.
    public static func parse(_ text: String) -> Result<RequestFile, Rejection> {
        let root: TOMLTable
        do throws(TOMLError) {
            root = try TOMLParser.parse(text)
        } catch {
            var problems = ProblemList()
            problems.add(Problem(line: error.line, columnNumber: error.column, message: error.message))
            return .failure(Rejection(format: nil, summary: "this request file is not valid TOML", problems: problems,
                                      advice: "Fix the line shown (compare with the file delivered in outbox/to-approve/) "
                                        + "and drop it into inbox/ again."))
        }
        let sink = TableReader.ErrorSink()
        let top = TableReader(table: root, name: "", file: "request", errors: sink)
        var request: RequestFile?
        _ = top.string("pipeline")
        if let table = top.subtable("approval") {
            _ = table.string("pipeline")
            let draft = table.string("draft", required: true) ?? ""
            let decision = (table.string("decision") ?? "approve").trimmed.lowercased()
            let reason = table.string("reason")
            let by = table.string("by") ?? ""
            switch decision {
            case "approve", "approved", "approuver": request = .approval(draft: draft, approve: true, by: by, reason: reason)
            case "reject", "rejected", "rejeter", "refuser":
                if (reason ?? "").trimmed.isEmpty { table.fail(key: "reason", "a rejection needs a reason") }
                request = .approval(draft: draft, approve: false, by: by, reason: reason)
            default: table.fail(key: "decision", "write \"approve\" or \"reject\" (found \"\(decision)\")")
            }
            table.finish()
        } else if let table = top.subtable("credit_note") {
            let invoice = table.string("invoice", required: true) ?? ""
            let reason = table.string("reason", required: true) ?? ""
            let lines = table.integers("lines", in: 1...10_000)
            request = .creditNote(invoice: invoice, reason: reason, lines: lines, rebill: table.bool("rebill") ?? true,
                                  by: table.string("by") ?? "")
            table.finish()
        }
        top.finish()
        if sink.errors.isEmpty, let request { return .success(request) }
        var problems = ProblemList()
        for error in sink.errors { problems.add(Problem(line: error.line, message: error.message)) }
        return .failure(Rejection(format: nil, summary: "this request file is incomplete or has unknown keys",
                                  problems: problems,
                                  advice: "Fix the keys listed (see README, \"Approval\" and \"Credit notes\") and drop "
                                    + "the file into inbox/ again."))
    }
}
