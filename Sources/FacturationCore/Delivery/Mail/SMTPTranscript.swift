/// What was said during one SMTP transfer, from libcurl's debug callback: each command we sent
/// (the verb, and the address of a RCPT; never the AUTH data, which carries the credentials) and
/// each reply of the server with the command it answers.
///
/// libcurl does not hand the server's final reply to DATA to its caller; it is the first
/// complete reply after the `354` that invited the message, which this records as
/// ``finalReply``.
final class SMTPTranscript {
    /// The step a command or reply belongs to.
    enum Command: Sendable, Equatable {
        case greeting, hello, startTLS, authentication, sender, quit, other
        case recipient(String)
        case data
        /// The message itself, from the `354` until the server's final reply.
        case message
    }

    struct Reply: Sendable, Equatable {
        var code: Int
        /// The reply's lines without their CRLF (several for a multi-line reply).
        var lines: [String]
        var answering: Command

        /// The lines as one text, for messages (`250 2.0.0 Ok: queued as 4F2A1`).
        var text: String { lines.joined(separator: " / ") }
    }

    private(set) var replies: [Reply] = []
    private(set) var lastCommand: Command = .greeting
    private var pendingLines: [String] = []
    private var partial: [UInt8] = []
    /// The `354` came: the message was being (or has been) sent.
    private(set) var messageStarted = false
    private(set) var finalReply: Reply?

    /// A line (or part of a line) the server sent.
    func received(_ bytes: UnsafeRawBufferPointer) {
        partial += bytes
        while let newline = partial.firstIndex(of: 10) {
            var line = Array(partial[..<newline])
            partial.removeSubrange(...newline)
            if line.last == 13 { line.removeLast() }
            receivedLine(String(decoding: line, as: UTF8.self))
        }
    }

    private func receivedLine(_ line: String) {
        pendingLines.append(line)
        let bytes = Array(line.utf8)
        // "250-…" continues a multi-line reply; "250 …" or "250" ends it.
        guard bytes.count < 4 || bytes[3] != UInt8(ascii: "-") else { return }
        let code = Int(String(decoding: bytes.prefix(3), as: UTF8.self)) ?? 0
        var reply = Reply(code: code, lines: pendingLines, answering: lastCommand)
        pendingLines = []
        if messageStarted, finalReply == nil {
            reply.answering = .message
            finalReply = reply
        } else if lastCommand == .data, code == 354 {
            messageStarted = true
        }
        replies.append(reply)
    }

    /// A command line we sent; only its verb (and a recipient's address) is kept.
    func sent(_ bytes: UnsafeRawBufferPointer) {
        let head = bytes.prefix(512)
        let verbBytes = head.prefix { ![UInt8(ascii: " "), UInt8(ascii: ":"), 13, 10].contains($0) }
        let verb = String(decoding: verbBytes, as: UTF8.self).uppercased()
        let line = String(decoding: head, as: UTF8.self)
        switch verb {
        case "EHLO", "HELO": lastCommand = .hello
        case "STARTTLS": lastCommand = .startTLS
        case "AUTH": lastCommand = .authentication
        case "MAIL": lastCommand = .sender
        case "RCPT":
            let address = line.drop { $0 != "<" }.dropFirst().prefix { $0 != ">" }
            lastCommand = .recipient(String(address))
        case "DATA": lastCommand = .data
        case "QUIT": lastCommand = .quit
        default:
            // The lines of an AUTH LOGIN exchange (the user name, the password) stay part of it.
            if lastCommand != .authentication { lastCommand = .other }
        }
    }

    /// The reply that made the transfer fail: the last one with a 4xx or 5xx code.
    var failingReply: Reply? { replies.last { $0.code >= 400 } }
}
