import Foundation

/// `facturation fetch mail`: copies the new messages of the configured IMAP folder into the
/// pipeline's inbox, one `.eml` file each, and never changes the mailbox (README, "Replies (IMAP)").
///
/// Crash safety: each message is written under a temporary name, fsynced and renamed into the
/// inbox (`mail-<uidvalidity>-<uid>.eml`); the cursor (``MailFetchCursor``) is written after it.
/// A fetch killed between the two writes the same message again under the same name (the
/// importer records the second copy as a duplicate of the first): nothing is lost, nothing is
/// imported twice.
package struct MailFetcher {
    /// A message larger than this is not copied (it is named in the report and skipped).
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
        let connection = try IMAPConnection(settings: settings, literalLimit: Self.messageLimit)
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
        for uid in uids {
            try copy(uid, uidValidity: uidValidity, from: connection, report: &report)
            try saveCursor(uidValidity: uidValidity, lastUID: uid)
            CrashInjection.step("mail cursor \(uid)")
        }
        // Nothing new: the cursor still records when the folder was last read (`watch` and
        // `[fetch] every` go by it).
        if uids.isEmpty { try saveCursor(uidValidity: uidValidity, lastUID: lastUID) }
        report.lastUID = uids.last ?? lastUID
        return report
    }

    private func saveCursor(uidValidity: UInt32, lastUID: UInt32) throws {
        let cursor = MailFetchCursor(
            mailbox: settings.mailbox, uidValidity: uidValidity, lastUID: lastUID,
            fetchedAt: LocalClock(clock: clock, timeZone: layout.pipeline.timeZone).nowISO())
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

    /// Copies message `uid` into the inbox (temporary name, fsync, rename, fsync of the folder).
    private func copy(
        _ uid: UInt32, uidValidity: UInt32, from connection: IMAPConnection, report: inout Report
    ) throws {
        let replies = try connection.run("UID FETCH \(uid) (UID BODY.PEEK[])")
        guard let reply = replies.first(where: { $0.text.uppercased().contains("FETCH (") && !$0.literals.isEmpty })
        else {
            report.skipped.append("UID \(uid): gone from the folder before it was read")
            return
        }
        if reply.text.hasSuffix(" OVERSIZED") || reply.text.contains("OVERSIZED") && reply.literals[0].isEmpty {
            report.skipped.append("UID \(uid): larger than \(Self.messageLimit >> 20) MB, not copied")
            return
        }
        let name = layout.fetchedMailName(uidValidity: uidValidity, uid: uid)
        let path = Path.join(layout.inbox, name)
        // Replacing is safe: the same name always holds the same message (UIDVALIDITY + UID).
        try Storage.write(reply.literals[0], to: path, temporaryDirectory: layout.temporary, collision: .replace)
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
