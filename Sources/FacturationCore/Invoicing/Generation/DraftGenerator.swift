/// Produces the drafts due on a day: recurring fees whose billing day has come, and the billable
/// time of every closed month that no invoice has billed yet.
public struct DraftGenerator {
    public let pipeline: PipelineConfig
    public let settings: InvoicingSettings
    public let layout: PipelineLayout

    /// What the store already knows: origins that must not be generated again and entries already billed or held.
    public struct Known {
        /// Draft ids that were issued, are waiting for approval, or were refused.
        public var takenDraftIDs: Set<String>
        /// Entries billed by an issued invoice (and not released by a credit note) or held by a waiting draft.
        public var heldKeys: Set<String>
        /// `client|YYYY-MM` of time-based drafts already issued or waiting (to report late entries).
        public var timeMonths: Set<String>
        /// Entries made billable again by a credit note, with its number (so billing them again gets a new draft id).
        public var releasedBy: [String: String] = [:]
    }

    /// Drafts plus problems that stopped a client's drafts (the entries stay unbilled and are retried).
    public struct Result {
        public var drafts: [InvoiceDraft] = []
        public var warnings: [String] = []
        /// Documents that cannot be computed (amounts too large): reported, retried by every run.
        public var errors: [String] = []
    }

    private let clients: [String: PipelineConfig.Client]

