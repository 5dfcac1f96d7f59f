import Foundation

/// Applies one converted file to the pipeline's ledgers in `archive/` and delivers a copy of
/// each updated ledger file to `outbox/`.
///
/// Every step is idempotent, so a run that crashed half-way through a file can simply apply
/// the same file again: merging rows that are already there changes nothing.
package struct LedgerUpdater {
    package let layout: ArchiveLayout
    package let outbox: Outbox

    package init(layout: ArchiveLayout) {
        self.layout = layout
        self.outbox = Outbox(layout: layout)
    }

    /// What applying a file changed.
    package struct Update: Sendable {
        package var counts = MergeCounts()
        /// Outbox paths delivered (relative to the outbox).
        package var delivered: [String] = []
        package var warnings: [String] = []

        /// Adds what another partition's merge did (in partition order).
        mutating func add(_ other: Update) {
            counts = counts + other.counts
            delivered += other.delivered
            warnings += other.warnings
        }
    }

    /// Merges the scratch files of a conversion (`partition → path`) into the ledgers.
    ///
    /// - Parameters:
    ///   - sortedPartitions: the rows of new month ledgers already sorted by the conversion
    ///     (``DirectLedgerRows``), for months that have no scratch file.
    ///   - scratch: a folder inside `work/` for the merge's spilled runs.
    func apply(
        kind: LedgerKind, partitionFiles: [String: String], sortedPartitions: [String: MonthRows] = [:],
        scratch: String
    ) throws -> Update {
        var update = Update()
        let months = Set(partitionFiles.keys).union(sortedPartitions.keys)
            .filter { $0 != LedgerKind.pendingPartition }.sorted()
        // Only keys that are pending now can be settled by this file: keeping just those bounds
        // memory whatever the size of the export.
        let pendingPath = layout.ledger(kind, LedgerKind.pendingPartition)
        let pendingKeys =
            kind == .bankTransactions && Storage.exists(pendingPath)
            ? try LedgerFile.keys(path: pendingPath, header: kind.columns) : []
        var settledKeys: Set<String> = []
        if !pendingKeys.isEmpty {
            for month in months {
                guard let file = partitionFiles[month] else { continue }
                settledKeys.formUnion(try Self.keys(in: file, header: nil, among: pendingKeys))
            }
        }
        let merged = try ParallelWork.run(count: months.count) { index in
            let month = months[index]
            var monthUpdate = Update()
            if let rows = sortedPartitions[month] {
                try write(rows, kind: kind, partition: month, scratch: Path.join(scratch, month), into: &monthUpdate)
                return monthUpdate
            }
            guard let file = partitionFiles[month] else { return monthUpdate }
            let input = LedgerMerger.Input(kind: kind, existing: layout.ledger(kind, month), incoming: [file])
            try merge(input, partition: month, scratch: Path.join(scratch, month), into: &monthUpdate)
            return monthUpdate
        }
        for monthUpdate in merged { update.add(monthUpdate) }
        if kind == .bankTransactions {
            try updatePending(
                incomingFile: partitionFiles[LedgerKind.pendingPartition], settledKeys: settledKeys,
                scratch: scratch, into: &update)
        }
        return update
    }

    /// Pending bank rows: replaced by their booked (or declined…) version when it arrives, and
    /// never re-added once that version is in a monthly ledger (looked up in the month of the
    /// operation and the two following ones).
    private func updatePending(
        incomingFile: String?, settledKeys: Set<String>, scratch: String,
        into update: inout Update
    ) throws {
        let kind = LedgerKind.bankTransactions
        let path = layout.ledger(kind, LedgerKind.pendingPartition)
        guard incomingFile != nil || (Storage.exists(path) && !settledKeys.isEmpty) else {
            // Nothing to change; a kill may still have come between its last commit and its
            // outbox copy (the run that takes the same file again finds nothing new to settle).
            if Storage.exists(path) {
                try deliverIfIncomplete(kind: kind, partition: LedgerKind.pendingPartition, into: &update)
            }
            return
        }
        var ignore = settledKeys
        if let incomingFile {
            var monthsToCheck: Set<String> = []
            let incomingKeys = try LedgerFile.keys(path: incomingFile, header: nil)
            for row in try LedgerFile.readRows(path: incomingFile, header: nil) {
                guard let date = CivilDate(iso: row[BankColumn.operationDate.index]) else { continue }
                var month = date
                for _ in 0..<3 {
                    monthsToCheck.insert(month.monthKey)
                    month = CivilDate(year: month.year, month: month.month, day: 28)!.adding(days: 7)
                }
            }
            for month in monthsToCheck.sorted() {
                ignore.formUnion(
                    try Self.keys(in: layout.ledger(kind, month), header: kind.columns, among: incomingKeys))
            }
        }
        var input = LedgerMerger.Input(kind: kind, existing: path, incoming: incomingFile.map { [$0] } ?? [])
        input.removeKeys = settledKeys
        input.ignoreKeys = ignore
        try merge(input, partition: LedgerKind.pendingPartition, scratch: scratch, into: &update)
    }

    /// The keys of the ledger file at `path` (absent: none) that are also in `candidates`.
    private static func keys(in path: String, header: [String]?, among candidates: Set<String>) throws -> Set<String> {
        guard !candidates.isEmpty, Storage.exists(path) else { return [] }
        var found: Set<String> = []
        try LedgerFile.forEachRow(path: path, header: header) { fields in
            let key = String(decoding: fields[0], as: UTF8.self)
            if candidates.contains(key) { found.insert(key) }
        }
        return found
    }

    /// A new month ledger from rows the conversion sorted; if the ledger appeared since (it
    /// did not exist when the conversion started), the rows go through the general merge.
    private func write(
        _ rows: MonthRows, kind: LedgerKind, partition: String, scratch: String, into update: inout Update
    ) throws {
        let path = layout.ledger(kind, partition)
        defer { rows.sorter.removeRuns() }
        guard !Storage.exists(path) else {
            try Storage.makeDirectory(scratch)
            let file = try ScratchFile(path: Path.join(scratch, "incoming.csv"))
            try rows.demote(to: file)
            try file.close()
            let input = LedgerMerger.Input(kind: kind, existing: path, incoming: [file.path])
            try merge(input, partition: partition, scratch: scratch, into: &update)
            return
        }
        var counts = MergeCounts()
        counts.added = rows.rows
        try publish(kind: kind, partition: partition, isNew: true, into: &update) { output in
            try rows.writeLedger(into: output)
            return counts
        }
    }

    private func merge(
        _ input: LedgerMerger.Input, partition: String, scratch: String, into update: inout Update
    ) throws {
        let isNew = !Storage.exists(input.existing)
        try publish(kind: input.kind, partition: partition, isNew: isNew, into: &update) { output in
            try LedgerMerger.merge(input, into: output, scratch: scratch)
        }
    }

    /// Writes a ledger file with `body` (which returns the merge's counts), commits it when it
    /// changed, and delivers it to the outbox.
    private func publish(
        kind: LedgerKind, partition: String, isNew: Bool, into update: inout Update,
        _ body: (OutputFile) throws -> MergeCounts
    ) throws {
        let output = try OutputFile(directory: layout.temporary)
        let path = layout.ledger(kind, partition)
        // A new ledger file is always delivered: its outbox copy is written from the same buffer
        // and its hash computed on the way, instead of reading the file back twice afterwards.
        let copy = isNew ? try OutputFile(directory: layout.temporary) : nil
        if isNew {
            output.hashAndCopy(to: copy)
            // Nothing reads either file back in this run: their blocks go straight to the disk.
            output.skipPageCache()
            copy?.skipPageCache()
        }
        let counts = try body(output)
        update.counts = update.counts + counts
        let changed = counts.changedLedger || isNew
        if changed {
            try Storage.makeDirectory(Path.parent(of: path))
            try output.commit(to: path, collision: .replace)
        } else {
            output.discard()
        }
        let prepared = copy.flatMap { copy in output.writtenSHA256().map { Outbox.PreparedCopy(file: copy, sha256: $0) }
        }
        // Deliver when the ledger changed, or when its last delivery did not complete.
        try deliverIfIncomplete(kind: kind, partition: partition, changed: changed, prepared: prepared, into: &update)
    }

    /// Delivers the outbox copy of a ledger file when it changed, or when its last delivery did not
    /// complete (a kill between the ledger's commit and its copy).
    private func deliverIfIncomplete(
        kind: LedgerKind, partition: String, changed: Bool = false, prepared: Outbox.PreparedCopy? = nil,
        into update: inout Update
    ) throws {
        let path = layout.ledger(kind, partition)
        let relative = kind.rawValue + "/" + partition + ".csv"
        if try changed || !outbox.isDeliveryComplete(relative, hash: Storage.sha256(of: path)) {
            let delivery = try outbox.deliverCurrentVersion(of: path, to: relative, prepared: prepared)
            update.delivered.append(delivery.path)
            if let warning = delivery.warning { update.warnings.append(warning) }
        }
    }
}

