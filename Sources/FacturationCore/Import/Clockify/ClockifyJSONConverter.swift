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
        let root = try JSONInput.load(context)
        let entries: [JSONNode]
        switch format {
        case .clockifyReportJSON:
            guard let list = root["timeentries"]?.array else {
                throw Rejection(
                    format: format, summary: "The report has no \"timeentries\" list.",
                    advice: "Save the whole response of the Reports API (detailed report) as the file.")
            }
            entries = list
        default:
            guard let list = root.array else {
                throw Rejection(
                    format: format, summary: "The file is not a list of time entries.",
                    advice: "Save the whole response of the time-entries API as the file.")
            }
            entries = list
        }
        var problems = ProblemList()
        var notes: [String] = []
        var running = 0
        var withoutNames = 0
        var records = 0
        for (index, entry) in entries.enumerated() {
            let label = format == .clockifyReportJSON ? "timeentries[\(index)]" : "entry \(index + 1)"
            var valid = true
            func problem(_ field: String, _ node: JSONNode?, _ message: String) {
                problems.add(
                    Problem(
                        line: (node ?? entry).position.line, column: "\(label).\(field)",
                        value: node.map(Self.shown), message: message))
                valid = false
            }
            guard entry.object != nil else {
                problem("", entry, "expected an object for each time entry")
                continue
            }
            let id = JSONInput.string(entry["_id"] ?? entry["id"])
            if id.isEmpty { problem("id", entry["_id"] ?? entry["id"], "every entry needs its Clockify id") }
            guard let interval = entry["timeInterval"], interval.object != nil else {
                problem("timeInterval", entry["timeInterval"], "missing start and end")
                continue
            }
            guard let start = interval["start"]?.string.flatMap(ISOTimestamp.parse) else {
                problem("timeInterval.start", interval["start"], "expected a timestamp like 2025-07-01T09:00:00Z")
                continue
            }
            if interval["end"] == nil || interval["end"]?.isNull == true {
                running += 1
                continue
            }
            guard let end = interval["end"]?.string.flatMap(ISOTimestamp.parse) else {
                problem("timeInterval.end", interval["end"], "expected a timestamp like 2025-07-01T17:00:00Z")
                continue
            }
            for (field, instant) in [("start", start.utc), ("end", end.utc)] {
                if let outside = ImportBounds.problem(date: context.zone.localDate(utc: instant)) {
                    problem("timeInterval.\(field)", interval[field], outside)
                }
            }
            guard valid else { continue }
            if end.utc < start.utc {
                problem("timeInterval.end", interval["end"], "the entry ends before it starts")
                continue
            }
            let span = end.utc - start.utc
            var duration = span
            if let node = interval["duration"], !node.isNull {
                if let seconds = JSONInput.integer(node) ?? node.string.flatMap(Self.isoDuration) {
                    duration = seconds
                    // Timestamps carry seconds: a duration that disagrees with them by more than a
                    // minute is a damaged or edited file, as in the CSV reader.
                    if seconds < span - 60 || seconds > span + 60 {
                        problem(
                            "timeInterval.duration", node,
                            "the duration does not match the start and end "
                                + "(they are \(span) seconds apart)")
                    }
                } else {
                    problem("timeInterval.duration", node, "expected seconds or an ISO 8601 duration like PT2H30M")
                }
            }
            if valid, let outside = ImportBounds.problem(durationSeconds: duration) {
                problem("timeInterval.duration", interval["duration"] ?? interval["end"], outside)
            }

            // Names: the report has them flat; the time-entries API nests them when hydrated.
            let project = entry["projectName"]?.string ?? entry["project"]?["name"]?.string ?? ""
            let client = entry["clientName"]?.string ?? entry["project"]?["clientName"]?.string ?? ""
            let task = entry["taskName"]?.string ?? entry["task"]?["name"]?.string ?? ""
            let user = entry["userName"]?.string ?? entry["user"]?["name"]?.string ?? ""
            let email = entry["userEmail"]?.string ?? entry["user"]?["email"]?.string ?? ""
            if project.isEmpty, entry["projectId"]?.string?.isEmpty == false { withoutNames += 1 }
            let tags: [String] = (entry["tags"]?.array ?? []).compactMap { $0.string ?? $0["name"]?.string }
            let billable = entry["billable"]?.bool

            // Money, in cents.
            var currency = context.pipeline.currency
            if let code = (entry["hourlyRate"]?["currency"] ?? entry["currency"])?.string {
                if let parsed = Currency(code: code) {
                    currency = parsed
                } else {
                    problem(
                        "hourlyRate.currency", entry["hourlyRate"]?["currency"] ?? entry["currency"],
                        "not a currency code")
                }
            }
            func cents(_ field: String, _ node: JSONNode) -> Int64? {
                guard let value = JSONInput.integer(node) else {
                    problem(field, node, "expected a whole number of cents")
                    return nil
                }
                if let outside = ImportBounds.problem(amountMinor: value, scale: currency.minorDigits) {
                    problem(field, node, outside)
                    return nil
                }
                return value
            }
            var rate: Int64?
            if let node = entry["rate"] ?? entry["hourlyRate"]?["amount"], !node.isNull {
                rate = cents("rate", node)
            }
            var amount: Int64?
            if let node = entry["amount"], !node.isNull {
                amount = cents("amount", node)
            } else if let rate, billable != false, valid {
                // Both factors are bounded, so the product fits; the amount is bounded like any other.
                amount = (rate * duration + 1800) / 3600
                if let outside = ImportBounds.problem(amountMinor: amount ?? 0, scale: currency.minorDigits) {
                    problem("rate", entry["rate"] ?? entry["hourlyRate"]?["amount"], "rate × duration: " + outside)
                }
            }
            guard valid else { continue }

            let startLocal = start.utc + Int64(context.zone.offset(atUTC: start.utc))
            let endLocal = end.utc + Int64(context.zone.offset(atUTC: end.utc))
            let description = JSONInput.string(entry["description"])
            let classification = context.classifier.classify(
                client: client, project: project, task: task, tags: tags, description: description,
                billable: billable, hasRate: (rate ?? 0) > 0)
            let type = JSONInput.string(entry["type"]).lowercased()
            let record = TimeEntryRecord(
                key: TimeEntryKey.clockify(id: id), sourceFormat: format, sourceFile: context.sourceName,
                sourceRow: index + 1, sourceEntryID: id, userName: user, userEmail: email, clientName: client,
                clientCode: classification.clientCode, projectName: project, taskName: task, description: description,
                tags: tags.joined(separator: ", "), billable: billable, entryType: type.isEmpty ? "regular" : type,
                startLocal: startLocal, endLocal: endLocal, startUTC: start.utc, endUTC: end.utc,
                durationSeconds: duration, secondPrecision: true, hourlyRateMinor: rate,
                billableAmountMinor: amount, currency: currency, category: classification.category,
                invoiced: entry["invoicingInfo"]?.object.map { !$0.isEmpty }, invoiceRef: "")
            try context.output.append(partition: record.partition) { record.write(into: &$0) }
            records += 1
        }
        let driver = ConversionDriver(context: context, format: format)
        try driver.rejectIfAny(
            problems, ConversionDriver.Wording(unit: "entry", units: "entries", document: "file"),
            advice: "Fetch the data again from the Clockify API without editing it, then drop the new "
                + "file into inbox/.")
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
        return try driver.finish(records: records, notes: notes)
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
