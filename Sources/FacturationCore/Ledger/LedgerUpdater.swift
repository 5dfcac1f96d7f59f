/// Applies one converted file to the pipeline's ledgers in `archive/` and delivers a copy of
/// each updated ledger file to `outbox/`.
///
/// Every step is idempotent, so a run that crashed half-way through a file can simply apply
/// the same file again: merging rows that are already there changes nothing.
public struct LedgerUpdater {
    public let layout: PipelineLayout
    public let outbox: Outbox

    public init(layout: PipelineLayout) {
        self.layout = layout
        self.outbox = Outbox(layout: layout)
    }

    /// What applying a file changed.
    public struct Update: Sendable {
        public var counts = MergeCounts()
        /// Outbox paths delivered (relative to the outbox).
        public var delivered: [String] = []
        public var warnings: [String] = []
    }

    /// Merges the scratch files of a conversion (`partition → path`) into the ledgers.
    public func apply(kind: LedgerKind, partitionFiles: [String: String]) throws -> Update {
        var update = Update()
        let header = kind.columns
        let months = partitionFiles.keys.filter { $0 != LedgerKind.pendingPartition }.sorted()
        var settledKeys: Set<String> = []
        for month in months {
            guard let scratch = partitionFiles[month] else { continue }
            let incoming = try LedgerFile.readRows(path: scratch, header: nil)
            if kind == .bankTransactions { settledKeys.formUnion(incoming.map { $0[0] }) }
            let path = layout.ledger(kind, month)
            let existing = try LedgerFile.readRows(path: path, header: header)
            let merged = LedgerMerger.merge(kind: kind, existing: existing, incoming: incoming)
            update.counts = update.counts + merged.counts
            try store(kind: kind, partition: month, rows: merged.rows, changed: merged.rows != existing, into: &update)
        }
        if kind == .bankTransactions {
            try updatePending(incomingFile: partitionFiles[LedgerKind.pendingPartition], settledKeys: settledKeys,
                              into: &update)
        }
        return update
    }

    /// Pending bank rows: replaced by their booked (or declined…) version when it arrives, and
    /// never re-added once that version is in a monthly ledger.
    private func updatePending(incomingFile: String?, settledKeys: Set<String>, into update: inout Update) throws {
        let kind = LedgerKind.bankTransactions
        let path = layout.ledger(kind, LedgerKind.pendingPartition)
        guard incomingFile != nil || (Storage.exists(path) && !settledKeys.isEmpty) else { return }
        let existing = try LedgerFile.readRows(path: path, header: kind.columns)
        var incoming = try incomingFile.map { try LedgerFile.readRows(path: $0, header: nil) } ?? []
        // Drop incoming pending rows whose settled version is already in a monthly ledger.
        if !incoming.isEmpty {
            var settledInLedgers: Set<String> = []
            let operationMonths = Set(incoming.compactMap { CivilDate(iso: $0[BankColumn.operationDate.index]) })
            var monthsToCheck: Set<String> = []
            for date in operationMonths {
                var month = CivilDate(year: date.year, month: date.month, day: 1)!
                for _ in 0..<3 {
                    monthsToCheck.insert(month.monthKey)
                    month = month.adding(days: 32)
                    month = CivilDate(year: month.year, month: month.month, day: 1)!
                }
            }
            for month in monthsToCheck.sorted() {
                let rows = try LedgerFile.readRows(path: layout.ledger(kind, month), header: kind.columns)
                settledInLedgers.formUnion(rows.map { $0[0] })
            }
            let before = incoming.count
            incoming.removeAll { settledInLedgers.contains($0[0]) || settledKeys.contains($0[0]) }
            update.counts.unchanged += before - incoming.count
        }
        let remaining = LedgerMerger.removing(keys: settledKeys, from: existing)
        let merged = LedgerMerger.merge(kind: kind, existing: remaining.rows, incoming: incoming)
        var counts = merged.counts
        counts.removed = remaining.removed
        update.counts = update.counts + counts
        try store(kind: kind, partition: LedgerKind.pendingPartition, rows: merged.rows,
                  changed: merged.rows != existing, into: &update)
    }

    private func store(kind: LedgerKind, partition: String, rows: [[String]], changed: Bool,
                       into update: inout Update) throws {
        let bytes = LedgerFile.serialize(header: kind.columns, rows: rows)
        let path = layout.ledger(kind, partition)
        let relative = kind.rawValue + "/" + partition + ".csv"
        if changed || !Storage.exists(path) {
            try Storage.makeDirectory(Path.parent(of: path))
            try Storage.write(bytes, to: path, temporaryDirectory: layout.temporary, collision: .replace)
        }
        // Deliver when the ledger changed, or when its last delivery did not complete.
        let record = Path.join(layout.deliveries, relative + ".sha256")
        let recorded = (try? Storage.readText(record, limit: 256))?.trimmed
        let hash = bytes.withUnsafeBytes { SHA256Hasher.hex($0) }
        if changed || recorded != hash {
            let delivery = try outbox.deliverCurrentVersion(bytes, to: relative)
            update.delivered.append(delivery.path)
            if let warning = delivery.warning { update.warnings.append(warning) }
        }
    }
}