/// Runs independent pieces of work on two threads and returns their results in order.
///
/// Why: the monthly ledgers of one export are merged independently; each merge spends its time
/// parsing, sorting and writing on one core, then waiting for its fsyncs. Two at a time use both
/// cores of the machine the benchmark describes and overlap one merge's fsyncs with another's work.
/// Each piece writes only its own files (its ledger, its outbox copy, its scratch folder), and
/// every step stays crash-safe on its own; the results are combined in order, so the summary does
/// not depend on which finished first.
enum ParallelWork {
    static let threads = 2

    static func run<T>(count: Int, _ body: (Int) throws -> T) throws -> [T] {
        guard count > 1 else { return try (0..<count).map(body) }
        let shared = Shared<T>(count: count)
        // The threads end before this function returns (group.wait), so `body` does not escape;
        // only `shared` holds it, and lets go of it before returning.
        return try withoutActuallyEscaping(body) { body in
            shared.body = body
            defer { shared.body = nil }
            let group = DispatchGroup()
            for _ in 0..<min(threads, count) {
                group.enter()
                let thread = Thread {
                    shared.drain()
                    group.leave()
                }
                thread.stackSize = 1 << 22
                thread.start()
            }
            group.wait()
            return try shared.results()
        }
    }

    /// The next index to take, the results, and the first failure (by index).
    private final class Shared<T>: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0
        private var values: [T?]
        private var failure: (index: Int, error: any Error)?
        /// The work, set while the threads run.
        var body: ((Int) throws -> T)?

        init(count: Int) { values = Array(repeating: nil, count: count) }

        func drain() {
            guard let body = lock.withLock({ self.body }) else { return }
            while let index = take() {
                do {
                    let value = try body(index)
                    lock.withLock { values[index] = value }
                } catch {
                    lock.withLock {
                        if failure == nil || index < failure!.index { failure = (index, error) }
                    }
                }
            }
        }

        /// The next index, or nil when all were taken or one failed.
        private func take() -> Int? {
            lock.withLock {
                guard failure == nil, next < values.count else { return nil }
                defer { next += 1 }
                return next
            }
        }

        func results() throws -> [T] {
            if let failure { throw failure.error }
            return values.map { $0! }
        }
    }
}
