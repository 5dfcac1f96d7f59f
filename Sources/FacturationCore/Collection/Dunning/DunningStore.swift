import Foundation

/// The dunning state of one pipeline, in `archive/dunning/<pipeline>/` (``ArchiveLayout``):
///
/// ```
/// <YYYY>/<id>.pdf          the reminder as drawn (written first)
/// <YYYY>/<id>.json         its record (``Reminder``): written last, the reminder exists from then on
/// decisions/<id>.json      a person's decision on a formal notice
/// holds/<hash>.json        a hold request file, or its lifting
/// delivered.txt queued.txt the reminders delivered to outbox/relances/ and queued as e-mails
/// ```
/// Every file is written crash-safe (temporary file, fsync, no-clobber rename, fsync of the
/// folder); a record is never rewritten.
package struct DunningStore {
    let layout: ArchiveLayout

    package init(layout: ArchiveLayout) { self.layout = layout }

    /// Every reminder ever decided, oldest first.
    package func reminders() throws -> [Reminder] {
        var result: [Reminder] = []
        for year in try Storage.listIfPresent(layout.dunning).sorted()
        where year.count == 4 && year.allSatisfy(\.isNumber) {
            let folder = Path.join(layout.dunning, year)
            for name in try Storage.list(folder).sorted() where name.hasSuffix(".json") {
                result.append(try FacturationError.decode(Reminder.self, at: Path.join(folder, name)))
            }
        }
        return result.sorted { ($0.date, $0.id) < ($1.date, $1.id) }
    }

    /// The reminder `id`, if it was ever decided: its record is found from the date in the id
    /// (`relance-<client>-<YYYY-MM-DD>-n<level>`), without reading the others.
    package func reminder(id: String) throws -> Reminder? {
        guard id.hasPrefix("relance-"), !id.contains("/"), let suffix = id.range(of: "-n", options: .backwards),
            id.distance(from: id.startIndex, to: suffix.lowerBound) >= "relance-".count + 11
        else { return nil }
        let dateStart = id.index(suffix.lowerBound, offsetBy: -10)
        guard let date = CivilDate(iso: id[dateStart..<suffix.lowerBound]) else { return nil }
        let path = layout.reminderRecord(id: id, year: date.year)
        guard Storage.exists(path) else { return nil }
        let reminder = try FacturationError.decode(Reminder.self, at: path)
        return reminder.id == id ? reminder : nil
    }

    /// Records a new reminder: its PDF first (replacing one a killed run left), then its record.
    package func record(_ reminder: Reminder, pdf: [UInt8]) throws {
        let year = reminder.date.year
        try Storage.makeDirectory(layout.reminders(year: year))
        try Storage.write(
            pdf, to: layout.reminderPDF(id: reminder.id, year: year), temporaryDirectory: layout.temporary,
            collision: .replace)
        CrashInjection.step("reminder pdf \(reminder.id)")
        try Storage.publishIdempotently(
            try Self.encode(reminder), to: layout.reminderRecord(id: reminder.id, year: year),
            temporaryDirectory: layout.temporary)
    }

    // MARK: - Decisions on formal notices

    package func decisions() throws -> [String: ReminderDecision] {
        var result: [String: ReminderDecision] = [:]
        for name in try Storage.listIfPresent(layout.reminderDecisions) where name.hasSuffix(".json") {
            let decision = try FacturationError.decode(
                ReminderDecision.self, at: Path.join(layout.reminderDecisions, name))
            result[decision.id] = decision
        }
        return result
    }

    /// Records a decision; false when the formal notice was already decided.
    @discardableResult
    package func recordDecision(_ decision: ReminderDecision) throws -> Bool {
        let path = Path.join(layout.reminderDecisions, decision.id + ".json")
        if Storage.exists(path) { return false }
        try Storage.makeDirectory(layout.reminderDecisions)
        try Storage.write(try Self.encode(decision), to: path, temporaryDirectory: layout.temporary, collision: .fail)
        return true
    }

    // MARK: - Holds

    /// Every hold event, in the order they were recorded: by their time (`at`, to the second), then,
    /// within one second, by when their file was written (each is written once, never replaced), then
    /// by name.
    ///
    /// Why the file's time: a reply's hold and a person's lift can be recorded within the same second
    /// (two quick runs), and their names (a hash, `reply-…`) say nothing of their order; ordered by
    /// name, the lift of a hold made the same second came first and the hold stayed in force.
    package func holds() throws -> [ReminderHold] {
        var result: [(at: String, written: Int64, name: String, hold: ReminderHold)] = []
        for name in try Storage.listIfPresent(layout.reminderHolds) where name.hasSuffix(".json") {
            let path = Path.join(layout.reminderHolds, name)
            let hold = try FacturationError.decode(ReminderHold.self, at: path)
            result.append((hold.at, Storage.status(path)?.modified ?? 0, name, hold))
        }
        return result.sorted { ($0.at, $0.written, $0.name) < ($1.at, $1.written, $1.name) }.map(\.hold)
    }

    /// Records a hold event under `name` (the request file's hash); false when it already was.
    @discardableResult
    package func recordHold(_ hold: ReminderHold, name: String) throws -> Bool {
        let path = Path.join(layout.reminderHolds, name + ".json")
        if Storage.exists(path) { return false }
        try Storage.makeDirectory(layout.reminderHolds)
        try Storage.write(try Self.encode(hold), to: path, temporaryDirectory: layout.temporary, collision: .fail)
        return true
    }

    /// The holds in force: invoice number or client code → the reason (the last event of each wins).
    package func holdsInForce() throws -> (invoices: [String: String], clients: [String: String]) {
        var invoices: [String: String] = [:]
        var clients: [String: String] = [:]
        for hold in try holds() {
            let reason =
                "on hold since \(hold.at.prefix(10)) (\(hold.by.isEmpty ? "unknown" : hold.by): \(hold.reason))"
            if let invoice = hold.invoice { invoices[invoice] = hold.lift ? nil : reason }
            if let client = hold.client { clients[client] = hold.lift ? nil : reason }
        }
        return (invoices, clients)
    }

    static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value)) + [0x0A]
    }
}
