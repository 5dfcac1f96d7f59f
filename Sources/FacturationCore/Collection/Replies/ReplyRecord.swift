import Foundation

/// A reply as the importer read it from an `.eml` file of the inbox, kept in
/// `archive/replies/<pipeline>/messages/<key>.json` (one per Message-ID: the key is the SHA-256
/// of the Message-ID, or of the file for a message without one). The reply stage reads these.
package struct ReplyRecord: Codable, Sendable, Equatable {
    /// A message file larger than this is rejected with its reason (a 20 MB message is read: its
    /// text is cut at ``IncomingMail/textLimit``).
    static let fileLimit = 32 << 20

    package var key: String
    package var messageID: String?
    package var from: String
    package var subject: String
    /// The `Date` header as written (empty when absent).
    package var date: String
    /// When the file was taken from the inbox (the claim's time).
    package var receivedAt: String
    /// The Message-IDs of `In-Reply-To` then `References`, without angle brackets.
    package var replyTo: [String]
    /// The `Auto-Submitted` header (`auto-replied`…), when present and not `no`.
    package var autoSubmitted: String?
    /// The text a person wrote (decoded, at most ``IncomingMail/textLimit``).
    package var text: String
    /// What could not be read exactly.
    package var notes: [String]
    /// The inbox file it came from.
    package var file: String

    /// Reads the message `bytes` of the inbox file `file` (taken at `receivedAt`, its SHA-256 `sha256`).
    init(bytes: [UInt8], file: String, sha256: String, receivedAt: String) {
        let mail = IncomingMail(bytes: bytes)
        let id = mail.header("message-id").flatMap { Self.messageIDs(in: $0).first }
        messageID = id
        key = id.map { SHA256Hasher.hex($0) } ?? "file-" + sha256
        from = Self.oneLine(mail.header("from") ?? "")
        subject = Self.oneLine(mail.header("subject") ?? "")
        date = Self.oneLine(mail.header("date") ?? "")
        self.receivedAt = receivedAt
        replyTo =
            Self.messageIDs(in: mail.header("in-reply-to") ?? "") + Self.messageIDs(in: mail.header("references") ?? "")
        let auto = mail.header("auto-submitted")?.trimmingCharacters(in: .whitespaces).lowercased()
        autoSubmitted = auto == nil || auto == "no" || auto?.isEmpty == true ? nil : auto
        text = mail.text
        notes = mail.notes
        if id == nil { notes.append("no Message-ID: recognised again only by its exact bytes") }
        self.file = file
    }

    /// The `<…>` ids of a header value (`In-Reply-To`, `References`, `Message-ID`).
    static func messageIDs(in value: String) -> [String] {
        var ids: [String] = []
        var rest = Substring(value)
        while let open = rest.firstIndex(of: "<"), let close = rest[open...].firstIndex(of: ">") {
            let id = rest[rest.index(after: open)..<close].trimmingCharacters(in: .whitespaces)
            if !id.isEmpty, id.count <= 998 { ids.append(id) }
            rest = rest[rest.index(after: close)...]
        }
        return ids
    }

    /// A header value on one line, control characters dropped, at most 998 characters.
    static func oneLine(_ value: String) -> String {
        String(
            String.UnicodeScalarView(
                value.unicodeScalars.map { $0.value < 0x20 || (0x7F...0x9F).contains($0.value) ? " " : $0 }
            ).prefix(998))
    }
}

/// The replies of one pipeline (``ArchiveLayout/replies``): each message once, and the reply
/// stage's decision on it once. Written crash-safe (temporary file, fsync, no-clobber rename).
package struct ReplyStore {
    let layout: ArchiveLayout

    package init(layout: ArchiveLayout) { self.layout = layout }

    /// Records `record`; false when another message with its key (its Message-ID) was already
    /// recorded. The same record again (an import killed after recording it and taken up again:
    /// same claim, same file) counts as recorded, so its notes say what an uninterrupted import says.
    package func record(_ record: ReplyRecord) throws -> Bool {
        let path = layout.replyMessage(key: record.key)
        if Storage.exists(path) {
            return (try? FacturationError.decode(ReplyRecord.self, at: path)) == record
        }
        try Storage.makeDirectory(layout.replyMessages)
        try Storage.write(try Self.encode(record), to: path, temporaryDirectory: layout.temporary, collision: .fail)
        return true
    }

    package func messages() throws -> [ReplyRecord] {
        try Storage.listIfPresent(layout.replyMessages).sorted().filter { $0.hasSuffix(".json") }.map {
            try FacturationError.decode(ReplyRecord.self, at: Path.join(layout.replyMessages, $0))
        }
    }

    package func classifications() throws -> [String: ReplyClassification] {
        var result: [String: ReplyClassification] = [:]
        for name in try Storage.listIfPresent(layout.replyClassifications) where name.hasSuffix(".json") {
            let decision = try FacturationError.decode(
                ReplyClassification.self, at: Path.join(layout.replyClassifications, name))
            result[decision.key] = decision
        }
        return result
    }

    /// Records the decision on a message (idempotent: the same decision again is harmless).
    package func record(_ classification: ReplyClassification) throws {
        try Storage.makeDirectory(layout.replyClassifications)
        try Storage.publishIdempotently(
            try Self.encode(classification), to: layout.replyClassification(key: classification.key),
            temporaryDirectory: layout.temporary)
    }

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value)) + [0x0A]
    }
}
