/// Text that can be written as one CSV field: a String, or bytes borrowed from the input.
protocol CSVText {
    func write(to out: inout CSVLineBuilder)
}

/// Both write text as ``TextCleaning`` cleans it: no control characters, no U+FFFE/U+FFFF.
extension String: CSVText {
    func write(to out: inout CSVLineBuilder) { out.field(TextCleaning.cleaned(self)) }
}

/// UTF-8 bytes borrowed for the time a row is handled: from the parsed input row, or from a
/// ``PinnedText`` of the converter.
struct ByteText: CSVText {
    let bytes: UnsafeRawBufferPointer
    /// Set when the bytes surely need no cleaning: made by the converter itself (a record key), or
    /// from a row the CSV reader found free of any candidate byte (``CSVBatch/mayHoldControlCharacters(_:)``).
    var knownClean = false

    /// No bytes (an empty field).
    static var empty: ByteText { ByteText(bytes: UnsafeRawBufferPointer(start: nil, count: 0), knownClean: true) }

    @inline(__always)
    func write(to out: inout CSVLineBuilder) {
        if knownClean || !TextCleaning.needsCleaning(bytes) {
            out.field(bytes)
        } else {
            writeCleaned(to: &out)
        }
    }

    /// Kept out of line: the common path above stays small enough to inline.
    @inline(never)
    private func writeCleaned(to out: inout CSVLineBuilder) {
        TextCleaning.cleaned(bytes).withUnsafeBytes { out.field($0) }
    }
}

/// Text at a fixed address for as long as this object lives, handed to rows as ``ByteText``:
/// the values every row of a file writes that do not come from the row itself (the file's name,
/// the entry type, the currency, a configured client's code).
///
/// Why (fenced performance code, issue #9, the 1 GB `run` scenario): a ``TimeEntryRecord`` that
/// held them as Strings retained and released them on every row, was destroyed through its
/// generic value witness, and wrote each through ``CSVLineBuilder/field(_:)-(String)``: together
/// about 4 % of the run's samples. With bytes that stay put, the record of a CSV row holds no
/// reference at all.
final class PinnedText {
    private var storage: UnsafeMutableRawBufferPointer
    /// The bytes; valid until the next ``set(_:)`` or the end of this object.
    private(set) var text: ByteText

    init(_ value: String = "") {
        storage = UnsafeMutableRawBufferPointer.allocate(byteCount: max(16, value.utf8.count), alignment: 8)
        text = .empty
        set(value)
    }

    /// Replaces the text (one buffer, grown when needed: the rows written before are complete).
    func set(_ value: String) {
        let count = value.utf8.count
        if count > storage.count {
            storage.deallocate()
            storage = UnsafeMutableRawBufferPointer.allocate(byteCount: count, alignment: 8)
        }
        _ = UnsafeMutableRawBufferPointer(rebasing: storage[0..<count]).initializeMemory(
            as: UInt8.self, from: value.utf8)
        let bytes = UnsafeRawBufferPointer(rebasing: storage[0..<count])
        text = ByteText(bytes: bytes, knownClean: !TextCleaning.needsCleaning(bytes))
    }

    deinit { storage.deallocate() }
}

/// One normalized time entry, as the time-tracking converters build it; the single place
/// that knows the order of the `time-entries` columns.
///
/// Generic over its text storage: the CSV converter writes bytes straight from the input
/// (no String per field), the JSON converter writes Strings.
struct TimeEntryRecord<Text: CSVText> {
    var key: Text
    var sourceFormat: InputFormat
    var sourceFile: Text
    var sourceRow: Int
    var sourceEntryID: Text
    var userName: Text
    var userEmail: Text
    var clientName: Text
    /// The configured client's code; empty when the entry matches none.
    var clientCode: Text
    var projectName: Text
    var taskName: Text
    var description: Text
    /// Tag names joined by ", ".
    var tags: Text
    var billable: Bool?
    /// `regular`, `break`…
    var entryType: Text
    /// Local wall-clock seconds since 1970-01-01T00:00 in the pipeline's time zone.
    var startLocal: Int64
    var endLocal: Int64
    var startUTC: Int64
    var endUTC: Int64
    var durationSeconds: Int64
    var secondPrecision: Bool
    var hourlyRateMinor: Int64?
    var billableAmountMinor: Int64?
    /// The currency's ISO 4217 code, empty when the export names none, and its minor digits
    /// (the scale of the rate and amount; 2 without a currency).
    var currencyCode: Text
    var minorDigits: Int
    var category: PipelineConfig.Category
    var invoiced: Bool?
    var invoiceRef: Text

    /// The month ledger of the entry: the month of its local start date.
    var partition: String { startDate.monthKey }

    var startDate: CivilDate {
        CivilDate(daysSinceEpoch: startLocal >= 0 ? startLocal / 86_400 : (startLocal - 86_399) / 86_400)
    }

    /// Writes the line's fields; returns where it wrote the key and the sort column (`start_utc`,
    /// ``LedgerKind/sortColumns``), as offsets in the builder's buffer.
    @discardableResult
    func write(into out: inout CSVLineBuilder) -> LedgerLinePlaces {
        let scale = minorDigits
        key.write(to: &out)
        let keyEnd = out.buffer.count
        out.plainField(sourceFormat.word)
        sourceFile.write(to: &out)
        out.field(Int64(sourceRow))
        sourceEntryID.write(to: &out)
        userName.write(to: &out)
        userEmail.write(to: &out)
        clientName.write(to: &out)
        clientCode.write(to: &out)
        projectName.write(to: &out)
        taskName.write(to: &out)
        description.write(to: &out)
        tags.write(to: &out)
        if let billable { out.field(billable) } else { out.emptyField() }
        entryType.write(to: &out)
        out.timestampField(startLocal, offset: Int(startLocal - startUTC))
        out.timestampField(endLocal, offset: Int(endLocal - endUTC))
        // Never the first field: a comma goes before it.
        let startUTCStart = out.buffer.count + 1
        out.timestampField(startUTC, offset: nil)
        let startUTCEnd = out.buffer.count
        out.timestampField(endUTC, offset: nil)
        out.field(durationSeconds)
        out.plainField(secondPrecision ? "second" : "minute")
        out.field(hourlyRateMinor)
        if let hourlyRateMinor { out.decimalField(hourlyRateMinor, scale: scale) } else { out.emptyField() }
        out.field(billableAmountMinor)
        if let billableAmountMinor { out.decimalField(billableAmountMinor, scale: scale) } else { out.emptyField() }
        currencyCode.write(to: &out)
        out.plainField(category.word)
        if let invoiced { out.field(invoiced) } else { out.emptyField() }
        invoiceRef.write(to: &out)
        return LedgerLinePlaces(keyEnd: keyEnd, sortColumn: startUTCStart..<startUTCEnd)
    }
}
