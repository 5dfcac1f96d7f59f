import Foundation

/// The pack's file: five header lines (format, binary, the years with their identities, counts, the
/// body's SHA-256), then the body, binary and little-endian: every distinct text once (its UTF-8
/// length, 4 bytes, and bytes), every distinct list of texts once, every distinct party once, then
/// each year's files and documents. A document refers to its texts, lists and parties by index
/// (4 bytes; an optional text is 0 when absent, its index + 1 otherwise); numbers and dates (as day
/// numbers) are 8 bytes, enums their raw value as a text.
///
/// Why this form: decoding a year of JSON lines costs a parse of every key and the making of every
/// string; here each distinct text is made once and shared by the documents that hold it (the
/// seller, the legal notes, a client's address repeat on every document), so a document costs its
/// box, its lines and a few retains. Texts are told apart by their bytes, not as `String`s (two
/// texts equal as `String`s may differ in bytes: composed accents), so every byte comes back.
extension IssuedRecordPack {
    func bytes() -> [UInt8] {
        var writer = RecordPackWriter()
        var years: [UInt8] = []
        for year in self.years {
            writer.bytes = []
            writer.word(year.files.count)
            for file in year.files { writer.string(file) }
            writer.word(year.documents.count)
            for (document, file) in zip(year.documents, year.fileOf) {
                writer.word(file)
                writer.append(document)
            }
            years += writer.bytes
        }
        let body = writer.tables() + years
        let yearsLine = self.years.map { "\($0.folder):\($0.identity)" }.joined(separator: " ")
        let header =
            "facturation issued-record-pack \(Self.currentVersion)\nbinary \(RunStamp.executableIdentity())\n"
            + "years \(yearsLine)\ncounts \(self.years.count) \(self.years.map(\.documents.count).reduce(0, +))\n"
            + "body-sha256 \(body.withUnsafeBytes { SHA256Hasher.hex($0) })\n"
        return Array(header.utf8) + body
    }

    /// The pack in `bytes` when it is whole, of this version and binary; nil otherwise.
    static func decoded(_ bytes: [UInt8]) -> IssuedRecordPack? {
        guard let (lines, offset) = CheckedHeader.read(bytes, lines: 5),
            lines[0] == "facturation issued-record-pack \(currentVersion)",
            lines[1] == "binary " + RunStamp.executableIdentity(), lines[2].hasPrefix("years"),
            lines[3].hasPrefix("counts ")
        else { return nil }
        let named = lines[2].dropFirst("years".count).split(separator: " ").map { $0.split(separator: ":") }
        guard named.allSatisfy({ $0.count == 2 }) else { return nil }
        return bytes.withUnsafeBytes { raw -> IssuedRecordPack? in
            var reader = RecordPackReader(raw, at: offset)
            do {
                try reader.readTables()
                var years: [Year] = []
                for name in named {
                    let files = try (0..<reader.count()).map { _ in try reader.string() }
                    let count = try reader.count()
                    var documents: [InvoiceDocument] = []
                    var fileOf: [Int] = []
                    documents.reserveCapacity(count)
                    fileOf.reserveCapacity(count)
                    for _ in 0..<count {
                        fileOf.append(try reader.index(below: files.count))
                        documents.append(try reader.document())
                    }
                    years.append(
                        Year(
                            folder: String(name[0]), identity: String(name[1]), files: files, documents: documents,
                            fileOf: fileOf))
                }
                guard reader.at == raw.count else { return nil }
                return IssuedRecordPack(years: years)
            } catch {
                return nil
            }
        }
    }
}

/// Writes the pack's body: the tables of texts, lists and parties as they fill, and `bytes`, the
/// part being written.
struct RecordPackWriter {
    var bytes: [UInt8] = []
    private var strings: [[UInt8]] = []
    private var stringAt: [[UInt8]: Int] = [:]
    private var lists: [[Int]] = []
    private var listAt: [[Int]: Int] = [:]
    private var parties: [[UInt8]] = []
    private var partyAt: [[UInt8]: Int] = [:]

    /// The three tables, as the body begins.
    func tables() -> [UInt8] {
        var out = RecordPackWriter()
        out.word(strings.count)
        for text in strings {
            out.word(text.count)
            out.bytes += text
        }
        out.word(lists.count)
        for list in lists {
            out.word(list.count)
            for index in list { out.word(index) }
        }
        out.word(parties.count)
        for party in parties {
            out.word(party.count)
            out.bytes += party
        }
        return out.bytes
    }

    mutating func word(_ value: Int) {
        withUnsafeBytes(of: UInt32(value).littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func int(_ value: Int64) {
        withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) }
    }

    mutating func int(_ value: Int) { int(Int64(value)) }

    mutating func bool(_ value: Bool) { word(value ? 1 : 0) }

    mutating func date(_ value: CivilDate) { int(value.daysSinceEpoch) }

    private mutating func index(of text: String) -> Int {
        let utf8 = Array(text.utf8)
        if let known = stringAt[utf8] { return known }
        strings.append(utf8)
        stringAt[utf8] = strings.count - 1
        return strings.count - 1
    }

