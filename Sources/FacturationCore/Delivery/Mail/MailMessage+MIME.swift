import Foundation

extension MailMessage {
    /// The message as RFC 5322 bytes (CRLF line endings): headers folded at 78 characters, a
    /// `text/plain; charset=UTF-8` quoted-printable body, and, with attachments, a
    /// `multipart/mixed` message whose parts are the body then each attachment in base64.
    ///
    /// - Throws: a ``FacturationError`` of kind `delivery` naming the field, when a header value
    ///   holds a line break (header injection), an address is not one, or a value is not usable.
    package func mimeBytes() throws(FacturationError) -> [UInt8] {
        try validate()
        var output = headerBytes()
        output += MIMEEncoding.header("MIME-Version", ["1.0"])
        guard !attachments.isEmpty else {
            output += Self.textPartHeaders + MIMEEncoding.crlf + MIMEEncoding.quotedPrintable(body)
            return output
        }
        let boundary = self.boundary
        output += MIMEEncoding.header("Content-Type", ["multipart/mixed;", "boundary=\"\(boundary)\""])
        output += MIMEEncoding.crlf
        output += Array("--\(boundary)\r\n".utf8) + Self.textPartHeaders + MIMEEncoding.crlf
        // The CRLF before a delimiter belongs to the delimiter (RFC 2046 §5.1.1): one more keeps
        // the text's last line break. Base64 ignores line breaks, so its parts need none.
        output += MIMEEncoding.quotedPrintable(body) + MIMEEncoding.crlf
        for attachment in attachments {
            output += Array("--\(boundary)\r\n".utf8)
            output += MIMEEncoding.header(
                "Content-Type", [attachment.mediaType + ";"] + MIMEEncoding.parameter("name", attachment.fileName))
            output += MIMEEncoding.header(
                "Content-Disposition", ["attachment;"] + MIMEEncoding.parameter("filename", attachment.fileName))
            output += MIMEEncoding.header("Content-Transfer-Encoding", ["base64"])
            output += MIMEEncoding.crlf + MIMEEncoding.base64Lines(attachment.bytes)
        }
        output += Array("--\(boundary)--\r\n".utf8)
        return output
    }

    private static let textPartHeaders =
        MIMEEncoding.header("Content-Type", ["text/plain;", "charset=UTF-8"])
        + MIMEEncoding.header("Content-Transfer-Encoding", ["quoted-printable"])

    /// Derived from the Message-ID (not random), so the bytes are reproducible. It starts with
    /// `=_`, which neither quoted-printable (`=` is always `=3D` there) nor base64 can produce, so
    /// it never occurs in a part.
    var boundary: String {
        "=_fx_" + String(SHA256Hasher.hex(bareMessageID).prefix(32))
    }

    private func headerBytes() -> [UInt8] {
        var output = MIMEEncoding.header("Date", [Self.rfc5322Date(date, in: timeZone)])
        output += MIMEEncoding.header("From", from.headerWords())
        for (name, list) in [("To", to), ("Cc", cc), ("Bcc", bcc)] where !list.isEmpty {
            output += MIMEEncoding.header(name, Self.addressListWords(list))
        }
        output += MIMEEncoding.header("Message-ID", ["<\(bareMessageID)>"])
        let room = MIMEEncoding.headerLineLength - "Subject: ".count
        let subjectWords =
            MIMEEncoding.isPlainHeaderText(subject, room: room)
            ? subject.split(separator: " ", omittingEmptySubsequences: false).map(String.init)
            : MIMEEncoding.encodedWords(subject, firstWordLength: room)
        output += MIMEEncoding.header("Subject", subjectWords)
        return output
    }

    /// The addresses as header words, a comma after each address but the last.
    private static func addressListWords(_ list: [MailAddress]) -> [String] {
        var words: [String] = []
        for (index, address) in list.enumerated() {
            var item = address.headerWords()
            if index < list.count - 1 { item[item.count - 1] += "," }
            words += item
        }
        return words
    }

