/// Links a reply to our documents: first through `In-Reply-To` / `References` (our Message-IDs are
/// `<name>.<pipeline>@<domain>`, where name is a document number, a resend `<number>.<n>` or a
/// reminder id), else through the issued document numbers written in its subject, then its text.
struct ReplyLinker {
    let pipelineID: String
    /// Every issued document, by number.
    let issued: [String: InvoiceDocument]
    let dunning: DunningStore

    init(run: PipelineRun) throws {
        pipelineID = run.pipeline.id
        issued = Dictionary(try run.snapshot().issued.map { ($0.number, $0) }, uniquingKeysWith: { first, _ in first })
        dunning = DunningStore(layout: run.layout)
    }

    func isInvoice(_ number: String) -> Bool { issued[number]?.kind == .invoice }

    /// The documents `record` is about, in the order found (empty: none of ours).
    func documents(for record: ReplyRecord) throws -> [String] {
        for id in record.replyTo {
            let found = try documents(ofMessageID: id)
            if !found.isEmpty { return found }
        }
        let subject = numbers(in: record.subject)
        if !subject.isEmpty { return subject }
        return numbers(in: ReplyClassifier.authoredText(record.text))
    }

    /// The documents of one of our Message-IDs; empty for another sender's id.
    private func documents(ofMessageID id: String) throws -> [String] {
        guard let at = id.lastIndex(of: "@") else { return [] }
        let left = id[..<at]
        let suffix = "." + pipelineID
        guard left.hasSuffix(suffix) else { return [] }
        let name = String(left.dropLast(suffix.count))
        if issued[name] != nil { return [name] }
        if let dot = name.lastIndex(of: "."), name[name.index(after: dot)...].allSatisfy(\.isNumber),
            issued[String(name[..<dot])] != nil
        {
            return [String(name[..<dot])]
        }
        if let reminder = try dunning.reminder(id: name) { return reminder.invoices.map(\.number) }
        return []
    }

    /// The issued document numbers written in `text`, each once, in order.
    private func numbers(in text: String) -> [String] {
        var found: [String] = []
        let words = text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "/") })
        for word in words {
            let candidate = String(word.trimmingPrefix(while: { $0 == "-" || $0 == "/" }))
            let trimmed = String(candidate.reversed().drop(while: { $0 == "-" || $0 == "/" }).reversed())
            if issued[trimmed] != nil, !found.contains(trimmed) { found.append(trimmed) }
        }
        return found
    }
}
