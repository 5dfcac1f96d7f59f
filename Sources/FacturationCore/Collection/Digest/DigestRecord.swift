import Foundation

/// The record that a pipeline's digest of one day was written: `archive/digest/<pipeline>/<day>.json`.
///
/// Written after the digest (and its message) is in the outbox: a run killed before the record
/// writes the digest again, with the same content, and a later run of the same day finds the record
/// and writes nothing. It also says where the next digest starts ("since the last digest").
package struct DigestRecord: Sendable, Codable, Equatable {
    /// The run's "today".
    package var day: CivilDate
    /// When it was written (the run's clock, UTC, milliseconds): files rejected after this instant go in the next digest.
    package var at: String
    /// The documents issued on `day` that this digest counted; one issued later that day goes in the next.
    package var issuedOnDay: [String]
    /// The digest, relative to the workspace, and the SHA-256 of its bytes.
    package var digest: String
    package var sha256: String
    /// The name of its message in the send queue, when it was e-mailed.
    package var message: String?
    /// The cash alert of that day's run (`status --health` reports it until the next digest).
    package var cashAlert: DigestFacts.CashAlert?

    /// `2025-07-01T08:00:00.123Z`: to the millisecond, since the next run may claim a file in the same second.
    static func instant(_ now: Clock.Instant) -> String {
        ISOTimestamp.format(now.seconds) + "." + CivilDate.pad(now.nanoseconds / 1_000_000, 3) + "Z"
    }

    /// The record of `day`, nil when that day's digest was not written.
    ///
    /// A record that cannot be decoded is read as absent, with a warning in `damaged`: it only
    /// marks a digest as written (the digest itself is in the outbox), so it never stops a run;
    /// that day's digest is written again and its record replaced.
    package static func load(_ layout: ArchiveLayout, day: CivilDate, damaged: inout [String]) throws -> DigestRecord? {
        let path = layout.digestRecord(day)
        guard Storage.exists(path) else { return nil }
        do {
            return try FacturationError.decode(DigestRecord.self, at: path, limit: 1 << 20)
        } catch let error as FacturationError where error.kind == .workspace {
            damaged.append(
                "\(path) cannot be read (\(error.cause.map { "\($0)" } ?? error.message)): it only records "
                    + "that the digest of \(day) was written, so it is read as absent and written again")
            return nil
        }
    }

    /// The newest record of a day before `day`: where the digest of `day` starts.
    package static func latest(
        _ layout: ArchiveLayout, before day: CivilDate, damaged: inout [String]
    ) throws
        -> DigestRecord?
    {
        let names = try Storage.listIfPresent(layout.digestRecords).filter { $0.hasSuffix(".json") }
        let days = names.compactMap { CivilDate(iso: $0.dropLast(".json".count)) }.filter { $0 < day }
        guard let newest = days.max() else { return nil }
        return try load(layout, day: newest, damaged: &damaged)
    }

    /// Writes the record (fsynced, renamed into place).
    func save(_ layout: ArchiveLayout) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        try Storage.makeDirectory(layout.digestRecords)
        try Storage.write(
            Array(try encoder.encode(self)) + [0x0A], to: layout.digestRecord(day),
            temporaryDirectory: layout.temporary, collision: .replace)
    }
}