    mutating func string(_ text: String) { word(index(of: text)) }

    mutating func optional(_ text: String?) { word(text.map { index(of: $0) + 1 } ?? 0) }

    mutating func list(_ texts: [String]) {
        let indices = texts.map { index(of: $0) }
        if let known = listAt[indices] { return word(known) }
        lists.append(indices)
        listAt[indices] = lists.count - 1
        word(lists.count - 1)
    }

    mutating func range(_ range: InvoiceDocument.DateRange?) {
        bool(range != nil)
        if let range {
            date(range.start)
            date(range.end)
        }
    }

    mutating func address(_ address: InvoiceDocument.PostalAddress) {
        list(address.lines)
        string(address.postcode)
        string(address.city)
        string(address.country)
    }

    mutating func party(_ party: InvoiceDocument.Party) {
        let outer = bytes
        bytes = []
        string(party.name)
        for text in [party.legalForm, party.shareCapital, party.rcsCity, party.siren, party.siret, party.vatNumber] {
            optional(text)
        }
        address(party.address)
        optional(party.email)
        let encoded = bytes
        bytes = outer
        if let known = partyAt[encoded] { return word(known) }
        parties.append(encoded)
        partyAt[encoded] = parties.count - 1
        word(parties.count - 1)
    }
}

/// Reads the pack's body, every read checked against its end and every index against its table (a
/// damaged pack is refused, never read past).
struct RecordPackReader {
    struct Damaged: Error {}

    let bytes: UnsafeRawBufferPointer
    var at: Int
    private var strings: [String] = []
    private var lists: [[String]] = []
    private var parties: [InvoiceDocument.Party] = []

    init(_ bytes: UnsafeRawBufferPointer, at: Int) {
        self.bytes = bytes
        self.at = at
    }

    mutating func word() throws(Damaged) -> Int {
        guard at >= 0, bytes.count - at >= 4 else { throw Damaged() }
        defer { at += 4 }
        return Int(UInt32(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: UInt32.self)))
    }

    /// A count of things of at least 4 bytes each that follow: beyond that it is damage, not an allocation.
    mutating func count() throws(Damaged) -> Int {
        let value = try word()
        guard value <= (bytes.count - at) / 4 else { throw Damaged() }
        return value
    }

    mutating func index(below count: Int) throws(Damaged) -> Int {
        let value = try word()
        guard value < count else { throw Damaged() }
        return value
    }

    mutating func int() throws(Damaged) -> Int64 {
        guard at >= 0, bytes.count - at >= 8 else { throw Damaged() }
        defer { at += 8 }
        return Int64(littleEndian: bytes.loadUnaligned(fromByteOffset: at, as: Int64.self))
    }

    mutating func bool() throws(Damaged) -> Bool {
        switch try word() {
        case 0: false
        case 1: true
        default: throw Damaged()
        }
    }

    mutating func date() throws(Damaged) -> CivilDate {
        let days = try int()
        // Years 1 to 9999, as `CivilDate` holds them.
        guard days >= -719_162, days <= 2_932_896 else { throw Damaged() }
        return CivilDate(daysSinceEpoch: days)
    }

    mutating func string() throws(Damaged) -> String { strings[try index(below: strings.count)] }

    mutating func optional() throws(Damaged) -> String? {
        let value = try index(below: strings.count + 1)
        return value == 0 ? nil : strings[value - 1]
    }

    mutating func list() throws(Damaged) -> [String] { lists[try index(below: lists.count)] }

    mutating func party() throws(Damaged) -> InvoiceDocument.Party { parties[try index(below: parties.count)] }

    mutating func value<T: RawRepresentable<String>>(_: T.Type) throws(Damaged) -> T {
        guard let value = T(rawValue: try string()) else { throw Damaged() }
        return value
    }

    mutating func range() throws(Damaged) -> InvoiceDocument.DateRange? {
        try bool() ? InvoiceDocument.DateRange(start: try date(), end: try date()) : nil
    }

    mutating func address() throws(Damaged) -> InvoiceDocument.PostalAddress {
        InvoiceDocument.PostalAddress(
            lines: try list(), postcode: try string(), city: try string(), country: try string())
    }

    /// The texts, lists and parties, each made once.
    mutating func readTables() throws(Damaged) {
        let texts = try count()
        strings.reserveCapacity(texts)
        for _ in 0..<texts {
            let length = try word()
            guard length <= bytes.count - at else { throw Damaged() }
            strings.append(String(decoding: UnsafeRawBufferPointer(rebasing: bytes[at..<at + length]), as: UTF8.self))
            at += length
        }
        for _ in 0..<(try count()) {
            lists.append(try (0..<(try count())).map { _ throws(Damaged) in try string() })
        }
        for _ in 0..<(try count()) {
            let end = try word() + at
            let party = InvoiceDocument.Party(
                name: try string(), legalForm: try optional(), shareCapital: try optional(), rcsCity: try optional(),
                siren: try optional(), siret: try optional(), vatNumber: try optional(), address: try address(),
                email: try optional())
            guard at == end else { throw Damaged() }
            parties.append(party)
        }
    }
}