    public init(pipeline: PipelineConfig, settings: InvoicingSettings, layout: PipelineLayout) {
        self.pipeline = pipeline
        self.settings = settings
        self.layout = layout
        clients = Dictionary(pipeline.clients.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
    }

    public func drafts(today: CivilDate, known: Known) throws -> Result {
        var result = Result()
        recurring(today: today, known: known, into: &result)
        try timeBased(today: today, known: known, into: &result)
        result.drafts.sort { ($0.dueOn, $0.clientCode, $0.id) < ($1.dueOn, $1.clientCode, $1.id) }
        return result
    }

    // MARK: - Recurring fees

    private func recurring(today: CivilDate, known: Known, into result: inout Result) {
        for contract in settings.contracts {
            guard let client = clients[contract.clientCode], let billing = client.billing else { continue }
            for period in RecurringSchedule.duePeriods(of: contract, from: settings.start, today: today) {
                let id = "rec-\(contract.id)-\(period.key)"
                guard !known.takenDraftIDs.contains(id) else { continue }
                let label = contract.label + " – " + RecurringSchedule.label(of: period, frequency: contract.frequency)
                let line = InvoiceLine(
                    number: 1, articleCode: contract.article, description: label, quantity: .one, unitCode: "C62",
                    unitPriceMinor: contract.amountMinor, netAmountMinor: contract.amountMinor,
                    vatCategory: billing.vat.categoryCode, vatRateBasisPoints: billing.vatRateBasisPoints,
                    period: nil, entryCount: 0)
                result.drafts.append(InvoiceDraft(
                    id: id, kind: .invoice, clientCode: client.code,
                    origin: .init(type: .recurring, draftID: id, contract: contract.id, period: period.key),
                    title: label, servicePeriod: .init(start: period.start, end: period.end), lines: [line],
                    recordKeys: [], dueOn: period.billingDate, precedingInvoice: nil, reason: nil, notes: [],
                    annex: []))
            }
        }
    }

    // MARK: - Time-based invoices

    private struct Entry {
        var key: String
        var client: String
        var project: String
        var task: String
        var description: String
        var user: String
        var date: String
        var seconds: Int64
        var clockifyRateMinor: Int64?
        /// The currency of Clockify's rate when it is not the pipeline's (the rate is then not used).
        var otherRateCurrency: String?
    }

    private func timeBased(today: CivilDate, known: Known, into result: inout Result) throws {
        var month = CivilDate(year: settings.start.year, month: settings.start.month, day: 1)!
        while true {
            let next = RecurringSchedule.addMonths(month, 1)
            let close = CivilDate(year: next.year, month: next.month, day: settings.timeInvoiceDay)!
            guard close <= today else { break }
            try timeBased(month: month, close: close, known: known, into: &result)
            month = next
        }
    }

    private static let billable = Array(PipelineConfig.Category.facturable.rawValue.utf8)

    private func timeBased(month: CivilDate, close: CivilDate, known: Known, into result: inout Result) throws {
        let path = layout.ledger(.timeEntries, month.monthKey)
        var byClient: [String: [Entry]] = [:]
        var unassigned = 0
        var outOfBounds = 0
        try LedgerFile.forEachRow(path: path, header: LedgerKind.timeEntries.columns) { fields in
            func text(_ column: TimeEntryColumn) -> String { String(decoding: fields[column.index], as: UTF8.self) }
            guard fields[TimeEntryColumn.category.index].elementsEqual(Self.billable) else { return }
            let key = text(.recordKey)
            guard !known.heldKeys.contains(key) else { return }
            let client = text(.clientCode)
            guard !client.isEmpty else { unassigned += 1; return }
            var rate = Self.integer(fields[TimeEntryColumn.hourlyRateMinor.index]).flatMap { $0 > 0 ? $0 : nil }
            // Clockify's rate is in its workspace's currency, in that currency's minor units: a rate
            // in yen or dollars is never billed as euros.
            let rateCurrency = String(decoding: fields[TimeEntryColumn.currency.index], as: UTF8.self)
            let otherCurrency = rate != nil && !rateCurrency.isEmpty && rateCurrency != pipeline.currency.code
            if otherCurrency { rate = nil }
            let seconds = Self.integer(fields[TimeEntryColumn.durationSeconds.index]) ?? 0
            // Ledgers written before imports were bounded may hold values no import accepts today.
            if ImportBounds.problem(durationSeconds: seconds) != nil
                || rate.map({ ImportBounds.problem(amountMinor: $0, scale: 2) != nil }) == true {
                outOfBounds += 1
                return
            }
            byClient[client, default: []].append(Entry(
                key: key, client: client, project: text(.projectName), task: text(.taskName),
                description: text(.description), user: text(.userName),
                date: String(decoding: fields[TimeEntryColumn.startLocal.index].prefix(10), as: UTF8.self),
                seconds: seconds, clockifyRateMinor: rate, otherRateCurrency: otherCurrency ? rateCurrency : nil))
        }
        if outOfBounds > 0 {
            result.warnings.append("\(month.monthKey): \(outOfBounds) billable time entries of \(Path.name(of: path)) last "
                + "longer than 72 hours or have a rate beyond 1,000,000,000.00 (imported before facturation checked "
                + "these bounds): they are not invoiced; correct them in Clockify and drop a new export")
        }
        if unassigned > 0 {
            result.warnings.append("\(month.monthKey): \(unassigned) billable time entries have no client, so they "
                + "cannot be invoiced: add the Clockify client or project name to a client's aliases in \(pipeline.file)")
        }
        // Clients are independent: their drafts are built on every core, then kept in client order.
        let codes = byClient.keys.sorted()
        let parts = Parallel.cores
        let built = Parallel.map(parts) { part -> Result in
            var built = Result()
            for client in codes[(codes.count * part / parts)..<(codes.count * (part + 1) / parts)] {
                guard let entries = byClient[client] else { continue }
                do {
                    if let draft = try draft(client: client, month: month, close: close, entries: entries,
                                             known: known, warnings: &built.warnings),
                       !known.takenDraftIDs.contains(draft.id) {
                        built.drafts.append(draft)
                    }
                } catch {
                    built.errors.append("\(month.monthKey): the time of client \(client) was not invoiced: \(error)")
                }
            }
            return built
        }
        for part in built {
            result.drafts += part.drafts
            result.warnings += part.warnings
            result.errors += part.errors
        }
    }

    /// `Int64(text)` of a field, with plain digits parsed without making a String.
    private static func integer(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard !bytes.isEmpty, bytes.count <= 18, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return Int64(String(decoding: bytes, as: UTF8.self))
        }
        return bytes.reduce(0) { $0 * 10 + Int64($1 - 0x30) }
    }