    /// `Sat, 05 Dec 2026 09:20:00 +0100`: English names and numeric zone, as RFC 5322 §3.3 wants
    /// whatever the machine's locale.
    static func rfc5322Date(_ date: Date, in timeZone: TimeZone) -> String {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        let parts = calendar.dateComponents([.year, .month, .day, .hour, .minute, .second, .weekday], from: date)
        let days = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"]
        let months = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"]
        let offset = timeZone.secondsFromGMT(for: date) / 60
        let two: (Int) -> String = { $0 < 10 ? "0\($0)" : "\($0)" }
        let zone = (offset < 0 ? "-" : "+") + two(abs(offset) / 60) + two(abs(offset) % 60)
        return "\(days[parts.weekday! - 1]), \(two(parts.day!)) \(months[parts.month! - 1]) \(parts.year!) "
            + "\(two(parts.hour!)):\(two(parts.minute!)):\(two(parts.second!)) \(zone)"
    }
}

// MARK: - Validation

extension MailMessage {
    /// Refuses what would make a wrong or dangerous message, naming the field: a line break in any
    /// header value (it would let the value add headers: header injection), an address that is not
    /// one, a message without recipient, a Message-ID or media type of the wrong form.
    package func validate() throws(FacturationError) {
        let id = bareMessageID
        let shownID = Self.hasLineBreak(id) ? "(with a line break)" : "<\(id)>"
        func fail(_ field: String, _ problem: String) -> FacturationError {
            FacturationError(.delivery, "the e-mail \(shownID) cannot be written: its \(field) \(problem)")
        }
        if let problem = Self.messageIDProblem(id) { throw fail("Message-ID", problem) }
        if to.isEmpty { throw fail("To", "is empty: a message needs at least one recipient") }
        for (field, list) in [("From", [from]), ("To", to), ("Cc", cc), ("Bcc", bcc)] {
            for address in list {
                if let problem = MailAddress.problem(with: address.address) {
                    throw fail("\(field) address \"\(Self.oneLine(address.address))\"", problem)
                }
                if let name = address.displayName, Self.hasLineBreak(name) {
                    throw fail("\(field) display name \"\(Self.oneLine(name))\"", Self.injection)
                }
            }
        }
        if Self.hasLineBreak(subject) { throw fail("Subject \"\(Self.oneLine(subject))\"", Self.injection) }
        for attachment in attachments {
            if Self.hasLineBreak(attachment.fileName) || attachment.fileName.isEmpty {
                throw fail("attachment name \"\(Self.oneLine(attachment.fileName))\"", "is empty or " + Self.injection)
            }
            if !Self.isMediaType(attachment.mediaType) {
                throw fail(
                    "attachment media type \"\(Self.oneLine(attachment.mediaType))\"",
                    "is not of the form type/subtype (like application/pdf)")
            }
        }
    }

    private static let injection =
        "contains a line break or another control character, which would let it add header lines "
        + "(header injection, refused): remove it from the value or the template that produced it"

    private static func hasLineBreak(_ text: String) -> Bool {
        text.unicodeScalars.contains { $0.value < 0x20 && $0 != "\t" || $0.value == 0x7F }
    }

    /// `text` with its control characters shown as `\r`, `\n`, `\u{…}`, for messages.
    private static func oneLine(_ text: String) -> String {
        let shown = text.unicodeScalars.map {
            $0.value < 0x20 || $0.value == 0x7F ? $0.escaped(asASCII: true) : String($0)
        }
        return String(shown.joined().prefix(200))
    }

    private static func messageIDProblem(_ id: String) -> String? {
        if hasLineBreak(id) { return injection }
        let parts = id.split(separator: "@", omittingEmptySubsequences: false)
        guard parts.count == 2, !parts[0].isEmpty, !parts[1].isEmpty, id.utf8.count <= 200,
            id.utf8.allSatisfy({ (33...126).contains($0) && !"<>()[]\\\",;: ".utf8.contains($0) })
        else {
            return "\"\(oneLine(id))\" is not of the form left@right (printable ASCII, no spaces, brackets or quotes)"
        }
        return nil
    }

    private static func isMediaType(_ text: String) -> Bool {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        let token: (Substring) -> Bool = { part in
            !part.isEmpty
                && part.utf8.allSatisfy {
                    (33...126).contains($0) && !"()<>@,;:\\\"/[]?= ".utf8.contains($0)
                }
        }
        return parts.count == 2 && parts.allSatisfy(token)
    }
}
