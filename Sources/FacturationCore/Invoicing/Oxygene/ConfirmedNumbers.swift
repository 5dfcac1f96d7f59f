import Foundation

/// The legal number Oxygène gave one provisional document (`numbering = "oxygene"`), as recorded
/// in `archive/invoicing/<pipeline>/confirmed/<reference>.json`: immutable, created with a
/// no-clobber rename. That file is the confirmation's commit point: the Factur-X XML, the PDF, the
/// e-mail, the FEC entry, payments and reminders of the document all follow from it.
package struct NumberConfirmation: Codable, Sendable, Equatable {
    /// Our provisional reference (`P202507-001`), the `WEB_ID` of the exported piece.
    package var reference: String
    /// Oxygène's number (`F20250746`).
    package var number: String
    /// Oxygène's date of the piece (the register's `Date`).
    package var date: CivilDate
    /// The archived register export that confirmed it, relative to the workspace, and its line.
    package var register: String
    package var line: Int
    /// How the register entry was found.
    package var match: Match
    /// UTC, ISO 8601.
    package var at: String
    /// The run day of the confirmation: the first day the document could be sent (absent from the
    /// records of the first version). Reminders give the client its payment terms from this day.
    package var confirmedOn: CivilDate? = nil

    /// How a provisional document was paired with its register entry.
    package enum Match: String, Codable, Sendable {
        /// The only register entry with its client, date, kind and total incl. VAT.
        case automatic
        /// Named by a `[confirmation]` request (identical pieces).
        case request
    }

    package init(
        reference: String, number: String, date: CivilDate, register: String, line: Int, match: Match, at: String,
        confirmedOn: CivilDate? = nil
    ) {
        self.reference = reference
        self.number = number
        self.date = date
        self.register = register
        self.line = line
        self.match = match
        self.at = at
        self.confirmedOn = confirmedOn
    }
}

/// Every confirmation of a pipeline, and the legal view of its records: what the stages after
/// invoicing see of the issued documents.
package struct ConfirmedNumbers: Sendable {
    /// Provisional reference → confirmation.
    package private(set) var byReference: [String: NumberConfirmation] = [:]
    /// The confirmation files they were read from, by name, with the status of each file read
    /// (`fstat` of its descriptor): what a checkpoint made from them is keyed by
    /// (``ClosedYearFEC``'s sources), so that a file edited in place, its size and modification
    /// time put back, is seen (its change time moved; its folder's times did not).
    package private(set) var filesRead: [(name: String, status: Storage.Status)] = []

    package init(_ confirmations: [NumberConfirmation] = [], filesRead: [(name: String, status: Storage.Status)] = []) {
        for confirmation in confirmations { add(confirmation) }
        self.filesRead = filesRead
    }

    package var isEmpty: Bool { byReference.isEmpty }

    package mutating func add(_ confirmation: NumberConfirmation) {
        byReference[confirmation.reference] = confirmation
    }

    /// The document as the stages after invoicing see it: a record with a legal number as it is; a
    /// confirmed provisional one under Oxygène's number; nil for one awaiting its number.
    ///
    /// The date is Oxygène's, which the matcher required to be the issue date, so the due date
    /// and every amount of the record stay as issued.
    package func legal<Record: IssuedRecordForm>(_ record: Record) -> Record? {
        guard record.numbering == .provisional else { return record }
        guard let confirmation = byReference[record.number] else { return nil }
        var document = record
        document.number = confirmation.number
        document.issueDate = confirmation.date
        document.numbering = .confirmed
        return document
    }

    /// The legal view of `records` (issue order kept: date, then number). The same array when no
    /// record is provisional (the `facturation` mode: no copy).
    package func view(of records: [InvoiceDocument]) -> [InvoiceDocument] {
        guard records.contains(where: { $0.numbering == .provisional }) else { return records }
        var documents = records.compactMap(legal)
        documents.sort { ($0.issueDate, $0.number) < ($1.issueDate, $1.number) }
        return documents
    }
}

/// The confirmations of one pipeline (`archive/invoicing/<pipeline>/confirmed/`) and the
/// `[confirmation]` requests that pair identical pieces (`confirmation-requests/`).
package struct ConfirmedNumberStore {
    package let layout: ArchiveLayout

    package init(layout: ArchiveLayout) { self.layout = layout }

    /// Every confirmation recorded (none when the folder does not exist: the `facturation` mode).
    package func all() throws -> ConfirmedNumbers {
        guard Storage.isDirectory(layout.confirmedNumbers) else { return ConfirmedNumbers() }
        var confirmations: [NumberConfirmation] = []
        var filesRead: [(name: String, status: Storage.Status)] = []
        for name in try Storage.list(layout.confirmedNumbers).sorted() where name.hasSuffix(".json") {
            let path = Path.join(layout.confirmedNumbers, name)
            let (bytes, status) = try Storage.readWithStatus(path)
            confirmations.append(try FacturationError.decode(NumberConfirmation.self, from: bytes, at: path))
            filesRead.append((name, status))
        }
        return ConfirmedNumbers(confirmations, filesRead: filesRead)
    }

    /// Records a confirmation: the commit point. A second confirmation of one reference is refused
    /// (the file exists: an interrupted run already committed it, which the caller reads first).
    package func record(_ confirmation: NumberConfirmation) throws {
        try Storage.makeDirectory(layout.confirmedNumbers)
        try Storage.write(
            try Self.encode(confirmation), to: layout.confirmedNumber(reference: confirmation.reference),
            temporaryDirectory: layout.temporary, collision: .fail)
    }

    /// A person's pairing of a provisional reference with a register number (identical pieces).
    package struct Request: Codable, Sendable, Equatable {
        package var reference: String
        package var number: String
        package var by: String
        package var at: String
        /// The request file it came from.
        package var source: String
    }

    /// The requests recorded, by reference (a later request for the same reference replaces it).
    package func requests() throws -> [String: Request] {
        guard Storage.isDirectory(layout.confirmationRequests) else { return [:] }
        var requests: [String: Request] = [:]
        for name in try Storage.list(layout.confirmationRequests).sorted() where name.hasSuffix(".json") {
            let request = try FacturationError.decode(
                Request.self, at: Path.join(layout.confirmationRequests, name))
            requests[request.reference] = request
        }
        return requests
    }

    package func record(_ request: Request) throws {
        try Storage.makeDirectory(layout.confirmationRequests)
        try Storage.write(
            try Self.encode(request), to: Path.join(layout.confirmationRequests, request.reference + ".json"),
            temporaryDirectory: layout.temporary, collision: .replace)
    }

    private static func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value)) + [0x0A]
    }
}
