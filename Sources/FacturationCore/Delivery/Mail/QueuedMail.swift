import Foundation

/// A message file of the send queue read back: just enough of the header (From, To, Cc, Bcc,
/// Message-ID, Subject) to send it, from files ``MailMessage/mimeBytes()`` wrote. Not a general
/// e-mail parser: a header it does not understand is an error, never a guess.
package struct QueuedMail: Sendable {
    /// The file as queued.
    package let bytes: [UInt8]
    package let from: String?
    package let to: [String]
    package let cc: [String]
    package let bcc: [String]
    /// Without angle brackets.
    package let messageID: String
    /// Decoded (RFC 2047 words undone).
    package let subject: String
    /// Where the `Bcc:` field (with its folded lines) sits in ``bytes``, if any.
    private let bccRange: Range<Int>?

    /// The largest header block read (ours are a few hundred bytes).
    static let headerLimit = 64 << 10

    /// Reads the header of `bytes`; `file` names the queued file in errors.
    package init(bytes: [UInt8], file: String) throws(FacturationError) {
        let fields = try Self.fields(of: bytes, file: file)
        func single(_ name: String) throws(FacturationError) -> String? {
            let found = fields.filter { $0.name == name.lowercased() }
            if found.count > 1 { throw Self.error(file, "has \(found.count) \(name) headers (one is expected)") }
            return found.first?.value
        }
        self.bytes = bytes
        from = try single("From").flatMap { Self.addresses(in: $0).first }
        to = try single("To").map(Self.addresses) ?? []
        cc = try single("Cc").map(Self.addresses) ?? []
        bcc = try single("Bcc").map(Self.addresses) ?? []
        bccRange = fields.first { $0.name == "bcc" }?.range
        guard let id = try single("Message-ID"), id.hasPrefix("<"), id.hasSuffix(">"), id.count > 2 else {
            throw Self.error(file, "has no Message-ID <…> header")
        }
        messageID = String(id.dropFirst().dropLast())
        subject = Self.decodeWords(try single("Subject") ?? "")
        for address in to + cc + bcc {
            if let problem = MailAddress.problem(with: address) {
                throw Self.error(file, "has a recipient \"\(address)\" that is not an address: it \(problem)")
            }
        }
        if recipients.isEmpty { throw Self.error(file, "has no recipient (To, Cc or Bcc)") }
    }

    /// Every envelope recipient (To, Cc, Bcc), each once, in that order.
    package var recipients: [String] {
        var seen: Set<String> = []
        return (to + cc + bcc).filter { seen.insert($0.lowercased()).inserted }
    }

    /// The bytes that go on the wire: the file without its `Bcc:` header, so the other recipients
    /// never see who was in blind copy.
    package var transmissionBytes: [UInt8] {
        guard let bccRange else { return bytes }
        return Array(bytes[..<bccRange.lowerBound] + bytes[bccRange.upperBound...])
    }

    private static func error(_ file: String, _ problem: String) -> FacturationError {
        FacturationError(
            .delivery,
            "\(file) \(problem); it is not a message facturation queued: move it out of the queue, "
                + "and re-queue the document (resend) if it should be sent")
    }

    private struct Field {
        let name: String  // lower case
        let value: String  // unfolded
        let range: Range<Int>  // the field's lines, CRLFs included
    }

    /// The header fields of `bytes`: up to the first empty line, continuation lines unfolded.
    private static func fields(of bytes: [UInt8], file: String) throws(FacturationError) -> [Field] {
        var fields: [Field] = []
        var start = 0
        while true {
            guard start < min(bytes.count, headerLimit) else { throw error(file, "has no end of header") }
            guard let end = lineEnd(bytes, from: start) else { throw error(file, "has a header line without CRLF") }
            if end == start { return fields }  // the empty line: end of the header
            var stop = end + 2
            while stop < bytes.count, bytes[stop] == 32 || bytes[stop] == 9, let next = lineEnd(bytes, from: stop) {
                stop = next + 2
            }
            let text = String(decoding: bytes[start..<stop], as: UTF8.self)
                .replacingOccurrences(of: "\r\n", with: "")
            guard let colon = text.firstIndex(of: ":"), colon != text.startIndex else {
                throw error(file, "has a header line without a name")
            }
            let value = text[text.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            fields.append(Field(name: text[..<colon].lowercased(), value: value, range: start..<stop))
            start = stop
        }
    }

    /// The index of the CR of the CRLF ending the line that starts at `start`.
    private static func lineEnd(_ bytes: [UInt8], from start: Int) -> Int? {
        var index = start
        while index + 1 < bytes.count {
            if bytes[index] == 13 { return bytes[index + 1] == 10 ? index : nil }
            if bytes[index] == 10 { return nil }
            index += 1
        }
        return nil
    }

    /// The addresses of an address list: the part in `<…>` of each item, or the item itself.
    static func addresses(in list: String) -> [String] {
        var items: [String] = []
        var current = ""
        var quoted = false, angled = false
        for character in list {
            switch character {
            case "\"": quoted.toggle()
            case "<" where !quoted: angled = true
            case ">" where !quoted: angled = false
            case "," where !quoted && !angled:
                items.append(current)
                current = ""
                continue
            default: break
            }
            current.append(character)
        }
        items.append(current)
        return items.compactMap { item in
            let trimmed = item.trimmingCharacters(in: .whitespaces)
            if let open = trimmed.lastIndex(of: "<"), let close = trimmed.lastIndex(of: ">"), open < close {
                return String(trimmed[trimmed.index(after: open)..<close])
            }
            return trimmed.isEmpty ? nil : trimmed
        }
    }

    /// An unstructured header value with its RFC 2047 encoded words (UTF-8, Q or B) decoded; the
    /// space between two encoded words is dropped, as the RFC says.
    static func decodeWords(_ value: String) -> String {
        var bytes: [UInt8] = []
        var previousEncoded = false
        for (index, word) in value.split(separator: " ", omittingEmptySubsequences: false).enumerated() {
            if let decoded = decodeWord(word) {
                if index > 0, !previousEncoded { bytes.append(32) }
                bytes += decoded
                previousEncoded = true
            } else {
                if index > 0 { bytes.append(32) }
                bytes += Array(word.utf8)
                previousEncoded = false
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static func decodeWord(_ word: Substring) -> [UInt8]? {
        let parts = word.split(separator: "?", omittingEmptySubsequences: false)
        guard parts.count == 5, parts[0] == "=", parts[4] == "=", parts[1].uppercased() == "UTF-8" else { return nil }
        let text = parts[3]
        switch parts[2].uppercased() {
        case "B": return Data(base64Encoded: String(text)).map { Array($0) }
        case "Q":
            var output: [UInt8] = []
            var iterator = Array(text.utf8)[...]
            while let byte = iterator.popFirst() {
                if byte == UInt8(ascii: "_") {
                    output.append(32)
                } else if byte == UInt8(ascii: "="), iterator.count >= 2,
                    let value = UInt8(String(decoding: iterator.prefix(2), as: UTF8.self), radix: 16)
                {
                    output.append(value)
                    iterator.removeFirst(2)
                } else {
                    output.append(byte)
                }
            }
            return output
        default: return nil
        }
    }
}
