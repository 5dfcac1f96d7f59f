/// Converts Clockify JSON into normalized time entries: the Reports API detailed report
/// (`{"timeentries": [...]}`, durations in seconds, rates and amounts in cents) and the
/// time-entries API array (`[{"timeInterval": …}]`, ISO 8601 durations, `hydrated=true` names).
///
/// Entries keep Clockify's id (`record_key` = `clockify:<id>`), so an entry edited in Clockify
/// replaces its earlier version. Running timers (no end yet) are skipped and reported.
struct ClockifyJSONConverter {
    let context: ConversionContext

    private var format: InputFormat { context.detection.format }

    func convert() throws -> ConversionReport {
        let entries = try entryList(try JSONInput.load(context))
        var problems = ProblemList()
        var running = 0
        var withoutNames = 0
        var records = 0
        for (index, entry) in entries.enumerated() {
            var reader = EntryReader(
                entry: entry, index: index,
                label: format == .clockifyReportJSON ? "timeentries[\(index)]" : "entry \(index + 1)")
            defer { for problem in reader.problems { problems.add(problem) } }
            guard let interval = reader.interval(zone: context.zone) else {
                if reader.isRunning { running += 1 }
                continue
            }
            let names = EntryReader.Names(entry)
            if names.project.isEmpty, entry["projectId"]?.string?.isEmpty == false { withoutNames += 1 }
            let money = reader.money(
                duration: interval.duration, billable: entry["billable"]?.bool, currency: context.pipeline.currency)
            guard reader.valid else { continue }
            let record = record(reader, interval: interval, names: names, money: money)
            try context.output.append(partition: record.partition) { record.write(into: &$0) }
            records += 1
        }
        let driver = ConversionDriver(context: context, format: format)
        try driver.rejectIfAny(
            problems, ConversionDriver.Wording(unit: "entry", units: "entries", document: "file"),
            advice: "Fetch the data again from the Clockify API without editing it, then drop the new "
                + "file into inbox/.")
        return try driver.finish(records: records, notes: Self.notes(running: running, withoutNames: withoutNames))
    }

    /// The entries: the report's `timeentries`, or the time-entries API's array.
    private func entryList(_ root: JSONNode) throws -> [JSONNode] {
        switch format {
        case .clockifyReportJSON:
            guard let list = root["timeentries"]?.array else {
                throw Rejection(
                    format: format, summary: "The report has no \"timeentries\" list.",
                    advice: "Save the whole response of the Reports API (detailed report) as the file.")
            }
            return list
        default:
            guard let list = root.array else {
                throw Rejection(
                    format: format, summary: "The file is not a list of time entries.",
                    advice: "Save the whole response of the time-entries API as the file.")
            }
            return list
        }
    }

    /// The normalized record of a valid entry.
    private func record(
        _ reader: EntryReader, interval: EntryReader.Interval, names: EntryReader.Names, money: EntryReader.Money
    ) -> TimeEntryRecord<String> {
        let entry = reader.entry
        let startLocal = interval.start + Int64(context.zone.offset(atUTC: interval.start))
        let endLocal = interval.end + Int64(context.zone.offset(atUTC: interval.end))
        let description = JSONInput.string(entry["description"])
        let billable = entry["billable"]?.bool
        let classification = context.classifier.classify(
            client: names.client, project: names.project, task: names.task, tags: names.tags,
            description: description, billable: billable, hasRate: (money.rate ?? 0) > 0)
        let type = JSONInput.string(entry["type"]).lowercased()
        return TimeEntryRecord(
            key: TimeEntryKey.clockify(id: reader.id), sourceFormat: format, sourceFile: context.sourceName,
            sourceRow: reader.index + 1, sourceEntryID: reader.id, userName: names.user, userEmail: names.email,
            clientName: names.client, clientCode: classification.clientCode ?? "", projectName: names.project,
            taskName: names.task, description: description, tags: names.tags.joined(separator: ", "),
            billable: billable, entryType: type.isEmpty ? "regular" : type, startLocal: startLocal,
            endLocal: endLocal, startUTC: interval.start, endUTC: interval.end, durationSeconds: interval.duration,
            secondPrecision: true, hourlyRateMinor: money.rate, billableAmountMinor: money.amount,
            currencyCode: money.currency.code, minorDigits: money.currency.minorDigits,
            category: classification.category,
            invoiced: entry["invoicingInfo"]?.object.map { !$0.isEmpty }, invoiceRef: "")
    }

    private static func notes(running: Int, withoutNames: Int) -> [String] {
        var notes: [String] = []
        if running > 0 {
            notes.append(
                "\(running) running timer\(running == 1 ? "" : "s") (no end yet) skipped: "
                    + "\(running == 1 ? "it" : "they") will be imported from a later export, once stopped")
        }
        if withoutNames > 0 {
            notes.append(
                "\(withoutNames) entr\(withoutNames == 1 ? "y has" : "ies have") project ids but no names: "
                    + "fetch with hydrated=true so that clients can be recognised")
        }
        return notes
    }

    /// Parses an ISO 8601 duration (`PT2H54M`, `P1DT2H`, `PT0S`, `PT1.5S`) into whole seconds.
    static func isoDuration(_ text: String) -> Int64? {
        var rest = Substring(text.trimmed)
        guard rest.hasPrefix("P") else { return nil }
        rest = rest.dropFirst()
        var total: Int64 = 0
        var inTime = false
        var number = ""
        var sawComponent = false
        for character in rest {
            if character == "T" { inTime = true; continue }
            if character.isNumber || character == "." || character == "," { number.append(character); continue }
            guard !number.isEmpty else { return nil }
            // Fractions are dropped (seconds are the unit); a number too large for seconds is refused.
            guard let whole = Int64(number.split(whereSeparator: { $0 == "." || $0 == "," }).first ?? "0") else {
                return nil
            }
            let unit: Int64
            switch (character, inTime) {
            case ("D", false): unit = 86_400
            case ("W", false): unit = 7 * 86_400
            case ("H", true): unit = 3_600
            case ("M", true): unit = 60
            case ("S", true): unit = 1
            default: return nil
            }
            let (seconds, overflowMultiplying) = whole.multipliedReportingOverflow(by: unit)
            let (sum, overflowAdding) = total.addingReportingOverflow(seconds)
            if overflowMultiplying || overflowAdding { return nil }
            total = sum
            number = ""
            sawComponent = true
        }
        return sawComponent && number.isEmpty ? total : nil
    }

    static func shown(_ node: JSONNode) -> String {
        switch node.value {
        case .string(let text): text
        case .number(let text): text
        case .bool(let flag): flag ? "true" : "false"
        case .null: "null"
        default: node.value.kindName
        }
    }
}
