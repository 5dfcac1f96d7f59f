/// The subject and body of an e-mail template, read from a text file a person edits: a first
/// line `Objet : …`, an empty line, then the body. `{name}` is replaced by a value of `Value`;
/// `{{` and `}}` write a brace. An unknown placeholder is a `configuration` error naming the
/// file and the line, so a typo is never sent to a client. Shared by the document templates
/// (``MailTemplate``) and the reminder templates (``ReminderTemplates``).
package struct TemplateText<Value: RawRepresentable & CaseIterable & Hashable & Sendable>: Sendable, Equatable
where Value.RawValue == String {
    /// A piece of a template: text as written, or a placeholder.
    enum Part: Sendable, Equatable {
        case text(String)
        case value(Value)
    }

    let subject: [Part]
    let body: [Part]

    package init(text: String, file: String) throws(FacturationError) {
        let lines = text.replacingOccurrences(of: "\r\n", with: "\n").split(
            separator: "\n", omittingEmptySubsequences: false)
        guard let first = lines.first, let subject = Self.subjectLine(first) else {
            throw FacturationError(
                .configuration, "\(file), line 1: the first line must be the subject, like \"Objet : Facture {numero}\""
            )
        }
        guard lines.count >= 3, lines[1].trimmingCharacters(in: .whitespaces).isEmpty else {
            throw FacturationError(
                .configuration, "\(file), line 2: leave an empty line between the subject and the body")
        }
        self.subject = try Self.parts(subject, file: file, line: 1)
        var body: [Part] = []
        for (index, line) in lines.dropFirst(2).enumerated() {
            if index > 0 { body.append(.text("\n")) }
            body += try Self.parts(String(line), file: file, line: index + 3)
        }
        self.body = body
    }

    /// The subject line without its `Objet :` / `Subject:` label.
    private static func subjectLine(_ line: Substring) -> String? {
        for label in ["Objet :", "Objet:", "Subject:"] where line.hasPrefix(label) {
            let subject = line.dropFirst(label.count).trimmingCharacters(in: .whitespaces)
            return subject.isEmpty ? nil : subject
        }
        return nil
    }

    private static func parts(_ line: String, file: String, line number: Int) throws(FacturationError) -> [Part] {
        var parts: [Part] = []
        var text = ""
        var rest = Substring(line)
        while let character = rest.first {
            if rest.hasPrefix("{{") || rest.hasPrefix("}}") {
                text.append(character)
                rest = rest.dropFirst(2)
            } else if character == "{" {
                guard let close = rest.firstIndex(of: "}"),
                    let placeholder = Value(rawValue: String(rest[rest.index(after: rest.startIndex)..<close]))
                else {
                    let known = Value.allCases.map { "{\($0.rawValue)}" }.joined(separator: ", ")
                    throw FacturationError(
                        .configuration,
                        "\(file), line \(number): \(rest.prefix(30)) is not a known value; use one of \(known) "
                            + "(write {{ for a brace)")
                }
                if !text.isEmpty { parts.append(.text(text)) }
                text = ""
                parts.append(.value(placeholder))
                rest = rest[rest.index(after: close)...]
            } else {
                text.append(character)
                rest = rest.dropFirst()
            }
        }
        if !text.isEmpty { parts.append(.text(text)) }
        return parts
    }

    /// The subject and body with `values` filled in (a missing value is empty).
    package func render(_ values: [Value: String]) -> (subject: String, body: String) {
        func fill(_ parts: [Part]) -> String {
            parts.map { part in
                switch part {
                case .text(let text): return text
                case .value(let placeholder): return values[placeholder] ?? ""
                }
            }.joined()
        }
        return (fill(subject), fill(body))
    }
}
