/// Text that can be written as one CSV field: a String, or bytes borrowed from the input.
protocol CSVText {
    func write(to out: inout CSVLineBuilder)
}

/// Both write text as ``TextCleaning`` cleans it: no control characters, no U+FFFE/U+FFFF.
extension String: CSVText {
    func write(to out: inout CSVLineBuilder) { out.field(TextCleaning.cleaned(self)) }
}

/// UTF-8 bytes borrowed from a parsed input row; valid only while that row is being handled.
struct ByteText: CSVText {
    let bytes: UnsafeRawBufferPointer
    /// Set when the bytes surely need no cleaning: made by the converter itself (a record key), or
    /// from a row the CSV reader found free of any candidate byte (``CSVBatch/mayHoldControlCharacters(_:)``).
    var knownClean = false

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

/// One normalized time entry, as the time-tracking converters build it; the single place
/// that knows the order of the `time-entries` columns.
///
/// Generic over its text storage: the CSV converter writes bytes straight from the input
/// (no String per field), the JSON converter writes Strings.
struct TimeEntryRecord<Text: CSVText> {
    var key: Text
    var sourceFormat: InputFormat
    var sourceFile: String
    var sourceRow: Int
    var sourceEntryID: Text
    var userName: Text
    var userEmail: Text
    var clientName: Text
    var clientCode: String?
    var projectName: Text
    var taskName: Text
    var description: Text
    /// Tag names joined by ", ".
    var tags: Text
    var billable: Bool?
    /// `regular`, `break`…
    var entryType: String
    /// Local wall-clock seconds since 1970-01-01T00:00 in the pipeline's time zone.
    var startLocal: Int64
    var endLocal: Int64
    var startUTC: Int64
    var endUTC: Int64
    var durationSeconds: Int64
    var secondPrecision: Bool
    var hourlyRateMinor: Int64?
    var billableAmountMinor: Int64?
    var currency: Currency?
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
        let scale = currency?.minorDigits ?? 2
        key.write(to: &out)
        let keyEnd = out.buffer.count
        out.field(sourceFormat.rawValue)
        out.field(sourceFile)
        out.field(Int64(sourceRow))
        sourceEntryID.write(to: &out)
        userName.write(to: &out)
        userEmail.write(to: &out)
        clientName.write(to: &out)
        out.field(clientCode ?? "")
        projectName.write(to: &out)
        taskName.write(to: &out)
        description.write(to: &out)
        tags.write(to: &out)
        if let billable { out.field(billable) } else { out.field("") }
        out.field(entryType)
        out.timestampField(startLocal, offset: Int(startLocal - startUTC))
        out.timestampField(endLocal, offset: Int(endLocal - endUTC))
        // Never the first field: a comma goes before it.
        let startUTCStart = out.buffer.count + 1
        out.timestampField(startUTC, offset: nil)
        let startUTCEnd = out.buffer.count
        out.timestampField(endUTC, offset: nil)
        out.field(durationSeconds)
        out.field(secondPrecision ? "second" : "minute")
        out.field(hourlyRateMinor)
        if let hourlyRateMinor { out.decimalField(hourlyRateMinor, scale: scale) } else { out.field("") }
        out.field(billableAmountMinor)
        if let billableAmountMinor { out.decimalField(billableAmountMinor, scale: scale) } else { out.field("") }
        out.field(currency?.code ?? "")
        out.field(category.rawValue)
        if let invoiced { out.field(invoiced) } else { out.field("") }
        invoiceRef.write(to: &out)
        return LedgerLinePlaces(keyEnd: keyEnd, sortColumn: startUTCStart..<startUTCEnd)
    }
}
