import Foundation

/// `facturation fetch mail`: copies the new messages of the configured IMAP folder into the
/// pipeline's inbox, one `.eml` file each, and never changes the mailbox (README, "Replies (IMAP)").
///
/// Crash safety: each message is written under a temporary name, fsynced and renamed into the
/// inbox (`mail-<uidvalidity>-<uid>.eml`); the cursor (``MailFetchCursor``) is written after it.
/// A fetch killed between the two writes the same message again under the same name (the
/// importer records the second copy as a duplicate of the first): nothing is lost, nothing is
/// imported twice.
///
/// A message is never held whole in memory: its bytes go from the connection's receive buffer
/// (256 KB) to its temporary file as they arrive (``IMAPConnection/LiteralDestination/stream(_:)``).
package struct MailFetcher {
    /// A message larger than this is not copied: it is named in the report (and, under `run`, in
    /// the run's warnings) and recorded in the cursor's `skipped`, and the cursor moves past it so
    /// that the fetch does not stop on it forever. Why a limit at all: the reply stage reads a
    /// message of at most 32 MB (``ReplyRecord/fileLimit``; a larger one copied is rejected with
    /// that reason), and a folder can hold multi-gigabyte messages that would fill the disk of
    /// the workspace to no use; 64 MB leaves room for replies with large attachments.
    package static let messageLimit = 64 << 20

    package let layout: ArchiveLayout
    package let settings: MailFetchSettings
    package let clock: Clock

    package init(layout: ArchiveLayout, settings: MailFetchSettings, clock: Clock) {
        self.layout = layout
        self.settings = settings
        self.clock = clock
    }

    /// What one fetch did.
    package struct Report: Sendable {
        package var pipeline: String
        /// The files written into the inbox (relative to the workspace).
        package var written: [String] = []
        /// Messages not copied, and why.
        package var skipped: [String] = []
        /// The folder's UIDVALIDITY changed since the last fetch: it was read again from the start.
        package var restarted = false
        /// The cursor after the fetch: the last UID copied (or skipped).
        package var lastUID: UInt32?
    }

    package func fetch() throws -> Report {
        var report = Report(pipeline: layout.pipeline.id)
        let previous = try MailFetchCursor.load(layout.mailFetchCursor)
        let connection = try IMAPConnection(settings: settings)
        defer { connection.logout() }
        let uidValidity = try examine(connection)
        var lastUID: UInt32 = 0
        if let previous {
            if previous.uidValidity == uidValidity && previous.mailbox == settings.mailbox {
                lastUID = previous.lastUID
            } else {
                report.restarted = true
            }
        }
        try Storage.makeDirectory(layout.inbox)
        try Storage.makeDirectory(layout.fetchCursors)
        let uids = try newUIDs(connection, after: lastUID)
        // The messages skipped so far stay listed in the cursor (the last 100), with the new ones.
        var skipped = previous.map { $0.uidValidity == uidValidity ? $0.skipped ?? [] : [] } ?? []
        for uid in uids {
            let before = report.skipped.count
            try copy(uid, uidValidity: uidValidity, from: connection, report: &report)
            skipped = Array((skipped + report.skipped[before...]).suffix(100))
            try saveCursor(uidValidity: uidValidity, lastUID: uid, skipped: skipped)
            CrashInjection.step("mail cursor \(uid)")
        }
        // Nothing new: the cursor still records when the folder was last read (`watch` and
        // `[fetch] every` go by it).
        if uids.isEmpty { try saveCursor(uidValidity: uidValidity, lastUID: lastUID, skipped: skipped) }
        report.lastUID = uids.last ?? lastUID
        return report
    }

    private func saveCursor(uidValidity: UInt32, lastUID: UInt32, skipped: [String]) throws {
        let cursor = MailFetchCursor(
            mailbox: settings.mailbox, uidValidity: uidValidity, lastUID: lastUID,
            fetchedAt: LocalClock(clock: clock, timeZone: layout.pipeline.timeZone).nowISO(),
            skipped: skipped.isEmpty ? nil : skipped)
        try Storage.write(
            try cursor.encoded(), to: layout.mailFetchCursor, temporaryDirectory: layout.temporary, collision: .replace)
    }

    /// Opens the folder read-only; its UIDVALIDITY.
    private func examine(_ connection: IMAPConnection) throws -> UInt32 {
        let replies = try connection.run("EXAMINE \(Self.quoted(settings.mailbox))")
        for reply in replies {
            guard let range = reply.text.range(of: "[UIDVALIDITY ", options: .caseInsensitive) else { continue }
            let digits = reply.text[range.upperBound...].prefix { $0.isASCII && $0.isNumber }
            if let value = UInt32(digits) { return value }
        }
        throw FacturationError(
            .delivery,
            "the IMAP server \(settings.shown) did not give the folder's UIDVALIDITY: it cannot be read safely")
    }

    /// The UIDs above `lastUID`, ascending (`n:*` also names the highest UID when none is above).
    private func newUIDs(_ connection: IMAPConnection, after lastUID: UInt32) throws -> [UInt32] {
        let replies = try connection.run("UID SEARCH UID \(UInt64(lastUID) + 1):*")
        var uids: [UInt32] = []
        for reply in replies where reply.text.uppercased().hasPrefix("* SEARCH") {
            uids += reply.text.dropFirst("* SEARCH".count).split(separator: " ").compactMap { UInt32($0) }
        }
        return uids.filter { $0 > lastUID }.sorted()
    }

    /// Copies message `uid` into the inbox: streamed into a temporary file as it arrives, fsynced,
    /// renamed (the folder fsynced). A message above ``messageLimit`` is read and dropped, named.
    private func copy(
        _ uid: UInt32, uidValidity: UInt32, from connection: IMAPConnection, report: inout Report
    ) throws {
        var output: OutputFile?
        var announced: Int?
        let temporary = layout.temporary
        _ = try connection.run("UID FETCH \(uid) (UID BODY.PEEK[])") {
            (size, before) throws(FacturationError) -> IMAPConnection.LiteralDestination in
            // The message is the first literal of a FETCH reply that announces its body.
            guard announced == nil, before.uppercased().contains("BODY[]") else { return .memory }
            announced = size
            guard size <= Self.messageLimit else { return .skip }
            let file: OutputFile
            do { file = try OutputFile(directory: temporary) } catch { throw FacturationError(wrapping: error) }
            output = file
            return .stream { bytes throws(FacturationError) in
                do { try file.write(bytes) } catch { throw FacturationError(wrapping: error) }
            }
        }
        guard let size = announced else {
            report.skipped.append("UID \(uid): gone from the folder before it was read")
            return
        }
        guard let output else {
            report.skipped.append(
                "UID \(uid): \((size + (1 << 20) - 1) >> 20) MB, above the \(Self.messageLimit >> 20) MB a fetched "
                    + "message may have: not copied (read it in the mail client; the fetch goes on after it)")
            return
        }
        let path = Path.join(layout.inbox, layout.fetchedMailName(uidValidity: uidValidity, uid: uid))
        // Replacing is safe: the same name always holds the same message (UIDVALIDITY + UID).
        try output.commit(to: path, collision: .replace)
        CrashInjection.step("mail written \(uid)")
        report.written.append(Path.relative(path, to: layout.workspace.root))
    }

    /// An IMAP quoted string.
    static func quoted(_ text: String) -> String {
        "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}

/// What `fetch mail` fetched last, in `archive/fetch/<pipeline>/mail.json`.
package struct MailFetchCursor: Codable, Sendable, Equatable {
    package var mailbox: String
    package var uidValidity: UInt32
    package var lastUID: UInt32
    package var fetchedAt: String
    /// The messages not copied (above ``MailFetcher/messageLimit``), the last 100, and why.
    package var skipped: [String]?

    /// The cursor at `path`, nil when there is none; a damaged one stops the fetch, named.
    static func load(_ path: String) throws -> MailFetchCursor? {
        guard Storage.exists(path) else { return nil }
        return try FacturationError.decode(MailFetchCursor.self, at: path, limit: 1 << 16)
    }

    func encoded() throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(self)) + [0x0A]
    }
}
