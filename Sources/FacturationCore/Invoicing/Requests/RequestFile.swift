/// A request a person drops into the inbox: an approval decision, a credit-note request, a hold on
/// reminders or a one-off invoice (TOML; ``OneOffRequest`` shows the last).
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
///
/// [dunning_hold]                   # suspends the reminders of an invoice (or a client)
/// invoice = "F20250809"            # or client = "LAA"
/// reason = "Litige sur les heures de juillet"
/// by = "Camille"
/// lift = false                     # optional: true lifts the hold
///
/// [one_off]                        # a one-off invoice, see OneOffRequest
/// client = "LAA"
///
/// [confirmation]                   # numbering = "oxygene": pairs identical pieces
/// provisional = "P202507-001"      # our provisional reference (WEB_ID)
/// number = "F20250746"             # Oxygène's number of that piece ("F 20250746" too)
/// by = "Camille"
/// ```
package enum RequestFile: Sendable, Equatable {
    case approval(draft: String, approve: Bool, by: String, reason: String?)
    case creditNote(invoice: String, reason: String, lines: [Int]?, rebill: Bool, by: String)
    case dunningHold(invoice: String?, client: String?, reason: String, by: String, lift: Bool)
    case oneOff(OneOffRequest)
    case numberConfirmation(reference: String, number: String, by: String)

    /// The table names that make a TOML file a request.
    static let headers: Set<String> = ["approval", "credit_note", "dunning_hold", "one_off", "confirmation"]

    /// Request files larger than this are refused (with a reason) rather than read.
    package static let maximumSize: Int64 = 1 << 20

    /// True when a file is a request, judged on its structure: TOML whose first significant line
    /// (after a UTF-8 byte-order mark, blank lines, `#` comments and `key = value` lines) is the
    /// table header `[approval]` or `[credit_note]`. A header anywhere else (inside a quoted
    /// multi-line CSV field, say) does not count: that file goes to the format sniffer.
    ///
    /// - Parameter head: the first bytes of the file (the 64 KiB of ``FileScan/head``).
    package static func looksLikeRequest(_ head: [UInt8]) -> Bool {
        var bytes = head[...]
        if bytes.starts(with: [0xEF, 0xBB, 0xBF]) { bytes = bytes.dropFirst(3) }
        for raw in bytes.split(separator: 0x0A, omittingEmptySubsequences: false) {
            let line = String(decoding: raw, as: UTF8.self).trimmed
            if line.isEmpty || line.hasPrefix("#") { continue }
            if line.hasPrefix("[") { return isRequestHeader(line) }
            guard isKeyValue(line) else { return false }
        }
        return false
    }

    /// One of ``headers`` in brackets (`[approval]`…), with optional spaces inside the brackets and a trailing comment.
    private static func isRequestHeader(_ line: String) -> Bool {
        guard !line.hasPrefix("[["), let close = line.firstIndex(of: "]") else { return false }
        let name = line[line.index(after: line.startIndex)..<close].trimming(" \t")
        let rest = line[line.index(after: close)...].trimming(" \t")
        return headers.contains(String(name)) && (rest.isEmpty || rest.hasPrefix("#"))
    }

    /// A one-line `key = value` pair: a bare, dotted or quoted key, then `=` and a value.
    private static func isKeyValue(_ line: String) -> Bool {
        guard let equals = line.firstIndex(of: "=") else { return false }
        let key = line[..<equals].trimming(" \t")
        let value = line[line.index(after: equals)...].trimming(" \t")
        guard !key.isEmpty, !value.isEmpty else { return false }
        if key.hasPrefix("\"") || key.hasPrefix("'") { return true }
        return key.unicodeScalars.allSatisfy {
            ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0)
                || $0 == "_" || $0 == "-" || $0 == "." || $0 == " "
        }
    }

    /// Reads and parses a request file; a file too large to be a request is rejected, not read.
    package static func read(path: String) throws(StorageError) -> Result<RequestFile, Rejection> {
        let size = try InputFile(path: path).size
        guard size <= maximumSize else {
            return .failure(
                Rejection(
                    format: nil, summary: "this request file is larger than \(maximumSize >> 20) MB (\(size) bytes)",
                    advice: "A request is a short TOML form: drop the file delivered in outbox/to-approve/ (or a "
                        + "[credit_note] request) as it is, without adding data to it."))
        }
        return parse(try Storage.readText(path, limit: Int(maximumSize)))
    }

    /// Parses a request; the rejection lists every problem with its line.
    package static func parse(_ text: String) -> Result<RequestFile, Rejection> {
        let root: TOMLTable
        do throws(TOMLError) {
            root = try TOMLParser.parse(text)
        } catch {
            var problems = ProblemList()
            problems.add(Problem(line: error.line, columnNumber: error.column, message: error.message))
            return .failure(
                Rejection(
                    format: nil, summary: "this request file is not valid TOML", problems: problems,
                    advice: "Fix the line shown (compare with the file delivered in outbox/to-approve/) "
                        + "and drop it into inbox/ again."))
        }
        let sink = TableReader.ErrorSink()
        let top = TableReader(table: root, name: "", file: "request", errors: sink)
        var request: RequestFile?
        _ = top.string("pipeline")
        if let table = top.subtable("approval") {
            request = readApproval(table)
            table.finish()
        } else if let table = top.subtable("credit_note") {
            request = readCreditNote(table)
            table.finish()
        } else if let table = top.subtable("dunning_hold") {
            request = readHold(table)
            table.finish()
        } else if let table = top.subtable("one_off") {
            request = OneOffRequest.read(table).map(RequestFile.oneOff)
            table.finish()
        } else if let table = top.subtable("confirmation") {
            request = readConfirmation(table)
            table.finish()
        }
        top.finish()
        if sink.errors.isEmpty, let request { return .success(request) }
        var problems = ProblemList()
        for error in sink.errors { problems.add(Problem(line: error.line, message: error.message)) }
        return .failure(
            Rejection(
                format: nil, summary: "this request file is incomplete or has unknown keys",
                problems: problems,
                advice: "Fix the keys listed (see README, \"Approval\", \"Credit notes\", \"One-off invoices\" "
                    + "and \"Reminders (relances)\") and drop the file into inbox/ again."))
    }

    /// `[approval]`: a draft id and a decision (approve by default; a rejection needs a reason).
    private static func readApproval(_ table: TableReader) -> RequestFile? {
        _ = table.string("pipeline")
        let draft = table.string("draft", required: true) ?? ""
        let decision = (table.string("decision") ?? "approve").trimmed.lowercased()
        let reason = table.string("reason")
        let by = table.string("by") ?? ""
        switch decision {
        case "approve", "approved", "approuver":
            return .approval(draft: draft, approve: true, by: by, reason: reason)
        case "reject", "rejected", "rejeter", "refuser":
            if (reason ?? "").trimmed.isEmpty { table.fail(key: "reason", "a rejection needs a reason") }
            return .approval(draft: draft, approve: false, by: by, reason: reason)
        default:
            table.fail(key: "decision", "write \"approve\" or \"reject\" (found \"\(decision)\")")
            return nil
        }
    }

    /// `[credit_note]`: the invoice it corrects, a reason, optionally some of its lines.
    private static func readCreditNote(_ table: TableReader) -> RequestFile? {
        let invoice = table.string("invoice", required: true) ?? ""
        let reason = table.string("reason", required: true) ?? ""
        let lines = table.integers("lines", in: 1...10_000)
        return .creditNote(
            invoice: invoice, reason: reason, lines: lines, rebill: table.bool("rebill") ?? true,
            by: table.string("by") ?? "")
    }

    /// `[confirmation]`: a provisional reference and an Oxygène number (`F20250746` or `F 20250746`).
    private static func readConfirmation(_ table: TableReader) -> RequestFile? {
        _ = table.string("pipeline")
        let reference = (table.string("provisional", required: true) ?? "").trimmed
        let text = (table.string("number", required: true) ?? "").trimmed
        let by = table.string("by") ?? ""
        guard !reference.isEmpty, !text.isEmpty else { return nil }
        guard let (_, number) = OxygeneRegisterReader.number(text) else {
            table.fail(key: "number", "\"\(text)\" is not an Oxygène number (F or A, then digits: F20250746)")
            return nil
        }
        return .numberConfirmation(reference: reference, number: number, by: by)
    }

    /// `[dunning_hold]`: exactly one of `invoice` and `client`; a reason unless it lifts the hold.
    private static func readHold(_ table: TableReader) -> RequestFile? {
        _ = table.string("pipeline")
        let invoice = table.string("invoice").map(\.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        let client = table.string("client").map(\.trimmed).flatMap { $0.isEmpty ? nil : $0 }
        let lift = table.bool("lift") ?? false
        let reason = table.string("reason") ?? ""
        if (invoice == nil) == (client == nil) {
            table.fail(key: "invoice", "name either invoice = \"F…\" or client = \"CODE\" (one of them)")
            return nil
        }
        if !lift, reason.trimmed.isEmpty { table.fail(key: "reason", "a hold needs a reason") }
        return .dunningHold(invoice: invoice, client: client, reason: reason, by: table.string("by") ?? "", lift: lift)
    }
}
