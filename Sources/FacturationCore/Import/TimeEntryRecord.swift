/// One normalized time entry, as the time-tracking converters build it.
struct TimeEntryRecord {
    var key: String
    var sourceFormat: InputFormat
    var sourceFile: String
    var sourceRow: Int
    var sourceEntryID: String
    var userName: String
    var userEmail: String
    var clientName: String
    var clientCode: String?
    var projectName: String
    var taskName: String
    var description: String
    var tags: [String]
    var billable: Bool?
    var entryType: String
    /// Local wall-clock seconds since 1970-01-01T00:00 in the pipeline's time zone.
    var startLocal: Int64
    var endLocal: Int64
    var startUTC: Int64
    var endUTC: Int64
    var durationSeconds: Int64
    var timePrecision: String
    var hourlyRateMinor: Int64?
    var billableAmountMinor: Int64?
    var currency: Currency?
    var category: PipelineConfig.Category
    var invoiced: Bool?
    var invoiceRef: String

    /// The month ledger of the entry: the month of its local start date.
    var partition: String {
        CivilDate(daysSinceEpoch: startLocal >= 0 ? startLocal / 86_400 : (startLocal - 86_399) / 86_400).monthKey
    }

    func write(into out: inout CSVLineBuilder) {
        let scale = currency?.minorDigits ?? 2
        out.field(key)
        out.field(sourceFormat.rawValue)
        out.field(sourceFile)
        out.field(Int64(sourceRow))
        out.field(sourceEntryID)
        out.field(userName)
        out.field(userEmail)
        out.field(clientName)
        out.field(clientCode ?? "")
        out.field(projectName)
        out.field(taskName)
        out.field(description)
        out.field(tags.joined(separator: ", "))
        if let billable { out.field(billable) } else { out.field("") }
        out.field(entryType)
        out.field(ISOTimestamp.format(startLocal) + ISOTimestamp.formatOffset(Int(startLocal - startUTC)))
        out.field(ISOTimestamp.format(endLocal) + ISOTimestamp.formatOffset(Int(endLocal - endUTC)))
        out.field(ISOTimestamp.formatUTC(startUTC))
        out.field(ISOTimestamp.formatUTC(endUTC))
        out.field(durationSeconds)
        out.field(timePrecision)
        out.field(hourlyRateMinor)
        out.field(hourlyRateMinor.map { DecimalText.format(minorUnits: $0, scale: scale) } ?? "")
        out.field(billableAmountMinor)
        out.field(billableAmountMinor.map { DecimalText.format(minorUnits: $0, scale: scale) } ?? "")
        out.field(currency?.code ?? "")
        out.field(category.rawValue)
        if let invoiced { out.field(invoiced) } else { out.field("") }
        out.field(invoiceRef)
    }
}
