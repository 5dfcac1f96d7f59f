extension ClockifyJSONConverter {
    /// One time entry of a Clockify JSON file as it is read: its values and the problems found in
    /// it, each naming the entry's path (`timeentries[3].timeInterval.end`), line and value.
    struct EntryReader {
        let entry: JSONNode
        let index: Int
        let label: String
        private(set) var problems: [Problem] = []
        /// A running timer (no end yet): skipped and counted, not a problem.
        private(set) var isRunning = false
        /// Clockify's id of the entry.
        private(set) var id = ""
        var valid: Bool { problems.isEmpty }

        init(entry: JSONNode, index: Int, label: String) {
            self.entry = entry
            self.index = index
            self.label = label
        }

        /// Start and end (UTC seconds) and the duration.
        struct Interval {
            var start: Int64
            var end: Int64
            var duration: Int64
        }

        /// Rate and amount in minor units of `currency`.
        struct Money {
            var currency: Currency
            var rate: Int64?
            var amount: Int64?
        }

        /// The names: the report has them flat; the time-entries API nests them when hydrated.
        struct Names {
            var project: String
            var client: String
            var task: String
            var user: String
            var email: String
            var tags: [String]

            init(_ entry: JSONNode) {
                project = entry["projectName"]?.string ?? entry["project"]?["name"]?.string ?? ""
                client = entry["clientName"]?.string ?? entry["project"]?["clientName"]?.string ?? ""
                task = entry["taskName"]?.string ?? entry["task"]?["name"]?.string ?? ""
                user = entry["userName"]?.string ?? entry["user"]?["name"]?.string ?? ""
                email = entry["userEmail"]?.string ?? entry["user"]?["email"]?.string ?? ""
                tags = (entry["tags"]?.array ?? []).compactMap { $0.string ?? $0["name"]?.string }
            }
        }

        mutating func problem(_ field: String, _ node: JSONNode?, _ message: String) {
            problems.append(JSONInput.problem(in: entry, at: "\(label).\(field)", node, message))
        }

        /// The id and the time interval, checked; nil when the entry cannot be imported (or is running).
        mutating func interval(zone: ZoneConverter) -> Interval? {
            guard entry.object != nil else {
                problem("", entry, "expected an object for each time entry")
                return nil
            }
            id = JSONInput.string(entry["_id"] ?? entry["id"])
            if id.isEmpty { problem("id", entry["_id"] ?? entry["id"], "every entry needs its Clockify id") }
            guard let interval = entry["timeInterval"], interval.object != nil else {
                problem("timeInterval", entry["timeInterval"], "missing start and end")
                return nil
            }
            guard let start = interval["start"]?.string.flatMap(ISOTimestamp.parse) else {
                problem("timeInterval.start", interval["start"], "expected a timestamp like 2025-07-01T09:00:00Z")
                return nil
            }
            if interval["end"] == nil || interval["end"]?.isNull == true {
                isRunning = true
                return nil
            }
            guard let end = interval["end"]?.string.flatMap(ISOTimestamp.parse) else {
                problem("timeInterval.end", interval["end"], "expected a timestamp like 2025-07-01T17:00:00Z")
                return nil
            }
            for (field, instant) in [("start", start.utc), ("end", end.utc)] {
                if let outside = ImportBounds.problem(date: zone.localDate(utc: instant)) {
                    problem("timeInterval.\(field)", interval[field], outside)
                }
            }
            guard valid else { return nil }
            if end.utc < start.utc {
                problem("timeInterval.end", interval["end"], "the entry ends before it starts")
                return nil
            }
            let duration = duration(interval, span: end.utc - start.utc)
            return Interval(start: start.utc, end: end.utc, duration: duration)
        }

        /// The `duration` field (seconds or ISO 8601) when present, else the span; checked against the span.
        private mutating func duration(_ interval: JSONNode, span: Int64) -> Int64 {
            var duration = span
            if let node = interval["duration"], !node.isNull {
                if let seconds = JSONInput.integer(node) ?? node.string.flatMap(ClockifyJSONConverter.isoDuration) {
                    duration = seconds
                    // Timestamps carry seconds: a duration that disagrees with them by more than a
                    // minute is a damaged or edited file, as in the CSV reader.
                    if seconds < span - 60 || seconds > span + 60 {
                        problem(
                            "timeInterval.duration", node,
                            "the duration does not match the start and end (they are \(span) seconds apart)")
                    }
                } else {
                    problem("timeInterval.duration", node, "expected seconds or an ISO 8601 duration like PT2H30M")
                }
            }
            if valid, let outside = ImportBounds.problem(durationSeconds: duration) {
                problem("timeInterval.duration", interval["duration"] ?? interval["end"], outside)
            }
            return duration
        }

        /// Currency, rate and amount (in cents); the amount is rate × duration when absent and billable.
        mutating func money(duration: Int64, billable: Bool?, currency fallback: Currency) -> Money {
            var money = Money(currency: fallback)
            if let code = (entry["hourlyRate"]?["currency"] ?? entry["currency"])?.string {
                if let parsed = Currency(code: code) {
                    money.currency = parsed
                } else {
                    problem(
                        "hourlyRate.currency", entry["hourlyRate"]?["currency"] ?? entry["currency"],
                        "not a currency code")
                }
            }
            if let node = entry["rate"] ?? entry["hourlyRate"]?["amount"], !node.isNull {
                money.rate = cents("rate", node, currency: money.currency)
            }
            if let node = entry["amount"], !node.isNull {
                money.amount = cents("amount", node, currency: money.currency)
            } else if let rate = money.rate, billable != false, valid {
                // Both factors are bounded, so the product fits; the amount is bounded like any other.
                let amount = (rate * duration + 1800) / 3600
                money.amount = amount
                if let outside = ImportBounds.problem(amountMinor: amount, scale: money.currency.minorDigits) {
                    problem("rate", entry["rate"] ?? entry["hourlyRate"]?["amount"], "rate × duration: " + outside)
                }
            }
            return money
        }

        private mutating func cents(_ field: String, _ node: JSONNode, currency: Currency) -> Int64? {
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
    }
}
