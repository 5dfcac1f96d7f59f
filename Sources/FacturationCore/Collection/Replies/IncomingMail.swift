import Foundation

/// A message read from the inbox (RFC 5322 + MIME): its headers and the text a person wrote,
/// decoded (``MailTextDecoding``). Parts that are not text (attachments) are skipped.
struct IncomingMail {
    /// Header name (lower case) → values in order, unfolded and with encoded words decoded.
    var headers: [String: [String]] = [:]
    /// The first `text/plain` part, else the first `text/html` part without its tags.
    var text = ""
    /// What could not be read exactly (a bad base64 part, an unknown charset…).
    var notes: [String] = []

    /// The most nested parts read; deeper ones are skipped (a hostile message cannot recurse forever).
    static let maximumDepth = 8
    /// The text kept for the classification (the start of a long message).
    static let textLimit = 64 << 10

    func header(_ name: String) -> String? { headers[name.lowercased()]?.first }

    /// Whether `head` (the first bytes of a file) starts like a mail message: header lines, and
    /// among the first ones at least two of From, To, Subject, Date, Message-ID, Received,
    /// Return-Path, MIME-Version, Delivered-To, In-Reply-To.
    static func looksLikeMessage(_ head: some Collection<UInt8>) -> Bool {
        let known: Set<String> = [
            "from", "to", "subject", "date", "message-id", "received", "return-path", "mime-version", "delivered-to",
            "in-reply-to",
        ]
        var found = Set<String>()
        let text = String(decoding: head.prefix(16 << 10), as: UTF8.self)
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let line = line.hasSuffix("\r") ? line.dropLast() : line
            if line.isEmpty { break }
            if line.first == " " || line.first == "\t" { continue }
            guard let colon = line.firstIndex(of: ":"), colon != line.startIndex,
                line[..<colon].allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") })
            else { return index > 0 && found.count >= 2 }
            found.insert(line[..<colon].lowercased())
            if found.intersection(known).count >= 2 { return true }
        }
        return found.intersection(known).count >= 2
    }

    /// Reads `bytes` (a whole message).
    init(bytes: [UInt8]) {
        let (headerBytes, body) = Self.split(bytes[...])
        headers = Self.parseHeaders(headerBytes)
        var plain: String?
        var html: String?
        read(Part(headers: headers, body: body), depth: 0, plain: &plain, html: &html)
        if let plain {
            text = plain
        } else if let html {
            text = MailTextDecoding.htmlText(html)
        } else if notes.isEmpty {
            notes.append("no text part: the message was classified from its subject alone")
        }
        if text.count > Self.textLimit {
            text = String(text.prefix(Self.textLimit))
            notes.append("text longer than \(Self.textLimit >> 10) KB: only its start was read")
        }
    }

    /// One MIME part: its headers (lower-case names) and its body as sent.
    struct Part {
        var headers: [String: [String]]
        var body: ArraySlice<UInt8>
    }

    /// Finds the text parts of `part` (recursively for multipart).
    private mutating func read(_ part: Part, depth: Int, plain: inout String?, html: inout String?) {
        let contentType = MIMEHeader(part.headers["content-type"]?.first ?? "text/plain")
        if contentType.value.hasPrefix("multipart/") {
            guard depth < Self.maximumDepth else {
                notes.append("MIME parts nested deeper than \(Self.maximumDepth) levels were skipped")
                return
            }
            guard let boundary = contentType.parameters["boundary"], !boundary.isEmpty else {
                notes.append("a multipart part has no boundary: it was skipped")
                return
            }
            for child in Self.parts(of: part.body, boundary: boundary) {
                let (childHeaders, childBody) = Self.split(child)
                read(
                    Part(headers: Self.parseHeaders(childHeaders), body: childBody), depth: depth + 1, plain: &plain,
                    html: &html)
            }
            return
        }
        let disposition = part.headers["content-disposition"]?.first?.lowercased() ?? ""
        guard !disposition.hasPrefix("attachment") else { return }
        if contentType.value == "text/plain", plain == nil {
            plain = decodedText(part, charset: contentType.parameters["charset"])
        } else if contentType.value == "text/html", html == nil {
            html = decodedText(part, charset: contentType.parameters["charset"])
        }
    }

    /// The text of a leaf part: transfer encoding undone, then the charset.
    private mutating func decodedText(_ part: Part, charset: String?) -> String {
        let encoding = (part.headers["content-transfer-encoding"]?.first ?? "7bit").lowercased()
            .trimmingCharacters(in: .whitespaces)
        var bytes = Array(part.body)
        switch encoding {
        case "base64":
            guard let decoded = MailTextDecoding.base64(bytes) else {
                notes.append("a base64 text part is not valid base64: its text was not read")
                return ""
            }
            bytes = decoded
        case "quoted-printable": bytes = MailTextDecoding.quotedPrintable(bytes)
        default: break
        }
        var note: String?
        let text = MailTextDecoding.text(bytes, charset: .init(name: charset), note: &note)
        if let note { notes.append(note) }
        return text
    }

    // MARK: - Structure

    /// Headers and body, split at the first empty line (no empty line: all headers, no body).
    static func split(_ bytes: ArraySlice<UInt8>) -> (ArraySlice<UInt8>, ArraySlice<UInt8>) {
        var index = bytes.startIndex
        var lineStart = index
        while index < bytes.endIndex {
            if bytes[index] == 0x0A {
                let line = bytes[lineStart..<index]
                if line.isEmpty || line == [0x0D] { return (bytes[..<lineStart], bytes[(index + 1)...]) }
                lineStart = index + 1
            }
            index += 1
        }
        if lineStart == bytes.startIndex && bytes.first != nil && !bytes.contains(UInt8(ascii: ":")) {
            return (bytes[bytes.startIndex..<bytes.startIndex], bytes)
        }
        return (bytes, bytes[bytes.endIndex...])
    }

    /// Unfolded headers; values read as UTF-8 (else Windows-1252) with encoded words decoded.
    static func parseHeaders(_ bytes: ArraySlice<UInt8>) -> [String: [String]] {
        let raw =
            String(validating: bytes, as: UTF8.self)
            ?? String(decoding: DecodingReader.windows1252ToUTF8(bytes), as: UTF8.self)
        var headers: [String: [String]] = [:]
        var current: (String, String)?
        func flush() {
            guard let (name, value) = current else { return }
            headers[name, default: []].append(MailTextDecoding.headerText(value.trimmingCharacters(in: .whitespaces)))
        }
        for line in raw.split(omittingEmptySubsequences: true, whereSeparator: \.isNewline) {
            let line = line.hasSuffix("\r") ? String(line.dropLast()) : String(line)
            if line.first == " " || line.first == "\t", let (name, value) = current {
                current = (name, value + " " + line.trimmingCharacters(in: .whitespaces))
                continue
            }
            flush()
            guard let colon = line.firstIndex(of: ":") else { current = nil; continue }
            current = (
                line[..<colon].lowercased().trimmingCharacters(in: .whitespaces),
                String(line[line.index(after: colon)...])
            )
        }
        flush()
        return headers
    }

    /// The parts of a multipart body between `--boundary` lines (the preamble and epilogue dropped).
    static func parts(of body: ArraySlice<UInt8>, boundary: String) -> [ArraySlice<UInt8>] {
        let delimiter = Array("--\(boundary)".utf8)
        var parts: [ArraySlice<UInt8>] = []
        var partStart: Int?
        var lineStart = body.startIndex
        while lineStart < body.endIndex {
            let lineEnd = body[lineStart...].firstIndex(of: 0x0A) ?? body.endIndex
            let line = body[lineStart..<lineEnd]
            if line.starts(with: delimiter) {
                if let start = partStart {
                    var end = lineStart
                    if end > start, body[end - 1] == 0x0A { end -= 1 }
                    if end > start, body[end - 1] == 0x0D { end -= 1 }
                    parts.append(body[start..<end])
                }
                if line.dropFirst(delimiter.count).starts(with: [0x2D, 0x2D]) { return parts }
                partStart = min(lineEnd + 1, body.endIndex)
            }
            lineStart = lineEnd + 1
        }
        if let start = partStart, start < body.endIndex { parts.append(body[start...]) }
        return parts
    }
}

/// A structured MIME header value: `type/subtype; name=value; name="value"` (lower-case names).
struct MIMEHeader {
    var value: String
    var parameters: [String: String] = [:]

    init(_ text: String) {
        let pieces = text.split(separator: ";", omittingEmptySubsequences: true)
        value = pieces.first.map { $0.trimmingCharacters(in: .whitespaces).lowercased() } ?? ""
        for piece in pieces.dropFirst() {
            guard let equals = piece.firstIndex(of: "=") else { continue }
            let name = piece[..<equals].trimmingCharacters(in: .whitespaces).lowercased()
            var parameter = piece[piece.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if parameter.hasPrefix("\""), parameter.hasSuffix("\""), parameter.count >= 2 {
                parameter = String(parameter.dropFirst().dropLast())
            }
            parameters[name] = parameter
        }
    }
}
