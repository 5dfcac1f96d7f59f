/// Produces the drafts due on a day: recurring fees whose billing day has come, and the billable
/// time of every closed month that no invoice has billed yet.
package struct DraftGenerator {
    package let pipeline: PipelineConfig
    package let settings: InvoicingSettings
    package let layout: ArchiveLayout

    /// What the store already knows: origins that must not be generated again and entries already billed or held.
    package struct Known {
        /// Draft ids that were issued, are waiting for approval, or were refused.
        package var takenDraftIDs: Set<String>
        /// Entries billed by an issued invoice (and not released by a credit note) or held by a waiting draft.
        package var heldKeys: Set<String>
        /// `client|YYYY-MM` of time-based drafts already issued or waiting (to report late entries).
        package var timeMonths: Set<String>
        /// Entries made billable again by a credit note, with its number (so billing them again gets a new draft id).
        package var releasedBy: [String: String] = [:]
        /// The closed years (``ClosedYearsHistory``), when the sets above hold only the open years'
        /// records, the waiting drafts and the decisions; looked up through the methods below.
        package var closed: ClosedYearsHistory? = nil
        /// With `closed`: keys an open year's credit note released since the closed years held them.
        package var releasedSinceClosed: Set<String> = []

        func isTaken(_ id: String) -> Bool { takenDraftIDs.contains(id) || closed?.draftIDs.contains(id) == true }

        /// False when no key at all is held (no key of a ledger needs a look-up).
        var holdsAny: Bool { !heldKeys.isEmpty || closed?.held.isEmpty == false }

        /// Whether the entry of record key `key` (UTF-8) is held.
        func holds(_ key: UnsafeRawBufferPointer) -> Bool {
            if !heldKeys.isEmpty, heldKeys.contains(String(decoding: key, as: UTF8.self)) { return true }
            guard let closed, closed.held.contains(utf8: key) else { return false }
            return releasedSinceClosed.isEmpty || !releasedSinceClosed.contains(String(decoding: key, as: UTF8.self))
        }

        func hasTimeMonth(_ month: String) -> Bool {
            timeMonths.contains(month) || closed?.timeMonths.contains(month) == true
        }

        /// The credit note that last released `key`, if one did.
        func release(of key: String) -> String? { releasedBy[key] ?? closed?.releasedBy.value(of: key) }
    }

    /// Drafts plus problems that stopped a client's drafts (the entries stay unbilled and are retried).
    ///
    /// Time-based drafts come without their record keys and annex: their billed entries are
    /// taken with ``billed(_:)`` when the draft's turn comes (see ``TimeAnnexes``).
    package struct Result {
        package var drafts: [InvoiceDraft] = []
        package var warnings: [String] = []
        /// Documents that cannot be computed (amounts too large): reported, retried by every run.
        package var errors: [String] = []
        var annexes: TimeAnnexes?

        /// The billed entries of a generated time-based draft, taken now and only once (the
        /// entries kept for it are then released); nil for other drafts. Call it once per
        /// generated draft, when the draft is about to be issued or saved.
        func billed(_ draft: InvoiceDraft) -> TimeAnnexes.Billed? {
            guard draft.annex.isEmpty else { return nil }
            return annexes?.take(draftID: draft.id)
        }

        /// The draft with its record keys and annex as lists (``billed(_:)``, then
        /// ``TimeAnnexes/Billed/completing(_:)``): what a draft saved for a person holds.
        package func complete(_ draft: InvoiceDraft) -> InvoiceDraft {
            billed(draft).map { $0.completing(draft) } ?? draft
        }
    }

    private let clients: [String: PipelineConfig.Client]

    package init(pipeline: PipelineConfig, settings: InvoicingSettings, layout: ArchiveLayout) {
        self.pipeline = pipeline
        self.settings = settings
        self.layout = layout
        clients = Dictionary(pipeline.clients.map { ($0.code, $0) }, uniquingKeysWith: { first, _ in first })
    }

    package func drafts(today: CivilDate, known: Known) throws -> Result {
        var result = Result()
        recurring(today: today, known: known, into: &result)
        var texts = TextPool()
        var keys = RecordKeyArena()
        var sources: [(String, TimeAnnexes.Source)] = []
        try timeBased(today: today, known: known, texts: &texts, keys: &keys, sources: &sources, into: &result)
        let annexes = TimeAnnexes(texts: texts, keys: keys)
        for (id, source) in sources { annexes.add(draftID: id, source) }
        result.annexes = annexes
        result.drafts.sort { ($0.dueOn, $0.clientCode, $0.id) < ($1.dueOn, $1.clientCode, $1.id) }
        return result
    }

    // MARK: - Recurring fees

    private func recurring(today: CivilDate, known: Known, into result: inout Result) {
        for contract in settings.contracts {
            guard let client = clients[contract.clientCode], let billing = client.billing else { continue }
            var closedID = Array("rec-\(contract.id)-".utf8)
            let prefix = closedID.count
            for period in RecurringSchedule.duePeriods(of: contract, from: settings.start, today: today) {
                // The periods of history are nearly all issued in a closed year: their id is looked up
                // there by its bytes, without a String (12,000 periods at 10 years).
                if let closed = known.closed, Self.month(period.start, into: &closedID, after: prefix),
                    closedID.withUnsafeBytes({ closed.draftIDs.contains(utf8: $0) })
                {
                    continue
                }
                let id = RecurringSchedule.draftID(contract: contract, period: period)
                guard !known.isTaken(id) else { continue }
                let label = contract.label + " – " + RecurringSchedule.label(of: period, frequency: contract.frequency)
                let line = InvoiceLine(
                    number: 1, articleCode: contract.article, description: label, quantity: .one, unitCode: "C62",
                    unitPriceMinor: contract.amountMinor, netAmountMinor: contract.amountMinor,
                    vatCategory: billing.vat.categoryCode, vatRateBasisPoints: billing.vatRateBasisPoints,
                    period: nil, entryCount: 0)
                result.drafts.append(
                    InvoiceDraft(
                        id: id, kind: .invoice, clientCode: client.code,
                        origin: .init(type: .recurring, draftID: id, contract: contract.id, period: period.key),
                        title: label, servicePeriod: .init(start: period.start, end: period.end), lines: [line],
                        recordKeys: [], dueOn: period.billingDate, precedingInvoice: nil, reason: nil, notes: [],
                        annex: []))
            }
        }
    }

    /// Puts `YYYY-MM` of `date` (as ``CivilDate/monthKey``) after the first `prefix` bytes of `bytes`;
    /// false for a year of more than four digits.
    private static func month(_ date: CivilDate, into bytes: inout [UInt8], after prefix: Int) -> Bool {
        guard (0...9999).contains(date.year) else { return false }
        bytes.removeSubrange(prefix...)
        bytes.append(0x30 + UInt8(date.year / 1000))
        bytes.append(0x30 + UInt8(date.year / 100 % 10))
        bytes.append(0x30 + UInt8(date.year / 10 % 10))
        bytes.append(0x30 + UInt8(date.year % 10))
        bytes.append(0x2D)
        bytes.append(0x30 + UInt8(date.month / 10))
        bytes.append(0x30 + UInt8(date.month % 10))
        return true
    }

    // MARK: - Time-based invoices

    private typealias Entry = TimeAnnexes.Entry

    private func timeBased(
        today: CivilDate, known: Known, texts: inout TextPool, keys: inout RecordKeyArena,
        sources: inout [(String, TimeAnnexes.Source)], into result: inout Result
    ) throws {
        var month = CivilDate(year: settings.start.year, month: settings.start.month, day: 1)!
        while true {
            let next = RecurringSchedule.addMonths(month, 1)
            let close = settings.timeInvoiceDay.close(of: month)
            guard close <= today else { break }
            let byClient = try billableEntries(month: month, known: known, texts: &texts, keys: &keys, into: &result)
            drafts(
                month: month, close: close, byClient: byClient, texts: texts, keys: keys, known: known,
                sources: &sources, into: &result)
            month = next
        }
    }

    private static let billable = Array(PipelineConfig.Category.facturable.rawValue.utf8)

    /// The month's billable entries not held yet, per client, read from its ledger.
    private func billableEntries(
        month: CivilDate, known: Known, texts: inout TextPool, keys: inout RecordKeyArena,
        into result: inout Result
    ) throws -> [String: [Entry]] {
        let path = layout.ledger(.timeEntries, month.monthKey)
        var byClient: [String: [Entry]] = [:]
        var unassigned = 0
        var outOfBounds = 0
        try LedgerFile.forEachRow(path: path, header: LedgerKind.timeEntries.columns) { fields in
            guard fields[TimeEntryColumn.category.index].elementsEqual(Self.billable) else { return }
            let key = fields[TimeEntryColumn.recordKey.index]
            // No String is made for the key unless something is held (the arena keeps its bytes).
            guard !known.holdsAny || !known.holds(UnsafeRawBufferPointer(key)) else { return }
            let client = String(decoding: fields[TimeEntryColumn.clientCode.index], as: UTF8.self)
            guard !client.isEmpty else { unassigned += 1; return }
            var rate = Self.integer(fields[TimeEntryColumn.hourlyRateMinor.index]).flatMap { $0 > 0 ? $0 : nil }
            // Clockify's rate is in its workspace's currency, in that currency's minor units: a rate
            // in yen or dollars is never billed as euros.
            let rateCurrency = fields[TimeEntryColumn.currency.index]
            let otherCurrency =
                rate != nil && !rateCurrency.isEmpty && !rateCurrency.elementsEqual(pipeline.currency.code.utf8)
            if otherCurrency { rate = nil }
            let seconds = Self.integer(fields[TimeEntryColumn.durationSeconds.index]) ?? 0
            // Ledgers written before imports were bounded may hold values no import accepts today.
            if ImportBounds.problem(durationSeconds: seconds) != nil
                || rate.map({ ImportBounds.problem(amountMinor: $0, scale: 2) != nil }) == true
            {
                outOfBounds += 1
                return
            }
            byClient[client, default: []].append(
                Entry(
                    key: keys.add(key), project: texts.id(fields[TimeEntryColumn.projectName.index]),
                    task: texts.id(fields[TimeEntryColumn.taskName.index]),
                    description: texts.id(fields[TimeEntryColumn.description.index]),
                    user: texts.id(fields[TimeEntryColumn.userName.index]),
                    date: texts.id(
                        UnsafeRawBufferPointer(rebasing: fields[TimeEntryColumn.startLocal.index].prefix(10))),
                    otherRateCurrency: otherCurrency ? texts.id(rateCurrency) : -1, seconds: Int32(seconds),
                    clockifyRateMinor: rate ?? 0))
        }
        if outOfBounds > 0 {
            result.warnings.append(
                "\(month.monthKey): \(outOfBounds) billable time entries of \(Path.name(of: path)) last "
                    + "longer than 72 hours or have a rate beyond 1,000,000,000.00 (imported before facturation checked "
                    + "these bounds): they are not invoiced; correct them in Clockify and drop a new export")
        }
        if unassigned > 0 {
            result.warnings.append(
                "\(month.monthKey): \(unassigned) billable time entries have no client, so they "
                    + "cannot be invoiced: add the Clockify client or project name to a client's aliases in \(pipeline.file)"
            )
        }
        return byClient
    }

    /// The month's time-based drafts (without their annexes, kept in `sources`), in client order.
    private func drafts(
        month: CivilDate, close: CivilDate, byClient: [String: [Entry]], texts: TextPool, keys: RecordKeyArena,
        known: Known, sources: inout [(String, TimeAnnexes.Source)], into result: inout Result
    ) {
        // Clients are independent: their drafts are built on every core, then kept in client order.
        let codes = byClient.keys.sorted()
        let parts = Parallel.cores
        let built = Parallel.map(parts) { part -> (Result, [(String, TimeAnnexes.Source)]) in
            var built = Result()
            var annexes: [(String, TimeAnnexes.Source)] = []
            for client in codes[(codes.count * part / parts)..<(codes.count * (part + 1) / parts)] {
                guard let entries = byClient[client] else { continue }
                do {
                    if let (draft, lines, keyOrder) = try draft(
                        client: client, month: month, close: close, entries: entries,
                        texts: texts, keys: keys, known: known, warnings: &built.warnings),
                        !known.isTaken(draft.id)
                    {
                        built.drafts.append(draft)
                        annexes.append(
                            (draft.id, TimeAnnexes.Source(entries: entries, lines: lines, keyOrder: keyOrder)))
                    }
                } catch {
                    built.errors.append("\(month.monthKey): the time of client \(client) was not invoiced: \(error)")
                }
            }
            return (built, annexes)
        }
        for (part, annexes) in built {
            result.drafts += part.drafts
            result.warnings += part.warnings
            result.errors += part.errors
            sources += annexes
        }
    }

    /// `Int64(text)` of a field, with plain digits parsed without making a String.
    private static func integer(_ bytes: UnsafeRawBufferPointer) -> Int64? {
        guard !bytes.isEmpty, bytes.count <= 18, bytes.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }) else {
            return Int64(String(decoding: bytes, as: UTF8.self))
        }
        return bytes.reduce(0) { $0 * 10 + Int64($1 - 0x30) }
    }

    /// A client's time-based draft for the month (its record keys and annex left out), per entry
    /// the invoice line that bills it, and the order of the draft's record keys (entry indices);
    /// nil (with a warning) when the client cannot be invoiced yet.
    private func draft(
        client code: String, month: CivilDate, close: CivilDate, entries: [Entry], texts: TextPool,
        keys arena: RecordKeyArena, known: Known, warnings: inout [String]
    ) throws(ArithmeticOverflow) -> (InvoiceDraft, [Int32], [Int32])? {
        guard let client = clients[code] else { return nil }
        guard let billing = client.billing, billing.address != nil else {
            warnings.append(
                "\(month.monthKey): \(entries.count) billable time entries of client \(code) wait: the "
                    + "client has no billing address (add address = { … } to its [[clients]] entry in \(pipeline.file))"
            )
            return nil
        }
        guard let (groups, lineOf) = group(entries, billing: billing, texts: texts) else {
            let currencies = Set(entries.compactMap { $0.otherRateCurrency < 0 ? nil : texts[$0.otherRateCurrency] })
                .sorted()
            let why =
                currencies.isEmpty
                ? ""
                : " (its Clockify rates are in " + currencies.joined(separator: ", ")
                    + ", the invoices in \(pipeline.currency.code))"
            warnings.append(
                "\(month.monthKey): client \(code) has billable time but no rate\(why): add hourly_rate "
                    + "(or daily_rate) to its [[clients]] entry in \(pipeline.file)")
            return nil
        }
        let monthLabel = FrenchDates.monthName(month.month, capitalized: false) + " \(month.year)"
        let lines = try invoiceLines(groups, entries: entries, lineOf: lineOf, billing: billing, monthLabel: monthLabel)
        // The keys as Strings only while the id is made: the draft gets them when it is completed.
        let strings = entries.map { arena[$0.key] }
        let keyOrder = strings.indices.sorted { strings[$0] < strings[$1] }
        let keys = keyOrder.map { strings[$0] }
        let hash = String(
            SHA256Hasher.hex(
                keys.map { $0 + (known.release(of: $0).map { "@" + $0 } ?? "") }
                    .joined(separator: "\n")
            ).prefix(10))
        let id = "time-\(code)-\(month.monthKey)-\(hash)"
        var notes: [String] = []
        if known.hasTimeMonth("\(code)|\(month.monthKey)") {
            notes.append(
                "late entries: \(entries.count) time entries of \(monthLabel) arrived after that month was invoiced")
        }
        let end = CivilDate(
            year: month.year, month: month.month, day: CivilDate.daysInMonth(year: month.year, month: month.month))!
        let draft = InvoiceDraft(
            id: id, kind: .invoice, clientCode: code,
            origin: .init(type: .time, draftID: id, contract: nil, period: month.monthKey),
            title: "Prestations \(monthLabel)", servicePeriod: .init(start: month, end: end), lines: lines,
            recordKeys: [], dueOn: close, precedingInvoice: nil, reason: nil, notes: notes, annex: [])
        return (draft, lineOf, keyOrder.map { Int32($0) })
    }

    /// One invoice line per name (project, task or client, as settings.groupTimeBy says) and rate,
    /// numbered in order of first appearance (ledger rows come sorted by start time, then record
    /// key: lines and annex keep that order). Returns the groups (name, rate, entry count) and
    /// each entry's line number; nil when an entry has no rate.
    private func group(
        _ entries: [Entry], billing: ClientBilling, texts: TextPool
    )
        -> ([(name: String, rate: Int64, count: Int)], [Int32])?
    {
        var numbers: [String: Int32] = [:]
        var groups: [(name: String, rate: Int64, count: Int)] = []
        var lineOf: [Int32] = []
        lineOf.reserveCapacity(entries.count)
        for entry in entries {
            let project = texts[entry.project], task = texts[entry.task]
            let name: String
            switch settings.groupTimeBy {
            case .project: name = project.isEmpty ? "Prestations" : project
            case .task: name = task.isEmpty ? (project.isEmpty ? "Prestations" : project) : task
            case .client: name = "Prestations"
            }
            let clockify = entry.clockifyRateMinor > 0 ? entry.clockifyRateMinor : nil
            guard let rate = billing.dailyRateMinor ?? billing.hourlyRateMinor ?? clockify else { return nil }
            let groupKey = name + "\u{1F}" + String(rate)
            if let number = numbers[groupKey] {
                groups[Int(number) - 1].count += 1
                lineOf.append(number)
            } else {
                groups.append((name, rate, 1))
                numbers[groupKey] = Int32(groups.count)
                lineOf.append(Int32(groups.count))
            }
        }
        return (groups, lineOf)
    }

    /// The invoice lines of the groups: hours (or days) rounded as the settings say, at the group's rate.
    private func invoiceLines(
        _ groups: [(name: String, rate: Int64, count: Int)], entries: [Entry], lineOf: [Int32],
        billing: ClientBilling, monthLabel: String
    ) throws(ArithmeticOverflow) -> [InvoiceLine] {
        let byDay = billing.dailyRateMinor != nil
        var seconds = [[Int64]](repeating: [], count: groups.count)
        for (index, entry) in entries.enumerated() { seconds[Int(lineOf[index]) - 1].append(Int64(entry.seconds)) }
        var lines: [InvoiceLine] = []
        for (offset, group) in groups.enumerated() {
            let total = try Checked.sum(seconds[offset], "time of \(group.name)")
            var quantity = try settings.hoursRounding.hours(seconds: total)
            if byDay {
                let perDay = Int64(settings.hoursPerDay)
                quantity = Quantity(
                    tenThousandths: try Checked.add(quantity.tenThousandths, perDay * 50, "days worked")
                        / (perDay * 100) * 100)
            }
            lines.append(
                InvoiceLine(
                    number: offset + 1, articleCode: byDay ? settings.dailyArticle : settings.hourlyArticle,
                    description: "\(group.name) – \(monthLabel)", quantity: quantity, unitCode: byDay ? "DAY" : "HUR",
                    // A line too large to compute still makes a draft, so that it is set aside for a person
                    // (its totals are beyond the bound) instead of failing every run.
                    unitPriceMinor: group.rate,
                    netAmountMinor: (try? InvoiceTotals.lineNet(quantity: quantity, unitPriceMinor: group.rate))
                        ?? InvoiceTotals.beyondAnyBound,
                    vatCategory: billing.vat.categoryCode, vatRateBasisPoints: billing.vatRateBasisPoints,
                    period: nil, entryCount: group.count))
        }
        return lines
    }
}
