import Foundation

/// The invoicing state of one pipeline, as files under `archive/invoicing/<pipeline>/`:
///
/// - `issued/<YYYY>/<first>_<last>.jsonl`: every issued invoice and credit note, one file per
///   batch issued together (immutable, created with a no-clobber rename: the batch's commit point);
/// - `drafts/<draft-id>.json`: drafts waiting for a decision;
/// - `decisions/<draft-id>.json`: every decision (approved, rejected, refused by a rule), who, when, why;
/// - `annexes/<draft-id>.csv`: the time entries of a time-based invoice, written before it is issued;
/// - `oxygene/<batch>.json`: which invoices each Oxygène import file holds.
///
/// Everything else (numbers, billed entries, outbox files) is derived from these files.
package struct InvoiceStore {
    package let layout: ArchiveLayout

    package init(layout: ArchiveLayout) {
        self.layout = layout
    }

    var temporary: String { layout.temporary }
    var issuedFolder: String { layout.issued }
    var draftsFolder: String { layout.drafts }
    var decisionsFolder: String { layout.decisions }
    var oxygeneFolder: String { layout.oxygeneBatches }

    // MARK: - Issued documents

    /// Every issued document with a legal number, in issue order (date, then number): the records,
    /// where a provisional document (`numbering = "oxygene"`) appears under the number Oxygène
    /// confirmed, and not at all while it awaits it (``ConfirmedNumbers``). What every stage after
    /// invoicing and every command sees; the invoicing pass reads ``records()``.
    ///
    /// A run reads them once, into its ``RunSnapshot``. A number found in two records means the archive was edited by hand: that is an error.
    package func issued() throws -> [InvoiceDocument] {
        try ConfirmedNumberStore(layout: layout).all().view(of: try records())
    }

    /// Every issued record as written, provisional documents under their provisional reference, in
    /// issue order (date, then number).
    package func records() throws -> [InvoiceDocument] {
        var documents: [InvoiceDocument] = []
        try forEachRecord { (document: InvoiceDocument) in documents.append(document) }
        // In place: `sorted` would copy every document (a retain per text field) once more.
        documents.sort { ($0.issueDate, $0.number) < ($1.issueDate, $1.number) }
        return documents
    }

    /// Calls `body` with every issued document with a legal number (as ``issued()`` lists them),
    /// one record file at a time, so that a caller that keeps only a part of each (the FEC export)
    /// never holds them all.
    ///
    /// `Record` is what is made of each: whole documents, or (the FEC export) only what its postings
    /// read (``IssuedSale``), with the same checks, order and errors.
    package func forEachIssued<Record: IssuedRecordForm>(_ body: (Record) throws -> Void) throws {
        let confirmed = try ConfirmedNumberStore(layout: layout).all()
        try forEachRecord { (record: Record) in
            if let document = confirmed.legal(record) { try body(document) }
        }
    }

    /// Calls `body` with every record, in the order of the files (year, then batch). A number found
    /// in two records is an error, as for ``issued()``.
    package func forEachRecord<Record: IssuedRecordForm>(_ body: (Record) throws -> Void) throws {
        var recordedIn: [String: String] = [:]
        for year in try list(issuedFolder) {
            try forEachRecord(inFolder: year, recordedIn: &recordedIn, body)
        }
    }

    /// The names of the folders of `issued/` (one per year, `YYYY`), in order.
    package func issuedYearFolders() throws -> [String] { try list(issuedFolder) }

    /// The record files of one year's folder (`issued/<YYYY>/`), in order: what
    /// ``forEachRecord(inFolder:recordedIn:_:)`` reads.
    package func recordFiles(inFolder year: String) throws -> [String] {
        try list(Path.join(issuedFolder, year)).filter { $0.hasSuffix(".jsonl") || $0.hasSuffix(".json") }
    }

    /// Calls `body` with every record of one year's folder, in the order of its files; a number
    /// already in `recordedIn` (number → file) is an error, as for ``issued()``. Returns the files
    /// read, in order, each with the status of what was read (`fstat` of its descriptor): the
    /// identity of the documents given (``IssuedYearSummary/identity(folder:read:)``), whatever
    /// the folder's names point to by the time they are looked at again.
    ///
    /// The files are decoded a few at a time on every core (``Parallel/map(_:_:)``, ``decodedAtOnce``
    /// files a group), then checked and handed to `body` one by one in file order: what `body`
    /// sees, and the first error thrown, are those of a pass over the files in order.
    ///
    /// The next group is decoded in the background (``Pending``) while `body` takes the current
    /// one: `body` (the FEC's postings: 146,387 invoices for 1,000,000 lines) ran on one core
    /// while the other waited. At most two groups are held (2 × ``decodedAtOnce`` files).
    @discardableResult
    package func forEachRecord<Record: IssuedRecordForm>(
        inFolder year: String, recordedIn: inout [String: String], _ body: (Record) throws -> Void
    ) throws -> [(name: String, status: Storage.Status)] {
        let yearFolder = Path.join(issuedFolder, year)
        let names = try recordFiles(inFolder: year)
        let paths = names.map { Path.join(yearFolder, $0) }
        let decode = { (start: Int) in
            let group = paths[start..<min(start + Self.decodedAtOnce, paths.count)]
            return group.count == 1
                ? [Result { try readRecords(group[start], as: Record.self) }]
                : Parallel.map(group.count) { index in Result { try readRecords(group[start + index], as: Record.self) }
                }
        }
        var next: Pending<[Result<(documents: [Record], status: Storage.Status), any Error>]>?
        // Not left while a group is being decoded (it reads `paths`).
        defer { _ = next?.wait() }
        var read: [(name: String, status: Storage.Status)] = []
        read.reserveCapacity(paths.count)
        for start in stride(from: 0, to: paths.count, by: Self.decodedAtOnce) {
            let group = paths[start..<min(start + Self.decodedAtOnce, paths.count)]
            let batches = next?.wait() ?? decode(start)
            let following = start + Self.decodedAtOnce
            next = following < paths.count ? Pending { decode(following) } : nil
            for (offset, (path, batch)) in zip(group, batches).enumerated() {
                let (documents, status) = try batch.get()
                read.append((names[start + offset], status))
                for document in documents {
                    if let other = recordedIn.updateValue(path, forKey: document.number) {
                        throw FacturationError(
                            .workspace,
                            "\(document.number) is recorded twice, in \(other) and \(path): "
                                + "the archive was changed by hand; restore it from a backup")
                    }
                }
                for document in documents { try body(document) }
            }
        }
        return read
    }

    /// Record files decoded at once by ``forEachRecord(_:)``: two per core, so that one slow file
    /// does not leave a core idle, and few, so that the decoded batches held stay small (a batch
    /// file holds up to 1,000 documents).
    static let decodedAtOnce = 2 * Parallel.cores

    /// Records a batch of documents issued together in one file, the batch's commit point:
    /// `issued/<YYYY>/<first>_<last>.jsonl`, one document per line, created with a no-clobber rename.
    package func recordIssued(_ documents: [InvoiceDocument], keys: [RecordKeyWriter?] = []) throws {
        guard let first = documents.first, let last = documents.last else { return }
        precondition(
            documents.allSatisfy { $0.issueDate.year == first.issueDate.year },
            "a batch of issued documents spans two years")
        precondition(keys.isEmpty || keys.count == documents.count, "record key writers for another batch")
        let name = first.number == last.number ? first.number : "\(first.number)_\(last.number)"
        let path = Path.join(layout.issued(year: first.issueDate.year), name + ".jsonl")
        try Storage.makeDirectory(Path.parent(of: path))
        // Streamed through the output's 1 MiB buffer, one record at a time: a batch of 1,000
        // time-based invoices lists about 200,000 record keys, and the whole file built in memory,
        // then copied into the buffer, held about 25 MB (as `Storage.write` does, same guarantees).
        let output = try OutputFile(directory: temporary)
        var line: [UInt8] = []
        for (index, document) in documents.enumerated() {
            line.removeAll(keepingCapacity: true)
            try Self.appendRecord(of: document, to: &line, keys: keys.isEmpty ? nil : keys[index])
            line.append(0x0A)
            try output.write(line)
        }
        try output.commit(to: path, collision: .fail)
    }

    /// Appends a document's record keys as the elements of a JSON array (`"k1","k2"`): for a
    /// caller that holds them in another form than `recordKeys` (``TimeAnnexes/Billed``).
    package typealias RecordKeyWriter = (inout [UInt8]) -> Void

    /// Appends a document as one line of compact JSON (what `JSONEncoder` gives with sorted keys),
    /// its record keys written by `keys` when given (the document's own list is then empty).
    ///
    /// The record keys (up to thousands per invoice) are written directly: going through
    /// `JSONEncoder` for each of them costs more than the rest of the document.
    static func appendRecord(
        of document: InvoiceDocument, to bytes: inout [UInt8], keys: RecordKeyWriter? = nil
    ) throws {
        precondition(keys == nil || document.recordKeys.isEmpty, "record keys given twice")
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        var shell = document
        shell.recordKeys = []
        let json = Array(try encoder.encode(shell))
        let writeKeys: RecordKeyWriter =
            keys ?? { bytes in
                for (index, key) in document.recordKeys.enumerated() {
                    if index > 0 { bytes.append(UInt8(ascii: ",")) }
                    appendJSONString(key, to: &bytes)
                }
            }
        // Keys cannot appear inside string values unescaped, so the marker is the top-level field.
        let markers = occurrences(of: Array(#""recordKeys":[]"#.utf8), in: json)
        guard markers.count == 1, let end = markers.first else {
            var list: [UInt8] = [UInt8(ascii: "[")]
            writeKeys(&list)
            list.append(UInt8(ascii: "]"))
            shell.recordKeys = try JSONDecoder().decode([String].self, from: Data(list))
            bytes += try encoder.encode(shell)
            return
        }
        bytes += json[..<(end - 1)]
        writeKeys(&bytes)
        bytes += json[(end - 1)...]
    }

    /// The end offsets of every occurrence of `marker` in `bytes` (a plain scan: the generic
    /// `firstRange(of:)` costs more than encoding the document).
    private static func occurrences(of marker: [UInt8], in bytes: [UInt8]) -> [Int] {
        var ends: [Int] = []
        bytes.withUnsafeBufferPointer { haystack in
            marker.withUnsafeBufferPointer { needle in
                guard needle.count <= haystack.count else { return }
                var start = 0
                while start <= haystack.count - needle.count {
                    var matched = 0
                    while matched < needle.count && haystack[start + matched] == needle[matched] { matched += 1 }
                    if matched == needle.count {
                        ends.append(start + needle.count)
                        start += needle.count
                    } else {
                        start += 1
                    }
                }
            }
        }
        return ends
    }

    /// Appends `text` as a JSON string literal.
    static func appendJSONString(_ text: String, to bytes: inout [UInt8]) {
        appendJSONString(text.utf8, to: &bytes)
    }

    /// Appends the text of these UTF-8 bytes as a JSON string literal.
    static func appendJSONString(_ utf8: some Sequence<UInt8>, to bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        for byte in utf8 {
            switch byte {
            case UInt8(ascii: "\""), UInt8(ascii: "\\"):
                bytes.append(UInt8(ascii: "\\"))
                bytes.append(byte)
            case 0x08: bytes += Array("\\b".utf8)
            case 0x09: bytes += Array("\\t".utf8)
            case 0x0A: bytes += Array("\\n".utf8)
            case 0x0C: bytes += Array("\\f".utf8)
            case 0x0D: bytes += Array("\\r".utf8)
            case 0..<0x20:
                let hex = Array("0123456789abcdef".utf8)
                bytes += Array("\\u00".utf8) + [hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]]
            default:
                bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }

    /// The documents of one record file: JSON lines, or (records written before batches) one JSON
    /// document; with the status of the file read.
    private func readRecords<Record: IssuedRecordForm>(
        _ path: String, as: Record.Type
    ) throws -> (documents: [Record], status: Storage.Status) {
        if path.hasSuffix(".json") {
            let (bytes, status) = try Storage.readWithStatus(path)
            return ([Record(try FacturationError.decode(InvoiceDocument.self, from: bytes, at: path))], status)
        }
        let (bytes, status) = try Storage.readWithStatus(path, limit: 1 << 30)
        var documents: [Record] = []
        let decoder = JSONDecoder()
        var parts = RepeatedParts()
        try bytes.withUnsafeBufferPointer { all in
            for (index, line) in all.split(separator: 0x0A).enumerated() {
                // The fenced fast path (IssuedRecordDecoder); what it does not read, JSONDecoder does.
                let line = UnsafeBufferPointer(rebasing: line)
                if let document = Record.fast(line, repeating: &parts) {
                    documents.append(document)
                    continue
                }
                do {
                    documents.append(Record(try decoder.decode(InvoiceDocument.self, from: Data(line))))
                } catch {
                    throw FacturationError.damaged("\(path), line \(index + 1)", error)
                }
            }
        }
        return (documents, status)
    }

    // MARK: - Drafts and decisions

    package func waitingDrafts() throws -> [InvoiceDraft] {
        try list(draftsFolder).filter { $0.hasSuffix(".json") }.map {
            try read(InvoiceDraft.self, Path.join(draftsFolder, $0))
        }.sorted { ($0.dueOn, $0.id) < ($1.dueOn, $1.id) }
    }

    package func saveDraft(_ draft: InvoiceDraft) throws {
        try Storage.makeDirectory(draftsFolder)
        try Storage.write(
            try encode(draft), to: Path.join(draftsFolder, draft.id + ".json"),
            temporaryDirectory: temporary, collision: .replace)
    }

    package func draft(id: String) throws -> InvoiceDraft? {
        let path = Path.join(draftsFolder, id + ".json")
        return Storage.exists(path) ? try read(InvoiceDraft.self, path) : nil
    }

    /// Removes a waiting draft once it is issued or rejected (its decision and record remain).
    package func removeDraft(id: String) throws {
        let path = Path.join(draftsFolder, id + ".json")
        if Storage.exists(path) { try Storage.removeFile(path) }
    }

    package func decisions() throws -> [String: ApprovalDecision] {
        var result: [String: ApprovalDecision] = [:]
        for name in try list(decisionsFolder) where name.hasSuffix(".json") {
            let decision = try read(ApprovalDecision.self, Path.join(decisionsFolder, name))
            result[decision.draftID] = decision
        }
        return result
    }

    /// Records a decision; a second decision on the same draft is refused (`false`).
    @discardableResult
    ///
    /// `afterApproval` records the rejection of a draft that was approved but could not be issued,
    /// beside its approval (`<draft>.rejected-after-approval.json`, read after it, so it wins).
    package func recordDecision(_ decision: ApprovalDecision, afterApproval: Bool = false) throws -> Bool {
        let path = Path.join(
            decisionsFolder, decision.draftID + (afterApproval ? ".rejected-after-approval" : "") + ".json")
        if Storage.exists(path) { return false }
        try Storage.makeDirectory(decisionsFolder)
        try Storage.write(try encode(decision), to: path, temporaryDirectory: temporary, collision: .fail)
        return true
    }

    // MARK: - Annexes and Oxygène batches

    package func annexPath(draftID: String) -> String { layout.annex(draftID: draftID) }

    /// Numbers already exported to Oxygène.
    package func exportedToOxygene() throws -> Set<String> {
        var numbers: Set<String> = []
        for name in try list(oxygeneFolder) where name.hasSuffix(".json") {
            let path = Path.join(oxygeneFolder, name)
            let bytes = try Storage.read(path)
            let fast = bytes.withUnsafeBufferPointer { OxygeneBatch.read($0) }
            numbers.formUnion(try fast ?? FacturationError.decode(OxygeneBatch.self, from: bytes, at: path).numbers)
        }
        return numbers
    }

    package func recordOxygeneBatch(_ batch: OxygeneBatch) throws {
        try Storage.makeDirectory(oxygeneFolder)
        try Storage.write(
            try encode(batch), to: Path.join(oxygeneFolder, batch.name + ".json"),
            temporaryDirectory: temporary, collision: .replace)
    }

    /// One Oxygène import file and the invoices it holds.
    package struct OxygeneBatch: Codable, Sendable {
        package var name: String
        package var numbers: [String]

        /// The numbers of a batch file as its bytes say, or nil when the file is not in the form read
        /// here: then `JSONDecoder` reads it, with its own result or error message.
        ///
        /// Why (performance code, fenced): every run with something new reads every batch ever
        /// exported (121 files, 12,000 numbers at 10 years), and `JSONDecoder` took 2 % of the full
        /// pass. Invariant as ``IssuedRecordDecoder``'s (``RecordReader``): only an object with
        /// `name` a string and `numbers` an array of strings, each key once and no other, is read;
        /// what it reads is what `JSONDecoder` reads (`OxygeneBatchReadTests`).
        static func read(_ bytes: UnsafeBufferPointer<UInt8>) -> [String]? {
            var reader = RecordReader(bytes)
            var seen = SeenKeys()
            var name: String?, numbers: [String]?
            do {
                try reader.object { (reader, key) throws(UnreadRecord) in
                    switch key {
                    case "name": try seen.mark(0); name = try reader.string()
                    case "numbers": try seen.mark(1); numbers = try reader.strings()
                    default: throw UnreadRecord()
                    }
                }
                try reader.end()
                _ = try required(name)
                return try required(numbers)
            } catch {
                return nil
            }
        }
    }

    // MARK: - Files

    private func list(_ folder: String) throws -> [String] {
        guard Storage.isDirectory(folder) else { return [] }
        return try Storage.list(folder).filter { !$0.hasPrefix(".") }.sorted()
    }

    private func read<T: Decodable>(_ type: T.Type, _ path: String) throws -> T {
        try FacturationError.decode(type, at: path)
    }

    func encode<T: Encodable>(_ value: T) throws -> [UInt8] {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return Array(try encoder.encode(value)) + [0x0A]
    }
}

/// What a pass over the issued records (``InvoiceStore/forEachRecord(_:)``) makes of each record:
/// the whole document, or only what the postings read of it (``IssuedSale``).
package protocol IssuedRecordForm: Sendable {
    var number: String { get set }
    var issueDate: CivilDate { get set }
    var numbering: InvoiceDocument.NumberState? { get set }
    /// The record of one line read by the fenced fast path (``IssuedRecordDecoder``), or nil:
    /// then the line's document is decoded by `JSONDecoder` and made into the form with `init`.
    static func fast(_ line: UnsafeBufferPointer<UInt8>, repeating parts: inout RepeatedParts) -> Self?
    init(_ document: InvoiceDocument)
}

extension InvoiceDocument: IssuedRecordForm {
    package static func fast(_ line: UnsafeBufferPointer<UInt8>, repeating parts: inout RepeatedParts) -> Self? {
        IssuedRecordDecoder.document(from: line, repeating: &parts)
    }

    package init(_ document: InvoiceDocument) { self = document }
}

extension IssuedSale: IssuedRecordForm {
    package static func fast(_ line: UnsafeBufferPointer<UInt8>, repeating parts: inout RepeatedParts) -> Self? {
        IssuedRecordDecoder.sale(from: line, repeating: &parts)
    }
}

/// A decision on a draft: approved or rejected by a person, or refused by a rule.
package struct ApprovalDecision: Codable, Sendable, Equatable {
    package var draftID: String
    package var decision: Kind
    package var by: String
    /// UTC, ISO 8601.
    package var at: String
    package var comment: String?
    /// Where the decision came from: `command`, `inbox:<file>`, `rule`.
    package var source: String

    /// The decisions a draft can get (their raw value is what the records hold).
    package enum Kind: String, Sendable, Codable, Equatable {
        case approved, rejected
        /// By an approval rule: never issued.
        case refused
    }
}