    private func draft(client code: String, month: CivilDate, close: CivilDate, entries: [Entry], known: Known,
                       warnings: inout [String]) throws(ArithmeticOverflow) -> InvoiceDraft? {
        guard let client = clients[code] else { return nil }
        guard let billing = client.billing, billing.address != nil else {
            warnings.append("\(month.monthKey): \(entries.count) billable time entries of client \(code) wait: the "
                + "client has no billing address (add address = { … } to its [[clients]] entry in \(pipeline.file))")
            return nil
        }
        let byDay = billing.dailyRateMinor != nil
        var groups: [String: [Entry]] = [:]
        var order: [String] = []
        // Ledger rows come sorted by start time (then record key): lines and annex keep that order.
        for entry in entries {
            let name: String
            switch settings.groupTimeBy {
            case .project: name = entry.project.isEmpty ? "Prestations" : entry.project
            case .task: name = entry.task.isEmpty ? (entry.project.isEmpty ? "Prestations" : entry.project) : entry.task
            case .client: name = "Prestations"
            }
            let rate = billing.dailyRateMinor ?? billing.hourlyRateMinor ?? entry.clockifyRateMinor
            guard let rate else {
                let currencies = Set(entries.compactMap(\.otherRateCurrency)).sorted()
                let why = currencies.isEmpty ? "" : " (its Clockify rates are in " + currencies.joined(separator: ", ")
                    + ", the invoices in \(pipeline.currency.code))"
                warnings.append("\(month.monthKey): client \(code) has billable time but no rate\(why): add hourly_rate "
                    + "(or daily_rate) to its [[clients]] entry in \(pipeline.file)")
                return nil
            }
            let groupKey = name + "\u{1F}" + String(rate)
            if groups[groupKey] == nil { order.append(groupKey) }
            groups[groupKey, default: []].append(entry)
        }
        let monthLabel = FrenchDates.monthName(month.month, capitalized: false) + " \(month.year)"
        var lines: [InvoiceLine] = []
        var annex: [InvoiceDraft.AnnexEntry] = []
        for groupKey in order {
            guard let members = groups[groupKey] else { continue }
            let parts = groupKey.split(separator: "\u{1F}", omittingEmptySubsequences: false)
            let name = String(parts[0])
            let rate = Int64(parts[1]) ?? 0
            let seconds = try Checked.sum(members.map(\.seconds), "time of \(name)")
            var quantity = try settings.hoursRounding.hours(seconds: seconds)
            if byDay {
                let perDay = Int64(settings.hoursPerDay)
                quantity = Quantity(tenThousandths: try Checked.add(quantity.tenThousandths, perDay * 50, "days worked")
                    / (perDay * 100) * 100)
            }
            let number = lines.count + 1
            lines.append(InvoiceLine(
                number: number, articleCode: byDay ? settings.dailyArticle : settings.hourlyArticle,
                description: "\(name) – \(monthLabel)", quantity: quantity, unitCode: byDay ? "DAY" : "HUR",
                // A line too large to compute still makes a draft, so that it is set aside for a person
                // (its totals are beyond the bound) instead of failing every run.
                unitPriceMinor: rate,
                netAmountMinor: (try? InvoiceTotals.lineNet(quantity: quantity, unitPriceMinor: rate))
                    ?? InvoiceTotals.beyondAnyBound,
                vatCategory: billing.vat.categoryCode, vatRateBasisPoints: billing.vatRateBasisPoints,
                period: nil, entryCount: members.count))
            for entry in members {
                annex.append(.init(recordKey: entry.key, date: entry.date, user: entry.user, project: entry.project,
                                   task: entry.task, description: entry.description, durationSeconds: entry.seconds,
                                   line: number))
            }
        }
        let keys = entries.map(\.key).sorted()
        let hash = String(SHA256Hasher.hex(keys.map { $0 + (known.releasedBy[$0].map { "@" + $0 } ?? "") }
            .joined(separator: "\n")).prefix(10))
        let id = "time-\(code)-\(month.monthKey)-\(hash)"
        var notes: [String] = []
        if known.timeMonths.contains("\(code)|\(month.monthKey)") {
            notes.append("late entries: \(entries.count) time entries of \(monthLabel) arrived after that month was invoiced")
        }
        let end = CivilDate(year: month.year, month: month.month, day: CivilDate.daysInMonth(year: month.year, month: month.month))!
        return InvoiceDraft(
            id: id, kind: .invoice, clientCode: code,
            origin: .init(type: .time, draftID: id, contract: nil, period: month.monthKey),
            title: "Prestations \(monthLabel)", servicePeriod: .init(start: month, end: end), lines: lines,
            recordKeys: keys, dueOn: close, precedingInvoice: nil, reason: nil, notes: notes, annex: annex)
    }
}
